"""docs/licences.md from the lock file, and the check that every dependency's licence goes
with the EUPL-1.2 (`make licences`; tests/test_licences.py runs the check).

Every package of uv.lock is listed, runtime ones (what the production image installs) apart
from development ones, with the licence pip-licenses reads from the installed metadata. A
licence is accepted when it is on the EUPL's own list of compatible licences (its Appendix:
GPL-2.0/3.0, AGPL-3.0, OSL-2.1/3.0, EPL-1.0, CeCILL-2.0/2.1, MPL-2.0, LGPL-2.1/3.0, EUPL,
LiLiQ-R/R+) or permissive (MIT, BSD, Apache-2.0, ISC, PSF, ...: they ask for a notice only,
and the EUPL work may include them). An expression with OR needs one accepted choice, with AND
all. Anything else - an unknown licence, a package without one - fails the check, until a
person has read that licence and added it below (or to OVERRIDES with the reason).

    python scripts/licences.py           # check only (exit 1 and the reasons on failure)
    python scripts/licences.py --write   # check and rewrite docs/licences.md
"""

from __future__ import annotations

import json
import re
import subprocess  # runs our pip-licenses with a fixed argument list, never a shell  # nosec B404
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "uv.lock"
DOC = ROOT / "docs" / "licences.md"
PROJECT = "sprachmittlerpool"

# The EUPL-1.2 Appendix's compatible licences, as SPDX ids and as packages name them.
EUPL_COMPATIBLE = {
    "GPL-2.0",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "OSL-2.1",
    "OSL-3.0",
    "EPL-1.0",
    "CECILL-2.0",
    "CECILL-2.1",
    "MPL-2.0",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "EUPL-1.1",
    "EUPL-1.2",
    "LILIQ-R-1.1",
    "LILIQ-RPLUS-1.1",
    "MOZILLA PUBLIC LICENSE 2.0 (MPL 2.0)",
    "GNU LESSER GENERAL PUBLIC LICENSE V3 (LGPLV3)",
    "GNU LESSER GENERAL PUBLIC LICENSE V2 OR LATER (LGPLV2+)",
}
PERMISSIVE = {
    "MIT",
    "MIT LICENSE",
    "MIT-CMU",
    "MIT-0",
    "BSD",
    "BSD LICENSE",
    "BSD-2-CLAUSE",
    "BSD-3-CLAUSE",
    "3-CLAUSE BSD LICENSE",
    "BSD 3-CLAUSE",
    "0BSD",
    "APACHE-2.0",
    "APACHE SOFTWARE LICENSE",
    "APACHE LICENSE 2.0",
    "ISC",
    "ISC LICENSE (ISCL)",
    "PSF-2.0",
    "PYTHON SOFTWARE FOUNDATION LICENSE",
    "ZLIB",
    "CC0-1.0",
    "UNLICENSE",
    "HPND",
    "DFSG APPROVED",
    # Zope Public License 2.1 (zope.event, zope.interface, under gevent for Locust): BSD-style,
    # a notice and no use of the Zope names; the FSF lists it as GPL-compatible.
    "ZPL-2.1",
}
ACCEPTED = {name.upper() for name in EUPL_COMPATIBLE | PERMISSIVE}
# Packages whose metadata names no licence pip-licenses can read, with what their licence
# file says (read by a person; name it here with the reason).
# Packages locked for another platform only, not installed here: their PyPI metadata says.
OVERRIDES: dict[str, str] = {
    "async-timeout": "Apache-2.0",  # aio-libs/async-timeout (Python < 3.11 on other systems)
    "colorama": "BSD-3-Clause",  # tartley/colorama (Windows only)
    # Under gevent (Locust) on Windows or PyPy only.
    "cffi": "MIT",  # python-cffi/cffi
    "pycparser": "BSD-3-Clause",  # eliben/pycparser
    "pywin32": "PSF-2.0",  # mhammond/pywin32 (Windows only)
}


def accepted(expression: str) -> bool:
    """An SPDX-like expression (``A OR B``, ``A AND B``) or a ``;``-separated classifier list
    (each classifier is an alternative the authors offer)."""
    text = expression.strip()
    if not text or text.upper() == "UNKNOWN":
        return False
    if ";" in text:
        return any(accepted(part) for part in text.split(";"))
    if re.search(r"\bOR\b", text):
        return any(accepted(part) for part in re.split(r"\bOR\b", text))
    if re.search(r"\bAND\b", text):
        return all(accepted(part) for part in re.split(r"\bAND\b", text))
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text.upper() in ACCEPTED


def locked() -> tuple[dict[str, str], set[str]]:
    """Every locked package (name -> version) and the names the runtime needs."""
    lock = tomllib.loads(LOCK.read_text())
    packages = {p["name"]: p for p in lock["package"]}
    runtime: set[str] = set()
    todo = [d["name"] for d in packages[PROJECT].get("dependencies", [])]
    while todo:
        name = todo.pop()
        if name in runtime:
            continue
        runtime.add(name)
        package = packages[name]
        todo += [d["name"] for d in package.get("dependencies", [])]
        for extra in package.get("optional-dependencies", {}).values():
            todo += [d["name"] for d in extra]
    versions = {n: str(p.get("version", "")) for n, p in packages.items() if n != PROJECT}
    return versions, runtime


def installed_licences(names: list[str]) -> dict[str, str]:
    result = subprocess.run(  # noqa: S603  # our venv's pip-licenses, fixed arguments  # nosec B603
        [
            str(Path(sys.executable).with_name("pip-licenses")),
            "--from=mixed",
            "--format=json",
            "--with-system",
            "--packages",
            *names,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {_norm(e["Name"]): e["License"] for e in json.loads(result.stdout)}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def report() -> tuple[list[tuple[str, str, str, str, bool]], list[str]]:
    versions, runtime = locked()
    licences = installed_licences(sorted(versions))
    rows, problems = [], []
    for name in sorted(versions):
        licence = OVERRIDES.get(name) or licences.get(_norm(name))
        use = "runtime" if name in runtime else "development"
        if licence is None:
            rows.append((name, versions[name], use, "unknown", False))
            problems.append(f"{name} {versions[name]}: not installed and no licence known")
            continue
        ok = accepted(licence)
        rows.append((name, versions[name], use, licence, ok))
        if not ok:
            problems.append(
                f"{name} {versions[name]}: licence {licence!r} is not known to be EUPL-compatible"
            )
    return rows, problems


def markdown(rows) -> str:
    lines = [
        "# Licences of the dependencies",
        "",
        "Generated from `uv.lock` by `scripts/licences.py` (`make licences`) with pip-licenses;",
        "do not edit by hand. Sprachmittlerpool itself is under the EUPL-1.2 (`LICENSE`). Every",
        "licence below is on the EUPL's list of compatible licences or permissive; the script",
        "fails on any other.",
        "",
        "| package | version | used at | licence |",
        "| --- | --- | --- | --- |",
    ]
    for name, version, use, licence, _ok in rows:
        lines.append(f"| {name} | {version} | {use} | {licence.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    rows, problems = report()
    if "--write" in argv:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(markdown(rows))
        print(f"wrote {DOC.relative_to(ROOT)}: {len(rows)} packages")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

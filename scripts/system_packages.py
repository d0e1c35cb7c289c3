#!/usr/bin/env python3
"""The Debian packages this project needs, in one list: which are missing, and getting them.

    python3 scripts/system_packages.py GROUP [GROUP ...]

Each group needs the packages of the one before it and more:

    image  the production image (Dockerfile): gettext
    demo   `make install`, `make demo`: + python3-venv, nodejs, npm
    test   `make test`: + chromium
    ci     `.ci/run`, `make test-future`: + faketime

Nothing missing: it says nothing and exits 0. Missing and root: it says what it installs and
why, runs `apt-get update` and `apt-get install`, and exits non-zero if apt-get fails or a
package is still missing after it. Missing and not root: it names the missing packages and
the command to run, changes nothing, and exits 1.

Standard library only, so that the system python3 runs it before any virtual environment
exists. The decision (``missing``, ``plan``) is separate from what it does (``main``), so the
tests can give it any machine.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess  # runs apt-get with a fixed argument list, never a shell  # nosec B404
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO


@dataclass(frozen=True)
class Package:
    name: str
    why: str
    # How to tell it is there, any one is enough: "command:NAME" (on PATH), "file:PATH"
    # (an executable file), "module:NAME" (importable by this python3).
    signs: tuple[str, ...]


PACKAGES = (
    Package(
        "gettext",
        "msgfmt compiles the translations (manage.py compilemessages); the tests run "
        "/usr/bin/msgfmt on the catalogues",
        ("file:/usr/bin/msgfmt",),
    ),
    Package(
        "python3-venv",
        "`python3 -m venv` makes .venv (and installs uv into it) when uv is not installed",
        ("command:uv", "module:ensurepip"),
    ),
    Package(
        "nodejs",
        "node runs ical.js, Thunderbird's iCalendar parser, on the invitations the tests send",
        ("command:node",),
    ),
    Package(
        "npm",
        "`npm ci` installs ical.js and axe-core from package-lock.json (make install)",
        ("command:npm",),
    ),
    Package(
        "chromium",
        "the browser tests drive Debian's Chromium (/usr/bin/chromium) with Playwright and "
        "check every role's pages with axe-core",
        ("file:/usr/bin/chromium",),
    ),
    Package(
        "faketime",
        "CI runs the suite a second time with the clock 400 days ahead (make test-future)",
        ("command:faketime",),
    ),
)
BY_NAME = {package.name: package for package in PACKAGES}

_IMAGE = ("gettext",)
_DEMO = (*_IMAGE, "python3-venv", "nodejs", "npm")
_TEST = (*_DEMO, "chromium")
GROUPS = {"image": _IMAGE, "demo": _DEMO, "test": _TEST, "ci": (*_TEST, "faketime")}

# Without the recommends: Chromium's own dependencies bring fontconfig with DejaVu (the font
# the stylesheet names) and Mesa; the recommends add about 130 packages of desktop (printer
# set-up, notification daemon, udev, upower), none of which headless Chromium uses.
INSTALL = ["apt-get", "install", "-y", "--no-install-recommends"]
UPDATE = ["apt-get", "update"]
APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}


def missing(groups: Sequence[str], present: Callable[[str], bool]) -> list[Package]:
    """The packages the groups need of which no sign is present, in the order of PACKAGES."""
    needed = {name for group in groups for name in GROUPS[group]}
    return [
        package
        for package in PACKAGES
        if package.name in needed and not any(present(sign) for sign in package.signs)
    ]


@dataclass(frozen=True)
class Plan:
    say: list[str] = field(default_factory=list)
    run: list[list[str]] = field(default_factory=list)
    exit_code: int = 0


def plan(groups: Sequence[str], absent: Sequence[Package], *, root: bool, apt: bool) -> Plan:
    """What to do about the absent packages: nothing; as root with apt-get, update and install
    exactly them; otherwise name them, say how to get them, and fail."""
    if not absent:
        return Plan()
    names = [package.name for package in absent]
    reasons = [f"  {package.name}: {package.why}" for package in absent]
    needed_for = ("groups " if len(groups) > 1 else "group ") + " ".join(groups)
    if root and apt:
        return Plan(
            say=[f"Installing Debian packages ({needed_for}):", *reasons],
            run=[UPDATE, [*INSTALL, *names]],
        )
    if not apt:
        return Plan(
            say=[
                f"Missing ({needed_for}, Debian package names):",
                *reasons,
                "This machine has no apt-get: install their equivalents, then try again.",
            ],
            exit_code=1,
        )
    return Plan(
        say=[
            f"Missing Debian packages ({needed_for}):",
            *reasons,
            "Install them as root, then try again:",
            "  sudo " + " ".join(UPDATE) + " && sudo " + " ".join([*INSTALL, *names]),
        ],
        exit_code=1,
    )


def is_present(sign: str) -> bool:
    kind, _, target = sign.partition(":")
    if kind == "command":
        return shutil.which(target) is not None
    if kind == "file":
        return os.path.isfile(target) and os.access(target, os.X_OK)
    if kind == "module":
        return importlib.util.find_spec(target) is not None
    raise ValueError(f"unknown sign {sign!r}")


def main(
    argv: Sequence[str],
    *,
    present: Callable[[str], bool] = is_present,
    root: bool | None = None,
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    groups = list(argv)
    unknown = [group for group in groups if group not in GROUPS]
    if not groups or unknown:
        print(f"usage: system_packages.py GROUP [GROUP ...]; groups: {' '.join(GROUPS)}", file=err)
        return 2
    if root is None:
        root = os.geteuid() == 0
    todo = plan(groups, missing(groups, present), root=root, apt=present("command:apt-get"))
    for line in todo.say:
        print(line, file=out if todo.run else err, flush=True)
    for command in todo.run:
        shown = [*(f"{name}={value}" for name, value in APT_ENV.items()), *command]
        print("+ " + " ".join(shown), file=out, flush=True)
        code = run(command, env={**os.environ, **APT_ENV}, check=False).returncode
        if code != 0:
            print(f"{' '.join(command[:2])} failed (exit {code})", file=err)
            return code
    if todo.run:
        still = missing(groups, present)
        if still:
            names = " ".join(package.name for package in still)
            print(f"Still missing after apt-get install: {names}", file=err)
            return 1
    return todo.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

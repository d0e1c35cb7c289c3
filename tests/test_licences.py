"""The licence: EUPL-1.2, and every dependency's licence goes with it (scripts/licences.py)."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import licences  # noqa: E402


def test_the_project_is_published_under_the_eupl_1_2():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    assert "Appendix" in text and "Compatible Licences" in text
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "EUPL-1.2"


def test_every_locked_dependency_has_an_eupl_compatible_licence_and_the_list_is_current():
    rows, problems = licences.report()

    assert problems == []
    assert (ROOT / "docs" / "licences.md").read_text() == licences.markdown(rows)
    names = {row[0] for row in rows}
    assert {"django", "celery", "psycopg", "pytest"} <= names


def test_the_check_accepts_the_eupl_list_and_permissive_licences_and_nothing_else():
    for ok in (
        "MIT",
        "LGPL-3.0-only",
        "MPL-2.0",
        "Apache-2.0 OR BSD-2-Clause",
        "BSD-3-Clause AND 0BSD AND MIT",
        "Apache Software License; BSD License",
    ):
        assert licences.accepted(ok), ok
    for bad in ("", "UNKNOWN", "SSPL-1.0", "Proprietary", "MIT AND BUSL-1.1", "CC-BY-NC-4.0"):
        assert not licences.accepted(bad), bad


def test_the_script_fails_on_an_unknown_licence(monkeypatch, capsys):
    monkeypatch.setattr(
        licences, "installed_licences", lambda names: dict.fromkeys(names, "Business Source")
    )
    assert licences.main([]) == 1
    assert "not known to be EUPL-compatible" in capsys.readouterr().err


def test_the_script_runs_from_the_command_line():
    result = subprocess.run(  # noqa: S603 (our script)
        [sys.executable, str(ROOT / "scripts" / "licences.py")], capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr

"""scripts/system_packages.py, the one list of the Debian packages the project needs: what it
finds missing on a given machine, what it then runs or says, and who calls it. No apt-get
runs here: the machine and the runner are fakes."""

import ast
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import system_packages as sp

ROOT = Path(__file__).resolve().parent.parent
EVERY_SIGN = {sign for package in sp.PACKAGES for sign in package.signs} | {"command:apt-get"}
UPDATE = ["apt-get", "update"]
INSTALL = ["apt-get", "install", "-y", "--no-install-recommends"]


class Machine:
    """A machine with the given signs present; apt-get install makes its packages present."""

    def __init__(self, *, lacking=(), fail=None):
        self.signs = EVERY_SIGN - set(lacking)
        self.fail = fail or {}
        self.ran = []
        self.envs = []
        self.out, self.err = io.StringIO(), io.StringIO()

    def present(self, sign):
        return sign in self.signs

    def run(self, command, *, env, check):
        assert check is False
        self.ran.append(command)
        self.envs.append(env)
        code = self.fail.get(command[1], 0)
        if command[:2] == ["apt-get", "install"] and code == 0:
            for name in command[len(INSTALL) :]:
                self.signs |= set(sp.BY_NAME[name].signs)
        return subprocess.CompletedProcess(command, code)

    def main(self, *groups, root):
        return sp.main(
            groups, present=self.present, root=root, run=self.run, out=self.out, err=self.err
        )


def names(packages):
    return [package.name for package in packages]


def test_a_package_is_missing_when_none_of_its_signs_is_present():
    present = EVERY_SIGN - {"file:/usr/bin/chromium", "command:faketime", "command:uv"}

    missing = sp.missing(["ci"], present.__contains__)

    # python3-venv is there through ensurepip (uv is the other sign).
    assert names(missing) == ["chromium", "faketime"]


def test_python3_venv_is_not_needed_when_uv_is_installed():
    present = EVERY_SIGN - {"module:ensurepip"}

    assert sp.missing(["demo"], present.__contains__) == []
    assert names(sp.missing(["demo"], (present - {"command:uv"}).__contains__)) == ["python3-venv"]


def test_a_group_asks_only_for_its_own_packages():
    nothing = set().__contains__

    assert names(sp.missing(["image"], nothing)) == ["gettext"]
    assert names(sp.missing(["demo"], nothing)) == ["gettext", "python3-venv", "nodejs", "npm"]
    assert "chromium" in names(sp.missing(["test"], nothing))
    assert "faketime" not in names(sp.missing(["test"], nothing))
    assert names(sp.missing(["ci"], nothing))[-1] == "faketime"


def test_each_group_needs_the_one_before_it_and_more():
    order = ["image", "demo", "test", "ci"]
    assert list(sp.GROUPS) == order
    for smaller, larger in zip(order, order[1:], strict=False):
        assert set(sp.GROUPS[smaller]) < set(sp.GROUPS[larger]), (smaller, larger)


def test_every_package_of_a_group_is_listed_with_a_reason_and_a_sign():
    assert {name for group in sp.GROUPS.values() for name in group} == set(sp.BY_NAME)
    for package in sp.PACKAGES:
        assert len(package.why) > 20, package.name
        assert package.signs, package.name
        for sign in package.signs:
            assert sign.partition(":")[0] in {"command", "file", "module"}, sign


def test_the_browser_tests_chromium_is_the_file_the_script_looks_for():
    from tests.web.browser import CHROMIUM

    assert sp.BY_NAME["chromium"].signs == (f"file:{CHROMIUM}",)


def test_with_nothing_missing_it_runs_nothing_says_nothing_and_succeeds():
    machine = Machine()

    code = machine.main("ci", root=True)

    assert code == 0
    assert machine.ran == []
    assert machine.out.getvalue() == machine.err.getvalue() == ""


def test_as_root_it_updates_then_installs_only_what_is_missing():
    machine = Machine(lacking={"file:/usr/bin/chromium", "command:faketime"})

    code = machine.main("ci", root=True)

    assert code == 0
    assert machine.ran == [UPDATE, [*INSTALL, "chromium", "faketime"]]
    assert all(env["DEBIAN_FRONTEND"] == "noninteractive" for env in machine.envs)
    said = machine.out.getvalue()
    assert f"  chromium: {sp.BY_NAME['chromium'].why}" in said
    assert f"  faketime: {sp.BY_NAME['faketime'].why}" in said
    assert "gettext" not in said and "npm" not in said
    assert machine.err.getvalue() == ""


def test_as_root_a_failing_apt_get_update_fails_the_run_and_installs_nothing():
    machine = Machine(lacking={"file:/usr/bin/msgfmt"}, fail={"update": 100})

    code = machine.main("image", root=True)

    assert code == 100
    assert machine.ran == [UPDATE]
    assert "apt-get update failed (exit 100)" in machine.err.getvalue()


def test_as_root_a_failing_apt_get_install_fails_the_run():
    machine = Machine(lacking={"command:npm"}, fail={"install": 100})

    code = machine.main("demo", root=True)

    assert code == 100
    assert machine.ran == [UPDATE, [*INSTALL, "npm"]]


def test_as_root_a_package_still_missing_after_apt_get_fails_the_run():
    machine = Machine(lacking={"command:node"})

    def run_that_installs_nothing(command, *, env, check):
        machine.ran.append(command)
        return subprocess.CompletedProcess(command, 0)

    code = sp.main(
        ["demo"],
        present=machine.present,
        root=True,
        run=run_that_installs_nothing,
        out=machine.out,
        err=machine.err,
    )

    assert code == 1
    assert machine.ran == [UPDATE, [*INSTALL, "nodejs"]]
    assert "Still missing after apt-get install: nodejs" in machine.err.getvalue()


def test_not_root_it_names_the_missing_packages_prints_the_command_and_runs_nothing():
    machine = Machine(lacking={"file:/usr/bin/chromium", "command:npm"})

    code = machine.main("test", root=False)

    assert code == 1
    assert machine.ran == []
    said = machine.err.getvalue()
    assert f"  npm: {sp.BY_NAME['npm'].why}" in said
    assert f"  chromium: {sp.BY_NAME['chromium'].why}" in said
    assert (
        "  sudo apt-get update && sudo apt-get install -y --no-install-recommends npm chromium\n"
    ) in said
    assert machine.out.getvalue() == ""


def test_without_apt_get_it_stops_even_as_root_and_names_the_debian_packages():
    machine = Machine(lacking={"command:apt-get", "command:faketime"})

    code = machine.main("ci", root=True)

    assert code == 1
    assert machine.ran == []
    said = machine.err.getvalue()
    assert "faketime:" in said and "no apt-get" in said
    assert "sudo" not in said


def test_groups_together_install_their_packages_once():
    machine = Machine(lacking={"file:/usr/bin/msgfmt", "file:/usr/bin/chromium"})

    assert machine.main("demo", "test", root=True) == 0

    assert machine.ran == [UPDATE, [*INSTALL, "gettext", "chromium"]]


@pytest.mark.parametrize("argv", [[], ["tests"], ["ci", "bogus"]])
def test_no_group_or_an_unknown_one_is_a_usage_error_that_runs_nothing(argv):
    machine = Machine(lacking={"command:faketime"})

    code = sp.main(
        argv, present=machine.present, root=True, run=machine.run, out=machine.out, err=machine.err
    )

    assert code == 2
    assert machine.ran == []
    assert "usage: system_packages.py GROUP" in machine.err.getvalue()


def test_the_script_needs_only_the_standard_library():
    """The system python3 runs it, before .venv exists."""
    tree = ast.parse((ROOT / "scripts" / "system_packages.py").read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }

    assert imported - {"__future__"} <= sys.stdlib_module_names


def test_the_real_probe_finds_what_this_machine_has(tmp_path):
    plain = tmp_path / "chromium"
    plain.write_text("")

    assert sp.is_present(f"file:{sys.executable}")
    assert sp.is_present("module:json")
    assert sp.is_present("command:sh")
    assert not sp.is_present("command:no-such-command-here")
    assert not sp.is_present("module:no_such_module_here")
    assert not sp.is_present(f"file:{tmp_path / 'missing'}")
    assert not sp.is_present(f"file:{plain}")  # there, but not executable


# Who calls it: nobody else keeps a list of packages or calls apt-get.


def dry_run(*targets):
    """The commands `make -n -B` would run, in order (none of them runs)."""
    result = subprocess.run(  # noqa: S603
        ["make", "-n", "-B", *targets],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.replace("\\\n", " ").splitlines()


def position(lines, text):
    return next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize(
    ("target", "group"),
    [("install", "demo"), ("demo", "demo"), ("test", "test"), ("test-future", "ci")],
)
def test_make_gets_the_packages_before_venv_npm_and_msgfmt_need_them(target, group):
    lines = dry_run(target)

    got = position(lines, f"python3 scripts/system_packages.py {group}")
    assert got < position(lines, "python3 -m venv")
    assert got < position(lines, "npm ci")
    assert got < position(lines, "manage.py compilemessages")


def test_make_test_future_runs_only_pytest_under_faketime_on_sqlite():
    lines = dry_run("test-future")

    command = lines[position(lines, "faketime")]
    assert "faketime -f +400d .venv/bin/pytest" in command
    assert "TESTS_ON_SQLITE=1" in command
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        assert f"-u {name}" in command
    assert sum("faketime" in line for line in lines) == 1


def test_ci_gets_its_packages_from_the_script_then_tests_twice():
    ci = (ROOT / ".ci" / "run").read_text()

    assert ci.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in ci
    steps = [line for line in ci.splitlines() if line and not line[0].isspace()]
    assert steps[-3:] == ["make lint", "make test", "make test-future"]
    assert steps.index("python3 scripts/system_packages.py ci") < steps.index("make lint")


@pytest.mark.parametrize("path", ["Makefile", ".ci/run", "Dockerfile", "docker-compose.yml"])
def test_no_other_file_installs_debian_packages(path):
    assert not re.search(r"\bapt(-get)?\s+(-\S+\s+)*install\b", (ROOT / path).read_text())


def test_the_image_gets_gettext_from_the_script():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "COPY scripts/system_packages.py /tmp/" in dockerfile
    assert "RUN python /tmp/system_packages.py image" in dockerfile
    assert sp.GROUPS["image"] == ("gettext",)

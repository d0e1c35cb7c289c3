"""The apps keep their layers (README, "Architecture"): the import-linter contracts of
pyproject.toml, which ``make lint`` checks as well, hold for every import, also those inside
functions and under TYPE_CHECKING."""

import textwrap
from pathlib import Path

import grimp
from django.conf import settings
from importlinter import configuration
from importlinter.application import use_cases

PYPROJECT = Path(settings.BASE_DIR) / "pyproject.toml"


def test_every_layering_contract_is_kept():
    configuration.configure()

    kept = use_cases.lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)

    assert kept, "an import crosses a layer: the report above names it"


def test_imports_inside_functions_and_for_type_checking_count(tmp_path, monkeypatch):
    # The contracts see what grimp sees; an import hidden in a function is still an import.
    package = tmp_path / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "high.py").write_text("")
    (package / "typed.py").write_text("")
    (package / "low.py").write_text(
        textwrap.dedent(
            """
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from probe import typed


            def later():
                from probe import high
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    graph = grimp.build_graph("probe", cache_dir=None)

    assert graph.find_modules_directly_imported_by("probe.low") == {"probe.high", "probe.typed"}


def test_notifications_reads_bookings_in_its_feed_module_only():
    # The "transport" contract: bookings decide who hears what and what it says; the outbox
    # delivers without knowing them. The feeds are the one documented reader of bookings.
    graph = grimp.build_graph("notifications", "bookings", cache_dir=None)

    readers = {
        module
        for module in graph.modules
        if module.startswith("notifications.")
        and any(
            imported.split(".")[0] == "bookings"
            for imported in graph.find_modules_directly_imported_by(module)
        )
    }

    assert readers == {"notifications.feeds"}

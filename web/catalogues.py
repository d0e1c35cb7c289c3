"""Compiling the translation catalogues (locale/*/LC_MESSAGES/django.po → .mo).

The compiled ``.mo`` files are build products (not in git): ``make install`` compiles them,
and the test run compiles them first when a ``.po`` is newer than its ``.mo``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def catalogue_dirs() -> list[Path]:
    """LOCALE_PATHS and the ``locale`` folders of the project's own apps."""
    from django.apps import apps

    base = Path(settings.BASE_DIR)
    own_apps = [
        Path(config.path) / "locale"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(base) and ".venv" not in Path(config.path).parts
    ]
    return [Path(p) for p in settings.LOCALE_PATHS] + [p for p in own_apps if p.is_dir()]


def stale_catalogues() -> list[Path]:
    stale = []
    for locale_dir in catalogue_dirs():
        for po in locale_dir.glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                stale.append(po)
    return stale


def compile_stale_catalogues() -> int:
    """Compile when needed; returns how many catalogues were stale."""
    from django.core.management import call_command

    stale = stale_catalogues()
    if stale:
        call_command(
            "compilemessages",
            locale=sorted({po.parent.parent.name for po in stale}),
            ignore_patterns=[".venv", "var", "node_modules"],
            verbosity=0,
        )
        _forget_loaded_catalogues()
    return len(stale)


def _forget_loaded_catalogues() -> None:
    """Translations loaded before the compile must be read again (as Django does when
    LOCALE_PATHS changes)."""
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None
    trans_real.translation_catalog_exists.cache_clear()

"""Fixtures of the matching tests: a recorder of the notification hooks the engine calls."""

from __future__ import annotations

from collections import defaultdict

import pytest

HOOKS = ("offer_made_notify", "offer_withdrawn_notify", "alert_notify")
STANDBY_HOOKS = ("standby_notify",)


class Messages:
    """Counts the calls of each notification hook (the hooks stay real: they are wrapped)."""

    def __init__(self):
        self.calls: dict[str, list[dict]] = defaultdict(list)

    def count(self, hook: str) -> int:
        return len(self.calls[hook])

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The pool's mean hours are cached; every test starts without."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def messages(monkeypatch) -> Messages:
    import bookings.services.offers as offers
    import bookings.services.standby as standby

    recorder = Messages()

    def wrap(module, name):
        real = getattr(module, name)

        def recording(**kwargs):
            recorder.calls[name].append(kwargs)
            return real(**kwargs)

        monkeypatch.setattr(module, name, recording)

    for name in HOOKS:
        wrap(offers, name)
    for name in STANDBY_HOOKS:
        wrap(standby, name)
    return recorder

"""Fixtures of the matching tests: a recorder of the notification hooks the engine calls."""

from __future__ import annotations

from collections import defaultdict

import pytest

HOOKS = ("offer_made_notify", "offer_withdrawn_notify", "alert_notify")
# Hooks of several offers at once, recorded as one call of the single hook per offer.
MANY_HOOKS = {
    "offers_made_notify": "offer_made_notify",
    "offers_withdrawn_notify": "offer_withdrawn_notify",
}
STANDBY_HOOKS = ("standby_notify",)


class Messages:
    """Counts the calls of each notification hook (the hooks stay real: they are wrapped),
    a hook of several offers as one call per offer."""

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

    def wrap_many(module, name, single):
        real = getattr(module, name)

        def recording(*, offers, **kwargs):
            offers = list(offers)
            recorder.calls[single].extend({"offer": offer, **kwargs} for offer in offers)
            return real(offers=offers, **kwargs)

        monkeypatch.setattr(module, name, recording)

    for name in HOOKS:
        wrap(offers, name)
    for name, single in MANY_HOOKS.items():
        wrap_many(offers, name, single)
    for name in STANDBY_HOOKS:
        wrap(standby, name)
    return recorder

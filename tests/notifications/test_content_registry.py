"""The transport renders every kind through the builder its owner registered (bookings in
BookingsConfig.ready()); it imports no app to do so."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from notifications import content
from notifications.constants import MessageKind
from notifications.models import Message


def test_every_kind_of_message_has_a_content_builder():
    assert set(content._BUILDERS) == set(MessageKind.values)


def test_a_kind_nobody_registered_fails_loudly(monkeypatch):
    monkeypatch.setattr(content, "_BUILDERS", {})

    with pytest.raises(LookupError, match="AppConfig.ready"):
        content.content_for(Message(kind=MessageKind.REMINDER))


def test_registering_the_same_builders_again_is_harmless_another_one_is_refused():
    from bookings.messages.content import BUILDERS

    content.content_builders_register(BUILDERS)

    with pytest.raises(ImproperlyConfigured):
        content.content_builders_register({MessageKind.REMINDER: lambda message: None})

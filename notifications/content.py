"""What an e-mail says (``MailContent``), and for each kind of message the function that
builds it: a registry the apps that write messages fill in.

Why a registry: the transport renders rows of kinds it does not own - a booking's e-mails -
when a row is written, again when a row could not be rendered then (at send time), and when
a coordinator sends a row again (fresh links). It must not import the app that owns the kind
(bookings sits above notifications). So the owner registers its builders when Django starts,
in its ``AppConfig.ready()`` (``BookingsConfig``), which every process runs - web, Celery
worker and beat, ``manage.py``, tests - before any row is rendered; the transport looks the
kind up. An explicit call in ``ready()`` rather than a side effect of importing a module (or
a signal): grep for ``content_builders_register`` and you find every owner. A kind nobody
registered fails loudly, and the row is recorded as failed like any bug.

The account invitation is the transport's own kind (``core.invitations`` asks for it).
Called inside ``translation.override(message.language)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from .constants import MessageKind
from .ical import CalendarEvent
from .links import absolute_url, set_password_url

if TYPE_CHECKING:
    from .models import Message


@dataclass
class MailContent:
    subject: str
    paragraphs: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)
    event: CalendarEvent | None = None


ContentBuilder = Callable[["Message"], MailContent]


def _account_invitation(message: Message) -> MailContent:
    user = message.recipient_user
    if user is None:
        raise ValueError(f"message {message.pk} has no account to invite")
    pool_name = message.pool.name if message.pool else ""
    return MailContent(
        subject=_("Your access to the language mediation pool"),
        paragraphs=[
            _("An account has been created for you at %(pool)s.")
            % {"pool": pool_name or absolute_url("/")},
            _("Please set your password with this link. It works once and for a few days."),
        ],
        facts=[(_("User name"), user.get_username())],
        actions=[(_("Set password"), set_password_url(user))],
    )


def _applicant_message(message: Message) -> MailContent:
    pool_name = message.pool.name if message.pool else ""
    return MailContent(
        subject=_("Your application to become a language mediator"),
        paragraphs=[
            _("Thank you for your application to %(pool)s.") % {"pool": pool_name},
            str(message.context.get("text", "")),
        ],
    )


_BUILDERS: dict[str, ContentBuilder] = {
    MessageKind.ACCOUNT_INVITATION: _account_invitation,
    MessageKind.APPLICANT_MESSAGE: _applicant_message,
}


def content_builders_register(builders: Mapping[str, ContentBuilder]) -> None:
    """Register the content builder of each kind (idempotent; a second, different builder
    for a kind is a mistake)."""
    for kind, builder in builders.items():
        if _BUILDERS.setdefault(kind, builder) is not builder:
            raise ImproperlyConfigured(f"a content builder for {kind!r} is registered already")


def content_for(message: Message) -> MailContent:
    try:
        builder = _BUILDERS[message.kind]
    except KeyError:
        raise LookupError(
            f"no content builder for messages of kind {message.kind!r}: the app that writes "
            "them registers one in its AppConfig.ready()"
        ) from None
    return builder(message)

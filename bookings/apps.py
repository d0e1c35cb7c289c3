from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from notifications.content import content_builders_register


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        # What a booking's e-mails say, for the outbox to render them (at send time, on a
        # resend) without importing bookings: see notifications.content.
        from .messages.content import BUILDERS

        content_builders_register(BUILDERS)

        # A mediator's change withdraws the offers it made ineligible and tries unfilled
        # requests again (mediators cannot import bookings: a signal).
        from mediators.signals import mediator_eligibility_changed

        from .receivers import on_mediator_eligibility_changed

        mediator_eligibility_changed.connect(
            on_mediator_eligibility_changed, dispatch_uid="bookings.mediator_eligibility"
        )

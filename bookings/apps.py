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

        # Offers and standbys follow a mediator's eligibility (mediators.signals).
        from mediators.signals import mediator_eligibility_changed

        from .receivers import mediator_eligibility_changed_received

        mediator_eligibility_changed.connect(
            mediator_eligibility_changed_received, dispatch_uid="bookings.eligibility_changed"
        )

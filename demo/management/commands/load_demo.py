"""``python manage.py load_demo``: the Kreis Viersen demo pool; a second run keeps the data."""

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bookings.models import Booking
from demo.loader import DEMO_PASSWORD, load_demo
from institutions.models import Institution
from mediators.models import Mediator


class Command(BaseCommand):
    help = "Load the demo data of Kreis Viersen (once) and print the demo logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="Load the demo although DEBUG is off (it creates about 120 accounts that "
            "share one published password).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                "DEBUG is off: this looks like production. The demo creates about 120 accounts "
                "that share one published password. Run it with DEBUG on "
                "(config.settings.local), or add --i-know-this-is-not-production."
            )
        # The demo's history writes its messages to the outbox; in the embedded set-up they
        # are delivered in process (.eml files in var/mail/) - without a log line for each.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        try:
            created, logins = load_demo()
        finally:
            trace.setLevel(level)
        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo loaded: {Institution.objects.count()} institutions, "
                    f"{Mediator.objects.count()} mediators, {Booking.objects.count()} bookings."
                )
            )
        else:
            self.stdout.write("The demo pool exists already; nothing changed.")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.role:<18} {login.username:<14} {login.who}")
        self.stdout.write(
            "\nPages: http://127.0.0.1:8000/  ·  admin: http://127.0.0.1:8000/admin/  ·  "
            "API docs: http://127.0.0.1:8000/api/v1/docs/"
        )

"""``manage.py plan_bookings --pool SLUG --from DATE --to DATE [--apply]``: plan the pool's
open requests of a period at once; without ``--apply`` the plan is stored as a draft to
review (admin or ``GET /api/v1/plans/{id}/``) and nothing about the bookings changes."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bookings.exceptions import BookingConflict
from bookings.planner.models import PlanItemOutcome
from bookings.planner.services import DEFAULT_SECONDS, plan_apply, plan_create
from core.exceptions import DomainError
from institutions.models import Pool


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Plan a pool's open requests of a period at once (batch planner)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pool", required=True, help="the pool's slug")
        parser.add_argument("--from", dest="starts_on", required=True, type=_date)
        parser.add_argument("--to", dest="ends_on", required=True, type=_date)
        parser.add_argument("--apply", action="store_true", help="assign at once")
        parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
        parser.add_argument("--user", help="coordinator username recorded as the actor")

    def handle(self, *args, **options) -> None:
        pool = Pool.objects.filter(slug=options["pool"]).first()
        if pool is None:
            raise CommandError(f"No pool with the slug {options['pool']!r}.")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None or getattr(actor, "coordinator", None) is None:
                raise CommandError(f"No coordinator with the username {options['user']!r}.")
            if actor.coordinator.pool_id != pool.pk:
                raise CommandError("This coordinator does not steer this pool.")
        try:
            run = plan_create(
                pool=pool,
                starts_on=options["starts_on"],
                ends_on=options["ends_on"],
                actor=actor,
                seconds=options["seconds"],
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"Plan {run.pk}: {run.filled} of {run.requests} open requests filled "
            f"(one after another: {run.greedy_filled}), {run.travel_km:.1f} km, "
            f"hours Gini {run.hours_gini:.3f}, {run.seconds:.1f} s."
        )
        if not options["apply"]:
            self.stdout.write("Stored as a draft; nothing assigned yet (use --apply).")
            return
        try:
            run = plan_apply(run=run, actor=actor)
        except BookingConflict as exc:
            raise CommandError(str(exc)) from exc
        assigned = run.items.filter(outcome=PlanItemOutcome.ASSIGNED).count()
        skipped = run.items.filter(outcome=PlanItemOutcome.SKIPPED)
        self.stdout.write(self.style.SUCCESS(f"Applied: {assigned} assigned."))
        for item in skipped:
            self.stdout.write(f"  skipped booking {item.booking_id}: {item.detail}")

"""Marking a month's payout as paid: once per pool and month, never twice."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from core.dates import year_in_range
from core.exceptions import Conflict, DomainError
from core.time import local_date
from institutions.models import Pool

from ..models import PayoutMonth
from ..selectors.payouts import payout_for


class MonthAlreadyPaid(Conflict):
    code = "month_already_paid"


def _already_paid(paid: PayoutMonth | None, *, year: int, month: int) -> MonthAlreadyPaid:
    month_label = f"{month:02d}/{year}"
    if paid is None:  # lost the race to a concurrent mark: its row is not visible here
        return MonthAlreadyPaid(
            _("%(month)s has already been marked as paid; it cannot be paid twice.")
            % {"month": month_label}
        )
    who = (paid.paid_by.get_full_name() or paid.paid_by.get_username()) if paid.paid_by else "–"
    return MonthAlreadyPaid(
        _("%(month)s was marked as paid on %(day)s by %(who)s; it cannot be paid twice.")
        % {
            "month": month_label,
            "day": formats.date_format(local_date(paid.paid_at), "SHORT_DATE_FORMAT"),
            "who": who,
        }
    )


def payout_month_mark_paid(
    *, pool: Pool, year: int, month: int, actor: AbstractBaseUser, now: datetime.datetime
) -> PayoutMonth:
    """Record that the month's payout list has been paid, with who and when, and the amount
    paid. Only a month that is over, with something to pay; a second mark of the same
    month is refused (``MonthAlreadyPaid``), also when two coordinators click at once: the
    pool's row is locked, and the unique constraint holds behind it."""
    if not (year_in_range(year) and 1 <= month <= 12):
        raise DomainError(_("Choose a month."), field="month")
    today = local_date(now)
    if (year, month) >= (today.year, today.month):
        raise DomainError(_("A month can be marked as paid once it is over."), field="month")
    with transaction.atomic():
        Pool.objects.select_for_update().filter(pk=pool.pk).first()
        payout = payout_for(pool=pool, year=year, month=month)
        if payout.paid is not None:
            raise _already_paid(payout.paid, year=year, month=month)
        if not payout.lines:
            raise DomainError(_("There are no allowances to pay in this month."), field="month")
        try:
            with transaction.atomic():
                return PayoutMonth.objects.create(
                    pool=pool,
                    year=year,
                    month=month,
                    total_cents=payout.total_cents,
                    mediators=len(payout.lines),
                    paid_at=now,
                    paid_by_id=actor.pk,
                )
        except IntegrityError:
            raise _already_paid(None, year=year, month=month) from None

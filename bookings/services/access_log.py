"""Who read or changed a booking or a person's data (PRODUCT.md, "Privacy and trust").

A read is recorded where the booking is shown (the API's detail, the pages); a change is
recorded by the service that makes it, in its own transaction, whichever way it was called
(API, page, signed link, admin action, command): ``access_log_change``. A request that shows
personal data in bulk (a list, an export, a calendar feed, an admin page) writes one row
naming what it listed: ``access_log_list``, reached from every layer through
``core.read_log.read_logged``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Subquery

from core.read_log import EXPORT, LIST
from institutions.models import Institution, Staff
from institutions.selectors import coordinator_of, staff_of
from mediators.models import Mediator
from mediators.selectors import mediator_of

from ..models import AccessLog, Booking

READ = "read"
CHANGE = "change"
ERASE = "erase"
ACTIONS = (READ, CHANGE, LIST, EXPORT, ERASE)
QUERY_MAX_LENGTH = 500


def id_list(ids: Iterable[int]) -> str:
    """``,1,2,3,``: each id between commas, so ``__contains=",2,"`` finds one on every
    database; empty for none."""
    text = ",".join(str(int(pk)) for pk in dict.fromkeys(ids))
    return f",{text}," if text else ""


def id_list_parse(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def _user_id(user: AbstractBaseUser | AnonymousUser | None) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def _pool_id_of(user: AbstractBaseUser | AnonymousUser | None) -> int | Subquery | None:
    """The pool of the reader's role (no query beyond the role row): a staff member's is
    their institution's, read by the INSERT itself unless the institution was read before
    (the token's check reads the role row without it)."""
    if (coordinator := coordinator_of(user)) is not None:
        return coordinator.pool_id
    if (staff := staff_of(user)) is not None:
        if Staff.institution.is_cached(staff):
            return staff.institution.pool_id
        return Subquery(Institution.objects.filter(pk=staff.institution_id).values("pool_id"))
    if (mediator := mediator_of(user)) is not None:
        return mediator.pool_id
    return None


def access_log_record(
    *, booking: Booking, user: AbstractBaseUser | AnonymousUser | None, action: str
) -> AccessLog:
    """One row per read of a booking's details and per change a person makes."""
    if action not in (READ, CHANGE):
        raise ValueError(f"unknown access action: {action}")
    return AccessLog.objects.create(
        booking=booking, pool_id=booking.pool_id, user_id=_user_id(user), action=action
    )


def access_log_change(
    *, booking: Booking, actor: AbstractBaseUser | AnonymousUser | None
) -> AccessLog | None:
    """The change row of a service that changed the booking on a person's behalf; call it
    inside the service's transaction. A change nobody signed in made (the matching engine,
    the planner's command) is in the booking's events only."""
    if actor is None or not actor.is_authenticated:
        return None
    return access_log_record(booking=booking, user=actor, action=CHANGE)


def access_log_list(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    what: str,
    action: str = LIST,
    pool_id: int | None = None,
    booking_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
    object_ids: Iterable[int] = (),
    mediator_ids: Iterable[int] = (),
    count: int | None = None,
    query: str = "",
) -> AccessLog:
    """One row for one request that showed personal data in bulk, with the ids of what it
    listed: one INSERT, however many rows were shown (mediators given by their own ids are
    named by their accounts' ids, read in one more query)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown access action: {action}")
    mediator_ids = list(mediator_ids)
    if mediator_ids:
        accounts = (
            Mediator.objects.filter(pk__in=mediator_ids)
            .order_by()  # the model's order (by name) would join the users for nothing
            .values_list("user_id", flat=True)
        )
        user_ids = [*user_ids, *accounts]
    pool = pool_id if pool_id is not None else _pool_id_of(user)
    row = AccessLog.objects.create(
        user_id=_user_id(user),
        action=action,
        what=what[:80],
        pool_id=pool,
        booking_ids=id_list(booking_ids),
        user_ids=id_list(user_ids),
        object_ids=id_list(object_ids),
        count=count,
        query=query[:QUERY_MAX_LENGTH],
    )
    if isinstance(pool, Subquery):
        vars(row).pop("pool_id")  # deferred: the INSERT read it; read again only if asked
    return row

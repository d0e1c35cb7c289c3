"""A mediator's offers as their list shows them (``bookings.apis.offers``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from institutions.models import Institution, Location

from ..matching.selectors import offers_of
from ..models import Offer

if TYPE_CHECKING:
    from mediators.models import Mediator


def offer_list(mediator: Mediator) -> QuerySet[Offer]:
    """The mediator's own offers (``offers_of``: newest first) with what a row shows: the
    booking and its language joined, the town of the place (the location's; without one,
    the institution's) read next to each row as ``town_name``. Joining the locations, the
    institutions and their towns instead made PostgreSQL plan seven tables, most of the
    query's time."""
    # One row each (by primary key): no ordering, which would join the models' own.
    location_town = (
        Location.objects.filter(pk=OuterRef("booking__location_id")).order_by().values("town__name")
    )
    institution_town = (
        Institution.objects.filter(pk=OuterRef("booking__institution_id"))
        .order_by()
        .values("town__name")
    )
    return (
        offers_of(mediator)
        .select_related(None)
        .select_related("booking__language")
        .annotate(town_name=Coalesce(Subquery(location_town), Subquery(institution_town)))
    )

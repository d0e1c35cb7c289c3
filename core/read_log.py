"""Recording that personal data was shown in bulk: a list, an export, a feed, an admin page.

Every layer shows personal data (the admin of institutions and mediators, the mediators'
API, the feeds, the pages), while the access log is a model of bookings, a layer above
some of them. They call ``read_logged``; ``settings.READ_LOG_SERVICE`` names the service
that writes the row (``bookings.services.access_log.access_log_list``), as
``ACCOUNT_INVITATION_SERVICE`` names who writes an invitation.

One call writes one row, whatever the number of rows shown: the ids of what was listed are
kept in that row, never one row per item.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.http import HttpRequest

READ = "read"
LIST = "list"
EXPORT = "export"


def read_logged(
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
) -> None:
    """Record one bulk read of personal data by ``user`` (None: a calendar feed, read with
    its secret URL); ``what`` names the list (``api:booking-list``,
    ``admin:mediators.mediator``), the id lists what was on it (people by their accounts'
    ids, or mediators by theirs), ``count`` how many rows it had in all and ``query`` the
    filter it was asked with."""
    service = import_string(settings.READ_LOG_SERVICE)
    service(
        user=user,
        what=what,
        action=action,
        pool_id=pool_id,
        booking_ids=booking_ids,
        user_ids=user_ids,
        object_ids=object_ids,
        mediator_ids=mediator_ids,
        count=count,
        query=query,
    )


def _ids_of(model: Any, rows: Iterable[Any]) -> dict[str, list[int]]:
    """Which id list a row of ``model`` goes to: bookings (itself, or the booking it belongs
    to), people (the account of a mediator, staff member or coordinator), or other rows."""
    rows = list(rows)
    ids: dict[str, list[int]] = {"booking_ids": [], "user_ids": [], "object_ids": []}
    names = {field.name for field in model._meta.concrete_fields}
    if model._meta.label_lower == "bookings.booking":
        ids["booking_ids"] = [row.pk for row in rows]
    elif "booking" in names:
        ids["booking_ids"] = [row.booking_id for row in rows if row.booking_id]
    elif "user" in names:
        ids["user_ids"] = [row.user_id for row in rows if row.user_id]
    else:
        ids["object_ids"] = [row.pk for row in rows]
    return ids


class ReadLoggedAdminMixin:
    """For a ModelAdmin: a list page and a change page (GET) write one access-log row each,
    naming the rows shown (taken from the page's own context: no query per row). Set
    ``read_log = False`` on an admin whose rows are no one's personal data."""

    read_log: bool = True

    def _what(self) -> str:
        return f"admin:{self.model._meta.label_lower}"  # type: ignore[attr-defined]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = getattr(response, "context_data", {}).get("cl") if self.read_log else None
        if changelist is not None:
            ids = _ids_of(self.model, changelist.result_list)  # type: ignore[attr-defined]
            read_logged(
                user=request.user,
                what=self._what(),
                booking_ids=ids["booking_ids"],
                user_ids=ids["user_ids"],
                object_ids=ids["object_ids"],
                count=changelist.result_count,
                query=request.GET.urlencode(),
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        context = getattr(response, "context_data", None) or {}
        original = context.get("original")
        if self.read_log and request.method == "GET" and original is not None:
            ids = _ids_of(self.model, [original])  # type: ignore[attr-defined]
            read_logged(
                user=request.user,
                what=self._what(),
                action=READ,
                booking_ids=ids["booking_ids"],
                user_ids=ids["user_ids"],
                object_ids=ids["object_ids"],
                count=1,
            )
        return response

"""The calendar feed, without sign-in (the one-click answer to an offer e-mail is the
bookings': ``bookings.messages.views``)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from core.read_log import read_logged

from .feeds import calendar_feed_by_token, feed_build, feed_content


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed; a conditional request whose ETag still matches gets 304 without the
    feed being built (the ETag comes from the rows the feed would be built from)."""
    feed_row = calendar_feed_by_token(token)
    if feed_row is None:
        raise Http404
    content = feed_content(feed_row)
    if not {"HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH"} & request.META.keys():
        # Nothing to compare the ETag with: the feed is built, its rows and ETag read at once.
        content.read_rows_and_etag()
    response = HttpResponse(content_type="text/calendar; charset=utf-8")
    response["ETag"] = content.etag
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    patch_cache_control(response, private=True, max_age=300)
    # Django hands back the response itself when no precondition applies.
    conditional = get_conditional_response(request, etag=content.etag, response=response)
    if conditional is not response:
        return conditional
    response.content = feed_build(content)
    # A feed shows the owner's appointments in bulk: one access-log row per fetch (a 304
    # shows nothing and writes none). Who fetched it is unknown: whoever holds the URL.
    owner = feed_row.mediator or feed_row.institution
    read_logged(
        user=None,
        what="feed:mediator" if feed_row.mediator_id else "feed:institution",
        pool_id=owner.pool_id,
        user_ids=[feed_row.mediator.user_id] if feed_row.mediator is not None else [],
        object_ids=[feed_row.institution_id] if feed_row.institution_id else [],
        count=len(content.rows),
    )
    return response

"""Pages without sign-in: the calendar feed and the one-click answer to an offer.

The offer link's GET only shows a confirmation page (mail scanners fetch links); the POST
of that page answers. A used, expired or tampered link shows a clear page and changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views import View
from django.views.decorators.http import require_safe

from .content import booking_facts
from .feeds import calendar_feed_by_token, feed_build, feed_content
from .links import ACCEPT, LinkExpired, LinkInvalid, OfferLink, offer_link_read
from .models import OfferLinkUse
from .recipients import message_language

# -- calendar feed -------------------------------------------------------------------------


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed; a conditional request whose ETag still matches gets 304 without the
    feed being built (the ETag comes from the rows the feed would be built from)."""
    feed_row = calendar_feed_by_token(token)
    if feed_row is None:
        raise Http404
    content = feed_content(feed_row)
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
    return response


# -- one-click offer answers ---------------------------------------------------------------

INVALID, EXPIRED, USED, CLOSED, TAKEN = "invalid", "expired", "used", "closed", "taken"
STATUS_CODES = {INVALID: 400, EXPIRED: 410, USED: 410, CLOSED: 410, TAKEN: 409}


@dataclass
class _Answer:
    link: OfferLink | None = None
    offer: Any = None
    problem: str = ""


def _read(token: str) -> _Answer:
    from bookings.constants import OfferStatus

    try:
        link = offer_link_read(token)
    except LinkExpired as exc:
        return _Answer(offer=_offer_of(exc.link), problem=EXPIRED)
    except LinkInvalid:
        return _Answer(problem=INVALID)
    offer = _offer_of(link)
    if offer is None:
        return _Answer(problem=INVALID)
    answer = _Answer(link=link, offer=offer)
    if OfferLinkUse.objects.filter(link_id=link.link_id).exists():
        answer.problem = USED
    elif offer.status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED):
        answer.problem = USED
    elif offer.status != OfferStatus.PENDING:
        answer.problem = CLOSED
    elif offer.expires_at <= timezone.now():
        answer.problem = EXPIRED
    return answer


def _offer_of(link: OfferLink | None) -> Any:
    from bookings.models import Offer

    if link is None:
        return None
    return (
        Offer.objects.select_related(
            "mediator__user",
            "booking__language",
            "booking__dialect",
            "booking__institution",
            "booking__location__town",
        )
        .filter(pk=link.offer_id, mediator_id=link.mediator_id)
        .first()
    )


class OfferAnswerView(View):
    template_name = "notifications/offer_answer.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return self._page(request, _read(token), step="confirm")

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        from bookings.exceptions import BookingConflict
        from bookings.services.offers import offer_accept, offer_decline

        answer = _read(token)
        if answer.problem:
            return self._page(request, answer, step="confirm")
        link, offer = answer.link, answer.offer
        if link is None:
            return self._page(request, _Answer(problem=INVALID), step="confirm")
        perform = offer_accept if link.action == ACCEPT else offer_decline
        try:
            with transaction.atomic():
                OfferLinkUse.objects.create(link_id=link.link_id, offer=offer, action=link.action)
                perform(offer=offer, mediator=offer.mediator)
        except IntegrityError:
            answer.problem = USED
        except BookingConflict:
            answer.problem = TAKEN
        return self._page(request, answer, step="done")

    def _page(self, request: HttpRequest, answer: _Answer, *, step: str) -> HttpResponse:
        language = translation.get_language()
        if answer.offer is not None:
            language = message_language(answer.offer.mediator.language)
        with translation.override(language):
            booking = answer.offer.booking if answer.offer is not None else None
            show_details = booking is not None and answer.problem in ("", TAKEN, USED)
            response = render(
                request,
                self.template_name,
                {
                    "problem": answer.problem,
                    "action": answer.link.action if answer.link else "",
                    "offer": answer.offer,
                    "facts": booking_facts(booking) if show_details and booking else [],
                    "step": step,
                    "language": language,
                    "direction": "rtl" if translation.get_language_bidi() else "ltr",
                },
                status=STATUS_CODES.get(answer.problem, 200),
            )
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        patch_cache_control(response, private=True, no_store=True)
        return response

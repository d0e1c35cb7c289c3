"""The one-click answer to an offer e-mail, a page without sign-in.

The link's GET only shows a confirmation page (mail scanners fetch links); the POST of that
page answers through the same services as the API and the pages. A used, expired or tampered
link shows a clear page and changes nothing. The page speaks the mediator's e-mail language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.views import View

from notifications.models import OfferLinkUse
from notifications.recipients import message_language

from ..constants import OfferStatus
from ..exceptions import BookingConflict, NotEligible
from ..models import Offer
from ..services.offers import offer_accept, offer_decline
from .content import booking_facts
from .links import ACCEPT, LinkExpired, LinkInvalid, OfferLink, offer_link_read

INVALID, EXPIRED, USED, CLOSED, TAKEN = "invalid", "expired", "used", "closed", "taken"
STATUS_CODES = {INVALID: 400, EXPIRED: 410, USED: 410, CLOSED: 410, TAKEN: 409}


@dataclass
class _Answer:
    link: OfferLink | None = None
    offer: Any = None
    problem: str = ""


def _read(token: str) -> _Answer:
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


def _offer_of(link: OfferLink | None) -> Offer | None:
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
    template_name = "bookings/offer_answer.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return self._page(request, _read(token), step="confirm")

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
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
                try:
                    perform(offer=offer, mediator=offer.mediator)
                except NotEligible:
                    # Kept: the offer was withdrawn and the booking offered on (the link used).
                    answer.problem = TAKEN
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

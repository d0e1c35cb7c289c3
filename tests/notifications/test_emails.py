"""E-mails: short, in the recipient's language, from the pool, without client data."""

import datetime
import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import resolve
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode

from bookings.messages.hooks import alert_notify, offer_made_notify, standby_notify
from bookings.models import Alert, Standby
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.recipients import message_language
from notifications.rendering import render_email
from notifications.services import account_invitation_notify, applicant_message_notify
from tests.bookings.factories import OfferFactory
from tests.institutions.factories import CoordinatorFactory, UserFactory
from tests.mediators.factories import MediatorFactory

from .conftest import confirm

pytestmark = pytest.mark.django_db


def parts(email):
    html = next(content for content, mimetype in email.alternatives if mimetype == "text/html")
    return email.body, html


def test_each_side_gets_its_confirmation_in_its_own_language(confirmed):
    german = render_email(Message.objects.get(recipient_email="lehrerin@example.org"))
    english = render_email(Message.objects.get(recipient_email="mona@example.org"))

    assert german.subject.startswith("Bestätigt: Sprachmittlung am")
    assert "Guten Tag Lea Lehrer," in german.body
    assert english.subject.startswith("Confirmed: language mediation on")
    assert "Hello Mona Mittler," in english.body


def test_sender_reply_to_and_footer_come_from_the_pool(confirmed):
    email = render_email(Message.objects.get(recipient_email="mona@example.org"))
    text, html = parts(email)

    assert email.from_email == f"{confirmed.pool.name} <ki@kreis-viersen.example>"
    assert email.reply_to == ["team@kreis-viersen.example"]
    assert "Kommunales Integrationszentrum Kreis Viersen" in text
    assert "Kommunales Integrationszentrum Kreis Viersen" in html
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_confirmation_shows_each_side_the_others_contact_person_and_no_client_data(
    confirmed,
):
    to_institution = render_email(Message.objects.get(recipient_email="lehrerin@example.org"))
    to_mediator = render_email(Message.objects.get(recipient_email="mona@example.org"))

    assert "Mona Mittler, 0170 555" in to_institution.body
    assert "Lea Lehrer, 02162 1234" in to_mediator.body
    for email in (to_institution, to_mediator):
        text, html = parts(email)
        assert "FALL-0815" in text  # the case reference is the only reference to the client
        assert "Ahmad" not in text and "Ahmad" not in html  # notes never leave the app
        assert "Ahmad" not in email.message().as_string()


def test_an_offer_shows_the_appointment_but_not_the_contact_person(booking, mediator):
    offer_made_notify(offer=OfferFactory(booking=booking, mediator=mediator))

    email = render_email(Message.objects.get(kind=MessageKind.OFFER_MADE))

    assert "02162 1234" not in email.body
    assert "Lea Lehrer" not in email.body
    assert "Accept:" in email.body and "Decline:" in email.body


@pytest.mark.parametrize("code", ["de", "en", "de-at"])
def test_languages_with_a_catalogue_are_kept(code):
    assert message_language(code) == code.split("-")[0]


def test_a_language_without_a_catalogue_falls_back_to_german(booking):
    mediator = MediatorFactory(pool=booking.pool, language="ti")  # Tigrinya: no catalogue
    confirm(booking, mediator)

    email = render_email(Message.objects.get(recipient_email=mediator.user.email))

    assert message_language("ti") == "de"
    assert Message.objects.get(recipient_email=mediator.user.email).language == "de"
    assert email.subject.startswith("Bestätigt:")


def test_the_invitation_link_sets_the_password_of_that_account(staff):
    user = UserFactory(username="neu", email="neu@example.org")
    account_invitation_notify(user=user, pool=staff.institution.pool, language="de")

    email = render_email(Message.objects.get(kind=MessageKind.ACCOUNT_INVITATION))

    url = re.search(r"https?://\S+/accounts/\S+", email.body).group(0)
    match = resolve(urlparse(url).path)
    assert urlsafe_base64_decode(match.kwargs["uidb64"]).decode() == str(user.pk)
    assert default_token_generator.check_token(user, match.kwargs["token"])
    assert email.subject == "Ihr Zugang zum Sprachmittlerpool"


def every_kind(booking, mediator):
    """One message of every kind for the booking."""
    from bookings.constants import Status
    from bookings.services import booking_cancel
    from bookings.state_machine import record_event
    from core.constants import ActorRole

    offer = OfferFactory(booking=booking, mediator=mediator)
    offer_made_notify(offer=offer)
    from bookings.messages.hooks import offer_withdrawn_notify

    offer_withdrawn_notify(offer=offer)
    from bookings.messages.hooks import nobody_found_notify

    told = record_event(
        booking=booking,
        from_status=booking.status,
        to_status=booking.status,
        actor_role=ActorRole.COORDINATOR,
        data={"institution_told": {"reason": "nobody_free", "times": []}},
    )
    nobody_found_notify(booking=booking, event=told)
    confirmed = confirm(booking, mediator)
    record_event(
        booking=confirmed,
        from_status=Status.CONFIRMED,
        to_status=Status.CONFIRMED,
        actor_role=ActorRole.INSTITUTION,
    )
    standby = Standby.objects.create(booking=confirmed, mediator=MediatorFactory(pool=booking.pool))
    standby_notify(standby=standby)
    standby_notify(standby=standby, released=True)
    CoordinatorFactory(pool=booking.pool)
    alert_notify(
        alert=Alert.objects.create(pool=booking.pool, booking=booking, kind="x", message="m")
    )
    account_invitation_notify(user=UserFactory(), pool=booking.pool)
    applicant_message_notify(
        key="application:1:declined",
        email="bewerberin@example.org",
        name="Leyla Bewerberin",
        language="de",
        pool=booking.pool,
        text="Danke für Ihre Bewerbung.",
    )
    from bookings.messages.hooks import tax_free_notice_notify

    tax_free_notice_notify(mediator=mediator, year=2027, threshold="warning")
    from bookings.messages.periodic import reminders_write, report_requests_write

    type(booking).objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() + datetime.timedelta(hours=2),
        ends_at=timezone.now() + datetime.timedelta(hours=3),
        confirmed_at=timezone.now() - datetime.timedelta(days=2),
    )
    reminders_write()
    report_requests_write(now=timezone.now() + datetime.timedelta(hours=4))
    booking_cancel(booking=confirmed, actor=mediator.user, reason="krank")


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_kind_renders_text_and_html_in_both_languages(booking, mediator, language):
    every_kind(booking, mediator)
    Message.objects.update(language=language)

    rendered = {m.kind: render_email(m) for m in Message.objects.all()}

    assert set(rendered) == set(MessageKind.values)
    for kind, email in rendered.items():
        text, html = parts(email)
        assert email.subject and text.strip() and "<html" in html, kind
        assert ("Guten Tag" in text) == (language == "de"), kind

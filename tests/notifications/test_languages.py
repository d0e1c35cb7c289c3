"""Mediators read their e-mails and offer pages in their own language: Arabic and Farsi from
right to left, Ukrainian and Turkish; staff of institutions and coordinators in German or
English only."""

import re
from urllib.parse import urlparse

import pytest
from django.test import Client

from bookings.messages.hooks import alert_notify, offer_made_notify
from institutions.services import staff_create
from mediators.models import Language
from notifications.constants import MessageKind
from notifications.models import Message
from notifications.recipients import message_language
from notifications.rendering import render_email
from tests.bookings.factories import OfferFactory
from tests.institutions.factories import CoordinatorFactory
from tests.mediators.factories import MediatorFactory

from .conftest import confirm
from .test_emails import every_kind, parts

pytestmark = pytest.mark.django_db

# language: (direction, greeting, subject of a confirmation, its first paragraph)
CONFIRMATIONS = {
    "ar": ("rtl", "مرحبًا Mona Mittler،", "تأكيد: وساطة لغوية في", "هذا الموعد محجوز لك الآن."),
    "fa": (
        "rtl",
        "سلام Mona Mittler،",
        "تأیید شد: میانجی‌گری زبانی در",
        "این قرار برای شما ثبت شد.",
    ),
    "uk": (
        "ltr",
        "Доброго дня, Mona Mittler!",
        "Підтверджено: мовне посередництво",
        "Цю зустріч закріплено за вами.",
    ),
    "tr": ("ltr", "Merhaba Mona Mittler,", "Onaylandı:", "Bu randevu artık sizin."),
}


def speaking(mediator, language):
    mediator.language = language
    mediator.save(update_fields=["language"])
    return mediator


@pytest.mark.parametrize("language", CONFIRMATIONS)
def test_a_mediator_gets_the_confirmation_in_their_own_language(booking, mediator, language):
    direction, greeting, subject, paragraph = CONFIRMATIONS[language]
    confirm(booking, speaking(mediator, language))

    message = Message.objects.get(recipient_email=mediator.user.email)
    email = render_email(message)
    text, html = parts(email)

    assert message.language == language
    assert email.subject.startswith(subject)
    assert email.extra_headers["Content-Language"] == language
    assert text.startswith(greeting) and paragraph in text
    assert greeting in html and paragraph in html
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f'<body dir="{direction}"' in html  # webmail drops <html> but keeps the body's
    assert f'lang="{language}" dir="{direction}"' in html.split("<body", 1)[1]
    assert "FALL-0815" in text  # the case reference, and nothing else about the client
    assert "Ahmad" not in text and "Ahmad" not in html


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_right_to_left_e_mails_align_to_the_right(booking, mediator, language):
    confirm(booking, speaking(mediator, language))

    _text, html = parts(render_email(Message.objects.get(recipient_email=mediator.user.email)))

    assert "text-align:right" in html and "text-align:left" not in html
    assert "padding:4px 0 4px 12px" in html  # the gap after a label is on its left


def test_a_left_to_right_e_mail_keeps_its_left_alignment(confirmed):
    _text, html = parts(render_email(Message.objects.get(recipient_email="mona@example.org")))

    assert '<html lang="en" dir="ltr">' in html
    assert "text-align:left" in html and "text-align:right" not in html


@pytest.mark.parametrize("language", CONFIRMATIONS)
def test_every_kind_of_message_is_translated(booking, mediator, language):
    every_kind(booking, mediator)
    messages = list(Message.objects.all())

    for message in messages:
        message.language = "en"
        english = render_email(message)
        message.language = language
        translated = render_email(message)
        english_text, _ = parts(english)
        text, html = parts(translated)
        assert translated.subject != english.subject, message.kind
        assert "This message was sent automatically." in english_text
        assert "This message was sent automatically." not in text, message.kind
        assert "Kind regards" not in text and "Kind regards" not in html, message.kind
    assert {m.kind for m in messages} == set(MessageKind.values)


def test_an_offer_in_arabic_has_arabic_buttons_and_an_arabic_answer_page(booking, mediator):
    offer = OfferFactory(booking=booking, mediator=speaking(mediator, "ar"))
    offer_made_notify(offer=offer)

    email = render_email(Message.objects.get(kind=MessageKind.OFFER_MADE))
    text, html = parts(email)
    accept = re.search(r"^قبول:\n(\S+)$", text, flags=re.M).group(1)
    page = Client().get(urlparse(accept).path).content.decode()

    assert email.subject.startswith("طلب وساطة لغوية:")
    assert "رفض:" in text and ">قبول</a>" in html and ">رفض</a>" in html
    assert '<html lang="ar" dir="rtl">' in page
    assert "هل تقبل هذا الموعد؟" in page and "نعم، أقبل" in page


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ar", "ar"), ("fa", "fa"), ("uk", "uk"), ("tr", "tr"), ("AR", "ar"), ("tr-TR", "tr")],
)
def test_the_mediators_languages_have_e_mail_catalogues(code, expected):
    assert message_language(code) == expected


@pytest.mark.parametrize(("code", "expected"), [("de", "de"), ("en", "en"), ("ar", "de")])
def test_staff_read_their_e_mails_in_german_or_english(code, expected):
    assert message_language(code, staff=True) == expected
    assert message_language("ti", staff=True) == message_language("ti") == "de"


def test_an_institution_contact_with_arabic_set_still_gets_german(booking, mediator, staff):
    staff.language = "ar"
    staff.save(update_fields=["language"])
    confirm(booking, speaking(mediator, "ar"))

    to_staff = Message.objects.get(recipient_email=staff.user.email)
    to_mediator = Message.objects.get(recipient_email=mediator.user.email)

    assert (to_staff.language, to_mediator.language) == ("de", "ar")
    assert render_email(to_staff).subject.startswith("Bestätigt: Sprachmittlung am")


def test_coordinators_alerts_stay_in_german_or_english(booking):
    from bookings.models import Alert

    CoordinatorFactory(pool=booking.pool, language="fa", user__email="fa@example.org")
    CoordinatorFactory(pool=booking.pool, language="en", user__email="en@example.org")

    alert_notify(alert=Alert.objects.create(pool=booking.pool, booking=booking, kind="x"))

    languages = dict(Message.objects.values_list("recipient_email", "language"))
    assert languages == {"fa@example.org": "de", "en@example.org": "en"}


def test_a_new_staff_account_invited_in_turkish_is_invited_in_german(staff):
    staff_create(
        institution=staff.institution,
        email="neu@example.org",
        first_name="Nur",
        last_name="Neu",
        role=staff.role,
        language="tr",
    )

    message = Message.objects.get(kind=MessageKind.ACCOUNT_INVITATION)
    assert message.language == "de"
    assert render_email(message).subject == "Ihr Zugang zum Sprachmittlerpool"


def test_a_mediator_invited_in_farsi_is_invited_in_farsi(staff):
    from notifications.services import account_invitation_notify

    mediator = MediatorFactory(pool=staff.institution.pool, language="fa")
    account_invitation_notify(user=mediator.user, pool=mediator.pool, language=mediator.language)

    email = render_email(Message.objects.get(kind=MessageKind.ACCOUNT_INVITATION))
    _text, html = parts(email)

    assert email.subject == "دسترسی شما به گروه میانجی‌های زبانی"
    assert '<html lang="fa" dir="rtl">' in html


# -- the name of the language asked for, in the reader's language --------------------------


def offer_email_to(mediator, booking, language_code):
    booking.language = Language.objects.get(code=language_code)
    booking.save(update_fields=["language"])
    offer_made_notify(offer=OfferFactory(booking=booking, mediator=mediator))
    email = render_email(Message.objects.get(kind=MessageKind.OFFER_MADE))
    text, html = parts(email)
    return email.subject, text, html


@pytest.mark.parametrize(
    ("reader", "code", "name", "english"),
    [
        ("ar", "ara", "العربية", "Arabic"),
        ("fa", "prs", "دری", "Dari"),
        ("fa", "pes", "فارسی", "Farsi"),
        ("uk", "ukr", "українська", "Ukrainian"),
        ("tr", "tur", "Türkçe", "Turkish"),
    ],
)
def test_an_offer_names_the_language_in_the_mediators_language(
    booking, mediator, reader, code, name, english
):
    subject, text, html = offer_email_to(speaking(mediator, reader), booking, code)

    assert name in subject and name in text and name in html
    assert english not in subject and english not in text


def test_a_language_cldr_cannot_name_is_offered_under_its_english_name(booking, mediator):
    subject, text, _html = offer_email_to(speaking(mediator, "ar"), booking, "aii")

    assert "Assyrian Neo-Aramaic" in subject and "Assyrian Neo-Aramaic" in text


@pytest.mark.parametrize(
    ("reader", "name"), [("de", "Farsi (Persisch)"), ("en", "Farsi (Iranian Persian)")]
)
def test_german_and_english_offers_keep_the_pools_names(booking, mediator, reader, name):
    subject, text, _html = offer_email_to(speaking(mediator, reader), booking, "pes")

    assert name in subject and name in text
    assert "فارسی" not in text

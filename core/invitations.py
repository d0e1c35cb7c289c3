"""Inviting a new account to choose a password.

institutions and mediators create accounts (staff, mediators) and invite them in the same
transaction; the invitation is an e-mail of the outbox, written by notifications, a layer above
them that they do not import. They call ``account_invite``, and
``settings.ACCOUNT_INVITATION_SERVICE`` names the service that writes the e-mail
(``notifications.services.account_invitation_notify``), as EMAIL_BACKEND names how
django.core.mail sends: the settings bind the layers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def account_invite(
    *, user: AbstractBaseUser, pool: object | None, language: str | None, staff: bool = False
) -> None:
    """Invite the new account of ``user`` (of that pool) to choose a password, in the language
    ``language`` as near as the e-mails have it (``staff``: among the staff's languages).
    Call it in the transaction that creates the account: a rollback leaves no e-mail."""
    invite = import_string(settings.ACCOUNT_INVITATION_SERVICE)
    invite(user=user, pool=pool, language=language, staff=staff)


def applicant_notify(
    *, key: str, email: str, name: str, language: str, pool: object, text: str
) -> None:
    """E-mail a person who applied to become a mediator (no account yet) the coordinators'
    ``text``, in ``language``; ``key`` makes a second call write nothing. The service is
    ``settings.APPLICANT_MESSAGE_SERVICE``, bound like the invitation's. Call it in the
    transaction of the decision."""
    notify = import_string(settings.APPLICANT_MESSAGE_SERVICE)
    notify(key=key, email=email, name=name, language=language, pool=pool, text=text)

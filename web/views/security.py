"""Sign-in security on the pages: the second factor (set up, give a code, recovery codes,
turn off), the password reset and set-password links under the lock-out, and the
coordinator's page of lock-outs and second factors of their pool's people."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from accounts.lockout import SET_PASSWORD, attempt_allowed, attempt_failed, lockout_response
from accounts.selectors import (
    has_second_factor,
    lockouts_for,
    people_of_pool,
    recovery_codes_left,
    second_factor_required,
)
from accounts.services import (
    lockout_forget,
    lockout_lift,
    password_reset_key,
    recovery_codes_renew,
    second_factor_remove,
    second_factor_reset,
    second_factor_verify,
    totp_enrolment_confirm,
    totp_enrolment_start,
)
from institutions.selectors import coordinator_of

from .access import coordinator_required


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Security code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")


@never_cache
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """The person's own second factor: whether it is set up, recovery codes left, and what
    they can do (set up, new recovery codes, turn off where it is optional)."""
    return render(
        request,
        "registration/two_factor.html",
        {
            "enrolled": has_second_factor(request.user),
            "required": second_factor_required(request.user),
            "codes_left": recovery_codes_left(request.user),
        },
    )


@never_cache
@login_required
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), give a code; then
    the recovery codes are shown once."""
    if has_second_factor(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('two-factor-verify')}?next={_next_url(request)}")
    device = totp_enrolment_start(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not attempt_allowed(request, request.user.get_username()):
            return lockout_response(request, None, {"username": request.user.get_username()})
        codes = totp_enrolment_confirm(request.user, form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, TOTPDevice.objects.get(user=request.user, confirmed=True))
            return render(
                request,
                "registration/two_factor_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        attempt_failed(request, request.user.get_username())
        form.add_error("code", _("The code is not right. Check the time on your phone."))
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next_url(request),
            "required": second_factor_required(request.user),
        },
        status=400 if form.is_bound else 200,
    )


@never_cache
@login_required
def second_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the authenticator being set up (SVG, from our own host)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        return HttpResponse(status=404)
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@never_cache
@login_required
def second_factor_verify_page(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator, or a recovery code."""
    if not has_second_factor(request.user):
        return redirect(f"{reverse('two-factor-enrol')}?next={_next_url(request)}")
    key = request.user.get_username()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not attempt_allowed(request, key):
            return lockout_response(request, None, {"username": key})
        device = second_factor_verify(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        attempt_failed(request, key)
        form.add_error("code", _("The code is not right."))
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.is_bound else 200,
    )


@never_cache
@login_required
@require_POST
def second_factor_new_codes(request: HttpRequest) -> HttpResponse:
    if not has_second_factor(request.user):
        return redirect("two-factor")
    if not request.user.is_verified():
        raise PermissionDenied
    return render(
        request,
        "registration/two_factor_codes.html",
        {"codes": recovery_codes_renew(request.user), "next": reverse("two-factor")},
    )


@login_required
@require_POST
def second_factor_turn_off(request: HttpRequest) -> HttpResponse:
    """Only where it is optional (mediators, institution staff), and only after the code
    was given in this session (a password alone never removes the second factor)."""
    if second_factor_required(request.user) or (
        has_second_factor(request.user) and not request.user.is_verified()
    ):
        raise PermissionDenied
    second_factor_remove(request.user)
    messages.success(request, _("Two-factor sign-in is turned off."))
    return redirect("two-factor")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, counted by the lock-out: per e-mail address entered and per client
    address (every request counts: a few e-mails a day are enough for anyone)."""

    def post(self, request, *args, **kwargs):
        key = password_reset_key(request.POST.get("email", ""))
        if not attempt_allowed(request, key):
            return lockout_response(request, None, {"username": key})
        attempt_failed(request, key)
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request, None, {"username": key})
        return super().post(request, *args, **kwargs)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invitation's and the password reset's link: an invalid link counts as a failed
    attempt for the account it names and the client address; while locked even a valid
    link is refused. Setting the password forgets the account's failures (the person has
    shown they read the account's e-mail)."""

    def dispatch(self, *args, **kwargs):
        user = self.get_user(kwargs.get("uidb64", ""))
        key = SET_PASSWORD + user.get_username() if user is not None else None
        if not attempt_allowed(self.request, key):
            return lockout_response(self.request, None, {"username": key})
        response = super().dispatch(*args, **kwargs)
        # A valid link first redirects to itself with the token kept in the session.
        if not self.validlink and response.status_code != 302:
            attempt_failed(self.request, key)
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout_forget(form.user.get_username())
        return response


@coordinator_required
def coordinator_security(request: HttpRequest) -> HttpResponse:
    """Lock-outs and second factors of the people of the coordinator's pool."""
    coordinator = coordinator_of(request.user)
    enrolled = (
        people_of_pool(coordinator.pool)
        .filter(totpdevice__confirmed=True)
        .distinct()
        .order_by("last_name", "first_name")
    )
    return render(
        request,
        "web/coordinator/security.html",
        {"lockouts": lockouts_for(request.user, now=timezone.now()), "enrolled": enrolled},
    )


@coordinator_required
@require_POST
def coordinator_lift_lockout(request: HttpRequest, user_id: int) -> HttpResponse:
    lockout_lift(actor=request.user, user_id=user_id)
    messages.success(request, _("The lock-out is lifted."))
    return redirect("web:coordinator-security")


@coordinator_required
@require_POST
def coordinator_reset_second_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    user = second_factor_reset(actor=request.user, user_id=user_id)
    messages.success(
        request,
        _("The second factor of %(name)s is reset: they set up a new one at their next sign-in.")
        % {"name": user.get_full_name() or user.get_username()},
    )
    return redirect("web:coordinator-security")

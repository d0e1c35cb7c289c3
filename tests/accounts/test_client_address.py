"""The real client address: only the trusted proxies' X-Forwarded-For entries count, and the
API throttles count the same address as the lock-out."""

import pytest
from django.test import RequestFactory, override_settings
from rest_framework.request import Request

from config.api.throttles import TokenObtainThrottle
from core.client_address import client_address

factory = RequestFactory()


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return factory.post("/api/v1/auth/token/", **extra)


def test_without_a_trusted_proxy_the_header_is_ignored():
    assert client_address(request_from("192.0.2.1", "203.0.113.9")) == "192.0.2.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_appended_counts_and_what_the_client_wrote_not():
    assert client_address(request_from("10.0.0.2", "203.0.113.9")) == "203.0.113.9"
    assert client_address(request_from("10.0.0.2", "6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    # No header (a request that bypassed the proxy): the peer.
    assert client_address(request_from("10.0.0.2")) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_outer_ones_entry_counts():
    assert client_address(request_from("10.0.0.3", "6.6.6.6, 203.0.113.9, 10.0.0.2")) == (
        "203.0.113.9"
    )


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_header_that_is_no_address_falls_back_to_the_peer():
    assert client_address(request_from("10.0.0.2", "not-an-address")) == "10.0.0.2"


@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_the_api_throttle_counts_the_same_address(settings, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    throttle = TokenObtainThrottle()
    for spoofed in ("1.1.1.1", "2.2.2.2, 203.0.113.9", "3.3.3.3, 4.4.4.4, 203.0.113.9"):
        request = request_from("10.0.0.2", spoofed)
        assert throttle.get_ident(Request(request)) == client_address(request)


def test_settings_keep_the_throttles_and_the_lock_out_on_one_proxy_count():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT
    assert settings.AXES_CLIENT_IP_CALLABLE == "core.client_address.client_address"

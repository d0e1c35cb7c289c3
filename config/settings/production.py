"""Production: HTTPS only, secure cookies, HSTS; the host names and the site's address must
be given (ImproperlyConfigured otherwise). ``manage.py check --deploy`` is clean with these
settings (tests/test_security_settings.py runs it)."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, logging_config

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")


def _required_list(name: str) -> list[str]:
    values = [value for value in env.list(name, default=[]) if value.strip()]
    if not values:
        raise ImproperlyConfigured(f"Set the {name} environment variable in production.")
    return values


def _required(name: str) -> str:
    value = env(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable in production.")
    return value


ALLOWED_HOSTS = _required_list("DJANGO_ALLOWED_HOSTS")
SITE_URL = _required("SITE_URL")

SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The container's health check asks over plain HTTP from inside, and so may a load balancer
# (/readyz) or a monitor (/healthz, ops/health.py): they show no personal data.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# X-Forwarded-Proto is trusted only when a TLS proxy in front sets it (and drops the
# client's): otherwise anyone could claim HTTPS with the header.
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.staticfiles.GzipManifestStaticFilesStorage"},
}
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOG_ACCESS = env.bool("LOG_ACCESS", default=True)
LOGGING = logging_config(LOG_FORMAT, LOG_ACCESS)
# Production never exempts anyone from the second factor, whatever the environment says.
MFA_DEMO_EXEMPTION = False

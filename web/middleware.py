"""Page languages: mediator pages come in every language of settings.LANGUAGES; institution
and coordinator pages, the admin and the API in settings.STAFF_LANGUAGES only."""

from django.conf import settings
from django.utils import translation

# Paths whose pages are translated into every language (volunteers read them, and would-be
# volunteers the front door's form to apply and its privacy notice).
ALL_LANGUAGE_PREFIXES = (
    "/mediator/",
    "/accounts/",
    "/i18n/",
    "/offers/answer/",
    "/apply/",
    "/privacy/",
    "/manifest.webmanifest",
)


def page_languages(path: str) -> list[str]:
    if path == "/" or path.startswith(ALL_LANGUAGE_PREFIXES):
        return [code for code, _name in settings.LANGUAGES]
    return list(settings.STAFF_LANGUAGES)


class PageLanguageMiddleware:
    """Runs after LocaleMiddleware: falls back to the default language where a page has no
    translation into the visitor's language (e.g. an Arabic visitor on a coordinator page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = page_languages(request.path_info)
        request.page_languages = allowed
        if translation.get_language() not in allowed:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)

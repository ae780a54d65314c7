"""Language: the choice (Simplified Chinese unless the user picked another language with the language cookie), and
texts formatted in whichever language reads them (`deferred_text`).

Django's LocaleMiddleware would follow the browser's Accept-Language, which on many government
desktops is English; our users expect Chinese by default and switch explicitly.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import lazy


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


def deferred_text(text, params: dict | None = None) -> str:
    """`text % params`, formatted in whichever language is active when it is read. `_("…") % {…}` is fixed in
    the language active the moment it is formatted (a worker's); a job's messages are written this way instead
    (with a lazy `text`), so that `alliances.jobs.message_fields` can store them in every language and each
    reader sees their own.
    Parameters that are lazy translations, exceptions or models are turned into text in that language too."""

    def render() -> str:
        if not params:
            return str(text)
        return str(text) % {
            name: value if isinstance(value, int | float) else str(value) for name, value in params.items()
        }

    return lazy(render, str)()

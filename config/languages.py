"""Which language to speak to whom: the user's own choice first, then what the browser asks for."""

from types import SimpleNamespace

from django.conf import settings
from django.utils import translation


def user_language(user) -> str:
    """Return the language the user chose, or "" when they have not chosen one."""
    if user is not None and user.is_authenticated and user.language in dict(settings.LANGUAGES):
        return user.language
    return ""


def recipient_language(user) -> str:
    """Return the language to write to this user in when they are not asking (notifications)."""
    return user_language(user) or settings.LANGUAGE_CODE


def socket_language(scope) -> str:
    """Return the language of a WebSocket's error details: as its page's, chosen the same way."""
    chosen = user_language(scope.get("user"))
    if chosen:
        return chosen
    headers = dict(scope.get("headers", []))
    # What LocaleMiddleware reads of a request: the language cookie, then Accept-Language.
    request = SimpleNamespace(
        COOKIES=scope.get("cookies", {}),
        META={"HTTP_ACCEPT_LANGUAGE": headers.get(b"accept-language", b"").decode("latin-1")},
    )
    return translation.get_language_from_request(request)

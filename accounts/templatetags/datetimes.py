"""One way to show a date or a time: `{{ value|when }}` and `{{ value|when:"datetime" }}`.

Styles: "relative" ("3 minutes ago", the full date and time once a week old), "datetime"
("Dec 1, 2026, 9:38 PM" / "2026년 12월 1일 오후 9:38"), "date" and "time". The filter writes
<time datetime="…" data-when="style">; static/js/when.js writes the same text for times inserted
live and keeps relative ones current, in the page's language and the user's time zone.
"""

import datetime as dt
import functools
from html import escape

from django import template
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext

register = template.Library()

STYLES = ("relative", "datetime", "date", "time")
# Past this age a relative time reads better as the date itself (the same in when.js).
RELATIVE_LIMIT_S = 7 * 24 * 3600
FORMATS = {"datetime": "DATETIME_FORMAT", "date": "DATE_FORMAT", "time": "TIME_FORMAT"}


def relative_text(value: dt.datetime, now: dt.datetime) -> str | None:
    """Return how long ago `value` was, or None when a date reads better."""
    seconds = (now - value).total_seconds()
    if seconds < -60 or seconds >= RELATIVE_LIMIT_S:
        return None
    if seconds < 60:
        return gettext("just now")
    if seconds < 3600:
        count = int(seconds // 60)
        return ngettext("%(count)s minute ago", "%(count)s minutes ago", count) % {"count": count}
    if seconds < 86400:
        count = int(seconds // 3600)
        return ngettext("%(count)s hour ago", "%(count)s hours ago", count) % {"count": count}
    count = int(seconds // 86400)
    return ngettext("%(count)s day ago", "%(count)s days ago", count) % {"count": count}


@functools.lru_cache(maxsize=8192)
def _formatted(value, format_name: str, language: str, zone: str) -> str:
    """Format `value` (local time in `zone`) in `language`: a board of posts shows the same
    dates on every request, and formatting one costs more than the rest of its <time>.

    Aware datetimes equal at the same instant whatever their zone: `zone` keeps them apart.
    """
    return formats.date_format(value, format_name)


def _local_text(value, style: str, now: dt.datetime | None) -> str:
    """Return `value` (a date, or a datetime already in the current time zone) as text."""
    if not isinstance(value, dt.datetime):
        return _formatted(value, "DATE_FORMAT", get_language(), "")
    if style == "relative":
        text = relative_text(value, now or timezone.now())
        if text is not None:
            return text
        style = "datetime"
    return _formatted(value, FORMATS[style], get_language(), str(value.tzinfo))


def _check(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"Unknown date style {style!r}; use one of {STYLES}.")


def _localtime(value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def when_text(value, style: str = "relative", now: dt.datetime | None = None) -> str:
    """Return `value` as text in the active language and time zone."""
    _check(style)
    return _local_text(_localtime(value), style, now)


@register.filter
def when(value, style: str = "relative"):
    """Render a date or datetime as a <time> element (see the module's docstring).

    Written out rather than through format_html: a board page shows twenty of them, and the
    texts are escaped all the same.
    """
    if value in (None, ""):
        return ""
    _check(style)
    value = _localtime(value)
    moment = value.isoformat()
    if not isinstance(value, dt.datetime):
        text = escape(_local_text(value, "date", None))
        return mark_safe(f'<time datetime="{moment}" data-when="date">{text}</time>')
    if style == "relative":
        full = escape(_local_text(value, "datetime", None))
        text = escape(_local_text(value, "relative", None))
        return mark_safe(
            f'<time datetime="{moment}" data-when="relative" title="{full}">{text}</time>'
        )
    text = escape(_local_text(value, style, None))
    return mark_safe(f'<time datetime="{moment}" data-when="{style}">{text}</time>')

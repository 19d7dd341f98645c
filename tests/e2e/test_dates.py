"""One date format: static/js/when.js writes exactly what the server's `when` filter writes.

Checked for both languages in the user's time zone, and on a direct message, which shows the
same time before (inserted live) and after a reload (rendered by the server).
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import User
from accounts.templatetags.datetimes import when_text
from messaging.services import conversation_get_or_create
from tests.conftest import in_thread, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONE = "Asia/Seoul"
NOW = dt.datetime(2026, 12, 1, 12, 38, 20, tzinfo=dt.UTC)
INSTANTS = [
    NOW,
    dt.datetime(2026, 3, 4, 15, 5, tzinfo=dt.UTC),  # 00:05 the next day in Seoul
    dt.datetime(2026, 5, 9, 3, 0, tzinfo=dt.UTC),  # noon in Seoul
    dt.datetime(2025, 9, 30, 23, 59, tzinfo=dt.UTC),
]
AGES = [
    dt.timedelta(seconds=10),
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=59, seconds=59),
    dt.timedelta(hours=5),
    dt.timedelta(days=1),
    dt.timedelta(days=6, hours=23),
    dt.timedelta(days=8),
    dt.timedelta(minutes=-5),
]


def cases() -> list[dict]:
    found = [
        {"iso": instant.isoformat(), "style": style, "value": instant, "now": NOW}
        for instant in INSTANTS
        for style in ("datetime", "date", "time")
    ]
    found += [
        {"iso": (NOW - age).isoformat(), "style": "relative", "value": NOW - age, "now": NOW}
        for age in AGES
    ]
    found.append({"iso": "2026-12-01", "style": "date", "value": dt.date(2026, 12, 1), "now": NOW})
    return found


def server_texts(language: str) -> list[str]:
    with translation.override(language), timezone.override(ZoneInfo(ZONE)):
        return [when_text(case["value"], case["style"], now=case["now"]) for case in cases()]


def browser_texts(page) -> list[str]:
    frozen = [
        {"iso": case["iso"], "style": case["style"], "now": case["now"].timestamp() * 1000}
        for case in cases()
    ]
    return page.evaluate(
        """async (cases) => {
            const { formatWhen } = await import("/static/js/when.js");
            return cases.map((c) => formatWhen(c.iso, c.style, c.now));
        }""",
        frozen,
    )


def test_the_browser_formats_as_the_server_does_in_both_languages(alice, served, browser):
    in_thread(lambda: User.objects.filter(pk=alice.pk).update(timezone=ZONE, language="ko"))
    server = served()
    page = browser.new_context(locale="en-US").new_page()
    log_in(page, server.url, "alice")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("body")).to_have_attribute("data-time-zone", ZONE)
    korean = browser_texts(page)
    assert korean == server_texts("ko")
    assert "2026년 12월 1일 오후 9:38" in korean and "1분 전" in korean

    page.click("[data-language-switcher] button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("body")).to_have_attribute("data-time-zone", ZONE)
    page.wait_for_load_state()
    english = browser_texts(page)
    assert english == server_texts("en")
    assert "Dec 1, 2026, 9:38 PM" in english


def time_of(html: str) -> tuple[str, str]:
    """Return the title and text of the last message's <time> in a page's HTML."""
    found = re.findall(
        r'<time datetime="[^"]+" data-when="relative" title="([^"]+)">([^<]+)<', html
    )
    return found[-1]


def test_a_direct_message_shows_the_same_time_before_and_after_a_reload(
    alice, bob, served, browser
):
    in_thread(lambda: User.objects.filter(pk=alice.pk).update(timezone=ZONE, language="ko"))
    conversation = in_thread(lambda: conversation_get_or_create(user=alice, other=bob))
    server = served()
    page = browser.new_context().new_page()
    log_in(page, server.url, "alice")
    url = f"{server.url}/messages/{conversation.pk}/"
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.messageSocket === 'open'")
    page.fill("[data-body-input]", "내일 봐요")
    page.press("[data-body-input]", "Enter")
    live = page.locator("[data-messages] li[data-mine] time")
    expect(live).to_have_text("방금 전")
    live_title = live.get_attribute("title")
    assert re.fullmatch(r"\d{4}년 \d{1,2}월 \d{1,2}일 (오전|오후) \d{1,2}:\d{2}", live_title)

    # As the server renders it, before any script runs.
    title, text = time_of(page.request.get(url).text())
    assert (title, text) == (live_title, "방금 전")
    page.reload()
    expect(page.locator("[data-messages] li[data-mine] time")).to_have_attribute("title", title)

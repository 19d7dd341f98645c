"""One way to show dates and times: the `when` filter, in the user's language and time zone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from accounts.templatetags.datetimes import when_text

SEOUL = ZoneInfo("Asia/Seoul")
# 21:38 in Seoul.
INSTANT = dt.datetime(2026, 12, 1, 12, 38, tzinfo=dt.UTC)


def text(value, style, language, now=None, zone=SEOUL):
    with translation.override(language), timezone.override(zone):
        return when_text(value, style, now=now)


@pytest.mark.parametrize(
    ("style", "english", "korean"),
    [
        ("datetime", "Dec 1, 2026, 9:38 PM", "2026년 12월 1일 오후 9:38"),
        ("date", "Dec 1, 2026", "2026년 12월 1일"),
        ("time", "9:38 PM", "오후 9:38"),
    ],
)
def test_absolute_styles_in_both_languages(style, english, korean):
    assert text(INSTANT, style, "en") == english
    assert text(INSTANT, style, "ko") == korean


def test_the_users_time_zone_decides_the_day_and_the_hour():
    assert text(INSTANT, "datetime", "en", zone=ZoneInfo("America/Los_Angeles")) == (
        "Dec 1, 2026, 4:38 AM"
    )
    midnight = dt.datetime(2026, 3, 4, 15, 5, tzinfo=dt.UTC)  # 00:05 in Seoul
    assert text(midnight, "datetime", "ko") == "2026년 3월 5일 오전 12:05"
    assert text(midnight, "datetime", "en") == "Mar 5, 2026, 12:05 AM"


def test_one_instant_reads_in_each_zone_and_language_however_often_it_is_shown():
    # Formatted texts are kept per process: the same instant, in zones with the same offset
    # and in another language, must each read as their own.
    tokyo, la = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Los_Angeles")
    for _ in range(2):
        assert text(INSTANT, "time", "en", zone=SEOUL) == "9:38 PM"
        assert text(INSTANT, "time", "en", zone=tokyo) == "9:38 PM"
        assert text(INSTANT, "time", "en", zone=la) == "4:38 AM"
        assert text(INSTANT, "time", "ko", zone=la) == "오전 4:38"
        assert text(INSTANT.date(), "date", "ko") == "2026년 12월 1일"
        assert text(INSTANT.date(), "date", "en") == "Dec 1, 2026"


@pytest.mark.parametrize(
    ("age", "english", "korean"),
    [
        (dt.timedelta(seconds=20), "just now", "방금 전"),
        (dt.timedelta(seconds=-30), "just now", "방금 전"),
        (dt.timedelta(minutes=1, seconds=5), "1 minute ago", "1분 전"),
        (dt.timedelta(minutes=3, seconds=59), "3 minutes ago", "3분 전"),
        (dt.timedelta(hours=1), "1 hour ago", "1시간 전"),
        (dt.timedelta(hours=23, minutes=59), "23 hours ago", "23시간 전"),
        (dt.timedelta(days=2, hours=3), "2 days ago", "2일 전"),
        (dt.timedelta(days=6, hours=23), "6 days ago", "6일 전"),
    ],
)
def test_relative_times(age, english, korean):
    now = INSTANT + age
    assert text(INSTANT, "relative", "en", now=now) == english
    assert text(INSTANT, "relative", "ko", now=now) == korean


@pytest.mark.parametrize("age", [dt.timedelta(days=7), dt.timedelta(minutes=-2)])
def test_a_week_old_or_future_time_shows_its_date(age):
    now = INSTANT + age
    assert text(INSTANT, "relative", "en", now=now) == "Dec 1, 2026, 9:38 PM"
    assert text(INSTANT, "relative", "ko", now=now) == "2026년 12월 1일 오후 9:38"


def test_a_calendar_day_is_the_same_in_every_time_zone():
    day = dt.date(2026, 12, 1)
    assert text(day, "date", "ko", zone=ZoneInfo("Pacific/Kiritimati")) == "2026년 12월 1일"
    assert text(day, "relative", "en", zone=ZoneInfo("America/Los_Angeles")) == "Dec 1, 2026"


def test_unknown_style_is_a_programming_error():
    with pytest.raises(ValueError):
        text(INSTANT, "fancy", "en")


def render(source: str, **context) -> str:
    return Template("{% load datetimes %}" + source).render(Context(context))


def test_the_filter_writes_a_time_element_in_the_local_zone():
    with translation.override("ko"), timezone.override(SEOUL):
        html = render('{{ value|when:"datetime" }}', value=INSTANT)
        assert html == (
            '<time datetime="2026-12-01T21:38:00+09:00" data-when="datetime">'
            "2026년 12월 1일 오후 9:38</time>"
        )
        recent = timezone.now() - dt.timedelta(minutes=3, seconds=10)
        html = render("{{ value|when }}", value=recent)
        assert 'data-when="relative"' in html
        assert f'datetime="{timezone.localtime(recent).isoformat()}"' in html
        assert ">3분 전</time>" in html
        assert 'title="' + when_text(recent, "datetime") + '"' in html
        assert render("{{ value|when }}", value=dt.date(2026, 12, 1)) == (
            '<time datetime="2026-12-01" data-when="date">2026년 12월 1일</time>'
        )
        assert render("{{ value|when }}", value=None) == ""


@pytest.mark.django_db
def test_pages_show_times_in_the_users_language(client, alice):
    alice.language = "ko"
    alice.timezone = "Asia/Seoul"
    alice.save()
    client.force_login(alice)
    html = client.get("/notifications/").content.decode()
    assert 'data-when="relative"' in html
    assert ">방금 전</time>" in html
    assert 'data-time-zone="Asia/Seoul"' in html

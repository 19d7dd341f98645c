"""The ICS feed: RFC 5545 framing, escaping and folding, and the link that guards it."""

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from studies.calendar import (
    CalendarEvent,
    calendar_token,
    escape_text,
    fold,
    register_event_source,
    render_calendar,
    study_calendar,
)
from tests.studies.conftest import client_for

NOW = datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC)


def unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def test_text_is_escaped():
    assert escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "한국어 스터디 " * 20
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part.removeprefix(" ") if i else part for i, part in enumerate(parts)) == line


def test_a_short_line_is_left_alone():
    assert fold("VERSION:2.0") == "VERSION:2.0"


def test_the_calendar_is_well_framed_with_all_day_events():
    body = render_calendar(
        name="Maths, weekly",
        events=[
            CalendarEvent(
                uid="a@cohort", summary="Term", start=date(2027, 1, 4), end=date(2027, 1, 8)
            ),
            CalendarEvent(uid="b@cohort", summary="Deadline; hurry", start=date(2027, 1, 1)),
        ],
        now=NOW,
    )
    assert body.endswith("\r\n")
    assert "\n" not in body.replace("\r\n", "")
    lines = unfold(body)[:-1]
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert any(line.startswith("PRODID:") for line in lines)
    assert "X-WR-CALNAME:Maths\\, weekly" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2
    assert lines.count("DTSTAMP:20261122T030405Z") == 2
    assert "UID:a@cohort" in lines
    # DTEND of an all-day event is the day after the last day.
    assert "DTSTART;VALUE=DATE:20270104" in lines
    assert "DTEND;VALUE=DATE:20270109" in lines
    assert "DTEND;VALUE=DATE:20270102" in lines
    assert "SUMMARY:Deadline\\; hurry" in lines


@pytest.mark.django_db
def test_a_study_feed_has_its_schedule_and_the_registered_sources(study, monkeypatch):
    monkeypatch.setattr("studies.calendar._event_sources", [])
    register_event_source(
        lambda s, base_url: [
            CalendarEvent(
                uid=f"task-1@{s.pk}", summary="Due", start=s.end_date, url=base_url + "/t/"
            )
        ]
    )
    extra = CalendarEvent(uid="extra@cohort", summary="Extra", start=study.start_date)
    lines = unfold(study_calendar(study, now=NOW, extra_events=[extra], base_url="https://x.test"))
    assert f"UID:study-{study.pk}-schedule@cohort" in lines
    assert f"UID:study-{study.pk}-deadline@cohort" in lines
    assert f"DTSTART;VALUE=DATE:{study.start_date:%Y%m%d}" in lines
    assert "SUMMARY:Due" in lines
    assert "SUMMARY:Extra" in lines
    assert f"URL:https://x.test/studies/{study.pk}/" in lines
    assert "URL:https://x.test/t/" in lines


def feed_url(study, token: str) -> str:
    return f"/studies/{study.pk}/calendar/{token}.ics"


def token_of(study, user) -> str:
    return calendar_token(study.memberships.get(user=user))


@pytest.mark.django_db
def test_the_feed_is_served_to_the_link_and_not_without_it(study, bob):
    token = token_of(study, bob)
    response = Client().get(feed_url(study, token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.content.decode().startswith("BEGIN:VCALENDAR\r\n")
    assert Client().get(feed_url(study, "guess")).status_code == 404
    membership_id, signature = token.split("-", 1)
    for forged in [
        f"{membership_id}-{signature[:-1]}x",
        f"{membership_id}-",
        f"{int(membership_id) + 1}-{signature}",
        f"{'9' * 30}-{signature}",
        signature,
    ]:
        assert Client().get(feed_url(study, forged)).status_code == 404
    assert Client().get(f"/studies/999999/calendar/{token}.ics").status_code == 404


@pytest.mark.django_db
def test_a_link_opens_only_its_own_study(study, bob, alice):
    from tests.studies.conftest import make_study

    other = make_study(alice, title="Other")
    assert token_of(other, alice) != token_of(study, bob)
    assert Client().get(feed_url(other, token_of(study, bob))).status_code == 404
    assert Client().get(feed_url(study, token_of(other, alice))).status_code == 404


@pytest.mark.django_db
def test_each_member_sees_their_own_link_and_outsiders_none(member_study, bob, carol, alice):
    bob_token, carol_token = token_of(member_study, bob), token_of(member_study, carol)
    assert bob_token != carol_token
    carol_page = client_for(carol).get(member_study.get_absolute_url()).content.decode()
    bob_page = client_for(bob).get(member_study.get_absolute_url()).content.decode()
    assert carol_token in carol_page and bob_token not in carol_page
    assert bob_token in bob_page and carol_token not in bob_page
    for page in [
        client_for(alice).get(member_study.get_absolute_url()).content.decode(),
        Client().get(member_study.get_absolute_url()).content.decode(),
    ]:
        assert "/calendar/" not in page


@pytest.mark.django_db
def test_a_removed_members_link_dies_and_the_others_keep_working(member_study, bob, carol):
    from studies.services import member_remove

    bob_token, carol_token = token_of(member_study, bob), token_of(member_study, carol)
    member_remove(study=member_study, user=carol, by=bob)
    assert Client().get(feed_url(member_study, carol_token)).status_code == 404
    assert Client().get(feed_url(member_study, bob_token)).status_code == 200


@pytest.mark.django_db
def test_a_member_who_leaves_and_rejoins_gets_a_new_link(member_study, bob, carol):
    from studies.services import member_leave
    from tests.studies.conftest import join

    old = token_of(member_study, carol)
    member_leave(study=member_study, user=carol)
    assert Client().get(feed_url(member_study, old)).status_code == 404
    join(member_study, carol)
    new = token_of(member_study, carol)
    assert new != old
    assert Client().get(feed_url(member_study, old)).status_code == 404
    assert Client().get(feed_url(member_study, new)).status_code == 200


@pytest.mark.django_db
def test_a_deactivated_members_link_dies(member_study, carol):
    token = token_of(member_study, carol)
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    assert Client().get(feed_url(member_study, token)).status_code == 404

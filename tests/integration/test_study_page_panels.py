"""The study page brings the other apps together: board progress, "Message" buttons, the feed."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from board import services as board_services
from studies.calendar import calendar_token
from tests.studies.conftest import client_for, join, make_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(bob, alice):
    study = make_study(bob)
    join(study, alice)
    board_services.task_create(
        study=study,
        by=bob,
        title="Read chapter 3",
        description="",
        due_date=timezone.localdate() + timedelta(days=20),
        assignee=alice,
    )
    return study


def test_members_see_the_board_panel_and_can_message_each_other(study, alice, bob):
    html = client_for(alice).get(study.get_absolute_url()).content.decode()
    assert "Read chapter 3" in html
    assert f'action="/messages/with/{bob.username}/"' in html
    # No button to message oneself.
    assert f'action="/messages/with/{alice.username}/"' not in html


def test_outsiders_see_neither_the_board_nor_message_buttons_for_anonymous(study, make_user):
    outsider_html = client_for(make_user("zed")).get(study.get_absolute_url()).content.decode()
    assert "Read chapter 3" not in outsider_html
    anonymous_html = client_for(None).get(study.get_absolute_url()).content.decode()
    assert "/messages/with/" not in anonymous_html


def test_task_deadlines_are_in_the_studys_calendar_feed(study):
    token = calendar_token(study.memberships.get(user=study.owner))
    response = client_for(None).get(f"/studies/{study.pk}/calendar/{token}.ics")
    feed = response.content.decode()
    assert "SUMMARY:Due: Read chapter 3" in feed
    task_url = re.search(r"URL:(http://testserver/studies/\d+/board/\S+)", feed)
    assert task_url is not None

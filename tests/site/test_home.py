"""The logged-in home page is a dashboard; a new user is welcomed, not welcomed back."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from board.services import task_create
from chat.services import room_close
from messaging.services import message_send
from studies.services import join_request_create
from tests.chat.factories import make_room, make_study

pytestmark = pytest.mark.django_db


def home_of(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_user_is_welcomed_and_shown_how_to_start(alice):
    html = home_of(alice)
    assert "Welcome to Cohort, Alice!" in html
    assert "Welcome back" not in html
    assert "data-getting-started" in html


def test_an_anonymous_visitor_sees_the_invitation():
    html = Client().get("/").content.decode()
    assert "Create an account" in html
    assert "data-dashboard" not in html


def test_the_dashboard_shows_studies_deadlines_rooms_messages_and_requests(alice, bob, make_user):
    carol = make_user("carol", display_name="Carol")
    dave = make_user("dave", display_name="Dave")
    study = make_study(alice, bob, title="Graphs")
    today = timezone.localdate()
    task_create(study=study, by=alice, title="Read chapter 3", due_date=today + timedelta(days=2))
    task_create(study=study, by=alice, title="Long past", due_date=today - timedelta(days=2))
    room = make_room(study, alice)
    closed = make_room(study, alice, category="qna")
    room_close(room=closed, by=alice)
    join_request_create(study=study, user=carol)
    other = make_study(dave, title="Databases")
    join_request_create(study=other, user=alice)
    message_send(sender=bob, recipient_id=alice.pk, body="hi", client_id="x1")

    html = home_of(alice)
    assert "Welcome back, Alice." in html
    assert f'data-dashboard-study="{study.pk}"' in html
    assert "Read chapter 3" in html
    assert "Long past" not in html
    assert room.get_absolute_url() in html
    assert closed.get_absolute_url() not in html
    assert "Carol asked to join Graphs" in html
    assert f'data-dashboard-asked="{other.pk}"' in html
    assert "Bob" in html and "1 unread" in html


def test_the_dashboard_shows_only_the_users_own_things(alice, bob, make_user):
    carol = make_user("carol", display_name="Carol")
    study = make_study(bob, title="Secret plans")
    join_request_create(study=study, user=carol)
    html = home_of(alice)
    assert "Secret plans" not in html
    assert "Carol" not in html


def queries_of_home(user) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_more_studies(alice, bob):
    def add_study(title):
        study = make_study(alice, bob, title=title)
        make_room(study, alice)
        task_create(study=study, by=alice, title=f"{title} task", due_date=timezone.localdate())

    add_study("One")
    one = queries_of_home(alice)
    for title in ("Two", "Three", "Four"):
        add_study(title)
    assert queries_of_home(alice) == one

"""accounts.backends.UserBackend: ModelBackend with the request's user read by a prepared query;
sessions made under ModelBackend moved to it by a migration."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.backends import USER_BACKEND, UserBackend
from accounts.models import User
from messaging.services import message_send
from notifications.models import Kind
from notifications.selectors import unread_count_for
from notifications.services import notify
from tests.conftest import PASSWORD
from usersessions.models import UserSession

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
sessions_moved = importlib.import_module("usersessions.migrations.0002_user_backend")


def logged_in_as(client: Client):
    return client.get("/").context["user"]


def test_logging_in_stores_this_backend_and_later_pages_know_the_user(alice):
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    assert client.session[BACKEND_SESSION_KEY] == USER_BACKEND
    assert logged_in_as(client) == alice


def test_it_gives_the_active_user_of_an_id_or_nothing(alice):
    backend = UserBackend()
    assert backend.get_user(str(alice.pk)) == alice
    assert backend.get_user(alice.pk).name == "Alice"
    for user_id in ("not-a-number", None, str(alice.pk + 1000)):
        assert backend.get_user(user_id) is None
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert backend.get_user(str(alice.pk)) is None


def test_sessions_made_under_model_backend_stay_logged_in_once_moved(alice, bob):
    old, current = Client(), Client()
    old.force_login(alice, backend=MODEL_BACKEND)
    current.force_login(bob)
    # Not a backend of AUTHENTICATION_BACKENDS any more: Django logs the session out...
    assert not logged_in_as(old).is_authenticated
    old.force_login(alice, backend=MODEL_BACKEND)

    sessions_moved.forwards(apps, None)

    # ...unless the migration moved it.
    assert logged_in_as(old) == alice
    assert logged_in_as(current) == bob
    assert old.session[BACKEND_SESSION_KEY] == USER_BACKEND

    sessions_moved.backwards(apps, None)
    stored = UserSession.objects.get(session_key=old.session.session_key)
    assert stored.get_decoded()[BACKEND_SESSION_KEY] == MODEL_BACKEND


def test_the_users_query_brings_the_headers_unread_counts(alice, bob):
    notify(users=[alice], kind=Kind.ANNOUNCEMENT, text="One", url="/")
    message_send(sender=bob, recipient_id=alice.pk, body="hi", client_id="c1")
    client = Client()
    client.force_login(alice)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/studies/")

    counting = [
        q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]
    ]
    # One query for both: the user's row (with the password hash the session is checked with).
    assert len(counting) == 1 and '"accounts_user"."password"' in counting[0]
    assert (response.context["unread_notifications"], response.context["unread_messages"]) == (
        unread_count_for(alice),
        1,
    )

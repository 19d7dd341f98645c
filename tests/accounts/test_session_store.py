"""usersessions.store: a session is read by its key while it has not expired, and only then."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from usersessions.models import UserSession
from usersessions.store import SessionStore

pytestmark = pytest.mark.django_db


def saved_session(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session["note"] = "kept"
    session.save()
    return session.session_key


def test_a_live_session_is_read_with_its_user(alice):
    key = saved_session(alice)

    session = SessionStore(session_key=key)

    assert session["note"] == "kept"
    assert session[SESSION_KEY] == str(alice.pk)
    assert session.session_key == key
    assert UserSession.objects.get(session_key=key).user_id == alice.pk


def test_an_expired_or_unknown_session_reads_as_empty_and_gets_a_new_key(alice):
    key = saved_session(alice)
    UserSession.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    for session_key in (key, "x" * 32):
        session = SessionStore(session_key=session_key)
        assert session.load() == {}
        assert session.session_key is None

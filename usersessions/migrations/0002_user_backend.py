"""Move logged-in sessions to accounts.backends.UserBackend, which replaced Django's ModelBackend.

django.contrib.auth.get_user logs out a session whose stored backend path is no longer in
AUTHENTICATION_BACKENDS: without this, every user would have been logged out by the change.
"""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.db import migrations

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
USER_BACKEND = "accounts.backends.UserBackend"


class SessionStore(SessionBase):
    """Encodes and decodes session data as usersessions.store.SessionStore does: the signing
    salt is made of the class's name."""


def _move(apps, old: str, new: str) -> None:
    UserSession = apps.get_model("usersessions", "UserSession")
    store = SessionStore()
    for key, data in UserSession.objects.filter(user_id__isnull=False).values_list(
        "session_key", "session_data"
    ):
        session = store.decode(data)
        if session.get(BACKEND_SESSION_KEY) == old:
            session[BACKEND_SESSION_KEY] = new
            UserSession.objects.filter(session_key=key).update(session_data=store.encode(session))


def forwards(apps, schema_editor):
    _move(apps, MODEL_BACKEND, USER_BACKEND)


def backwards(apps, schema_editor):
    _move(apps, USER_BACKEND, MODEL_BACKEND)


class Migration(migrations.Migration):
    dependencies = [
        ("usersessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

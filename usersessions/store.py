"""The session engine (SESSION_ENGINE = "usersessions.store")."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.utils import timezone

from config.prepared import STR_MARKER, TIME_MARKER, PreparedQuery


def _live_session(session_key, now):
    from usersessions.models import UserSession

    return UserSession.objects.filter(session_key=session_key, expire_date__gt=now)


# Every page reads its session first: the lookup is compiled once per process.
_LIVE_SESSION = PreparedQuery(_live_session, markers=(STR_MARKER, TIME_MARKER))


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from usersessions.models import UserSession

        return UserSession

    def _get_session_from_db(self):
        found = _LIVE_SESSION.objects(self.session_key, timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        session.user_id = int(user_id) if str(user_id or "").isdigit() else None
        return session

"""Django's database sessions, each stamped with its user (Django's documented extension).

Knowing a session's user lets a password change or a deactivation end the user's other
sessions at once (`accounts.services.user_sessions_end`) instead of scanning every session.
"""

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class UserSession(AbstractBaseSession):
    user_id = models.BigIntegerField(null=True, db_index=True)

    @classmethod
    def get_session_store_class(cls):
        from usersessions.store import SessionStore

        return SessionStore

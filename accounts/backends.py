"""The authentication backend (AUTHENTICATION_BACKENDS): Django's ModelBackend, with the user of
each request read by a query compiled once per process.

Every page of a logged-in user reads that user first (django.contrib.auth.get_user). Through
the ORM, building the query took longer than running it: about 1 ms against 0.4 ms. The same
query counts the header's unread notifications and messages
(config.context_processors.unread_counts), one query fewer on every page.
"""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from config.context_processors import with_unread_counts
from config.prepared import INT_MARKERS, PreparedQuery

# The path sessions store (BACKEND_SESSION_KEY); those made before this backend stored
# ModelBackend's, which usersessions/migrations/0002_user_backend.py replaced.
USER_BACKEND = "accounts.backends.UserBackend"

_USER = PreparedQuery(
    lambda user_id: with_unread_counts(User.objects.filter(pk=user_id), user_id),
    markers=INT_MARKERS[:1],
)


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        """Return the active user of `user_id` (a session's, so text), or None."""
        try:
            found = _USER.objects(int(user_id))
        except (TypeError, ValueError):
            return None
        if found and self.user_can_authenticate(found[0]):
            return found[0]
        return None

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from realtime.groups import session_group
from realtime.sender import send


@receiver(user_logged_out)
def close_sockets_of_session(sender, request, user, **kwargs):
    """Close the sockets opened with the session that is logging out, and only those."""
    session_key = request.session.session_key
    if session_key:
        send(session_group(session_key), {"type": "session.revoked"})

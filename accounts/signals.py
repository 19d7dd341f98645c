from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from accounts.sockets import session_group


@receiver(user_logged_out)
def close_sockets_of_session(sender, request, user, **kwargs):
    """Close the sockets opened with the session that is logging out, and only those."""
    session_key = request.session.session_key
    if session_key:
        async_to_sync(get_channel_layer().group_send)(
            session_group(session_key), {"type": "session.revoked"}
        )

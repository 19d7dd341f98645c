"""Events about a study that every study-scoped socket (chat, call) honours."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def study_group(study_id: int) -> str:
    return f"study.{study_id}"


def revoke_access(*, study_id: int, user_id: int) -> None:
    """Close the user's open sockets of this study (they were removed or left)."""
    async_to_sync(get_channel_layer().group_send)(
        study_group(study_id), {"type": "study.access_revoked", "user_id": user_id}
    )


def study_gone(*, study_id: int) -> None:
    """Close every open socket of a deleted study."""
    async_to_sync(get_channel_layer().group_send)(study_group(study_id), {"type": "study.deleted"})

"""Events about a study that every study-scoped socket (chat, call) honours."""

from realtime.groups import study_group
from realtime.sender import send_on_commit


def revoke_access_on_commit(*, study_id: int, user_id: int) -> None:
    """Close the user's open sockets of this study (they were removed or left) after commit."""
    send_on_commit(study_group(study_id), {"type": "study.access_revoked", "user_id": user_id})


def study_gone_on_commit(*, study_id: int) -> None:
    """Close every open socket of a deleted study after commit."""
    send_on_commit(study_group(study_id), {"type": "study.deleted"})

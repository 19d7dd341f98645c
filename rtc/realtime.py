"""Events of a study's call, sent to the call group once the transaction commits."""

from realtime.groups import call_group
from realtime.sender import send_on_commit


def peer_joined_on_commit(*, study_id: int, peer: dict) -> None:
    send_on_commit(call_group(study_id), {"type": "rtc.peer_joined", "peer": peer})


def peer_left_on_commit(*, study_id: int, peer_id: str, replaced: bool = False) -> None:
    """Tell the call a peer left; `replaced` when its user took the seat from another socket."""
    event = {"type": "rtc.peer_left", "peer_id": peer_id, "replaced": replaced}
    send_on_commit(call_group(study_id), event)


def peer_media_on_commit(*, study_id: int, peer_id: str, media: dict) -> None:
    send_on_commit(
        call_group(study_id), {"type": "rtc.peer_media", "peer_id": peer_id, "media": media}
    )

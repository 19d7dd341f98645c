"""Events of a study's call, sent to the call group once the transaction commits."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def call_group(study_id: int) -> str:
    return f"rtc.study.{study_id}"


def send_to_call(study_id: int, event: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(call_group(study_id), event)


def peer_joined(*, study_id: int, peer: dict) -> None:
    send_to_call(study_id, {"type": "rtc.peer_joined", "peer": peer})


def peer_left(*, study_id: int, peer_id: str) -> None:
    send_to_call(study_id, {"type": "rtc.peer_left", "peer_id": peer_id})


def peer_media(*, study_id: int, peer_id: str, media: dict) -> None:
    send_to_call(study_id, {"type": "rtc.peer_media", "peer_id": peer_id, "media": media})

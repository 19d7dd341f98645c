import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rtc import realtime
from rtc.errors import CallFull, NotInCall
from rtc.models import Attendance, CallParticipant, CallSession
from rtc.selectors import fresh_since, peer_payload
from studies.models import Study
from studies.selectors import study_access


@dataclass(frozen=True)
class Joined:
    peer_id: str
    peer: dict


def _end_session_if_empty(study_id: int, now) -> None:
    if not CallParticipant.objects.filter(study_id=study_id).exists():
        CallSession.objects.filter(study_id=study_id, ended_at__isnull=True).update(ended_at=now)


def _remove(participant: CallParticipant, left_at, *, replaced: bool = False) -> None:
    Attendance.objects.filter(pk=participant.attendance_id).update(left_at=left_at)
    participant.delete()
    realtime.peer_left_on_commit(
        study_id=participant.study_id, peer_id=participant.peer_id, replaced=replaced
    )


def _sweep(study_id: int, now) -> None:
    """Remove participants whose process stopped refreshing them (crashed, killed)."""
    for ghost in CallParticipant.objects.filter(study_id=study_id, seen_at__lt=fresh_since(now)):
        # Gone since its last heartbeat (never before it joined, whatever the clocks say).
        _remove(ghost, left_at=max(ghost.seen_at, ghost.joined_at))
    _end_session_if_empty(study_id, now)


@transaction.atomic
def call_join(*, study_id: int, user, channel_name: str) -> Joined:
    """Add a socket of a member to the study's call, within the participant cap, in place of
    any seat the member already has."""
    # The study row is the lock every join and leave of this call queues on.
    Study.objects.select_for_update().only("pk").get(pk=study_id)
    if not study_access(study_id=study_id, user_id=user.pk).is_member:
        raise NotInCall()
    now = timezone.now()
    _sweep(study_id, now)
    # One seat per user: a newer socket (another tab, a reload) takes over the user's seat, so
    # one account can never fill the call. The old socket closes with 4409.
    for previous in CallParticipant.objects.filter(study_id=study_id, user=user):
        _remove(previous, left_at=now, replaced=True)
    if CallParticipant.objects.filter(study_id=study_id).count() >= settings.RTC_MAX_PARTICIPANTS:
        raise CallFull()
    session = CallSession.objects.filter(study_id=study_id, ended_at__isnull=True).first()
    if session is None:
        session = CallSession.objects.create(study_id=study_id, started_at=now)
    attendance = Attendance.objects.create(session=session, user=user, joined_at=now)
    participant = CallParticipant.objects.create(
        study_id=study_id,
        attendance=attendance,
        user=user,
        peer_id=secrets.token_urlsafe(16),
        channel_name=channel_name,
        joined_at=now,
        seen_at=now,
    )
    peer = peer_payload(participant)
    realtime.peer_joined_on_commit(study_id=study_id, peer=peer)
    return Joined(peer_id=participant.peer_id, peer=peer)


@transaction.atomic
def call_leave(*, study_id: int, peer_id: str) -> None:
    """Take a socket out of the call; the others are told. Leaving twice is harmless."""
    if not Study.objects.select_for_update().filter(pk=study_id).exists():
        return
    participant = CallParticipant.objects.filter(study_id=study_id, peer_id=peer_id).first()
    if participant is None:
        return
    now = timezone.now()
    _remove(participant, left_at=now)
    _end_session_if_empty(study_id, now)


@transaction.atomic
def participant_media_set(*, study_id: int, peer_id: str, mic: bool, camera: bool, screen: bool):
    updated = CallParticipant.objects.filter(study_id=study_id, peer_id=peer_id).update(
        mic=mic, camera=camera, screen=screen
    )
    if updated:
        media = {"mic": mic, "camera": camera, "screen": screen}
        realtime.peer_media_on_commit(study_id=study_id, peer_id=peer_id, media=media)
    return bool(updated)


def participant_touch(*, peer_id: str) -> bool:
    """Refresh a participant's heartbeat; False when it was swept away meanwhile."""
    return bool(CallParticipant.objects.filter(peer_id=peer_id).update(seen_at=timezone.now()))


def calls_sweep() -> None:
    """Sweep the ghosts of every study with participants (run periodically: `rtc_sweep`)."""
    study_ids = set(
        CallParticipant.objects.filter(seen_at__lt=fresh_since()).values_list("study_id", flat=True)
    ) | set(CallSession.objects.filter(ended_at__isnull=True).values_list("study_id", flat=True))
    for study_id in study_ids:
        with transaction.atomic():
            if Study.objects.select_for_update().filter(pk=study_id).exists():
                _sweep(study_id, timezone.now())

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from rtc.models import Attendance, CallParticipant, CallSession


def fresh_since(now: datetime | None = None) -> datetime:
    """Return the oldest heartbeat of a participant whose process is still alive."""
    return (now or timezone.now()) - timedelta(seconds=settings.RTC_PARTICIPANT_TTL)


def peer_payload(participant: CallParticipant) -> dict:
    return {
        "peer_id": participant.peer_id,
        "user_id": participant.user_id,
        "name": participant.user.name,
        "media": participant.media,
    }


def call_participants(*, study_id: int) -> list[CallParticipant]:
    return list(
        CallParticipant.objects.filter(
            study_id=study_id, seen_at__gte=fresh_since()
        ).select_related("user")
    )


def call_peers(*, study_id: int, exclude_peer_id: str | None = None) -> list[dict]:
    return [
        peer_payload(participant)
        for participant in call_participants(study_id=study_id)
        if participant.peer_id != exclude_peer_id
    ]


def peer_channel(*, study_id: int, peer_id: str) -> str | None:
    """Return the channel of a live peer of this study's call, or None (another call, made up)."""
    return (
        CallParticipant.objects.filter(
            study_id=study_id, peer_id=peer_id, seen_at__gte=fresh_since()
        )
        .values_list("channel_name", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Attendee:
    name: str
    seconds: int

    @property
    def minutes(self) -> int:
        return self.seconds // 60


@dataclass(frozen=True)
class PastCall:
    started_at: datetime
    ended_at: datetime
    attendees: list[Attendee]


def past_calls(*, study_id: int, limit: int = 5) -> list[PastCall]:
    """Return the study's last ended calls, each with who attended and for how long in total."""
    sessions = list(CallSession.objects.filter(study_id=study_id, ended_at__isnull=False)[:limit])
    stays = (
        Attendance.objects.filter(session__in=sessions, left_at__isnull=False)
        .select_related("user")
        .order_by("joined_at", "id")
    )
    totals: dict[int, dict[int, list]] = {session.pk: {} for session in sessions}
    for stay in stays:
        entry = totals[stay.session_id].setdefault(stay.user_id, [stay.user.name, 0])
        entry[1] += int((stay.left_at - stay.joined_at).total_seconds())
    return [
        PastCall(
            started_at=session.started_at,
            ended_at=session.ended_at,
            attendees=[Attendee(name, seconds) for name, seconds in totals[session.pk].values()],
        )
        for session in sessions
    ]

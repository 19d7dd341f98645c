from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from accounts.models import User
from config.prepared import INT_MARKERS, TIME_MARKER, PreparedQuery
from rtc.models import CallParticipant, CallSession


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


_CALL_PARTICIPANTS = PreparedQuery(
    lambda study_id, since: CallParticipant.objects.filter(
        study_id=study_id, seen_at__gte=since
    ).select_related("user"),
    markers=(INT_MARKERS[0], TIME_MARKER),
)


def call_participants(*, study_id: int) -> list[CallParticipant]:
    return _CALL_PARTICIPANTS.objects(study_id, fresh_since())


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


PAST_CALLS = 5


def _past_call_rows(study_id):
    last = CallSession.objects.filter(study_id=study_id, ended_at__isnull=False)[:PAST_CALLS]
    return (
        CallSession.objects.filter(pk__in=last.values("pk"))
        .annotate(
            stay=FilteredRelation("attendances", condition=Q(attendances__left_at__isnull=False))
        )
        .order_by("-started_at", "-id", "stay__joined_at", "stay__id")
        .values_list(
            "pk",
            "started_at",
            "ended_at",
            "stay__user_id",
            "stay__user__username",
            "stay__user__display_name",
            "stay__joined_at",
            "stay__left_at",
        )
    )


_PAST_CALL_ROWS = PreparedQuery(_past_call_rows)


def past_calls(*, study_id: int) -> list[PastCall]:
    """Return the study's last PAST_CALLS ended calls, each with who attended and for how long.

    One query: the calls joined to their finished stays (a call without any still comes, once).
    """
    rows = _PAST_CALL_ROWS.rows(study_id)
    calls: dict[int, tuple[datetime, datetime, dict[int, list]]] = {}
    for pk, started_at, ended_at, user_id, username, display_name, joined_at, left_at in rows:
        totals = calls.setdefault(pk, (started_at, ended_at, {}))[2]
        if user_id is None:
            continue
        entry = totals.setdefault(
            user_id, [User(username=username, display_name=display_name).name, 0]
        )
        entry[1] += int((left_at - joined_at).total_seconds())
    return [
        PastCall(
            started_at=started_at,
            ended_at=ended_at,
            attendees=[Attendee(name, seconds) for name, seconds in totals.values()],
        )
        for started_at, ended_at, totals in calls.values()
    ]

import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q
from django.utils import timezone

from chat.models import Message, Presence, Room
from chat.payloads import message_payload, user_payload
from config.prepared import INT_MARKERS, TIME_MARKER, PreparedQuery
from studies.selectors import Access, study_access

HISTORY_PAGE_MAX = 100
LATEST_ON_CONNECT = 50


@dataclass(frozen=True)
class RoomRow:
    id: int
    study_id: int
    is_open: bool


def room_row(room_id: int) -> RoomRow | None:
    row = Room.objects.filter(pk=room_id).values_list("study_id", "closed_at").first()
    if row is None:
        return None
    return RoomRow(id=room_id, study_id=row[0], is_open=row[1] is None)


def room_access(*, room: Room, user_id: int | None) -> Access:
    return study_access(study_id=room.study_id, user_id=user_id)


def can_close(*, room: Room, user_id: int, access: Access | None = None) -> bool:
    """The room's creator (while still a member) or the study's owner closes a room.

    `access` is the user's to the room's study, where the caller already has it.
    """
    if access is None:
        access = room_access(room=room, user_id=user_id)
    return access is Access.OWNER or (access.is_member and room.creator_id == user_id)


def _payloads(messages) -> list[dict]:
    return [message_payload(message) for message in messages]


def latest_messages(*, room_id: int, limit: int = LATEST_ON_CONNECT) -> list[dict]:
    """Return the room's latest messages, oldest first."""
    newest = Message.objects.filter(room_id=room_id).select_related("author").order_by("-seq")
    return _payloads(reversed(newest[:limit]))


def messages_before(*, room_id: int, before: int, limit: int = HISTORY_PAGE_MAX) -> list[dict]:
    """Return up to `limit` messages older than seq `before`, oldest first (a keyset page)."""
    limit = max(1, min(limit, HISTORY_PAGE_MAX))
    page = (
        Message.objects.filter(room_id=room_id, seq__lt=before)
        .select_related("author")
        .order_by("-seq")[:limit]
    )
    return _payloads(reversed(page))


def messages_after(*, room_id: int, after: int, limit: int = HISTORY_PAGE_MAX) -> list[dict]:
    """Return up to `limit` messages newer than seq `after`, oldest first."""
    page = (
        Message.objects.filter(room_id=room_id, seq__gt=after)
        .select_related("author")
        .order_by("seq")[:limit]
    )
    return _payloads(page)


def online_users(*, room_id: int) -> list[dict]:
    """Return who has a live socket in the room, by name."""
    users = (
        get_user_model()
        .objects.filter(
            pk__in=Presence.objects.filter(room_id=room_id, expires_at__gt=timezone.now()).values(
                "user_id"
            )
        )
        .order_by("username")
    )
    return [user_payload(user) for user in users]


@dataclass(frozen=True)
class Online:
    """Who was online in a room, read no earlier than `at` (a Unix time)."""

    users: list[dict]
    at: float


def online_snapshot(*, room_id: int) -> Online:
    # Taken before the read, so that of two snapshots the later `at` holds the newer state.
    at = time.time()
    return Online(users=online_users(room_id=room_id), at=at)


def online_user_ids(*, room_id: int) -> set[int]:
    return set(
        Presence.objects.filter(room_id=room_id, expires_at__gt=timezone.now()).values_list(
            "user_id", flat=True
        )
    )


def _rooms_of_study(study_id, now):
    live = Q(presences__expires_at__gt=now)
    return (
        Room.objects.filter(study_id=study_id)
        .select_related("creator")
        .annotate(online=Count("presences__user", filter=live, distinct=True))
        .order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-id")
    )


_ROOMS_OF_STUDY = PreparedQuery(_rooms_of_study, markers=(INT_MARKERS[0], TIME_MARKER))


def rooms_of_study(study_id: int) -> list[Room]:
    """Return the study's rooms, open ones first, each with `online` (distinct users online)."""
    return _ROOMS_OF_STUDY.objects(study_id, timezone.now())


_ROOM_PAGE = PreparedQuery(
    lambda room_id: Room.objects.select_related("study", "creator").filter(pk=room_id),
    markers=INT_MARKERS[:1],
)


def room_for_page(room_id: int) -> Room | None:
    """Return the room with its study and creator (a room's page), or None."""
    return next(iter(_ROOM_PAGE.objects(room_id)), None)


def open_rooms_of_study(study_id: int) -> list[Room]:
    return [room for room in rooms_of_study(study_id) if room.is_open]


def open_rooms_by_study(study_ids: list[int]) -> dict[int, list[Room]]:
    """Return each study's open rooms, in one query."""
    rooms: dict[int, list[Room]] = {study_id: [] for study_id in study_ids}
    for room in Room.objects.filter(study_id__in=study_ids, closed_at__isnull=True).order_by(
        "category", "id"
    ):
        rooms[room.study_id].append(room)
    return rooms

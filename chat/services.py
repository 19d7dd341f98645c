import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import realtime
from chat.errors import (
    BadBody,
    CategoryTaken,
    MessageNotFound,
    NotAllowed,
    RoomClosed,
    RoomLimitReached,
    TooManyMessages,
)
from chat.models import Category, Message, Presence, Room
from chat.payloads import message_payload
from chat.selectors import Online, can_close, online_snapshot, online_user_ids
from config.ratelimit import RateLimit
from notifications.models import Kind
from notifications.services import notify
from studies.models import Membership, Study
from studies.selectors import Access, study_access

MENTION = re.compile(r"(?<![\w@])@([\w.@+-]{1,150})")


# At most CHAT_FLOOD_LIMIT messages per user per room in any CHAT_FLOOD_WINDOW_S seconds.
FLOOD = RateLimit(
    "chat.flood",
    limit=lambda: settings.CHAT_FLOOD_LIMIT,
    window_s=lambda: settings.CHAT_FLOOD_WINDOW_S,
)


def clean_body(body) -> str:
    if not isinstance(body, str):
        raise BadBody()
    body = body.strip()
    if not body or len(body) > Message.MAX_BODY:
        raise BadBody()
    return body


@transaction.atomic
def room_open(*, study: Study, category: str, by) -> Room:
    # Lock the study: concurrent openings queue here, so the count below cannot go stale.
    study = Study.objects.select_for_update().get(pk=study.pk)
    if not study_access(study_id=study.pk, user_id=by.pk).is_member:
        raise NotAllowed()
    if category not in Category.values:
        raise NotAllowed(_("Choose one of the listed categories."))
    if Room.objects.filter(study=study, closed_at__isnull=True).count() >= Room.MAX_OPEN_PER_STUDY:
        raise RoomLimitReached()
    try:
        with transaction.atomic():
            return Room.objects.create(study=study, category=category, creator=by)
    except IntegrityError:
        raise CategoryTaken() from None


@transaction.atomic
def room_close(*, room: Room, by) -> Room:
    room = Room.objects.select_for_update().get(pk=room.pk)
    if not can_close(room=room, user_id=by.pk):
        raise NotAllowed()
    if not room.is_open:
        raise RoomClosed()
    room.closed_at = timezone.now()
    room.save(update_fields=["closed_at"])
    Presence.objects.filter(room=room).delete()
    realtime.room_closed_on_commit(room.pk)
    return room


def _next_seq(*, room_id: int, user_id: int) -> tuple[int, int]:
    """Take the room's next sequence number; return it with the room's study.

    The row stays locked until the transaction ends, so numbers are gap-free and in commit
    order; the same statement checks that the room is open and the author a member.
    """
    room_table = Room._meta.db_table
    membership_table = Membership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {room_table} SET last_seq = last_seq + 1 "
            f"WHERE id = %s AND closed_at IS NULL AND EXISTS ("
            f"SELECT 1 FROM {membership_table} m "
            f"WHERE m.study_id = {room_table}.study_id AND m.user_id = %s) "
            f"RETURNING last_seq, study_id",
            [room_id, user_id],
        )
        row = cursor.fetchone()
    if row is not None:
        return row
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise MessageNotFound(_("No such room."))
    if not room.is_open:
        raise RoomClosed()
    raise NotAllowed()


def _existing(*, room_id: int, author, client_id: str) -> Message | None:
    return Message.objects.filter(room_id=room_id, author=author, client_id=client_id).first()


def message_post(*, room_id: int, author, body, client_id: str) -> tuple[dict, bool]:
    """Store a message and broadcast it once committed; return its payload and whether it is new.

    A client id the author already used in this room returns the original message instead.
    """
    body = clean_body(body)
    existing = _existing(room_id=room_id, author=author, client_id=client_id)
    if existing is not None:
        return message_payload(existing, author), False
    retry_after = FLOOD.hit(f"{room_id}.{author.pk}")
    if retry_after is not None:
        raise TooManyMessages(retry_after)
    try:
        with transaction.atomic():
            seq, study_id = _next_seq(room_id=room_id, user_id=author.pk)
            message = Message.objects.create(
                room_id=room_id, seq=seq, author=author, body=body, client_id=client_id
            )
            payload = message_payload(message, author)
            frame = {"type": "chat.message", "message": payload}
            realtime.frame_to_room_on_commit(room_id, frame)
            if "@" in body:
                _notify_mentions(message=message, study_id=study_id, author=author)
    except IntegrityError:
        # The same client id raced in on another socket; that one won.
        existing = _existing(room_id=room_id, author=author, client_id=client_id)
        if existing is None:
            raise
        return message_payload(existing, author), False
    return payload, True


def _notify_mentions(*, message: Message, study_id: int, author) -> None:
    """Notify mentioned study members, except those in the room right now."""
    names = set()
    for name in MENTION.findall(message.body):
        names.update({name, name.rstrip(".-")})
    present = online_user_ids(room_id=message.room_id)
    mentioned = (
        get_user_model()
        .objects.filter(username__in=names, memberships__study_id=study_id)
        .exclude(pk=author.pk)
        .exclude(pk__in=present)
    )
    mentioned = list(mentioned)
    if not mentioned:
        return
    room = Room.objects.select_related("study").get(pk=message.room_id)
    notify(
        users=mentioned,
        kind=Kind.CHAT_MENTION,
        text=lambda: (
            _("%(user)s mentioned you in %(room)s: %(body)s")
            % {"user": author.name, "room": room, "body": message.body}
        ),
        url=room.get_absolute_url(),
        actor=author,
    )


def _editable(*, room_id: int, message_id: int, by) -> tuple[Message, Access]:
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("room")
        .filter(pk=message_id, room_id=room_id)
        .first()
    )
    if message is None or message.is_deleted:
        raise MessageNotFound()
    if not message.room.is_open:
        raise RoomClosed()
    access = study_access(study_id=message.room.study_id, user_id=by.pk)
    if not access.is_member:
        raise NotAllowed()
    return message, access


@transaction.atomic
def message_edit(*, room_id: int, message_id: int, by, body) -> dict:
    body = clean_body(body)
    message, _access = _editable(room_id=room_id, message_id=message_id, by=by)
    if message.author_id != by.pk:
        raise NotAllowed(_("You can only edit your own messages."))
    message.body = body
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "edited_at"])
    payload = message_payload(message, by)
    realtime.frame_to_room_on_commit(room_id, {"type": "chat.edited", "message": payload})
    return payload


@transaction.atomic
def message_delete(*, room_id: int, message_id: int, by) -> dict:
    """Leave a tombstone; authors delete their own messages, the study owner any."""
    message, access = _editable(room_id=room_id, message_id=message_id, by=by)
    if message.author_id != by.pk and access is not Access.OWNER:
        raise NotAllowed(_("You can only delete your own messages."))
    message.body = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["body", "deleted_at"])
    frame = {"type": "chat.deleted", "id": message.pk, "seq": message.seq}
    realtime.frame_to_room_on_commit(room_id, frame)
    return frame


def _expiry():
    return timezone.now() + timedelta(seconds=settings.CHAT_PRESENCE_TTL_S)


def presence_enter(*, room_id: int, user_id: int, channel_name: str) -> Online | None:
    """Mark the socket present; return who is online, or None when the room is closed."""
    with transaction.atomic():
        if not Room.objects.filter(pk=room_id, closed_at__isnull=True).exists():
            return None
        Presence.objects.update_or_create(
            channel_name=channel_name,
            defaults={"room_id": room_id, "user_id": user_id, "expires_at": _expiry()},
        )
    return online_snapshot(room_id=room_id)


def presence_refresh(*, room_id: int, user_id: int, channel_name: str) -> Online:
    """Extend the socket's presence, forget expired ones, and return who is online."""
    updated = Presence.objects.filter(channel_name=channel_name).update(expires_at=_expiry())
    if not updated:
        Presence.objects.create(
            room_id=room_id, user_id=user_id, channel_name=channel_name, expires_at=_expiry()
        )
    Presence.objects.filter(room_id=room_id, expires_at__lte=timezone.now()).delete()
    return online_snapshot(room_id=room_id)


def presence_leave(*, room_id: int, channel_name: str) -> Online:
    Presence.objects.filter(channel_name=channel_name).delete()
    return online_snapshot(room_id=room_id)

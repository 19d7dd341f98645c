import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import realtime
from chat.errors import (
    BadBody,
    CategoryTaken,
    ChatError,
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


@dataclass(frozen=True)
class Post:
    """One message a client asked to post."""

    room_id: int
    author: Any
    body: Any
    client_id: str


def message_post(*, room_id: int, author, body, client_id: str) -> tuple[dict, bool]:
    """Store a message and broadcast it once committed; return its payload and whether it is new.

    A client id the author already used in this room returns the original message instead.
    """
    outcome = message_post_many([Post(room_id, author, body, client_id)])[0]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def message_post_many(posts: list[Post]) -> list[tuple[dict, bool] | Exception]:
    """Post several messages with one transaction (and one commit) per room; see message_post.

    Each post gets its own outcome: (payload, is_new), or the rule error (a ChatError) that
    refused it. Rules apply to each post exactly as if it came alone.
    """
    outcomes: list[tuple[dict, bool] | Exception | None] = [None] * len(posts)
    bodies: dict[int, str] = {}
    for index, post in enumerate(posts):
        try:
            bodies[index] = clean_body(post.body)
        except ChatError as error:
            outcomes[index] = error
    existing = _existing_many([posts[i] for i in bodies])
    first_of: dict[tuple, int] = {}
    copies: dict[int, int] = {}
    for index in bodies:
        post = posts[index]
        key = (post.room_id, post.author.pk, post.client_id)
        if key in existing:
            outcomes[index] = (message_payload(existing[key], post.author), False)
        elif key in first_of:
            # The same client id twice in one batch: the later one is a retry of the first.
            copies[index] = first_of[key]
        else:
            first_of[key] = index
    new = list(first_of.values())
    # One round trip counts the whole batch against the flood limit, post by post in order.
    waits = FLOOD.hit_many([f"{posts[i].room_id}.{posts[i].author.pk}" for i in new])
    to_store: dict[int, list[int]] = {}
    for index, retry_after in zip(new, waits, strict=True):
        if retry_after is None:
            to_store.setdefault(posts[index].room_id, []).append(index)
        else:
            outcomes[index] = TooManyMessages(retry_after)
    for room_id, indexes in to_store.items():
        _store(room_id, [(i, posts[i], bodies[i]) for i in indexes], outcomes)
    for index, original in copies.items():
        outcome = outcomes[original]
        outcomes[index] = outcome if isinstance(outcome, Exception) else (outcome[0], False)
    return outcomes


def _existing_many(posts: list[Post]) -> dict[tuple, Message]:
    """Return the stored messages these posts' client ids already name, by (room, author, id)."""
    if not posts:
        return {}
    match = Q()
    for post in posts:
        match |= Q(room_id=post.room_id, author_id=post.author.pk, client_id=post.client_id)
    return {(m.room_id, m.author_id, m.client_id): m for m in Message.objects.filter(match)}


def _store(room_id: int, items: list[tuple[int, Post, str]], outcomes: list) -> None:
    """Store the room's posts in one transaction and set each one's outcome.

    The room row is locked from taking the sequence numbers until the commit, so numbers
    are gap-free and in commit order; on PostgreSQL one statement takes the numbers of the
    whole batch.
    """
    try:
        with transaction.atomic():
            _store_in_transaction(room_id, items, outcomes)
    except IntegrityError:
        if len(items) > 1:
            # A client id raced in on another process: store the batch's posts one by one.
            for item in items:
                _store(room_id, [item], outcomes)
            return
        index, post, _body = items[0]
        existing = _existing_many([post]).get((room_id, post.author.pk, post.client_id))
        if existing is None:
            raise
        outcomes[index] = (message_payload(existing, post.author), False)


def _store_in_transaction(room_id: int, items: list[tuple[int, Post, str]], outcomes) -> None:
    authors = [post.author.pk for _i, post, _b in items]
    if connection.vendor == "postgresql":
        row = _take_seqs_postgresql(room_id, authors)
    else:
        row = _take_seqs_portable(room_id, authors)
    if row is None:
        room = Room.objects.filter(pk=room_id).first()
        for index, _post, _body in items:
            outcomes[index] = MessageNotFound(_("No such room.")) if room is None else RoomClosed()
        return
    last_seq, study_id, members = row
    allowed = []
    for item in items:
        if item[1].author.pk in members:
            allowed.append(item)
        else:
            outcomes[item[0]] = NotAllowed()
    if not allowed:
        return
    first_seq = last_seq - len(allowed) + 1
    messages = Message.objects.bulk_create(
        Message(
            room_id=room_id,
            seq=first_seq + n,
            author=post.author,
            body=body,
            client_id=post.client_id,
        )
        for n, (_index, post, body) in enumerate(allowed)
    )
    for (index, post, body), message in zip(allowed, messages, strict=True):
        payload = message_payload(message, post.author)
        frame = {"type": "chat.message", "message": payload}
        realtime.frame_to_room_on_commit(room_id, frame, seq=message.seq)
        if "@" in body:
            _notify_mentions(message=message, study_id=study_id, author=post.author)
        outcomes[index] = (payload, True)


def _take_seqs_postgresql(room_id: int, authors: list[int]):
    """(last_seq, study_id, member authors) once the open room took a seq per member's post.

    None if the room is missing or closed.
    """
    room_table = Room._meta.db_table
    membership_table = Membership._meta.db_table
    members_of_room = (
        f"SELECT m.user_id FROM {membership_table} m WHERE m.study_id = r.study_id AND m.user_id"
    )
    # One statement checks that the room is open and which authors are members, and takes
    # one sequence number per post by a member.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {room_table} r SET last_seq = r.last_seq + ("
            f"SELECT count(*) FROM unnest(%s::bigint[]) AS a(user_id) "
            f"WHERE a.user_id IN ({members_of_room} = a.user_id)) "
            f"WHERE r.id = %s AND r.closed_at IS NULL "
            f"RETURNING r.last_seq, r.study_id, ARRAY({members_of_room} = ANY(%s::bigint[]))",
            [authors, room_id, authors],
        )
        return cursor.fetchone()


def _take_seqs_portable(room_id: int, authors: list[int]):
    """_take_seqs_postgresql with the ORM, for the other databases (the embedded SQLite)."""
    room = (
        Room.objects.select_for_update()
        .filter(pk=room_id, closed_at__isnull=True)
        .values("study_id")
        .first()
    )
    if room is None:
        return None
    study_id = room["study_id"]
    members = set(
        Membership.objects.filter(study_id=study_id, user_id__in=set(authors)).values_list(
            "user_id", flat=True
        )
    )
    taken = sum(1 for author in authors if author in members)
    Room.objects.filter(pk=room_id).update(last_seq=F("last_seq") + taken)
    last_seq = Room.objects.filter(pk=room_id).values_list("last_seq", flat=True).get()
    return last_seq, study_id, members


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

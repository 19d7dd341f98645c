"""Reads, and the rules about who may see what.

A conversation is visible to a participant unless the other side has blocked them or has
left (is inactive); to them it is then "unavailable", which never says which it was.
"""

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from messaging.models import Block, Conversation, Message, ReadState
from realtime.resume import rows_to_resume


def pair(a_id: int, b_id: int) -> tuple[int, int]:
    return (a_id, b_id) if a_id < b_id else (b_id, a_id)


def is_blocked_either_way(a_id: int, b_id: int) -> bool:
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def has_blocked(*, blocker_id: int, blocked_id: int) -> bool:
    return Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).exists()


def conversations_of(user) -> QuerySet[Conversation]:
    """Return the user's conversations, annotated with `other_user_id`."""
    return Conversation.objects.filter(Q(user_low_id=user.pk) | Q(user_high_id=user.pk)).annotate(
        other_user_id=Case(
            When(user_low_id=user.pk, then=F("user_high_id")),
            default=F("user_low_id"),
            output_field=IntegerField(),
        )
    )


def visible_conversations_of(user) -> QuerySet[Conversation]:
    return (
        conversations_of(user)
        .filter(user_low__is_active=True, user_high__is_active=True)
        .exclude(
            Exists(Block.objects.filter(blocker_id=OuterRef("other_user_id"), blocked_id=user.pk))
        )
    )


def conversation_for_participant(*, user, conversation_id: int) -> Conversation | None:
    """Return the conversation if the user takes part in it, with both users loaded."""
    return (
        conversations_of(user)
        .select_related("user_low", "user_high")
        .filter(pk=conversation_id)
        .first()
    )


def may_message(*, sender_id: int, recipient: User) -> bool:
    """Return whether the sender may write to the recipient: active, and no block either way."""
    return recipient.is_active and not is_blocked_either_way(sender_id, recipient.pk)


def is_unavailable_to(conversation: Conversation, user) -> bool:
    """Return whether the other side blocked the user or left (the blocker still sees it)."""
    other = conversation.other(user)
    return not other.is_active or has_blocked(blocker_id=other.pk, blocked_id=user.pk)


def available_conversation_for(*, user, conversation_id: int) -> Conversation | None:
    """Return the user's conversation, or None when it is not theirs or is unavailable to them."""
    conversation = conversation_for_participant(user=user, conversation_id=conversation_id)
    if conversation is None or is_unavailable_to(conversation, user):
        return None
    return conversation


def _unread_messages(user) -> QuerySet[Message]:
    return (
        Message.objects.filter(deleted_at__isnull=True)
        .exclude(sender_id=user.pk)
        .filter(
            id__gt=Coalesce(
                Subquery(
                    ReadState.objects.filter(
                        conversation_id=OuterRef("conversation_id"), user_id=user.pk
                    ).values("last_read_message_id")[:1]
                ),
                Value(0),
            )
        )
    )


def unread_of(user) -> QuerySet[Message]:
    """Return the unread messages of all the conversations the user can see."""
    return _unread_messages(user).filter(
        conversation__in=visible_conversations_of(user).values("pk")
    )


def unread_total_for(user) -> int:
    """Count the unread messages of all the conversations the user can see, in one query."""
    return unread_of(user).count()


def unread_in(*, user, conversation_id: int) -> int:
    return _unread_messages(user).filter(conversation_id=conversation_id).count()


def inbox_for(user) -> QuerySet[Conversation]:
    """Return the user's visible conversations with a message, newest first.

    Each carries the other person, the last message and the unread count, all in one query.
    """
    last = Message.objects.filter(conversation_id=OuterRef("pk")).order_by("-id")
    unread = (
        _unread_messages(user)
        .filter(conversation_id=OuterRef("pk"))
        .order_by()
        .values("conversation_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        visible_conversations_of(user)
        .filter(last_message_at__isnull=False)
        .select_related("user_low", "user_high")
        .annotate(
            last_message_id=Subquery(last.values("id")[:1]),
            last_body=Subquery(last.values("body")[:1]),
            last_sender_id=Subquery(last.values("sender_id")[:1]),
            last_deleted_at=Subquery(last.values("deleted_at")[:1]),
            unread=Coalesce(Subquery(unread), Value(0)),
        )
        .order_by("-last_message_at", "-id")
    )


def messages_before(
    *, conversation: Conversation, before: int | None = None, limit: int | None = None
) -> tuple[list[Message], bool]:
    """Return up to `limit` messages older than `before`, oldest first, and whether more exist."""
    limit = limit or settings.MESSAGING_PAGE_SIZE
    rows = conversation.messages.select_related("sender").order_by("-id")
    if before is not None:
        rows = rows.filter(id__lt=before)
    page = list(rows[: limit + 1])
    return list(reversed(page[:limit])), len(page) > limit


def messages_after_for(
    *, user, after: int, limit: int, conversation_id: int | None = None
) -> tuple[list[Message], bool]:
    """Return what a resume from `after` answers, oldest first, and whether more follow.

    That is the messages newer than `after` in the user's visible conversations (or the one
    given), and the ones just below it that may have committed after it (realtime/resume.py).
    """
    conversations = visible_conversations_of(user)
    if conversation_id is not None:
        conversations = conversations.filter(pk=conversation_id)
    rows = Message.objects.filter(conversation__in=conversations.values("pk")).select_related(
        "sender"
    )
    return rows_to_resume(rows, after=after, limit=limit)


def read_up_to(*, conversation_id: int, user_id: int) -> int:
    return (
        ReadState.objects.filter(conversation_id=conversation_id, user_id=user_id)
        .values_list("last_read_message_id", flat=True)
        .first()
        or 0
    )


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()

"""Every write of the messaging app; events go out only once the transaction commits."""

import math
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.ratelimit import RateLimit
from messaging import presence, selectors
from messaging.errors import (
    CannotMessageSelf,
    InvalidMessage,
    MessageNotFound,
    RecipientNotFound,
    RecipientUnavailable,
    TooManyMessages,
)
from messaging.models import (
    BODY_MAX_LENGTH,
    CLIENT_ID_MAX_LENGTH,
    Block,
    Conversation,
    Message,
    ReadState,
)
from messaging.payloads import message_payload
from messaging.realtime import send_frame
from notifications.models import Kind
from notifications.services import notify
from realtime.sender import after_commit

PREVIEW_LENGTH = 80
# At most MESSAGING_RATE_LIMIT messages per sender in any MESSAGING_RATE_WINDOW_S seconds.
SEND_LIMIT = RateLimit(
    "dm.send",
    limit=lambda: settings.MESSAGING_RATE_LIMIT,
    window_s=lambda: settings.MESSAGING_RATE_WINDOW_S,
)


def conversation_get_or_create(*, user, other) -> Conversation:
    """Return the conversation between the two users, creating it the first time."""
    if user.pk == other.pk:
        raise CannotMessageSelf()
    low, high = selectors.pair(user.pk, other.pk)
    with transaction.atomic():
        conversation, created = Conversation.objects.get_or_create(
            user_low_id=low, user_high_id=high
        )
        if created:
            ReadState.objects.bulk_create(
                [ReadState(conversation=conversation, user_id=pk) for pk in (low, high)],
                ignore_conflicts=True,
            )
    return conversation


def _clean_body(body) -> str:
    if not isinstance(body, str):
        raise InvalidMessage(_("A message is text."))
    body = body.strip()
    if not body:
        raise InvalidMessage(_("Write a message first."))
    if len(body) > BODY_MAX_LENGTH:
        raise InvalidMessage(
            _("A message is at most %(limit)d characters.") % {"limit": BODY_MAX_LENGTH}
        )
    return body


def _clean_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= CLIENT_ID_MAX_LENGTH:
        raise InvalidMessage(
            _("A client id is a string of 1 to %(limit)d characters.")
            % {"limit": CLIENT_ID_MAX_LENGTH}
        )
    return client_id


def _recipient(sender, recipient_id) -> User:
    if recipient_id == sender.pk:
        raise CannotMessageSelf()
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is None:
        raise RecipientNotFound()
    if not selectors.may_message(sender_id=sender.pk, recipient=recipient):
        raise RecipientUnavailable()
    return recipient


def _deliver_new(message_id: int) -> None:
    message = Message.objects.select_related("sender", "conversation").get(pk=message_id)
    payload = message_payload(message)
    for user_id in message.conversation.participant_ids:
        user = User(pk=user_id)
        send_frame(
            user_id,
            {
                "type": "message.new",
                "message": payload,
                "unread": selectors.unread_total_for(user),
            },
        )


def _notify_recipient(message: Message, sender, recipient) -> None:
    preview = message.body
    if len(preview) > PREVIEW_LENGTH:
        preview = preview[: PREVIEW_LENGTH - 1] + "…"
    notify(
        users=[recipient],
        kind=Kind.DIRECT_MESSAGE,
        text=lambda: _("%(name)s: %(preview)s") % {"name": sender.name, "preview": preview},
        url=reverse("messaging:conversation", args=[message.conversation_id]),
        actor=sender,
    )


def message_send(*, sender, recipient_id, body, client_id) -> tuple[Message, bool]:
    """Send a direct message; return it and whether it is new.

    Sending again with the same client id returns the first message and sends nothing.
    """
    body = _clean_body(body)
    client_id = _clean_client_id(client_id)
    recipient = _recipient(sender, recipient_id)
    existing = Message.objects.filter(sender=sender, client_id=client_id).first()
    if existing is not None:
        return existing, False
    retry_after = SEND_LIMIT.hit(str(sender.pk))
    if retry_after is not None:
        # Whole seconds, as the Retry-After header of the page has them.
        raise TooManyMessages(math.ceil(retry_after))
    conversation = conversation_get_or_create(user=sender, other=recipient)
    # Asked before the message is inserted: a resume covers messages that commit soon after
    # their insert (realtime/resume.py), so no call to Redis waits in between.
    on_screen = presence.conversation_is_open(user_id=recipient.pk, conversation_id=conversation.pk)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation=conversation, sender=sender, body=body, client_id=client_id
            )
            Conversation.objects.filter(pk=conversation.pk).update(
                last_message_at=message.created_at
            )
            if not on_screen:
                _notify_recipient(message, sender, recipient)
            after_commit(partial(_deliver_new, message.pk))
    except IntegrityError:
        # The same client id raced itself (two tabs, a retry): the first one won.
        return Message.objects.get(sender=sender, client_id=client_id), False
    return message, True


def _announce_read(conversation: Conversation, reader_id: int, up_to: int) -> None:
    send_frame(
        reader_id,
        {
            "type": "conversation.read",
            "conversation": conversation.pk,
            "up_to": up_to,
            "unread": selectors.unread_total_for(User(pk=reader_id)),
        },
    )
    other_id = conversation.other_id(reader_id)
    if not selectors.is_blocked_either_way(reader_id, other_id):
        send_frame(
            other_id,
            {"type": "conversation.seen", "conversation": conversation.pk, "up_to": up_to},
        )


def conversation_mark_read(*, user, conversation: Conversation, up_to: int | None = None) -> int:
    """Record that the user has read the conversation up to a message (the latest by default).

    Read state only moves forward; return where it stands.
    """
    latest = (
        conversation.messages.filter(**({} if up_to is None else {"id__lte": up_to}))
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if latest is None:
        return selectors.read_up_to(conversation_id=conversation.pk, user_id=user.pk)
    with transaction.atomic():
        updated = ReadState.objects.filter(
            conversation=conversation, user_id=user.pk, last_read_message_id__lt=latest
        ).update(last_read_message_id=latest)
        if updated:
            after_commit(partial(_announce_read, conversation, user.pk, latest))
    return max(latest, selectors.read_up_to(conversation_id=conversation.pk, user_id=user.pk))


def _announce_deleted(message: Message) -> None:
    conversation = message.conversation
    sender_id = message.sender_id
    other_id = conversation.other_id(sender_id)
    recipients = [sender_id]
    if not selectors.is_blocked_either_way(sender_id, other_id):
        recipients.append(other_id)
    for user_id in recipients:
        send_frame(
            user_id,
            {
                "type": "message.deleted",
                "conversation": conversation.pk,
                "message": message.pk,
                "unread": selectors.unread_total_for(User(pk=user_id)),
            },
        )


def message_delete(*, user, message_id) -> Message:
    """Delete one of the user's own messages, leaving a tombstone for both sides."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("conversation")
            .filter(pk=message_id, sender_id=user.pk)
            .first()
        )
        if message is None:
            raise MessageNotFound()
        if message.deleted_at is None:
            message.deleted_at = timezone.now()
            message.body = ""
            message.save(update_fields=["deleted_at", "body"])
            after_commit(partial(_announce_deleted, message))
    return message


def block_create(*, blocker, blocked) -> Block:
    if blocker.pk == blocked.pk:
        raise CannotMessageSelf(_("You cannot block yourself."))
    block, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    return block


def block_delete(*, blocker, blocked) -> None:
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()

from collections.abc import Callable, Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from config.languages import recipient_language
from notifications.models import Kind, Notification
from notifications.payloads import notification_payload
from notifications.selectors import unread_count_for, unread_counts_for
from realtime.groups import user_group
from realtime.sender import after_commit, send, send_many

TEXT_LIMIT = Notification._meta.get_field("text").max_length
# A notification's text: a function called (or a lazy string read) in each recipient's language.
Text = str | Promise | Callable[[], str]


def _deliver(notifications: list[Notification]) -> None:
    counts = unread_counts_for([n.recipient_id for n in notifications])
    send_many(
        [
            (
                user_group(notification.recipient_id),
                {
                    "type": "notification.new",
                    "notification": notification_payload(notification),
                    "unread": counts[notification.recipient_id],
                },
            )
            for notification in notifications
        ]
    )


def _text_in(language: str, text: Text) -> str:
    with translation.override(language):
        text = str(text() if callable(text) else text)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def notify(*, users: Iterable, kind: Kind, text: Text, url: str, actor=None) -> list[Notification]:
    """Persist one notification per recipient and push each live once the transaction commits.

    `text` is written in each recipient's own language, not the actor's: pass a function
    returning the translated text (`lambda: _("%(user)s ...") % {...}`), or a lazy string; a
    plain string (an announcement) is sent as it is.
    """
    kind = Kind(kind)
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError(f"A notification links to a local path, not {url!r}.")
    recipients = {user.pk: user for user in users}
    languages = {pk: recipient_language(user) for pk, user in recipients.items()}
    texts = {language: _text_in(language, text) for language in set(languages.values())}
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            Notification(
                recipient_id=pk, actor=actor, kind=kind, text=texts[languages[pk]], url=url
            )
            for pk in recipients
        )
        after_commit(partial(_deliver, created))
    return created


def _announce_read(user_id: int, *, ids: list[int] | None) -> None:
    send(
        user_group(user_id),
        {
            "type": "notifications.read",
            "ids": ids or [],
            "all": ids is None,
            "unread": unread_count_for(user_id),
        },
    )


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; raise Notification.DoesNotExist otherwise."""
    notification = Notification.objects.select_for_update().get(recipient=user, pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        after_commit(partial(_announce_read, user.pk, ids=[notification.pk]))
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    updated = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if updated:
        after_commit(partial(_announce_read, user.pk, ids=None))
    return updated

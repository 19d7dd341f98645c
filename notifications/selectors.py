from django.conf import settings
from django.db.models import Count, QuerySet

from notifications.models import Notification
from realtime.resume import rows_to_resume


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor")


def unread_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def unread_count_for(user) -> int:
    return unread_of(user).count()


def unread_counts_for(user_ids) -> dict[int, int]:
    rows = (
        Notification.objects.filter(recipient_id__in=user_ids, read_at__isnull=True)
        .values("recipient_id")
        .annotate(unread=Count("id"))
    )
    counts = {user_id: 0 for user_id in user_ids}
    counts.update({row["recipient_id"]: row["unread"] for row in rows})
    return counts


def recent_unread_for(user, limit: int | None = None) -> list[Notification]:
    limit = limit or settings.NOTIFICATIONS_REPLAY_LIMIT
    return list(notifications_for(user).filter(read_at__isnull=True)[:limit])


def latest_id_for(user) -> int:
    """Return the id of the user's newest notification, or 0 when there is none."""
    return (
        Notification.objects.filter(recipient=user).order_by("-id").values_list("id", flat=True)
    ).first() or 0


def notifications_after_for(user, *, after: int, limit: int) -> tuple[list[Notification], bool]:
    """Return what a resume from `after` answers, oldest first, and whether more follow.

    That is the user's notifications with an id above `after`, and the ones just below it
    that may have committed after it (realtime/resume.py).
    """
    return rows_to_resume(notifications_for(user), after=after, limit=limit)

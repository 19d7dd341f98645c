from django.conf import settings
from django.db.models import Count, QuerySet

from notifications.models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor")


def unread_count_for(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


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

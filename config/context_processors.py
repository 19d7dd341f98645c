from django.db.models import F, Func, IntegerField, QuerySet, Subquery

from accounts.models import User
from config.prepared import PreparedQuery
from messaging.selectors import unread_of as unread_messages_of
from notifications.selectors import unread_of as unread_notifications_of


def _count(queryset: QuerySet) -> Subquery:
    """The number of rows of `queryset`, as a scalar subquery."""
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


def _unread_counts_of(user_id: int):
    user = User(pk=user_id)
    return (
        User.objects.filter(pk=user_id)
        .annotate(
            unread_notifications=_count(unread_notifications_of(user)),
            unread_messages=_count(unread_messages_of(user)),
        )
        .values_list("unread_notifications", "unread_messages")
    )


_UNREAD_COUNTS = PreparedQuery(_unread_counts_of)


def unread_counts(request):
    """The header's unread notifications and messages, counted afresh in one query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    ((notifications, messages),) = _UNREAD_COUNTS.rows(user.pk)
    return {"unread_notifications": notifications, "unread_messages": messages}

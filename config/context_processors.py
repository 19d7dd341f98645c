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


def with_unread_counts(users: QuerySet[User], user_id: int) -> QuerySet[User]:
    """`users` (the user `user_id`) annotated with `unread_notifications` and
    `unread_messages`, the header's counts."""
    user = User(pk=user_id)
    return users.annotate(
        unread_notifications=_count(unread_notifications_of(user)),
        unread_messages=_count(unread_messages_of(user)),
    )


_UNREAD_COUNTS = PreparedQuery(
    lambda user_id: with_unread_counts(User.objects.filter(pk=user_id), user_id).values_list(
        "unread_notifications", "unread_messages"
    )
)


def unread_counts(request):
    """The header's unread notifications and messages.

    Counted with the request's user (accounts/backends.py), or else afresh in one query. No
    page marks anything read before it renders: that happens in POSTs, which redirect.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if hasattr(user, "unread_notifications"):
        return {
            "unread_notifications": user.unread_notifications,
            "unread_messages": user.unread_messages,
        }
    ((notifications, messages),) = _UNREAD_COUNTS.rows(user.pk)
    return {"unread_notifications": notifications, "unread_messages": messages}

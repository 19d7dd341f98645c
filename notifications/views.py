from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.redirects import redirect_to_next
from config.views import OPENED_NOTIFICATION_PATH
from notifications.models import Notification
from notifications.selectors import notifications_for, unread_count_for
from notifications.services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 20


def _mark_read_or_404(user, notification_id: int) -> Notification:
    try:
        return notification_mark_read(user=user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None


@login_required
def notification_list(request):
    page = Paginator(notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_count": unread_count_for(request.user)},
    )


@require_POST
@login_required
def notification_read(request, notification_id: int):
    _mark_read_or_404(request.user, notification_id)
    return redirect_to_next(request, "notifications:list")


@require_POST
@login_required
def notification_open(request, notification_id: int):
    """Mark the notification read and go to the page it is about.

    The 404 page tells the user when that page's object is gone (config.views.not_found).
    """
    url = _mark_read_or_404(request.user, notification_id).url
    request.session[OPENED_NOTIFICATION_PATH] = url.split("?", 1)[0].split("#", 1)[0]
    return redirect(url)


@require_POST
@login_required
def notifications_read_all(request):
    notifications_mark_all_read(user=request.user)
    return redirect_to_next(request, "notifications:list")

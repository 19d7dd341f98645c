"""Site-wide pages: the home page (a dashboard once logged in) and the friendly 404."""

from django.shortcuts import render

from board.selectors import next_deadlines_by_study
from chat.selectors import open_rooms_by_study
from messaging.selectors import inbox_for
from studies.selectors import member_studies, my_pending_requests, requests_awaiting

# notifications.views.notification_open leaves the path it opened here, for the 404 page.
OPENED_NOTIFICATION_PATH = "opened_notification_path"
DASHBOARD_STUDIES = 12
DASHBOARD_CONVERSATIONS = 5


def _dashboard(user) -> dict:
    studies = list(member_studies(user).select_related("owner")[:DASHBOARD_STUDIES])
    ids = [study.pk for study in studies]
    deadlines = next_deadlines_by_study(ids)
    rooms = open_rooms_by_study(ids)
    for study in studies:
        study.next_deadlines = deadlines[study.pk]
        study.open_rooms = rooms[study.pk]
    unread_conversations = [
        conversation
        for conversation in inbox_for(user).filter(unread__gt=0)[:DASHBOARD_CONVERSATIONS]
    ]
    for conversation in unread_conversations:
        conversation.other_person = conversation.other(user)
    awaiting = list(requests_awaiting(user))
    asked = list(my_pending_requests(user))
    return {
        "studies": studies,
        "unread_conversations": unread_conversations,
        "requests_awaiting": awaiting,
        "my_requests": asked,
        "is_new": not (studies or awaiting or asked or unread_conversations),
    }


def home(request):
    context = _dashboard(request.user) if request.user.is_authenticated else {}
    return render(request, "home.html", context)


def not_found(request, exception):
    """Render 404.html, saying so when a notification led here and its object is gone."""
    session = getattr(request, "session", None)
    gone = session is not None and session.pop(OPENED_NOTIFICATION_PATH, None) == request.path
    return render(request, "404.html", {"notification_target_gone": gone}, status=404)

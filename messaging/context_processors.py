from messaging.selectors import unread_total_for


def unread_messages(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": unread_total_for(user)}

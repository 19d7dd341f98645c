from django import template

from messaging.selectors import has_blocked

register = template.Library()


@register.inclusion_tag("messaging/message_button.html", takes_context=True)
def message_button(context, person, with_block=False):
    """Render a "Message" button for the person, and with_block a Block/Unblock button too."""
    request = context["request"]
    user = request.user
    show = user.is_authenticated and person.is_active and person.pk != user.pk
    with_block = show and with_block
    return {
        "person": person,
        "show": show,
        "with_block": with_block,
        "blocked": with_block and has_blocked(blocker_id=user.pk, blocked_id=person.pk),
        "next": request.path,
        "csrf_token": context.get("csrf_token"),
    }

from django import template

register = template.Library()


@register.inclusion_tag("messaging/message_button.html", takes_context=True)
def message_button(context, person):
    """Render a "Message" button to start (or reopen) a conversation with the person."""
    user = context["request"].user
    return {
        "person": person,
        "show": user.is_authenticated and person.is_active and person.pk != user.pk,
        "csrf_token": context.get("csrf_token"),
    }

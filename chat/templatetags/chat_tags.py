from django import template

from chat.selectors import open_rooms_of_study
from studies.selectors import study_access_in

register = template.Library()


@register.inclusion_tag("chat/study_panel.html", takes_context=True)
def chat_study_panel(context, study):
    """Show the study's open rooms with how many are online in each; members only see rooms."""
    is_member = study_access_in(context, study).is_member
    return {
        "study": study,
        "is_member": is_member,
        "rooms": open_rooms_of_study(study.pk) if is_member else [],
    }

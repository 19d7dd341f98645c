from django import template

from rtc.selectors import call_participants, past_calls
from studies.selectors import study_access

register = template.Library()


@register.inclusion_tag("rtc/study_panel.html", takes_context=True)
def rtc_study_panel(context, study):
    """Show members the call of the study: a join link, who is in it, and past calls."""
    user = context["request"].user
    is_member = user.is_authenticated and study_access(study_id=study.pk, user_id=user.pk).is_member
    if not is_member:
        return {"show": False}
    return {
        "show": True,
        "study": study,
        # One name per person, however many tabs they joined from.
        "in_call": list(
            dict.fromkeys(
                participant.user.name for participant in call_participants(study_id=study.pk)
            )
        ),
        "past_calls": past_calls(study_id=study.pk),
    }

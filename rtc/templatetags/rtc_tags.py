from django import template

from rtc.selectors import call_participants, past_calls
from studies.selectors import study_access_in

register = template.Library()


@register.inclusion_tag("rtc/study_panel.html", takes_context=True)
def rtc_study_panel(context, study):
    """Show members the call of the study: a join link, who is in it, and past calls."""
    if not study_access_in(context, study).is_member:
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

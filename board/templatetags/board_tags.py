from django import template

from board.selectors import task_overview
from studies.selectors import study_access_in

register = template.Library()


@register.inclusion_tag("board/study_panel.html", takes_context=True)
def board_study_panel(context, study):
    """Show the study's task progress and next deadlines, to its members only."""
    if not study_access_in(context, study).is_member:
        return {"show": False}
    progress, upcoming = task_overview(study.pk)
    return {"show": True, "study": study, "progress": progress, "upcoming": upcoming}

from django import template

from board.selectors import task_progress, upcoming_tasks
from studies.selectors import study_access_in

register = template.Library()


@register.inclusion_tag("board/study_panel.html", takes_context=True)
def board_study_panel(context, study):
    """Show the study's task progress and next deadlines, to its members only."""
    if not study_access_in(context, study).is_member:
        return {"show": False}
    return {
        "show": True,
        "study": study,
        "progress": task_progress(study.pk),
        "upcoming": upcoming_tasks(study.pk),
    }

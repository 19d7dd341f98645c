from django import template

from board.selectors import task_progress, upcoming_tasks
from studies.selectors import study_access

register = template.Library()


@register.inclusion_tag("board/study_panel.html", takes_context=True)
def board_study_panel(context, study):
    """Show the study's task progress and next deadlines, to its members only."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"show": False}
    if not study_access(study_id=study.pk, user_id=user.pk).is_member:
        return {"show": False}
    return {
        "show": True,
        "study": study,
        "progress": task_progress(study.pk),
        "upcoming": upcoming_tasks(study.pk),
    }

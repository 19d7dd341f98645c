"""Task deadlines in the study's calendar feed (registered in BoardConfig.ready)."""

from django.utils.translation import gettext as _

from board.selectors import task_deadlines
from studies.calendar import CalendarEvent
from studies.models import Study


def task_deadline_events(study: Study, base_url: str) -> list[CalendarEvent]:
    return [
        CalendarEvent(
            uid=deadline.uid,
            summary=(_("Done: %(task)s") if deadline.done else _("Due: %(task)s"))
            % {"task": deadline.title},
            start=deadline.due,
            url=base_url + deadline.url if base_url else "",
        )
        for deadline in task_deadlines(study)
    ]

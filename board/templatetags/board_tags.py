from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.templatetags.datetimes import when
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


@register.simple_tag
def search_result(result) -> SafeString:
    """One search result (board.selectors.SearchResult): the post's title (linked), task,
    author, date and excerpt.

    Written out here rather than in a template: a page shows twenty, and the template engine
    spent a tenth of a millisecond on each. static/js/board_search.js builds the same element
    for the results that arrive as the reader scrolls.
    """
    return format_html(
        '<li class="px-4 py-3" data-post-id="{}">'
        '<a class="font-medium hover:underline" href="{}">{}</a>'
        '<div class="text-sm text-slate-600">{} · {} · {}</div>'
        '<p class="mt-1 break-words text-sm text-slate-700" data-excerpt>{}</p>'
        "</li>",
        result.id,
        result.get_absolute_url(),
        result.title,
        result.task_title,
        result.author_name,
        when(result.created_at),
        result.excerpt.html(),
    )

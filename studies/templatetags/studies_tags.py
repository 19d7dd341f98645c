from django import template

from markup.text import markdown_to_text
from studies.selectors import reviews_received, score_summary_for, studies_joined

register = template.Library()

PROFILE_LIMIT = 20
# Previews show a couple of lines: a description's first characters are all they need.
PREVIEW_SOURCE_CHARS = 1000


@register.inclusion_tag("studies/profile_sections.html")
def study_profile_sections(person):
    """Render a profile's review score, reviews received and studies joined."""
    return {
        "person": person,
        "summary": score_summary_for(person.pk),
        "reviews": reviews_received(person.pk)[:PROFILE_LIMIT],
        "studies": studies_joined(person.pk)[:PROFILE_LIMIT],
    }


@register.filter
def markdown_text(text: str) -> str:
    """Return markdown as the plain text a reader sees, for short previews."""
    return markdown_to_text(text[:PREVIEW_SOURCE_CHARS])

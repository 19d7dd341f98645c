from django import template

from studies.selectors import reviews_received, score_summary_for, studies_joined

register = template.Library()

PROFILE_LIMIT = 20


@register.inclusion_tag("studies/profile_sections.html")
def study_profile_sections(person):
    """Render a profile's review score, reviews received and studies joined."""
    return {
        "person": person,
        "summary": score_summary_for(person.pk),
        "reviews": reviews_received(person.pk)[:PROFILE_LIMIT],
        "studies": studies_joined(person.pk)[:PROFILE_LIMIT],
    }

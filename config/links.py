"""Links to pages routed by numbers alone (`<int:…>`) or by nothing, as reverse() gives them.

reverse() matches the URL patterns afresh on every call, 20-40 µs; a page of 20 search results
linked each of them for most of a millisecond, and the site's header links ten pages on every
page. The path of a route is the same for every number, so it is reversed once per process
(and per script prefix) and filled in after. In templates: `{% load links %}` and
`{% link "studies:explore" %}`, `{% link "board:post" study_id=1 post_id=2 %}`.
"""

import functools

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# Numbers no route holds: where each stands in the reversed path is where its value goes.
_STAND_INS = range(987_654_321_001, 987_654_321_100)


@functools.lru_cache(maxsize=256)
def _path(viewname: str, names: tuple[str, ...], prefix: str, urlconf) -> str:
    stand_ins = dict(zip(names, _STAND_INS, strict=False))
    path = reverse(viewname, urlconf=urlconf, kwargs=stand_ins).replace("{", "{{")
    path = path.replace("}", "}}")
    for name, number in stand_ins.items():
        if path.count(str(number)) != 1:
            raise ValueError(f"{viewname} does not take {name} as a plain number.")
        path = path.replace(str(number), f"{{{name}}}")
    return path


def int_url(viewname: str, **numbers: int) -> str:
    """Return reverse(viewname, kwargs=numbers) for a route whose arguments are all numbers."""
    values = {name: int(number) for name, number in numbers.items()}
    if any(value < 0 for value in values.values()):
        raise NoReverseMatch(f"{viewname} takes no negative numbers: {numbers}")
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _path(viewname, tuple(sorted(values)), get_script_prefix(), urlconf).format(**values)


register = template.Library()


@register.simple_tag
def link(viewname: str, **numbers: int) -> str:
    """{% url %} for routes taking numbers or nothing (config.links.int_url)."""
    return int_url(viewname, **numbers)

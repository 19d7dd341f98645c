"""config.links.int_url: reverse() of routes by numbers, with the path reversed once."""

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_script_prefix,
    path,
    register_converter,
    reverse,
    set_script_prefix,
)

from config.links import int_url

ROUTES = [
    ("studies:detail", {"study_id": 7}),
    ("board:post", {"study_id": 7, "post_id": 12345}),
    ("board:task", {"task_id": 3, "study_id": 70}),
    ("chat:room", {"room_id": 0}),
]


@pytest.mark.parametrize(("viewname", "numbers"), ROUTES)
def test_it_gives_what_reverse_gives(viewname, numbers):
    assert int_url(viewname, **numbers) == reverse(viewname, kwargs=numbers)
    bigger = {name: number * 10 + 1 for name, number in numbers.items()}
    assert int_url(viewname, **bigger) == reverse(viewname, kwargs=bigger)


def test_it_follows_the_script_prefix():
    set_script_prefix("/cohort/")
    try:
        assert int_url("board:post", study_id=1, post_id=2) == "/cohort/studies/1/board/posts/2/"
    finally:
        clear_script_prefix()
    assert int_url("board:post", study_id=1, post_id=2) == "/studies/1/board/posts/2/"


def test_what_reverse_refuses_it_refuses():
    with pytest.raises(NoReverseMatch):
        int_url("board:post", study_id=1, post_id=-2)
    with pytest.raises(NoReverseMatch):
        int_url("board:post", study_id=1)


class Hex:
    regex = "[0-9a-f]+"

    def to_python(self, value):
        return int(value, 16)

    def to_url(self, value):
        return f"{value:x}"


register_converter(Hex, "hex")
urlpatterns = [path("h/<hex:number>/", lambda request, number: None, name="hex")]


@override_settings(ROOT_URLCONF=__name__)
def test_a_route_that_writes_its_number_otherwise_is_refused():
    with pytest.raises(ValueError, match="plain number"):
        int_url("hex", number=255)


def test_the_link_tag_gives_what_the_url_tag_gives():
    rendered = Template(
        "{% load links %}{% link 'studies:explore' %} {% link 'board:post' study_id=3 post_id=4 %}"
        " {% link 'home' as home %}[{{ home }}]"
    ).render(Context())
    expected = Template(
        "{% url 'studies:explore' %} {% url 'board:post' study_id=3 post_id=4 %}"
        " {% url 'home' as home %}[{{ home }}]"
    ).render(Context())
    assert rendered == expected == "/studies/ /studies/3/board/posts/4/ [/]"

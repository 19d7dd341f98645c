"""Explore: full-text search on PostgreSQL, filters, sorting, paging, constant queries."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from config.cache import KeptLocally
from studies import services
from studies.models import Study
from studies.selectors import POPULAR_TAGS_CACHE_KEY
from tests.studies.conftest import client_for, future, join, make_study

pytestmark = pytest.mark.django_db

URL = "/studies/"


def titles(response) -> list[str]:
    return [study.title for study in response.context["page"].object_list]


@pytest.fixture
def catalogue(bob, alice, carol):
    """Three studies: one recruiting, one full, one in progress."""
    algorithms = make_study(
        bob,
        title="Algorithms weekly",
        description="Dynamic programming and graphs.",
        tags=["python", "interview"],
        recruitment_deadline=future(3),
    )
    korean = make_study(
        alice,
        title="Korean for developers",
        description="Reading tech blogs in Korean.",
        tags=["language"],
        capacity=2,
        recruitment_deadline=future(5),
    )
    join(korean, carol)
    exam = make_study(
        carol,
        title="Exam sprint",
        description="Solving past papers on algorithms.",
        tags=["exam"],
        recruitment_deadline=future(1),
    )
    services.study_status_change(study=exam, to=Study.Status.IN_PROGRESS, by=carol)
    return {"algorithms": algorithms, "korean": korean, "exam": exam}


def test_explore_is_public_and_lists_newest_first(catalogue):
    response = Client().get(URL)
    assert response.status_code == 200
    assert titles(response) == ["Exam sprint", "Korean for developers", "Algorithms weekly"]


def test_search_ranks_title_matches_above_description_matches(catalogue):
    assert titles(Client().get(URL, {"q": "algorithms"})) == ["Algorithms weekly", "Exam sprint"]


def test_search_stems_words_and_covers_tags(catalogue):
    assert titles(Client().get(URL, {"q": "developer"})) == ["Korean for developers"]
    assert titles(Client().get(URL, {"q": "interview"})) == ["Algorithms weekly"]
    assert titles(Client().get(URL, {"q": "nothing-like-this"})) == []


def test_search_takes_any_text_without_error(catalogue):
    for query in ['"unbalanced', "a & | ! b", "'); drop table studies;--", "-", "x" * 200]:
        assert Client().get(URL, {"q": query}).status_code == 200


def test_tag_filter_links_from_cards(catalogue):
    response = Client().get(URL, {"tag": "Python "})
    assert titles(response) == ["Algorithms weekly"]
    assert 'href="/studies/?tag=python"' in response.content.decode()


def test_status_filter(catalogue):
    assert titles(Client().get(URL, {"status": "recruiting"})) == ["Algorithms weekly"]
    assert titles(Client().get(URL, {"status": "in_progress"})) == ["Exam sprint"]
    assert titles(Client().get(URL, {"status": "completed"})) == []
    # An unknown status is ignored rather than failing the page.
    assert len(titles(Client().get(URL, {"status": "paused"}))) == 3


def test_open_seats_filter(catalogue):
    assert titles(Client().get(URL, {"open_seats": "on"})) == ["Exam sprint", "Algorithms weekly"]


def test_sort_by_deadline_soonest(catalogue):
    assert titles(Client().get(URL, {"sort": "deadline"})) == [
        "Exam sprint",
        "Algorithms weekly",
        "Korean for developers",
    ]


def test_the_filters_show_what_was_chosen(catalogue):
    chosen = {"status": "in_progress", "sort": "newest", "open_seats": "on"}
    html = Client().get(URL, chosen).content.decode()
    assert '<option value="in_progress" selected>' in html
    assert '<option value="newest" selected>' in html
    assert re.search(
        r'<input type="checkbox"\s+name="open_seats"\s+id="id_open_seats"\s+checked>', html
    )

    html = Client().get(URL, {"status": "paused"}).content.decode()
    assert html.count(" selected>") == 1
    assert '<option value="" selected>' in html
    assert not re.search(r"\schecked>", html)


def test_popular_tags_list_the_most_used_first_and_are_kept_a_while(bob):
    make_study(bob, title="A", tags=["python", "sql"])
    make_study(bob, title="B", tags=["python"])
    assert [tag.name for tag in Client().get(URL).context["popular_tags"]] == ["python", "sql"]

    for title in ("C", "D"):
        make_study(bob, title=title, tags=["sql"])
    # A minute-old ranking is kept, in Redis and in the process...
    assert [tag.name for tag in Client().get(URL).context["popular_tags"]] == ["python", "sql"]
    cache.delete(POPULAR_TAGS_CACHE_KEY)
    assert [tag.name for tag in Client().get(URL).context["popular_tags"]] == ["python", "sql"]
    # ...until both let it go.
    KeptLocally.forget_all()
    assert [tag.name for tag in Client().get(URL).context["popular_tags"]] == ["sql", "python"]


def test_recruitment_closes_by_itself_when_the_deadline_passes(catalogue):
    Study.objects.filter(pk=catalogue["algorithms"].pk).update(recruitment_deadline=future(-1))
    assert titles(Client().get(URL, {"status": "recruiting"})) == []


def test_pagination(bob):
    for number in range(14):
        make_study(bob, title=f"Study {number:02}")
    first = Client().get(URL)
    second = Client().get(URL, {"page": 2})
    assert len(titles(first)) == 12
    assert titles(second) == ["Study 01", "Study 00"]
    assert Client().get(URL, {"page": "nonsense"}).status_code == 200


def many_studies(owners, count: int, tags_each: int, members_each: int):
    for number in range(count):
        study = make_study(
            owners[number % len(owners)],
            title=f"Study {number} 스터디",
            tags=[f"tag{number}-{tag}" for tag in range(tags_each)],
            capacity=10,
        )
        for member in owners[1 : members_each + 1]:
            if member != study.owner:
                join(study, member)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "study"},
        {"q": "스터디 stu"},
        # Found by nothing: the substring try and the spelling suggestion come on top.
        {"q": "nothing here"},
        {"tag": "tag1-0", "sort": "deadline"},
        {"open_seats": "on"},
        {"status": "recruiting"},
    ],
)
def test_explore_queries_do_not_grow_with_studies_tags_or_members(
    make_user, django_assert_max_num_queries, params
):
    users = [make_user(f"user{n}") for n in range(5)]
    viewer = client_for(users[0])
    many_studies(users, count=2, tags_each=1, members_each=1)
    with django_assert_max_num_queries(10) as few:
        viewer.get(URL, params)
    many_studies(users, count=12, tags_each=5, members_each=4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        viewer.get(URL, params)

"""search.paging.search_page: Paginator's pages, in two narrow queries, from the indexes."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search.paging import search_page
from studies.selectors import explore_studies
from tests.studies.conftest import make_study

pytestmark = pytest.mark.django_db

PER_PAGE = 2


@pytest.fixture
def found(bob):
    for number in range(5):
        make_study(bob, title=f"Graph theory {number}")
    make_study(bob, title="Cooking")
    return explore_studies(query="graph")


def ids(page) -> list[int]:
    return [study.pk for study in page.object_list]


@pytest.mark.parametrize("number", [1, 2, 3, "3", 4, 99, "x", None, 0, -1])
def test_each_page_is_the_paginators_page(found, number):
    expected = Paginator(found, PER_PAGE).get_page(number)

    page = search_page(found, number, PER_PAGE)

    assert ids(page) == ids(expected)
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (
        expected.number,
        5,
        3,
    )
    assert page.has_next() == expected.has_next()


def test_a_page_of_nothing_is_the_empty_first_page(bob):
    page = search_page(explore_studies(query="nowhere"), 2, PER_PAGE)

    assert (list(page.object_list), page.number, page.paginator.num_pages) == ([], 1, 1)


def test_the_page_comes_in_two_queries_with_its_rows_complete(found, bob):
    with CaptureQueriesContext(connection) as queries:
        page = search_page(found, 1, PER_PAGE)
        shown = [(s.owner.name, s.member_total, [t.name for t in s.tags.all()]) for s in page]

    statements = [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    assert statements[0] == "SET LOCAL enable_seqscan = off"
    assert "COUNT(*) OVER ()" in statements[1]
    # The rows by id (owner joined), then their tags: nothing more per row.
    assert len(statements) == 4
    assert shown == [(bob.name, 1, ["algorithms", "python"])] * PER_PAGE


def test_the_planner_chooses_when_asked_to(found):
    with CaptureQueriesContext(connection) as queries:
        search_page(found, 1, PER_PAGE, by_index=False)

    statements = [query["sql"] for query in queries.captured_queries]
    assert not any("enable_seqscan" in sql for sql in statements)
    assert len(statements) == 3

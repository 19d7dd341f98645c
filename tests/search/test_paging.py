"""search.paging.search_page: Paginator's pages, in two narrow queries, from the indexes."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from search import paging
from search.paging import BY_INDEX, search_page
from studies.models import Study
from studies.selectors import explore_studies, study_cards, tags_of
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


def statements_of(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_the_page_comes_in_two_queries_with_its_rows_complete(found, bob):
    with CaptureQueriesContext(connection) as queries:
        page = search_page(found, 1, PER_PAGE)
        shown = [(s.owner.name, s.member_total, [t.name for t in s.tags.all()]) for s in page]

    statements = statements_of(queries)
    # Planned for its own words (never from a prepared statement's generic plan), by index.
    assert statements[0] == BY_INDEX
    assert "COUNT(*) OVER ()" in statements[1]
    # The rows by id (owner joined), then their tags: nothing more per row.
    assert len(statements) == 4
    assert shown == [(bob.name, 1, ["algorithms", "python"])] * PER_PAGE


def test_the_second_try_runs_only_when_the_first_finds_nothing(found, bob):
    make_study(bob, title="TypeScript weekly")
    tried = []

    def then():
        tried.append(True)
        return explore_studies(query="script", substrings=True)

    page = search_page(found, 1, PER_PAGE, then=then)
    assert (len(page.object_list), tried) == (PER_PAGE, [])

    with CaptureQueriesContext(connection) as queries:
        page = search_page(explore_studies(query="script"), 1, PER_PAGE, then=then)

    assert [study.title for study in page] == ["TypeScript weekly"]
    assert page.paginator.count == 1
    statements = statements_of(queries)
    assert statements[0] == BY_INDEX
    # Both tries' ids, then the rows and their tags, in one transaction.
    assert len(statements) == 5
    opened = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(opened) == 1

    nothing = search_page(
        explore_studies(query="zzz"),
        3,
        PER_PAGE,
        then=lambda: explore_studies(query="zzz", substrings=True),
    )
    assert (list(nothing.object_list), nothing.number, nothing.paginator.count) == ([], 1, 0)


def test_the_rows_of_a_page_can_come_from_elsewhere(found, bob):
    asked = []

    def cards(page_ids):
        asked.append(page_ids)
        return study_cards(page_ids, user=AnonymousUser())

    with CaptureQueriesContext(connection) as queries:
        page = search_page(found, 2, PER_PAGE, rows=cards)
        shown = [(s.owner.name, s.member_total, [t.name for t in tags_of(s)]) for s in page]

    assert asked == [ids(Paginator(found, PER_PAGE).get_page(2))]
    assert ids(page) == asked[0]
    assert shown == [(bob.name, 1, ["algorithms", "python"])] * PER_PAGE
    # The page's ids, then its cards with their tags in one query.
    assert len(statements_of(queries)) == 3


@pytest.fixture
def mixed(bob):
    """Title matches and description matches, created in turns, and a study that is neither."""
    for number in range(4):
        make_study(bob, title=f"Graph theory {number}")
        make_study(bob, title=f"Weekly meetup {number}", description="We draw graphs.")
    make_study(bob, title="Cooking", description="Recipes.")
    return explore_studies(query="graph")


TITLES_ALONE = {"given": lambda: explore_studies(query="graph", titles_only=True), "not": None}


@pytest.mark.parametrize("firsts", ["given", "not"])
@pytest.mark.parametrize("number", [1, 2, 3, 4, 5, 99, "x", 0])
def test_a_page_read_in_two_parts_is_the_paginators_page(mixed, number, firsts):
    expected = Paginator(mixed, PER_PAGE).get_page(number)

    with CaptureQueriesContext(connection) as queries:
        page = search_page(mixed, number, PER_PAGE, first="in_title", firsts=TITLES_ALONE[firsts])

    assert ids(page) == ids(expected)
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (
        expected.number,
        8,
        4,
    )
    assert any(sql.startswith("WITH firsts AS") for sql in statements_of(queries))


def test_title_matches_come_first_then_the_others_newest_first(mixed):
    pages = [search_page(mixed, number, PER_PAGE, first="in_title") for number in (1, 2, 3, 4)]

    assert [[study.title for study in page] for page in pages] == [
        ["Graph theory 3", "Graph theory 2"],
        ["Graph theory 1", "Graph theory 0"],
        ["Weekly meetup 3", "Weekly meetup 2"],
        ["Weekly meetup 1", "Weekly meetup 0"],
    ]


def test_the_two_parts_keep_the_other_filters(mixed, bob):
    started = make_study(bob, title="Graph theory in progress")
    Study.objects.filter(pk=started.pk).update(status=Study.Status.IN_PROGRESS)
    found = explore_studies(query="graph", status=Study.Status.IN_PROGRESS)

    page = search_page(found, 1, PER_PAGE, first="in_title")

    assert ([study.title for study in page], page.paginator.count) == (
        ["Graph theory in progress"],
        1,
    )


def test_a_search_of_no_words_is_an_empty_page_in_two_parts(mixed):
    page = search_page(explore_studies(query="!!"), 1, PER_PAGE, first="in_title")

    assert (list(page.object_list), page.paginator.count) == ([], 0)


def test_the_title_matches_alone_are_all_the_title_matches(mixed, bob):
    make_study(bob, title="Cooking graphs", tags=["graph"], description="Recipes.")
    alone = explore_studies(query="graph", titles_only=True)
    assert {study.pk for study in alone} == {
        study.pk for study in explore_studies(query="graph") if study.in_title
    }
    assert len(alone) == 5


def test_the_two_parts_are_read_from_the_indexes(mixed):
    with CaptureQueriesContext(connection) as queries:
        search_page(mixed, 3, PER_PAGE, first="in_title", firsts=TITLES_ALONE["given"])
    split = statements_of(queries)[1]

    with connection.cursor() as cursor:
        # A test table is tiny, so a sequential scan (or a whole-index walk standing in for
        # one) would always win: leave the planner only index conditions to choose from.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {split}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "studies_study_search_title" in plan, plan
    assert "studies_study_search_document" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.parametrize(
    ("number", "shown", "more"),
    # Two pages past the page shown (PAGES_AHEAD = 1), of two studies each, out of eight.
    [(1, "Page 1 of 2+", True), (2, "Page 2 of 3+", True), (3, "Page 3 of 4", False)],
)
def test_a_search_in_two_parts_counts_only_so_far_past_the_page(
    mixed, monkeypatch, number, shown, more
):
    monkeypatch.setattr(paging, "PAGES_AHEAD", 1)
    expected = Paginator(mixed, PER_PAGE).get_page(number)

    page = search_page(mixed, number, PER_PAGE, first="in_title")

    assert ids(page) == ids(expected)
    assert page.paginator.more is more
    assert page.has_next() and page.has_previous() == (number > 1)
    html = render_to_string("includes/pagination.html", {"page": page})
    assert shown in " ".join(html.split())


def test_korean_says_the_pages_go_on(mixed, monkeypatch):
    monkeypatch.setattr(paging, "PAGES_AHEAD", 1)
    page = search_page(mixed, 1, PER_PAGE, first="in_title")

    with translation.override("ko"):
        html = render_to_string("includes/pagination.html", {"page": page})

    assert "2페이지 이상 중 1페이지" in html

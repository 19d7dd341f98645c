"""One page of search results in two narrow queries.

A search's matches are ordered by rank and date, so PostgreSQL visits every match whatever
the page. Django's Paginator asks twice: COUNT(*) over the matches, then the page, for which
every match is joined and annotated before it is sorted. Here the first query reads only the
ids of the page, with the number of matches beside them (COUNT(*) OVER ()), and the second
reads the page's rows, joined and annotated, by id.
"""

from collections.abc import Callable
from contextlib import contextmanager

from django.core.paginator import Page, Paginator
from django.db import connections, transaction
from django.db.models import Count, QuerySet, Window


def _ids_and_total(queryset: QuerySet, number: int, per_page: int) -> tuple[list[int], int]:
    bottom = (number - 1) * per_page
    ids = queryset.annotate(matches=Window(Count("*"))).values_list("pk", "matches")
    rows = list(ids[bottom : bottom + per_page])
    return [pk for pk, _ in rows], (rows[0][1] if rows else 0)


def _page_of(queryset: QuerySet, number: int, per_page: int) -> tuple[list[int], int, int]:
    """Return the ids of page `number` (the last page when out of range), the total, the number."""
    ids, total = [], 0
    if number >= 1:
        ids, total = _ids_and_total(queryset, number, per_page)
    if not ids and number != 1:
        paginator = Paginator(queryset, per_page)
        paginator.count = queryset.count()
        number = paginator.num_pages
        ids, total = _ids_and_total(queryset, number, per_page)
    return ids, total, number


# Each search is planned for its own words: a prepared statement's generic plan
# (config/settings.py) knows nothing of how many studies a word matches. And the planner prices
# a document match as cheap as comparing two numbers, so for a common word ("learn": a quarter
# of 10,000 studies) it reads every document rather than take the GIN index: 10 ms where the
# index answers in 5. The substring try is as fast or faster from the trigram index too
# (2-12 ms at 10,000 studies, bench/README.md). One statement, to keep a page's queries few.
BY_INDEX = (
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
    "set_config('enable_seqscan', 'off', true)"
)


@contextmanager
def _planned_by_index(using: str):
    """Run the search queries of this block as planned for their words, from the indexes."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(BY_INDEX)
        yield


def search_page(
    queryset: QuerySet,
    number,
    per_page: int,
    *,
    rows: Callable[[list[int]], list] | None = None,
    then: Callable[[], QuerySet] | None = None,
) -> Page:
    """Return page `number` of the ordered `queryset`, as Paginator(...).get_page would.

    A number that is not a number gives the first page; one out of range, the last.
    PostgreSQL answers from the search indexes (search/query.py), where its planner would
    read every row. When `queryset` matches nothing, `then()` gives the second try (a search
    that matches titles by substring), in the same transaction. `rows(ids)` reads the page's
    rows, in the order of `ids`; by default the queryset's own.
    """
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    with _planned_by_index(queryset.db):
        ids, total, shown = _page_of(queryset, number, per_page)
        if not total and then is not None:
            queryset = then()
            ids, total, shown = _page_of(queryset, number, per_page)
    paginator = Paginator(queryset, per_page)
    paginator.count = total
    if rows is None:
        found = queryset.in_bulk(ids)
        return Page([found[pk] for pk in ids if pk in found], shown, paginator)
    return Page(rows(ids), shown, paginator)

"""One page of search results in two narrow queries.

A search's matches are ordered by rank and date. Django's Paginator asks twice: COUNT(*) over
the matches, then the page, for which every match is joined and annotated before it is sorted.
Here the first query reads only the ids of the page, with the number of matches beside them,
and the second reads the page's rows, joined and annotated, by id.

A search over a whole catalogue (explore's studies, 10,000 and growing) can also say which
matches come `first` (title matches: an index condition of its own, search/query.py). Sorting
every match by it meant reading every match's document: 4-8 ms on PostgreSQL for a word found
in a quarter of 10,000 studies. The ids come instead from two index-ordered queries, the first
matches' and the others', each cut at the end of the page, so that a common word reads about a
page of rows; a rare word is read from the indexes, as before. Counting still reads each
match, so that query counts only PAGES_AHEAD pages past the page shown: "Page 1 of 11+"
rather than "of 195" (1.8 ms for a word in a quarter of 10,000 studies). For a few hundred
matches (one study's board) the single sort is as fast.
"""

from collections.abc import Callable
from contextlib import contextmanager

from django.core.paginator import Page, Paginator
from django.db import connections, transaction
from django.db.models import Count, QuerySet, Window

# How far past the page shown a search read in two parts counts its matches.
PAGES_AHEAD = 10


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.get_compiler(queryset.db).as_sql()


def _split_ids_and_total(
    queryset: QuerySet,
    first: str,
    bottom: int,
    top: int,
    counted_to: int,
    firsts: QuerySet | None,
) -> list[tuple[int, int]]:
    """Return the (id, total) rows of matches `bottom` to `top`: those with `first` true
    (`firsts`, when given), then the others, each in the queryset's ordering after `first`. The
    total stops past `counted_to`."""
    if queryset.query.is_empty():
        return []
    order = queryset.query.order_by[1:]
    columns = [field.removeprefix("-") for field in order]
    if firsts is None:
        firsts = queryset.filter(**{first: True})
    firsts, firsts_params = _sql(firsts.order_by(*order).values_list("pk", *columns)[:top])
    branch = queryset.order_by(*order).values_list("pk", *columns)
    others, others_params = _sql(branch.filter(**{first: False})[:top])
    count, count_params = _sql(queryset.order_by().values_list("pk"))
    # Columns: the branch (1), the id (2), the ordering's own (3 on), the total.
    sort = ", ".join(
        f"{position} {'DESC' if field.startswith('-') else 'ASC'}"
        for position, field in enumerate(order, start=3)
    )
    # The others are read only when the first matches do not fill the page on their own.
    sql = (
        f"WITH firsts AS MATERIALIZED ({firsts}) "
        f"SELECT page.*, (SELECT count(*) FROM ({count} LIMIT %s) AS matches) FROM ("
        "SELECT 0, firsts.* FROM firsts UNION ALL "
        f"SELECT 1, others.* FROM ({others}) AS others "
        "WHERE (SELECT count(*) FROM firsts) < %s"
        f") AS page ORDER BY 1, {sort} LIMIT %s OFFSET %s"
    )
    params = (
        *firsts_params,
        *count_params,
        counted_to + 1,
        *others_params,
        top,
        top - bottom,
        bottom,
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[1], row[-1]) for row in cursor.fetchall()]


def _ids_and_total(
    queryset: QuerySet,
    number: int,
    per_page: int,
    first: str | None,
    firsts: QuerySet | None = None,
) -> tuple[list[int], int, bool]:
    """Return the ids of page `number`, the number of matches, and whether there are more
    matches than that (the count stopped)."""
    bottom = (number - 1) * per_page
    split = first is not None and queryset.query.order_by[:1] == (f"-{first}",)
    if split and connections[queryset.db].vendor == "postgresql":
        counted_to = bottom + (1 + PAGES_AHEAD) * per_page
        rows = _split_ids_and_total(queryset, first, bottom, bottom + per_page, counted_to, firsts)
        total = rows[0][1] if rows else 0
        return [pk for pk, _ in rows], min(total, counted_to), total > counted_to
    ids = queryset.annotate(matches=Window(Count("*"))).values_list("pk", "matches")
    rows = list(ids[bottom : bottom + per_page])
    return [pk for pk, _ in rows], (rows[0][1] if rows else 0), False


def _page_of(
    queryset: QuerySet,
    number: int,
    per_page: int,
    first: str | None,
    firsts: QuerySet | None = None,
) -> tuple[list[int], int, bool, int]:
    """Return the ids of page `number` (the last page when out of range), the total, whether
    there are more matches than that, and the page's number."""
    ids, total, more = [], 0, False
    if number >= 1:
        ids, total, more = _ids_and_total(queryset, number, per_page, first, firsts)
    if not ids and number != 1:
        paginator = Paginator(queryset, per_page)
        paginator.count = queryset.count()
        number = paginator.num_pages
        ids, total, more = _ids_and_total(queryset, number, per_page, first, firsts)
    return ids, total, more, number


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
    first: str | None = None,
    firsts: Callable[[], QuerySet] | None = None,
) -> Page:
    """Return page `number` of the ordered `queryset`, as Paginator(...).get_page would.

    A number that is not a number gives the first page; one out of range, the last.
    PostgreSQL answers from the search indexes (search/query.py), where its planner would
    read every row. When `queryset` matches nothing, `then()` gives the second try (a search
    that matches titles by substring), in the same transaction. `rows(ids)` reads the page's
    rows, in the order of `ids`; by default the queryset's own. `first` names the boolean
    annotation that leads the queryset's ordering (descending), to read the page as two
    index-ordered queries (this module's docstring says when that pays); the paginator's count
    then stops PAGES_AHEAD pages past the page, and `paginator.more` says whether it did.
    `firsts()` gives those first matches of `queryset` by their own condition alone (title
    matches without the document match they imply): the planner, multiplying the two
    conditions' odds as if unrelated, thought a common word's title matches rare and sorted
    all of them rather than read the newest few.
    """
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    with _planned_by_index(queryset.db):
        first_matches = firsts() if firsts is not None else None
        ids, total, more, shown = _page_of(queryset, number, per_page, first, first_matches)
        if not total and then is not None:
            queryset = then()
            ids, total, more, shown = _page_of(queryset, number, per_page, first)
    paginator = Paginator(queryset, per_page)
    paginator.count = total
    # The matches go on past the last page counted (includes/pagination.html says "of N+").
    paginator.more = more
    if rows is None:
        found = queryset.in_bulk(ids)
        return Page([found[pk] for pk in ids if pk in found], shown, paginator)
    return Page(rows(ids), shown, paginator)

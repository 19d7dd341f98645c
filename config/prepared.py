"""ORM queries compiled to SQL once per process, then run with the values that change.

Building a queryset of a few subqueries through the ORM, and compiling it to SQL, costs
milliseconds of CPU on every call: the header's unread counts took about 4 ms of a page's
CPU, for 0.1 ms in PostgreSQL, and compiling a plain `select_related` lookup takes more CPU
than running it. A PreparedQuery builds its queryset once, with a marker in the place of each
value that changes (a user's id, a session key, the time now), and then runs the same SQL
with the values in the markers' places: as rows, or as the model instances, related objects
and annotations the queryset itself would give.

Only a value that the compiled SQL carries as a parameter can change. A value that changes the
SQL's shape (None, which compiles to IS NULL; a list, one placeholder per item) cannot, and a
query whose markers are not all among the parameters is refused when it is first compiled.

Turning rows into instances follows Django's own ModelIterable (Django is pinned in
requirements.txt); tests/config/test_prepared.py compares every result with the queryset's,
so an upgrade that changes how Django does it fails there first.
"""

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Values no row holds: where one appears among the compiled query's parameters, a value goes.
MARKER = -7_654_321
INT_MARKERS = tuple(MARKER - n for n in range(4))
STR_MARKER = "\x00prepared-query-marker"
TIME_MARKER = datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=UTC)
DATE_MARKER = date(1901, 2, 3)


def _adapted(value: Any, ops) -> Any:
    """Return `value` as the database's compiled parameters hold it (SQLite: dates as text)."""
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    return value


class _OncePerKey:
    """make(key), made the first time a key is asked for: two first callers make it once."""

    def __init__(self, make: Callable[[Any], Any]):
        self.make = make
        self.made: dict = {}
        self.lock = threading.Lock()

    def __call__(self, key) -> Any:
        value = self.made.get(key)
        if value is None:
            with self.lock:
                value = self.made.get(key)
                if value is None:
                    value = self.made[key] = self.make(key)
        return value


class _Compiled:
    """One query's SQL, where its values go, and how its rows become model instances."""

    def __init__(self, queryset: QuerySet, markers: tuple, using: str):
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        self.sql = sql
        self.params = list(params)
        ops = connections[using].ops
        self.places = []
        for marker in markers:
            adapted = _adapted(marker, ops)
            self.places.append(
                [
                    n
                    for n, param in enumerate(params)
                    if type(param) is type(adapted) and param == adapted
                ]
            )
        if not all(self.places):
            raise ValueError("The query does not use every value it is given.")
        select = compiler.select
        # Columns past the select's own (ordering, for some queries) are not part of a row.
        self.width = compiler.col_count
        self.converters = list(
            compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items()
        )
        self.instances = queryset._iterable_class is ModelIterable
        if not self.instances:
            return
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("A prepared query cannot prefetch or know related objects.")
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.model_slice = slice(fields[0], fields[-1] + 1)
        self.init_list = [column[0].target.attname for column in select[self.model_slice]]
        self.populators = get_related_populators(klass_info, select, using)
        self.annotations = list(compiler.annotation_col_map.items())

    def rows(self, values: tuple, using: str) -> list[list]:
        """Run the SQL with `values` in the markers' places; convert values as the ORM does."""
        connection = connections[using]
        params = list(self.params)
        for places, value in zip(self.places, values, strict=True):
            if value is None:
                # In the ORM, None would have compiled to IS NULL: another query altogether.
                raise TypeError("A prepared query's values cannot be None.")
            adapted = _adapted(value, connection.ops)
            for place in places:
                params[place] = adapted
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        rows = [list(row[: self.width]) for row in fetched]
        for position, (converters, expression) in self.converters:
            for row in rows:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
        return rows

    def instances_of(self, rows: list[list], using: str) -> list[Model]:
        objects = []
        for row in rows:
            obj = self.model.from_db(using, self.init_list, row[self.model_slice])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], *, markers: tuple = (MARKER,)):
        """`build(*markers)` returns the queryset; it is called once per database alias.

        Each marker stands for one value of the calls: INT_MARKERS for ids, STR_MARKER for a
        string, TIME_MARKER for an aware datetime, DATE_MARKER for a date.
        """
        self._compiled = _OncePerKey(lambda using: _Compiled(build(*markers), markers, using))

    def rows(self, *values: Any, using: str = "default") -> list[tuple]:
        """Return the rows of the compiled SQL, run with `values` in the markers' places."""
        return [tuple(row) for row in self._compiled(using).rows(values, using)]

    def objects(self, *values: Any, using: str = "default") -> list[Model]:
        """Return the model instances that iterating the queryset for `values` would give."""
        compiled = self._compiled(using)
        if not compiled.instances:
            raise TypeError("This prepared query returns rows, not model instances.")
        return compiled.instances_of(compiled.rows(values, using), using)


# At most this many ids go to one PreparedByIds call: a page of a listing.
IDS_MAX = 50
ID_MARKERS = tuple(MARKER - 100 - n for n in range(IDS_MAX))


class PreparedByIds:
    """The rows of a list of ids (a page of a listing), compiled once per number of ids.

    `pk__in` compiles to one placeholder per id, so each length is a query of its own.
    """

    def __init__(self, build: Callable[..., QuerySet], *, markers: tuple = ()):
        """`build(ids, *markers)` returns the queryset, filtered to `ids` (`pk__in=ids`)."""
        self._query = _OncePerKey(
            lambda length: PreparedQuery(
                lambda *given: build(list(given[:length]), *given[length:]),
                markers=ID_MARKERS[:length] + markers,
            )
        )

    def _prepared(self, ids: list[int]) -> tuple[list[int], PreparedQuery | None]:
        ids = list(dict.fromkeys(ids))
        if len(ids) > IDS_MAX:
            raise ValueError(f"At most {IDS_MAX} ids at a time, not {len(ids)}.")
        return ids, (self._query(len(ids)) if ids else None)

    def objects(self, ids: list[int], *values: Any, using: str = "default") -> list[Model]:
        """Return the instances of those of `ids` that exist, in the order of `ids`."""
        ids, query = self._prepared(ids)
        if query is None:
            return []
        found = {obj.pk: obj for obj in query.objects(*ids, *values, using=using)}
        return [found[pk] for pk in ids if pk in found]

    def rows(self, ids: list[int], *values: Any, using: str = "default") -> list[tuple]:
        """Return the rows (of a values_list() queryset whose first column is the id) of those
        of `ids` that exist, in the order of `ids`."""
        ids, query = self._prepared(ids)
        if query is None:
            return []
        found = {row[0]: row for row in query.rows(*ids, *values, using=using)}
        return [found[pk] for pk in ids if pk in found]

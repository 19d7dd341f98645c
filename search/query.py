"""PostgreSQL search over a table's stored `search_document` (see search/migrations).

Each word of a query must be found, as a prefix of a word or of an English stem ("pap" finds
"papers", "learn" finds "learning") or as a prefix of any part of a Korean word ("장고" and
"고와" both find "장고와"); when asked (`substrings`), from three characters on also as a
substring anywhere in a title or a tag, through the trigram index ("script" finds
"TypeScript"). Every condition is answered by a GIN index.

Results rank title and tag matches first (the `search_title` document, indexed on its own),
then newest first: a ts_rank() order would score every match, thousands of rows at this size,
for little gain on texts this short.
"""

import re
from dataclasses import dataclass

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

# Letters and digits: everything else separates words and never reaches tsquery syntax.
WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
# pg_trgm indexes substrings of three characters or more; shorter ones match by prefix only.
MIN_SUBSTRING = 3
# How close a tag name must be to a misspelt word to be suggested (pg_trgm similarity).
SUGGESTION_SIMILARITY = 0.25


def words_of(query: str) -> list[str]:
    return WORD.findall(query.lower())[:MAX_WORDS]


def closest_words(words: list[str], *, table: str, column: str) -> list[str]:
    """Return each word replaced by the most similar value of `column` (pg_trgm), if any.

    For a query that found nothing: "djnago" becomes "django". `table` is small (tag names),
    so the similarity is computed on each of its rows.
    """
    from django.db import connection

    sql = (
        f"SELECT coalesce((SELECT {column} FROM {table} "
        f"WHERE similarity({column}, word) >= %s "
        f"ORDER BY similarity({column}, word) DESC, {column} LIMIT 1), word) "
        "FROM unnest(%s::text[]) WITH ORDINALITY AS typed(word, position) ORDER BY position"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [SUGGESTION_SIMILARITY, words])
        return [row[0] for row in cursor.fetchall()]


def _word_query(word: str) -> tuple[str, list[str]]:
    """Return the word's prefix query: its English stem, or the word itself for a stop word.

    The stem's prefix also finds the plain words ("learn" finds "learning"); a stop word ("it")
    has no stem. One term, rather than stem OR word, keeps the planner's row estimate close
    enough that it takes the GIN index for rarer words.
    """
    lexeme = f"'{word}':*"
    sql = (
        "(CASE WHEN numnode(to_tsquery('english', %s)) > 0 THEN to_tsquery('english', %s) "
        "ELSE to_tsquery('simple', %s) END)"
    )
    return sql, [lexeme, lexeme, lexeme]


def _all_words(words: list[str]) -> tuple[str, list[str]]:
    parts = [_word_query(word) for word in words]
    return " && ".join(sql for sql, _ in parts), [p for _, params in parts for p in params]


@dataclass(frozen=True)
class SearchDocument:
    """A table's stored documents (whole, and titles alone) and the title text its trigram
    index covers."""

    table: str
    text_columns: tuple[str, ...]

    @property
    def document(self) -> str:
        return f'"{self.table}"."search_document"'

    @property
    def title_document(self) -> str:
        return f'"{self.table}"."search_title"'

    @property
    def text(self) -> str:
        return "(" + " || ' ' || ".join(f'"{self.table}"."{c}"' for c in self.text_columns) + ")"

    def matches(self, words: list[str], *, substrings: bool = False) -> RawSQL:
        """Return the condition that every word is found; in titles as a substring, if asked.

        The substring alternative costs: the planner's estimate for the OR grows enough for it
        to scan the whole table, and every candidate row is lower-cased for ILIKE. Explore asks
        for it only once the document alone has found nothing.
        """
        conditions, params = [], []
        for word in words:
            sql, word_params = _word_query(word)
            condition = f"{self.document} @@ {sql}"
            if substrings and len(word) >= MIN_SUBSTRING:
                condition = f"({condition} OR {self.text} ILIKE %s)"
                word_params = [*word_params, f"%{word}%"]
            conditions.append(condition)
            params.extend(word_params)
        return RawSQL("(" + " AND ".join(conditions) + ")", params, output_field=BooleanField())

    def in_titles(self, words: list[str]) -> RawSQL:
        """Return whether every word is found in the titles (and tags) alone."""
        sql, params = _all_words(words)
        return RawSQL(f"({self.title_document} @@ ({sql}))", params, output_field=BooleanField())

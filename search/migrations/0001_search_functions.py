"""pg_trgm and the functions that build the stored search documents (PostgreSQL only).

`search_field(text, weight)` is one field's part of a document: its English stems (so "learn"
finds "learning"), its plain words (so "it" or a Korean word is kept as typed), and every
proper suffix of its Hangul words, so that a prefix query finds a Korean word anywhere inside a
longer one ("채널" in "웹채널로"). All of it carries the field's weight: A for titles and tags,
B for descriptions and bodies, which is how title and tag matches rank first.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from search.operations import PostgresOnlySQL

HANGUL_SUFFIXES = r"""
CREATE FUNCTION search_hangul_suffixes(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple', coalesce(string_agg(substr(word, i), ' '), ''))
    FROM unnest(tsvector_to_array(to_tsvector('simple', coalesce(body, '')))) AS word,
         generate_series(2, char_length(word)) AS i
    WHERE word ~ '[가-힣]'
$$;
"""

SEARCH_FIELD = r"""
CREATE FUNCTION search_field(body text, weight "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- A restore (pg_restore empties search_path) recomputes generated columns with this.
SET search_path FROM CURRENT AS $$
    SELECT setweight(
        to_tsvector('english', coalesce(body, ''))
        || to_tsvector('simple', coalesce(body, ''))
        || search_hangul_suffixes(body),
        weight
    )
$$;
"""


class Migration(migrations.Migration):
    dependencies = []

    operations = [
        TrigramExtension(),
        PostgresOnlySQL(HANGUL_SUFFIXES, "DROP FUNCTION search_hangul_suffixes(text);"),
        PostgresOnlySQL(SEARCH_FIELD, 'DROP FUNCTION search_field(text, "char");'),
    ]

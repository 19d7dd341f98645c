"""The posts' stored search document and its indexes (PostgreSQL only; not on the model)."""

from django.db import migrations

from search.operations import PostgresOnlySQL

COLUMNS = r"""
ALTER TABLE board_post ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    search_field(title, 'A') || search_field(body, 'B')
) STORED;
CREATE INDEX board_post_search_document ON board_post USING gin (search_document);
CREATE INDEX board_post_search_title_trgm ON board_post USING gin (title gin_trgm_ops);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0001_initial"),
        ("search", "0001_search_functions"),
    ]

    operations = [
        PostgresOnlySQL(COLUMNS, "ALTER TABLE board_post DROP COLUMN search_document;"),
    ]

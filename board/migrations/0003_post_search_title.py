"""The title part of the posts' search document, with its own index (PostgreSQL only).

As for studies (studies/migrations/0007_study_search_title.py): title matches, listed first,
become an index condition with their own statistics instead of a test of every match's
whole document.
"""

from django.db import migrations

from search.operations import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0002_search_document"),
    ]

    operations = [
        PostgresOnlySQL(
            "ALTER TABLE board_post ADD COLUMN search_title tsvector GENERATED ALWAYS AS ("
            "search_field(title, 'A')) STORED; "
            "CREATE INDEX board_post_search_title ON board_post USING gin (search_title);",
            "ALTER TABLE board_post DROP COLUMN search_title;",
        ),
    ]

"""The title and tag part of the studies' search document, with its own index (PostgreSQL only).

Search results list title and tag matches first. Asking the whole document whether a word is
in its weight-A part meant reading every match's document to sort them, and left the planner
no estimate of how many studies have the word in a title: for a word found only in
descriptions it walked every study looking for title matches. With its own column and index,
title matches are an index condition with their own statistics (search/paging.py).
"""

from django.db import migrations

from search.operations import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0006_study_open_seats_index"),
    ]

    operations = [
        PostgresOnlySQL(
            "ALTER TABLE studies_study ADD COLUMN search_title tsvector GENERATED ALWAYS AS ("
            "search_field(title, 'A') || search_field(search_tags, 'A')) STORED; "
            "CREATE INDEX studies_study_search_title ON studies_study USING gin (search_title);",
            "ALTER TABLE studies_study DROP COLUMN search_title;",
        ),
    ]

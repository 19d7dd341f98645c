"""The search's PostgreSQL side: pg_trgm, the stored documents, their indexes, and their use."""

import pytest
from django.db import connection

from board import selectors as board_selectors
from board import services as board_services
from studies.models import Tag
from studies.selectors import explore_studies
from tests.studies.conftest import make_study

pytestmark = pytest.mark.django_db

INDEXES = {
    "studies_study_search_document": "gin (search_document)",
    "studies_study_search_title": "gin (search_title)",
    "studies_study_search_title_trgm": "gin",
    "board_post_search_document": "gin (search_document)",
    "board_post_search_title": "gin (search_title)",
    "board_post_search_title_trgm": "gin (title gin_trgm_ops)",
}


def scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_pg_trgm_is_installed_and_reads_hangul_as_letters():
    assert scalar("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'") == 1
    # Under this database's locale Hangul syllables are word characters: 장고와 gives the
    # trigrams "  장", " 장고", "장고와" and "고와 ", while a two-syllable word has no inner one.
    assert scalar("SELECT array_length(show_trgm('장고와'), 1)") == 4
    assert scalar("SELECT array_length(show_trgm('장고'), 1)") == 3


def test_the_migrations_create_the_documents_and_their_gin_indexes():
    for table in ("studies_study", "board_post"):
        for column in ("search_document", "search_title"):
            column_type = scalar(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = %s",
                [table, column],
            )
            assert column_type == "tsvector"
    for name, method in INDEXES.items():
        definition = scalar("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        assert f"USING {method}" in definition, definition


def test_the_document_holds_stems_words_and_korean_suffixes():
    document = scalar("SELECT search_field('장고와 Learning papers', 'A')::text")
    for lexeme in ("'장고와':1A", "'고와'", "'learn':", "'learning':", "'paper':", "'papers':"):
        assert lexeme in document, document


def test_the_title_documents_hold_titles_and_tags_but_not_bodies(bob):
    study = make_study(bob, title="장고와 채널스", tags=["django"], description="Weekly papers")
    task = board_services.task_create(study=study, by=bob, title="Week 1")
    post = board_services.post_create(task=task, author=bob, title="회의록", body="papers")

    def titles_of(table, pk):
        return scalar(f"SELECT search_title::text FROM {table} WHERE id = %s", [pk])

    study_title = titles_of("studies_study", study.pk)
    assert "'장고와'" in study_title and "'django'" in study_title, study_title
    assert "paper" not in study_title, study_title
    post_title = titles_of("board_post", post.pk)
    assert "'회의록'" in post_title and "paper" not in post_title, post_title
    # Kept by the tag triggers, as the whole document is.
    Tag.objects.filter(name="django").update(name="flask")
    assert "'flask'" in titles_of("studies_study", study.pk)


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        # A test table is tiny, so a sequential scan (or a whole-index walk standing in for
        # one) would always win: leave the planner only index conditions to choose from.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    return queryset.explain()


@pytest.mark.parametrize("query", ["장고", "pap", "장고 django"])
def test_explore_search_is_answered_by_the_document_index(bob, query):
    make_study(bob, title="장고와 채널스로 실시간 웹 개발", tags=["django"])
    text = plan(explore_studies(query=query))
    assert "studies_study_search_document" in text, text
    assert "Seq Scan on studies_study" not in text, text


def test_the_substring_try_also_uses_the_trigram_index(bob):
    make_study(bob, title="TypeScript weekly")
    text = plan(explore_studies(query="script", substrings=True))
    assert "studies_study_search_document" in text, text
    assert "studies_study_search_title_trgm" in text, text
    assert "Seq Scan on studies_study" not in text, text


def test_board_search_is_answered_by_indexes(bob):
    study = make_study(bob)
    task = board_services.task_create(study=study, by=bob, title="Week 1")
    board_services.post_create(task=task, author=bob, title="장고 회의록", body="공부합니다")
    text = plan(board_selectors.post_search(study_id=study.pk, query="장고"))
    assert "Seq Scan on board_post" not in text, text
    assert "Index" in text, text


def test_the_tag_filter_is_answered_by_the_tag_links_index(bob):
    make_study(bob, title="Graphs", tags=["python"])
    definition = scalar("SELECT indexdef FROM pg_indexes WHERE indexname = 'study_tags_by_tag'")
    assert "(tag_id, study_id)" in definition, definition
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    counted = explore_studies(tag="python").order_by()
    sql, params = counted.values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT count(*) FROM ({sql}) AS tagged", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using study_tags_by_tag" in text, text


def test_the_open_seats_filter_is_answered_by_its_partial_index(bob):
    make_study(bob, title="Graphs")
    definition = scalar("SELECT indexdef FROM pg_indexes WHERE indexname = 'study_open_seats'")
    assert "WHERE (member_count < capacity)" in definition, definition
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        listed = explore_studies(open_seats=True).values_list("pk", flat=True)
        sql, params = listed.order_by().query.sql_with_params()
        cursor.execute(f"EXPLAIN SELECT count(*) FROM ({sql}) AS open_seats", params)
        counted = "\n".join(row[0] for row in cursor.fetchall())
    # The page (newest first) and the paginator's count of the same studies.
    for text in (listed.explain(), counted):
        assert "study_open_seats" in text, text
        assert "Seq Scan on studies_study" not in text, text

"""Explore search on PostgreSQL: Korean words inside longer ones, prefixes, stems, tags, mixed."""

from datetime import timedelta

import pytest
from django.test import Client

from studies.models import Study, Tag
from studies.selectors import explore_studies
from tests.studies.conftest import make_study

pytestmark = pytest.mark.django_db

URL = "/studies/"


def found(query: str) -> list[str]:
    return [study.title for study in explore_studies(query=query)]


@pytest.fixture
def catalogue(bob, alice):
    """Studies oldest first, so that newest-first order within a rank is visible."""
    studies = [
        make_study(
            bob,
            title="장고와 채널스로 실시간 웹 개발",
            description="웹소켓으로 채팅을 만들어요.",
            tags=["django", "백엔드"],
        ),
        make_study(
            alice,
            title="Learning Rust together",
            description="We read the book and solve exercises.",
            tags=["rust"],
        ),
        make_study(
            bob,
            title="Weekly papers club",
            description="One machine learning paper a week.",
            tags=["ml", "코딩테스트"],
        ),
        make_study(
            alice,
            title="TypeScript for backend developers",
            description="Node, types and 장고 comparisons.",
            tags=["typescript"],
        ),
        make_study(
            bob,
            title="알고리즘 문제 풀이",
            description="매일 두 문제씩 풀어요.",
            tags=["algorithms"],
        ),
    ]
    for age, study in enumerate(reversed(studies)):
        Study.objects.filter(pk=study.pk).update(created_at=study.created_at - timedelta(hours=age))
    return studies


def test_a_two_character_korean_word_is_found_before_its_particle(catalogue):
    assert found("장고") == ["장고와 채널스로 실시간 웹 개발", "TypeScript for backend developers"]
    assert found("채널스") == ["장고와 채널스로 실시간 웹 개발"]
    assert found("채널") == ["장고와 채널스로 실시간 웹 개발"]


def test_a_korean_word_is_found_inside_a_longer_word(catalogue):
    # "널스" and "고와" start nowhere: only the suffixes of 채널스로 and 장고와 hold them.
    assert found("널스") == ["장고와 채널스로 실시간 웹 개발"]
    assert found("고와") == ["장고와 채널스로 실시간 웹 개발"]
    assert found("문제") == ["알고리즘 문제 풀이"]
    assert found("고리즘") == ["알고리즘 문제 풀이"]
    assert found("풀어") == ["알고리즘 문제 풀이"]


def test_english_stems_and_prefixes(catalogue):
    assert found("learn") == ["Learning Rust together", "Weekly papers club"]
    assert found("learned") == ["Learning Rust together", "Weekly papers club"]
    assert found("pap") == ["Weekly papers club"]
    assert found("pa") == ["Weekly papers club"]
    assert found("paper") == ["Weekly papers club"]
    assert found("PAPERS") == ["Weekly papers club"]


def page_titles(query: str) -> list[str]:
    response = Client().get(URL, {"q": query})
    return [study.title for study in response.context["page"].object_list]


def test_title_substrings_are_the_second_try_of_a_search_that_found_nothing(catalogue):
    assert found("script") == []
    assert page_titles("script") == ["TypeScript for backend developers"]
    assert page_titles("ear") == ["Learning Rust together"]
    assert page_titles("ear rust") == ["Learning Rust together"]
    # Found by words, so no substring is looked for: "rust" is no part of another title word.
    assert page_titles("rust") == ["Learning Rust together"]
    assert [s.title for s in explore_studies(query="script", substrings=True)] == [
        "TypeScript for backend developers"
    ]


def test_tags_are_searched_korean_ones_by_part(catalogue):
    assert found("django") == ["장고와 채널스로 실시간 웹 개발"]
    assert found("코딩") == ["Weekly papers club"]
    assert found("테스트") == ["Weekly papers club"]
    assert found("백엔드") == ["장고와 채널스로 실시간 웹 개발"]


def test_mixed_korean_and_english_queries_need_every_word(catalogue):
    assert found("장고 django") == ["장고와 채널스로 실시간 웹 개발"]
    assert found("django 채널스") == ["장고와 채널스로 실시간 웹 개발"]
    assert found("장고 node") == ["TypeScript for backend developers"]
    assert found("장고 rust") == []


def test_title_and_tag_matches_rank_before_description_matches(catalogue):
    # 장고 is in the first study's title and in the TypeScript study's description only.
    assert found("장고") == ["장고와 채널스로 실시간 웹 개발", "TypeScript for backend developers"]
    # machine learning is in the papers club's description only; Learning Rust's title wins.
    assert found("learning") == ["Learning Rust together", "Weekly papers club"]


def test_within_a_rank_the_newest_comes_first(catalogue, alice):
    make_study(alice, title="Rust for web servers", tags=["rust"])
    assert found("rust") == ["Rust for web servers", "Learning Rust together"]


def test_nothing_is_found_for_words_nowhere(catalogue):
    assert found("kubernetes") == []
    assert found("장고 없음") == []
    assert found("%") == []
    assert found("___") == []


def test_the_page_shows_korean_results(catalogue):
    response = Client().get(URL, {"q": "장고"})
    assert response.status_code == 200
    assert "장고와 채널스로 실시간 웹 개발" in response.content.decode()


def test_renamed_and_removed_tags_leave_the_search_document(catalogue):
    study = catalogue[0]
    Tag.objects.filter(name="django").update(name="channels")
    assert found("channels") == ["장고와 채널스로 실시간 웹 개발"]
    assert found("django") == []
    study.tags.clear()
    assert found("channels") == []
    assert found("백엔드") == []
    study.tags.add(Tag.objects.get(name="rust"))
    assert found("rust") == ["Learning Rust together", "장고와 채널스로 실시간 웹 개발"]


def test_an_edited_title_is_searched_at_once(catalogue):
    study = catalogue[1]
    study.title = "파이썬 스터디"
    study.save()
    assert found("파이") == ["파이썬 스터디"]
    assert found("learning") == ["Weekly papers club"]


def test_a_misspelt_search_suggests_the_closest_tags(catalogue):
    assert found("djnago") == []
    response = Client().get(URL, {"q": "djnago", "open_seats": "on"})
    suggestion = response.context["suggestion"]
    assert suggestion["query"] == "django"
    assert suggestion["url"] == "?q=django&open_seats=on"
    assert 'href="?q=django&amp;open_seats=on"' in response.content.decode()
    assert Client().get(URL, {"q": "typescrpit 백엔드"}).context["suggestion"]["query"] == (
        "typescript 백엔드"
    )


def test_no_suggestion_when_something_is_found_or_nothing_is_close(catalogue):
    assert Client().get(URL, {"q": "django"}).context["suggestion"] == ""
    assert Client().get(URL, {"q": "zzzzqqq"}).context["suggestion"] == ""


def test_stop_words_are_searched_as_typed(bob):
    make_study(bob, title="IT 자격증 스터디", tags=["자격증"])
    make_study(bob, title="Rust weekly", tags=["rust"])
    assert found("it") == ["IT 자격증 스터디"]
    assert found("it 자격") == ["IT 자격증 스터디"]

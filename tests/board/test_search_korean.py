"""Board search on PostgreSQL: Korean words inside longer ones, prefixes, stems, mixed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from board import selectors, services
from board.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(task, member):
    titles_bodies = [
        ("장고 채널스 회의록", "다음 주에는 웹소켓을 공부합니다."),
        ("Learning notes", "Papers we read this week."),
        ("Homework", "장고와 channels로 채팅 만들기"),
    ]
    for n, (title, body) in enumerate(titles_bodies):
        post = services.post_create(task=task, author=member, title=title, body=body)
        Post.objects.filter(pk=post.pk).update(
            created_at=timezone.now() - timedelta(hours=len(titles_bodies) - n)
        )


def found(study, query: str) -> list[str]:
    return [post.title for post in selectors.post_search(study_id=study.pk, query=query)]


def test_korean_words_inside_longer_words_title_matches_first(study, posts):
    assert found(study, "장고") == ["장고 채널스 회의록", "Homework"]
    assert found(study, "웹소켓") == ["장고 채널스 회의록"]
    assert found(study, "소켓") == ["장고 채널스 회의록"]
    assert found(study, "공부") == ["장고 채널스 회의록"]


def test_english_stems_and_prefixes(study, posts):
    assert found(study, "learn") == ["Learning notes"]
    assert found(study, "paper") == ["Learning notes"]
    assert found(study, "homew") == ["Homework"]
    assert found(study, "ho") == ["Homework"]


def test_mixed_queries_need_every_word(study, posts):
    assert found(study, "장고 channels") == ["Homework"]
    assert found(study, "장고 회의") == ["장고 채널스 회의록"]
    assert found(study, "장고 papers") == []

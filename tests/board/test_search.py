"""Searching a study's posts by title and body."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from board import selectors, services
from board.models import Post
from tests.board.conftest import client_for, make_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(task, member, member2):
    titles_bodies = [
        ("Dynamic programming notes", "Knapsack and memoization"),
        ("Graph homework", "Dijkstra with a binary heap; dynamic edges later"),
        ("스터디 회의록", "다음 주에는 동적 계획법을 공부합니다"),
        ("Unrelated", "Nothing to see"),
    ]
    created = []
    for n, (title, body) in enumerate(titles_bodies):
        post = services.post_create(
            task=task, author=(member, member2)[n % 2], title=title, body=body
        )
        # Distinct creation times, oldest first, so that the order is checked.
        Post.objects.filter(pk=post.pk).update(
            created_at=timezone.now() - timedelta(hours=len(titles_bodies) - n)
        )
        created.append(post)
    return created


def titles(queryset) -> list[str]:
    return [post.title for post in queryset]


def test_full_text_search_matches_title_and_body_title_matches_first(study, posts):
    assert titles(selectors.post_search(study_id=study.pk, query="dynamic")) == [
        "Dynamic programming notes",
        "Graph homework",
    ]
    assert titles(selectors.post_search(study_id=study.pk, query="knapsack memoization")) == [
        "Dynamic programming notes"
    ]


def test_korean_words_are_found_inside_longer_words(study, posts):
    assert titles(selectors.post_search(study_id=study.pk, query="공부")) == ["스터디 회의록"]
    assert titles(selectors.post_search(study_id=study.pk, query="회의록")) == ["스터디 회의록"]


def test_search_stays_within_the_study(study, posts, owner):
    other = make_study(owner, title="Other")
    task = services.task_create(study=other, by=owner, title="t")
    services.post_create(task=task, author=owner, title="Dynamic elsewhere", body="dynamic")
    assert "Dynamic elsewhere" not in titles(
        selectors.post_search(study_id=study.pk, query="dynamic")
    )


def test_an_empty_query_finds_nothing(study, posts):
    assert titles(selectors.post_search(study_id=study.pk, query="   ")) == []


def test_search_tolerates_query_syntax(study, posts):
    # Operators a user types by accident find what the words find, or nothing; never an error.
    for query in ["-", "OR OR", "(((", "!&|"]:
        assert titles(selectors.post_search(study_id=study.pk, query=query)) == [], query
    for query in ['"dynamic', "((dynamic", "dynamic & | !"]:
        assert titles(selectors.post_search(study_id=study.pk, query=query)) == [
            "Dynamic programming notes",
            "Graph homework",
        ], query
    # Words are prefixes: "a" and "b" are in "a binary heap".
    assert titles(selectors.post_search(study_id=study.pk, query="a & | ! b")) == ["Graph homework"]


def test_the_search_page_is_paginated(study, task, member, settings):
    for n in range(25):
        services.post_create(task=task, author=member, title=f"Week {n} summary", body="summary")
    client = client_for(member)
    url = reverse("board:search", args=[study.pk])
    first = client.get(url, {"q": "summary"}).content.decode()
    assert "Week 24 summary" in first and "Week 4 summary" not in first
    assert "Page 1 of 2" in first
    second = client.get(url, {"q": "summary", "page": 2}).content.decode()
    assert "Week 4 summary" in second and "Week 0 summary" in second
    assert "Week 5 summary" not in second
    assert client.get(url, {"q": "summary", "page": "x"}).status_code == 200
    assert client.get(url, {"q": "x" * 500}).status_code == 200


def test_the_results_come_as_json_for_the_infinite_scroll(study, task, member):
    for n in range(25):
        services.post_create(task=task, author=member, title=f"Week {n} <b>", body="summary")
    client = client_for(member)
    url = reverse("board:search", args=[study.pk])
    first = client.get(url, {"q": "summary"}, headers={"accept": "application/json"}).json()
    assert len(first["results"]) == 20
    assert first["results"][0]["title"] == "Week 24 <b>"
    assert first["results"][0]["author"] == "Min Member"
    assert first["next"] == f"{url}?q=summary&page=2"
    second = client.get(first["next"], headers={"accept": "application/json"}).json()
    assert [result["title"] for result in second["results"]][-1] == "Week 0 <b>"
    assert second["next"] is None


def test_outsiders_cannot_search(study, posts, outsider):
    url = reverse("board:search", args=[study.pk])
    response = client_for(outsider).get(
        url, {"q": "dynamic"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 403

"""The board's pages use as many queries for 20 posts, comments and files as for 2."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from board import services
from tests.board.conftest import client_for

pytestmark = pytest.mark.django_db


def fill(task, authors, count):
    post = None
    for n in range(count):
        post = services.post_create(
            task=task,
            author=authors[n % len(authors)],
            title=f"Post {n}",
            body=f"Body **{n}**",
            files=[SimpleUploadedFile(f"f{n}.txt", b"x")],
        )
        services.comment_create(post=post, author=authors[(n + 1) % len(authors)], body="ok")
    return post


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture
def authors(owner, member, member2):
    return [owner, member, member2]


def test_a_task_board_page_uses_constant_queries(
    study, task, authors, django_assert_max_num_queries
):
    client = client_for(authors[1])
    url = reverse("board:task", args=[study.pk, task.pk])
    fill(task, authors, 2)
    few = queries_for(client, url)
    fill(task, authors, 18)
    with django_assert_max_num_queries(few):
        client.get(url)


def test_a_post_page_uses_constant_queries(study, task, authors, django_assert_max_num_queries):
    client = client_for(authors[1])
    post = fill(task, authors, 1)
    for n in range(1):
        services.comment_create(post=post, author=authors[n % 3], body="more")
    few = queries_for(client, post.get_absolute_url())
    for n in range(19):
        services.comment_create(post=post, author=authors[n % 3], body=f"more {n}")
    services.attachments_add(
        post=post,
        by=post.author,
        files=[SimpleUploadedFile(f"more{n}.txt", b"x") for n in range(9)],
    )
    with django_assert_max_num_queries(few):
        client.get(post.get_absolute_url())


def test_the_task_list_and_search_use_constant_queries(
    study, task, authors, owner, django_assert_max_num_queries
):
    client = client_for(authors[1])
    tasks_url = reverse("board:tasks", args=[study.pk])
    search_url = reverse("board:search", args=[study.pk]) + "?q=Body"
    fill(task, authors, 2)
    few_tasks, few_search = queries_for(client, tasks_url), queries_for(client, search_url)
    for n in range(18):
        services.task_create(study=study, by=owner, title=f"Task {n}", assignee=authors[n % 3])
    fill(task, authors, 18)
    with django_assert_max_num_queries(few_tasks):
        client.get(tasks_url)
    with django_assert_max_num_queries(few_search):
        client.get(search_url)

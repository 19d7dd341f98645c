import pytest
from django.urls import reverse

from tests.board.conftest import client_for

pytestmark = pytest.mark.django_db


def test_pages_render(study, task, post, member):
    client = client_for(member)
    for url in [
        reverse("board:tasks", args=[study.pk]),
        reverse("board:task", args=[study.pk, task.pk]),
        reverse("board:post", args=[study.pk, post.pk]),
        reverse("board:post_create", args=[study.pk, task.pk]),
        reverse("board:task_create", args=[study.pk]),
        reverse("board:search", args=[study.pk]) + "?q=notes",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"<strong>Dynamic programming</strong>" in client.get(post.get_absolute_url()).content

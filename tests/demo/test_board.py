from io import StringIO

import pytest
from django.core.management import call_command

from board.models import Attachment, Comment, Post, Task
from demo.board import DEMO_STUDY_TITLE

pytestmark = pytest.mark.django_db


def counts():
    return (Task.objects.count(), Post.objects.count(), Comment.objects.count())


def test_seed_demo_builds_a_board_once(media):
    call_command("seed_demo", stdout=StringIO())
    assert counts() == (3, 2, 3)
    attachment = Attachment.objects.get()
    assert attachment.original_name == "dp-cheatsheet.md"
    assert attachment.post.study.title == DEMO_STUDY_TITLE
    assert '<div class="highlight">' in Post.objects.get(title="How we run week 1").body_html
    call_command("seed_demo", stdout=StringIO())
    assert counts() == (3, 2, 3)
    assert Attachment.objects.count() == 1

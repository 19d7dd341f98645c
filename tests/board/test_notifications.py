"""Board notifications: who is told about posts, comments and assignments, and who is not."""

import pytest

from board import services
from notifications.models import Kind, Notification
from studies.services import member_remove

pytestmark = pytest.mark.django_db


def recipients(kind) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_a_new_post_tells_every_member_but_its_author(task, member, outsider):
    post = services.post_create(task=task, author=member, title="Notes", body="b")
    assert recipients(Kind.BOARD_POST_CREATED) == {"owner", "member2"}
    notification = Notification.objects.filter(kind=Kind.BOARD_POST_CREATED).first()
    assert notification.url == post.get_absolute_url()
    assert notification.actor == member


def test_a_comment_tells_the_author_and_earlier_commenters_but_not_the_commenter(
    study, post, owner, member, member2, make_user
):
    services.comment_create(post=post, author=member2, body="first")
    assert recipients(Kind.BOARD_COMMENT_CREATED) == {"member"}
    Notification.objects.all().delete()
    services.comment_create(post=post, author=owner, body="second")
    assert recipients(Kind.BOARD_COMMENT_CREATED) == {"member", "member2"}
    Notification.objects.all().delete()
    services.comment_create(post=post, author=member, body="the author answers")
    assert recipients(Kind.BOARD_COMMENT_CREATED) == {"member2", "owner"}


def test_a_commenter_who_left_the_study_is_not_told(study, post, owner, member, member2):
    services.comment_create(post=post, author=member2, body="first")
    member_remove(study=study, user=member2, by=owner)
    Notification.objects.all().delete()
    services.comment_create(post=post, author=owner, body="second")
    assert recipients(Kind.BOARD_COMMENT_CREATED) == {"member"}


def test_assigning_a_task_tells_the_assignee_only(study, owner, member, member2):
    task = services.task_create(study=study, by=owner, title="Review", assignee=member)
    assert recipients(Kind.TASK_ASSIGNED) == {"member"}
    Notification.objects.all().delete()
    services.task_update(
        task=task, by=owner, title="Review", description="", due_date=None, assignee=member
    )
    assert recipients(Kind.TASK_ASSIGNED) == set()
    services.task_update(
        task=task, by=owner, title="Review", description="", due_date=None, assignee=member2
    )
    assert recipients(Kind.TASK_ASSIGNED) == {"member2"}


def test_assigning_oneself_tells_nobody(study, member):
    services.task_create(study=study, by=member, title="Mine", assignee=member)
    assert recipients(Kind.TASK_ASSIGNED) == set()


def test_reassigning_through_the_edit_form_tells_the_new_assignee(study, owner, member, member2):
    from django.urls import reverse

    from tests.board.conftest import client_for

    task = services.task_create(study=study, by=owner, title="Review", assignee=member)
    Notification.objects.all().delete()
    response = client_for(owner).post(
        reverse("board:task_edit", args=[study.pk, task.pk]),
        {"title": "Review", "assignee": member2.pk},
    )
    assert response.status_code == 302
    assert recipients(Kind.TASK_ASSIGNED) == {"member2"}

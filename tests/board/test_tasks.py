"""Tasks: assignees must be members, completion, progress, deadlines and the study panel."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from board import selectors, services
from board.errors import NotAMember
from board.models import Task
from tests.board.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_member_creates_a_task_with_an_assignee(study, member, member2):
    due = timezone.localdate() + timedelta(days=3)
    response = client_for(member).post(
        reverse("board:task_create", args=[study.pk]),
        {"title": "Solve 5 problems", "description": "DP", "due_date": due, "assignee": member2.pk},
    )
    task = Task.objects.get()
    assert response.status_code == 302
    assert response["Location"] == task.get_absolute_url()
    assert (task.title, task.due_date, task.assignee, task.created_by) == (
        "Solve 5 problems",
        due,
        member2,
        member,
    )


def test_an_outsider_cannot_be_assigned_through_the_form(study, member, outsider):
    response = client_for(member).post(
        reverse("board:task_create", args=[study.pk]),
        {"title": "Sneaky", "assignee": outsider.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Task.objects.exists()


def test_the_service_refuses_an_outsider_as_assignee(study, member, outsider):
    with pytest.raises(NotAMember):
        services.task_create(study=study, by=member, title="t", assignee=outsider)
    task = services.task_create(study=study, by=member, title="t")
    with pytest.raises(NotAMember):
        services.task_update(
            task=task, by=member, title="t", description="", due_date=None, assignee=outsider
        )
    task.refresh_from_db()
    assert task.assignee is None


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("due_date", "2026-13-45", "Enter a valid date."),
        ("title", "", "This field is required."),
        ("title", "x" * 201, "at most 200 characters"),
    ],
)
def test_bad_task_input_is_a_form_error(study, member, field, value, error):
    data = {"title": "ok", field: value}
    response = client_for(member).post(reverse("board:task_create", args=[study.pk]), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Task.objects.exists()


def test_complete_and_reopen(study, task, member):
    client = client_for(member)
    client.post(reverse("board:task_complete", args=[study.pk, task.pk]))
    task.refresh_from_db()
    assert task.is_done
    done_at = task.done_at
    client.post(reverse("board:task_complete", args=[study.pk, task.pk]))
    task.refresh_from_db()
    assert task.done_at == done_at
    client.post(reverse("board:task_reopen", args=[study.pk, task.pk]))
    task.refresh_from_db()
    assert not task.is_done


def test_progress_and_upcoming_deadlines(study, owner):
    today = timezone.localdate()
    tasks = [
        services.task_create(study=study, by=owner, title=f"T{n}", due_date=today + timedelta(n))
        for n in range(-1, 7)
    ]
    services.task_complete(task=tasks[2], by=owner)
    assert selectors.task_progress(study.pk) == selectors.Progress(done=1, total=8)
    assert selectors.task_progress(study.pk).percent == 12
    progress, upcoming = selectors.task_overview(study.pk, today=today)
    assert progress == selectors.Progress(done=1, total=8)
    assert [task.title for task in upcoming] == ["T0", "T2", "T3", "T4", "T5"]


def test_progress_counts_without_any_upcoming_task(study, owner):
    today = timezone.localdate()
    assert selectors.task_overview(study.pk, today=today) == (selectors.Progress(0, 0), [])
    late = services.task_create(study=study, by=owner, title="Late", due_date=today - timedelta(1))
    services.task_create(study=study, by=owner, title="Undated")
    services.task_complete(task=late, by=owner)
    assert selectors.task_overview(study.pk, today=today) == (selectors.Progress(1, 2), [])


def test_task_deadlines_are_plain_data_for_the_calendar(study, owner):
    due = timezone.localdate() + timedelta(days=2)
    task = services.task_create(study=study, by=owner, title="Mock exam", due_date=due)
    services.task_create(study=study, by=owner, title="Undated")
    services.task_complete(task=task, by=owner)
    assert selectors.task_deadlines(study) == [
        selectors.TaskDeadline(
            uid=f"board-task-{task.pk}@cohort",
            due=due,
            title="Mock exam",
            url=f"/studies/{study.pk}/board/tasks/{task.pk}/",
            done=True,
        )
    ]


def render_panel(study, user):
    template = Template("{% load board_tags %}{% board_study_panel study %}")
    return template.render(Context({"study": study, "user": user}))


def test_the_study_panel_shows_progress_and_deadlines_to_members(
    study, owner, member, django_assert_max_num_queries
):
    due = timezone.localdate() + timedelta(days=1)
    services.task_create(study=study, by=owner, title="Warm-up set", due_date=due)
    with django_assert_max_num_queries(3):
        html = render_panel(study, member)
    assert "0 of 1 tasks done" in html
    assert "Warm-up set" in html
    assert reverse("board:tasks", args=[study.pk]) in html


def test_the_study_panel_is_empty_for_outsiders_and_anonymous_users(study, owner, outsider):
    from django.contrib.auth.models import AnonymousUser

    services.task_create(study=study, by=owner, title="Secret plan")
    assert render_panel(study, outsider).strip() == ""
    assert render_panel(study, AnonymousUser()).strip() == ""


def test_task_pages_show_the_task(study, task, member):
    page = client_for(member).get(reverse("board:tasks", args=[study.pk])).content.decode()
    assert "Read chapter 3" in page and "0 of 1 tasks done" in page

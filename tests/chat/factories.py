"""Studies with members and rooms, set up through the real services."""

from datetime import timedelta

from django.utils import timezone

from chat.models import Category
from chat.services import room_open
from studies.services import join_request_accept, join_request_create, study_create


def make_study(owner, *members, capacity: int = 10, title: str = "Algorithms"):
    today = timezone.localdate()
    study = study_create(
        owner=owner,
        title=title,
        description="We read CLRS together.",
        start_date=today + timedelta(days=2),
        end_date=today + timedelta(days=30),
        recruitment_deadline=today + timedelta(days=1),
        capacity=capacity,
    )
    for member in members:
        join(study, member)
    return study


def make_room(study, by, category: str = Category.GENERAL):
    return room_open(study=study, category=category, by=by)


def join(study, user):
    request = join_request_create(study=study, user=user)
    return join_request_accept(join_request=request, by=study.owner)

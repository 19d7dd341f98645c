from datetime import date
from enum import Enum

from django.db.models import Exists, OuterRef
from django.utils import timezone

from studies.models import Membership, Study


class Access(Enum):
    NO_STUDY = "no_study"
    OUTSIDER = "outsider"
    MEMBER = "member"
    OWNER = "owner"

    @property
    def is_member(self) -> bool:
        return self in (Access.MEMBER, Access.OWNER)


def study_access(*, study_id: int, user_id: int | None) -> Access:
    """Return what the user is to the study, in one query."""
    row = (
        Study.objects.filter(pk=study_id)
        .annotate(
            is_member=Exists(
                Membership.objects.filter(study_id=OuterRef("pk"), user_id=user_id or 0)
            )
        )
        .values_list("owner_id", "is_member")
        .first()
    )
    if row is None:
        return Access.NO_STUDY
    owner_id, is_member = row
    if user_id is not None and owner_id == user_id:
        return Access.OWNER
    return Access.MEMBER if is_member else Access.OUTSIDER


def member_count(study: Study) -> int:
    return study.memberships.count()


def recruitment_open(study: Study, *, members: int, today: date | None = None) -> bool:
    """Recruitment closes by itself once the deadline has passed or every seat is taken."""
    today = today or timezone.localdate()
    return (
        study.status == Study.Status.RECRUITING
        and today <= study.recruitment_deadline
        and members < study.capacity
    )

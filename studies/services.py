from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import notify
from studies import realtime
from studies.errors import (
    AlreadyMember,
    AlreadyRequested,
    NotAllowed,
    RecruitmentClosed,
    RequestNotPending,
    StudyFull,
)
from studies.models import JoinRequest, Membership, Study, Tag
from studies.selectors import recruitment_open


def normalize_tags(names: Iterable[str]) -> list[str]:
    """Trim, lowercase and deduplicate tag names, keeping their order."""
    seen: list[str] = []
    for name in names:
        tag = " ".join(name.split()).lower()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def _locked(study: Study) -> Study:
    return Study.objects.select_for_update().get(pk=study.pk)


@transaction.atomic
def study_create(
    *,
    owner,
    title: str,
    description: str,
    start_date: date,
    end_date: date,
    recruitment_deadline: date,
    capacity: int,
    tags: Iterable[str] = (),
    how_we_run: str = "",
) -> Study:
    """Create a study owned (and joined) by `owner`; the caller has validated the fields."""
    study = Study.objects.create(
        owner=owner,
        title=title,
        description=description,
        how_we_run=how_we_run,
        start_date=start_date,
        end_date=end_date,
        recruitment_deadline=recruitment_deadline,
        capacity=capacity,
    )
    names = normalize_tags(tags)[: Study.MAX_TAGS]
    if names:
        Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
        study.tags.set(Tag.objects.filter(name__in=names))
    Membership.objects.create(study=study, user=owner)
    return study


@transaction.atomic
def join_request_create(*, study: Study, user, message: str = "") -> JoinRequest:
    study = _locked(study)
    members = study.memberships.count()
    if study.memberships.filter(user=user).exists():
        raise AlreadyMember()
    if members >= study.capacity:
        raise StudyFull()
    if not recruitment_open(study, members=members):
        raise RecruitmentClosed()
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(study=study, user=user, message=message)
    except IntegrityError:
        raise AlreadyRequested() from None
    notify(
        users=[study.owner],
        kind=Kind.JOIN_REQUESTED,
        text=_("%(user)s asked to join %(study)s") % {"user": user.name, "study": study.title},
        url=study.get_absolute_url(),
        actor=user,
    )
    return request


@transaction.atomic
def join_request_accept(*, join_request: JoinRequest, by) -> Membership:
    # Lock the study first: two accepts for the last seat queue here, and the second sees it full.
    study = _locked(join_request.study)
    if study.owner_id != by.pk:
        raise NotAllowed()
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise RequestNotPending()
    if study.memberships.count() >= study.capacity:
        raise StudyFull()
    membership = Membership.objects.create(study=study, user_id=join_request.user_id)
    join_request.status = JoinRequest.Status.ACCEPTED
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])
    notify(
        users=[join_request.user],
        kind=Kind.REQUEST_ACCEPTED,
        text=_("You joined %(study)s") % {"study": study.title},
        url=study.get_absolute_url(),
        actor=by,
    )
    return membership


@transaction.atomic
def member_remove(*, study: Study, user, by) -> None:
    """The owner removes a member, whose open sockets of this study close at once."""
    study = _locked(study)
    if study.owner_id != by.pk or user.pk == study.owner_id:
        raise NotAllowed()
    deleted, _rows = Membership.objects.filter(study=study, user=user).delete()
    if not deleted:
        raise NotAllowed(_("That person is not a member of this study."))
    transaction.on_commit(lambda: realtime.revoke_access(study_id=study.pk, user_id=user.pk))
    notify(
        users=[user],
        kind=Kind.MEMBER_REMOVED,
        text=_("You were removed from %(study)s") % {"study": study.title},
        url=study.get_absolute_url(),
        actor=by,
    )
    notify(
        users=[study.owner],
        kind=Kind.MEMBER_REMOVED,
        text=_("%(user)s was removed from %(study)s; a seat is free")
        % {"user": user.name, "study": study.title},
        url=study.get_absolute_url(),
        actor=by,
    )


@transaction.atomic
def member_leave(*, study: Study, user) -> None:
    study = _locked(study)
    if user.pk == study.owner_id:
        raise NotAllowed(_("The owner cannot leave; transfer ownership or delete the study."))
    deleted, _rows = Membership.objects.filter(study=study, user=user).delete()
    if not deleted:
        raise NotAllowed(_("You are not a member of this study."))
    transaction.on_commit(lambda: realtime.revoke_access(study_id=study.pk, user_id=user.pk))
    notify(
        users=[study.owner],
        kind=Kind.MEMBER_LEFT,
        text=_("%(user)s left %(study)s; a seat is free")
        % {"user": user.name, "study": study.title},
        url=study.get_absolute_url(),
        actor=user,
    )

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import notify
from studies import realtime
from studies.errors import (
    AlreadyMember,
    AlreadyRequested,
    AlreadyReviewed,
    BadTransition,
    NotAllowed,
    RecruitmentClosed,
    RequestNotPending,
    ReviewsClosed,
    StudyFull,
)
from studies.models import Bookmark, JoinRequest, Membership, Review, Study, Tag
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


def _owned_by(study: Study, by) -> Study:
    """Return the study locked; raise NotAllowed unless `by` owns it."""
    study = _locked(study)
    if study.owner_id != by.pk:
        raise NotAllowed()
    return study


def _pending_for_owner(join_request: JoinRequest, by) -> tuple[Study, JoinRequest]:
    """Return the request's study and the request, both locked, for its owner to decide on.

    Raise NotAllowed unless `by` owns the study, RequestNotPending once it is decided.
    """
    study = _owned_by(join_request.study, by)
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise RequestNotPending()
    return study, join_request


def _decide(join_request: JoinRequest, status: JoinRequest.Status, note: str) -> None:
    join_request.status = status
    join_request.decision_note = note
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decision_note", "decided_at"])


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
        text=lambda: (
            _("%(user)s asked to join %(study)s") % {"user": user.name, "study": study.title}
        ),
        url=study.get_absolute_url(),
        actor=user,
    )
    return request


@transaction.atomic
def join_request_accept(*, join_request: JoinRequest, by, note: str = "") -> Membership:
    # The study is locked first: two accepts for the last seat queue there, and the second
    # sees it full.
    study, join_request = _pending_for_owner(join_request, by)
    if study.memberships.count() >= study.capacity:
        raise StudyFull()
    membership = Membership.objects.create(study=study, user_id=join_request.user_id)
    _decide(join_request, JoinRequest.Status.ACCEPTED, note)
    notify(
        users=[join_request.user],
        kind=Kind.REQUEST_ACCEPTED,
        text=lambda: (
            _("You joined %(study)s") % {"study": study.title} + (f" — {note}" if note else "")
        ),
        url=study.get_absolute_url(),
        actor=by,
    )
    return membership


@transaction.atomic
def member_remove(*, study: Study, user, by) -> None:
    """The owner removes a member, whose open sockets of this study close at once."""
    study = _owned_by(study, by)
    if user.pk == study.owner_id:
        raise NotAllowed()
    deleted, _rows = Membership.objects.filter(study=study, user=user).delete()
    if not deleted:
        raise NotAllowed(_("That person is not a member of this study."))
    realtime.revoke_access_on_commit(study_id=study.pk, user_id=user.pk)
    notify(
        users=[user],
        kind=Kind.MEMBER_REMOVED,
        text=lambda: _("You were removed from %(study)s") % {"study": study.title},
        url=study.get_absolute_url(),
        actor=by,
    )
    notify(
        users=[study.owner],
        kind=Kind.MEMBER_REMOVED,
        text=lambda: (
            _("%(user)s was removed from %(study)s; a seat is free")
            % {"user": user.name, "study": study.title}
        ),
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
    realtime.revoke_access_on_commit(study_id=study.pk, user_id=user.pk)
    notify(
        users=[study.owner],
        kind=Kind.MEMBER_LEFT,
        text=lambda: (
            _("%(user)s left %(study)s; a seat is free") % {"user": user.name, "study": study.title}
        ),
        url=study.get_absolute_url(),
        actor=user,
    )


@transaction.atomic
def join_request_reject(*, join_request: JoinRequest, by, note: str = "") -> JoinRequest:
    study, join_request = _pending_for_owner(join_request, by)
    _decide(join_request, JoinRequest.Status.REJECTED, note)
    notify(
        users=[join_request.user],
        kind=Kind.REQUEST_REJECTED,
        text=lambda: (
            _("Your request to join %(study)s was declined") % {"study": study.title}
            + (f" — {note}" if note else "")
        ),
        url=study.get_absolute_url(),
        actor=by,
    )
    return join_request


@transaction.atomic
def join_request_withdraw(*, join_request: JoinRequest, by) -> JoinRequest:
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.user_id != by.pk:
        raise NotAllowed()
    if join_request.status != JoinRequest.Status.PENDING:
        raise RequestNotPending()
    join_request.status = JoinRequest.Status.WITHDRAWN
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])
    study = join_request.study
    notify(
        users=[study.owner],
        kind=Kind.REQUEST_WITHDRAWN,
        text=_("%(user)s withdrew their request to join %(study)s")
        % {"user": by.name, "study": study.title},
        url=study.get_absolute_url(),
        actor=by,
    )
    return join_request


# The owner's moves; reopening recruitment is checked further in study_status_change.
TRANSITIONS = {
    Study.Status.RECRUITING: {Study.Status.IN_PROGRESS},
    Study.Status.IN_PROGRESS: {Study.Status.COMPLETED, Study.Status.RECRUITING},
    Study.Status.COMPLETED: set(),
}


@transaction.atomic
def study_status_change(*, study: Study, to: Study.Status, by) -> Study:
    study = _owned_by(study, by)
    to = Study.Status(to)
    if to not in TRANSITIONS[Study.Status(study.status)]:
        raise BadTransition()
    reopening = to == Study.Status.RECRUITING
    if reopening and (
        study.memberships.count() >= study.capacity
        or study.recruitment_deadline < timezone.localdate()
    ):
        raise BadTransition(
            _("Recruitment can reopen only while seats are free and the deadline has not passed.")
        )
    study.status = to
    study.save(update_fields=["status", "updated_at"])
    members = [m.user for m in study.memberships.select_related("user").exclude(user=by)]
    notify(
        users=members,
        kind=Kind.STUDY_STATUS_CHANGED,
        text=lambda: _("%(study)s is now %(status)s") % {"study": study.title, "status": to.label},
        url=study.get_absolute_url(),
        actor=by,
    )
    return study


@transaction.atomic
def ownership_transfer(*, study: Study, to, by) -> Study:
    study = _owned_by(study, by)
    if to.pk == by.pk:
        raise NotAllowed()
    if not study.memberships.filter(user=to).exists():
        raise NotAllowed(_("Ownership goes to a member of the study."))
    study.owner = to
    study.save(update_fields=["owner", "updated_at"])
    notify(
        users=[to],
        kind=Kind.OWNERSHIP_TRANSFERRED,
        text=lambda: (
            _("%(user)s made you the owner of %(study)s") % {"user": by.name, "study": study.title}
        ),
        url=study.get_absolute_url(),
        actor=by,
    )
    others = [m.user for m in study.memberships.select_related("user").exclude(user__in=[by, to])]
    notify(
        users=others,
        kind=Kind.OWNERSHIP_TRANSFERRED,
        text=lambda: _("%(user)s now owns %(study)s") % {"user": to.name, "study": study.title},
        url=study.get_absolute_url(),
        actor=by,
    )
    return study


@transaction.atomic
def study_delete(*, study: Study, by) -> None:
    """The owner deletes the study; its open sockets close once the deletion commits."""
    study = _owned_by(study, by)
    study_id = study.pk
    members = [m.user for m in study.memberships.select_related("user").exclude(user=by)]
    title = study.title
    study.delete()
    realtime.study_gone_on_commit(study_id=study_id)
    notify(
        users=members,
        kind=Kind.STUDY_DELETED,
        text=_("%(user)s deleted the study %(study)s; its board, chat and calls are gone")
        % {"user": by.name, "study": title},
        url=reverse("studies:explore"),
        actor=by,
    )


@transaction.atomic
def review_create(*, study: Study, reviewer, reviewee, score: int, text: str = "") -> Review:
    if reviewer.pk == reviewee.pk:
        raise NotAllowed(_("You cannot review yourself."))
    if not Review.MIN_SCORE <= score <= Review.MAX_SCORE:
        raise NotAllowed(_("A score is from 1 to 5."))
    study = _locked(study)
    if study.status not in (Study.Status.IN_PROGRESS, Study.Status.COMPLETED):
        raise ReviewsClosed()
    members = set(
        study.memberships.filter(user__in=[reviewer, reviewee]).values_list("user_id", flat=True)
    )
    if members != {reviewer.pk, reviewee.pk}:
        raise NotAllowed(_("Only members review fellow members."))
    try:
        with transaction.atomic():
            review = Review.objects.create(
                study=study, reviewer=reviewer, reviewee=reviewee, score=score, text=text
            )
    except IntegrityError:
        raise AlreadyReviewed() from None
    notify(
        users=[reviewee],
        kind=Kind.REVIEW_RECEIVED,
        text=lambda: (
            _("%(user)s reviewed you in %(study)s") % {"user": reviewer.name, "study": study.title}
        ),
        url=reviewee.get_absolute_url() + "#reviews",
        actor=reviewer,
    )
    return review


def bookmark_add(*, study: Study, user) -> None:
    Bookmark.objects.get_or_create(study=study, user=user)


def bookmark_remove(*, study: Study, user) -> None:
    Bookmark.objects.filter(study=study, user=user).delete()

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.db import connection, models
from django.db.models import (
    Avg,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.cache import KeptLocally
from config.prepared import DATE_MARKER, INT_MARKERS, PreparedByIds, PreparedQuery
from search.query import SearchDocument, closest_words, words_of
from studies.models import Bookmark, JoinRequest, Membership, Review, Study, Tag

STUDY_DOCUMENT = SearchDocument(table=Study._meta.db_table, text_columns=("title", "search_tags"))


class Access(Enum):
    NO_STUDY = "no_study"
    OUTSIDER = "outsider"
    MEMBER = "member"
    OWNER = "owner"

    @property
    def is_member(self) -> bool:
        return self in (Access.MEMBER, Access.OWNER)

    @property
    def is_owner(self) -> bool:
        return self is Access.OWNER


def _access_row(study_id, user_id):
    membership = Membership.objects.filter(study_id=OuterRef("pk"), user_id=user_id)
    return (
        Study.objects.filter(pk=study_id)
        .annotate(is_member=Exists(membership))
        .values_list("owner_id", "is_member", "title")
    )


_ACCESS_ROW = PreparedQuery(_access_row, markers=INT_MARKERS[:2])


def study_access_and_heading(*, study_id: int, user_id: int | None) -> tuple[Access, Study | None]:
    """Return what the user is to the study, and the study with only its id, title and owner
    id (a page heading; None when there is no such study), in one query."""
    rows = _ACCESS_ROW.rows(study_id, user_id or 0)
    if not rows:
        return Access.NO_STUDY, None
    owner_id, is_member, title = rows[0]
    heading = Study.from_db(
        connection.alias, ["id", "owner_id", "title"], [study_id, owner_id, title]
    )
    if user_id is not None and owner_id == user_id:
        return Access.OWNER, heading
    return (Access.MEMBER if is_member else Access.OUTSIDER), heading


def study_access(*, study_id: int, user_id: int | None) -> Access:
    """Return what the user is to the study, in one query."""
    return study_access_and_heading(study_id=study_id, user_id=user_id)[0]


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


class Sort(models.TextChoices):
    RELEVANCE = "relevance", _("Best match")
    NEWEST = "newest", _("Newest")
    DEADLINE = "deadline", _("Deadline soonest")


class StatusFilter(models.TextChoices):
    RECRUITING = "recruiting", _("Recruiting now")
    IN_PROGRESS = Study.Status.IN_PROGRESS.value, Study.Status.IN_PROGRESS.label
    COMPLETED = Study.Status.COMPLETED.value, Study.Status.COMPLETED.label


POPULAR_TAGS_CACHE_KEY = "studies:popular-tags"
# Counting every study's tags is the explore page's dearest query at 10,000 studies, and a
# minute-old ranking of tags is as good as a fresh one. Each process also keeps its copy for
# a few seconds (config.cache.KeptLocally).
POPULAR_TAGS_TTL_S = 60
POPULAR_TAGS_KEPT_S = 10
POPULAR_TAGS_MAX = 30


def _shared_popular_tags() -> list[Tag]:
    tags = cache.get(POPULAR_TAGS_CACHE_KEY)
    if tags is None:
        tags = list(
            Tag.objects.annotate(total=Count("studies"))
            .filter(total__gt=0)
            .order_by("-total", "name")[:POPULAR_TAGS_MAX]
        )
        cache.set(POPULAR_TAGS_CACHE_KEY, tags, POPULAR_TAGS_TTL_S)
    return tags


_popular_tags = KeptLocally(_shared_popular_tags, POPULAR_TAGS_KEPT_S)


def popular_tags(limit: int) -> list[Tag]:
    """Return the `limit` (at most POPULAR_TAGS_MAX) most used tags, most used first."""
    return _popular_tags.get()[:limit]


def _member_total():
    """Return each study's member count: stored by triggers on PostgreSQL, counted elsewhere."""
    if connection.vendor == "postgresql":
        return RawSQL(f'"{Study._meta.db_table}"."member_count"', (), models.IntegerField())
    return Subquery(
        Membership.objects.filter(study=OuterRef("pk"))
        .values("study")
        .annotate(total=Count("pk"))
        .values("total")
    )


def _with_card_fields(studies: QuerySet[Study], *, user_id, today: date) -> QuerySet[Study]:
    """Annotate what a card shows: members, whether recruitment is open, and the bookmark."""
    studies = studies.annotate(member_total=_member_total()).annotate(
        recruitment_is_open=ExpressionWrapper(
            Q(status=Study.Status.RECRUITING)
            & Q(recruitment_deadline__gte=today)
            & Q(member_total__lt=F("capacity")),
            output_field=models.BooleanField(),
        )
    )
    if user_id is not None:
        studies = studies.annotate(
            is_bookmarked=Exists(Bookmark.objects.filter(study=OuterRef("pk"), user_id=user_id))
        )
    return studies


def studies_for_listing(*, user=None, today: date | None = None) -> QuerySet[Study]:
    """Return studies with what a card shows, in a constant number of queries."""
    return _with_card_fields(
        Study.objects.select_related("owner").prefetch_related("tags"),
        user_id=user.pk if user is not None and user.is_authenticated else None,
        today=today or timezone.localdate(),
    )


def _cards(ids, user_id, today):
    studies = _with_tags(Study.objects.select_related("owner"))
    return _with_card_fields(studies, user_id=user_id, today=today).filter(pk__in=ids)


_CARDS = PreparedByIds(_cards, markers=(INT_MARKERS[0], DATE_MARKER))


def study_cards(ids: list[int], *, user, today: date | None = None) -> list[Study]:
    """Return the studies of `ids`, in that order, with what a card shows, in one query.

    The query is compiled once per process for each number of ids (config/prepared.py): a
    page of a listing reads its ids first, then its cards by id.
    """
    user_id = user.pk if user.is_authenticated else 0
    studies = _CARDS.objects(ids, user_id, today or timezone.localdate())
    if connection.vendor != "postgresql":
        prefetch_related_objects(studies, "tags")
    return studies


def _search(
    studies: QuerySet[Study], query: str, *, substrings: bool, titles_only: bool = False
) -> QuerySet[Study]:
    """Keep the studies matching `query`, annotated with `in_title` for ordering; with
    `titles_only`, only those whose titles and tags match."""
    if connection.vendor == "postgresql":
        words = words_of(query)
        if not words:
            return studies.annotate(in_title=Value(False)).none()
        studies = studies.annotate(in_title=STUDY_DOCUMENT.in_titles(words))
        if titles_only:
            return studies.filter(in_title=True)
        return studies.filter(STUDY_DOCUMENT.matches(words, substrings=substrings))
    # The embedded SQLite default: a plain substring match over the same fields.
    in_title = Q(title__icontains=query) | Exists(
        Tag.objects.filter(studies=OuterRef("pk"), name__icontains=query)
    )
    if titles_only:
        return studies.filter(in_title).annotate(in_title=Value(True))
    return studies.filter(in_title | Q(description__icontains=query)).annotate(
        in_title=ExpressionWrapper(in_title, output_field=models.BooleanField())
    )


def spelling_suggestion(query: str) -> str:
    """Return `query` with misspelt words replaced by the closest tag names, or "" if none is.

    PostgreSQL only (pg_trgm); meant for a search that found nothing.
    """
    if connection.vendor != "postgresql":
        return ""
    words = words_of(query)
    if not words:
        return ""
    closest = closest_words(words, table=Tag._meta.db_table, column="name")
    return " ".join(closest) if closest != words else ""


def explore_studies(
    *,
    query: str = "",
    tag: str = "",
    status: str = "",
    open_seats: bool = False,
    sort: str = "",
    substrings: bool = False,
    titles_only: bool = False,
    today: date | None = None,
) -> QuerySet[Study]:
    """Return the public list of studies, filtered, searched and sorted.

    `substrings` also finds query words inside title and tag words ("script" in TypeScript):
    the second try of a search that found nothing (search/query.py says why). `titles_only`
    keeps only the studies whose titles or tags have every word: the matches a search lists
    first (search.paging.search_page's `firsts`).
    """
    today = today or timezone.localdate()
    studies = studies_for_listing(today=today)
    if tag:
        studies = studies.filter(Exists(Tag.objects.filter(studies=OuterRef("pk"), name=tag)))
    if status == StatusFilter.RECRUITING:
        studies = studies.filter(recruitment_is_open=True)
    elif status:
        studies = studies.filter(status=status)
    if open_seats:
        studies = studies.filter(member_total__lt=F("capacity"))
    query = query.strip()
    if query:
        studies = _search(studies, query, substrings=substrings, titles_only=titles_only)
    if sort == Sort.DEADLINE:
        # Upcoming deadlines first, soonest on top; passed ones after them.
        return studies.annotate(
            deadline_passed=ExpressionWrapper(
                Q(recruitment_deadline__lt=today), output_field=models.BooleanField()
            )
        ).order_by("deadline_passed", "recruitment_deadline", "-id")
    if sort == Sort.NEWEST or not query:
        return studies.order_by("-created_at", "-id")
    return studies.order_by("-in_title", "-created_at", "-id")


def score_summary_for(user_id: int) -> dict:
    """Return the user's average review score (None without reviews) and review count."""
    return Review.objects.filter(reviewee_id=user_id).aggregate(
        average=Avg("score"), count=Count("pk")
    )


def _average_score_of(user_ref):
    return Subquery(
        Review.objects.filter(reviewee=user_ref)
        .values("reviewee")
        .annotate(average=Avg("score"))
        .values("average")
    )


def _review_count_of(user_ref):
    return Subquery(
        Review.objects.filter(reviewee=user_ref)
        .values("reviewee")
        .annotate(total=Count("pk"))
        .values("total")
    )


@dataclass
class StudyPage:
    study: Study
    tags: list[Tag]
    access: Access
    members: list[Membership]
    recruitment_is_open: bool
    free_seats: int
    my_request: JoinRequest | None = None
    is_bookmarked: bool = False
    pending_requests: list[JoinRequest] = field(default_factory=list)
    reviewable: list[Membership] = field(default_factory=list)

    @property
    def reviews_open(self) -> bool:
        return self.access.is_member and self.study.status in (
            Study.Status.IN_PROGRESS,
            Study.Status.COMPLETED,
        )


def study_access_in(context, study: Study) -> Access:
    """Return the template user's access to `study`, reusing the study page's when it has one.

    The study page's panels (board, chat, call) ask for it each; the page already knows.
    """
    page = context.get("page")
    if isinstance(page, StudyPage) and page.study.pk == study.pk:
        return page.access
    request = context.get("request")
    user = request.user if request is not None else context.get("user")
    user_id = user.pk if user is not None and user.is_authenticated else None
    return study_access(study_id=study.pk, user_id=user_id)


def _with_tags(studies: QuerySet[Study]) -> QuerySet[Study]:
    """Bring each study's tags along on PostgreSQL, as arrays in the study's own row.

    Elsewhere (the embedded SQLite default) the tags are read when they are shown.
    """
    if connection.vendor != "postgresql":
        return studies
    tags = Tag.objects.filter(studies=OuterRef("pk")).order_by("name")
    return studies.annotate(
        tag_ids=ArraySubquery(tags.values("pk")), tag_names=ArraySubquery(tags.values("name"))
    )


def tags_of(study: Study) -> list[Tag]:
    """Return the study's tags, from its row's arrays (_with_tags) or as prefetched."""
    if not hasattr(study, "tag_names"):
        return list(study.tags.all())
    return [Tag(pk=pk, name=name) for pk, name in zip(study.tag_ids, study.tag_names, strict=True)]


def _study_of_page(study_id, user_id):
    bookmarked = Bookmark.objects.filter(study=OuterRef("pk"), user_id=user_id)
    return (
        _with_tags(Study.objects.select_related("owner"))
        .annotate(is_bookmarked=Exists(bookmarked))
        .filter(pk=study_id)
    )


def _members_of_page(study_id, user_id):
    reviewed = Review.objects.filter(
        study_id=study_id, reviewer_id=user_id, reviewee=OuterRef("user")
    )
    return (
        Membership.objects.filter(study_id=study_id)
        .select_related("user")
        .annotate(score=_average_score_of(OuterRef("user")), reviewed_by_me=Exists(reviewed))
    )


def _pending_requests_of_page(study_id):
    return (
        JoinRequest.objects.filter(study_id=study_id, status=JoinRequest.Status.PENDING)
        .select_related("user")
        .annotate(
            applicant_score=_average_score_of(OuterRef("user")),
            applicant_reviews=_review_count_of(OuterRef("user")),
        )
    )


def _request_of_page(study_id, user_id):
    return JoinRequest.objects.filter(
        study_id=study_id, user_id=user_id, status=JoinRequest.Status.PENDING
    ).order_by("pk")[:1]


# The study page's queries, compiled once per process (config/prepared.py). A visitor who is
# not logged in asks as user 0, whom no row names.
_STUDY_OF_PAGE = PreparedQuery(_study_of_page, markers=INT_MARKERS[:2])
_MEMBERS_OF_PAGE = PreparedQuery(_members_of_page, markers=INT_MARKERS[:2])
_PENDING_REQUESTS_OF_PAGE = PreparedQuery(_pending_requests_of_page)
_REQUEST_OF_PAGE = PreparedQuery(_request_of_page, markers=INT_MARKERS[:2])


def study_page(*, study_id: int, user) -> StudyPage:
    """Return what the study page shows to `user`; raise Study.DoesNotExist for no study."""
    user_id = user.pk if user.is_authenticated else None
    found = _STUDY_OF_PAGE.objects(study_id, user_id or 0)
    if not found:
        raise Study.DoesNotExist(f"No study {study_id}.")
    study = found[0]
    members = _MEMBERS_OF_PAGE.objects(study_id, user_id or 0)
    for member in members:
        member.study = study
    if user_id == study.owner_id:
        access = Access.OWNER
    elif any(m.user_id == user_id for m in members):
        access = Access.MEMBER
    else:
        access = Access.OUTSIDER
    page = StudyPage(
        study=study,
        tags=tags_of(study),
        access=access,
        members=members,
        recruitment_is_open=recruitment_open(study, members=len(members)),
        free_seats=max(study.capacity - len(members), 0),
    )
    if user_id is None:
        return page
    page.is_bookmarked = study.is_bookmarked
    if access is Access.OWNER:
        page.pending_requests = _PENDING_REQUESTS_OF_PAGE.objects(study_id)
        for join_request in page.pending_requests:
            join_request.study = study
    if not access.is_member:
        page.my_request = next(iter(_REQUEST_OF_PAGE.objects(study_id, user_id)), None)
    elif page.reviews_open:
        page.reviewable = [m for m in members if m.user_id != user_id and not m.reviewed_by_me]
    return page


def my_studies(user) -> dict:
    listing = studies_for_listing(user=user)
    return {
        "owned": listing.filter(owner=user),
        "joined": listing.filter(memberships__user=user).exclude(owner=user),
        "pending": my_pending_requests(user),
    }


def bookmarked_studies(user) -> QuerySet[Study]:
    return (
        studies_for_listing(user=user)
        .filter(bookmarks__user=user)
        .order_by("-bookmarks__created_at", "-id")
    )


def reviews_received(user_id: int) -> QuerySet[Review]:
    return Review.objects.filter(reviewee_id=user_id).select_related("reviewer", "study")


def studies_joined(user_id: int) -> QuerySet[Study]:
    return Study.objects.filter(memberships__user_id=user_id).order_by("-memberships__joined_at")


def member_studies(user) -> QuerySet[Study]:
    """Return the studies the user owns or joined, most recently updated first."""
    return Study.objects.filter(memberships__user=user).order_by("-updated_at", "-id")


def requests_awaiting(owner) -> QuerySet[JoinRequest]:
    """Return the pending requests to join the studies `owner` runs, oldest first."""
    return (
        JoinRequest.objects.filter(study__owner=owner, status=JoinRequest.Status.PENDING)
        .select_related("study", "user")
        .order_by("created_at", "id")
    )


def my_pending_requests(user) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING)
        .select_related("study")
        .order_by("-created_at")
    )

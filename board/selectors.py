from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import User
from board.models import Attachment, Comment, Post, Task
from config.links import int_url
from config.prepared import DATE_MARKER, INT_MARKERS, PreparedByIds, PreparedQuery
from markup.text import Excerpt
from search.query import SearchDocument, words_of
from studies.models import Membership, Study

UPCOMING_LIMIT = 5
POST_DOCUMENT = SearchDocument(table=Post._meta.db_table, text_columns=("title",))


@dataclass(frozen=True)
class TaskDeadline:
    """A task's due date as plain data, for calendars."""

    uid: str
    due: date
    title: str
    url: str
    done: bool


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def study_members(study_id: int) -> QuerySet[User]:
    return User.objects.filter(memberships__study_id=study_id).order_by("username")


def is_member(*, study_id: int, user_id: int) -> bool:
    return Membership.objects.filter(study_id=study_id, user_id=user_id).exists()


def tasks_for_study(study_id: int) -> QuerySet[Task]:
    return (
        Task.objects.filter(study_id=study_id)
        .select_related("assignee")
        .annotate(post_count=Count("posts"))
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


def task_progress(study_id: int) -> Progress:
    counts = Task.objects.filter(study_id=study_id).aggregate(
        total=Count("id"), done=Count("id", filter=Q(done_at__isnull=False))
    )
    return Progress(done=counts["done"], total=counts["total"])


def _task_overview_rows(study_id, today):
    upcoming = Q(done_at__isnull=True, due_date__gte=today)
    return (
        Task.objects.filter(study_id=study_id)
        .select_related("assignee")
        .annotate(
            is_upcoming=ExpressionWrapper(upcoming, output_field=BooleanField()),
            total=Window(Count("id")),
            done=Window(Count("id", filter=Q(done_at__isnull=False))),
            position=Window(
                RowNumber(),
                order_by=[Case(When(upcoming, then=Value(0)), default=Value(1)), "due_date", "id"],
            ),
        )
        .filter(position__lte=UPCOMING_LIMIT)
        .order_by("position")
    )


_TASK_OVERVIEW_ROWS = PreparedQuery(_task_overview_rows, markers=(INT_MARKERS[0], DATE_MARKER))


def task_overview(study_id: int, *, today: date | None = None) -> tuple[Progress, list[Task]]:
    """Return the study's task progress and its next open tasks by due date, in one query.

    The study's first tasks, the open ones due from today on ahead of the rest, each carry the
    counts of all its tasks: with no such task the other rows still bring the counts, and a
    study without tasks has nothing to count.
    """
    rows = _TASK_OVERVIEW_ROWS.objects(study_id, today or timezone.localdate())
    if not rows:
        return Progress(done=0, total=0), []
    progress = Progress(done=rows[0].done, total=rows[0].total)
    return progress, [task for task in rows if task.is_upcoming]


def task_deadlines(study: Study) -> list[TaskDeadline]:
    """Return every dated task of the study, done or not, for the study's calendar feed."""
    rows = (
        Task.objects.filter(study=study, due_date__isnull=False)
        .order_by("due_date", "id")
        .values_list("pk", "due_date", "title", "done_at")
    )
    return [
        TaskDeadline(
            uid=f"board-task-{pk}@cohort",
            due=due,
            title=title,
            url=Task(pk=pk, study_id=study.pk).get_absolute_url(),
            done=done_at is not None,
        )
        for pk, due, title, done_at in rows
    ]


def posts_for_task(task: Task) -> QuerySet[Post]:
    return (
        Post.objects.filter(task=task)
        .select_related("author")
        .annotate(
            comment_count=Count("comments", distinct=True),
            attachment_count=Count("attachments", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def post_for_page(*, study_id: int, post_id: int) -> Post:
    """Return the post with its task, author, comments and files; raise Post.DoesNotExist."""
    return (
        Post.objects.select_related("author", "task", "study")
        .prefetch_related(
            "attachments", Prefetch("comments", queryset=Comment.objects.select_related("author"))
        )
        .get(study_id=study_id, pk=post_id)
    )


def attachment_for_download(*, study_id: int, attachment_id: int) -> Attachment:
    return Attachment.objects.get(post__study_id=study_id, pk=attachment_id)


def earlier_commenter_ids(post: Post) -> list[int]:
    return list(Comment.objects.filter(post=post).values_list("author_id", flat=True).distinct())


def post_search(*, study_id: int, query: str) -> QuerySet[Post]:
    """Return the study's posts matching `query`: title matches first, then newest first.

    PostgreSQL searches the stored document (search/query.py: prefixes, stems, Korean words
    inside longer ones); other databases match substrings.
    """
    posts = Post.objects.filter(study_id=study_id).select_related("author", "task")
    query = query.strip()
    if connection.vendor == "postgresql":
        words = words_of(query)
        if not words:
            return posts.none()
        return (
            # One study's posts are few enough to look for title substrings at once.
            posts.filter(POST_DOCUMENT.matches(words, substrings=True))
            .annotate(in_title=POST_DOCUMENT.in_titles(words))
            .order_by("-in_title", "-created_at", "-id")
        )
    if not query:
        return posts.none()
    return (
        posts.filter(Q(title__icontains=query) | Q(body__icontains=query))
        .annotate(in_title=ExpressionWrapper(Q(title__icontains=query), BooleanField()))
        .order_by("-in_title", "-created_at", "-id")
    )


@dataclass
class SearchResult:
    """A post as a search result shows it: read as plain values, twenty to a page, where
    posts with their task and author as model instances took twice as long."""

    id: int
    study_id: int
    title: str
    body: str
    created_at: datetime
    task_title: str
    author_username: str
    author_display_name: str
    # The part of the body around the first match, with the matches marked (set by the view).
    excerpt: Excerpt | None = None

    @property
    def author_name(self) -> str:
        """The author's name as User.name gives it."""
        return self.author_display_name or self.author_username

    def get_absolute_url(self) -> str:
        return int_url("board:post", study_id=self.study_id, post_id=self.id)


_SEARCH_RESULTS = PreparedByIds(
    lambda ids: Post.objects.filter(pk__in=ids).values_list(
        "pk",
        "study_id",
        "title",
        "body",
        "created_at",
        "task__title",
        "author__username",
        "author__display_name",
    )
)


def search_results(ids: list[int]) -> list[SearchResult]:
    """Return the posts of `ids` (a page of search results), in that order, in one query."""
    return [SearchResult(*row) for row in _SEARCH_RESULTS.rows(ids)]


def next_deadlines_by_study(
    study_ids: list[int], *, per_study: int = 3, today: date | None = None
) -> dict[int, list[Task]]:
    """Return each study's next open tasks by due date (today's included), in one query."""
    today = today or timezone.localdate()
    deadlines: dict[int, list[Task]] = {study_id: [] for study_id in study_ids}
    tasks = Task.objects.filter(
        study_id__in=study_ids, done_at__isnull=True, due_date__gte=today
    ).order_by("due_date", "id")
    for task in tasks.only("id", "study_id", "title", "due_date"):
        if len(deadlines[task.study_id]) < per_study:
            deadlines[task.study_id].append(task)
    return deadlines

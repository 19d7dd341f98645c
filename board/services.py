from collections.abc import Sequence
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from board.errors import FileTooLarge, NotAllowed, NotAMember, TooManyFiles
from board.models import Attachment, Comment, Post, Task
from board.selectors import earlier_commenter_ids, is_member, study_members
from board.uploads import max_files_per_post, max_upload_bytes, safe_display_name
from markup.markdown import render_markdown
from notifications.models import Kind
from notifications.services import notify
from studies.models import Study


def _is_owner(study_id: int, user) -> bool:
    return Study.objects.filter(pk=study_id, owner_id=user.pk).exists()


def _check_assignee(study_id: int, assignee: User | None) -> None:
    if assignee is not None and not is_member(study_id=study_id, user_id=assignee.pk):
        raise NotAMember()


def _tell_assignee(task: Task, by) -> None:
    if task.assignee_id is None or task.assignee_id == by.pk:
        return
    notify(
        users=[task.assignee],
        kind=Kind.TASK_ASSIGNED,
        text=lambda: (
            _("%(user)s assigned you the task %(task)s") % {"user": by.name, "task": task.title}
        ),
        url=task.get_absolute_url(),
        actor=by,
    )


@transaction.atomic
def task_create(
    *,
    study: Study,
    by,
    title: str,
    description: str = "",
    due_date: date | None = None,
    assignee: User | None = None,
) -> Task:
    _check_assignee(study.pk, assignee)
    task = Task.objects.create(
        study=study,
        created_by=by,
        title=title,
        description=description,
        due_date=due_date,
        assignee=assignee,
    )
    _tell_assignee(task, by)
    return task


@transaction.atomic
def task_update(
    *,
    task: Task,
    by,
    title: str,
    description: str,
    due_date: date | None,
    assignee: User | None,
) -> Task:
    _check_assignee(task.study_id, assignee)
    # Compare with the stored row: a ModelForm has already copied its data onto `task`.
    previous = (
        Task.objects.select_for_update().values_list("assignee_id", flat=True).get(pk=task.pk)
    )
    newly_assigned = assignee is not None and assignee.pk != previous
    task.title = title
    task.description = description
    task.due_date = due_date
    task.assignee = assignee
    task.save(update_fields=["title", "description", "due_date", "assignee", "updated_at"])
    if newly_assigned:
        _tell_assignee(task, by)
    return task


def task_complete(*, task: Task, by) -> Task:
    """Mark the task done; completing a done task changes nothing."""
    Task.objects.filter(pk=task.pk, done_at__isnull=True).update(
        done_at=timezone.now(), updated_at=timezone.now()
    )
    task.refresh_from_db(fields=["done_at", "updated_at"])
    return task


def task_reopen(*, task: Task, by) -> Task:
    Task.objects.filter(pk=task.pk).update(done_at=None, updated_at=timezone.now())
    task.refresh_from_db(fields=["done_at", "updated_at"])
    return task


@transaction.atomic
def task_delete(*, task: Task, by) -> None:
    """Delete the task with its posts and their files; its creator or the owner may."""
    if task.created_by_id != by.pk and not _is_owner(task.study_id, by):
        raise NotAllowed()
    task.delete()


def _check_files(files: Sequence[UploadedFile], *, already: int) -> None:
    limit = max_files_per_post()
    if already + len(files) > limit:
        raise TooManyFiles(TooManyFiles.message % {"limit": limit})
    for upload in files:
        if upload.size > max_upload_bytes():
            raise FileTooLarge(FileTooLarge.message % {"limit": filesizeformat(max_upload_bytes())})


def _attach(post: Post, files: Sequence[UploadedFile], stored: list[str]) -> list[Attachment]:
    attachments = []
    for upload in files:
        attachment = Attachment(
            post=post, original_name=safe_display_name(upload.name), size=upload.size
        )
        attachment.file.save(attachment.original_name, upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()
        attachments.append(attachment)
    return attachments


def _storing(files: Sequence[UploadedFile], write):
    """Run `write(stored)` in a transaction, removing the files it stored if it fails.

    Storage is outside the database: a rolled-back post must not leave its files behind.
    """
    stored: list[str] = []
    try:
        with transaction.atomic():
            return write(stored)
    except BaseException:
        storage = Attachment.file.field.storage
        for name in stored:
            storage.delete(name)
        raise


def post_create(
    *, task: Task, author, title: str, body: str, files: Sequence[UploadedFile] = ()
) -> Post:
    _check_files(files, already=0)

    def write(stored: list[str]) -> Post:
        post = Post.objects.create(
            study_id=task.study_id,
            task=task,
            author=author,
            title=title,
            body=body,
            body_html=render_markdown(body),
        )
        _attach(post, files, stored)
        notify(
            users=study_members(task.study_id).exclude(pk=author.pk),
            kind=Kind.BOARD_POST_CREATED,
            text=lambda: (
                _("%(user)s posted %(title)s on %(task)s")
                % {"user": author.name, "title": title, "task": task.title}
            ),
            url=post.get_absolute_url(),
            actor=author,
        )
        return post

    return _storing(files, write)


@transaction.atomic
def post_update(*, post: Post, by, title: str, body: str) -> Post:
    if post.author_id != by.pk:
        raise NotAllowed()
    post.title = title
    post.body = body
    post.body_html = render_markdown(body)
    post.save(update_fields=["title", "body", "body_html", "updated_at"])
    return post


@transaction.atomic
def post_delete(*, post: Post, by) -> None:
    """Delete the post, its comments and its files (removed from storage on commit)."""
    if post.author_id != by.pk and not _is_owner(post.study_id, by):
        raise NotAllowed()
    post.delete()


def attachments_add(*, post: Post, by, files: Sequence[UploadedFile]) -> list[Attachment]:
    if post.author_id != by.pk:
        raise NotAllowed()

    def write(stored: list[str]) -> list[Attachment]:
        # Lock the post so that two uploads at once cannot pass the count limit together.
        locked = Post.objects.select_for_update().get(pk=post.pk)
        _check_files(files, already=locked.attachments.count())
        return _attach(locked, files, stored)

    return _storing(files, write)


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by) -> None:
    post = attachment.post
    if post.author_id != by.pk and not _is_owner(post.study_id, by):
        raise NotAllowed()
    attachment.delete()


@transaction.atomic
def comment_create(*, post: Post, author, body: str) -> Comment:
    recipients = {post.author_id, *earlier_commenter_ids(post)} - {author.pk}
    comment = Comment.objects.create(
        post=post, author=author, body=body, body_html=render_markdown(body)
    )
    if recipients:
        notify(
            # Only people who can still open the post: earlier commenters may have left.
            users=User.objects.filter(pk__in=recipients, memberships__study_id=post.study_id),
            kind=Kind.BOARD_COMMENT_CREATED,
            text=lambda: (
                _("%(user)s commented on %(title)s") % {"user": author.name, "title": post.title}
            ),
            url=post.get_absolute_url(),
            actor=author,
        )
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, by, body: str) -> Comment:
    if comment.author_id != by.pk:
        raise NotAllowed()
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.save(update_fields=["body", "body_html", "updated_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, by) -> None:
    if comment.author_id != by.pk and not _is_owner(comment.post.study_id, by):
        raise NotAllowed()
    comment.delete()

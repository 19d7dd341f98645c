from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from board import selectors, services
from board.errors import BoardError
from board.forms import AttachmentsForm, CommentForm, PostForm, SearchForm, TaskForm
from board.models import Attachment, Comment, Post, Task
from board.uploads import (
    SizeLimitUploadHandler,
    download_content_type,
    max_files_per_post,
    max_request_bytes,
    max_upload_bytes,
    upload_too_large_message,
)
from markup.markdown import render_markdown
from markup.text import search_excerpt
from search.paging import search_page
from studies.access import members_only
from studies.selectors import Access

POSTS_PER_PAGE = 20
SEARCH_RESULTS_PER_PAGE = 20
SEARCH_EXCERPT_CHARS = 200
PREVIEW_MAX_CHARS = Post._meta.get_field("body").max_length


def _task(study_id: int, task_id: int) -> Task:
    return get_object_or_404(
        Task.objects.select_related("study", "assignee"), study_id=study_id, pk=task_id
    )


def _post(study_id: int, post_id: int) -> Post:
    return get_object_or_404(
        Post.objects.select_related("study", "task"), study_id=study_id, pk=post_id
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _form_errors(*forms) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for form in forms:
        for field, messages_ in form.errors.items():
            errors.setdefault(field, []).extend(messages_)
    return errors


# Tasks


@require_GET
@members_only
def task_list(request, study_id: int, *, access: Access):
    study = request.study_heading
    return render(
        request,
        "board/task_list.html",
        {
            "study": study,
            "access": access,
            "tasks": selectors.tasks_for_study(study_id),
            "progress": selectors.task_progress(study_id),
        },
    )


@require_http_methods(["GET", "POST"])
@members_only
def task_create(request, study_id: int, *, access: Access):
    study = request.study_heading
    form = TaskForm(request.POST or None, study_id=study_id)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(study=study, by=request.user, **form.cleaned_data)
        except BoardError as error:
            form.add_error("assignee", error.message)
        else:
            return redirect(task)
    return render(request, "board/task_form.html", {"study": study, "form": form})


@require_http_methods(["GET", "POST"])
@members_only
def task_edit(request, study_id: int, task_id: int, *, access: Access):
    task = _task(study_id, task_id)
    form = TaskForm(request.POST or None, instance=task, study_id=study_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(task=task, by=request.user, **form.cleaned_data)
        except BoardError as error:
            form.add_error("assignee", error.message)
        else:
            return redirect(task)
    return render(
        request, "board/task_form.html", {"study": task.study, "form": form, "task": task}
    )


@require_GET
@members_only
def task_detail(request, study_id: int, task_id: int, *, access: Access):
    task = _task(study_id, task_id)
    page = Paginator(selectors.posts_for_task(task), POSTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "board/task_detail.html",
        {
            "study": task.study,
            "task": task,
            "description_html": render_markdown(task.description),
            "page": page,
            "access": access,
        },
    )


@require_POST
@members_only
def task_complete(request, study_id: int, task_id: int, *, access: Access):
    task = _task(study_id, task_id)
    services.task_complete(task=task, by=request.user)
    return redirect(task)


@require_POST
@members_only
def task_reopen(request, study_id: int, task_id: int, *, access: Access):
    task = _task(study_id, task_id)
    services.task_reopen(task=task, by=request.user)
    return redirect(task)


@require_POST
@members_only
def task_delete(request, study_id: int, task_id: int, *, access: Access):
    task = _task(study_id, task_id)
    try:
        services.task_delete(task=task, by=request.user)
    except BoardError as error:
        raise PermissionDenied(error.message) from None
    messages.success(request, _("The task was deleted."))
    return redirect("board:tasks", study_id=study_id)


# Posts and their files


def _too_large_request(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_request_bytes()


def _limit_uploads(request) -> SizeLimitUploadHandler:
    """Watch every file's size while the body is parsed; oversized files are never kept."""
    handler = SizeLimitUploadHandler(request)
    request.upload_handlers.insert(0, handler)
    return handler


def _size_error(names: list[str]) -> str:
    return _("Not uploaded, larger than %(limit)s: %(names)s") % {
        "limit": filesizeformat(max_upload_bytes()),
        "names": ", ".join(names),
    }


def _request_too_large(request, context: dict, template: str):
    message = upload_too_large_message()
    if _wants_json(request):
        return JsonResponse({"errors": {"files": [message]}}, status=413)
    messages.error(request, message)
    return render(request, template, context, status=413)


def _upload_limits() -> dict:
    return {"max_upload_bytes": max_upload_bytes(), "max_files": max_files_per_post()}


def _done(request, url: str):
    if _wants_json(request):
        return JsonResponse({"redirect": url})
    return redirect(url)


def _invalid(request, template: str, context: dict, *forms):
    if _wants_json(request):
        return JsonResponse({"errors": _form_errors(*forms)}, status=400)
    return render(request, template, context, status=400)


@csrf_exempt  # so that the upload handlers can be set; csrf_protect checks the token below
@require_http_methods(["GET", "POST"])
@members_only
def post_create(request, study_id: int, task_id: int, *, access: Access):
    task = _task(study_id, task_id)
    context = {"study": task.study, "task": task, **_upload_limits()}
    if request.method == "POST" and _too_large_request(request):
        context.update(form=PostForm(), files_form=AttachmentsForm())
        return _request_too_large(request, context, "board/post_form.html")
    handler = _limit_uploads(request) if request.method == "POST" else None
    return _post_create(request, task, context, handler)


@csrf_protect
def _post_create(request, task: Task, context: dict, handler):
    form = PostForm(request.POST or None)
    files_form = AttachmentsForm(request.POST or None, request.FILES or None)
    context.update(form=form, files_form=files_form)
    if request.method != "POST":
        return render(request, "board/post_form.html", context)
    valid = form.is_valid() & files_form.is_valid()
    if handler.rejected:
        files_form.add_error("files", _size_error(handler.rejected))
    elif valid:
        try:
            post = services.post_create(
                task=task,
                author=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                files=files_form.cleaned_data["files"],
            )
        except BoardError as error:
            files_form.add_error("files", error.message)
        else:
            return _done(request, post.get_absolute_url())
    return _invalid(request, "board/post_form.html", context, form, files_form)


@require_GET
@members_only
def post_detail(request, study_id: int, post_id: int, *, access: Access):
    try:
        post = selectors.post_for_page(study_id=study_id, post_id=post_id)
    except Post.DoesNotExist:
        raise Http404("No such post.") from None
    return render(request, "board/post_detail.html", _post_context(post, access))


def _post_context(post: Post, access: Access, **extra) -> dict:
    return {
        "study": post.study,
        "post": post,
        "task": post.task,
        "access": access,
        "is_owner": access is Access.OWNER,
        "comment_form": CommentForm(),
        "files_form": AttachmentsForm(),
        **_upload_limits(),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@members_only
def post_edit(request, study_id: int, post_id: int, *, access: Access):
    post = _post(study_id, post_id)
    if post.author_id != request.user.pk:
        raise Http404("No such post of yours.")
    form = PostForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        services.post_update(
            post=post,
            by=request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
        return redirect(post)
    return render(
        request,
        "board/post_edit.html",
        {"study": post.study, "task": post.task, "post": post, "form": form},
    )


@require_POST
@members_only
def post_delete(request, study_id: int, post_id: int, *, access: Access):
    post = _post(study_id, post_id)
    try:
        services.post_delete(post=post, by=request.user)
    except BoardError as error:
        raise PermissionDenied(error.message) from None
    messages.success(request, _("The post was deleted."))
    return redirect(post.task)


@csrf_exempt  # so that the upload handlers can be set; csrf_protect checks the token below
@require_POST
@members_only
def attachments_add(request, study_id: int, post_id: int, *, access: Access):
    post = _post(study_id, post_id)
    if post.author_id != request.user.pk:
        raise PermissionDenied("Only the author adds files to a post.")
    if _too_large_request(request):
        return _request_too_large(
            request, {"study": post.study, "post": post}, "board/upload_refused.html"
        )
    return _attachments_add(request, post, _limit_uploads(request))


@csrf_protect
def _attachments_add(request, post: Post, handler):
    files_form = AttachmentsForm(request.POST, request.FILES)
    valid = files_form.is_valid()
    if handler.rejected:
        files_form.add_error("files", _size_error(handler.rejected))
    elif valid and not files_form.cleaned_data["files"]:
        files_form.add_error("files", _("Choose at least one file."))
    elif valid:
        try:
            services.attachments_add(
                post=post, by=request.user, files=files_form.cleaned_data["files"]
            )
        except BoardError as error:
            files_form.add_error("files", error.message)
        else:
            return _done(request, post.get_absolute_url())
    if _wants_json(request):
        return JsonResponse({"errors": _form_errors(files_form)}, status=400)
    for errors in files_form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(post)


@require_GET
@members_only
def attachment_download(request, study_id: int, attachment_id: int, *, access: Access):
    try:
        attachment = selectors.attachment_for_download(
            study_id=study_id, attachment_id=attachment_id
        )
        stream = attachment.file.open("rb")
    except (Attachment.DoesNotExist, FileNotFoundError):
        raise Http404("No such file.") from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=download_content_type(attachment.original_name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser ignored the download header, nothing in the file may run or load.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@members_only
def attachment_delete(request, study_id: int, attachment_id: int, *, access: Access):
    attachment = get_object_or_404(
        Attachment.objects.select_related("post"), post__study_id=study_id, pk=attachment_id
    )
    try:
        services.attachment_delete(attachment=attachment, by=request.user)
    except BoardError as error:
        raise PermissionDenied(error.message) from None
    return redirect(attachment.post)


# Comments


@require_POST
@members_only
def comment_create(request, study_id: int, post_id: int, *, access: Access):
    post = _post(study_id, post_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        full = selectors.post_for_page(study_id=study_id, post_id=post_id)
        return render(
            request,
            "board/post_detail.html",
            _post_context(full, access, comment_form=form),
            status=400,
        )
    comment = services.comment_create(
        post=post, author=request.user, body=form.cleaned_data["body"]
    )
    return redirect(f"{post.get_absolute_url()}#comment-{comment.pk}")


def _comment(study_id: int, comment_id: int) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("post__study", "post__task"),
        post__study_id=study_id,
        pk=comment_id,
    )


@require_http_methods(["GET", "POST"])
@members_only
def comment_edit(request, study_id: int, comment_id: int, *, access: Access):
    comment = _comment(study_id, comment_id)
    if comment.author_id != request.user.pk:
        raise Http404("No such comment of yours.")
    form = CommentForm(request.POST or None, instance=comment)
    if request.method == "POST" and form.is_valid():
        services.comment_update(comment=comment, by=request.user, body=form.cleaned_data["body"])
        return redirect(f"{comment.post.get_absolute_url()}#comment-{comment.pk}")
    return render(
        request,
        "board/comment_edit.html",
        {"study": comment.post.study, "post": comment.post, "comment": comment, "form": form},
    )


@require_POST
@members_only
def comment_delete(request, study_id: int, comment_id: int, *, access: Access):
    comment = _comment(study_id, comment_id)
    try:
        services.comment_delete(comment=comment, by=request.user)
    except BoardError as error:
        raise PermissionDenied(error.message) from None
    return redirect(comment.post)


# Preview and search


@require_POST
@members_only
def markdown_preview(request, study_id: int, *, access: Access):
    """Return the sanitized HTML of a draft, rendered by the same pipeline as saved posts."""
    body = request.POST.get("body", "")
    if len(body) > PREVIEW_MAX_CHARS:
        return JsonResponse(
            {"errors": {"body": [_("The text is too long to preview.")]}}, status=400
        )
    return JsonResponse({"html": str(render_markdown(body))})


@require_GET
@members_only
def post_search(request, study_id: int, *, access: Access):
    study = request.study_heading
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = search_page(
        selectors.post_search(study_id=study_id, query=query),
        request.GET.get("page"),
        SEARCH_RESULTS_PER_PAGE,
        rows=selectors.search_results,
    )
    for result in page.object_list:
        result.excerpt = search_excerpt(result.body, query, length=SEARCH_EXCERPT_CHARS)
    if _wants_json(request):
        return JsonResponse(_search_page_data(request, query, page))
    return render(
        request,
        "board/search.html",
        {
            "study": study,
            "form": form,
            "query": query,
            "page": page,
            "query_string": urlencode({"q": query}) if query else "",
            "next_page_url": _next_page_url(request, query, page),
        },
    )


def _next_page_url(request, query: str, page) -> str | None:
    if not query or not page.has_next():
        return None
    return f"{request.path}?{urlencode({'q': query, 'page': page.next_page_number()})}"


def _search_page_data(request, query: str, page) -> dict:
    """Return one page of results as plain data, for the infinite scroll of the results."""
    return {
        "results": [
            {
                "id": result.id,
                "title": result.title,
                "url": result.get_absolute_url(),
                "task": result.task_title,
                "author": result.author_name,
                "created_at": result.created_at.isoformat(),
                "excerpt": result.excerpt.text,
                "excerpt_parts": result.excerpt.parts(),
            }
            for result in page.object_list
        ],
        "next": _next_page_url(request, query, page),
    }

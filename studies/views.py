from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.redirects import redirect_to_next
from markup.markdown import render_markdown
from search.paging import search_page
from studies import services
from studies.access import members_only
from studies.calendar import calendar_token, calendar_token_valid, study_calendar
from studies.errors import StudyError
from studies.forms import (
    DecisionForm,
    ExploreForm,
    JoinRequestForm,
    ReviewForm,
    StatusForm,
    StudyForm,
    TransferForm,
)
from studies.models import JoinRequest, Study
from studies.selectors import (
    Access,
    bookmarked_studies,
    explore_studies,
    my_studies,
    popular_tags,
    spelling_suggestion,
    study_cards,
    study_page,
)
from studies.services import TRANSITIONS

User = get_user_model()
PAGE_SIZE = 12
POPULAR_TAGS = 15


def _study(study_id: int) -> Study:
    return get_object_or_404(Study, pk=study_id)


def _first_error(form) -> str:
    return next(iter(error for errors in form.errors.values() for error in errors))


def _back_to(study: Study):
    return redirect(study)


def _run(request, action, success: str) -> bool:
    """Run a service call; report a broken study rule as a message instead of failing."""
    try:
        action()
    except StudyError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def explore(request):
    form = ExploreForm(request.GET)
    filters = form.filters()
    number = request.GET.get("page")
    studies = explore_studies(**filters)

    def cards(ids: list[int]) -> list:
        return study_cards(ids, user=request.user)

    # A page's ids first, then its cards by id (studies.selectors.study_cards).
    if filters["query"]:
        page = search_page(
            studies,
            number,
            PAGE_SIZE,
            rows=cards,
            # Nothing found by words: try title and tag substrings.
            then=lambda: explore_studies(**filters, substrings=True),
            first="in_title",
            firsts=lambda: explore_studies(**filters, titles_only=True),
        )
    else:
        page = Paginator(studies.values_list("pk", flat=True), PAGE_SIZE).get_page(number)
        page.object_list = cards(list(page.object_list))
    suggestion = ""
    if filters["query"] and not page.object_list:
        suggestion = spelling_suggestion(filters["query"])
    if suggestion:
        corrected = request.GET.copy()
        corrected["q"] = suggestion
        corrected.pop("page", None)
        suggestion = {"query": suggestion, "url": f"?{corrected.urlencode()}"}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "studies/explore.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query_string": query.urlencode(),
            "popular_tags": popular_tags(POPULAR_TAGS),
            "suggestion": suggestion,
        },
    )


@login_required
def create(request):
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        study = services.study_create(
            owner=request.user,
            title=data["title"],
            description=data["description"],
            how_we_run=data["how_we_run"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            recruitment_deadline=data["recruitment_deadline"],
            capacity=data["capacity"],
            tags=data["tags"],
        )
        messages.success(request, _("Your study is open for requests."))
        return redirect(study)
    return render(request, "studies/create.html", {"form": form})


def detail(request, study_id: int):
    try:
        page = study_page(study_id=study_id, user=request.user)
    except Study.DoesNotExist:
        raise Http404 from None
    study = page.study
    context = {
        "page": page,
        "study": study,
        "description_html": render_markdown(study.description),
    }
    my_membership = next((m for m in page.members if m.user_id == request.user.pk), None)
    if page.access.is_member and my_membership is not None:
        context["calendar_url"] = request.build_absolute_uri(
            reverse(
                "studies:calendar",
                kwargs={"study_id": study.pk, "token": calendar_token(my_membership)},
            )
        )
    if page.access is Access.OWNER:
        context["next_statuses"] = [
            Study.Status(status) for status in TRANSITIONS[Study.Status(study.status)]
        ]
        context["decision_form"] = DecisionForm()
    if page.reviewable:
        context["review_form"] = ReviewForm()
    if not page.access.is_member and page.recruitment_is_open and page.my_request is None:
        context["join_form"] = JoinRequestForm()
    return render(request, "studies/detail.html", context)


@require_POST
@login_required
def join(request, study_id: int):
    study = get_object_or_404(Study, pk=study_id)
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back_to(study)
    _run(
        request,
        lambda: services.join_request_create(
            study=study, user=request.user, message=form.cleaned_data["message"]
        ),
        _("Your request was sent to the owner."),
    )
    return _back_to(study)


@require_POST
@login_required
def withdraw(request, study_id: int):
    join_request = get_object_or_404(
        JoinRequest, study_id=study_id, user=request.user, status=JoinRequest.Status.PENDING
    )
    _run(
        request,
        lambda: services.join_request_withdraw(join_request=join_request, by=request.user),
        _("Your request was withdrawn."),
    )
    return _back_to(join_request.study)


def _decide(request, study_id: int, request_id: int, *, accept: bool):
    study = _study(study_id)
    join_request = get_object_or_404(JoinRequest, pk=request_id, study=study)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back_to(study)
    note = form.cleaned_data["note"]
    if accept:
        _run(
            request,
            lambda: services.join_request_accept(
                join_request=join_request, by=request.user, note=note
            ),
            _("%(user)s joined the study.") % {"user": join_request.user.name},
        )
    else:
        _run(
            request,
            lambda: services.join_request_reject(
                join_request=join_request, by=request.user, note=note
            ),
            _("The request was declined."),
        )
    return _back_to(study)


@require_POST
@members_only(owner=True)
def accept(request, study_id: int, request_id: int, *, access: Access):
    return _decide(request, study_id, request_id, accept=True)


@require_POST
@members_only(owner=True)
def reject(request, study_id: int, request_id: int, *, access: Access):
    return _decide(request, study_id, request_id, accept=False)


@require_POST
@members_only(owner=True)
def change_status(request, study_id: int, *, access: Access):
    study = _study(study_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back_to(study)
    to = Study.Status(form.cleaned_data["status"])
    _run(
        request,
        lambda: services.study_status_change(study=study, to=to, by=request.user),
        _("The study is now %(status)s.") % {"status": to.label},
    )
    return _back_to(study)


@require_POST
@members_only
def leave(request, study_id: int, *, access: Access):
    study = _study(study_id)
    if _run(
        request,
        lambda: services.member_leave(study=study, user=request.user),
        _("You left %(study)s.") % {"study": study.title},
    ):
        return redirect("studies:mine")
    return _back_to(study)


@require_POST
@members_only(owner=True)
def remove_member(request, study_id: int, user_id: int, *, access: Access):
    study = _study(study_id)
    member = get_object_or_404(User, pk=user_id)
    _run(
        request,
        lambda: services.member_remove(study=study, user=member, by=request.user),
        _("%(user)s was removed.") % {"user": member.name},
    )
    return _back_to(study)


@require_POST
@members_only(owner=True)
def transfer(request, study_id: int, *, access: Access):
    study = _study(study_id)
    form = TransferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back_to(study)
    member = get_object_or_404(User, pk=form.cleaned_data["user_id"])
    _run(
        request,
        lambda: services.ownership_transfer(study=study, to=member, by=request.user),
        _("%(user)s now owns the study.") % {"user": member.name},
    )
    return _back_to(study)


@members_only(owner=True)
def delete(request, study_id: int, *, access: Access):
    study = _study(study_id)
    if request.method == "POST" and _run(
        request,
        lambda: services.study_delete(study=study, by=request.user),
        _("%(study)s was deleted.") % {"study": study.title},
    ):
        return redirect("studies:mine")
    return render(request, "studies/delete.html", {"study": study})


@require_POST
@members_only
def review(request, study_id: int, user_id: int, *, access: Access):
    study = _study(study_id)
    reviewee = get_object_or_404(User, pk=user_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back_to(study)
    _run(
        request,
        lambda: services.review_create(
            study=study,
            reviewer=request.user,
            reviewee=reviewee,
            score=form.cleaned_data["score"],
            text=form.cleaned_data["text"],
        ),
        _("Thank you; your review of %(user)s was saved.") % {"user": reviewee.name},
    )
    return _back_to(study)


@require_POST
@login_required
def bookmark(request, study_id: int):
    study = get_object_or_404(Study, pk=study_id)
    if request.POST.get("action") == "remove":
        services.bookmark_remove(study=study, user=request.user)
    else:
        services.bookmark_add(study=study, user=request.user)
    return redirect_to_next(request, study)


@login_required
def bookmarks(request):
    page = Paginator(bookmarked_studies(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "studies/bookmarks.html", {"page": page})


@login_required
def mine(request):
    return render(request, "studies/mine.html", my_studies(request.user))


def calendar(request, study_id: int, token: str):
    """Serve the feed to whoever holds the study's calendar link (calendar apps send no cookie)."""
    study = get_object_or_404(Study, pk=study_id)
    if not calendar_token_valid(study, token):
        raise Http404
    body = study_calendar(
        study, now=timezone.now(), base_url=request.build_absolute_uri("/").rstrip("/")
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="study-{study.pk}.ics"'
    return response

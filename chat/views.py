from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chat import selectors
from chat.errors import ChatError, NotAllowed
from chat.forms import RoomOpenForm
from chat.models import Room
from chat.services import room_close, room_open
from studies.access import member_access, members_only
from studies.models import Study
from studies.selectors import Access


@require_http_methods(["GET", "POST"])
@members_only
def study_rooms(request, study_id: int, *, access: Access):
    """List a study's rooms; POST opens one."""
    study = get_object_or_404(Study, pk=study_id)
    form = RoomOpenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                room = room_open(
                    study=study, category=form.cleaned_data["category"], by=request.user
                )
            except ChatError as error:
                form.add_error("category", error.message)
            else:
                return redirect(room)
        status = 400
    rooms = selectors.rooms_of_study(study.pk)
    form.offer_only_free({room.category for room in rooms if room.is_open})
    return render(
        request,
        "chat/study_rooms.html",
        {
            "study": study,
            "form": form,
            "rooms": rooms,
            "can_open": sum(room.is_open for room in rooms) < Room.MAX_OPEN_PER_STUDY,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def room_detail(request, room_id: int):
    room = selectors.room_for_page(room_id)
    if room is None:
        raise Http404("No such room.")
    access = member_access(request.user, room.study_id)
    context = {
        "room": room,
        "study": room.study,
        "can_close": room.is_open
        and selectors.can_close(room=room, user_id=request.user.pk, access=access),
    }
    if not room.is_open:
        # Closed rooms are read over HTTP, a page at a time, newest page first.
        newest_page = room.last_seq + 1
        before = request.GET.get("before", "")
        valid = before.isascii() and before.isdigit()
        before = min(int(before), newest_page) if valid else newest_page
        page = selectors.messages_before(room_id=room.pk, before=before, limit=50)
        context["history"] = page
        context["older"] = page[0]["seq"] if page and page[0]["seq"] > 1 else None
    return render(request, "chat/room.html", context)


@login_required
@require_POST
def room_close_view(request, room_id: int):
    room = get_object_or_404(Room, pk=room_id)
    member_access(request.user, room.study_id)
    try:
        room_close(room=room, by=request.user)
    except NotAllowed:
        raise PermissionDenied from None
    except ChatError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, _("The room is closed; its history stays readable."))
    return redirect(reverse("chat:study", kwargs={"study_id": room.study_id}))

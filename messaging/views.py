from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.redirects import redirect_to_next
from messaging import selectors
from messaging.errors import CannotMessageSelf, MessageNotFound, MessagingError, TooManyMessages
from messaging.forms import MessageForm
from messaging.models import Conversation
from messaging.payloads import message_payload
from messaging.services import (
    block_create,
    block_delete,
    conversation_get_or_create,
    conversation_mark_read,
    message_delete,
    message_send,
)

INBOX_PAGE_SIZE = 20


def _participant_or_404(user, conversation_id: int, *, available: bool = False) -> Conversation:
    """Return the user's conversation (with `available`, only if it is not unavailable to them)."""
    if available:
        conversation = selectors.available_conversation_for(
            user=user, conversation_id=conversation_id
        )
    else:
        conversation = selectors.conversation_for_participant(
            user=user, conversation_id=conversation_id
        )
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def _person_or_404(username: str):
    person = selectors.user_by_username(username)
    if person is None:
        raise Http404("No such user.")
    return person


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@require_GET
@login_required
def inbox(request):
    page = Paginator(selectors.inbox_for(request.user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for conversation in page.object_list:
        conversation.other_person = conversation.other(request.user)
    return render(request, "messaging/inbox.html", {"page": page})


def _render_conversation(request, conversation: Conversation, form=None, status=200):
    user = request.user
    other = conversation.other(user)
    if selectors.is_unavailable_to(conversation, user):
        return render(request, "messaging/unavailable.html", {"other": other}, status=status)
    history, more = selectors.messages_before(conversation=conversation, before=_before(request))
    seen_up_to = selectors.read_up_to(conversation_id=conversation.pk, user_id=other.pk)
    mine_seen = [m.id for m in history if m.sender_id == user.pk and m.id <= seen_up_to]
    context = {
        "conversation": conversation,
        "other": other,
        "history": history,
        "more": more,
        "seen_message_id": max(mine_seen, default=0),
        "seen_up_to": seen_up_to,
        "unread": selectors.unread_in(user=user, conversation_id=conversation.pk),
        "blocked_by_me": selectors.has_blocked(blocker_id=user.pk, blocked_id=other.pk),
        "form": form or MessageForm.blank(),
        "page_size": settings.MESSAGING_PAGE_SIZE,
    }
    return render(request, "messaging/conversation.html", context, status=status)


@require_GET
@login_required
def conversation_detail(request, conversation_id: int):
    return _render_conversation(request, _participant_or_404(request.user, conversation_id))


@require_GET
@login_required
def conversation_history(request, conversation_id: int):
    """Return older messages as JSON, for loading them on scroll."""
    conversation = _participant_or_404(request.user, conversation_id, available=True)
    history, more = selectors.messages_before(conversation=conversation, before=_before(request))
    return JsonResponse({"messages": [message_payload(m) for m in history], "more": more})


@require_POST
@login_required
def conversation_start(request, username: str):
    other = _person_or_404(username)
    try:
        conversation = conversation_get_or_create(user=request.user, other=other)
    except CannotMessageSelf as error:
        messages.error(request, str(error.message))
        return redirect(other)
    return redirect("messaging:conversation", conversation.pk)


@require_POST
@login_required
def message_create(request, conversation_id: int):
    conversation = _participant_or_404(request.user, conversation_id)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _render_conversation(request, conversation, form, status=400)
    try:
        message_send(
            sender=request.user,
            recipient_id=conversation.other_id(request.user.pk),
            body=form.cleaned_data["body"],
            client_id=form.cleaned_data["client_id"],
        )
    except MessagingError as error:
        form.add_error("body", str(error.message))
        status = 429 if isinstance(error, TooManyMessages) else 400
        response = _render_conversation(request, conversation, form, status=status)
        if isinstance(error, TooManyMessages):
            response["Retry-After"] = str(error.retry_after)
        return response
    # Answering means having read what came before.
    conversation_mark_read(user=request.user, conversation=conversation)
    return redirect(reverse("messaging:conversation", args=[conversation.pk]) + "#latest")


@require_POST
@login_required
def message_remove(request, conversation_id: int, message_id: int):
    conversation = _participant_or_404(request.user, conversation_id)
    if not conversation.messages.filter(pk=message_id).exists():
        raise Http404("No such message.")
    try:
        message_delete(user=request.user, message_id=message_id)
    except MessageNotFound:
        raise Http404("No such message.") from None
    return redirect("messaging:conversation", conversation.pk)


@require_POST
@login_required
def conversation_read(request, conversation_id: int):
    conversation = _participant_or_404(request.user, conversation_id, available=True)
    conversation_mark_read(user=request.user, conversation=conversation)
    return redirect("messaging:conversation", conversation.pk)


@require_POST
@login_required
def block(request, username: str):
    other = _person_or_404(username)
    try:
        block_create(blocker=request.user, blocked=other)
    except CannotMessageSelf as error:
        messages.error(request, str(error.message))
        return redirect_to_next(request, other)
    messages.success(request, _("You blocked %(name)s.") % {"name": other.name})
    return redirect_to_next(request, other)


@require_POST
@login_required
def unblock(request, username: str):
    other = _person_or_404(username)
    block_delete(blocker=request.user, blocked=other)
    messages.success(request, _("You unblocked %(name)s.") % {"name": other.name})
    return redirect_to_next(request, other)

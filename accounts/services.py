from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Kind
from notifications.services import notify
from realtime.groups import account_group, session_group
from realtime.sender import send_on_commit
from usersessions.models import UserSession


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str,
    timezone: str = "UTC",
    display_name: str = "",
    language: str = "",
) -> User:
    """Create an account and greet its owner; the caller has validated the input."""
    user = User(
        username=username,
        email=email,
        timezone=timezone,
        display_name=display_name,
        language=language if language in dict(settings.LANGUAGES) else "",
    )
    user.set_password(password)
    user.save()
    notify(
        users=[user],
        kind=Kind.WELCOME,
        text=lambda: _("Welcome to Cohort! Tell other learners about yourself on your profile."),
        url=reverse("profile_edit"),
    )
    return user


def user_password_changed(*, user: User) -> None:
    notify(
        users=[user],
        kind=Kind.PASSWORD_CHANGED,
        text=lambda: _("Your password was changed. If this was not you, change it again now."),
        url=reverse("password_change"),
    )


def user_sessions_end(*, user: User, keep_session_key: str | None = None) -> None:
    """End every session of the user but the one kept, and close their sockets at once.

    The sockets, on any process, hear it on the account's group (code 4401); those opened with
    the kept session stay open.
    """
    sessions = UserSession.objects.filter(user_id=user.pk)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    sessions.delete()
    event = {
        "type": "account.sessions_ended",
        "keep": session_group(keep_session_key) if keep_session_key else None,
    }
    send_on_commit(account_group(user.pk), event)


def session_rekeyed(*, old_key: str, new_key: str) -> None:
    """Tell the sockets of a session that its key changed (a kept session after a password
    change), so that logging out of it later still closes them."""
    if old_key and new_key and old_key != new_key:
        event = {"type": "session.rekeyed", "group": session_group(new_key)}
        send_on_commit(session_group(old_key), event)


def user_language_set(*, user: User, language: str) -> bool:
    """Remember the user's language; return False (and change nothing) for one we do not speak."""
    if language not in dict(settings.LANGUAGES):
        return False
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return True

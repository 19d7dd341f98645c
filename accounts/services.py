from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Kind
from notifications.services import notify


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str,
    timezone: str = "UTC",
    display_name: str = "",
) -> User:
    """Create an account and greet its owner; the caller has validated the input."""
    user = User(username=username, email=email, timezone=timezone, display_name=display_name)
    user.set_password(password)
    user.save()
    notify(
        users=[user],
        kind=Kind.WELCOME,
        text=_("Welcome to Cohort! Tell other learners about yourself on your profile."),
        url=reverse("profile_edit"),
    )
    return user


def user_password_changed(*, user: User) -> None:
    notify(
        users=[user],
        kind=Kind.PASSWORD_CHANGED,
        text=_("Your password was changed. If this was not you, change it again now."),
        url=reverse("password_change"),
    )

"""Why a messaging action was refused; `code` is the error frame code of docs/protocol.md."""

from django.utils.translation import gettext_lazy as _

from config.errors import RateLimited, RuleBroken


class MessagingError(RuleBroken):
    message = _("You may not do this.")


class RecipientNotFound(MessagingError):
    code = "not_found"
    message = _("No such user.")


class RecipientUnavailable(MessagingError):
    """The other side blocked or is blocked, or left: never say which."""

    code = "unavailable"
    message = _("This person is unavailable.")


class CannotMessageSelf(MessagingError):
    message = _("You cannot message yourself.")


class InvalidMessage(MessagingError):
    code = "invalid"


class MessageNotFound(MessagingError):
    code = "not_found"
    message = _("No such message.")


class TooManyMessages(RateLimited, MessagingError):
    message = _("You are sending messages too fast.")

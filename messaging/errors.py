"""Why a messaging action was refused; `code` is the error frame code of docs/protocol.md."""

from django.utils.translation import gettext_lazy as _


class MessagingError(Exception):
    code = "forbidden"
    detail = _("You may not do this.")

    def __init__(self, detail=None):
        if detail is not None:
            self.detail = detail
        super().__init__(str(self.detail))


class RecipientNotFound(MessagingError):
    code = "not_found"
    detail = _("No such user.")


class RecipientUnavailable(MessagingError):
    """The other side blocked or is blocked, or left: never say which."""

    code = "unavailable"
    detail = _("This person is unavailable.")


class CannotMessageSelf(MessagingError):
    code = "forbidden"
    detail = _("You cannot message yourself.")


class InvalidMessage(MessagingError):
    code = "invalid"


class MessageNotFound(MessagingError):
    code = "not_found"
    detail = _("No such message.")


class RateLimited(MessagingError):
    code = "rate_limited"
    detail = _("You are sending messages too fast.")

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__()

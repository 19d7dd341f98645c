from django.utils.translation import gettext_lazy as _

from config.errors import RateLimited, RuleBroken


class ChatError(RuleBroken):
    """A chat rule the request breaks; `code` names it in error frames, the message is shown."""

    code = "forbidden"


class NotAllowed(ChatError):
    message = _("You are not allowed to do that.")


class RoomLimitReached(ChatError):
    code = "room_limit"
    message = _("A study has at most three open rooms; close one first.")


class CategoryTaken(ChatError):
    code = "category_taken"
    message = _("This study already has an open room for that category.")


class RoomClosed(ChatError):
    code = "room_closed"
    message = _("This room is closed.")


class MessageNotFound(ChatError):
    code = "not_found"
    message = _("No such message.")


class BadBody(ChatError):
    code = "bad_body"
    message = _("A message is 1 to 4000 characters long.")


class TooManyMessages(RateLimited, ChatError):
    def __init__(self, retry_after: float):
        super().__init__(
            retry_after, _("Too many messages; retry in %(seconds)s s.") % {"seconds": retry_after}
        )

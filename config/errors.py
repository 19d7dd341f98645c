"""The one tree of user-facing rule errors.

A `RuleBroken` names a rule of the product that a request breaks. `code` is its error frame code
(docs/protocol.md); `message` is shown to the user as is (pages show it as a form error or a
message, sockets send it as the frame's `detail`). Each app subclasses it once (StudyError,
BoardError, ChatError, MessagingError, CallError) and names its rules below that.
"""

from django.utils.translation import gettext_lazy as _


class RuleBroken(Exception):
    code = "forbidden"
    message = _("This cannot be done.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        self.message = message or self.message


class RateLimited(RuleBroken):
    """Too many actions in a while; `retry_after` says in how many seconds one is admitted."""

    code = "rate_limited"
    message = _("Too many requests; try again later.")

    def __init__(self, retry_after: float, message=None):
        super().__init__(message)
        self.retry_after = retry_after

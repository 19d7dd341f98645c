from django.utils.translation import gettext_lazy as _

from config.errors import RuleBroken


class CallError(RuleBroken):
    """A call rule the request breaks."""


class CallFull(CallError):
    message = _("The call is full.")


class NotInCall(CallError):
    message = _("You are not a member of this study.")

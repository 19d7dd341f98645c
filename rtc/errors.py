from django.utils.translation import gettext_lazy as _


class CallError(Exception):
    message = _("This cannot be done.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        self.message = message or self.message


class CallFull(CallError):
    message = _("The call is full.")


class NotInCall(CallError):
    message = _("You are not a member of this study.")

from django.utils.translation import gettext_lazy as _


class RuleBroken(Exception):
    """A rule of the product the request breaks; `message` is shown to the user as is.

    Each app subclasses it once (StudyError, BoardError, ChatError) and names its rules below.
    """

    message = _("This cannot be done.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        self.message = message or self.message

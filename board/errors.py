from django.utils.translation import gettext_lazy as _


class BoardError(Exception):
    """A board rule the request breaks; its message is shown to the user as is."""

    message = _("This cannot be done.")

    def __init__(self, message=None):
        super().__init__(message or self.message)
        self.message = message or self.message


class NotAllowed(BoardError):
    message = _("You are not allowed to do that.")


class NotAMember(BoardError):
    message = _("The assignee must be a member of this study.")


class TooManyFiles(BoardError):
    message = _("A post can have at most %(limit)d files.")


class FileTooLarge(BoardError):
    message = _("A file may be at most %(limit)s.")

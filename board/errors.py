from django.utils.translation import gettext_lazy as _

from config.errors import RuleBroken


class BoardError(RuleBroken):
    """A board rule the request breaks; its message is shown to the user as is."""


class NotAllowed(BoardError):
    message = _("You are not allowed to do that.")


class NotAMember(BoardError):
    message = _("The assignee must be a member of this study.")


class TooManyFiles(BoardError):
    message = _("A post can have at most %(limit)d files.")


class FileTooLarge(BoardError):
    message = _("A file may be at most %(limit)s.")

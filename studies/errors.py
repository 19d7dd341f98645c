from django.utils.translation import gettext_lazy as _

from config.errors import RuleBroken


class StudyError(RuleBroken):
    """A study rule the request breaks; its message is shown to the user as is."""


class NotAllowed(StudyError):
    message = _("You are not allowed to do that.")


class RecruitmentClosed(StudyError):
    message = _("This study is not recruiting.")


class StudyFull(StudyError):
    message = _("This study has no free seats.")


class AlreadyMember(StudyError):
    message = _("You are already a member of this study.")


class AlreadyRequested(StudyError):
    message = _("You have already asked to join this study.")


class RequestNotPending(StudyError):
    message = _("This request has already been decided.")


class BadTransition(StudyError):
    message = _("The study cannot move to that status now.")


class AlreadyReviewed(StudyError):
    message = _("You have already reviewed this member in this study.")


class ReviewsClosed(StudyError):
    message = _("Members can review each other once the study is in progress.")

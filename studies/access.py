"""The one member gate of study-scoped pages: members of the study only (or its owner only)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from studies.models import Study
from studies.selectors import Access, study_access_and_heading


def _member_access(user, study_id: int, owner: bool) -> tuple[Access, Study]:
    access, heading = study_access_and_heading(study_id=study_id, user_id=user.pk)
    if access is Access.NO_STUDY:
        raise Http404("No such study.")
    if not (access.is_owner if owner else access.is_member):
        raise PermissionDenied("Only members of this study may do this.")
    return access, heading


def member_access(user, study_id: int, *, owner: bool = False) -> Access:
    """Return what a logged-in user is to the study: a member (or, with `owner`, its owner).

    Raise Http404 when there is no such study and PermissionDenied for anyone else.
    """
    return _member_access(user, study_id, owner)[0]


def members_only(view=None, *, owner: bool = False):
    """Serve a view routed by `study_id` to the study's members (or its owner) only.

    Anonymous users log in first, unknown studies are 404, everyone else 403. The view
    receives the user's `access` (MEMBER or OWNER) as a keyword argument, and finds the
    study's heading (id, title and owner id only) as `request.study_heading`: the same query.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, study_id: int, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access, request.study_heading = _member_access(request.user, study_id, owner)
            return view(request, study_id, *args, access=access, **kwargs)

        return wrapped

    return decorate if view is None else decorate(view)

"""The one permission check of every board view: members of the study only."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from studies.selectors import Access, study_access


def members_only(view):
    """Serve study members only: anonymous users log in first, unknown studies are 404,
    outsiders 403. The view receives the member's `access` (MEMBER or OWNER)."""

    @wraps(view)
    def wrapped(request, study_id: int, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        access = study_access(study_id=study_id, user_id=request.user.pk)
        if access is Access.NO_STUDY:
            raise Http404("No such study.")
        if not access.is_member:
            raise PermissionDenied("Only members of this study may open its board.")
        return view(request, study_id, *args, access=access, **kwargs)

    return wrapped

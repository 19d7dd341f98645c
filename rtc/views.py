from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rtc.ice import ice_config_for
from studies.models import Study
from studies.selectors import Access, study_access


def _member_study_or_error(request, study_id: int) -> None:
    access = study_access(study_id=study_id, user_id=request.user.pk)
    if access is Access.NO_STUDY:
        raise Http404
    if not access.is_member:
        raise PermissionDenied


@login_required
@require_GET
def call_page(request, study_id: int):
    _member_study_or_error(request, study_id)
    study = get_object_or_404(Study, pk=study_id)
    return render(request, "rtc/call.html", {"study": study})


@never_cache
@require_GET
def ice_servers(request, study_id: int):
    """Return fresh ICE servers (new TURN credentials) for a member renewing them mid-call."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "not_logged_in"}, status=401)
    _member_study_or_error(request, study_id)
    return JsonResponse(ice_config_for(request.user.pk))

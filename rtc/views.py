from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rtc.ice import ice_config_for
from studies.access import member_access, members_only
from studies.models import Study
from studies.selectors import Access


@require_GET
@members_only
def call_page(request, study_id: int, *, access: Access):
    study = get_object_or_404(Study, pk=study_id)
    return render(request, "rtc/call.html", {"study": study})


@never_cache
@require_GET
def ice_servers(request, study_id: int):
    """Return fresh ICE servers (new TURN credentials) for a member renewing them mid-call."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "not_logged_in"}, status=401)
    member_access(request.user, study_id)
    return JsonResponse(ice_config_for(request.user.pk))

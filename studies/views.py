from django.shortcuts import get_object_or_404, render

from studies.models import Study


def study_detail(request, study_id: int):
    study = get_object_or_404(Study.objects.select_related("owner"), pk=study_id)
    return render(request, "studies/detail.html", {"study": study})

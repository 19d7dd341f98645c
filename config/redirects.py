from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_to_next(request, fallback):
    """Redirect to the form's `next` when it is a URL of this site, else to `fallback`.

    `fallback` is what django.shortcuts.redirect() takes: a model, a view name or a URL.
    """
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)

"""A middleware and a view that record the thread they run on (tests/config/test_http.py)."""

import threading

from django.http import HttpResponse
from django.urls import path

seen: list[tuple[str, int]] = []


class RecordThread:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seen.append(("middleware", threading.get_ident()))
        return self.get_response(request)


def view(request):
    seen.append(("view", threading.get_ident()))
    return HttpResponse("ok")


# Two requests in the view at once: each waits for the other (tests/config/test_http.py).
together = threading.Barrier(2, timeout=5)


def meet(request):
    seen.append(("view", threading.get_ident()))
    together.wait()
    return HttpResponse("ok")


# A view that holds its thread until released (tests/config/test_http.py).
holding = threading.Event()
release = threading.Event()


def hold(request):
    seen.append(("view", threading.get_ident()))
    holding.set()
    release.wait(timeout=10)
    return HttpResponse("held")


urlpatterns = [path("probe/", view), path("meet/", meet), path("hold/", hold)]

import math

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from accounts.backends import USER_BACKEND
from accounts.forms import ProfileForm, SignUpForm
from accounts.models import User
from accounts.services import (
    session_rekeyed,
    user_create,
    user_language_set,
    user_password_changed,
)
from accounts.throttle import LoginAttempt, signup_blocked_for, wait_message

TOO_MANY_REQUESTS = 429


def _throttled(response, seconds: float):
    response.status_code = TOO_MANY_REQUESTS
    response["Retry-After"] = str(math.ceil(seconds))
    return response


class LoginView(auth_views.LoginView):
    """Django's log-in, throttled per account and per address (accounts/throttle.py).

    A refused attempt is answered with the log-in page, its wait time and HTTP 429 with
    Retry-After, to browsers and scripts alike; its password is not even checked.
    """

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        self.attempt = LoginAttempt.of(request)
        wait = self.attempt.blocked_for()
        if wait is not None:
            form = self.form_class(request, initial={"username": request.POST.get("username", "")})
            context = self.get_context_data(form=form, lockout=wait_message(wait))
            return _throttled(self.render_to_response(context), wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        self.attempt.succeeded(response)
        return response

    def form_invalid(self, form):
        if self.request.POST.get("username") and self.request.POST.get("password"):
            self.attempt.failed()
        return super().form_invalid(form)


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        wait = signup_blocked_for(request)
        if wait is not None:
            context = {"form": SignUpForm(), "lockout": wait_message(wait)}
            return _throttled(render(request, "accounts/signup.html", context), wait)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            timezone=form.cleaned_data["timezone"],
            # The language of the sign-up page: the welcome is written in it.
            language=get_language(),
        )
        login(request, user, backend=USER_BACKEND)
        return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("profile_edit")

    def form_valid(self, form):
        # This session stays logged in and its sockets open; every other session ends
        # (accounts.signals). Django then gives this session a new key.
        old_key = self.request.session.session_key
        form.user.session_kept = old_key
        response = super().form_valid(form)
        session_rekeyed(old_key=old_key, new_key=self.request.session.session_key)
        user_password_changed(user=self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response


def profile(request, username: str):
    person = get_object_or_404(User, username=username, is_active=True)
    return render(request, "accounts/profile.html", {"person": person})


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect(request.user)
    return render(request, "accounts/profile_edit.html", {"form": form})


@require_POST
def set_language(request):
    """Django's set_language (the language cookie), remembered on the profile once logged in."""
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response

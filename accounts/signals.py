from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import user_language_set, user_sessions_end
from realtime.groups import session_group
from realtime.sender import send


@receiver(user_logged_in)
def remember_first_language(sender, request, user, **kwargs):
    """Keep the language a user first logs in with (their browser's or the switcher's).

    Notifications reach users in their own language, so everyone needs one; a language chosen
    before stays, and from then on applies at every log-in (accounts.middleware).
    """
    # The language LocaleMiddleware chose for this request; none when logged in without one.
    language = getattr(request, "LANGUAGE_CODE", "")
    if not user.language and language:
        user_language_set(user=user, language=language)


@receiver(user_logged_out)
def close_sockets_of_session(sender, request, user, **kwargs):
    """Close the sockets opened with the session that is logging out, and only those."""
    session_key = request.session.session_key
    if session_key:
        send(session_group(session_key), {"type": "session.revoked"})


@receiver(post_save, sender=User)
def end_sessions_on_password_change_or_deactivation(sender, instance, created, raw, **kwargs):
    """A new password (from any place: the page, the admin, `changepassword`) or a deactivated
    account ends the user's sessions and closes their sockets.

    The password-change page keeps its own session: it names it in `instance.session_kept`.
    """
    if created or raw:
        return
    # AbstractBaseUser.save() clears `_password` only after post_save: set means "changed now".
    password_changed = getattr(instance, "_password", None) is not None
    if not instance.is_active:
        user_sessions_end(user=instance)
    elif password_changed:
        user_sessions_end(user=instance, keep_session_key=getattr(instance, "session_kept", None))

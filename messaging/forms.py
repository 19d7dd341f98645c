import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.models import BODY_MAX_LENGTH, CLIENT_ID_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Generated when the form is rendered, so a form submitted twice sends one message.
    client_id = forms.CharField(max_length=CLIENT_ID_MAX_LENGTH, widget=forms.HiddenInput)

    @classmethod
    def blank(cls) -> "MessageForm":
        return cls(initial={"client_id": uuid.uuid4().hex})

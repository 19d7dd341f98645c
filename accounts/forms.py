from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import TIMEZONE_CHOICES, User

VALID_TIMEZONES = {name for name, _label in TIMEZONE_CHOICES}


class SignUpForm(UserCreationForm):
    # Filled in by the browser (Intl API); an unknown or missing value falls back to UTC.
    timezone = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_timezone(self):
        value = self.cleaned_data.get("timezone", "")
        return value if value in VALID_TIMEZONES else "UTC"


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "bio", "timezone", "language")
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 500})}

    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)
    # The same choice as the header's switcher; left empty, the browser's language applies.
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The browser's language")), *settings.LANGUAGES],
        required=False,
    )

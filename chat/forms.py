from django import forms
from django.utils.translation import gettext_lazy as _

from chat.models import Category


class RoomOpenForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)

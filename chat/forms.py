from django import forms
from django.utils.translation import gettext_lazy as _

from chat.models import Category


class RoomOpenForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)

    def offer_only_free(self, open_categories: set[str]) -> None:
        """Offer only the categories without an open room (the service refuses the others)."""
        field = self.fields["category"]
        field.choices = [choice for choice in field.choices if choice[0] not in open_categories]

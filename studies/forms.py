import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studies.models import JoinRequest, Review, Study, Tag
from studies.selectors import Sort, StatusFilter
from studies.services import normalize_tags

TAG_LENGTH = Tag._meta.get_field("name").max_length
TAG_PATTERN = re.compile(r"^[\w][\w .+#-]*$")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class StudyForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=(TAG_LENGTH + 2) * Study.MAX_TAGS,
        help_text=_("Up to 5, separated by commas, e.g. algorithms, python."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=Study.MIN_CAPACITY,
        max_value=Study.MAX_CAPACITY,
        help_text=_("Members including you, from 2 to 50."),
    )

    class Meta:
        model = Study
        fields = (
            "title",
            "description",
            "tags",
            "start_date",
            "end_date",
            "recruitment_deadline",
            "capacity",
            "how_we_run",
        )
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "how_we_run": forms.Textarea(attrs={"rows": 4}),
            "start_date": DateInput(),
            "end_date": DateInput(),
            "recruitment_deadline": DateInput(),
        }
        help_texts = {"description": _("Markdown is supported.")}

    def clean_tags(self):
        names = normalize_tags(self.cleaned_data["tags"].split(","))
        if len(names) > Study.MAX_TAGS:
            raise forms.ValidationError(
                _("At most %(limit)d tags."), params={"limit": Study.MAX_TAGS}
            )
        for name in names:
            if len(name) > TAG_LENGTH:
                raise forms.ValidationError(
                    _("A tag has at most %(limit)d characters."), params={"limit": TAG_LENGTH}
                )
            if not TAG_PATTERN.match(name):
                raise forms.ValidationError(_("Tags use letters, digits, spaces and . + # - only."))
        return names

    def clean_recruitment_deadline(self):
        deadline = self.cleaned_data["recruitment_deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The recruitment deadline cannot be in the past."))
        return deadline

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("start_date")
        end = cleaned.get("end_date")
        deadline = cleaned.get("recruitment_deadline")
        if start and end and end < start:
            self.add_error("end_date", _("The study cannot end before it starts."))
        if start and deadline and deadline > start:
            self.add_error(
                "recruitment_deadline", _("Recruitment closes on or before the start date.")
            )
        return cleaned


class JoinRequestForm(forms.ModelForm):
    class Meta:
        model = JoinRequest
        fields = ("message",)
        widgets = {"message": forms.Textarea(attrs={"rows": 3, "maxlength": 500})}
        labels = {"message": _("A short message to the owner")}


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Study.Status.choices)


class TransferForm(forms.Form):
    user_id = forms.IntegerField(min_value=1)


class ReviewForm(forms.ModelForm):
    score = forms.TypedChoiceField(
        label=_("Score"),
        coerce=int,
        choices=[(n, str(n)) for n in range(Review.MAX_SCORE, Review.MIN_SCORE - 1, -1)],
    )

    class Meta:
        model = Review
        fields = ("score", "text")
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "maxlength": 2000})}


class ExploreForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=TAG_LENGTH)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *StatusFilter.choices],
    )
    open_seats = forms.BooleanField(label=_("Has open seats"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=Sort.choices)

    def filters(self) -> dict:
        """Return the valid filters; an invalid field is ignored rather than failing the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q", ""),
            "tag": normalize_tags([data.get("tag", "")])[0] if data.get("tag") else "",
            "status": data.get("status", ""),
            "open_seats": data.get("open_seats", False),
            "sort": data.get("sort", ""),
        }

from django import forms
from django.utils.translation import gettext_lazy as _

from board.models import Comment, Post, Task
from board.selectors import study_members


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "description", "due_date", "assignee"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, study_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Only members can be chosen; a forged id of anyone else is a form error.
        self.fields["assignee"].queryset = study_members(study_id)
        self.fields["assignee"].label_from_instance = lambda user: user.name
        self.fields["assignee"].empty_label = _("Nobody")


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12, "data-preview-source": ""})}
        help_texts = {"body": _("Markdown: **bold**, lists, links and ``` code blocks ```.")}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class AttachmentsForm(forms.Form):
    files = MultipleFileField(label=_("Attachments"))


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search posts"), max_length=200, required=False)

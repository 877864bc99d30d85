from django import forms
from django.conf import settings

from applications import decisions
from program.params import int_or_none
from program.validators import NameField

from .models import Call, Recommendation


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WebApplicationForm(forms.Form):
    name = NameField(label="Your name", max_length=200)
    email = forms.EmailField(label="Your email", max_length=320)
    resume = forms.FileField(label="Resume (PDF, DOCX, ODT, RTF or text)", required=False)

    def clean_resume(self):
        upload = self.cleaned_data.get("resume")
        if upload and upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MiB.")
        return upload


class CallForm(forms.ModelForm):
    with_template = forms.BooleanField(
        label="Start from the shipped questionnaire for this kind of call", required=False, initial=True
    )

    class Meta:
        model = Call
        fields = [
            "name",
            "slug",
            "kind",
            "cohort",
            "opens_at",
            "closes_at",
            "is_default",
            "reviewers_see_history",
            "description",
        ]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_default") and Call.objects.filter(is_default=True).exclude(pk=self.instance.pk).exists():
            self.add_error("is_default", "Another call already receives mail to the bare address.")
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The deadline must come after the opening.")
        return cleaned


class ReviewForm(forms.Form):
    """One 1–5 choice per rubric criterion (named `score_<key>`), a comment and a recommendation."""

    comment = forms.CharField(required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))
    recommendation = forms.ChoiceField(choices=[("", "—")] + list(Recommendation.choices), required=False)

    def __init__(self, *args, criteria, review=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            levels = criterion.levels or [""] * 5
            choices = [
                (str(i), f"{i} – {levels[i - 1]}" if len(levels) >= i and levels[i - 1] else str(i))
                for i in range(1, 6)
            ]
            field = forms.TypedChoiceField(
                label=criterion.name,
                help_text=criterion.description,
                choices=choices,
                coerce=int,
                required=False,
                widget=forms.RadioSelect(attrs={"data-weight": str(criterion.weight)}),
            )
            if review and criterion.key in review.scores:
                field.initial = str(review.scores[criterion.key])
            self.fields[f"score_{criterion.key}"] = field
        if review:
            self.fields["comment"].initial = review.comment
            self.fields["recommendation"].initial = review.recommendation

    def scores(self) -> dict[str, int]:
        return {
            c.key: self.cleaned_data[f"score_{c.key}"] for c in self.criteria if self.cleaned_data.get(f"score_{c.key}")
        }

    def score_fields(self):
        return [(c, self[f"score_{c.key}"]) for c in self.criteria]


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label="Why (seen only by organizers)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    reviewers_per_application = forms.IntegerField(min_value=1, max_value=10, initial=3)


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(choices=decisions.ACTIONS, error_messages={"required": "Choose an action."})
    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], label="Applications", error_messages={"required": "Tick at least one application."}
    )
    note = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id may be posted; the view limits them to the call's applications.
        self.fields["ids"].valid_value = lambda value: int_or_none(str(value)) is not None


class SlotsForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="First slot starts", widget=forms.TimeInput(attrs={"type": "time"}))
    count = forms.IntegerField(label="Number of slots", min_value=1, max_value=16, initial=4)
    minutes = forms.IntegerField(min_value=15, max_value=180, initial=45)
    gap = forms.IntegerField(label="Minutes between slots", min_value=0, max_value=120, initial=15)


class ScorecardForm(forms.Form):
    no_show = forms.BooleanField(label="The applicant did not come", required=False)
    score = forms.TypedChoiceField(
        choices=[(str(i), str(i)) for i in range(1, 6)], coerce=int, required=False, widget=forms.RadioSelect
    )
    recommendation = forms.ChoiceField(choices=[("", "—")] + list(Recommendation.choices), required=False)
    notes = forms.CharField(required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))


class DraftForm(forms.Form):
    """An organizer's rewrite of a drafted email (subject and text)."""

    subject = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 16}), max_length=50_000, label="Text")

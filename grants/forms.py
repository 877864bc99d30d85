from django import forms
from django.conf import settings

from applications.intake.documents import classify
from grants.payments.currencies import currency_choices
from program.validators import NameField


class CurrencyField(forms.ChoiceField):
    """An ISO 4217 code from the list ("gbp" is read as GBP)."""

    def __init__(self, **kwargs):
        super().__init__(choices=currency_choices, **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300)


class BatchPaidForm(forms.Form):
    reference = forms.CharField(label="Bank reference", max_length=200)


class AcceptForm(forms.Form):
    full_name = forms.CharField(label="Type your full name to accept the grant", max_length=200)


class PayoutForm(forms.Form):
    method_label = forms.CharField(max_length=100)
    reference = forms.CharField(max_length=100, required=False)
    last4 = forms.RegexField(
        regex=r"^\d{4}$", required=False, label="Last four digits", error_messages={"invalid": "Exactly four digits."}
    )
    tax_form_status = forms.ChoiceField(
        choices=[("missing", "Missing"), ("received", "Received"), ("verified", "Verified")]
    )
    tax_form = forms.FileField(required=False, label="Tax form (PDF)")

    def clean_tax_form(self):
        """A tax form is a PDF (checked by its structure, not its name), at most UPLOAD_MAX_BYTES."""
        upload = self.cleaned_data.get("tax_form")
        if upload:
            if upload.size > settings.UPLOAD_MAX_BYTES:
                raise forms.ValidationError(f"Upload the tax form as a PDF of {_mib()} MiB at most.")
            data = upload.read()
            upload.seek(0)
            kind = classify(data)
            if not kind.is_document or kind.content_type != "application/pdf":
                raise forms.ValidationError(
                    f"Upload the tax form as a PDF ({kind.detail or 'this file is not a PDF'})."
                    if kind.detail
                    else "Upload the tax form as a PDF: this file is not one."
                )
        return upload


def _mib() -> int:
    return settings.UPLOAD_MAX_BYTES // (1024 * 1024)


class CheckInForm(forms.Form):
    studied = forms.CharField(
        label="What did you study this month?", max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    papers = forms.CharField(
        label="Which papers did you replicate, and how far did you get?",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    plans = forms.CharField(
        label="Your plans for next month", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(
        label="Where are you now?",
        choices=[
            ("ai_safety_job", "AI-safety job"),
            ("other_job", "Applied and took another job"),
            ("extension", "Extension"),
            ("further_study", "Further study"),
            ("unknown", "Unknown / other"),
        ],
    )
    organisation = forms.CharField(required=False, max_length=200)
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class TALetterForm(forms.Form):
    daily_rate = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2)
    currency = CurrencyField(initial="USD")


class NewGrantForm(forms.Form):
    """A grant made directly (not from an application): for someone Runway may not know yet."""

    email = forms.EmailField(label="Grantee's email", max_length=320)
    full_name = NameField(label="Grantee's name", max_length=200, required=False)
    monthly_stipend = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2)
    currency = CurrencyField(initial="USD")
    months = forms.IntegerField(min_value=1, max_value=24, initial=3)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    study_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10_000)


class ExtensionForm(forms.Form):
    """Another stretch of the same grant: a new proposal linked to its parent."""

    months = forms.IntegerField(min_value=1, max_value=24, initial=3)
    monthly_stipend = forms.DecimalField(
        min_value=0, max_digits=10, decimal_places=2, required=False, help_text="Empty: the same as now."
    )
    note = forms.CharField(label="What the extension is for", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

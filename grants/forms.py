from django import forms
from django.conf import settings

from applications.intake.documents import classify
from grants.models import PayoutMethod
from grants.payments.currencies import currency_choices
from grants.payments.payouts import DetailsRefused, clean_iban
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


class CurrencyForm(forms.Form):
    currency = CurrencyField(label="Currency")


class StatementForm(forms.Form):
    statement = forms.FileField(label="Bank statement (camt.053 XML or Wise CSV)")


class AcceptForm(forms.Form):
    full_name = forms.CharField(label="Type your full name to accept the grant", max_length=200)


class BankDetailsForm(forms.Form):
    """How the grantee is paid. IBAN and BIC are checked with schwifty; fields not needed by the method
    chosen are ignored."""

    method = forms.ChoiceField(choices=PayoutMethod.choices, widget=forms.RadioSelect, label="How should we pay you?")
    holder = forms.CharField(max_length=140, required=False, label="Account holder (as the bank knows them)")
    iban = forms.CharField(max_length=42, required=False, label="IBAN")
    bic = forms.CharField(max_length=11, required=False, label="BIC", help_text="Only where your bank needs it.")
    wise_email = forms.EmailField(required=False, label="Email of your Wise account")
    account_number = forms.CharField(
        max_length=34, required=False, label="Account number (Wise, outside IBAN countries)"
    )
    routing_number = forms.CharField(max_length=12, required=False, label="Routing number (ABA, for USD accounts)")
    method_label = forms.CharField(max_length=100, required=False, label="Other method: what it is")
    reference = forms.CharField(max_length=100, required=False, label="Payee reference")

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:  # another method is recorded by the payments team, not chosen by the grantee
            self.fields["method"].choices = [c for c in PayoutMethod.choices if c[0] != PayoutMethod.OTHER]
            del self.fields["method_label"], self.fields["reference"]

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method == PayoutMethod.IBAN or (method == PayoutMethod.WISE and data.get("iban")):
            try:
                data["iban"], data["bic"] = clean_iban(data.get("iban", ""), data.get("bic", ""))
            except DetailsRefused as exc:
                self.add_error("bic" if "BIC" in str(exc) and data.get("iban") else "iban", str(exc))
        if method == PayoutMethod.IBAN and not data.get("holder"):
            self.add_error("holder", "Give the account holder's name as the bank knows it.")
        if method == PayoutMethod.WISE and not (
            data.get("wise_email") or data.get("iban") or data.get("account_number")
        ):
            self.add_error("wise_email", "Give the email of your Wise account, or your account details.")
        if method == PayoutMethod.OTHER and not data.get("method_label"):
            self.add_error("method_label", "Say which method it is.")
        return data


class TaxFormForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, label="Calendar year")
    kind = forms.ChoiceField(choices=[("W-8BEN", "W-8BEN"), ("W-9", "W-9"), ("other", "Other tax form")])
    tax_form = forms.FileField(label="Tax form (PDF)")

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

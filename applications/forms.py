from django import forms
from django.conf import settings

from .models import Call


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WebApplicationForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=200)
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
        fields = ["name", "slug", "kind", "cohort", "opens_at", "closes_at", "is_default", "description"]
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

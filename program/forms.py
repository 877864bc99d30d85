import zoneinfo

from django import forms

from .models import User


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        label="Time zone",
        help_text="Interview invitations and schedules are shown in this zone.",
        choices=[(z, z) for z in sorted(zoneinfo.available_timezones())],
    )

    class Meta:
        model = User
        fields = ["full_name", "timezone"]

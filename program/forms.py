import zoneinfo

from django import forms

from .models import Room, Session, User
from .validators import HttpURLField


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        label="Time zone",
        help_text="Interview invitations and schedules are shown in this zone.",
        choices=[(z, z) for z in sorted(zoneinfo.available_timezones())],
    )

    class Meta:
        model = User
        fields = ["full_name", "timezone"]


class SessionForm(forms.Form):
    """Add a session to a program day (the week board)."""

    kind = forms.ChoiceField(choices=Session.Kind.choices)
    title = forms.CharField(max_length=200)
    starts = forms.TimeField()
    ends = forms.TimeField()
    speaker = forms.ModelChoiceField(queryset=User.objects.all(), required=False)
    room = forms.ModelChoiceField(queryset=Room.objects.all(), required=False)
    link = HttpURLField(max_length=200, required=False)

    def error_sentence(self) -> str:
        return " ".join(
            f"{self.fields[name].label or name.title()}: {' '.join(errors)}" for name, errors in self.errors.items()
        )

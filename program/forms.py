import zoneinfo

from django import forms

from .models import Room, Session, User
from .validators import HttpURLField, NameField


class ProfileForm(forms.ModelForm):
    full_name = NameField(label="Full name", max_length=200, required=False)
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


def errors_sentence(form: forms.Form) -> str:
    """What is wrong with a form, in one line a person can act on: "Note: Ensure this value has at most
    2000 characters (it has 2001)." """
    parts = []
    for name, errors in form.errors.items():
        label = "" if name == "__all__" else f"{form.fields[name].label or name.replace('_', ' ').capitalize()}: "
        parts.append(label + " ".join(str(e) for e in errors))
    return " ".join(parts)

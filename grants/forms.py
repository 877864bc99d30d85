from django import forms


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300)


class BatchPaidForm(forms.Form):
    reference = forms.CharField(label="Bank reference", max_length=200)


class AcceptForm(forms.Form):
    full_name = forms.CharField(label="Type your full name to accept the grant", max_length=200)

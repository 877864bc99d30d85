from django import forms


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

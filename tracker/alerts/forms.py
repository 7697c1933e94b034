from django import forms

from tracker.alert_models import Frequency


class FollowForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)
    frequency = forms.ChoiceField(
        label="Other new and corrected events", choices=Frequency.choices, initial=Frequency.HOURLY
    )

    def clean_email(self):
        # One subscription per address and story, whatever the capitals.
        return self.cleaned_data["email"].strip().lower()

"""The form that asks for an annual report."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import report_years, validate_year


class GenerateReportForm(forms.Form):
    # A number shown as a list of the possible years: a year outside it gets validate_year's message.
    year = forms.IntegerField(label=_("Year"), widget=forms.Select)

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.alliance = alliance
        years = list(reversed(report_years(alliance)))
        self.fields["year"].widget.choices = [(year, str(year)) for year in years]
        # The usual report is last year's, asked for early in the new year.
        last_year = timezone.localdate().year - 1
        self.fields["year"].initial = last_year if last_year in years else (years[0] if years else None)

    def clean_year(self):
        try:
            return validate_year(self.alliance, self.cleaned_data["year"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["year"]) from exc

"""Forms of programs, program versions and periods. The rules are in services/programs.py; the help texts here
say what each parameter's default is and what the alternative means."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Period, PeriodKind, Program, ProgramKind, ProgramVersion
from ..services.programs import MAX_PAYERS, VERSION_FIELDS, normalise_funding_shares


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


HELP_TEXTS = {
    "effective_from": _(
        "The rules apply to periods starting on or after this day, until the next version takes effect. Claims "
        "already submitted keep the version they were submitted under."
    ),
    "policy_reference": _("The policy document these rules come from (name and number), for the record."),
    "unit": _(
        "How the rate is counted: per post per semester (internship post subsidy, the default of that kind), per "
        "person (order classes, training bases), per person per month (with a most number of months), or one-time "
        "(awards)."
    ),
    "rate": _(
        "The amount in CNY per unit. Defaults from the 淄博 measures: 300 per post per semester, 10,000 per "
        "graduate, 650 per trainee, 1,000,000 per national quality specialty."
    ),
    "secondary_rate": _(
        "Quality specialty awards only: the amount for a provincial-level specialty (default 500,000); the rate "
        "above is for a national one."
    ),
    "max_months": _("Per person per month only: the most months paid. Leave empty for no limit."),
    "min_duration_days": _(
        "Default 30 days, both ends counted: shorter internships are not eligible. Raise it to require longer "
        "placements (the regulation expects about six months)."
    ),
    "min_age": _(
        "Default 16 (职业学校学生实习管理规定: no interns under 16), on the start date, from the birth date in the "
        "resident ID number."
    ),
    "max_intern_share": _(
        "Default 10 %: interns may be at most this share of the enterprise's employees (职业学校学生实习管理规定)."
    ),
    "min_host_share": _(
        "Default 2 % (淄博 measures): an enterprise above designated size (规模以上) hosts interns for at least "
        "this share of its employees. What missing it means is set below."
    ),
    "cap_per_enterprise": _(
        "Leave empty for no cap (the default). Otherwise an enterprise receives at most this amount per period."
    ),
    "budget": _(
        "Leave empty for no budget limit (the default). Otherwise a calculation run's total may not exceed it; "
        "what happens then is set below."
    ),
    "over_budget_policy": _(
        "Default: reduce every enterprise's amount in the same proportion so that the total equals the budget. "
        "Alternative: refuse the run until the budget is raised."
    ),
    "duplicate_student_policy": _(
        "Default: flag both — every claim naming the student gets a warning and the reviewers decide. "
        "Alternative: the first submitted claim keeps the student; on later claims that line is an error."
    ),
    "intern_cap_policy": _(
        "Default: only the lines above the limit (in line order) are errors; the others stay payable. "
        "Alternative: every line of the claim is an error until the claim is within the limit."
    ),
    "post_counting": _(
        "Default: each intern is a post. Alternative: each distinct post name on a claim is one post, however "
        "many interns hold it."
    ),
    "min_host_share_effect": _(
        "Default: an enterprise above designated size below the minimum share is not eligible (an error on the "
        "claim). Alternative: a warning for the reviewers only."
    ),
    "school_scope": _(
        "Default: students of every member school count. Alternative: only students of member technical schools "
        "(技工院校), the narrow reading of the measures' “municipal technical schools”."
    ),
}
FUNDING_HELP = _(
    "Who pays which share; the shares must add up to exactly 100 %. Default 市财政 50 % / 区县财政 50 %: the "
    "measures name the city and district budgets without a split."
)


class ProgramForm(forms.Form):
    """A new program: its version 1 gets the defaults of its kind (change them on the program's page)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ProgramKind.choices)
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits and hyphens, unique in the alliance, e.g. "
                                                    "internship-post."),
    )  # fmt: skip
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    effective_from = forms.DateField(
        label=_("Rules in force from"), widget=DateInput(), help_text=HELP_TEXTS["effective_from"]
    )
    policy_reference = forms.CharField(
        label=_("Policy document"), max_length=200, required=False, help_text=HELP_TEXTS["policy_reference"]
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"effective_from": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ProgramEditForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = ["name", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"is_active": _("Enterprises can start claims only under programs open for claims.")}


class ProgramVersionForm(forms.ModelForm):
    """A version's parameters and its funding split (up to four payers)."""

    class Meta:
        model = ProgramVersion
        fields = list(VERSION_FIELDS)
        widgets = {"effective_from": DateInput()}
        help_texts = HELP_TEXTS

    def __init__(self, *args, shares=None, **kwargs):
        super().__init__(*args, **kwargs)
        shares = list(shares or [])
        for number in range(1, MAX_PAYERS + 1):
            payer, percent = shares[number - 1] if number <= len(shares) else ("", None)
            self.fields[f"payer_{number}"] = forms.CharField(
                label=_("Payer %(number)d") % {"number": number}, max_length=60, required=False, initial=payer,
                help_text=FUNDING_HELP if number == 1 else "",
            )  # fmt: skip
            self.fields[f"percent_{number}"] = forms.DecimalField(
                label=_("Share of payer %(number)d (%%)") % {"number": number}, max_digits=5, decimal_places=2,
                min_value=0, max_value=100, required=False, initial=percent,
            )  # fmt: skip

    def parameter_fields(self):
        return [self[name] for name in VERSION_FIELDS]

    def share_fields(self):
        return [(self[f"payer_{n}"], self[f"percent_{n}"]) for n in range(1, MAX_PAYERS + 1)]

    def clean(self):
        data = super().clean()
        pairs = [(data.get(f"payer_{n}") or "", data.get(f"percent_{n}")) for n in range(1, MAX_PAYERS + 1)]
        try:
            data["funding_shares"] = normalise_funding_shares(pairs)
        except ValidationError as exc:
            for message in exc.messages:
                self.add_error(None, message)
        return data

    def version_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in VERSION_FIELDS}


class PeriodForm(forms.Form):
    """A period; on a new one the name and dates left empty are proposed from the academic year and semester."""

    kind = forms.ChoiceField(label=_("Kind"), choices=PeriodKind.choices, initial=PeriodKind.SEMESTER)
    academic_year = forms.IntegerField(
        label=_("Academic year starting"), min_value=2000, max_value=2100,
        help_text=_("2024 for the academic year 2024–2025."),
    )  # fmt: skip
    semester = forms.TypedChoiceField(
        label=_("Semester"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), (1, _("First semester (autumn, September – January)")),
                 (2, _("Second semester (spring, February – July)"))],
    )  # fmt: skip
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())
    claim_deadline = forms.DateField(label=_("Claim deadline"), required=False, widget=DateInput())

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("name", "starts_on", "ends_on", "claim_deadline"):
                self.fields[name].required = True
        else:
            self.fields["name"].help_text = _("Leave empty for “2024–2025学年第一学期” and the like.")
            self.fields["starts_on"].help_text = _(
                "Leave the dates empty for the usual ones: first semester 1 September – 31 January, second "
                "semester 1 February – 31 July, a year 1 September – 31 August; claims due by the end of the "
                "following month."
            )

    def clean(self):
        data = super().clean()
        if data.get("kind") == PeriodKind.SEMESTER and not data.get("semester"):
            self.add_error("semester", _("Choose the first or the second semester."))
        if data.get("kind") == PeriodKind.YEAR:
            data["semester"] = None
        return data


def period_initial(period: Period) -> dict:
    return {name: getattr(period, name) for name in PeriodForm.base_fields}

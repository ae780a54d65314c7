"""Forms of school confirmation and the secretariat's review, and the review queue's FilterSet (page and API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import Claim, ClaimStatus, LineReview, Period, Program, SchoolDecision
from ..services.review import NOTE_MAX, REASON_MAX, ClaimDecision

# Claims the secretariat sees in its queue: everything submitted at least once (drafts are the enterprise's).
QUEUE_STATUSES = [choice for choice in ClaimStatus.choices if choice[0] != ClaimStatus.DRAFT]


class ReviewQueueFilter(django_filters.FilterSet):
    # Declared once at import: the tenant querysets are scoped when the choices are read, per request.
    program = django_filters.ModelChoiceFilter(label=_("Program"), queryset=Program.objects.order_by("code"))
    period = django_filters.ModelChoiceFilter(
        label=_("Period"), queryset=Period.objects.order_by("-starts_on")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=QUEUE_STATUSES)
    q = django_filters.CharFilter(label=_("Claim number or enterprise"), method="search")

    class Meta:
        model = Claim
        fields = ["program", "period", "status"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(enterprise__name__icontains=value))


class SchoolDecisionForm(forms.Form):
    """The school's decision on the students it ticked: confirm them, or deny them with a note."""

    lines = forms.TypedMultipleChoiceField(label=_("Students"), coerce=int, choices=())
    decision = forms.ChoiceField(label=_("Decision"), choices=SchoolDecision.choices[1:])
    note = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX, required=False,
        help_text=_("Required when you deny: the enterprise and the secretariat read it."),
    )  # fmt: skip

    def __init__(self, *args, line_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [(pk, pk) for pk in line_ids]
        self.fields["lines"].error_messages["required"] = _("Tick at least one student.")

    def clean(self):
        data = super().clean()
        if data.get("decision") == SchoolDecision.DENIED and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the students are denied."))
        return data

    def decisions(self) -> dict:
        data = self.cleaned_data
        return {pk: (data["decision"], data.get("note", "")) for pk in data["lines"]}


REVIEW_CHOICES = [(value, label) for value, label in LineReview.choices if value != LineReview.PENDING]


class LineReviewForm(forms.Form):
    """One line's decision (one row of the review page), with the revision the reviewer saw."""

    review = forms.ChoiceField(label=_("Decision"), choices=REVIEW_CHOICES)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, required=False)
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def decisions(self, line_id: int) -> dict:
        data = self.cleaned_data
        return {line_id: (data["review"], data.get("reason", ""), data["revision"])}


class BulkLineReviewForm(forms.Form):
    """The same decision for the ticked lines; each line's revision comes from its hidden `revision-<id>` field."""

    lines = forms.TypedMultipleChoiceField(label=_("Lines"), coerce=int, choices=())
    review = forms.ChoiceField(label=_("Decision"), choices=REVIEW_CHOICES)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, required=False)

    def __init__(self, *args, line_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [(pk, pk) for pk in line_ids]
        self.fields["lines"].error_messages["required"] = _("Tick at least one line.")

    def clean(self):
        data = super().clean()
        revisions = {}
        for pk in data.get("lines") or []:
            try:
                revisions[pk] = int(self.data.get(f"revision-{pk}", ""))
            except ValueError:
                self.add_error("lines", _("The page is incomplete: reload it."))
                break
        data["revisions"] = revisions
        return data

    def decisions(self) -> dict:
        data = self.cleaned_data
        return {pk: (data["review"], data.get("reason", ""), data["revisions"][pk]) for pk in data["lines"]}


class ClaimDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=ClaimDecision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject the claim; the enterprise reads it."),
    )  # fmt: skip
    revision = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("decision") == ClaimDecision.REJECT and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the claim is rejected."))
        return data

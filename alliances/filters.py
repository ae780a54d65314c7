"""FilterSets shared by pages and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, AuditOutcome, Job, JobStatus


class JobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=JobStatus.choices)
    kind = django_filters.CharFilter(label=_("Kind"))

    class Meta:
        model = Job
        fields = ["status", "kind"]


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="startswith")
    actor = django_filters.CharFilter(label=_("Actor"), field_name="actor_label", lookup_expr="icontains")
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=AuditOutcome.choices)
    since = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "outcome", "since", "until"]

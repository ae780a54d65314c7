"""The member FilterSet, shared by the member list page, its export and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from .models import (
    CURRENT_MEMBER_STATUSES,
    OPEN_APPLICATION_STATUSES,
    Committee,
    CouncilRole,
    IndustrySection,
    MemberKind,
    MemberStatus,
    MemberUnit,
)

SORTS = (
    ("name", _("Name")),
    ("kind", _("Type")),
    ("member_number", _("Member number")),
    ("admitted_on", _("Admitted on")),
    ("status", _("Status")),
    ("council_role", _("Council role")),
    ("updated_at", _("Last changed")),
)


STATUS_GROUPS = {"current": CURRENT_MEMBER_STATUSES, "open": OPEN_APPLICATION_STATUSES}
STATUS_CHOICES = [
    ("current", _("Current members (all)")),
    ("open", _("Open applications (all)")),
    *MemberStatus.choices,
]


class RegionFilter(django_filters.CharFilter):
    """A province (2 digits), prefecture (4) or county (6) code: units whose division code starts with it."""

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        if not value.isdigit():
            return qs.none()
        prefix = value
        while len(prefix) > 2 and prefix.endswith("00"):  # 370000 → 37 (province), 370300 → 3703 (prefecture)
            prefix = prefix[:-2]
        return qs.filter(division_code__startswith=prefix)


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorts by the chosen fields, then by name and id: units that tie (same admission date, same status) keep one
    order, so pages never repeat or skip a unit and the page, its export and the API agree."""

    def filter(self, qs, value):
        ordered = super().filter(qs, value)
        if value in EMPTY_VALUES:
            return ordered
        return ordered.order_by(*ordered.query.order_by, "name", "pk")


class MemberUnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=MemberKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=STATUS_CHOICES, method="filter_status")
    council_role = django_filters.ChoiceFilter(label=_("Council role"), choices=CouncilRole.choices)
    # Declared once at import: the tenant queryset is scoped when the choices are read, per request.
    committee = django_filters.ModelChoiceFilter(
        label=_("Committee"), field_name="committees", queryset=Committee.objects.order_by("name")
    )
    industry = django_filters.ModelChoiceFilter(
        label=_("Industry"), field_name="industry_division__section", queryset=IndustrySection.objects.all()
    )
    industry_division = django_filters.CharFilter(label=_("Industry division code"), field_name="industry_division")
    region = RegionFilter(label=_("Region (division code)"))
    sort = StableOrderingFilter(
        label=_("Sort by"),
        fields=[(key, key) for key, _label in SORTS],
        field_labels=dict(SORTS),
    )

    class Meta:
        model = MemberUnit
        fields = ["q", "kind", "status", "council_role", "committee", "industry", "industry_division", "region"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(status__in=STATUS_GROUPS.get(value, (value,)))

    def search(self, queryset, name, value):
        # Substring search, which is what Chinese names need (no word boundaries).
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(short_name__icontains=value)
            | Q(credit_code__icontains=value)
            | Q(member_number__icontains=value)
        )

    @property
    def qs(self):
        # Committee filtering joins a many-to-many table; keep each unit once.
        queryset = super().qs
        if self.form.is_valid() and self.form.cleaned_data.get("committee"):
            queryset = queryset.distinct()
        return queryset

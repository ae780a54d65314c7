"""django-filter FilterSets shared by the pages and the API."""

from __future__ import annotations

import django_filters  # noqa: F401
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _  # noqa: F401

from members.models import MemberKind, MemberUnit

from .models import Claim, ClaimLine, ClaimStatus, Period, PeriodKind, Program, ProgramKind

# --- programs and periods (views/programs.py, api/programs.py) ---------------------------------------------


class ProgramFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ProgramKind.choices)
    is_active = django_filters.BooleanFilter(label=_("Open for claims"))
    q = django_filters.CharFilter(label=_("Name or code"), method="search")

    class Meta:
        model = Program
        fields = ["kind", "is_active"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset


class PeriodFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PeriodKind.choices)
    academic_year = django_filters.NumberFilter(label=_("Academic year starting"))

    class Meta:
        model = Period
        fields = ["kind", "academic_year"]


# --- claims (views/claims.py, api/claims.py) -------------------------------------------------------------------


class ClaimFilter(django_filters.FilterSet):
    # Declared once at import: the tenant querysets are scoped when the choices are read, per request.
    program = django_filters.ModelChoiceFilter(label=_("Program"), queryset=Program.objects.order_by("code"))
    period = django_filters.ModelChoiceFilter(
        label=_("Period"), queryset=Period.objects.order_by("-starts_on")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ClaimStatus.choices)
    enterprise = django_filters.ModelChoiceFilter(
        label=_("Enterprise"), queryset=MemberUnit.objects.filter(kind=MemberKind.ENTERPRISE).order_by("name")
    )
    has_errors = django_filters.BooleanFilter(label=_("Lines with errors"), method="filter_errors")
    q = django_filters.CharFilter(label=_("Claim number or enterprise"), method="search")

    class Meta:
        model = Claim
        fields = ["program", "period", "status", "enterprise"]

    def filter_errors(self, queryset, name, value):
        if value is None:
            return queryset
        with_errors = Exists(ClaimLine.objects.filter(claim_id=OuterRef("pk"), has_errors=True))
        return queryset.filter(with_errors) if value else queryset.exclude(with_errors)

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(enterprise__name__icontains=value))

"""django-filter FilterSets shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.forms import DateInput
from members.models import MemberKind, MemberUnit

from .models import (
    CooperationKind,
    CooperationRecord,
    CooperationStatus,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)

# --- Cooperation records (the list page and the API: events/views/cooperation.py, events/api/cooperation.py) ---


class CooperationFilter(django_filters.FilterSet):
    """Kind, status, school, enterprise, year (signed, or started when no signing date) and a text search.
    `unit` (either party) and `event` (signed at) are for links and the API; the page does not show them."""

    q = django_filters.CharFilter(label=_("Search"), method="search_cooperation")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CooperationKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CooperationStatus.choices)
    # Declared once at import: the tenant querysets are scoped when the choices are read, per request.
    school = django_filters.ModelChoiceFilter(
        label=_("School"),
        queryset=MemberUnit.objects.filter(kind__in=MemberKind.school_kinds()).order_by("name"),
    )
    enterprise = django_filters.ModelChoiceFilter(
        label=_("Enterprise"), queryset=MemberUnit.objects.filter(kind=MemberKind.ENTERPRISE).order_by("name")
    )
    year = django_filters.NumberFilter(label=_("Year"), method="filter_year", min_value=1900, max_value=2200)
    unit = django_filters.NumberFilter(label=_("Member unit (id)"), method="filter_unit")
    event = django_filters.NumberFilter(label=_("Signed at event (id)"), field_name="event")
    HIDDEN_ON_PAGE = ("unit", "event")

    class Meta:
        model = CooperationRecord
        fields = ["q", "kind", "status", "school", "enterprise", "year", "unit", "event"]

    def search_cooperation(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(class_name__icontains=value)
            | Q(school__name__icontains=value)
            | Q(enterprise__name__icontains=value)
            | Q(description__icontains=value)
        )

    def filter_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(Q(signed_on__year=year) | Q(signed_on__isnull=True, starts_on__year=year))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(Q(school_id=value) | Q(enterprise_id=value))


class OrderClassFilter(CooperationFilter):
    """Order and named classes (the API's order-class list): the cooperation filters and the graduation year."""

    graduation_year = django_filters.NumberFilter(label=_("Graduation year"), field_name="graduation_year")

    class Meta(CooperationFilter.Meta):
        fields = [*CooperationFilter.Meta.fields, "graduation_year"]


# --- Events and registrations (the list page and the API: events/views/events.py, events/api/events.py) ---


class EventFilter(django_filters.FilterSet):
    """Kind, status, the days it starts between (Asia/Shanghai), host unit and a text search."""

    q = django_filters.CharFilter(label=_("Search"), method="search_events")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=EventKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EventStatus.choices)
    starts_from = django_filters.DateFilter(
        label=_("From"), field_name="starts_at", lookup_expr="date__gte", widget=DateInput()
    )
    starts_until = django_filters.DateFilter(
        label=_("Until"), field_name="starts_at", lookup_expr="date__lte", widget=DateInput()
    )
    # Declared once at import: the tenant queryset is scoped when the choices are read, per request.
    host_unit = django_filters.ModelChoiceFilter(
        label=_("Host unit"), queryset=MemberUnit.objects.order_by("name")
    )

    class Meta:
        model = Event
        fields = ["q", "kind", "status", "starts_from", "starts_until", "host_unit"]

    def search_events(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(venue__icontains=value)
            | Q(description__icontains=value)
            | Q(host_unit__name__icontains=value)
        )


class RegistrationFilter(django_filters.FilterSet):
    """The registrations API: by event, status, member unit and the person's name."""

    event = django_filters.NumberFilter(label=_("Event (id)"), field_name="event")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RegistrationStatus.choices)
    member_unit = django_filters.NumberFilter(label=_("Member unit (id)"), field_name="member_unit")
    q = django_filters.CharFilter(label=_("Search"), field_name="person_name", lookup_expr="icontains")

    class Meta:
        model = Registration
        fields = ["event", "status", "member_unit", "q"]

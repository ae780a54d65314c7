"""The member FilterSet, shared by the member list page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Committee, CouncilRole, MemberKind, MemberStatus, MemberUnit


class MemberUnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=MemberKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MemberStatus.choices)
    council_role = django_filters.ChoiceFilter(label=_("Council role"), choices=CouncilRole.choices)
    # Declared once at import: the tenant queryset is scoped when the choices are read, per request.
    committee = django_filters.ModelChoiceFilter(
        label=_("Committee"), field_name="committees", queryset=Committee.objects.order_by("name")
    )

    class Meta:
        model = MemberUnit
        fields = ["q", "kind", "status", "council_role", "committee"]

    def search(self, queryset, name, value):
        # Substring search, which is what Chinese names need (no word boundaries).
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(credit_code__icontains=value)
        )

"""Forms and filters of the calculation-run pages (the API uses the same filters)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..calculation import RULES
from ..models import Period, Program, RunStatus


class RunFilter(django_filters.FilterSet):
    # Declared once at import: the tenant querysets are scoped when the choices are read, per request.
    program = django_filters.ModelChoiceFilter(label=_("Program"), queryset=Program.objects.order_by("code"))
    period = django_filters.ModelChoiceFilter(
        label=_("Period"), queryset=Period.objects.order_by("-starts_on")
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RunStatus.choices)


class RunLineFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    rule = django_filters.ChoiceFilter(label=_("Rule"), choices=list(RULES.items()))
    paid = django_filters.BooleanFilter(label=_("With an amount"), method="filter_paid")

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(enterprise__name__icontains=value)
            | Q(claim_line__claim__number__icontains=value)
            | Q(claim_line__student_name__icontains=value)
        )

    def filter_paid(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(amount__gt=0) if value else queryset.filter(amount=0)


class CalculateForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.order_by("code"))
    period = forms.ModelChoiceField(label=_("Period"), queryset=Period.objects.order_by("-starts_on"))


class FinaliseForm(forms.Form):
    # The calculation the user looked at: finalising is refused if the run was calculated again since.
    token = forms.UUIDField(required=False, widget=forms.HiddenInput)


class PaymentForm(forms.Form):
    payment_reference = forms.CharField(
        label=_("Payment reference"),
        max_length=100,
        help_text=_("The reference of the treasury's transfer (国库支付凭证号)."),
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))

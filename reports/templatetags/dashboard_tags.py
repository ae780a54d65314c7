"""Filters of the dashboard and bureau portal pages."""

from decimal import Decimal

from django import template

from ..charts import money

register = template.Library()


@register.filter
def cny(value) -> str:
    """An amount in CNY as 1,234,567.50 (the same digits in every language; the unit is in the heading)."""
    if value in (None, ""):
        return "—"
    return money(Decimal(str(value)))


@register.filter
def get_item(mapping, key):
    """`{{ row.members_by_kind|get_item:kind }}`: a dictionary's value, 0 when missing."""
    return mapping.get(key, 0) if mapping else 0

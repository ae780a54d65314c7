"""Filters of the dashboard and bureau portal pages."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ row.members_by_kind|get_item:kind }}`: a dictionary's value, 0 when missing."""
    return mapping.get(key, 0) if mapping else 0

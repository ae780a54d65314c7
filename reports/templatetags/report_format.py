"""Dates in the annual report as Chinese official documents write them (numbers: alliances/templatetags/numbers.py)."""

from django import template

register = template.Library()


@register.filter
def chinese_date(value):
    """"2025-12-31" → 2025年12月31日."""
    if not value:
        return ""
    year, month, day = (int(part) for part in str(value)[:10].split("-"))
    return f"{year}年{month}月{day}日"

"""Numbers in the annual report, the same in every language: 1,234 and 1,234.50 (Chinese official documents
separate thousands with commas)."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def num(value):
    """An integer with thousands separated; empty stays empty."""
    if value in (None, ""):
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def money(value):
    """An amount with two decimals and thousands separated."""
    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return value


@register.filter
def chinese_date(value):
    """"2025-12-31" → 2025年12月31日."""
    if not value:
        return ""
    year, month, day = (int(part) for part in str(value)[:10].split("-"))
    return f"{year}年{month}月{day}日"

"""Numbers for people: thousands separated, money with two decimals.

Django's automatic thousand separator is off (settings.USE_THOUSAND_SEPARATOR): with it on, every number a
template prints is grouped — ids in `value="12,748"`, revisions, years ("2,025") — and forms and htmx
requests receive text they cannot parse. Numbers meant for reading say so with these filters instead:
`{{ units|num }}` → 1,234 and `{{ amount|cny }}` → 1,234,567.50 (the same digits in Chinese and English
pages; Chinese official documents separate thousands with commas too).
"""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def num(value):
    """An integer with thousands separated (1,234); empty stays empty, text stays as it is."""
    if value in (None, ""):
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def cny(value):
    """An amount of money with two decimals and thousands separated (1,234,567.50); empty stays empty."""
    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return value

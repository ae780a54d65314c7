"""Numbers in pages: machine values (ids, revisions, years) are never grouped; numbers for readers are, on
purpose, through the `num` and `cny` filters."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.template import Context, Template
from django.utils import translation


def render(source: str, **context) -> str:
    return Template("{% load numbers %}" + source).render(Context(context))


def test_machine_values_are_never_grouped():
    # Grouped ids broke forms and htmx targets once a table passed 999 rows ("line-12,748", value="1,234").
    assert settings.USE_THOUSAND_SEPARATOR is False
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert render('<tr id="line-{{ pk }}"><input value="{{ pk }}">{{ year }}', pk=12748, year=2025) == (
                '<tr id="line-12748"><input value="12748">2025'
            )


def test_numbers_for_readers_are_grouped_and_money_has_two_decimals():
    assert render("{{ n|num }} {{ big|num }} {{ none|num }}", n=999, big=1234567, none=None) == "999 1,234,567 "
    assert render("{{ a|cny }} {{ b|cny }} {{ c|cny }}", a=Decimal("1234567.5"), b=0, c="") == "1,234,567.50 0.00 "
    assert render('{{ missing|default_if_none:"—"|cny }} {{ text|num }}', missing=None, text="—") == "— —"

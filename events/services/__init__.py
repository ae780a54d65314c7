"""Verb-named functions that change state; one module per area."""

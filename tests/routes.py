"""Walking the URLconf: every named route with its arguments and view, for the isolation and permission tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

from alliances.middleware import ALLIANCE_URL_KWARG


@dataclass(frozen=True)
class Route:
    name: str
    arguments: tuple[str, ...]
    view: object = field(compare=False, hash=False, repr=False)

    @property
    def is_tenant(self) -> bool:
        return ALLIANCE_URL_KWARG in self.arguments

    def view_actions(self) -> list[tuple[str, str | None]]:
        """(HTTP method, required action) pairs, for views that declare their action."""
        view_class = getattr(self.view, "view_class", None) or getattr(self.view, "cls", None)
        if view_class is None or not hasattr(view_class, "required_action"):
            return []
        if getattr(self.view, "actions", None):  # a DRF viewset route: one handler per method
            return [
                (method, view_class(action=handler).get_required_action())
                for method, handler in self.view.actions.items()
            ]
        methods = [m for m in ("get", "post") if hasattr(view_class, m)]
        return [(method, view_class.required_action) for method in methods]


def walk(patterns=None, namespace: str = "", inherited: tuple[str, ...] = ()):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        arguments = inherited + tuple(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            child_namespace = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, child_namespace, arguments)
        elif isinstance(entry, URLPattern):
            names = tuple(dict.fromkeys(arguments + tuple(entry.pattern.regex.groupindex)))
            if not entry.name and namespace.startswith("admin:"):
                continue  # Django admin's unnamed catch-all redirect; its named routes are walked
            assert entry.name, f"every route needs a name so it can be walked: {entry.pattern}"
            yield Route(name=f"{namespace}{entry.name}", arguments=names, view=entry.callback)


ROUTES = sorted(set(walk()), key=lambda route: route.name)

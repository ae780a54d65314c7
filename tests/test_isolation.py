"""Proof of isolation: walk every URL pattern and API route as a user of alliance A, aiming at alliance B.

Routes are found by walking the URLconf, so a route added later is covered without editing this
test. Object ids in URLs follow one convention, `<model_name>_id`, and are filled with alliance B's
rows of that model (tests/isolation_data.py makes one of each tenant-owned model). A route that
uses another kind of argument fails here until the convention (or KNOWN_ARGUMENTS) covers it.

What must hold, for GET and POST alike:
- a user of A asking for B's alliance path, or for B's objects under A's path, never gets 200/201;
- no answer to a user of A or to an anonymous visitor contains B's marker text;
- nothing of B's changes.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.authtoken.models import Token

from alliances.middleware import ALLIANCE_URL_KWARG
from alliances.permissions import Role
from alliances.tenancy import is_tenant_owned

from .factories import make_alliance, make_member, make_unit
from .isolation_data import MARKER, populate_alliance, snapshot
from .routes import ROUTES, Route

# Arguments that are not object ids, with the value to use (Django admin's and i18n's own routes).
KNOWN_ARGUMENTS = {
    "app_label": "alliances",
    "object_id": "1",
    "id": "1",
    "content_type_id": "1",
    "url": "x",
    "packages": "x",
    "token": "not-a-valid-token",
}


TENANT_MODELS_BY_ARGUMENT = {
    f"{model._meta.model_name}_id": model for model in apps.get_models() if is_tenant_owned(model)
}


def test_walk_finds_the_routes_we_know():
    names = {route.name for route in ROUTES}
    assert {"dashboard", "job-detail", "member-list", "api:job-list", "api:job-detail", "audit-log"} <= names
    assert sum(route.is_tenant for route in ROUTES) >= 10


@pytest.fixture
def world(db):
    """Alliance A with a user holding every role; alliance B full of marked data."""
    a = make_alliance("甲市职业教育集团", slug="alliance-a")
    b = make_alliance(f"乙市职业教育集团{MARKER}", slug="alliance-b")
    user_a = make_member(a, Role.SECRETARIAT_ADMIN, "all-roles-a")
    from alliances.services import grant_role

    for role in (Role.SECRETARIAT_STAFF, Role.BUREAU_OFFICIAL, Role.AUDITOR):
        grant_role(alliance=a, user=user_a, role=role)
    grant_role(alliance=a, user=user_a, role=Role.MEMBER_REPRESENTATIVE, member_unit=make_unit(a))
    objects_b = populate_alliance(b)
    return a, b, user_a, objects_b


def url_for(route: Route, alliance_slug: str, objects: dict) -> str:
    kwargs = {}
    for argument in route.arguments:
        if argument == ALLIANCE_URL_KWARG:
            kwargs[argument] = alliance_slug
        elif argument in TENANT_MODELS_BY_ARGUMENT:
            model = TENANT_MODELS_BY_ARGUMENT[argument]
            assert model in objects, f"tests/isolation_data.py makes no {model._meta.label} for {route.name}"
            kwargs[argument] = objects[model].pk
        elif argument == "user_id":
            kwargs[argument] = objects["user"].pk
        elif argument in KNOWN_ARGUMENTS:
            kwargs[argument] = KNOWN_ARGUMENTS[argument]
        else:
            pytest.fail(f"route {route.name} takes {argument!r}: name object ids <model_name>_id")
    return reverse(route.name, kwargs=kwargs)


def assert_no_leak(response, url: str, method: str):
    body = b"" if getattr(response, "streaming", False) else response.content
    assert MARKER.encode() not in body, f"{method} {url} shows alliance B's data"


def assert_refused_as(client, route, world, **headers):
    a, b, user_a, objects_b = world
    has_object_of_b = any(arg in TENANT_MODELS_BY_ARGUMENT for arg in route.arguments)
    for slug in (b.slug, a.slug):
        url = url_for(route, slug, objects_b)
        for method in ("get", "post"):
            response = getattr(client, method)(url, **headers)
            assert_no_leak(response, url, method)
            if slug == b.slug or has_object_of_b:
                assert response.status_code in (403, 404, 405), (
                    f"{method} {url} answered {response.status_code}"
                )


def is_public(route) -> bool:
    return getattr(route.view, "public_alliance_view", False)


def public_facts(alliance) -> list[str]:
    """What an alliance publishes on its public pages: its name and its adopted charter."""
    from alliances.governance import CharterArticle
    from alliances.tenancy import unscoped

    with unscoped("isolation test: the public facts of an alliance"):
        articles = CharterArticle.objects.filter(alliance=alliance, charter__status="adopted")
        texts = [alliance.name, alliance.short_name]
        for article in articles:
            texts += [article.text, article.chapter_title, article.charter.title]
    return sorted(set(texts), key=len, reverse=True)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.is_tenant and is_public(r)], ids=lambda r: r.name)
def test_public_route_shows_only_what_the_alliance_publishes(route, world, client):
    """Public pages (the online application) answer anyone, but show nothing of B beyond its public facts."""
    a, b, user_a, objects_b = world
    before = snapshot(b)
    url = url_for(route, b.slug, objects_b)
    published = public_facts(b)
    for login in (True, False):
        if login:
            client.force_login(user_a)
        else:
            client.logout()
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            body = response.content.decode()
            for text in published:
                body = body.replace(text, "")
            assert MARKER not in body, f"{method} {url} shows alliance B's data"
    assert snapshot(b) == before, f"{route.name} changed alliance B's data"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.is_tenant and not is_public(r)], ids=lambda r: r.name)
def test_tenant_route_refuses_other_alliance(route, world, client):
    a, b, user_a, objects_b = world
    before = snapshot(b)
    client.force_login(user_a)
    assert_refused_as(client, route, world)
    client.logout()
    if route.name.startswith("api:"):  # the same through an API token, which middleware never sees
        token = Token.objects.create(user=user_a)
        assert_refused_as(client, route, world, HTTP_AUTHORIZATION=f"Token {token.key}")
    for method in ("get", "post"):
        url = url_for(route, b.slug, objects_b)
        response = getattr(client, method)(url)
        assert_no_leak(response, url, method)
        assert response.status_code not in (200, 201), (
            f"anonymous {method} {url} answered {response.status_code}"
        )
    assert snapshot(b) == before, f"{route.name} changed alliance B's data"


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.is_tenant], ids=lambda r: r.name)
def test_global_route_shows_nothing_of_other_alliance(route, world, client):
    a, b, user_a, objects_b = world
    before = snapshot(b)
    url = url_for(route, b.slug, objects_b)
    for login in (True, False):
        if login:
            client.force_login(user_a)
        else:
            client.logout()
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert_no_leak(response, url, method)
    assert snapshot(b) == before, f"{route.name} changed alliance B's data"


def test_calendar_feed_token_of_b_opens_nothing_under_a(world, client):
    """The public feed route takes a key: B's real token under A's address answers 404 and shows nothing of B,
    logged in as A's user or not (the walk above only tries a token that matches nothing)."""
    from events.models import CalendarFeed

    a, b, user_a, objects_b = world
    token = objects_b[CalendarFeed].token
    url = reverse("calendar-feed", kwargs={"alliance_slug": a.slug, "token": token})
    for login in (False, True):
        if login:
            client.force_login(user_a)
        response = client.get(url)
        assert response.status_code == 404 and MARKER.encode() not in response.content
    own = reverse("calendar-feed", kwargs={"alliance_slug": b.slug, "token": token})
    assert client.get(own).status_code == 200  # the token works where it belongs, and nowhere else

"""Pages marked public_alliance_view open without login, still inside the alliance's scope."""

import pytest

from .factories import make_alliance, make_unit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.public_urls")]


def test_public_page_is_scoped_to_its_alliance(client):
    a, b = make_alliance(slug="open-a"), make_alliance(slug="open-b")
    make_unit(a)
    for _ in range(3):
        make_unit(b)
    assert client.get("/a/open-a/public-count/").content == b"1"
    assert client.get("/a/open-b/public-count/").content == b"3"


def test_public_page_of_unknown_or_inactive_alliance_is_404(client):
    make_alliance(slug="closed", status="suspended")
    assert client.get("/a/closed/public-count/").status_code == 404
    assert client.get("/a/nowhere/public-count/").status_code == 404


def test_other_pages_still_need_login(client):
    make_alliance(slug="open-c")
    response = client.get("/a/open-c/")
    assert response.status_code == 302 and "/accounts/login/" in response.url

"""The bureau portal (/bureau/) and its API (/api/v1/bureau/summary/): the alliances an official oversees side by
side, figures equal to the annual report's, a constant number of queries, no personal data, nothing of alliances
outside the official's grants, 404 for everyone else."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from alliances.permissions import Role
from alliances.services import grant_role
from alliances.tenancy import scope
from members.models import (
    Contact,
    MemberKind,
    MemberUnit,
)
from reports import figures
from reports.summary import summarise

from . import dashboard_data as d
from .factories import make_alliance, make_member

pytestmark = pytest.mark.django_db

PORTAL = "/bureau/"
API = "/api/v1/bureau/summary/"
SECRET_MARKER = "保密乙方"
# Personal data put into every alliance below: none of it may appear in the portal's answers.
CONTACT_NAME, CONTACT_MOBILE = d.CONTACT_NAME, d.CONTACT_MOBILE
STUDENT_NAME = d.STUDENT_NAME
ATTENDEE_NAME, ATTENDEE_MOBILE = d.ATTENDEE_NAME, d.ATTENDEE_MOBILE
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
MASKED_ID = re.compile(r"\d{4}\*{6,}[\dX]{4}")
MASKED_ACCOUNT = re.compile(r"\*{4} \*{4} \d{4}")


@pytest.fixture
def oversight():
    """An official overseeing two alliances (A and B); a third (C) they do not oversee, full of marked data."""
    year = timezone.localdate().year - 1
    a = make_alliance("淄博市技工教育集团", slug="zibo-portal", founded_on=datetime.date(2019, 6, 1))
    b = make_alliance("临朐县职业教育集团", slug="linqu-portal")
    c = make_alliance(f"南通市{SECRET_MARKER}集团", slug="nantong-portal")
    d.populate(a, year)
    d.populate(b, year, size=2)
    d.populate(c, year, marker=SECRET_MARKER)
    official = make_member(a, Role.BUREAU_OFFICIAL, "bureau-official")
    grant_role(alliance=b, user=official, role=Role.BUREAU_OFFICIAL)
    make_member(c, Role.SECRETARIAT_ADMIN, "c-admin")
    return {"year": year, "a": a, "b": b, "c": c, "official": official}


# --- figures equal the annual report's -------------------------------------------------------------------------


def report_figures(alliance, year: int) -> dict:
    """The annual report's sections for the alliance and year (reports/figures.py), computed alone."""
    period = figures.Year(year)
    with scope(alliance.pk):
        return {
            "membership": figures.membership(period),
            "events": figures.events(period),
            "cooperation": figures.cooperation(period),
            "subsidies": figures.subsidies(period),
        }


def test_figures_equal_the_annual_report_and_an_independent_count(oversight):
    year, a, b = oversight["year"], oversight["a"], oversight["b"]
    summary = summarise([a, b], year)
    assert [row.alliance for row in summary.alliances] == [a, b]
    for row in summary.alliances:
        report = report_figures(row.alliance, year)
        members, events, cooperation, subsidies = (report[k] for k in ("membership", "events", "cooperation",
                                                                        "subsidies"))  # fmt: skip
        assert row.members_by_kind == {k["kind"]: k["current"] for k in members["by_kind"] if k["current"]}
        assert (row.members, row.members_year_before, row.joined, row.withdrawn, row.expelled) == (
            members["totals"]["current"], members["totals"]["previous"], members["totals"]["joined"],
            members["totals"]["withdrawn"], members["totals"]["expelled"],
        )  # fmt: skip
        assert (row.events, row.attendance) == (events["totals"]["events"], events["totals"]["attendance"])
        signed = {k["kind"]: k["signed"] for k in cooperation["by_kind"]}
        assert row.cooperation_signed == cooperation["totals"]["signed"]
        assert row.agreements == signed.get("agreement", 0) + signed.get("letter_of_intent", 0)
        assert (row.order_classes, row.order_class_students, row.apprentices) == (
            cooperation["totals"]["classes"], cooperation["totals"]["class_students"],
            cooperation["totals"]["apprentices"],
        )  # fmt: skip
        totals = subsidies["totals"]
        assert (str(row.claimed_amount), str(row.approved_amount), str(row.paid_amount)) == (
            totals["claimed"], totals["approved"], totals["paid"],
        )  # fmt: skip
        assert (row.lines_claimed, row.lines_approved) == (totals["claimed_lines"], totals["approved_lines"])
        assert row.claims_submitted == sum(p["claimed_claims"] for p in subsidies["by_program"])
        assert row.claims_approved == sum(p["approved_claims"] for p in subsidies["by_program"])

    # And by hand, from what d.populate() made: B has twice A's rows.
    first, second = summary.alliances
    for row, size in ((first, 1), (second, 2)):
        assert row.members == 2 * size + 3 * size + 1  # schools, enterprises, the association
        assert row.members_year_before == 2 * size + 1 + 2  # + the units that left during the year
        assert (row.joined, row.withdrawn, row.expelled) == (3 * size, 1, 1)
        assert (row.events, row.attendance) == (2, 3 * size)  # finished + published; cancelled and draft not
        assert (row.agreements, row.order_classes, row.order_class_students, row.apprentices) == (
            2 * size, size, 40 * size, 12 * size)  # fmt: skip
        approved_claims = len(range(0, 3 * size, 3))
        assert row.claims_submitted == 3 * size and row.lines_claimed == 9 * size
        assert row.claimed_amount == Decimal(300 * 9 * size)
        assert row.claims_approved == approved_claims and row.approved_amount == Decimal(300 * 2 * approved_claims)
        assert row.paid_amount == Decimal(600 * approved_claims)
    assert summary.total("paid_amount") == first.paid_amount + second.paid_amount


def test_summary_takes_the_same_queries_for_more_alliances_and_rows():
    year = timezone.localdate().year - 1

    def count(alliances):
        with CaptureQueriesContext(connection) as captured:
            summarise(alliances, year)
        return len(captured)

    one = make_alliance(slug="q-one")
    d.populate(one, year)
    few = count([one])
    more = [make_alliance(slug=f"q-more-{n}") for n in range(3)]
    for alliance in more:
        d.populate(alliance, year, size=4)
    assert count([one, *more]) == few == 6


def test_portal_page_and_api_take_the_same_queries_for_10_and_1000_rows(client):
    year = timezone.localdate().year - 1
    first, second = make_alliance(slug="rows-a"), make_alliance(slug="rows-b")
    official = make_member(first, Role.BUREAU_OFFICIAL)
    grant_role(alliance=second, user=official, role=Role.BUREAU_OFFICIAL)
    client.force_login(official)

    def count():
        counts = []
        for url in (f"{PORTAL}?year={year}", f"{API}?year={year}"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    d.populate(first, year)
    few = count()
    from members.identifiers import make_credit_code

    with scope(second.pk):
        MemberUnit.objects.bulk_create([
            MemberUnit(alliance=second, kind=MemberKind.ENTERPRISE, name=f"批量{n}", status="admitted",
                       admitted_on=datetime.date(year, 5, 1), credit_code=make_credit_code("91", "370303", f"{n + 700000:09d}"))
            for n in range(1000)
        ])  # fmt: skip
    d.populate(second, year, size=3)
    assert count() == few


# --- pages ---------------------------------------------------------------------------------------------------


def test_portal_shows_the_overseen_alliances_side_by_side(oversight, client):
    year, a, b = oversight["year"], oversight["a"], oversight["b"]
    client.force_login(oversight["official"])
    response = client.get(PORTAL, {"year": year})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="alliance-card"') == 2
    assert a.name in body and b.name in body
    assert f'<option value="{year}" selected>' in body
    for key in ("members", "changes", "activity", "subsidies"):
        assert f'data-testid="chart-{key}"' in body and f'data-testid="summary-{key}"' in body
    images = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', body)
    assert len(images) == 4 and all(images)
    # Alliances by name (临朐 before 淄博). The paid row: B 1,200.00 (two approved claims), A 600.00, total 1,800.00.
    paid = re.search(r'<tr data-figure="paid_amount">(.*?)</tr>', body, re.S).group(1)
    assert re.findall(r'<td class="number[^"]*">(?:<strong>)?([\d,.]+)', paid) == ["1,200.00", "600.00", "1,800.00"]
    assert f"{reverse('home')}?alliance={a.slug}" in body
    try:
        reports = reverse("annual-report-list", kwargs={"alliance_slug": a.slug})
    except NoReverseMatch:
        reports = None
    if reports:
        assert reports in body


def test_portal_defaults_to_this_year_and_ignores_a_bad_year(oversight, client):
    client.force_login(oversight["official"])
    this_year = timezone.localdate().year
    for params in ({}, {"year": "abc"}, {"year": "1990"}, {"year": str(this_year + 1)}):
        body = client.get(PORTAL, params).content.decode()
        assert f'<option value="{this_year}" selected>' in body, params
    # A (founded 2019) offers the years back to 2019 (at most ten).
    assert '<option value="2019"' in body and '<option value="2018"' not in body


def assert_no_personal_data(text: str) -> None:
    text = re.sub(r"data:image/[^\"]+", "", text)  # chart images: base64 could hold any run of digits
    for value in (CONTACT_NAME, CONTACT_MOBILE, STUDENT_NAME, ATTENDEE_NAME, ATTENDEE_MOBILE, d.BANK_ACCOUNT,
                  "c-admin"):  # fmt: skip
        assert value not in text, value
    assert not MOBILE.search(text), MOBILE.search(text)
    assert not MASKED_ID.search(text), MASKED_ID.search(text)
    assert not MASKED_ACCOUNT.search(text), MASKED_ACCOUNT.search(text)


def test_no_personal_data_in_page_or_api(oversight, client):
    client.force_login(oversight["official"])
    year = oversight["year"]
    for url in (f"{PORTAL}?year={year}", f"{API}?year={year}", PORTAL, API):
        response = client.get(url)
        assert response.status_code == 200
        assert_no_personal_data(response.content.decode())


def test_no_personal_data_with_the_demo_data(client):
    """The demo's official (two alliances) sees the portal without any phone, masked ID or bank account of the demo."""
    from alliances.demo.build import seed_demo
    from alliances.demo.data import DEMO_USERS

    seed_demo()
    official = next(u for u in DEMO_USERS if u.username == "bureau")
    from alliances.models import User

    client.force_login(User.objects.get(username="bureau"))
    body = client.get(PORTAL).content.decode() + client.get(API).content.decode()
    assert_no_personal_data(body)
    for user in DEMO_USERS:
        if user.username != "bureau":
            assert user.mobile not in body and user.name not in body
    assert official.mobile not in body
    with scope(list(MemberUnit.objects.values_list("alliance_id", flat=True).distinct())):
        mobiles = set(Contact.objects.exclude(mobile="").values_list("mobile", flat=True))
        names = set(Contact.objects.values_list("name", flat=True))
    assert mobiles and not any(m in body for m in mobiles)
    assert not any(n in body for n in names if len(n) > 1)


def test_official_of_a_never_sees_b(oversight, client):
    """An official of A alone: nothing of B or C in the page or the API, by session or token."""
    a, b, c = oversight["a"], oversight["b"], oversight["c"]
    official = make_member(a, Role.BUREAU_OFFICIAL, "only-a")
    client.force_login(official)
    body = client.get(PORTAL, {"year": oversight["year"]}).content.decode()
    assert a.name in body and b.name not in body and b.short_name not in body and SECRET_MARKER not in body
    assert body.count('data-testid="alliance-card"') == 1
    assert "2,700.00" in body and "600.00" in body  # A's claimed and paid amounts
    assert "5,400.00" not in body and "1,200.00" not in body and "8,100.00" not in body  # B's, and A + B
    token = Token.objects.create(user=official)
    client.logout()
    data = client.get(API, {"year": oversight["year"]}, HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert [row["slug"] for row in data["alliances"]] == [a.slug]
    text = str(data)
    assert b.name not in text and c.name not in text and SECRET_MARKER not in text
    # The totals are A's alone.
    alone = summarise([a], oversight["year"]).alliances[0]
    assert data["totals"]["paid_amount"] == str(alone.paid_amount) == "600.00"
    assert data["totals"]["members"] == alone.members


def test_official_sees_c_nowhere_even_with_two_alliances(oversight, client):
    client.force_login(oversight["official"])
    for url in (PORTAL, API, f"{PORTAL}?year={oversight['year']}"):
        text = client.get(url).content.decode()
        assert SECRET_MARKER not in text and oversight["c"].slug not in text


@pytest.mark.parametrize(
    "role", [Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_STAFF, Role.MEMBER_REPRESENTATIVE, Role.AUDITOR], ids=str
)
def test_users_without_a_bureau_grant_get_404(oversight, client, role):
    user = make_member(oversight["a"], role)
    client.force_login(user)
    assert client.get(PORTAL).status_code == 404
    assert client.get(API).status_code == 404
    token = Token.objects.create(user=user)
    client.logout()
    assert client.get(API, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 404


def test_a_grant_in_a_suspended_alliance_does_not_open_the_portal(client):
    alliance = make_alliance(slug="suspended-portal", status="suspended")
    client.force_login(make_member(alliance, Role.BUREAU_OFFICIAL))
    assert client.get(PORTAL).status_code == 404


def test_anonymous_visitors_go_to_login(client):
    response = client.get(PORTAL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(API).status_code in (401, 403)


def test_portal_is_read_only(oversight, client):
    client.force_login(oversight["official"])
    assert client.post(PORTAL).status_code == 405
    assert client.post(API).status_code == 405


# --- API -----------------------------------------------------------------------------------------------------


def test_api_summary_for_a_year(oversight, client):
    year, a, b = oversight["year"], oversight["a"], oversight["b"]
    client.force_login(oversight["official"])
    data = client.get(API, {"year": year}).json()
    assert data["year"] == year
    assert [row["slug"] for row in data["alliances"]] == [b.slug, a.slug]  # by name
    first = data["alliances"][1]
    assert first["paid_amount"] == "600.00" and first["claimed_amount"] == "2700.00"
    assert {row["kind"]: row["count"] for row in first["members_by_type"]} == {
        "technical_school": 2, "enterprise": 3, "association": 1,
    }  # fmt: skip
    assert data["totals"]["paid_amount"] == "1800.00"
    assert data["totals"]["members"] == first["members"] + data["alliances"][0]["members"]
    assert client.get(API).json()["year"] == timezone.localdate().year
    for bad in ("abc", "1990", str(timezone.localdate().year + 1)):
        response = client.get(API, {"year": bad})
        assert response.status_code == 400 and response.json()["error"]["details"]["year"], bad


def test_api_is_in_the_schema(client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    summary = schema["paths"]["/api/v1/bureau/summary/"]["get"]
    assert [p["name"] for p in summary["parameters"]] == ["year"]
    assert "/api/v1/alliances/{alliance_slug}/dashboard/" in schema["paths"]
    money = schema["components"]["schemas"]["BureauFigures"]["properties"]["paid_amount"]
    assert money["type"] == "string" and money["format"] == "decimal"


# --- home page and navigation ----------------------------------------------------------------------------------


def test_home_sends_a_bureau_only_official_with_several_alliances_to_the_portal(oversight, client):
    client.force_login(oversight["official"])
    assert client.get(reverse("home")).url == PORTAL
    a = oversight["a"]
    assert client.get(reverse("home"), {"alliance": a.slug}).url == f"/a/{a.slug}/"  # the switcher still enters
    assert client.get(reverse("home"), {"choose": "1"}).status_code == 200  # "all my alliances" still lists them


def test_home_keeps_other_users_where_they_were(oversight, client):
    a, b = oversight["a"], oversight["b"]
    single = make_member(a, Role.BUREAU_OFFICIAL, "single-bureau")
    client.force_login(single)
    assert client.get(reverse("home")).url == f"/a/{a.slug}/"  # one alliance: straight into it
    mixed = make_member(a, Role.BUREAU_OFFICIAL, "mixed")
    grant_role(alliance=b, user=mixed, role=Role.SECRETARIAT_STAFF)
    client.force_login(mixed)
    assert client.get(reverse("home")).status_code == 200  # the choice page, as for any user of two alliances


def test_navigation_links_to_the_portal_for_bureau_grants_only(oversight, client):
    a = oversight["a"]
    client.force_login(oversight["official"])
    assert 'data-testid="nav-bureau-portal"' in client.get(f"/a/{a.slug}/").content.decode()
    client.force_login(make_member(a, Role.SECRETARIAT_STAFF))
    assert 'data-testid="nav-bureau-portal"' not in client.get(f"/a/{a.slug}/").content.decode()


# --- language ------------------------------------------------------------------------------------------------


def test_portal_is_chinese_by_default_and_english_on_request(oversight, client):
    client.force_login(oversight["official"])
    body = client.get(PORTAL).content.decode()
    assert '<html lang="zh-hans">' in body and "技工院校" in body  # member types in Chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(PORTAL).content.decode()
    assert '<html lang="en">' in body
    for text in ("Bureau portal", "Technical school", "Joins and exits", "Paid (CNY)"):
        assert text in body, text

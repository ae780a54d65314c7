"""Member list and detail pages: filters, search, pagination, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Committee, CommitteeMembership, MemberKind

from .factories import make_unit

pytestmark = pytest.mark.django_db


def test_search_and_filters(alliance, staff_client):
    school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="淄博市技师学院")
    make_unit(alliance, MemberKind.ENTERPRISE, name="淄博齐鲁石化新材料有限公司")
    committee = Committee.objects.create(alliance=alliance, name="新材料专业委员会")
    CommitteeMembership.objects.create(alliance=alliance, committee=committee, member_unit=school)
    url = reverse("member-list", kwargs={"alliance_slug": alliance.slug})
    assert "淄博市技师学院" in staff_client.get(url, {"q": "技师"}).content.decode()
    assert "淄博市技师学院" not in staff_client.get(url, {"q": "石化"}).content.decode()
    assert "齐鲁石化" not in staff_client.get(url, {"kind": "technical_school"}).content.decode()
    by_committee = staff_client.get(url, {"committee": committee.pk}).content.decode()
    assert "淄博市技师学院" in by_committee and "齐鲁石化" not in by_committee


def test_bad_filter_values_do_not_break_the_page(alliance, staff_client):
    make_unit(alliance, name="淄博某企业")
    url = reverse("member-list", kwargs={"alliance_slug": alliance.slug})
    for params in ({"kind": "spaceship"}, {"committee": "abc"}, {"page": "999"}, {"page": "x"}):
        assert staff_client.get(url, params).status_code in (200, 404)


def test_list_runs_a_constant_number_of_queries(alliance, staff_client):
    url = reverse("member-list", kwargs={"alliance_slug": alliance.slug})

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url).status_code == 200
        return len(captured)

    for _ in range(10):
        make_unit(alliance)
    few = queries()
    for _ in range(40):
        make_unit(alliance)
    assert queries() == few


def test_detail_shows_committees(alliance, staff_client):
    unit = make_unit(alliance, name="淄博某技工学校", kind=MemberKind.TECHNICAL_SCHOOL)
    for name in ("装备制造专业委员会", "电子信息专业委员会"):
        committee = Committee.objects.create(alliance=alliance, name=name)
        CommitteeMembership.objects.create(alliance=alliance, committee=committee, member_unit=unit)
    body = staff_client.get(
        reverse("member-detail", kwargs={"alliance_slug": alliance.slug, "memberunit_id": unit.pk})
    ).content.decode()
    assert "电子信息专业委员会、装备制造专业委员会" in body  # ordered by name, joined with 、

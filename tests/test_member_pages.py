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


# --- The secretariat's membership work in the browser's pages ---------------------------------------------

from datetime import date, timedelta  # noqa: E402

from django.core import mail  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.utils import timezone  # noqa: E402

from alliances.governance_services import record_meeting, record_resolution  # noqa: E402
from alliances.models import AuditEntry  # noqa: E402
from members.identifiers import make_credit_code  # noqa: E402
from members.models import CouncilRole, MemberStatus, MemberUnit, WithdrawalRequest  # noqa: E402


def url(name, alliance, *args):
    return reverse(name, args=[alliance.slug, *args])


def test_list_and_api_run_the_same_queries_for_10_and_1000_members(alliance, staff_client):
    from members.models import Contact

    def count(path):
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(path).status_code == 200
        return len(captured)

    for _ in range(10):
        make_unit(alliance)
    page, api = url("member-list", alliance), f"/api/v1/alliances/{alliance.slug}/members/"
    few = (count(page), count(api))
    units = [
        MemberUnit(alliance=alliance, kind=MemberKind.ENTERPRISE, name=f"批量企业{n}", status="admitted",
                   credit_code=make_credit_code("91", "370303", f"{n + 500000:09d}"))
        for n in range(990)
    ]  # fmt: skip
    MemberUnit.objects.bulk_create(units)
    Contact.objects.bulk_create([Contact(alliance=alliance, member_unit=u, name="联系人") for u in units[:200]])
    assert MemberUnit.objects.count() == 1000
    assert (count(page), count(api)) == few
    assert "1,000" in staff_client.get(page).content.decode()


def test_filters_by_region_industry_status_group_and_sorting(alliance, staff_client):
    from members.models import IndustryDivision

    division = IndustryDivision.objects.filter(section_id="C").first()
    make_unit(alliance, name="张店制造企业", division_code="370303", industry_division=division)
    make_unit(alliance, name="南通企业", division_code="320602")
    make_unit(alliance, name="申请中企业", status=MemberStatus.UNDER_REVIEW, division_code="370303")
    page = url("member-list", alliance)
    by_city = staff_client.get(page, {"region": "370300"}).content.decode()
    assert "张店制造企业" in by_city and "南通企业" not in by_city
    assert "南通企业" in staff_client.get(page, {"region": "320000"}).content.decode()
    if division is not None:
        by_industry = staff_client.get(page, {"industry": "C"}).content.decode()
        assert "张店制造企业" in by_industry and "南通企业" not in by_industry
    current = staff_client.get(page, {"status": "current"}).content.decode()
    assert "申请中企业" not in current and "南通企业" in current
    assert "申请中企业" in staff_client.get(page, {"status": "open"}).content.decode()
    ordered = staff_client.get(page, {"sort": "-name"}).content.decode()
    assert ordered.index("申请中企业") < ordered.index("南通企业") or ordered.index("张店") < ordered.index("南通")


def test_composition_counts_current_members_by_type(alliance, staff_client):
    for kind, count in ((MemberKind.TECHNICAL_SCHOOL, 2), (MemberKind.ENTERPRISE, 3)):
        for _ in range(count):
            make_unit(alliance, kind)
    make_unit(alliance, MemberKind.ENTERPRISE, status=MemberStatus.WITHDRAWN)
    body = staff_client.get(url("member-list", alliance)).content.decode()
    assert '<span class="stat-value">5</span>' in body


def test_register_a_unit_with_contacts_and_inline_validation(alliance, staff_client):
    code = make_credit_code("91", "370303", "123454321")
    form = {
        "kind": "enterprise", "name": "淄博新注册有限公司", "credit_code": code, "division_code": "370303",
        "admitted_on": "2024-03-01", "council_role": "council", "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0", "contacts-0-name": "赵六", "contacts-0-mobile": "13912345678",
        "contacts-0-email": "zhao@example.cn", "contacts-1-name": "",
    }  # fmt: skip
    bad = staff_client.post(url("member-create", alliance), {**form, "credit_code": code[:-1] + "0"})
    assert bad.status_code == 200 and not MemberUnit.objects.filter(name="淄博新注册有限公司").exists()
    assert "has-error" in bad.content.decode()
    response = staff_client.post(url("member-create", alliance), form)
    unit = MemberUnit.objects.get(name="淄博新注册有限公司")
    assert response.status_code == 302 and unit.status == MemberStatus.ADMITTED and unit.member_number
    assert unit.contacts.get().mobile == "13912345678" and unit.council_role == CouncilRole.COUNCIL
    detail = staff_client.get(url("member-detail", alliance, unit.pk)).content.decode()
    assert "139****5678" in detail and "13912345678" not in detail  # phones are masked on screen
    # Inline validation: a duplicate name is flagged while typing, through htmx.
    inline = staff_client.post(
        url("member-validate", alliance), {**form, "name": "淄博新注册有限公司"},
        HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER_NAME="name",
    )  # fmt: skip
    assert inline.status_code == 200 and "has-error" in inline.content.decode()


def test_edit_records_the_changes_on_the_timeline(alliance, staff_client):
    unit = make_unit(alliance, name="原名称有限公司")
    form = {"kind": unit.kind, "name": "改名后有限公司", "credit_code": unit.credit_code, "address": "淄博市",
            "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0", "contacts-0-name": ""}  # fmt: skip
    assert staff_client.post(url("member-edit", alliance, unit.pk), form).status_code == 302
    unit.refresh_from_db()
    assert unit.name == "改名后有限公司"
    detail = staff_client.get(url("member-detail", alliance, unit.pk)).content.decode()
    assert 'data-testid="timeline"' in detail and AuditEntry.objects.filter(action="member.profile_updated").exists()


def test_lifecycle_pages_admit_through_a_resolution_and_refuse_invalid_steps(alliance, staff_client):
    for _ in range(3):
        make_unit(alliance, council_role=CouncilRole.COUNCIL)
    unit = make_unit(alliance, status=MemberStatus.APPLIED, name="待审单位有限公司")
    assert staff_client.post(url("member-start-review", alliance, unit.pk)).status_code == 302
    refused = staff_client.post(url("member-admit", alliance, unit.pk), {})
    assert refused.status_code == 200 and MemberUnit.objects.get(pk=unit.pk).status == MemberStatus.UNDER_REVIEW
    meeting = record_meeting(alliance=alliance, body="council", title="第一届理事会第三次会议",
                             held_on=timezone.localdate(), present=3)  # fmt: skip
    passed = record_resolution(meeting=meeting, number="2026-07", subject="admission", title="接纳新成员",
                               votes_for=3, votes_against=0, votes_abstaining=0)  # fmt: skip
    page = staff_client.get(url("member-admit", alliance, unit.pk)).content.decode()
    assert "2026-07" in page
    assert staff_client.post(url("member-admit", alliance, unit.pk), {"resolution": passed.pk}).status_code == 302
    unit.refresh_from_db()
    assert unit.status == MemberStatus.ADMITTED and unit.member_number
    # Suspending an admitted unit needs a reason; reinstating a unit that is not suspended is refused.
    assert staff_client.post(url("member-suspend", alliance, unit.pk), {"reason": ""}).status_code == 200
    response = staff_client.post(url("member-reinstate", alliance, unit.pk), {})
    assert response.status_code == 200 and 'data-testid="transition-impossible"' in response.content.decode()
    assert MemberUnit.objects.get(pk=unit.pk).status == MemberStatus.ADMITTED


def test_withdrawal_page_refuses_a_date_inside_the_notice_period(alliance, staff_client):
    unit = make_unit(alliance)
    today = timezone.localdate()
    response = staff_client.post(
        url("member-request-withdrawal", alliance, unit.pk),
        {"reason": "经营方向调整", "requested_on": today.isoformat(), "effective_on": (today + timedelta(days=30)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 200 and not WithdrawalRequest.objects.exists()
    response = staff_client.post(
        url("member-request-withdrawal", alliance, unit.pk),
        {"reason": "经营方向调整", "requested_on": today.isoformat()},
    )
    assert response.status_code == 302
    assert WithdrawalRequest.objects.get().effective_on >= today + timedelta(days=89)


def test_public_application_form_creates_an_applicant(alliance, client, settings):
    code = make_credit_code("91", "370303", "987656789")
    form = {
        "kind": "enterprise", "name": "网上申请有限公司", "credit_code": code, "contact_name": "钱七",
        "contact_mobile": "13800001111", "contact_email": "qian@example.cn", "statement": "主营数控机床",
        "accepts_charter": "on",
        "documents": SimpleUploadedFile("执照.pdf", b"%PDF-1.4 licence", content_type="application/pdf"),
    }  # fmt: skip
    page = url("member-apply", alliance)
    assert client.get(page).status_code == 200
    response = client.post(page, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = MemberUnit.objects.get(credit_code=code)
    assert unit.status == MemberStatus.APPLIED and unit.documents.count() == 1 and unit.contacts.count() == 1
    again = client.post(page, {**form, "documents": SimpleUploadedFile("x.pdf", b"%PDF-1.4", content_type="application/pdf")})
    assert again.status_code == 200 and MemberUnit.objects.filter(credit_code=code).count() == 1


def test_public_application_is_rate_limited(alliance, client):
    page = url("member-apply", alliance)
    statuses = [client.post(page, {"name": "x"}).status_code for _ in range(12)]
    assert statuses[-1] == 429 and not MemberUnit.objects.exists()


def test_applicant_answers_a_request_for_information_through_the_mailed_link(alliance, staff_client, client,
                                                                           django_capture_on_commit_callbacks):  # fmt: skip
    from members import services

    unit = make_unit(alliance, status=MemberStatus.UNDER_REVIEW)
    unit.contacts.create(alliance=alliance, name="孙八", email="sun@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url("member-request-information", alliance, unit.pk), {"reason": "请补充营业执照副本"})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/apply/" in line)
    path = link[link.index("/a/"):]
    assert "请补充营业执照副本" in client.get(path).content.decode()
    response = client.post(path, {"note": "已上传", "documents": SimpleUploadedFile("副本.png", b"\x89PNG\r\n\x1a\nxx")})
    assert response.status_code == 200
    unit.refresh_from_db()
    assert unit.status == MemberStatus.UNDER_REVIEW and unit.documents.count() == 1
    assert client.get(path[:-2] + "xx/").status_code == 404
    assert services.allowed_transitions(unit.status)


def test_bulk_actions_add_to_committee_and_set_council_role(alliance, staff_client):
    units = [make_unit(alliance) for _ in range(3)]
    committee = Committee.objects.create(alliance=alliance, name="智能制造专业委员会")
    ids = [u.pk for u in units]
    staff_client.post(url("member-bulk", alliance), {"action": "add_to_committee", "units": ids, "committee": committee.pk})
    assert committee.members.count() == 3
    staff_client.post(url("member-bulk", alliance), {"action": "set_council_role", "units": ids[:2], "council_role": "standing"})
    assert MemberUnit.objects.filter(council_role="standing").count() == 2
    response = staff_client.post(url("member-bulk", alliance), {"action": "add_to_committee", "units": ids})
    assert response.status_code == 302 and committee.members.count() == 3


def test_applications_queue_lists_open_work(alliance, staff_client):
    make_unit(alliance, status=MemberStatus.APPLIED, name="排队申请单位")
    body = staff_client.get(url("member-applications", alliance)).content.decode()
    assert "排队申请单位" in body
    assert date.today()  # the page renders for a fresh alliance too


def test_committees_are_managed_in_the_browser(alliance, staff_client):
    chair, other = make_unit(alliance, name="主任委员单位"), make_unit(alliance, name="委员单位")
    response = staff_client.post(url("committee-create", alliance), {"name": "数控技术专业委员会", "chair_unit": chair.pk})
    committee = Committee.objects.get(name="数控技术专业委员会")
    assert response.status_code == 302 and committee.chair_unit == chair
    duplicate = staff_client.post(url("committee-create", alliance), {"name": "数控技术专业委员会"})
    assert duplicate.status_code == 200 and Committee.objects.filter(name="数控技术专业委员会").count() == 1
    staff_client.post(url("committee-add-members", alliance, committee.pk), {"member_units": [chair.pk, other.pk]})
    assert committee.members.count() == 2
    assert "委员单位" in staff_client.get(url("committee-detail", alliance, committee.pk)).content.decode()
    staff_client.post(url("committee-remove-member", alliance, committee.pk, other.pk))
    assert list(committee.members.all()) == [chair]
    assert "数控技术专业委员会" in staff_client.get(url("committee-list", alliance)).content.decode()
    staff_client.post(url("committee-edit", alliance, committee.pk), {"name": "智能制造专业委员会", "chair_unit": chair.pk})
    committee.refresh_from_db()
    assert committee.name == "智能制造专业委员会"
    staff_client.post(url("committee-delete", alliance, committee.pk))
    assert not Committee.objects.exists() and chair.events.filter(action="committee_left").exists()


def test_committee_list_runs_constant_queries(alliance, staff_client):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url("committee-list", alliance)).status_code == 200
        return len(captured)

    for number in range(3):
        Committee.objects.create(alliance=alliance, name=f"委员会{number}", chair_unit=make_unit(alliance))
    few = count()
    for number in range(3, 20):
        Committee.objects.create(alliance=alliance, name=f"委员会{number}", chair_unit=make_unit(alliance))
    assert count() == few

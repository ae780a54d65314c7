"""The members API: lists filtered as on the page, registering and editing units, the lifecycle through the API
(invalid transitions refused with a message), timeline and documents, contacts, committees, change requests,
withdrawal requests, permissions, token auth, and the reference data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alliances.governance_services import record_meeting, record_resolution
from alliances.models import AuditEntry
from alliances.permissions import Role
from alliances.tenancy import scope
from members import services
from members.filters import MemberUnitFilter
from members.identifiers import make_credit_code
from members.models import (
    Committee,
    CommitteeMembership,
    Contact,
    CouncilRole,
    IndustryDivision,
    MemberDocument,
    MemberKind,
    MembershipAction,
    MemberStatus,
    MemberUnit,
    RequestStatus,
    Specialty,
    WithdrawalRequest,
)

from .factories import make_alliance, make_member, make_unit

pytestmark = pytest.mark.django_db
S = MemberStatus


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def api(name: str, alliance, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"alliance_slug": alliance.slug, **kwargs})


def unit_url(name: str, unit, **kwargs) -> str:
    return reverse(
        f"api:member-{name}", kwargs={"alliance_slug": unit.alliance.slug, "memberunit_id": unit.pk}
    )


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff_api(staff_user):
    return client_for(staff_user)


def resolution(alliance, subject, *, passed=True, number=None):
    body = "standing_council" if subject == "withdrawal" else "council"
    meeting = record_meeting(
        alliance=alliance, body=body, title="理事会会议", held_on=timezone.localdate(), present=5, seats=5
    )
    votes_for = 5 if passed else 1
    return record_resolution(
        meeting=meeting, number=number or f"R-{subject}-{meeting.pk}", subject=subject, title="决议",
        votes_for=votes_for, votes_against=5 - votes_for, votes_abstaining=0,
    )  # fmt: skip


def profile(number: int = 1, **extra) -> dict:
    return {
        "kind": "enterprise", "name": f"淄博精工机械有限公司{number}", "short_name": "精工",
        "credit_code": make_credit_code("91", "370303", f"{700000000 + number:09d}"),
        "legal_representative": "王强", "division_code": "370303", "address": "淄博市张店区新村西路1号",
        "contacts": [{"name": "李娜", "title": "人事经理", "mobile": "13905331234", "email": "lina@example.cn"}],
        **extra,
    }  # fmt: skip


# --- Lists -------------------------------------------------------------------------------------------------


@pytest.fixture
def varied_units(alliance):
    """Units of several kinds, statuses, roles, industries, regions and committees."""
    manufacturing = IndustryDivision.objects.get(code="34")
    software = IndustryDivision.objects.get(code="65")
    committee = Committee.objects.create(alliance=alliance, name="装备制造专业委员会")
    units = [
        make_unit(alliance, MemberKind.ENTERPRISE, name="淄博齐鲁机械有限公司", industry_division=manufacturing,
                  division_code="370303", council_role=CouncilRole.STANDING),
        make_unit(alliance, MemberKind.ENTERPRISE, name="济南软件有限公司", industry_division=software,
                  division_code="370102", status=S.UNDER_REVIEW),
        make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="淄博市技师学院", division_code="370303",
                  council_role=CouncilRole.CHAIR),
        make_unit(alliance, MemberKind.ASSOCIATION, name="淄博市机械行业协会", division_code="370302",
                  status=S.SUSPENDED),
        make_unit(alliance, MemberKind.HIGHER_VOCATIONAL, name="淄博职业学院", division_code="370303",
                  status=S.WITHDRAWN),
        make_unit(alliance, MemberKind.ENTERPRISE, name="淄博化工有限公司", industry_division=manufacturing,
                  division_code="370305", status=S.APPLIED),
    ]  # fmt: skip
    for unit in units[:3]:
        CommitteeMembership.objects.create(alliance=alliance, committee=committee, member_unit=unit)
    return units, committee


def test_list_filters_give_the_same_units_as_the_page(alliance, varied_units, staff_api, staff_client):
    _units, committee = varied_units
    queries = [
        "", "q=淄博", "q=机械", "kind=enterprise", "status=current", "status=open", "status=withdrawn",
        "council_role=chair", f"committee={committee.pk}", "industry=C", "industry_division=65", "region=370000",
        "region=370300", "region=370303", "q=淄博&kind=enterprise&status=current", "sort=name", "sort=-admitted_on",
        "sort=status", f"committee={committee.pk}&sort=-name",
    ]  # fmt: skip
    for query in queries:
        api_ids = [row["id"] for row in staff_api.get(f"{api('member-list', alliance)}?{query}&page_size=500")
                   .json()["results"]]  # fmt: skip
        with scope(alliance.pk):
            filterset = MemberUnitFilter(
                QueryDict(query) or None, queryset=MemberUnit.objects.order_by("kind", "name", "pk")
            )
            expected = list(
                (filterset.qs if filterset.is_bound else filterset.queryset).values_list("pk", flat=True)
            )
        page = staff_client.get(f"{reverse('member-list', args=[alliance.slug])}?{query}")
        page_ids = [unit.pk for unit in page.context["object_list"]]
        assert api_ids == expected == page_ids, query
    assert staff_api.get(api("member-list", alliance), {"status": "nonsense"}).status_code == 400


def test_list_runs_a_constant_number_of_queries(alliance, staff_api):
    committee = Committee.objects.create(alliance=alliance, name="电子信息专业委员会")
    division = IndustryDivision.objects.get(code="34")

    def add(count):
        for _ in range(count):
            unit = make_unit(alliance, industry_division=division)
            Contact.objects.create(alliance=alliance, member_unit=unit, name="联系人", is_primary=True)
            CommitteeMembership.objects.create(alliance=alliance, committee=committee, member_unit=unit)

    def queries(url, params=None):
        with CaptureQueriesContext(connection) as captured:
            assert staff_api.get(url, params).status_code == 200
        return len(captured)

    add(10)
    few = queries(api("member-list", alliance), {"page_size": 100})
    few_filtered = queries(api("member-list", alliance), {"committee": committee.pk, "industry": "C"})
    few_members = queries(api("committee-members", alliance, committee_id=committee.pk), {"page_size": 100})
    add(50)
    assert queries(api("member-list", alliance), {"page_size": 100}) == few
    assert queries(api("member-list", alliance), {"committee": committee.pk, "industry": "C"}) == few_filtered
    assert (
        queries(api("committee-members", alliance, committee_id=committee.pk), {"page_size": 100})
        == few_members
    )


def test_other_lists_run_a_constant_number_of_queries(alliance, staff_api):
    unit = make_unit(alliance)

    def add(count):
        with scope(alliance.pk):
            for _ in range(count):
                other = make_unit(alliance)
                Contact.objects.create(alliance=alliance, member_unit=other, name="联系人")
                services.request_withdrawal(other, reason="业务调整")
                services.request_profile_change(other, {"name": f"{other.name}（新）"})
                services.suspend_member(unit, reason="暂停")
                services.reinstate_member(unit)

    urls = [api("contact-list", alliance), api("withdrawal-request-list", alliance),
            api("change-request-list", alliance), unit_url("events", unit), api("committee-list", alliance)]  # fmt: skip

    def queries():
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert staff_api.get(url, {"page_size": 100}).status_code == 200
            counts.append(len(captured))
        return counts

    add(10)
    few = queries()
    add(50)
    assert queries() == few


# --- Registering and editing -------------------------------------------------------------------------------


def test_register_a_member_with_contacts_and_specialties(alliance, staff_api):
    specialties = list(Specialty.objects.order_by("code").values_list("code", flat=True)[:2])
    data = profile(kind="technical_school", name="淄博市工业学校", school_level="technical", enrolment=3200,
                   employee_count=99, specialties=specialties, admitted_on="2020-05-01", council_role="council")  # fmt: skip
    response = staff_api.post(api("member-list", alliance), data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "admitted" and body["member_number"].endswith("-2020-0001")
    assert body["council_role"] == "council" and body["enrolment"] == 3200
    assert body["employee_count"] is None  # enterprise fields are cleared for schools, as on the page
    assert [c["name"] for c in body["contacts"]] == ["李娜"] and body["contacts"][0]["is_primary"]
    assert [s["code"] for s in body["specialties"]] == specialties
    assert response["Location"].endswith(api("member-detail", alliance, memberunit_id=body["id"]))
    assert AuditEntry.objects.filter(action="member.created", object_id=str(body["id"])).exists()


def test_register_a_paper_application(alliance, staff_api):
    response = staff_api.post(api("member-list", alliance), profile(), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "applied" and body["member_number"] == ""
    assert [t["name"] for t in body["allowed_transitions"]] == ["start_review", "reject"]
    assert body["allowed_transitions"][0]["url"].endswith(unit_url("start-review", MemberUnit.objects.get()))


def test_register_with_an_invalid_credit_code_is_a_field_error(alliance, staff_api):
    bad = profile(credit_code="91370303MA3C00000X")
    response = staff_api.post(api("member-list", alliance), bad, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["status"] == 400 and error["details"]["credit_code"]
    assert not MemberUnit.objects.exists()


def test_register_refuses_duplicates_and_unknown_codes(alliance, staff_api):
    assert staff_api.post(api("member-list", alliance), profile(1), format="json").status_code == 201
    same_code = profile(2, credit_code=profile(1)["credit_code"])
    response = staff_api.post(api("member-list", alliance), same_code, format="json")
    assert response.status_code == 400 and "credit_code" in response.json()["error"]["details"]
    response = staff_api.post(api("member-list", alliance), profile(3, division_code="379999"), format="json")
    assert response.status_code == 400 and "division_code" in response.json()["error"]["details"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = staff_api.post(api("member-list", alliance), profile(4, admitted_on=tomorrow), format="json")
    assert response.status_code == 400 and "admitted_on" in response.json()["error"]["details"]
    assert MemberUnit.objects.count() == 1


def test_edit_a_profile(alliance, staff_api):
    unit = make_unit(alliance, MemberKind.ENTERPRISE, name="淄博旧名有限公司")
    url = api("member-detail", alliance, memberunit_id=unit.pk)
    response = staff_api.patch(
        url, {"name": "淄博新名有限公司", "employee_count": 800, "industry_division": "34",
              "contacts": [{"name": "张伟", "mobile": "13800000000"}, {"name": "赵敏"}]}, format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (
        body["name"] == "淄博新名有限公司"
        and body["employee_count"] == 800
        and body["industry_division"] == "34"
    )
    assert [(c["name"], c["is_primary"]) for c in body["contacts"]] == [("张伟", True), ("赵敏", False)]
    assert MemberUnit.objects.get(pk=unit.pk).status == S.ADMITTED
    event = unit.events.get(action=MembershipAction.PROFILE_UPDATED)
    assert set(event.detail["changes"]) == {"name", "employee_count", "industry_division", "contacts"}
    assert staff_api.patch(url, {"website": "not a url"}, format="json").status_code == 400
    assert staff_api.patch(url, {"status": "expelled"}, format="json").json()["status"] == "admitted"


def test_units_leave_through_the_lifecycle_not_delete(alliance, staff_api):
    unit = make_unit(alliance)
    url = api("member-detail", alliance, memberunit_id=unit.pk)
    response = staff_api.delete(url)
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    assert staff_api.put(url, profile(), format="json").status_code == 405
    assert MemberUnit.objects.filter(pk=unit.pk).exists()


# --- Lifecycle ---------------------------------------------------------------------------------------------


def test_full_lifecycle_through_the_api(alliance, staff_api, monkeypatch):
    unit_id = staff_api.post(api("member-list", alliance), profile(), format="json").json()["id"]
    unit = MemberUnit.objects.get(pk=unit_id)

    def post(name, data=None):
        response = staff_api.post(unit_url(name, unit), data or {}, format="json")
        assert response.status_code == 200, response.json()
        return response.json()

    assert post("start-review")["status"] == "under_review"
    assert post("request-information", {"reason": "请补充营业执照"})["status"] == "info_requested"
    assert post("provide-information", {"note": "已补充"})["status"] == "under_review"
    admission = resolution(alliance, "admission")
    body = post("admit", {"resolution": admission.pk, "council_role": "council"})
    assert body["status"] == "admitted" and body["member_number"] and body["council_role"] == "council"
    assert body["admitted_on"] == timezone.localdate().isoformat()

    body = post(
        "request-withdrawal", {"reason": "业务调整", "requested_on": timezone.localdate().isoformat()}
    )
    assert body["status"] == "withdrawal_requested"
    effective_on = services.earliest_withdrawal_date(unit, timezone.localdate())
    assert body["open_withdrawal"]["status"] == "pending"
    assert body["open_withdrawal"]["effective_on"] == effective_on.isoformat()
    body = post("approve-withdrawal", {"resolution": resolution(alliance, "withdrawal").pk})
    assert body["status"] == "withdrawal_requested" and body["open_withdrawal"]["status"] == "approved"

    early = staff_api.post(unit_url("complete-withdrawal", unit), {}, format="json")
    assert early.status_code == 409 and effective_on.isoformat() in early.json()["error"]["message"]

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: effective_on)
    body = post("complete-withdrawal")
    assert body["status"] == "withdrawn" and body["left_on"] == effective_on.isoformat()
    assert body["open_withdrawal"] is None and body["allowed_transitions"] == []

    events = staff_api.get(unit_url("events", unit)).json()["results"]
    assert [e["action"] for e in events] == [
        "withdrawn", "withdrawal_approved", "withdrawal_requested", "admitted", "info_provided",
        "info_requested", "review_started", "created",
    ]  # fmt: skip
    assert events[3]["resolution"]["id"] == admission.pk and events[3]["actor"]
    request = WithdrawalRequest.objects.get(member_unit=unit)
    assert request.status == RequestStatus.COMPLETED


def test_invalid_transitions_are_refused_with_a_message(alliance, staff_api):
    applied = make_unit(alliance, status=S.APPLIED, name="淄博申请中企业")
    admission = resolution(alliance, "admission")

    response = staff_api.post(unit_url("admit", applied), {"resolution": admission.pk}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict" and error["status"] == 409 and "淄博申请中企业" in error["message"]

    response = staff_api.post(unit_url("suspend", applied), {"reason": "违反章程"}, format="json")
    assert response.status_code == 409
    response = staff_api.post(unit_url("cancel-withdrawal", applied), {}, format="json")
    assert response.status_code == 409

    # Wrong input is 400 with the field named.
    response = staff_api.post(unit_url("reject", applied), {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["error"]["details"]
    response = staff_api.post(unit_url("admit", applied), {}, format="json")
    assert response.status_code == 400 and "resolution" in response.json()["error"]["details"]
    response = staff_api.post(unit_url("council-role", applied), {"role": "emperor"}, format="json")
    assert response.status_code == 400 and "role" in response.json()["error"]["details"]

    applied.refresh_from_db()
    assert applied.status == S.APPLIED and not applied.events.exists()


def test_a_resolution_that_does_not_fit_is_a_field_error(alliance, staff_api):
    unit = make_unit(alliance, status=S.UNDER_REVIEW)
    for wrong in (resolution(alliance, "admission", passed=False), resolution(alliance, "expulsion")):
        response = staff_api.post(unit_url("admit", unit), {"resolution": wrong.pk}, format="json")
        assert response.status_code == 400 and response.json()["error"]["details"]["resolution"]
    unit.refresh_from_db()
    assert unit.status == S.UNDER_REVIEW


def test_another_alliances_resolution_does_not_exist(alliance, other_alliance, staff_api):
    unit = make_unit(alliance, status=S.UNDER_REVIEW)
    foreign = resolution(other_alliance, "admission")
    response = staff_api.post(unit_url("admit", unit), {"resolution": foreign.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["resolution"]
    assert foreign.number not in response.content.decode()
    unit.refresh_from_db()
    assert unit.status == S.UNDER_REVIEW


def test_suspend_reinstate_expel_and_council_role(alliance, staff_api):
    unit = make_unit(alliance)
    assert staff_api.post(unit_url("suspend", unit), {"reason": "未履行义务"}, format="json").json()[
        "status"
    ] == ("suspended")
    assert staff_api.post(unit_url("reinstate", unit), {}, format="json").json()["status"] == "admitted"
    body = staff_api.post(unit_url("council-role", unit), {"role": "standing"}, format="json").json()
    assert body["council_role"] == "standing"
    expulsion = resolution(alliance, "expulsion")
    response = staff_api.post(unit_url("expel", unit), {"resolution": expulsion.pk}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["error"]["details"]
    body = staff_api.post(
        unit_url("expel", unit), {"resolution": expulsion.pk, "reason": "严重违反章程"}, format="json"
    ).json()
    assert body["status"] == "expelled" and body["left_on"]


def test_transition_with_documents_and_the_documents_list(alliance, staff_api):
    unit = make_unit(alliance)
    letter = ContentFile(b"%PDF-1.4 withdrawal letter", name="退会申请.pdf")
    response = staff_api.post(
        unit_url("request-withdrawal", unit),
        {"reason": "业务调整", "documents": [letter]},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    fake = ContentFile(b"MZ not a pdf", name="virus.pdf")
    other = make_unit(alliance)
    response = staff_api.post(
        unit_url("suspend", other), {"reason": "x", "documents": [fake]}, format="multipart"
    )
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == S.ADMITTED

    documents = staff_api.get(unit_url("documents", unit)).json()["results"]
    assert [d["title"] for d in documents] == ["退会申请.pdf"]
    document = MemberDocument.objects.get(member_unit=unit)
    assert documents[0]["content_type"] == "application/pdf" and documents[0]["event"] == document.event_id
    assert documents[0]["download_url"].endswith(
        reverse("member-document", kwargs={"alliance_slug": alliance.slug, "memberdocument_id": document.pk})
    )


# --- Auth and permissions ----------------------------------------------------------------------------------


def test_token_authentication_can_act(alliance, staff_user):
    unit = make_unit(alliance, status=S.APPLIED)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff_user).key}")
    response = client.post(unit_url("start-review", unit), {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "under_review"
    entry = AuditEntry.objects.get(action="member.start_review")
    assert entry.actor_id == staff_user.pk
    assert APIClient().post(unit_url("reject", unit), {"reason": "x"}, format="json").status_code in (
        401,
        403,
    )


@pytest.mark.parametrize("role", [Role.MEMBER_REPRESENTATIVE, Role.BUREAU_OFFICIAL, Role.AUDITOR])
def test_only_the_secretariat_changes_members(alliance, role):
    unit = make_unit(alliance, status=S.APPLIED)
    committee = Committee.objects.create(alliance=alliance, name="专业委员会")
    contact = Contact.objects.create(alliance=alliance, member_unit=unit, name="联系人")
    client = client_for(make_member(alliance, role))
    attempts = [
        client.post(api("member-list", alliance), profile(), format="json"),
        client.patch(api("member-detail", alliance, memberunit_id=unit.pk), {"name": "改名"}, format="json"),
        client.post(unit_url("start-review", unit), {}, format="json"),
        client.post(unit_url("council-role", unit), {"role": "chair"}, format="json"),
        client.post(api("committee-list", alliance), {"name": "新委员会"}, format="json"),
        client.delete(api("committee-detail", alliance, committee_id=committee.pk)),
        client.post(
            api("committee-members", alliance, committee_id=committee.pk), {"member_units": [unit.pk]}
        ),
        client.post(
            api("contact-list", alliance), {"member_unit": unit.pk, "name": "新联系人"}, format="json"
        ),
        client.delete(api("contact-detail", alliance, contact_id=contact.pk)),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    unit.refresh_from_db()
    assert unit.status == S.APPLIED and unit.name != "改名" and Contact.objects.filter(pk=contact.pk).exists()
    can_read = role == Role.BUREAU_OFFICIAL
    assert client.get(api("member-list", alliance)).status_code == (200 if can_read else 403)


def test_bureau_reads_units_with_masked_mobiles(alliance, staff_api):
    unit = make_unit(alliance)
    Contact.objects.create(
        alliance=alliance, member_unit=unit, name="李娜", mobile="13905331234", is_primary=True
    )
    bureau = client_for(make_member(alliance, Role.BUREAU_OFFICIAL))
    url = api("member-detail", alliance, memberunit_id=unit.pk)
    assert bureau.get(url).json()["contacts"][0]["mobile"] == "139****1234"
    assert bureau.get(url).json()[
        "allowed_transitions"
    ]  # what the unit's status allows, not what the caller may
    assert staff_api.get(url).json()["contacts"][0]["mobile"] == "13905331234"
    assert bureau.get(unit_url("events", unit)).status_code == 200


def test_another_alliances_units_are_not_found(alliance, other_alliance, staff_api):
    foreign = make_unit(other_alliance, status=S.APPLIED)
    for response in (
        staff_api.get(api("member-detail", alliance, memberunit_id=foreign.pk)),
        staff_api.post(api("member-start-review", alliance, memberunit_id=foreign.pk), {}, format="json"),
        staff_api.get(api("member-events", alliance, memberunit_id=foreign.pk)),
    ):
        assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == S.APPLIED


# --- Contacts --------------------------------------------------------------------------------------------


def test_contacts_crud(alliance, other_alliance, staff_api):
    unit = make_unit(alliance)
    first = Contact.objects.create(alliance=alliance, member_unit=unit, name="李娜", is_primary=True)
    make_unit(alliance)  # another unit, whose contacts are not listed
    response = staff_api.post(
        api("contact-list", alliance),
        {"member_unit": unit.pk, "name": "张伟", "mobile": "13800000001", "is_primary": True}, format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    second = response.json()["id"]
    first.refresh_from_db()
    assert not first.is_primary  # one primary contact per unit
    listed = staff_api.get(api("contact-list", alliance), {"member_unit": unit.pk}).json()["results"]
    assert [(c["name"], c["is_primary"]) for c in listed] == [("张伟", True), ("李娜", False)]

    url = api("contact-detail", alliance, contact_id=second)
    assert staff_api.patch(url, {"mobile": "123"}, format="json").status_code == 400
    assert staff_api.patch(url, {"title": "总经理"}, format="json").json()["title"] == "总经理"
    assert staff_api.delete(url).status_code == 204
    first.refresh_from_db()
    assert first.is_primary  # the remaining contact becomes the primary one
    assert AuditEntry.objects.filter(action__startswith="member.contact_").count() == 3

    foreign = make_unit(other_alliance)
    response = staff_api.post(
        api("contact-list", alliance), {"member_unit": foreign.pk, "name": "X"}, format="json"
    )
    assert response.status_code == 400 and "member_unit" in response.json()["error"]["details"]


# --- Committees ------------------------------------------------------------------------------------------


def test_committees_crud_and_members(alliance, other_alliance, staff_api):
    chair = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL)
    enterprise = make_unit(alliance)
    applicant = make_unit(alliance, status=S.APPLIED)
    foreign = make_unit(other_alliance)

    response = staff_api.post(api("committee-list", alliance), {"name": "装备制造专业委员会", "chair_unit": foreign.pk},
                              format="json")  # fmt: skip
    assert response.status_code == 400 and "chair_unit" in response.json()["error"]["details"]
    response = staff_api.post(api("committee-list", alliance), {"name": "装备制造专业委员会", "chair_unit": chair.pk},
                              format="json")  # fmt: skip
    assert response.status_code == 201
    committee_id = response.json()["id"]
    duplicate = staff_api.post(api("committee-list", alliance), {"name": "装备制造专业委员会"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["error"]["details"]

    members_url = api("committee-members", alliance, committee_id=committee_id)
    response = staff_api.post(members_url, {"member_units": [chair.pk, enterprise.pk]}, format="json")
    assert response.status_code == 200 and response.json()["added"] == 2
    assert response.json()["committee"]["member_count"] == 2
    assert staff_api.post(members_url, {"member_units": [chair.pk]}, format="json").json()["added"] == 0
    refused = staff_api.post(members_url, {"member_units": [applicant.pk]}, format="json")
    assert refused.status_code == 400 and applicant.name in refused.content.decode()
    refused = staff_api.post(members_url, {"member_units": [foreign.pk]}, format="json")
    assert refused.status_code == 400
    assert {u["id"] for u in staff_api.get(members_url).json()["results"]} == {chair.pk, enterprise.pk}

    remove_url = api(
        "committee-member-remove", alliance, committee_id=committee_id, memberunit_id=enterprise.pk
    )
    assert staff_api.delete(remove_url).status_code == 204
    assert staff_api.delete(remove_url).status_code == 404
    assert [e.action for e in enterprise.events.order_by("pk")] == ["committee_joined", "committee_left"]

    detail_url = api("committee-detail", alliance, committee_id=committee_id)
    assert staff_api.patch(detail_url, {"description": "装备制造类专业"}, format="json").status_code == 200
    assert staff_api.delete(detail_url).status_code == 204
    assert not Committee.objects.filter(pk=committee_id).exists()
    assert chair.events.filter(action=MembershipAction.COMMITTEE_LEFT).exists()


# --- Requests waiting for the secretariat ------------------------------------------------------------------


def test_change_request_decide(alliance, staff_api):
    unit = make_unit(alliance, name="淄博旧名有限公司")
    with scope(alliance.pk):
        change = services.request_profile_change(unit, {"name": "淄博新名有限公司"}, reason="更名")
        declined_unit = make_unit(alliance, name="淄博另一企业")
        other = services.request_profile_change(declined_unit, {"name": "淄博另一企业（新）"})
    listed = staff_api.get(api("change-request-list", alliance), {"status": "pending"}).json()["results"]
    assert {c["id"] for c in listed} == {change.pk, other.pk}

    decide = api("change-request-decide", alliance, profilechangerequest_id=change.pk)
    response = staff_api.post(decide, {"approve": True}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    unit.refresh_from_db()
    assert unit.name == "淄博新名有限公司"
    again = staff_api.post(decide, {"approve": False, "note": "重复"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["message"]

    decide_other = api("change-request-decide", alliance, profilechangerequest_id=other.pk)
    no_note = staff_api.post(decide_other, {"approve": False}, format="json")
    assert no_note.status_code == 400 and "note" in no_note.json()["error"]["details"]
    response = staff_api.post(decide_other, {"approve": False, "note": "请提供更名证明"}, format="json")
    assert response.json()["status"] == "declined" and response.json()["decision_note"] == "请提供更名证明"
    declined_unit.refresh_from_db()
    assert declined_unit.name == "淄博另一企业"


def test_withdrawal_requests_list_and_filter(alliance, staff_api):
    leaving, staying = make_unit(alliance), make_unit(alliance)
    with scope(alliance.pk):
        services.request_withdrawal(leaving, reason="业务调整")
        services.request_withdrawal(staying, reason="暂时")
        services.cancel_withdrawal(staying)
    url = api("withdrawal-request-list", alliance)
    pending = staff_api.get(url, {"status": "pending"}).json()["results"]
    assert [(r["member_unit"]["id"], r["status"]) for r in pending] == [(leaving.pk, "pending")]
    assert len(staff_api.get(url).json()["results"]) == 2
    detail = staff_api.get(
        api("withdrawal-request-detail", alliance, withdrawalrequest_id=pending[0]["id"])
    ).json()
    assert detail["reason"] == "业务调整" and detail["effective_on"] >= detail["requested_on"]


# --- Reference data ----------------------------------------------------------------------------------------


def test_reference_data(client, staff_user):
    api_client = client_for(staff_user)
    provinces = api_client.get(
        reverse("api:reference-division-list"), {"level": "province", "page_size": 500}
    )
    assert provinces.status_code == 200 and provinces.json()["count"] >= 31
    shandong = api_client.get(reverse("api:reference-division-list"), {"parent": "370000", "page_size": 500})
    names = [d["name"] for d in shandong.json()["results"]]
    assert "淄博市" in names and all(d["parent"] == "370000" for d in shandong.json()["results"])
    assert any(d["code"] == "370303" for d in api_client.get(reverse("api:reference-division-list"),
                                                            {"q": "张店"}).json()["results"])  # fmt: skip

    sections = api_client.get(reverse("api:reference-industry-section-list")).json()
    assert len(sections) == 20 and sum(len(s["divisions"]) for s in sections) == 97
    manufacturing = api_client.get(
        reverse("api:reference-industry-division-list"), {"section": "C", "page_size": 100}
    )
    assert manufacturing.json()["count"] == 31  # 13–43

    assert len(api_client.get(reverse("api:reference-specialty-category-list")).json()) == 19
    classes = api_client.get(
        reverse("api:reference-specialty-class-list"), {"category": 6, "level": "higher"}
    )
    assert classes.json()["results"] and all(c["code"].startswith("46") for c in classes.json()["results"])
    specialties = api_client.get(reverse("api:reference-specialty-list"), {"q": "数控"}).json()["results"]
    assert any(s["name"] == "数控技术" for s in specialties)
    in_class = api_client.get(reverse("api:reference-specialty-list"), {"class": "4601"}).json()["results"]
    assert in_class and {s["specialty_class"] for s in in_class} == {"4601"}
    in_category = api_client.get(reverse("api:reference-specialty-list"), {"category": 6}).json()
    assert in_category["count"] > len(in_class)

    assert client.get(reverse("api:reference-division-list")).status_code in (401, 403)
    other_user = make_member(make_alliance(), Role.AUDITOR)  # any signed-in user may read
    assert client_for(other_user).get(reverse("api:reference-specialty-list")).status_code == 200


def test_schema_documents_the_custom_actions(staff_client):
    schema = staff_client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    admit = schema["paths"]["/api/v1/alliances/{alliance_slug}/members/{memberunit_id}/admit/"]["post"]
    body = admit["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "resolution" in schema["components"]["schemas"][body]["properties"]
    assert {"200", "400", "409"} <= set(admit["responses"])
    assert "/api/v1/reference/specialties/" in schema["paths"]
    assert (
        "/api/v1/alliances/{alliance_slug}/committees/{committee_id}/members/{memberunit_id}/"
        in schema["paths"]
    )


# --- Imports -----------------------------------------------------------------------------------------------


def roster(rows: list[dict]) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    from members.imports import COLUMNS, DATA_SHEET

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append([column.template_header for column in COLUMNS])
    for row in rows:
        sheet.append([row.get(column.key) for column in COLUMNS])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_row(number: int, **overrides) -> dict:
    return {
        "name": f"淄博接口导入企业{number}有限公司", "kind": "企业",
        "credit_code": make_credit_code("91", "370303", f"{800000000 + number:09d}"), "division_code": "370303",
        "admitted_on": "2024-03-01", "contact_name": f"联系人{number}", "contact_mobile": "13800000000",
        **overrides,
    }  # fmt: skip


def upload(data: bytes, name: str = "roster.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_import_a_small_file(alliance, staff_api):
    url = api("member-imports", alliance)
    response = staff_api.post(
        url, {"file": upload(roster([roster_row(1), roster_row(2)]))}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 2, "rows": 2}
    assert set(MemberUnit.objects.values_list("status", flat=True)) == {S.ADMITTED}


def test_import_with_bad_rows_answers_the_errors(alliance, staff_api):
    bad = roster([roster_row(1), roster_row(2, credit_code="91370303MA3C00000X"), roster_row(3, kind="飞船")])
    response = staff_api.post(api("member-imports", alliance), {"file": upload(bad)}, format="multipart")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["status"] == 400 and error["message"]
    rows = {(e["row"], e["column"]) for e in error["details"]["errors"]}
    assert {row for row, _column in rows} == {3, 4}  # Excel row numbers: the heading is row 1
    assert error["details"]["error_count"] == len(error["details"]["errors"])
    assert error["details"]["report_job"]["download_url"]
    assert not MemberUnit.objects.exists()

    response = staff_api.post(
        api("member-imports", alliance),
        {"file": upload(b"not a workbook", "roster.xlsx")},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["error"]["details"]["file"]
    response = staff_api.post(api("member-imports", alliance), {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["error"]["details"]


def test_import_a_large_file_as_a_job(alliance, staff_api, django_capture_on_commit_callbacks):
    from members.imports import IMPORT_INLINE_LIMIT

    rows = [roster_row(number) for number in range(1, IMPORT_INLINE_LIMIT + 2)]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(
            api("member-imports", alliance), {"file": upload(roster(rows))}, format="multipart"
        )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["job"]["kind"] == "members.import_roster"
    assert body["job_url"].endswith(api("job-detail", alliance, job_id=body["job"]["id"]))
    job = staff_api.get(body["job_url"]).json()
    assert job["status"] == "succeeded", job
    assert MemberUnit.objects.count() == len(rows)


def test_only_the_secretariat_imports(alliance):
    bureau = client_for(make_member(alliance, Role.BUREAU_OFFICIAL))
    response = bureau.post(api("member-imports", alliance), {"file": upload(roster([roster_row(1)]))})
    assert response.status_code == 403 and not MemberUnit.objects.exists()

"""Member self-service: the representative's own unit, profile edits and change requests, withdrawal requests,
document downloads and the membership certificate (PDF in Chinese)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import AuditEntry
from alliances.permissions import Role
from members.models import (
    Contact,
    CouncilRole,
    IndustryDivision,
    IndustrySection,
    MemberDocument,
    MemberKind,
    MembershipAction,
    MembershipEvent,
    MemberSpecialty,
    MemberStatus,
    ProfileChangeRequest,
    RequestStatus,
    Specialty,
    SpecialtyCategory,
    SpecialtyClass,
    WithdrawalRequest,
)
from members.services import add_months

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db

UNIT_NAME = "淄博精工机械制造有限公司"
NUMBER = "ZT-2026-0007"


@pytest.fixture
def unit(alliance):
    unit = make_unit(
        alliance, MemberKind.ENTERPRISE, name=UNIT_NAME, member_number=NUMBER, admitted_on=date(2026, 1, 5),
        council_role=CouncilRole.COUNCIL, address="淄博市张店区华光路1号",
    )  # fmt: skip
    Contact.objects.create(
        alliance=alliance, member_unit=unit, name="王建国", title="办公室主任", mobile="13905330001",
        email="wang@example.cn", is_primary=True,
    )  # fmt: skip
    return unit


@pytest.fixture
def rep(alliance, unit):
    return make_member(alliance, Role.MEMBER_REPRESENTATIVE, "rep-jinggong", unit=unit)


@pytest.fixture
def rep_client(rep):
    """A client of its own, so that a test can use it next to `client` or `staff_client`."""
    rep_client = Client()
    rep_client.force_login(rep)
    return rep_client


def url(name, alliance, **kwargs):
    return reverse(name, kwargs={"alliance_slug": alliance.slug, **kwargs})


def profile_data(unit, **overrides) -> dict:
    """What the edit form posts for `unit`, with `overrides` (contacts as a list of dicts)."""
    contacts = overrides.pop("contacts", None)
    if contacts is None:
        contacts = [{"name": c.name, "title": c.title, "mobile": c.mobile, "email": c.email}
                    for c in unit.contacts.all()]  # fmt: skip
    data = {
        "name": unit.name, "short_name": unit.short_name, "credit_code": unit.credit_code,
        "legal_representative": unit.legal_representative, "division_code": unit.division_code,
        "address": unit.address, "website": unit.website, "reason": "",
    }  # fmt: skip
    if unit.is_enterprise:
        data.update({"industry_division": unit.industry_division_id or "", "employee_count": unit.employee_count or "",
                     "ownership": unit.ownership})  # fmt: skip
        if unit.above_designated_size:
            data["above_designated_size"] = "on"
    if unit.is_school:
        data.update({"school_level": unit.school_level, "enrolment": unit.enrolment or "",
                     "teacher_count": unit.teacher_count or ""})  # fmt: skip
    data.update({"contacts-TOTAL_FORMS": str(len(contacts)), "contacts-INITIAL_FORMS": "0",
                 "contacts-MIN_NUM_FORMS": "0", "contacts-MAX_NUM_FORMS": "5"})  # fmt: skip
    for index, contact in enumerate(contacts):
        for key in ("name", "title", "mobile", "email"):
            data[f"contacts-{index}-{key}"] = contact.get(key, "")
    data.update(overrides)
    return data


def pdf(name: str = "letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test document\n", content_type="application/pdf")


# --- My unit -------------------------------------------------------------------------------------------


def test_representative_sees_own_unit_with_status_and_history(alliance, unit, rep_client):
    other = make_unit(alliance, name="另一家成员企业有限公司")
    MembershipEvent.objects.create(
        alliance=alliance, member_unit=unit, action=MembershipAction.ADMITTED, to_status=MemberStatus.ADMITTED,
        from_status=MemberStatus.UNDER_REVIEW, reason="理事会审议通过", effective_on=date(2026, 1, 5),
    )  # fmt: skip
    response = rep_client.get(url("my-unit", alliance))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        UNIT_NAME,
        NUMBER,
        "王建国",
        "13905330001",
        "淄博市张店区华光路1号",
        "理事会审议通过",
        "2026-01-05",
    ):
        assert text in body, text
    assert 'data-testid="status-explanation"' in body and 'data-testid="timeline"' in body
    assert other.name not in body
    # The navigation's "My unit" leads here, not to the staff-only member page.
    assert f'href="{url("my-unit", alliance)}"' in body
    assert url("member-detail", alliance, memberunit_id=unit.pk) not in body


def test_my_unit_is_for_representatives_only(alliance, unit, staff_client):
    assert staff_client.get(url("my-unit", alliance)).status_code == 403
    assert staff_client.get(url("my-unit-certificate", alliance)).status_code == 403


def test_representative_edits_ordinary_fields_at_once(alliance, unit, rep_client):
    data = profile_data(
        unit, address="淄博市张店区新村西路88号", employee_count="1200", ownership="private",
        contacts=[{"name": "王建国", "title": "办公室主任", "mobile": "13905330001", "email": "wang@example.cn"},
                  {"name": "李红", "title": "人事经理", "mobile": "13905330002", "email": ""}],
    )  # fmt: skip
    response = rep_client.post(url("my-unit-edit", alliance), data)
    assert response.status_code == 302 and response["Location"] == url("my-unit", alliance)
    unit.refresh_from_db()
    assert unit.address == "淄博市张店区新村西路88号" and unit.employee_count == 1200
    assert list(unit.contacts.values_list("name", "is_primary")) == [("王建国", True), ("李红", False)]
    assert not ProfileChangeRequest.objects.filter(member_unit=unit).exists()
    event = MembershipEvent.objects.get(member_unit=unit, action=MembershipAction.PROFILE_UPDATED)
    assert "address" in event.detail["changes"]
    assert AuditEntry.objects.filter(action="member.profile_updated", object_id=str(unit.pk)).exists()


def test_invalid_input_is_shown_next_to_the_field_and_nothing_is_saved(alliance, unit, rep_client):
    data = profile_data(unit, credit_code="91370303ABC", address="新地址",
                        contacts=[{"name": "", "mobile": "12345"}])  # fmt: skip
    response = rep_client.post(url("my-unit-edit", alliance), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "credit_code" in form.errors
    assert response.context["formset"].forms[0].errors  # a mobile without a name, and a bad number
    unit.refresh_from_db()
    assert unit.address == "淄博市张店区华光路1号"
    assert not MembershipEvent.objects.filter(member_unit=unit).exists()


def test_one_field_is_checked_through_htmx_without_saving(alliance, unit, rep_client):
    data = profile_data(unit, credit_code="91370303ABC", address="新地址")
    response = rep_client.post(
        url("my-unit-edit", alliance), data, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER_NAME="credit_code"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "has-error" in body and 'name="credit_code"' in body
    assert "<html" not in body  # only the field
    unit.refresh_from_db()
    assert unit.address == "淄博市张店区华光路1号"
    # The form's inputs carry the htmx attributes that ask for this.
    page = rep_client.get(url("my-unit-edit", alliance)).content.decode()
    assert (
        'hx-post="{}"'.format(url("my-unit-edit", alliance)) in page and 'hx-trigger="blur changed"' in page
    )


def test_name_change_waits_for_the_secretariat_and_approval_applies_it(
    alliance, unit, rep_client, client, staff_user
):
    new_name = "淄博精工智能装备有限公司"
    response = rep_client.post(
        url("my-unit-edit", alliance),
        profile_data(unit, name=new_name, reason="已完成工商变更登记"),
        follow=True,
    )
    assert response.status_code == 200
    unit.refresh_from_db()
    assert unit.name == UNIT_NAME  # not changed yet
    change = ProfileChangeRequest.objects.get(member_unit=unit)
    assert change.status == RequestStatus.PENDING and change.changes == {"name": new_name}
    assert change.previous == {"name": UNIT_NAME}
    body = response.content.decode()
    assert 'data-testid="pending-change"' in body and new_name in body
    assert any("secretariat" in str(m) or "秘书处" in str(m) for m in response.context["messages"])

    # While it waits, name and code cannot be changed again (the fields are locked); other fields can.
    form = rep_client.get(url("my-unit-edit", alliance)).context["form"]
    assert form.fields["name"].disabled and form.fields["credit_code"].disabled
    response = rep_client.post(
        url("my-unit-edit", alliance), profile_data(unit, name="又一个新名称有限公司", address="新地址1号")
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == UNIT_NAME and unit.address == "新地址1号"
    assert ProfileChangeRequest.objects.filter(member_unit=unit).count() == 1

    # The representative cannot decide; the secretariat can.
    decide = url("member-change-request", alliance, profilechangerequest_id=change.pk)
    assert rep_client.post(decide, {"decision": "approve"}).status_code == 403
    client.force_login(staff_user)
    queue = client.get(url("member-change-requests", alliance)).content.decode()
    assert UNIT_NAME in queue and new_name in queue and "→" in queue
    response = client.post(decide, {"decision": "approve", "note": "核对营业执照无误"})
    assert response.status_code == 302
    unit.refresh_from_db()
    change.refresh_from_db()
    assert unit.name == new_name
    assert change.status == RequestStatus.APPROVED and change.decided_by == staff_user
    actions = list(MembershipEvent.objects.filter(member_unit=unit).values_list("action", flat=True))
    assert actions == [  # newest first
        MembershipAction.CHANGE_APPROVED,
        MembershipAction.PROFILE_UPDATED,
        MembershipAction.CHANGE_REQUESTED,
    ]
    assert AuditEntry.objects.filter(action="member.change_approved", object_id=str(unit.pk)).exists()
    # Deciding twice is refused with a message; nothing changes.
    assert client.post(decide, {"decision": "decline", "note": "x"}).status_code == 302
    change.refresh_from_db()
    assert change.status == RequestStatus.APPROVED
    # The representative's history shows both steps.
    timeline = rep_client.get(url("my-unit", alliance)).content.decode()
    assert timeline.index(str(MembershipAction.CHANGE_APPROVED.label)) < timeline.index(
        str(MembershipAction.CHANGE_REQUESTED.label)
    )


def test_declining_needs_a_note_and_keeps_the_name(alliance, unit, staff_client):
    change = ProfileChangeRequest.objects.create(
        alliance=alliance, member_unit=unit, changes={"name": "新名称有限公司"}, previous={"name": UNIT_NAME}
    )
    decide = url("member-change-request", alliance, profilechangerequest_id=change.pk)
    response = staff_client.post(decide, {"decision": "decline", "note": ""})
    assert response.status_code == 400 and "note" in response.context["form"].errors
    assert (
        staff_client.post(decide, {"decision": "decline", "note": "请提供变更后的营业执照"}).status_code
        == 302
    )
    change.refresh_from_db()
    unit.refresh_from_db()
    assert change.status == RequestStatus.DECLINED and unit.name == UNIT_NAME
    assert MembershipEvent.objects.filter(member_unit=unit, action=MembershipAction.CHANGE_REJECTED).exists()


def test_change_request_queue_lists_pending_first_in_constant_queries(alliance, staff_client):
    def add(count, status=RequestStatus.PENDING):
        for _ in range(count):
            unit = make_unit(alliance)
            ProfileChangeRequest.objects.create(
                alliance=alliance, member_unit=unit, changes={"name": f"{unit.name}新"},
                previous={"name": unit.name}, status=status,
            )  # fmt: skip

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(url("member-change-requests", alliance))
            assert response.status_code == 200
        return len(captured), response

    add(5, RequestStatus.DECLINED)
    add(5)
    few, response = queries()
    statuses = [r.status for r in response.context["object_list"]]
    assert statuses == sorted(statuses, key=lambda s: s != RequestStatus.PENDING)
    add(40)
    assert queries()[0] == few


# --- Specialties and industries --------------------------------------------------------------------------


def test_enterprise_chooses_its_industry_from_a_grouped_list(alliance, unit, rep_client):
    section, _ = IndustrySection.objects.get_or_create(code="C", defaults={"name": "制造业"})
    division, _ = IndustryDivision.objects.get_or_create(
        code="34", defaults={"section": section, "name": "通用设备制造业"}
    )
    page = rep_client.get(url("my-unit-edit", alliance)).content.decode()
    assert f'<optgroup label="{section}">' in page and 'name="specialties"' not in page
    response = rep_client.post(
        url("my-unit-edit", alliance), profile_data(unit, industry_division=division.pk)
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.industry_division_id == division.pk


def test_school_chooses_specialties_grouped_by_class(alliance):
    school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="淄博市技师学院测试")
    Contact.objects.create(alliance=alliance, member_unit=school, name="张老师", is_primary=True)
    category, _ = SpecialtyCategory.objects.get_or_create(number=6, defaults={"name": "装备制造大类"})
    specialty_class, _ = SpecialtyClass.objects.get_or_create(
        code="4601", defaults={"category": category, "level": "higher", "name": "机械设计制造类"}
    )
    first, _ = Specialty.objects.get_or_create(
        code="460103", defaults={"specialty_class": specialty_class, "name": "数控技术"}
    )
    second, _ = Specialty.objects.get_or_create(
        code="460104", defaults={"specialty_class": specialty_class, "name": "机械制造及自动化"}
    )
    client = Client()
    client.force_login(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=school))
    page = client.get(url("my-unit-edit", alliance)).content.decode()
    assert '<optgroup label="4601 ' in page and 'name="industry_division"' not in page
    data = profile_data(school, specialties=[first.pk, second.pk])
    assert client.post(url("my-unit-edit", alliance), data).status_code == 302
    assert set(MemberSpecialty.objects.filter(member_unit=school).values_list("specialty_id", flat=True)) == {
        first.pk, second.pk,
    }  # fmt: skip
    assert "数控技术" in client.get(url("my-unit", alliance)).content.decode()


# --- Documents -----------------------------------------------------------------------------------------


def _document(alliance, unit, title="入会申请书.pdf", body=b"%PDF-1.4 test"):
    document = MemberDocument(
        alliance=alliance, member_unit=unit, title=title, content_type="application/pdf", size=len(body)
    )
    document.file.save("application.pdf", ContentFile(body), save=True)
    return document


def test_representative_downloads_own_documents_only(alliance, unit, rep_client, staff_client):
    own = _document(alliance, unit)
    other_unit = make_unit(alliance, name="别家企业有限公司")
    foreign = _document(alliance, other_unit, title="别家的申请书.pdf")
    response = rep_client.get(url("my-unit-document", alliance, memberdocument_id=own.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert rep_client.get(url("my-unit-document", alliance, memberdocument_id=foreign.pk)).status_code == 404
    assert rep_client.get(url("member-document", alliance, memberdocument_id=own.pk)).status_code == 403
    assert AuditEntry.objects.filter(action="member.document_downloaded").count() == 1
    # The secretariat may download any document of the alliance.
    response = staff_client.get(url("member-document", alliance, memberdocument_id=foreign.pk))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.filter(action="member.document_downloaded", object_id=str(foreign.pk)).exists()


def test_history_runs_a_constant_number_of_queries(alliance, unit, rep_client):
    def add(count):
        for index in range(count):
            event = MembershipEvent.objects.create(
                alliance=alliance, member_unit=unit, action=MembershipAction.PROFILE_UPDATED,
                detail={"changes": {"address": ["a", "b"]}}, reason=f"第{index}次",
            )  # fmt: skip
            document = _document(alliance, unit, title=f"附件{index}.pdf")
            document.event = event
            document.save()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert rep_client.get(url("my-unit", alliance)).status_code == 200
        return len(captured)

    add(10)
    few = queries()
    add(40)
    assert queries() == few


# --- Withdrawal ----------------------------------------------------------------------------------------


def test_withdrawal_honours_the_notice_period(alliance, unit, rep_client):
    today = timezone.localdate()
    earliest = add_months(today, 3)  # the default charter: 3 months' notice
    page = rep_client.get(url("my-unit-withdraw", alliance)).content.decode()
    assert earliest.isoformat() in page
    too_early = earliest - timedelta(days=1)
    response = rep_client.post(
        url("my-unit-withdraw", alliance),
        {"reason": "经营调整", "effective_on": too_early.isoformat(), "documents": pdf()},
    )
    assert response.status_code == 400
    assert "effective_on" in response.context["form"].errors
    assert earliest.isoformat() in response.content.decode()
    unit.refresh_from_db()
    assert unit.status == MemberStatus.ADMITTED
    assert not WithdrawalRequest.objects.exists() and not MembershipEvent.objects.exists()
    assert not MemberDocument.objects.exists()

    # A file that is not a PDF, JPEG or PNG is refused too, and nothing is written.
    response = rep_client.post(
        url("my-unit-withdraw", alliance),
        {"reason": "经营调整", "effective_on": earliest.isoformat(),
         "documents": SimpleUploadedFile("letter.pdf", b"MZ not a pdf")},
    )  # fmt: skip
    assert response.status_code == 400 and "documents" in response.context["form"].errors
    assert not WithdrawalRequest.objects.exists()

    response = rep_client.post(
        url("my-unit-withdraw", alliance),
        {"reason": "经营调整", "effective_on": earliest.isoformat(), "documents": pdf("退会申请.pdf")},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    request = WithdrawalRequest.objects.get(member_unit=unit)
    assert unit.status == MemberStatus.WITHDRAWAL_REQUESTED
    assert request.requested_on == today and request.effective_on == earliest and request.status == "pending"
    assert MemberDocument.objects.get(member_unit=unit).title == "退会申请.pdf"
    page = rep_client.get(url("my-unit-withdraw", alliance)).content.decode()
    assert 'data-testid="open-withdrawal"' in page and earliest.isoformat() in page
    assert 'data-testid="withdrawal-form"' not in page
    # A second request is refused while one is open.
    rep_client.post(
        url("my-unit-withdraw", alliance), {"reason": "再次", "effective_on": earliest.isoformat()}
    )
    assert WithdrawalRequest.objects.count() == 1

    # Cancelling returns the unit to admitted.
    assert (
        rep_client.post(url("my-unit-withdraw-cancel", alliance), {"reason": "继续合作"}).status_code == 302
    )
    unit.refresh_from_db()
    request.refresh_from_db()
    assert unit.status == MemberStatus.ADMITTED and request.status == RequestStatus.CANCELLED
    assert MembershipEvent.objects.filter(
        member_unit=unit, action=MembershipAction.WITHDRAWAL_CANCELLED
    ).exists()
    # Cancelling again has nothing to cancel: a message, no error page.
    assert rep_client.post(url("my-unit-withdraw-cancel", alliance)).status_code == 302


def test_only_admitted_units_can_request_withdrawal(alliance, rep_client, unit):
    unit.status = MemberStatus.SUSPENDED
    unit.save()
    page = rep_client.get(url("my-unit-withdraw", alliance)).content.decode()
    assert 'data-testid="withdrawal-form"' not in page
    response = rep_client.post(
        url("my-unit-withdraw", alliance), {"reason": "x", "effective_on": date(2099, 1, 1).isoformat()}
    )
    assert response.status_code == 302 and not WithdrawalRequest.objects.exists()


# --- Certificate ---------------------------------------------------------------------------------------


def _pdf_text(content: bytes, tmp_path) -> tuple[str, str]:
    if not (shutil.which("pdftotext") and shutil.which("pdffonts")):
        pytest.skip("poppler-utils (pdftotext, pdffonts) are not installed")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return text, fonts


def test_certificate_is_a_chinese_pdf_with_embedded_font(alliance, unit, rep_client, tmp_path):
    response = rep_client.get(url("my-unit-certificate", alliance))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    content = response.content
    assert content.startswith(b"%PDF")
    text, fonts = _pdf_text(content, tmp_path)
    squeezed = "".join(text.split())
    for expected in (
        alliance.name,
        UNIT_NAME,
        NUMBER,
        "成员单位证书",
        "（盖章）",
        "2026年1月5日",
        "理事单位",
    ):
        assert expected in squeezed, expected
    cjk_fonts = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk_fonts and all(line.split()[-5] == "yes" for line in cjk_fonts), fonts  # the "emb" column
    entry = AuditEntry.objects.get(action="member.certificate_downloaded")
    assert entry.object_id == str(unit.pk) and entry.actor_id is not None


def test_staff_download_the_certificate_and_applicants_have_none(alliance, unit, staff_client):
    response = staff_client.get(url("member-certificate", alliance, memberunit_id=unit.pk))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    applicant = make_unit(alliance, name="申请中的企业有限公司", status=MemberStatus.APPLIED)
    response = staff_client.get(url("member-certificate", alliance, memberunit_id=applicant.pk))
    assert response.status_code == 404
    assert 'data-testid="certificate-refused"' in response.content.decode()
    no_number = make_unit(alliance, name="尚无编号的企业有限公司")
    assert (
        staff_client.get(url("member-certificate", alliance, memberunit_id=no_number.pk)).status_code == 404
    )
    assert AuditEntry.objects.filter(action="member.certificate_downloaded").count() == 1


def test_representative_of_an_applicant_gets_no_certificate(alliance, client):
    applicant = make_unit(alliance, name="申请单位有限公司", status=MemberStatus.UNDER_REVIEW)
    client.force_login(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=applicant))
    response = client.get(url("my-unit-certificate", alliance))
    assert response.status_code == 404
    assert 'data-testid="certificate-refused"' in response.content.decode()
    page = client.get(url("my-unit", alliance)).content.decode()
    assert url("my-unit-certificate", alliance) not in page
    assert not AuditEntry.objects.filter(action="member.certificate_downloaded").exists()


# --- In the browser ----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_checks_a_field_when_it_is_left_and_saves_a_name_change(page, live_server):
    from playwright.sync_api import expect

    from .factories import PASSWORD, make_alliance

    alliance = make_alliance("淄博市技工教育集团浏览器测试", slug="zibo-browser")
    unit = make_unit(alliance, name=UNIT_NAME, member_number=NUMBER, admitted_on=date(2026, 1, 5))
    Contact.objects.create(alliance=alliance, member_unit=unit, name="王建国", is_primary=True)
    rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, "rep-browser", unit=unit)
    page.goto(f"{live_server.url}{reverse('login')}")
    page.locator("#id_username").fill(rep.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()
    page.goto(f"{live_server.url}{url('my-unit', alliance)}")
    expect(page.get_by_test_id("status-explanation")).to_be_visible()
    page.goto(f"{live_server.url}{url('my-unit-edit', alliance)}")
    page.locator("#id_credit_code").fill("91370303ABC")
    page.locator("#id_credit_code").press("Tab")
    error = page.locator(".field.has-error small.error")
    expect(error).to_have_count(1)  # shown without leaving the page
    # htmx wires the swapped-in field only when it settles (it then drops "htmx-added"); a blur before
    # that sends nothing, which no person can do but a script can.
    expect(page.locator(".field.htmx-added")).to_have_count(0)
    page.locator("#id_credit_code").fill(unit.credit_code)
    page.locator("#id_credit_code").press("Tab")
    expect(error).to_have_count(0)
    page.locator("#id_name").fill("淄博精工智能装备有限公司")
    page.locator("button.primary[type=submit]").click()
    expect(page.get_by_test_id("pending-change")).to_contain_text("淄博精工智能装备有限公司")
    unit.refresh_from_db()
    assert unit.name == UNIT_NAME


def test_profile_of_an_expelled_unit_cannot_be_edited(alliance, unit, rep_client):
    unit.status = MemberStatus.EXPELLED
    unit.save()
    assert rep_client.get(url("my-unit-edit", alliance)).status_code == 302
    response = rep_client.post(url("my-unit-edit", alliance), profile_data(unit, address="不应保存"))
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.address == "淄博市张店区华光路1号"
    assert rep_client.get(url("my-unit", alliance)).status_code == 200  # the history stays readable

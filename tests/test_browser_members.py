"""In Debian's Chromium, the secretariat's membership work: import 150 units from the template (fixing the bad
rows the error report names), admit an online applicant through a council resolution, record a withdrawal that
honours the notice period, and export the filtered list (opened with openpyxl)."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from alliances.governance import Resolution
from alliances.permissions import Role
from members.identifiers import make_credit_code
from members.models import CouncilRole, MemberKind, MemberStatus, MemberUnit, WithdrawalRequest
from members.services import add_months

from .factories import PASSWORD, make_alliance, make_member, make_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def zibo():
    alliance = make_alliance("淄博市技工教育集团（联盟）", slug="zibo")
    for number in range(5):  # the council: five seats
        make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name=f"淄博第{number + 1}技师学院",
                  council_role=CouncilRole.COUNCIL)  # fmt: skip
    admin = make_member(alliance, Role.SECRETARIAT_ADMIN, "zb-browser-admin")
    return alliance, admin


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()


def fill_template(path, rows: list[dict]) -> bytes:
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header_row = next(r for r in range(1, 11) if any(c.value and "单位名称" in str(c.value) for c in sheet[r]))
    headers = [str(c.value or "").replace("*", "").replace("＊", "").strip() for c in sheet[header_row]]
    for offset, values in enumerate(rows, start=1):
        for column, header in enumerate(headers, start=1):
            if header in values:
                sheet.cell(row=header_row + offset, column=column, value=values[header])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), header_row


def roster(count: int) -> list[dict]:
    rows = []
    for n in range(count):
        is_school = n % 15 == 0
        rows.append({
            "单位名称": f"淄博导入{'技工学校' if is_school else '制造有限公司'}{n + 1:03d}",
            "类型": "技工院校" if is_school else "企业",
            "统一社会信用代码": make_credit_code("12" if is_school else "91", "370303", f"{n + 7000:09d}"),
            "行政区划代码": "370303",
            "入会日期": "2019-09-28",
            "联系人": "张三",
            "联系人手机": "13812345678",
            "联系人邮箱": f"contact{n}@example.cn",
        })  # fmt: skip
    return rows


def test_secretariat_imports_admits_records_a_withdrawal_and_exports(page, live_server, zibo, tmp_path, browser):
    alliance, admin = zibo
    base = live_server.url
    log_in(page, live_server, admin.username)

    # 1. Import: download the template, fill 150 rows of which three are wrong.
    page.goto(f"{base}{reverse('member-list', args=[alliance.slug])}")
    page.get_by_test_id("import-members").click()
    with page.expect_download() as template_download:
        page.get_by_test_id("import-template").click()
    template_path = tmp_path / "template.xlsx"
    template_download.value.save_as(template_path)
    rows = roster(150)
    good_code = rows[4]["统一社会信用代码"]
    rows[4]["统一社会信用代码"] = good_code[:-1] + ("0" if good_code[-1] != "0" else "1")  # bad check digit
    rows[9]["统一社会信用代码"] = rows[8]["统一社会信用代码"]  # duplicate inside the file
    missing_name = rows[19].pop("单位名称")
    content, header_row = fill_template(template_path, rows)
    bad_file = tmp_path / "roster-with-errors.xlsx"
    bad_file.write_bytes(content)
    page.locator("input[type=file]").set_input_files(str(bad_file))
    page.get_by_test_id("import-submit").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_be_visible(timeout=30_000)
    for excel_row in (header_row + 5, header_row + 10, header_row + 20):
        expect(errors).to_contain_text(str(excel_row))
    assert MemberUnit.objects.filter(name__startswith="淄博导入").count() == 0  # all or nothing
    with page.expect_download() as report_download:
        page.get_by_test_id("import-error-report").click()
    report_download.value.save_as(tmp_path / "errors.xlsx")
    report = load_workbook(tmp_path / "errors.xlsx")
    report_text = " ".join(str(c.value) for ws in report.worksheets for r in ws.iter_rows() for c in r if c.value)
    assert "统一社会信用代码" in report_text and "单位名称" in report_text

    # Fix the three rows as the report says and import again.
    rows[4]["统一社会信用代码"] = good_code
    rows[9]["统一社会信用代码"] = make_credit_code("91", "370303", "000099999")
    rows[19]["单位名称"] = missing_name
    content, _ = fill_template(template_path, rows)
    good_file = tmp_path / "roster.xlsx"
    good_file.write_bytes(content)
    page.goto(f"{base}{reverse('member-import', args=[alliance.slug])}")
    page.locator("input[type=file]").set_input_files(str(good_file))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("composition").or_(page.get_by_test_id("import-created"))).to_be_visible(
        timeout=30_000
    )
    assert MemberUnit.objects.filter(name__startswith="淄博导入").count() == 150

    # 2. An applicant applies online, without an account.
    visitor = browser.new_context(locale="zh-CN")
    applicant_page = visitor.new_page()
    applicant_page.goto(f"{base}{reverse('member-apply', args=[alliance.slug])}")
    applicant_page.locator("#id_kind").select_option("enterprise")
    applicant_page.locator("#id_name").fill("淄博网上申请智能装备有限公司")
    applicant_page.locator("#id_credit_code").fill(make_credit_code("91", "370303", "MA3APPLY1"))
    applicant_page.locator("#id_contact_name").fill("李经理")
    applicant_page.locator("#id_contact_mobile").fill("13900001234")
    applicant_page.locator("#id_contact_email").fill("li@example.cn")
    applicant_page.locator("#id_statement").fill("主营智能装备制造，愿与成员院校开展订单班合作。")
    applicant_page.locator("#id_documents").set_input_files(
        files=[{"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    applicant_page.locator("#id_accepts_charter").check()
    applicant_page.get_by_test_id("submit-application").click()
    expect(applicant_page.get_by_test_id("application-received")).to_be_visible()
    visitor.close()
    applicant = MemberUnit.objects.get(name="淄博网上申请智能装备有限公司")
    assert applicant.status == MemberStatus.APPLIED

    # 3. The secretariat reviews it; the council meets and resolves to admit it.
    page.goto(f"{base}{reverse('member-applications', args=[alliance.slug])}")
    page.get_by_test_id("applications").get_by_role("link", name=applicant.name).click()
    page.locator(f"a[href$='/members/{applicant.pk}/start-review/']").click()
    page.get_by_test_id("transition-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("unit-status")).to_have_attribute("class", re.compile("status-under_review"))

    page.goto(f"{base}{reverse('governance-meeting-create', args=[alliance.slug])}")
    page.locator("#id_body").select_option("council")
    page.locator("#id_title").fill("第一届理事会第五次会议")
    page.locator("#id_held_on").fill(timezone.localdate().isoformat())
    page.locator("#id_seats").fill("5")
    page.locator("#id_present").fill("5")
    page.get_by_test_id("meeting-form").locator("button[type=submit]").click()
    page.locator("a[href*='/resolutions/new/']").first.click()
    page.locator("#id_number").fill("2026-理-05")
    page.locator("#id_subject").select_option("admission")
    page.locator("#id_title").fill("关于接纳淄博网上申请智能装备有限公司入会的决议")
    page.locator("#id_votes_for").fill("5")
    page.locator("#id_votes_against").fill("0")
    page.locator("#id_votes_abstaining").fill("0")
    page.get_by_test_id("resolution-form").locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("2026-理-05")  # recorded: only now is it in the database
    resolution = Resolution.objects.get(number="2026-理-05")
    assert resolution.passed and resolution.quorum_met

    page.goto(f"{base}{reverse('member-admit', args=[alliance.slug, applicant.pk])}")
    page.locator("#id_resolution").select_option(str(resolution.pk))
    page.get_by_test_id("transition-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("unit-status")).to_have_attribute("class", re.compile("status-admitted"))
    expect(page.get_by_test_id("timeline")).to_contain_text("2026-理-05")
    applicant.refresh_from_db()
    assert applicant.status == MemberStatus.ADMITTED and applicant.member_number

    # 4. A written withdrawal request: a date inside the notice period is refused, the default honours it.
    leaving = MemberUnit.objects.get(name="淄博导入制造有限公司002")
    today = timezone.localdate()
    page.goto(f"{base}{reverse('member-request-withdrawal', args=[alliance.slug, leaving.pk])}")
    page.locator("#id_reason").fill("企业经营方向调整，申请退出联盟。")
    page.locator("#id_effective_on").fill((today + timedelta(days=10)).isoformat())
    page.get_by_test_id("transition-form").locator("button[type=submit]").click()
    expect(page.locator(".has-error, .form-errors").first).to_be_visible()
    assert not WithdrawalRequest.objects.filter(member_unit=leaving).exists()
    page.locator("#id_effective_on").fill("")
    page.get_by_test_id("transition-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("withdrawal-notice")).to_be_visible()
    request = WithdrawalRequest.objects.get(member_unit=leaving)
    assert request.effective_on == add_months(today, 3)
    expect(page.get_by_test_id("withdrawal-notice")).to_contain_text(request.effective_on.isoformat())

    # 5. Export the filtered list (enterprises only) and open it.
    page.goto(f"{base}{reverse('member-list', args=[alliance.slug])}?kind=enterprise")
    page.get_by_test_id("export-members").click()
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=30_000)
    with page.expect_download() as export_download:
        page.get_by_test_id("job-download").click()
    export_download.value.save_as(tmp_path / "export.xlsx")
    exported = load_workbook(tmp_path / "export.xlsx").worksheets[0]
    names = [row[1] for row in exported.iter_rows(min_row=2, values_only=True)]
    enterprises = MemberUnit.objects.filter(kind=MemberKind.ENTERPRISE).count()
    assert len(names) == enterprises == 141  # 140 imported enterprises + the admitted applicant
    assert "淄博网上申请智能装备有限公司" in names and not any(n.startswith("淄博第") for n in names)

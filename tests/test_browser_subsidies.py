"""In Debian's Chromium, an internship post subsidy from claim to disbursement list (issue 4, "Done when"):

1. an enterprise representative opens a claim, downloads the Excel template, uploads 40 lines of which several
   are wrong, reads the per-row messages (nothing is imported), fixes the file and uploads it again, reads the
   compliance findings on the claim, corrects the lines in the forms, gives the payment account and submits —
   twice, from two tabs, without a second claim or a second submission;
2. the two schools confirm their students (one denies a student, with a note);
3. secretariat staff review the claim line by line and approve it;
4. staff calculate the program and period: the run page shows the calculation's progress bar until it has
   finished (inline without a broker; through a real Celery worker, polled by htmx, on PostgreSQL + Redis);
5. the disbursement list (XLSX) downloads and its figures — per enterprise and per payer — equal an independent
   computation written here from the program's rules (rate × counted posts, cap, budget pro rata, payer split).

Screenshots of the main pages go to /tmp/shots/ (or $SHOTS_DIR) for a human look.
"""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from playwright.sync_api import expect
from stdnum.cn import ric

from alliances.models import AuditEntry
from alliances.permissions import Role
from members.models import MemberKind
from subsidies.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimTransition,
    LineReview,
    PeriodKind,
    ProgramKind,
    SchoolDecision,
)
from subsidies.services import claims as claim_services
from subsidies.services import review as review_services
from subsidies.services.programs import create_period, create_program, propose_period

from .factories import PASSWORD, make_alliance, make_member, make_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REAL_WORKER = (
    bool(settings.REDIS_URL) and settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
)

# The program's rules, as the secretariat set them (and as the independent computation below reads them).
RATE = Decimal("300.00")  # per post per semester; each intern is a post (the default reading)
CAP = Decimal("9000.00")  # per enterprise per period
BUDGET = Decimal("10000.00")  # per period, pro rata when exceeded (the default policy)
PAYERS = (("市财政", Decimal("60")), ("区县财政", Decimal("40")))


def zh(message: str, **params) -> str:
    """A message as the pages show it by default (zh-hans): through the same catalogue as the app."""
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % params if params else text


def resident_id(birth: datetime.date, sequence: int, division: str = "370302") -> str:
    body = f"{division}{birth:%Y%m%d}{sequence % 1000:03d}"
    # stdnum takes the whole number and ignores its last character
    return body + ric.calc_check_digit(body + "0")


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def current_semester(today: datetime.date) -> dict:
    """The semester that contains today (its claim deadline is then always ahead)."""
    if today.month >= 9:
        return propose_period(PeriodKind.SEMESTER, today.year, 1)
    if today.month == 1:
        return propose_period(PeriodKind.SEMESTER, today.year - 1, 1)
    return propose_period(PeriodKind.SEMESTER, today.year - 1, 2)


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class Scene:
    alliance: object
    program: object
    period: object
    enterprise: object
    other_enterprise: object
    school_a: object
    school_b: object
    enterprise_rep: object
    school_a_rep: object
    school_b_rep: object
    staff: object
    other_claim: Claim
    shared_student: dict  # on the other enterprise's claim (submitted first) and in our file


def student(number: int, school, starts_on, ends_on, **extra) -> dict:
    birth = datetime.date(2006, 1 + number % 12, 1 + number % 27)
    return {
        "student_name": f"实习生{number:02d}", "resident_id": resident_id(birth, number), "school": school,
        "specialty": "数控技术应用", "post": "数控车床操作工", "starts_on": starts_on, "ends_on": ends_on,
        "agreement_number": f"SF-{number:04d}", "insurance_policy_number": f"BX-{number:04d}",
        "monthly_pay": Decimal("2800.00"), **extra,
    }  # fmt: skip


@pytest.fixture
def scene() -> Scene:
    alliance = make_alliance("淄博市技工教育集团（联盟）", slug="zibo-subsidies")
    school_a = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="淄博市技师学院")
    school_b = make_unit(alliance, MemberKind.SECONDARY_VOCATIONAL, name="淄博市工业学校")
    enterprise = make_unit(
        alliance, MemberKind.ENTERPRISE, name="山东精工智能装备有限公司", employee_count=450,
        above_designated_size=True,
    )  # fmt: skip  # 10 % of 450 is 45: room for 40 interns; above size, so at least 2 % (9) must be hosted
    other_enterprise = make_unit(
        alliance, MemberKind.ENTERPRISE, name="淄博华信机械制造有限公司", employee_count=200
    )
    staff = make_member(alliance, Role.SECRETARIAT_STAFF, "zb-sub-staff")
    enterprise_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, "zb-sub-enterprise", unit=enterprise)
    other_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, "zb-sub-other", unit=other_enterprise)
    school_a_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, "zb-sub-school-a", unit=school_a)
    school_b_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, "zb-sub-school-b", unit=school_b)
    proposal = current_semester(timezone.localdate())
    program = create_program(
        alliance, kind=ProgramKind.INTERNSHIP_POST, code="dgsx", name="顶岗实习补助",
        effective_from=proposal["starts_on"] - datetime.timedelta(days=200), policy_reference="淄人社发〔2019〕12号",
        funding_shares=[(payer, percent) for payer, percent in PAYERS], cap_per_enterprise=CAP, budget=BUDGET,
    )  # fmt: skip
    period = create_period(alliance, kind=PeriodKind.SEMESTER, academic_year=proposal["academic_year"],
                           semester=proposal["semester"])  # fmt: skip
    starts_on, ends_on = (
        period.starts_on + datetime.timedelta(days=6),
        period.ends_on - datetime.timedelta(days=10),
    )

    # Another enterprise claimed nine interns of school A before us, one of whom is also in our file (the program
    # flags both claims; the calculation pays the student once, to the claim submitted first). Its claim goes the
    # whole way through the services: submitted, confirmed by the school, approved.
    others = [student(70 + n, school_a, starts_on, ends_on, post="装配钳工") for n in range(9)]
    shared = dict(others[4])
    other_claim = claim_services.create_claim(other_enterprise, program, period, actor=other_rep)
    claim_services.add_lines_in_bulk(other_claim, others, actor=other_rep)
    claim_services.update_claim_payment(other_claim, other_enterprise.name, "中国建设银行淄博分行",
                                        "6217 0002 6000 1234 567", actor=other_rep)  # fmt: skip
    claim_services.submit_claim(other_claim, actor=other_rep)
    review_services.confirm_all_students(school_a, other_claim, actor=school_a_rep)
    assert review_services.approve_clean_lines(other_claim, actor=staff) == 9
    review_services.decide_claim(other_claim, "approve", actor=staff)
    other_claim.refresh_from_db()
    assert other_claim.status == ClaimStatus.APPROVED
    return Scene(
        alliance, program, period, enterprise, other_enterprise, school_a, school_b, enterprise_rep, school_a_rep,
        school_b_rep, staff, other_claim, shared,
    )  # fmt: skip


@pytest.fixture
def calculation_worker(live_server):
    """On PostgreSQL + Redis the calculation goes to a real Celery worker (pausing a little after each step, so
    that the page shows the bar moving); elsewhere tasks run inline and no worker is needed."""
    if not REAL_WORKER:
        yield None
        return
    from config.celery import app
    from subsidies.jobs import PAUSE_VARIABLE

    from .test_subsidy_worker import start_worker, stop_worker

    app.control.purge()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_worker(log, **{PAUSE_VARIABLE: "0.8"})
        try:
            yield process
        finally:
            stop_worker(process)


@pytest.fixture
def new_page(browser):
    """A page in a browser context of its own (another person's browser), closed at the end: its keep-alive
    connections to the live server would otherwise hold database sessions open past the test."""
    contexts = []

    def make():
        context = browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1400, "height": 900}
        )
        contexts.append(context)
        other = context.new_page()
        other.on("dialog", lambda dialog: dialog.accept())
        return other

    yield make
    for context in contexts:
        context.close()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()
    expect(page.locator("#id_username")).to_have_count(0)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"subsidies-{name}.png"), full_page=True)


def fill_template(path: Path, rows: list[dict]) -> bytes:
    """The downloaded template with `rows` written under its headings (found by their Chinese text)."""
    workbook = load_workbook(path)
    sheet = workbook["实习学生"]
    columns = {str(cell.value).strip(): cell.column for cell in sheet[1] if cell.value}
    for offset, values in enumerate(rows, start=2):
        for header, value in values.items():
            cell = sheet.cell(row=offset, column=columns[header], value=value)
            if header == "身份证号":
                cell.number_format = "@"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_row(line: dict) -> dict:
    """A line in the template's columns (dates as real dates, the school by its name)."""
    return {
        "学生姓名": line["student_name"], "身份证号": line["resident_id"],
        "学校": line["school"].name if hasattr(line["school"], "name") else line["school"],
        "专业": line["specialty"], "岗位": line["post"], "开始日期": line["starts_on"], "结束日期": line["ends_on"],
        "三方协议编号": line["agreement_number"], "保险单号": line["insurance_policy_number"],
        "月薪（元）": float(line["monthly_pay"]),
    }  # fmt: skip


# --- the independent computation ------------------------------------------------------------------------------


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def expected_disbursements(posts: dict[str, int]) -> dict[str, dict]:
    """From the rules alone: each enterprise gets RATE per counted post, at most CAP; when the capped amounts
    exceed BUDGET, every amount is scaled by BUDGET / total and rounded down to the fen, the fen left over going
    one each to the largest remainders; each amount is split between the payers — the first gets its percent
    rounded half up to the fen, the last the rest."""
    capped = {name: min(RATE * count, CAP) for name, count in posts.items()}
    total = sum(capped.values(), Decimal("0"))
    if total > BUDGET:
        exact = {
            name: Decimal(fen(amount)) * Decimal(fen(BUDGET)) / Decimal(fen(total))
            for name, amount in capped.items()
        }
        floors = {name: int(value.to_integral_value(rounding=ROUND_DOWN)) for name, value in exact.items()}
        left = fen(BUDGET) - sum(floors.values())
        for name in sorted(exact, key=lambda n: exact[n] - floors[n], reverse=True)[:left]:
            floors[name] += 1
        amounts = {name: Decimal(value) / 100 for name, value in floors.items()}
    else:
        amounts = capped
    result = {}
    for name, amount in amounts.items():
        shares, paid = {}, Decimal("0.00")
        for payer, percent in PAYERS[:-1]:
            shares[payer] = (amount * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            paid += shares[payer]
        shares[PAYERS[-1][0]] = amount - paid
        result[name] = {"amount": amount.quantize(Decimal("0.01")), "shares": shares}
    return result


# --- the test ---------------------------------------------------------------------------------------------------


def test_claim_to_disbursement_list(page, live_server, new_page, scene, calculation_worker, tmp_path):
    s = scene
    base = live_server.url
    slug = s.alliance.slug
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations before removing and submitting
    starts_on = s.period.starts_on + datetime.timedelta(days=6)
    ends_on = s.period.ends_on - datetime.timedelta(days=10)

    # 1. The enterprise opens a claim for the program and the period.
    log_in(page, live_server, s.enterprise_rep.username)
    page.get_by_role("link", name=zh("My claims")).first.click()
    page.get_by_test_id("new-claim").click()
    page.locator("#id_program").select_option(label=s.program.name)
    page.locator("#id_period").select_option(str(s.period.pk))
    page.get_by_test_id("claim-create-submit").click()
    expect(page.get_by_test_id("claim-status")).to_have_class(re.compile("status-draft"))
    claim = Claim.objects.get(enterprise=s.enterprise)
    claim_url = f"{base}{reverse('claim-detail', args=[slug, claim.pk])}"

    # The template: a real workbook with Chinese headings, the member schools in its dropdown list.
    page.get_by_test_id("import-lines").click()
    with page.expect_download() as template_download:
        page.get_by_test_id("template-link").click()
    template_path = tmp_path / template_download.value.suggested_filename
    template_download.value.save_as(template_path)
    assert template_path.suffix == ".xlsx" and template_path.read_bytes()[:2] == b"PK"
    template = load_workbook(template_path)
    assert template.sheetnames[:2] == ["实习学生", "填写说明"]
    headings = [cell.value for cell in template["实习学生"][1]]
    assert headings == ["学生姓名", "身份证号", "学校", "专业", "岗位", "开始日期", "结束日期", "三方协议编号",
                        "保险单号", "月薪（元）"]  # fmt: skip
    schools_listed = [row[0] for row in template["学校名单"].iter_rows(min_row=2, values_only=True)]
    assert schools_listed == sorted([s.school_a.name, s.school_b.name])
    dropdowns = [v for v in template["实习学生"].data_validations.dataValidation if v.type == "list"]
    assert len(dropdowns) == 1 and "学校名单" in dropdowns[0].formula1 and "C2" in str(dropdowns[0].sqref)

    # 40 interns: even lines from school A, odd from school B; line 38 is the other enterprise's intern.
    lines = [student(n, s.school_a if n % 2 == 0 else s.school_b, starts_on, ends_on) for n in range(1, 41)]
    lines[37] = dict(s.shared_student)
    fixed = {index: dict(lines[index]) for index in (4, 8, 13, 19, 24)}
    # Wrong in the file (the import refuses the whole file):
    lines[4] = {**lines[4], "resident_id": wrong_check_digit(lines[4]["resident_id"])}  # Excel row 6
    lines[8] = {**lines[8], "school": "淄博市不存在职业学校"}  # row 10: not a member school
    lines[13] = {**lines[13], "ends_on": "2026-13-40"}  # row 15: no such date
    lines[19] = {**lines[19], "resident_id": lines[2]["resident_id"]}  # row 21: the student of row 4 again
    lines[24] = {**lines[24], "student_name": None}  # row 26: no name
    # Wrong by the program's rules (imported, then shown as findings that stop the submission):
    young_birth = add_years(starts_on, -15) - datetime.timedelta(days=40)
    lines[29] = {**lines[29], "resident_id": resident_id(young_birth, 930)}  # line 30: 15 at the start
    too_early = s.period.starts_on - datetime.timedelta(days=20)
    lines[32] = {**lines[32], "starts_on": too_early}  # line 33: starts before the period
    lines[35] = {**lines[35], "insurance_policy_number": None}  # line 36: no insurance
    rows = [as_row(line) for line in lines]

    bad_file = tmp_path / "实习学生-有错误.xlsx"
    bad_file.write_bytes(fill_template(template_path, rows))
    page.locator("input[type=file]").set_input_files(str(bad_file))
    page.get_by_test_id("import-submit").click()
    problems = page.get_by_test_id("import-errors")
    expect(problems).to_be_visible()
    shot(page, "1-import-errors")
    expected_rows = {
        6: zh("The check digit of the resident ID number does not match: a digit was probably mistyped."),
        10: zh("Not a member school of the alliance. Choose the school from the template's list."),
        15: zh("This date does not exist."),
        21: zh("The same student is also on row %(row)d.", row=4),
        26: zh("Required: this cell is empty."),
    }
    table_rows = problems.locator("tbody tr")
    expect(table_rows).to_have_count(len(expected_rows))
    for index, (excel_row, message) in enumerate(sorted(expected_rows.items())):
        expect(table_rows.nth(index).locator("td").first).to_have_text(str(excel_row))
        expect(table_rows.nth(index)).to_contain_text(message)
    html = page.content()
    assert lines[4]["resident_id"] not in html and lines[2]["resident_id"] not in html  # IDs only masked
    expect(table_rows.nth(0)).to_contain_text(
        lines[4]["resident_id"][:4] + "**********" + lines[4]["resident_id"][-4:]
    )
    assert ClaimLine.objects.filter(claim=claim).count() == 0  # all or nothing

    # Fix the five rows and upload again: imported; the program's checks find the other problems.
    for index, line in fixed.items():
        lines[index] = line
        rows[index] = as_row(line)
    good_file = tmp_path / "实习学生.xlsx"
    good_file.write_bytes(fill_template(template_path, rows))
    page.locator("input[type=file]").set_input_files(str(good_file))
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("claim-findings")).to_be_visible()
    assert ClaimLine.objects.filter(claim=claim).count() == 40
    expect(page.get_by_test_id("count-lines")).to_have_text("40")
    expect(page.get_by_test_id("count-lines-with-errors")).to_have_text("3")
    expect(page.get_by_test_id("count-warnings")).to_have_text("1")
    expect(page.get_by_test_id("error-lines").locator("a")).to_have_text(["30", "33", "36"])
    shot(page, "2-claim-with-findings")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # the table scrolls, not the page
    line_rows = page.get_by_test_id("line-row")
    expect(line_rows).to_have_count(40)
    young = line_rows.nth(29)
    expect(young).to_contain_text(zh("The student is %(age)d on %(date)s, younger than %(min_age)d.",
                                     age=15, date=starts_on.isoformat(), min_age=16))  # fmt: skip
    expect(line_rows.nth(32).get_by_test_id("line-findings")).to_contain_text("dates_outside_period")
    expect(line_rows.nth(35)).to_contain_text(
        zh("The internship liability insurance policy number is missing.")
    )
    expect(line_rows.nth(37)).to_contain_text("duplicate_other_claim")
    masked = line_rows.nth(0).get_by_test_id("masked-id")
    expect(masked).to_have_text(re.compile(r"^3703\*{10}\d{3}[\dX]$"))
    assert lines[0]["resident_id"] not in page.content()

    # Submitting now is refused: the page lists what stops it (three lines and the payment account).
    page.get_by_test_id("to-submit").click()
    blocking = page.get_by_test_id("blocking-findings")
    expect(blocking).to_be_visible()
    for code in ("too_young", "dates_outside_period", "insurance_missing", "payment_missing"):
        expect(blocking).to_contain_text(code)
    expect(page.get_by_test_id("submit-claim")).to_have_count(0)

    # Correct: the 15-year-old cannot be an intern (removed, another student added in the form); the early start
    # date and the missing insurance are corrected in the line form, whose checks follow the typing.
    page.goto(claim_url)
    page.get_by_test_id("line-row").nth(29).get_by_test_id("delete-line").click()
    expect(page.get_by_test_id("line-row")).to_have_count(39)
    expect(page.get_by_test_id("count-lines-with-errors")).to_have_text("2")
    page.get_by_test_id("line-row").filter(has_text=lines[32]["student_name"]).get_by_test_id(
        "edit-line"
    ).click()
    inline = page.get_by_test_id("inline-findings")
    expect(inline).to_contain_text("dates_outside_period")
    page.locator("#id_starts_on").fill(starts_on.isoformat())
    page.locator("#id_starts_on").dispatch_event("change")
    expect(inline).not_to_contain_text("dates_outside_period")
    page.get_by_test_id("save-line").click()
    expect(page.get_by_test_id("count-lines-with-errors")).to_have_text("1")
    page.get_by_test_id("line-row").filter(has_text=lines[35]["student_name"]).get_by_test_id(
        "edit-line"
    ).click()
    page.locator("#id_insurance_policy_number").fill("BX-0036")
    page.get_by_test_id("save-line").click()
    expect(page.get_by_test_id("count-lines-with-errors")).to_have_text("0")

    replacement = student(41, s.school_b, starts_on, ends_on)
    page.get_by_test_id("add-line").click()
    shot(page, "3-line-form")
    page.locator("#id_student_name").fill(replacement["student_name"])
    page.locator("#id_resident_id").fill(replacement["resident_id"])
    page.locator("#id_school").select_option(label=s.school_b.name)
    page.locator("#id_specialty").fill(replacement["specialty"])
    page.locator("#id_post").fill(replacement["post"])
    page.locator("#id_starts_on").fill(starts_on.isoformat())
    page.locator("#id_ends_on").fill(ends_on.isoformat())
    page.locator("#id_agreement_number").fill(replacement["agreement_number"])
    page.locator("#id_insurance_policy_number").fill(replacement["insurance_policy_number"])
    page.locator("#id_monthly_pay").fill("2800")
    page.get_by_test_id("save-line").click()
    expect(page.get_by_test_id("count-lines")).to_have_text("40")
    expect(page.get_by_test_id("count-lines-with-errors")).to_have_text("0")
    lines[29] = replacement

    page.get_by_test_id("edit-payment").click()
    page.locator("#id_payee_name").fill(s.enterprise.name)
    page.locator("#id_bank_name").fill("中国工商银行淄博张店支行")
    page.locator("#id_bank_account").fill("6222 0216 0300 4455 667")
    page.locator("form button.primary[type=submit]").click()
    expect(page.get_by_test_id("payment")).to_contain_text("**** **** 5667")

    documents = page.get_by_test_id("document-form")
    documents.locator("input[name=title]").fill("三方协议（扫描件）")
    documents.locator("input[type=file]").set_input_files(
        files=[{"name": "agreements.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    documents.locator("button[type=submit]").click()
    expect(page.get_by_test_id("documents")).to_contain_text("三方协议（扫描件）")

    page.get_by_test_id("check-now").click()
    expect(page.get_by_test_id("check-notice")).to_have_text(
        zh("Checked: no error, the claim can be submitted.")
    )
    shot(page, "4-claim-ready")

    # Submit — from two tabs: the second finds the claim submitted already; one claim, one submission.
    second_tab = page.context.new_page()
    second_tab.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("to-submit").click()
    expect(page.get_by_test_id("ready")).to_be_visible()  # on the submit page: only now is page.url its address
    second_tab.goto(page.url)
    shot(page, "5-submit")
    page.get_by_test_id("submit-claim").click()
    expect(page.get_by_test_id("claim-status")).to_have_class(re.compile("status-school_confirmation"))
    second_tab.get_by_test_id("submit-claim").click()
    expect(second_tab.get_by_test_id("claim-status")).to_have_class(re.compile("status-school_confirmation"))
    expect(second_tab.locator(".messages")).to_contain_text(
        zh("Claim %(number)s was submitted already.", number=claim.number)
    )
    second_tab.close()
    # Opening a claim for the same program and period again leads to this one.
    page.goto(f"{base}{reverse('claim-create', args=[slug])}")
    page.locator("#id_period").select_option(str(s.period.pk))
    page.get_by_test_id("claim-create-submit").click()
    expect(page).to_have_url(re.compile(rf"/claims/{claim.pk}/?$"))  # waits for the redirect; page.url would not
    page.get_by_role("link", name=zh("My claims")).first.click()
    expect(page.get_by_test_id("my-claims")).to_contain_text(claim.number)
    shot(page, "5a-my-claims")
    assert Claim.objects.filter(enterprise=s.enterprise).count() == 1
    assert ClaimTransition.objects.filter(claim=claim, to_status=ClaimStatus.SUBMITTED).count() == 1

    # 2. The schools confirm their students; school B denies one (not its student) with a note.
    denied = lines[14]  # student 15: school B
    assert denied["school"] == s.school_b
    for rep, school in ((s.school_b_rep, s.school_b), (s.school_a_rep, s.school_a)):
        school_page = new_page()
        log_in(school_page, live_server, rep.username)
        # The sidebar leads the school to its inbox, with the number of its students waiting.
        waiting = ClaimLine.objects.filter(
            claim=claim, school=school, school_decision=SchoolDecision.PENDING
        ).count()
        expect(school_page.get_by_test_id("nav-confirmations-count")).to_have_text(str(waiting))
        school_page.get_by_test_id("nav-confirmations").click()
        if school == s.school_b:
            shot(school_page, "6a-confirmation-inbox")
        school_page.get_by_test_id("confirmation-inbox").get_by_role("link", name=claim.number).click()
        confirm_rows = school_page.get_by_test_id("confirm-lines").locator("tbody tr")
        expect(confirm_rows).to_have_count(sum(line["school"] == school for line in lines))
        if school == s.school_b:
            shot(school_page, "6-school-confirmation")
            row = confirm_rows.filter(has_text=denied["student_name"])
            row.locator("input[type=checkbox]").check()
            school_page.locator("#id_decision").select_option(SchoolDecision.DENIED)
            school_page.locator("#id_note").fill("该生本学期在校学习，未到企业实习")
            school_page.get_by_test_id("confirm-submit").click()
            expect(confirm_rows.filter(has_text=denied["student_name"])).to_contain_text(
                zh("Denied by the school")
            )
        school_page.get_by_test_id("confirm-all").click()
        expect(school_page.get_by_test_id("confirm-all")).to_have_count(0)
        school_page.context.close()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNDER_REVIEW

    # 3. Staff review: approve the lines without findings at once, the flagged student after a look, reject the
    #    student the school denied; then approve the claim.
    staff_page = new_page()
    log_in(staff_page, live_server, s.staff.username)
    staff_page.get_by_test_id("nav-review-queue").click()  # the sidebar: "Claims to review"
    shot(staff_page, "7a-review-queue")
    staff_page.get_by_test_id("review-queue").get_by_role("link", name=claim.number).click()
    staff_page.get_by_test_id("approve-clean").click()
    review_rows = staff_page.get_by_test_id("review-table").locator("tbody tr")
    expect(review_rows.filter(has=staff_page.locator(".status-approved"))).to_have_count(38)
    flagged = review_rows.filter(has_text=s.shared_student["student_name"])
    expect(flagged).to_contain_text("duplicate_other_claim")
    flagged.get_by_test_id("approve-line").click()
    expect(review_rows.filter(has_text=s.shared_student["student_name"])).to_contain_text(zh("Approved"))
    refused = review_rows.filter(has_text=denied["student_name"])
    refused.locator("input[name=reason]").fill("学校否认该生在本企业实习")
    refused.get_by_test_id("reject-line").click()
    expect(review_rows.filter(has_text=denied["student_name"]).locator(".status-rejected")).to_be_visible()
    shot(staff_page, "7-review")
    # Staff may see a full resident ID number, one line at a time; every reveal is audited.
    staff_page.get_by_role("link", name=zh("The claim as submitted")).click()
    first_row = staff_page.get_by_test_id("line-row").first
    expect(first_row.get_by_test_id("masked-id")).to_have_text(re.compile(r"^3703\*{10}"))
    first_row.get_by_test_id("reveal").click()
    expect(first_row.get_by_test_id("revealed-id")).to_have_text(lines[0]["resident_id"])
    assert AuditEntry.objects.filter(action="subsidies.line.revealed", actor=s.staff).count() == 1
    staff_page.go_back()
    staff_page.reload()
    staff_page.get_by_test_id("decision-form").locator("input[value=approve]").check()
    staff_page.get_by_test_id("decide-claim").click()
    expect(staff_page.get_by_test_id("claim-status")).to_have_class(re.compile("status-approved"))
    assert ClaimLine.objects.filter(claim=claim, review=LineReview.APPROVED).count() == 39

    # 4. Staff calculate the program and period; the run page shows the calculation's progress to the end.
    from config.celery import app

    app.conf.task_always_eager = not REAL_WORKER
    staff_page.get_by_role("link", name=zh("Calculation runs")).first.click()
    staff_page.get_by_test_id("run-calculate").click()
    staff_page.locator("#id_program").select_option(label=s.program.name)
    staff_page.locator("#id_period").select_option(str(s.period.pk))
    staff_page.get_by_test_id("calculate-submit").click()
    progress = staff_page.get_by_test_id("run-progress")
    expect(progress).to_be_visible()
    if REAL_WORKER:  # the worker pauses after each step: htmx polling shows the bar part-way before the end
        expect(progress).to_have_attribute("data-status", re.compile("queued|running"))
        expect(progress.locator("progress")).to_have_attribute(
            "value", re.compile(r"^[1-9]\d?$"), timeout=20_000
        )
        shot(staff_page, "8-run-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    shot(staff_page, "9-run")

    # 5. The disbursement list, against the independent computation.
    with staff_page.expect_download() as list_download:
        staff_page.get_by_test_id("run-download").click()
    list_path = tmp_path / "disbursements.xlsx"
    list_download.value.save_as(list_path)
    workbook = load_workbook(list_path)
    listing = workbook["发放清单"]
    rows = list(listing.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:7] == [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "开户名",
        "开户银行",
        "银行账号",
        "金额（元）",
    ]
    assert header[7:] == [f"{payer}承担（元）" for payer, _percent in PAYERS]
    by_name = {row[1]: row for row in rows[1:] if isinstance(row[0], int)}
    totals_row = next(row for row in rows if row[0] == "合计")

    # Counted posts, from what happened above: our 40 lines less the student the school denied and the student
    # paid to the other enterprise (submitted first); the other enterprise's nine interns.
    posts = {s.enterprise.name: 40 - 1 - 1, s.other_enterprise.name: 9}
    expected = expected_disbursements(posts)
    assert set(by_name) == set(expected)
    for name, figures in expected.items():
        row = by_name[name]
        assert Decimal(str(row[6])).quantize(Decimal("0.01")) == figures["amount"], name
        for offset, (payer, _percent) in enumerate(PAYERS):
            assert Decimal(str(row[7 + offset])).quantize(Decimal("0.01")) == figures["shares"][payer], (
                name,
                payer,
            )
    ours, theirs = by_name[s.enterprise.name], by_name[s.other_enterprise.name]
    assert ours[2] == s.enterprise.credit_code and ours[3] == s.enterprise.name
    assert (ours[5], theirs[5]) == ("**** **** 5667", "**** **** 4567")  # bank accounts masked by default
    grand = sum((f["amount"] for f in expected.values()), Decimal("0"))
    assert grand == BUDGET  # over budget: the whole budget, to the fen
    assert Decimal(str(totals_row[6])).quantize(Decimal("0.01")) == grand
    for offset, (payer, _percent) in enumerate(PAYERS):
        payer_total = sum((f["shares"][payer] for f in expected.values()), Decimal("0"))
        assert Decimal(str(totals_row[7 + offset])).quantize(Decimal("0.01")) == payer_total

    # Every line shows the rule that decided its amount: the student claimed twice is paid once, elsewhere.
    staff_page.get_by_test_id("run-lines-link").click()
    staff_page.locator("#id_q").fill(s.shared_student["student_name"])
    staff_page.locator("#id_q").press("Enter")
    run_lines = staff_page.get_by_test_id("run-line-table").locator("tbody tr")
    expect(run_lines).to_have_count(2)
    expect(run_lines.filter(has_text=s.enterprise.name)).to_contain_text(s.other_claim.number)
    expect(run_lines.filter(has_text=s.enterprise.name).locator("td").last).to_have_text("0.00")
    shot(staff_page, "10-run-lines")

    # The program as staff read it (its rules, the version in force).
    staff_page.get_by_role("link", name=zh("Subsidy programs")).first.click()
    staff_page.get_by_role("link", name=s.program.name).first.click()
    expect(staff_page.locator("body")).to_contain_text("9,000.00")
    shot(staff_page, "11-program")

"""Claim lines from Excel (subsidies/imports.py): the template (Chinese headings, school dropdown, instructions), a
good file, every kind of bad file (wrong type, damaged, empty, too large, too many lines), formulas, duplicates in
the file and on the claim, each kind of bad cell, all or nothing, the error report (masked resident ID numbers),
constant queries, and the upload page."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from alliances.models import AuditEntry, Job
from alliances.personal_data import decrypt, keyed_hash
from members.models import MemberKind, MemberStatus
from subsidies.imports import (
    COLUMNS,
    DATA_SHEET,
    IMPORT_JOB_KIND,
    INSTRUCTIONS_SHEET,
    SCHOOLS_SHEET,
    build_template,
)
from subsidies.models import ClaimLine, ClaimStatus
from subsidies.services import claims as services
from subsidies.workflow import TransitionRefused

from .factories import make_unit
from .test_subsidy_claims import World, make_id, wrong_check_digit

pytestmark = pytest.mark.django_db

HEADERS = [
    "学生姓名",
    "身份证号",
    "学校",
    "专业",
    "岗位",
    "开始日期",
    "结束日期",
    "三方协议编号",
    "保险单号",
    "月薪（元）",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(alliance):
    return World(alliance)


@pytest.fixture
def claim(world):
    return world.claim()


def row(world, **changes) -> list:
    start = world.period.starts_on + datetime.timedelta(days=1)
    values = {
        "学生姓名": "张三", "身份证号": make_id(), "学校": world.school.name, "专业": "数控技术", "岗位": "操作工",
        "开始日期": start, "结束日期": start + datetime.timedelta(days=90), "三方协议编号": "XY-1",
        "保险单号": "BX-1", "月薪（元）": 3000,
    }  # fmt: skip
    values.update(changes)
    return [values[header] for header in HEADERS]


def workbook(rows, headers=HEADERS, title=DATA_SHEET) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name="lines.xlsx"):
    return SimpleUploadedFile(name, data, XLSX)


def run(claim, data, world, name="lines.xlsx"):
    with translation.override("en"):
        return services.import_claim_lines(claim, upload(data, name), world.rep)


# --- the template ------------------------------------------------------------------------------------------------


def test_template_has_the_chinese_headings_the_school_dropdown_and_instructions(world):
    inactive = make_unit(
        world.alliance, MemberKind.TECHNICAL_SCHOOL, name="已退出技校", status=MemberStatus.WITHDRAWN
    )
    book = load_workbook(io.BytesIO(build_template()))
    assert book.sheetnames[0] == DATA_SHEET and INSTRUCTIONS_SHEET in book.sheetnames
    sheet = book[DATA_SHEET]
    assert [cell.value for cell in sheet[1]] == HEADERS == [column.header for column in COLUMNS]
    schools = book[SCHOOLS_SHEET]
    assert schools.sheet_state == "hidden"
    names = [cell.value for cell in schools["A"]][1:]
    assert world.school.name in names and world.other_school.name in names and inactive.name not in names
    assert world.enterprise.name not in names
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 1 and SCHOOLS_SHEET in lists[0].formula1 and "C2" in str(lists[0].sqref)
    instructions = " ".join(str(c.value) for r in book[INSTRUCTIONS_SHEET].iter_rows() for c in r if c.value)
    assert "身份证号" in instructions and "学生姓名" in instructions


def test_the_template_filled_in_imports(world, claim):
    book = load_workbook(io.BytesIO(build_template(claim)))
    sheet = book[DATA_SHEET]
    sheet.append(row(world))
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(claim, buffer.getvalue(), world)
    assert result.ok and result.created == 1


def test_template_download_page(world, claim, client):
    client.force_login(world.rep)
    response = client.get(reverse("claim-import-template", kwargs={"alliance_slug": world.alliance.slug,
                                                                   "claim_id": claim.pk}))  # fmt: skip
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(response.content))[DATA_SHEET]["A1"].value == "学生姓名"


# --- a good file -------------------------------------------------------------------------------------------------


def test_a_good_file_adds_every_line_with_its_findings(world, claim):
    numbers = [make_id(), make_id(), make_id()]
    start = world.period.starts_on + datetime.timedelta(days=3)
    rows = [
        row(world, 身份证号=numbers[0]),
        row(world, 学生姓名="李四", 身份证号=numbers[1].lower(), 开始日期=start.strftime("%Y/%m/%d"),
            结束日期=f"{start.year}年{start.month}月{start.day}日", 学校=f" {world.other_school.name} ",
            **{"月薪（元）": "3,500.50元"}),
        row(world, 学生姓名="王五", 身份证号=numbers[2], 保险单号=None, 专业=None, **{"月薪（元）": None}),
    ]  # fmt: skip
    result = run(claim, workbook(rows), world)
    assert result.ok and result.created == 3 and result.rows == 3
    lines = list(ClaimLine.objects.filter(claim=claim).order_by("position"))
    assert [line.position for line in lines] == [1, 2, 3]
    assert [line.resident_id_hash for line in lines] == [keyed_hash(n.upper()) for n in numbers]
    assert decrypt(lines[1].resident_id_encrypted) == numbers[1].upper()
    assert lines[1].school == world.other_school and lines[1].monthly_pay == Decimal("3500.50")
    assert lines[1].starts_on == start and lines[1].ends_on == start
    assert lines[1].has_errors  # a one-day internship is too short: a finding, not an import error
    assert "insurance_missing" in {p["code"] for p in lines[2].problems}
    entry = AuditEntry.objects.get(action="subsidies.claim.lines_imported")
    assert entry.detail["lines"] == 3 and not any(n in str(entry.detail) for n in numbers)


def test_headings_are_matched_tolerantly_and_title_rows_skipped(world, claim):
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["2024年实习学生名单"])
    sheet.append(["序号", "姓名*", "身份证号码", "学校名称", "实习开始日期", "实习结束日期", "备注"])
    start = world.period.starts_on + datetime.timedelta(days=1)
    sheet.append([1, "张三", make_id(), world.school.name, start, start + datetime.timedelta(days=60), "无"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run(claim, buffer.getvalue(), world)
    assert result.ok and result.created == 1


# --- files refused as a whole --------------------------------------------------------------------------------------


def _broken_zip() -> bytes:
    return b"PK\x03\x04" + b"\x00" * 200


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        ("学生姓名,身份证号\n张三,370303200503010011\n".encode(), "text file"),
        (b"%PDF-1.4 a document", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old-format"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not an Excel workbook"),
        (_broken_zip(), "damaged"),
        (_docx(), "another kind of document"),
    ],
    ids=["empty", "csv", "pdf", "xls", "png", "broken-zip", "docx"],
)
def test_files_that_are_not_a_workbook_are_refused(world, claim, data, words):
    result = run(claim, data, world)
    assert result.file_error and words in result.file_error
    assert not ClaimLine.objects.exists()
    entry = AuditEntry.objects.get(action="subsidies.claim.import_refused")
    assert entry.outcome == "failure"


def test_a_workbook_without_data_rows_or_headings_is_refused(world, claim):
    assert "no data rows" in run(claim, workbook([]), world).file_error
    assert "No heading row" in run(claim, workbook([["a", "b"]], headers=["x", "y"]), world).file_error


def test_a_file_over_5_mb_is_refused_before_reading(world, claim):
    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"0" * (5 * 1024 * 1024), XLSX)
    with translation.override("en"):
        result = services.import_claim_lines(claim, big, world.rep)
    assert "at most 5.0" in result.file_error


def test_more_than_5000_lines_are_refused(world, claim):
    start = world.period.starts_on
    rows = [["学生", f"x{n}", "", "", "", start, start, "", "", 1] for n in range(5001)]
    result = run(claim, workbook(rows), world)
    assert result.file_error and "5000" in result.file_error
    assert not ClaimLine.objects.exists()


# --- rows with problems --------------------------------------------------------------------------------------------


def errors_by_row(result):
    return {(e["row"], e["column"]): e for e in result.errors}


def test_an_id_number_in_a_number_cell_is_refused_even_when_its_rounded_digits_pass(world, claim):
    """A number cell keeps 15 significant digits: the digits read back are not the card's, and one time in eleven
    they pass the check digit anyway. Such a cell is refused whatever its digits say."""
    exact = next(  # a valid number that survives as a double, so the check digit cannot give it away
        number for number in (make_id(seq=seq) for seq in range(1000))
        if number.isdigit() and int(float(int(number))) == int(number)
    )
    result = run(claim, workbook([row(world), row(world, 身份证号=int(exact))]), world)
    assert result.created == 0 and not ClaimLine.objects.exists()
    problem = errors_by_row(result)[(3, "身份证号")]
    assert "15 digits" in problem["message"] and problem["value"] == exact[:4] + "*" * 10 + exact[-4:]


def test_every_problem_is_listed_and_nothing_is_imported(world, claim):
    duplicate, numeric = make_id(), make_id()
    bad_digit = wrong_check_digit(make_id())
    rows = [
        row(world),                                                           # 2: good
        row(world, 学生姓名="=HYPERLINK(\"http://x\")"),                       # 3: formula
        row(world, 身份证号=bad_digit),                                        # 4: check digit
        row(world, 身份证号=duplicate),                                        # 5
        row(world, 身份证号=duplicate),                                        # 6: same as row 5
        row(world, 学校="不存在的学校"),                                        # 7: unknown school
        row(world, 开始日期="下周一"),                                          # 8: not a date
        row(world, **{"月薪（元）": "面议"}),                                   # 9: not an amount
        row(world, 学生姓名=None),                                             # 10: required
        row(world, 身份证号=int(numeric[:17] + "0") if numeric[17] != "0" else int(numeric[:17] + "1")),  # 11
        row(world, 学校=world.enterprise.name),                                # 12: not a school
        row(world, 岗位="岗" * 61),                                            # 13: too long
        row(world, **{"月薪（元）": 3000.123}),                                 # 14: three decimals
    ]  # fmt: skip
    result = run(claim, workbook(rows), world)
    assert result.created == 0 and not ClaimLine.objects.exists()
    problems = errors_by_row(result)
    assert "Formulas" in problems[(3, "学生姓名")]["message"]
    assert "check digit" in problems[(4, "身份证号")]["message"]
    assert problems[(4, "身份证号")]["value"] == bad_digit[:4] + "*" * 10 + bad_digit[-4:]
    assert "row 5" in problems[(6, "身份证号")]["message"]
    assert "member school" in problems[(7, "学校")]["message"]
    assert "Not a date" in problems[(8, "开始日期")]["message"]
    assert "monthly pay" in problems[(9, "月薪（元）")]["message"]
    assert "Required" in problems[(10, "学生姓名")]["message"]
    assert "15 digits" in problems[(11, "身份证号")]["message"]
    assert "member school" in problems[(12, "学校")]["message"]
    assert "At most 60" in problems[(13, "岗位")]["message"]
    assert "two decimals" in problems[(14, "月薪（元）")]["message"]
    assert 2 not in {e["row"] for e in result.errors}
    assert [e["row"] for e in result.errors] == sorted(e["row"] for e in result.errors)
    every_value = " ".join(e["value"] + e["message"] for e in result.errors)
    assert bad_digit not in every_value and duplicate not in every_value


def test_a_formula_cell_is_refused_even_in_a_number_column(world, claim):
    data = workbook([row(world, **{"月薪（元）": "=SUM(1,2)"})])
    result = run(claim, data, world)
    assert "Formulas" in errors_by_row(result)[(2, "月薪（元）")]["message"]


def test_students_already_on_the_claim_are_refused(world, claim):
    number = make_id()
    services.add_claim_line(claim, world.values(resident_id=number), world.rep)
    result = run(claim, workbook([row(world), row(world, 身份证号=number)]), world)
    assert "already on this claim" in errors_by_row(result)[(3, "身份证号")]["message"]
    assert ClaimLine.objects.count() == 1


def test_missing_and_unknown_columns_are_reported(world, claim):
    headers = ["学生姓名", "学校", "工资卡号"]
    result = run(claim, workbook([["张三", world.school.name, "6222"]], headers=headers), world)
    messages = {(e["column"], e["message"]) for e in result.errors}
    assert any(column == "工资卡号" and "Unknown column" in message for column, message in messages)
    assert any(
        column == "身份证号" and "required column is missing" in message for column, message in messages
    )


def test_the_error_report_is_a_job_with_masked_numbers(world, claim, client):
    bad_digit = wrong_check_digit(make_id())
    result = run(claim, workbook([row(world, 身份证号=bad_digit)]), world)
    job = result.report_job
    assert job.kind == IMPORT_JOB_KIND and job.requested_by == world.rep and job.status == "succeeded"
    assert job.result["error_count"] == 1 and bad_digit not in str(job.result)
    report = load_workbook(io.BytesIO(job.result_file.read()))
    cells = [str(c.value) for r in report.active.iter_rows() for c in r if c.value is not None]
    assert "2" in cells and bad_digit not in " ".join(cells) and bad_digit[-4:] in " ".join(cells)
    client.force_login(world.rep)
    download = client.get(
        reverse("job-download", kwargs={"alliance_slug": world.alliance.slug, "job_id": job.pk})
    )
    assert download.status_code == 200
    refused = AuditEntry.objects.get(action="subsidies.claim.import_refused")
    assert bad_digit not in str(refused.detail)


def test_no_import_into_a_submitted_claim(world, claim):
    services.add_claim_line(claim, world.values(), world.rep)
    services.submit_claim(claim, world.rep)
    with pytest.raises(TransitionRefused):
        run(claim, workbook([row(world)]), world)
    assert not Job.objects.filter(kind=IMPORT_JOB_KIND).exists()


def test_import_runs_a_constant_number_of_queries(world, alliance):
    """Only the bulk insert grows, in batches (SQLite takes at most 999 parameters per statement)."""

    def count(rows: int) -> tuple[int, int]:
        enterprise = make_unit(alliance, MemberKind.ENTERPRISE, employee_count=5000)
        claim = services.create_claim(enterprise, world.program, world.period, world.rep)
        data = workbook([row(world) for _ in range(rows)])
        with CaptureQueriesContext(connection) as captured:
            result = run(claim, data, world)
        assert result.ok, result.errors[:3]
        inserts = sum(
            q["sql"].startswith('INSERT INTO "subsidies_claimline"') for q in captured.captured_queries
        )
        return len(captured) - inserts, inserts

    few, few_inserts = count(5)
    many, many_inserts = count(200)
    assert few == many and few_inserts == 1 and many_inserts <= 200 // 30 + 1


# --- the upload page -----------------------------------------------------------------------------------------------


def page(world, claim):
    return reverse("claim-import", kwargs={"alliance_slug": world.alliance.slug, "claim_id": claim.pk})


def test_upload_page_imports_a_good_file(world, claim, client):
    client.force_login(world.rep)
    assert client.get(page(world, claim)).status_code == 200
    response = client.post(page(world, claim), {"file": upload(workbook([row(world), row(world)]))})
    assert response.status_code == 302
    assert ClaimLine.objects.filter(claim=claim).count() == 2


def test_upload_page_lists_the_problems_and_links_the_report(world, claim, client):
    client.force_login(world.rep)
    response = client.post(
        page(world, claim), {"file": upload(workbook([row(world), row(world, 学校="无此校")]))}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="import-errors"' in body and "无此校" in body
    job = Job.objects.get(kind=IMPORT_JOB_KIND)
    assert reverse("job-download", kwargs={"alliance_slug": world.alliance.slug, "job_id": job.pk}) in body
    assert not ClaimLine.objects.exists()


def test_upload_page_shows_a_refused_file_on_the_field(world, claim, client):
    client.force_login(world.rep)
    response = client.post(page(world, claim), {"file": upload(b"not a workbook at all", "x.xlsx")})
    assert response.status_code == 400 and 'data-testid="import-errors"' not in response.content.decode()
    assert not Job.objects.filter(kind=IMPORT_JOB_KIND).exists()


def test_upload_page_refuses_a_submitted_claim(world, claim, client):
    services.add_claim_line(claim, world.values(), world.rep)
    services.submit_claim(claim, world.rep)
    assert claim.status != ClaimStatus.DRAFT
    client.force_login(world.rep)
    response = client.post(page(world, claim), {"file": upload(workbook([row(world)]))})
    assert response.status_code == 409 and ClaimLine.objects.count() == 1

"""Importing member units from Excel: the template, validation row by row, all-or-nothing, the error report,
file checks, the background job for large files, constant queries and tenant isolation."""

from __future__ import annotations

import dataclasses
import datetime
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from alliances.imports import WorkbookReader
from alliances.jobs import run_job
from alliances.models import AuditEntry, Job, JobStatus
from alliances.spreadsheets import XLSX_CONTENT_TYPE
from alliances.tenancy import scope
from members import imports
from members.identifiers import make_credit_code
from members.imports import COLUMNS, IMPORT_JOB_KIND, Validator, build_template, start_import
from members.models import (
    Contact,
    CouncilRole,
    Division,
    IndustryDivision,
    IndustrySection,
    MemberKind,
    MembershipAction,
    MembershipEvent,
    MemberSpecialty,
    MemberStatus,
    MemberUnit,
    Specialty,
    SpecialtyCategory,
    SpecialtyClass,
)

from .factories import make_unit

pytestmark = pytest.mark.django_db

HEADERS = [column.template_header for column in COLUMNS]
KEYS = [column.key for column in COLUMNS]


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are asserted in English (the source text), in the test body and in requests alike."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def reference_data(settings, tmp_path):
    """The few reference rows the tests use (the full tables may already be loaded by a migration)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    province, _ = Division.objects.get_or_create(
        code="370000", defaults={"name": "山东省", "level": "province", "full_name": "山东省"}
    )
    city, _ = Division.objects.get_or_create(
        code="370300",
        defaults={"name": "淄博市", "level": "prefecture", "full_name": "山东省淄博市", "parent": province},
    )
    for code, name, current in (
        ("370303", "张店区", True),
        ("370302", "淄川区", True),
        ("370381", "旧区", False),
    ):
        Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": "county", "full_name": f"山东省淄博市{name}", "parent": city,
                                 "is_current": current},
        )  # fmt: skip
    section, _ = IndustrySection.objects.get_or_create(code="C", defaults={"name": "制造业"})
    IndustryDivision.objects.get_or_create(code="36", defaults={"section": section, "name": "汽车制造业"})
    IndustryDivision.objects.get_or_create(code="34", defaults={"section": section, "name": "通用设备制造业"})
    category, _ = SpecialtyCategory.objects.get_or_create(number=6, defaults={"name": "装备制造大类"})
    specialty_class, _ = SpecialtyClass.objects.get_or_create(
        code="4601", defaults={"category": category, "level": "higher", "name": "机械设计制造类"}
    )
    for code, name in (("460103", "数控技术"), ("460104", "机械制造及自动化")):
        Specialty.objects.get_or_create(
            code=code, defaults={"specialty_class": specialty_class, "name": name}
        )


def credit(number: int, prefix: str = "91") -> str:
    return make_credit_code(prefix, "370300", f"{number:09d}")  # the factories use 370303


def enterprise_row(number: int, **overrides) -> dict:
    row = {
        "name": f"淄博导入测试企业{number}有限公司", "short_name": f"导入{number}", "kind": "企业",
        "credit_code": credit(number), "legal_representative": "张三", "division_code": "370303",
        "address": "山东省淄博市张店区示例路1号", "website": "www.example.com", "council_role": "",
        "admitted_on": "2024-03-01", "industry_division": "C36", "employee_count": 850,
        "above_designated_size": "是", "ownership": "民营", "contact_name": f"联系人{number}",
        "contact_title": "人力资源部经理", "contact_mobile": "13800000000", "contact_email": f"hr{number}@example.com",
    }  # fmt: skip
    row.update(overrides)
    return row


def school_row(number: int, **overrides) -> dict:
    row = {
        "name": f"淄博导入测试技师学院{number}", "kind": "技工院校", "credit_code": credit(number, "12"),
        "division_code": "370302", "admitted_on": "", "school_level": "技师学院", "enrolment": "3,200",
        "teacher_count": 210, "specialties": "460103、460104", "contact_name": f"老师{number}",
        "contact_mobile": 13900000000 + number,
    }  # fmt: skip
    row.update(overrides)
    return row


def workbook_bytes(
    rows: list[dict], headers: list[str] | None = None, keys: list[str] | None = None
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "成员单位"
    headers, keys = headers or HEADERS, keys or KEYS
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(key, "") if row.get(key, "") != "" else None for key in keys])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "roster.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post_file(client, alliance, data: bytes, name: str = "roster.xlsx"):
    return client.post(reverse("member-import", args=[alliance.slug]), {"file": upload(data, name)})


def errors_by_cell(errors) -> dict[tuple, str]:
    return {(e["row"], e["column"]): e["message"] for e in errors}


# --- The template -------------------------------------------------------------------------------------------


def test_template_has_the_headings_the_dropdowns_and_the_instructions(staff_client, alliance):
    response = staff_client.get(reverse("member-import-template", args=[alliance.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["成员单位", "填写说明"]
    data = workbook["成员单位"]
    headings = [cell.value for cell in data[1]]
    assert headings[:4] == ["单位名称*", "简称", "类型*", "统一社会信用代码*"]
    assert headings == HEADERS and len(headings) == 22
    assert {"入会日期", "行业门类/行业大类代码", "规模以上(是/否)", "开设专业代码", "联系人邮箱"} <= set(
        headings
    )
    assert data.max_row == 1  # no example row among the data
    lists = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in data.data_validations.dataValidation
             if dv.type == "list"}  # fmt: skip
    assert "技工院校" in lists["C"] and "企业" in lists["C"]  # 类型
    assert (
        "理事长单位" in lists["I"]
        and "是" in lists["M"]
        and "民营" in lists["N"]
        and "技师学院" in lists["O"]
    )
    assert data.column_dimensions["D"].number_format == "@"  # credit codes stay text
    instructions = workbook["填写说明"]
    texts = [cell.value for row in instructions.iter_rows() for cell in row if cell.value]
    assert imports.EXAMPLE_CREDIT_CODE in texts  # the example row is on the instructions sheet
    assert any("技工院校" in str(text) and "职业培训机构" in str(text) for text in texts)


def test_the_template_itself_reads_back_as_an_empty_file(alliance):
    outcome = start_import(alliance=alliance, upload=upload(build_template()), requested_by=None)
    assert outcome.file_error and "no data rows" in outcome.file_error


# --- Importing ------------------------------------------------------------------------------------------------


def test_150_valid_rows_are_imported(staff_client, alliance):
    rows = [enterprise_row(n, council_role="理事单位" if n == 1 else "") for n in range(1, 101)]
    rows += [school_row(n) for n in range(101, 151)]
    response = post_file(staff_client, alliance, workbook_bytes(rows))
    assert response.status_code == 302 and response.url == reverse("member-list", args=[alliance.slug])
    units = MemberUnit.objects.filter(alliance=alliance)
    assert units.count() == 150
    assert units.filter(kind=MemberKind.ENTERPRISE, status=MemberStatus.ADMITTED).count() == 100
    assert units.filter(kind=MemberKind.TECHNICAL_SCHOOL, status=MemberStatus.APPLIED).count() == 50
    first = units.get(credit_code=credit(1))
    assert first.admitted_on == datetime.date(2024, 3, 1) and first.member_number
    assert first.council_role == CouncilRole.COUNCIL and first.industry_division_id == "36"
    assert first.employee_count == 850 and first.above_designated_size and first.ownership == "private"
    assert first.website == "http://www.example.com" and first.division_code == "370303"
    contact = Contact.objects.get(member_unit=first)
    assert (contact.name, contact.mobile, contact.email, contact.is_primary) == (
        "联系人1",
        "13800000000",
        "hr1@example.com",
        True,
    )
    school = units.get(credit_code=credit(101, "12"))
    assert (
        school.school_level == "technician_college"
        and school.enrolment == 3200
        and school.teacher_count == 210
    )
    assert school.member_number == "" and school.industry_division_id is None
    assert set(MemberSpecialty.objects.filter(member_unit=school).values_list("specialty_id", flat=True)) == {
        "460103", "460104"
    }  # fmt: skip
    assert Contact.objects.get(member_unit=school).mobile == "13900000101"
    assert (
        MembershipEvent.objects.filter(
            member_unit__alliance=alliance, action=MembershipAction.IMPORTED
        ).count()
        == 150
    )
    assert AuditEntry.objects.filter(alliance=alliance, action="member.import_completed").exists()
    assert len(set(units.exclude(member_number="").values_list("member_number", flat=True))) == 100


def test_values_are_read_tolerantly(alliance):
    headers = [
        "序号",
        " 单位名称 ＊",
        "类　型",
        "统一社会信用代码（必填）",
        "入会日期",
        "理事会职务",
        "联系人",
        "手机号码",
    ]
    keys = [
        "seq",
        "name",
        "kind",
        "credit_code",
        "admitted_on",
        "council_role",
        "contact_name",
        "contact_mobile",
    ]
    rows = [
        {"seq": 1, "name": "甲企业", "kind": "enterprise", "credit_code": credit(1).lower(), "admitted_on": "2024/3/1",
         "council_role": "理事长", "contact_name": "王五", "contact_mobile": "138 0000 0000"},
        {"seq": 2, "name": "乙学院", "kind": " 高职 ", "credit_code": credit(2, "12"), "admitted_on": "2023年9月1日"},
        {"seq": 3, "name": "丙协会", "kind": "协会", "credit_code": credit(3, "51"),
         "admitted_on": datetime.datetime(2022, 5, 6)},
    ]  # fmt: skip
    outcome = start_import(
        alliance=alliance, upload=upload(workbook_bytes(rows, headers, keys)), requested_by=None
    )
    assert outcome.errors == [] and outcome.created == 3
    units = {u.name: u for u in MemberUnit.objects.filter(alliance=alliance)}
    assert units["甲企业"].council_role == CouncilRole.CHAIR and units["甲企业"].credit_code == credit(1)
    assert units["乙学院"].kind == MemberKind.HIGHER_VOCATIONAL
    assert units["乙学院"].admitted_on == datetime.date(2023, 9, 1)
    assert units["丙协会"].admitted_on == datetime.date(2022, 5, 6)
    assert Contact.objects.get(member_unit=units["甲企业"]).mobile == "13800000000"


def registered(alliance, name: str, code: str) -> MemberUnit:
    unit = make_unit(alliance, name=name)
    MemberUnit.objects.filter(pk=unit.pk).update(credit_code=code)
    return unit


def bad_workbook(alliance) -> bytes:
    registered(alliance, "已登记的企业", credit(900))
    wrong_check = credit(2)[:-1] + ("0" if credit(2)[-1] != "0" else "1")
    rows = [
        enterprise_row(1),  # row 2: valid
        enterprise_row(2, credit_code=wrong_check),  # row 3
        enterprise_row(3, division_code="379999"),  # row 4
        enterprise_row(4),  # row 5 and row 6: the same credit code
        enterprise_row(5, credit_code=credit(4)),
        enterprise_row(6, credit_code=credit(900)),  # row 7: registered already
        enterprise_row(7, name='=HYPERLINK("http://evil.example")'),  # row 8: a formula
        enterprise_row(8, kind=""),  # row 9: required value missing
        school_row(9, specialties="460103、999999", contact_mobile="12345"),  # row 10
        enterprise_row(10, council_role="理事单位", admitted_on="", employee_count=-3),  # row 11
        enterprise_row(11, admitted_on="2024-02-30", industry_division="A36"),  # row 12
    ]
    return workbook_bytes(rows)


EXPECTED_BAD_CELLS = {
    (3, "统一社会信用代码*"), (4, "行政区划代码"), (5, "统一社会信用代码*"), (6, "统一社会信用代码*"),
    (7, "统一社会信用代码*"), (8, "单位名称*"), (9, "类型*"), (10, "开设专业代码"), (10, "联系人手机"),
    (11, "理事会职务"), (11, "职工人数"), (12, "入会日期"), (12, "行业门类/行业大类代码"),
}  # fmt: skip


def test_bad_rows_import_nothing_and_are_reported_by_row_and_column(staff_client, alliance):
    data = bad_workbook(alliance)
    before = MemberUnit.objects.filter(alliance=alliance).count()
    response = post_file(staff_client, alliance, data)
    assert MemberUnit.objects.filter(alliance=alliance).count() == before  # all or nothing
    job = Job.objects.get(alliance=alliance, kind=IMPORT_JOB_KIND)
    assert response.status_code == 302
    assert response.url == reverse(
        "member-import-result", kwargs={"alliance_slug": alliance.slug, "job_id": job.pk}
    )
    errors = errors_by_cell(job.result["errors"])
    assert set(errors) == EXPECTED_BAD_CELLS
    assert "check character" in errors[(3, "统一社会信用代码*")]
    assert "379999" in errors[(4, "行政区划代码")]
    assert "row 6" in errors[(5, "统一社会信用代码*")] and "row 5" in errors[(6, "统一社会信用代码*")]
    assert "already registered" in errors[(7, "统一社会信用代码*")]
    assert "Formulas" in errors[(8, "单位名称*")]
    assert "999999" in errors[(10, "开设专业代码")]
    assert job.result["created"] == 0 and job.result["error_count"] == len(EXPECTED_BAD_CELLS)

    page = staff_client.get(response.url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="import-errors"' in body and "379999" in body and "HYPERLINK" in body
    assert "<script" not in body.split('data-testid="import-errors"')[1].split("</table>")[0]

    report = staff_client.get(
        reverse("member-import-errors", kwargs={"alliance_slug": alliance.slug, "job_id": job.pk})
    )
    assert report.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(report.streaming_content))).active
    lines = list(sheet.iter_rows(values_only=True))
    assert len(lines) == 1 + len(EXPECTED_BAD_CELLS)
    assert {(line[0], line[1]) for line in lines[1:]} == EXPECTED_BAD_CELLS
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # formula-safe
    assert any(str(line[2]).startswith("'=HYPERLINK") for line in lines[1:])
    assert AuditEntry.objects.filter(alliance=alliance, action="member.import_refused").exists()


def test_headings_that_are_unknown_twice_or_missing_are_reported(alliance):
    headers = ["单位名称", "单位名称", "单位性质", "备注", "统一社会信用代码"]
    keys = ["name", "name2", "x", "note", "credit_code"]
    data = workbook_bytes(
        [{"name": "甲", "name2": "甲", "x": "y", "note": "随便", "credit_code": credit(1)}], headers, keys
    )
    outcome = start_import(alliance=alliance, upload=upload(data), requested_by=None)
    errors = errors_by_cell(outcome.errors)
    assert "twice" in errors[(1, "单位名称")] and "Unknown column" in errors[(1, "单位性质")]
    assert "missing" in errors[(1, "类型")] and (1, "备注") not in errors
    assert not MemberUnit.objects.filter(alliance=alliance).exists()


def test_a_credit_code_in_a_number_cell_is_refused(alliance):
    """An all-digit credit code typed into a number cell is rounded past 15 digits; refused, even when the
    rounded digits would pass the check character."""
    number = next(n for n in range(2, 10_000) if credit(n).isdigit())
    data = workbook_bytes([enterprise_row(1), enterprise_row(number, credit_code=int(credit(number)))])
    outcome = start_import(alliance=alliance, upload=upload(data), requested_by=None)
    assert "15 digits" in errors_by_cell(outcome.errors)[(3, "统一社会信用代码*")]
    assert not MemberUnit.objects.filter(alliance=alliance).exists()


# --- Files that are refused as a whole --------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        ("单位名称,类型\n甲,企业\n".encode(), "CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
        (b"%PDF-1.4 not a workbook", "PDF"),
        (b"PK\x03\x04 broken beyond repair", "damaged"),
        (_zip({"word/document.xml": b"<x/>", "[Content_Types].xml": b"<x/>"}), "another kind"),
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<not really"}), "damaged"),
        (b"\x00\x01\x02\x03 binary", "not an Excel workbook"),
    ],
    ids=["empty", "csv", "xls", "pdf", "broken-zip", "docx-like", "broken-xlsx", "binary"],
)
def test_wrong_or_broken_files_get_a_clear_message_and_change_nothing(staff_client, alliance, data, expected):
    response = post_file(staff_client, alliance, data)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert response.context["form"].errors["file"]
    assert not MemberUnit.objects.filter(alliance=alliance).exists()
    assert not Job.objects.filter(alliance=alliance).exists()


def test_oversized_file_is_refused(alliance):
    data = b"PK\x03\x04" + b"\x00" * imports.MAX_FILE_BYTES
    outcome = start_import(alliance=alliance, upload=upload(data), requested_by=None)
    assert "may be at most" in outcome.file_error and outcome.created == 0


def test_too_many_rows_and_no_rows_are_refused(alliance, monkeypatch):
    assert (
        "no data rows"
        in start_import(alliance=alliance, upload=upload(workbook_bytes([])), requested_by=None).file_error
    )
    monkeypatch.setattr(imports, "LAYOUT", dataclasses.replace(imports.LAYOUT, max_rows=5))
    data = workbook_bytes([enterprise_row(n) for n in range(1, 7)])
    outcome = start_import(alliance=alliance, upload=upload(data), requested_by=None)
    assert "more than 5 data rows" in outcome.file_error
    assert not MemberUnit.objects.filter(alliance=alliance).exists()


def test_a_workbook_without_headings_is_refused(alliance):
    workbook = Workbook()
    workbook.active.append(["甲", "乙"])
    buffer = BytesIO()
    workbook.save(buffer)
    outcome = start_import(alliance=alliance, upload=upload(buffer.getvalue()), requested_by=None)
    assert "No heading row" in outcome.file_error


# --- Large files: the background job ---------------------------------------------------------------------------


def test_large_file_is_imported_by_the_job(staff_client, alliance, django_capture_on_commit_callbacks):
    rows = [enterprise_row(n) for n in range(1, imports.IMPORT_INLINE_LIMIT + 31)]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(staff_client, alliance, workbook_bytes(rows))
    job = Job.objects.get(alliance=alliance, kind=IMPORT_JOB_KIND)
    assert response.url == reverse(
        "member-import-result", kwargs={"alliance_slug": alliance.slug, "job_id": job.pk}
    )
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100
    assert job.result["created"] == len(rows) and job.result["errors"] == []
    assert MemberUnit.objects.filter(alliance=alliance).count() == len(rows)
    assert not job.result_file  # no error report when all went well
    page = staff_client.get(response.url)
    assert page.status_code == 200 and 'data-testid="import-members"' in page.content.decode()
    # The stored upload is gone once imported; a second delivery of the job imports nothing twice.
    assert imports.default_storage.listdir(f"alliances/{alliance.pk}/imports")[1] == []
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    run_job(job.pk)
    assert MemberUnit.objects.filter(alliance=alliance).count() == len(rows)


def test_large_file_with_errors_reports_them_through_the_job(
    staff_client, alliance, django_capture_on_commit_callbacks
):
    rows = [enterprise_row(n) for n in range(1, imports.IMPORT_INLINE_LIMIT + 11)]
    rows[50]["division_code"] = "379999"  # row 52
    rows[120]["credit_code"] = credit(1)  # row 122 repeats row 2
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(staff_client, alliance, workbook_bytes(rows))
    job = Job.objects.get(alliance=alliance, kind=IMPORT_JOB_KIND)
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 0
    assert set(errors_by_cell(job.result["errors"])) == {
        (52, "行政区划代码"), (2, "统一社会信用代码*"), (122, "统一社会信用代码*")
    }  # fmt: skip
    assert not MemberUnit.objects.filter(alliance=alliance).exists()
    assert job.result_file  # the error report
    page = staff_client.get(response.url)
    assert "379999" in page.content.decode()
    report = staff_client.get(
        reverse("member-import-errors", kwargs={"alliance_slug": alliance.slug, "job_id": job.pk})
    )
    lines = list(
        load_workbook(BytesIO(b"".join(report.streaming_content))).active.iter_rows(values_only=True)
    )
    assert len(lines) == 4


def test_result_page_polls_while_the_job_runs(staff_client, alliance, django_capture_on_commit_callbacks):
    rows = [enterprise_row(n) for n in range(1, imports.IMPORT_INLINE_LIMIT + 3)]
    with django_capture_on_commit_callbacks(execute=False):
        post_file(staff_client, alliance, workbook_bytes(rows))
    job = Job.objects.get(alliance=alliance, kind=IMPORT_JOB_KIND)
    url = reverse("member-import-result", kwargs={"alliance_slug": alliance.slug, "job_id": job.pk})
    page = staff_client.get(url)
    assert job.status == JobStatus.QUEUED and 'hx-trigger="every 1s"' in page.content.decode()
    partial = staff_client.get(url, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith("<section")
    run_job(job.pk)
    assert MemberUnit.objects.filter(alliance=alliance).count() == len(rows)
    assert "hx-trigger" not in staff_client.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_a_job_cannot_be_pointed_at_another_file(alliance, staff_user, django_capture_on_commit_callbacks):
    """The generic job API accepts any parameters: the import job only reads uploads signed for its alliance."""
    from alliances.jobs import enqueue_job

    with scope(alliance.pk), django_capture_on_commit_callbacks(execute=True):
        job, _ = enqueue_job(alliance=alliance, kind=IMPORT_JOB_KIND, requested_by=staff_user,
                             parameters={"upload": "alliances/1/imports/x.xlsx", "filename": "x.xlsx",
                                         "language": "en"})  # fmt: skip
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 0
    assert "import page" in job.result["errors"][0]["message"]


# --- Queries and tenancy ------------------------------------------------------------------------------------------


def _validation_queries(alliance, count: int) -> int:
    rows = [enterprise_row(n) if n % 2 else school_row(n) for n in range(1, count + 1)]
    with WorkbookReader(workbook_bytes(rows), imports.LAYOUT) as reader:
        header, sheet_rows = reader.header, list(reader.rows())
    with scope(alliance.pk), CaptureQueriesContext(connection) as queries:
        validator = Validator(alliance, header)
        validator.validate(sheet_rows)
    assert validator.errors == []
    return len(queries)


def test_validation_runs_a_constant_number_of_queries(alliance):
    make_unit(alliance, name="已有单位")
    assert _validation_queries(alliance, 10) == _validation_queries(alliance, 100) <= 5


def test_units_of_another_alliance_are_not_duplicates(staff_client, alliance, other_alliance):
    registered(other_alliance, "淄博导入测试企业1有限公司", credit(1))
    response = post_file(staff_client, alliance, workbook_bytes([enterprise_row(1)]))
    assert response.status_code == 302
    assert MemberUnit.objects.filter(alliance=alliance, credit_code=credit(1)).count() == 1
    assert MemberUnit.objects.filter(alliance=other_alliance).count() == 1


def test_import_result_of_another_alliance_is_not_found(client, alliance, other_alliance):
    from alliances.permissions import Role

    from .factories import make_member

    data = bad_workbook(other_alliance)
    with scope(other_alliance.pk):
        start_import(alliance=other_alliance, upload=upload(data), requested_by=None)
    job = Job.objects.get(alliance=other_alliance, kind=IMPORT_JOB_KIND)
    client.force_login(make_member(alliance, Role.SECRETARIAT_STAFF))
    for name in ("member-import-result", "member-import-errors"):
        assert (
            client.get(reverse(name, kwargs={"alliance_slug": alliance.slug, "job_id": job.pk})).status_code
            == 404
        )


def test_import_page_shows_the_form_and_the_template_link(staff_client, alliance):
    response = staff_client.get(reverse("member-import", args=[alliance.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("member-import-template", args=[alliance.slug]) in body and 'type="file"' in body

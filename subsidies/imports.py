"""Claim lines from an Excel workbook (XLSX): the template, reading, validation and the all-or-nothing import.

The file format is the template's (`build_template`): a data sheet (实习学生) whose first row holds the Chinese
column headings 学生姓名, 身份证号, 学校, 专业, 岗位, 开始日期, 结束日期, 三方协议编号, 保险单号, 月薪（元）; a dropdown of the
alliance's member schools (from a hidden sheet); and an instructions sheet (填写说明). Headings are matched
tolerantly, as for the member import (the file checks, heading matching, reader and error report are
alliances/imports.py's, configured by `LAYOUT`): spaces, full-width characters, a trailing * or a note in brackets do not matter. An
order-class employment claim's template names the graduate's order or named class instead of the school (a 订单班
column with a dropdown of the enterprise's classes from a hidden sheet 订单班名单, matched by class name, or by name and
graduation year when two share a name; the school is the class's) and leaves out dates, insurance and pay.

Every row is checked first — required cells, dates, amounts, the resident ID number (length, check digit, birth
date), the school (a member school of the alliance, by name), lengths, formulas, the same student twice in the file
or already on the claim — and nothing is added while any row has a problem. The problems are listed per row and
column (the row number as Excel shows it) on the page and in a downloadable XLSX report, kept as a finished Job.
When every row is valid the lines are added in one transaction with one bulk insert, and the claim's compliance
findings (subsidies/checks.py: age, dates in the period, agreement, insurance …) are refreshed: those are shown on
the lines, they do not stop the import.

Files are refused as a whole when they are not an XLSX workbook (checked by content), damaged, empty, larger than
5 MB or with more than 5,000 lines. Resident ID numbers never appear in plain text in the errors or the report
(masked), in the log or in the audit log. Validation runs a constant number of queries whatever the size.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances.audit import record_event
from alliances.imports import (
    MAX_FILE_BYTES,
    CellProblem,
    Column,
    Header,
    ImportFileError,
    RowValidator,
    SheetLayout,
    SheetRow,
    WorkbookReader,
    add_validation,
    build_error_report,
    check_length,
    display,
    file_error,
    fold,
    formulas_refused,
    is_formula,
    is_rounded_number,
    no_data_rows,
    plain,
    problems_found,
    read_date,
    read_upload,
    write_headings,
    write_instructions,
)
from alliances.jobs import JobOutcome, job_kind, message_fields
from alliances.models import AuditOutcome, Job, JobStatus
from alliances.permissions import Action
from alliances.personal_data import mask_resident_id
from members.models import CURRENT_MEMBER_STATUSES, MemberKind, MemberUnit

from .models import Claim, ClaimLine, ProgramKind
from .services import claims as services

IMPORT_JOB_KIND = "subsidies.import_claim_lines"
MAX_LINES = 5_000
MAX_STORED_ERRORS = 5_000
DATA_SHEET = "实习学生"
INSTRUCTIONS_SHEET = "填写说明"
SCHOOLS_SHEET = "学校名单"
CLASSES_SHEET = "订单班名单"
TEMPLATE_DATA_ROWS = MAX_LINES
EXAMPLE_ID = "370302200501011237"

COLUMNS: tuple[Column, ...] = (
    Column("student_name", "学生姓名", gettext_lazy("The student's name as on the resident ID card."), True, "张三",
           ("姓名", "学生", "实习生姓名", "实习学生姓名", "学生名称"), width=12),
    Column("resident_id", "身份证号",
           gettext_lazy("18 characters: 17 digits and a check digit or X. Keep the column formatted as text so that "
                        "Excel does not cut digits."),
           True, EXAMPLE_ID, ("身份证号码", "身份证", "公民身份号码", "居民身份证号码", "证件号码", "身份证件号码"),
           text=True, width=22),
    Column("school", "学校", gettext_lazy("The student's school, one of the alliance's member schools (the dropdown)."),
           example="淄博市技师学院", aliases=("学校名称", "所在学校", "院校", "院校名称", "就读学校"), width=28),
    Column("specialty", "专业", gettext_lazy("The student's specialty (at most 60 characters)."), example="数控技术",
           aliases=("所学专业", "专业名称"), width=16),
    Column("post", "岗位", gettext_lazy("The internship post (at most 60 characters)."), example="数控车床操作工",
           aliases=("实习岗位", "岗位名称", "工种"), width=16),
    Column("starts_on", "开始日期",
           gettext_lazy("First day of the internship, e.g. 2024-09-02, 2024/9/2 or 2024年9月2日."),
           example="2024-09-02", aliases=("实习开始日期", "起始日期", "开始时间", "实习开始时间"), width=12),
    Column("ends_on", "结束日期", gettext_lazy("Last day of the internship."), example="2025-01-20",
           aliases=("实习结束日期", "截止日期", "结束时间", "实习结束时间"), width=12),
    Column("agreement_number", "三方协议编号",
           gettext_lazy("Number of the tripartite agreement signed by school, enterprise and student."),
           example="XY-2024-001", aliases=("协议编号", "三方协议号", "实习协议编号", "三方协议"), text=True, width=16),
    Column("insurance_policy_number", "保险单号",
           gettext_lazy("Policy number of the internship liability insurance (实习责任保险)."), example="BX-2024-001",
           aliases=("保单号", "保险单号码", "实习责任保险单号", "保险单编号"), text=True, width=16),
    Column("monthly_pay", "月薪（元）", gettext_lazy("Monthly pay in CNY, e.g. 3000 or 3000.50."), example="3000",
           aliases=("月薪", "实习报酬", "月工资", "月报酬", "实习报酬（元/月）", "月薪(元)"), width=12),
)  # fmt: skip
# Order-class employment claims: the graduate's class instead of the school (the school is the class's).
ORDER_CLASS_COLUMN = Column(
    "order_class", "订单班",
    gettext_lazy("The order or named class the graduate comes from: one of your enterprise's classes (the dropdown). "
                 "The school is the class's."),
    example="齐鲁机械2023级数控技术应用订单班",
    aliases=("订单班名称", "冠名班", "冠名班名称", "订单班（冠名班）", "订单班/冠名班", "班级", "班级名称"), width=36,
)  # fmt: skip
ORDER_CLASS_COLUMNS: tuple[Column, ...] = (
    COLUMNS[0], COLUMNS[1], ORDER_CLASS_COLUMN, COLUMNS[3], COLUMNS[4], COLUMNS[7],
)  # fmt: skip
ALL_COLUMNS = (*COLUMNS[:2], ORDER_CLASS_COLUMN, *COLUMNS[2:])
COLUMNS_BY_KEY = {column.key: column for column in ALL_COLUMNS}
COLUMN_ORDER = {column.key: index for index, column in enumerate(ALL_COLUMNS)}
LAYOUT = SheetLayout(
    data_sheet=DATA_SHEET, instructions_sheet=INSTRUCTIONS_SHEET, columns=ALL_COLUMNS, anchor="resident_id",
    max_rows=MAX_LINES,
    too_many_rows=gettext_lazy("The file has more than %(limit)d lines. Split it into several files."),
    no_heading_row=gettext_lazy(
        "No heading row was found: the first row of the sheet “%(sheet)s” must hold the column headings of the "
        "template, such as “学生姓名” and “身份证号”. Download the template and copy your data into it."
    ),
)  # fmt: skip


def is_order_class_claim(claim: Claim | None) -> bool:
    return claim is not None and claim.program.kind == ProgramKind.ORDER_CLASS


def columns_for(claim: Claim | None) -> tuple[Column, ...]:
    """The template's columns: an order-class employment claim's name the class instead of the school and leave
    out the internship's dates, insurance and pay."""
    return ORDER_CLASS_COLUMNS if is_order_class_claim(claim) else COLUMNS


TEXT_LIMITS = {
    "student_name": 50,
    "specialty": 60,
    "post": 60,
    "agreement_number": 60,
    "insurance_policy_number": 60,
}


# --- cell values ---------------------------------------------------------------------------------------------------


_NOT_A_DATE = gettext_lazy(
    "Not a date. Write it as 2024-09-02, 2024/9/2 or 2024年9月2日, or format the cell as a date."
)


def parse_date(value) -> date:
    parsed = read_date(value, _NOT_A_DATE)
    if not 2000 <= parsed.year <= 2100:
        raise CellProblem(_("The year %(year)d cannot be right; check the date.") % {"year": parsed.year})
    return parsed


def parse_pay(value) -> Decimal:
    if isinstance(value, bool):
        raise CellProblem(_("Give the monthly pay as a number of yuan, e.g. 3000."))
    if isinstance(value, (int, float)):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = re.sub(r"[\s,，]", "", plain(value))
        text = re.sub(r"(元|元/月|/月|rmb|cny|¥|￥)$", "", text, flags=re.IGNORECASE).lstrip("¥￥")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellProblem(_("Give the monthly pay as a number of yuan, e.g. 3000.")) from None
    if not amount.is_finite() or amount < 0:
        raise CellProblem(_("Give the monthly pay as a number of yuan, e.g. 3000."))
    if amount != amount.quantize(Decimal("0.01")):
        raise CellProblem(_("At most two decimals (fen)."))
    if amount > services.MAX_PAY:
        raise CellProblem(_("This amount is too large."))
    return amount.quantize(Decimal("0.01"))


def resident_id_text(value) -> tuple[str, bool]:
    """The number as text, and whether the cell held a number (Excel keeps only 15 significant digits of those)."""
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)), True
    return plain(value), False


def class_label(record) -> str:
    """A class as the template's dropdown names it: its name, with the graduation year when two share a name."""
    name = record.class_label
    return f"{name}（{record.graduation_year}届）" if record.graduation_year else name


def enterprise_classes(claim: Claim) -> dict[str, object]:
    """The claiming enterprise's order and named classes by folded name, dropdown label and title (one query). A
    name two classes share maps to None (ambiguous: the dropdown label tells them apart)."""
    lookup: dict[str, object] = {}
    labels: dict[str, object] = {}
    for record in services.enterprise_order_classes(claim.enterprise_id):
        labels[fold(class_label(record))] = record
        for name in {record.class_name, record.title} - {""}:
            key = fold(name)
            lookup[key] = None if key in lookup and lookup[key] is not record else record
    return {**lookup, **labels}


def member_schools() -> dict[str, MemberUnit]:
    """The alliance's schools by folded name and short name (one query)."""
    lookup: dict[str, MemberUnit] = {}
    units = MemberUnit.objects.filter(kind__in=MemberKind.school_kinds()).order_by("pk")
    for unit in units:
        for name in (unit.short_name, unit.name):  # the full name wins over a short name
            if name:
                lookup[fold(name)] = unit
    return lookup


# --- validation ----------------------------------------------------------------------------------------------------


class LineValidator(RowValidator):
    """Checks rows of the template; the schools and the claim's students are read once per file."""

    def __init__(self, claim: Claim, header: Header):
        super().__init__(header, LAYOUT)
        self.claim = services._with_program(claim)
        self.schools = member_schools()
        self.classes = (
            enterprise_classes(self.claim)
            if "order_class" in header.labels or is_order_class_claim(self.claim)
            else {}
        )

    def validate(self, rows: list[SheetRow]) -> list[tuple[int, dict]]:
        parsed = [item for item in (self._parse(row) for row in rows) if item is not None]
        self._check_duplicates(parsed)
        self.errors.sort(key=lambda e: (e["row"] or 0, _column_position(e["column"], self.header)))
        return parsed

    def _parse(self, row: SheetRow) -> tuple[int, dict] | None:
        values: dict = {}
        ok = True
        shown_id = ""
        for key, cell in row.cells.items():
            value = cell.value
            if is_formula(cell):
                shown = mask_resident_id(plain(value)) if key == "resident_id" else value
                self.add(row.number, key, shown, formulas_refused())
                ok = False
                continue
            try:
                if key in ("starts_on", "ends_on"):
                    values[key] = parse_date(value)
                elif key == "monthly_pay":
                    values[key] = parse_pay(value)
                elif key == "school":
                    values[key] = self._school(value)
                elif key == "order_class":
                    values[key] = self._order_class(value)
                elif key == "resident_id":
                    text, numeric = resident_id_text(value)
                    shown_id = mask_resident_id(text)
                    if is_rounded_number(value):
                        self.add(row.number, key, shown_id, _(
                            "The cell holds a number: Excel keeps only 15 digits of a number, so the last digits "
                            "of this ID number are lost. Format the column as text and type the number again."
                        ))  # fmt: skip
                        ok = False
                        continue
                    values[key] = text
                    if numeric:
                        values["_numeric_id"] = True
                else:
                    values[key] = check_length(display(value), TEXT_LIMITS.get(key))
            except CellProblem as problem:
                self.add(row.number, key, value, problem)
                ok = False
        if not self.check_required(row):
            ok = False
        numeric_id = values.pop("_numeric_id", False)
        if not ok:
            return None
        try:
            clean = services.clean_line_values(values, claim=self.claim)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    if key == "resident_id" and numeric_id:
                        message = _("%(problem)s The cell holds a number: Excel keeps only 15 digits of a number, so "
                                    "format the column as text and type the number again.") % {"problem": message}  # fmt: skip
                    shown = shown_id if key == "resident_id" else values.get(key, "")
                    self.add(row.number, key if key in COLUMNS_BY_KEY else "student_name", shown, message)
            return None
        clean["_masked"] = shown_id
        return row.number, clean

    def _school(self, value) -> MemberUnit:
        unit = self.schools.get(fold(display(value)))
        if unit is None:
            raise CellProblem(
                _("Not a member school of the alliance. Choose the school from the template's list.")
            )
        return unit

    def _order_class(self, value):
        key = fold(display(value))
        if key in self.classes and self.classes[key] is None:
            raise CellProblem(
                _("Two of your classes have this name: choose the class from the template's list.")
            )
        record = self.classes.get(key)
        if record is None:
            raise CellProblem(
                _(
                    "Not an order or named class of your enterprise. Choose the class from the template's list."
                )
            )
        return record

    def _check_duplicates(self, parsed: list[tuple[int, dict]]) -> None:
        first: dict[str, int] = {}
        on_claim = set(ClaimLine.objects.filter(claim=self.claim).values_list("resident_id_hash", flat=True))
        for number, clean in parsed:
            key = clean["resident_id_hash"]
            if key in first:
                self.add(number, "resident_id", clean["_masked"],
                         _("The same student is also on row %(row)d.") % {"row": first[key]})  # fmt: skip
            else:
                first[key] = number
            if key in on_claim:
                self.add(number, "resident_id", clean["_masked"], _("This student is already on this claim."))


def _column_position(label: str, header: Header) -> int:
    for key, text in header.labels.items():
        if text == label:
            return COLUMN_ORDER[key]
    for column in ALL_COLUMNS:
        if column.header == label:
            return COLUMN_ORDER[column.key]
    return -1


# --- importing -------------------------------------------------------------------------------------------------


def import_lines(claim: Claim, upload, actor=None) -> services.ImportResult:
    """Read, check and (when every row is right) add the lines of an uploaded template; see the module docstring.

    Raises `workflow.TransitionRefused` when the claim cannot be changed now."""
    services._require_editable(claim)
    filename = (getattr(upload, "name", "") or "upload.xlsx")[:200]
    try:
        data = read_upload(upload)
        with WorkbookReader(data, LAYOUT) as reader:
            header = reader.header
            rows = list(reader.rows())
    except ImportFileError as exc:
        _audit_refusal(claim, filename, str(exc), actor)
        return services.ImportResult(errors=[file_error(str(exc))])
    if not rows and not header.errors:
        message = no_data_rows()
        _audit_refusal(claim, filename, message, actor)
        return services.ImportResult(errors=[file_error(message)])
    validator = LineValidator(claim, header)
    parsed = validator.validate(rows)
    if not validator.errors:
        with transaction.atomic():
            locked = services._lock(claim)
            services._require_editable(locked)
            validator.claim = locked
            validator._check_duplicates(parsed)  # again, under the lock
            if not validator.errors:
                cleaned = [{k: v for k, v in clean.items() if k != "_masked"} for _number, clean in parsed]
                lines = services.save_new_lines(locked, cleaned)
                record_event(
                    "subsidies.claim.lines_imported", locked,
                    detail={"source": "xlsx", "file": filename, "lines": len(lines)}, user=services._user(actor),
                )  # fmt: skip
                services._sync(claim, locked)
                return services.ImportResult(created=len(lines), rows=len(rows))
    errors = validator.errors
    _audit_refusal(claim, filename, problems_found(len(errors)), actor, count=len(errors))
    job = _record_report(claim, actor, filename, len(rows), errors)
    return services.ImportResult(rows=len(rows), errors=errors, report_job=job)


def _audit_refusal(claim: Claim, filename: str, reason: str, actor, count: int = 1) -> None:
    record_event(
        "subsidies.claim.import_refused", claim, outcome=AuditOutcome.FAILURE,
        detail={"file": filename[:200], "errors": count, "reason": reason[:300]}, user=services._user(actor),
    )  # fmt: skip


def error_report_filename(claim: Claim, job: Job | None = None) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return f"claim-{claim.number}-import-errors-{job.pk if job else 'x'}-{stamp}.xlsx"


def _record_report(claim: Claim, actor, filename: str, rows: int, errors: list[dict]) -> Job:
    """The refused import kept as a finished Job, so its report can be shown and downloaded."""
    parameters = {"claim": claim.pk, "filename": filename, "inline": True, "attempt": uuid.uuid4().hex}
    now = timezone.now()
    result = {
        "claim": claim.pk, "file": filename, "rows": rows, "created": 0, "error_count": len(errors),
        "errors": errors[:MAX_STORED_ERRORS], "done": True,
    }  # fmt: skip
    job = Job.objects.create(
        alliance_id=claim.alliance_id, kind=IMPORT_JOB_KIND, parameters=parameters,
        parameters_digest=Job.digest(parameters), status=JobStatus.SUCCEEDED, progress=100,
        **message_fields(problems_found(len(errors))), result=result, requested_by=services._user(actor), started_at=now,
        finished_at=now, attempts=1,
    )  # fmt: skip
    job.result_file.save(
        error_report_filename(claim, job), ContentFile(build_error_report(errors)), save=True
    )
    return job


@job_kind(IMPORT_JOB_KIND, label=gettext_lazy("Import of claim lines"), required_action=Action.SUBMIT_CLAIMS)
def report_import(job: Job, report_progress) -> JobOutcome:
    """Imports of claim lines run within the request; their Job rows only keep the outcome (the error report).
    Running one again reports that outcome again."""
    result = job.result or {}
    return JobOutcome(message=problems_found(result.get("error_count", 0)), result=result)


# --- the template ------------------------------------------------------------------------------------------------


def school_names() -> list[str]:
    """The alliance's current member schools, for the template's dropdown."""
    return list(
        MemberUnit.objects.filter(kind__in=MemberKind.school_kinds(), status__in=CURRENT_MEMBER_STATUSES)
        .order_by("name")
        .values_list("name", flat=True)
    )


def build_template(claim: Claim | None = None) -> bytes:
    """The template: the data sheet with headings, text formats and dropdowns, the schools (for an order-class
    claim: the enterprise's classes), the instructions."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    columns = columns_for(claim)
    write_headings(sheet, columns, starred=False)
    last = TEMPLATE_DATA_ROWS + 1
    classes: list[str] = []
    if is_order_class_claim(claim):
        schools = []
        classes = [
            class_label(record)
            for record in services.enterprise_order_classes(claim.enterprise_id, usable_only=True)
        ]
        list_sheet = workbook.create_sheet(CLASSES_SHEET)
        list_sheet.append([_("Order and named classes of the enterprise")])
        names = classes
    else:
        schools = school_names()
        list_sheet = workbook.create_sheet(SCHOOLS_SHEET)
        list_sheet.append([_("Member schools of the alliance")])
        names = schools
    for name in names:
        list_sheet.append([name])
    list_sheet.column_dimensions["A"].width = 40
    list_sheet.sheet_state = "hidden"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        validation = None
        if column.key in ("school", "order_class") and names:  # the list sheet's names, below its title
            validation = DataValidation(
                type="list", formula1=f"'{list_sheet.title}'!$A$2:$A${len(names) + 1}", allow_blank=True,
                showErrorMessage=True, errorStyle="stop",
            )  # fmt: skip
            validation.error = (
                _("Choose one of the alliance's member schools from the list.") if column.key == "school"
                else _("Choose one of your enterprise's order or named classes from the list.")
            )  # fmt: skip
        elif column.key in ("starts_on", "ends_on"):
            validation = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                                        formula2="DATE(2100,12,31)", allow_blank=True, showErrorMessage=True,
                                        errorStyle="warning")  # fmt: skip
            validation.error = _("Enter a date, e.g. 2024-09-02.")
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif column.key == "monthly_pay":
            validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                        showErrorMessage=True, errorStyle="warning")  # fmt: skip
            validation.error = _("Enter an amount of 0 or more.")
        elif column.key == "resident_id":
            validation = DataValidation(type="textLength", operator="equal", formula1="18", allow_blank=True,
                                        showErrorMessage=True, errorStyle="warning")  # fmt: skip
            validation.error = _("A resident ID number has 18 characters.")
        if validation is not None:
            add_validation(sheet, validation, column, f"{letter}2:{letter}{last}")
    sheet.freeze_panes = "C2"
    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET, 1)
    _instructions(instructions, claim, schools, columns, classes)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(sheet, claim: Claim | None, schools: list[str], columns=COLUMNS, classes=()) -> None:
    from openpyxl.styles import Font

    sheet.append([_("How to fill in the claim line template")])
    sheet["A1"].font = Font(bold=True, size=14)
    if claim is not None:
        period = claim.period
        sheet.append([_("Claim %(number)s · %(program)s · %(period)s (%(start)s – %(end)s); claims are due by "
                        "%(deadline)s.") % {
            "number": claim.number, "program": claim.program.name, "period": period.name,
            "start": period.starts_on.isoformat(), "end": period.ends_on.isoformat(),
            "deadline": period.claim_deadline.isoformat()}])  # fmt: skip
    order_classes = is_order_class_claim(claim)
    notes = [
        _("Enter one student per row on the sheet “%(sheet)s”, starting in row 2. Do not change the headings; the "
          "columns in red (学生姓名, 身份证号) are required.") % {"sheet": DATA_SHEET},
        _("Enter values, not formulas. The resident ID, agreement and insurance columns are formatted as text so that "
          "Excel keeps the numbers as written (a number of 18 digits would lose its last digits)."),
        _("Choose the order or named class of each graduate from the dropdown: only your enterprise's classes in the "
          "alliance's cooperation records are accepted, and the school is the class's.") if order_classes
        else _("Choose the school from the dropdown: only the alliance's member schools are accepted."),
        _("The import is all or nothing: when any row has a problem, nothing is imported and every problem is listed "
          "with its row and column. Correct the file and upload it again."),
        _("After the import every line is checked against the program's rules (the order class in force, graduating "
          "in time for the period, no more graduates than the class employed, the same student claimed by another "
          "enterprise …); the findings are shown on the claim, where lines can be corrected one by one before the "
          "claim is submitted.") if order_classes
        else _("After the import every line is checked against the program's rules (age at the start, dates inside the "
          "period, minimum length, tripartite agreement, insurance, the same student claimed by another enterprise …); "
          "the findings are shown on the claim, where lines can be corrected one by one before the claim is submitted."),
        _("At most %(rows)d lines and %(size)s per file. A student who is already on the claim is refused.")
        % {"rows": MAX_LINES, "size": filesizeformat(MAX_FILE_BYTES)},
        _("Columns named 序号 or 备注 are ignored; any other extra column is reported as unknown."),
    ]  # fmt: skip
    write_instructions(sheet, notes, columns, starred=False, choices=False)
    if order_classes and not classes:
        sheet.append([])
        sheet.append([_("Your enterprise has no order or named class in force in the alliance's cooperation records "
                        "yet: ask the secretariat to record it before you claim.")])  # fmt: skip
    elif not order_classes and not schools:
        sheet.append([])
        sheet.append([_("The alliance has no member school yet: the school column cannot be filled in.")])
    for letter, width in zip("ABCDEFGHIJ", (24, 10, 70, 14, 14, 12, 12, 16, 16, 12), strict=True):
        sheet.column_dimensions[letter].width = width


def template_filename(claim: Claim | None = None) -> str:
    return f"申报明细导入模板-{claim.number}.xlsx" if claim is not None else "申报明细导入模板.xlsx"

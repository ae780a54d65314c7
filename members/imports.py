"""Importing member units from an Excel workbook (XLSX): the template, reading, validation and the import.

The file format is the template's: a data sheet (成员单位) whose first row holds Chinese column headings,
and an instructions sheet (填写说明) with the allowed values and an example. Headings are matched
tolerantly (spaces, full-width characters, a trailing * or a note in brackets do not matter). The file
checks, the reader and the heading matching are alliances/imports.py's, configured by `LAYOUT`.

An import is all-or-nothing: every row is checked first (required values, types, codes against the
reference tables, duplicates inside the file and against the alliance) and nothing is written while any
row has a problem. The problems are listed per row and column, with the row number as Excel shows it,
on the page and in a downloadable XLSX report. When every row is valid, the units are registered in one
transaction, set-based, through `members.services.import_member_units`.

Small files (at most `IMPORT_INLINE_LIMIT` data rows) are imported within the request; larger ones are
stored and imported by the job kind `members.import_roster` (registered in members/jobs.py), which
reports progress. `start_import` is the one entry point for the page and the API.

Validation runs a constant number of queries whatever the number of rows: the reference codes and the
units already registered are read set-based, and the units are written in bulk.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances.audit import record_event
from alliances.imports import (
    MAX_FILE_BYTES,
    PROGRESS_EVERY,
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
from alliances.jobs import JobOutcome, enqueue_job, message_fields
from alliances.locale import deferred_text
from alliances.models import AuditOutcome, Job, JobStatus

from .identifiers import credit_code_problem, make_credit_code, normalise_credit_code
from .models import (
    CouncilRole,
    Division,
    IndustryDivision,
    MemberKind,
    MemberUnit,
    Ownership,
    SchoolLevel,
    Specialty,
)
from .services import import_member_units

IMPORT_JOB_KIND = "members.import_roster"
IMPORT_INLINE_LIMIT = 200  # more data rows than this are imported by a background job
MAX_ROWS = 20_000
MAX_STORED_ERRORS = 5_000  # errors kept in job.result; the XLSX report has them all
MAX_COUNT = 2_147_483_647

DATA_SHEET = "成员单位"
INSTRUCTIONS_SHEET = "填写说明"
TEMPLATE_DATA_ROWS = 20_000  # how far down the template's dropdowns and text formats reach

_UPLOAD_SALT = "members.import-upload"


# --- Allowed values -----------------------------------------------------------------------------------
# The template offers the first (Chinese) name of each value; the reader also accepts the aliases, the
# stored value (e.g. "enterprise") and the label in English or in the active language.

KIND_VALUES = {
    MemberKind.TECHNICAL_SCHOOL: ("技工院校", "技师学院", "高级技工学校", "技工学校"),
    MemberKind.SECONDARY_VOCATIONAL: ("中职学校", "中等职业学校", "中职", "中专", "职业高中"),
    MemberKind.HIGHER_VOCATIONAL: (
        "高职院校",
        "高职",
        "高职专科",
        "高等职业院校",
        "高等职业学校",
        "职业技术学院",
    ),
    MemberKind.UNDERGRADUATE: ("本科院校", "本科", "普通本科", "职业本科", "本科高校"),
    MemberKind.ENTERPRISE: ("企业", "公司"),
    MemberKind.ASSOCIATION: ("行业协会", "协会", "行业组织", "商会", "学会"),
    MemberKind.RESEARCH_INSTITUTE: ("科研院所", "科研机构", "研究院", "研究所"),
    MemberKind.TRAINING_INSTITUTION: ("职业培训机构", "培训机构"),
    MemberKind.GOVERNMENT: ("政府部门/事业单位", "政府部门", "事业单位", "政府机关", "机关事业单位"),
    MemberKind.OTHER: ("其他",),
}
COUNCIL_ROLE_VALUES = {
    CouncilRole.CHAIR: ("理事长单位", "理事长"),
    CouncilRole.VICE_CHAIR: ("副理事长单位", "副理事长"),
    CouncilRole.STANDING: ("常务理事单位", "常务理事"),
    CouncilRole.COUNCIL: ("理事单位", "理事"),
    CouncilRole.MEMBER: ("成员单位", "成员", "会员单位", "会员"),
}
OWNERSHIP_VALUES = {
    Ownership.STATE_OWNED: ("国有", "国有企业", "国企", "央企"),
    Ownership.COLLECTIVE: ("集体", "集体企业"),
    Ownership.PRIVATE: ("民营", "民营企业", "私营", "私营企业", "民企"),
    Ownership.FOREIGN: ("外商投资", "外资", "外资企业", "外商投资企业"),
    Ownership.HK_MACAO_TAIWAN: ("港澳台投资", "港澳台", "港澳台资", "港澳台投资企业"),
    Ownership.MIXED: ("混合所有制", "混合所有制企业", "混合"),
    Ownership.OTHER: ("其他",),
}
SCHOOL_LEVEL_VALUES = {
    SchoolLevel.TECHNICIAN_COLLEGE: ("技师学院",),
    SchoolLevel.SENIOR_TECHNICAL: ("高级技工学校",),
    SchoolLevel.TECHNICAL: ("技工学校",),
    SchoolLevel.SECONDARY: ("中等职业学校", "中职", "中职学校", "中专"),
    SchoolLevel.HIGHER_VOCATIONAL: ("高职专科", "高职", "专科", "高职院校"),
    SchoolLevel.VOCATIONAL_UNDERGRADUATE: ("职业本科",),
    SchoolLevel.UNDERGRADUATE: ("普通本科", "本科"),
}
YES_VALUES = ("是", "y", "yes", "true", "1", "√", "✓", "规上", "规模以上")
NO_VALUES = ("否", "n", "no", "false", "0", "×", "规下", "规模以下")


def _choice_lookup(values: dict, choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices.choices:
        lookup[fold(value)] = value
        lookup[fold(str(label))] = value
        with translation.override("en"):
            lookup[fold(str(label))] = value
    for value, names in values.items():  # the Chinese names win over everything else
        for name in names:
            lookup[fold(name)] = value
    return lookup


# --- Columns --------------------------------------------------------------------------------------------


def _names(values: dict) -> tuple[str, ...]:
    return tuple(names[0] for names in values.values())


EXAMPLE_CREDIT_CODE = make_credit_code("91", "370303", "MA3C4D5E6")

COLUMNS: tuple[Column, ...] = (
    Column("name", "单位名称", gettext_lazy("Full registered name of the unit (at most 200 characters)."), True,
           "淄博示例精密制造有限公司", ("名称", "单位全称", "成员单位名称", "单位"), width=32),
    Column("short_name", "简称", gettext_lazy("Short name (at most 60 characters)."), example="示例精密",
           aliases=("单位简称",)),
    Column("kind", "类型", gettext_lazy("Type of unit, one of the allowed values."), True, "企业",
           ("单位类型", "成员类型", "类别"), _names(KIND_VALUES)),
    Column("credit_code", "统一社会信用代码",
           gettext_lazy("18 characters (GB 32100-2015); the last character is a check character."), True,
           EXAMPLE_CREDIT_CODE, ("信用代码", "社会信用代码", "统一代码"), text=True, width=22),
    Column("legal_representative", "法定代表人", gettext_lazy("Name of the legal representative."),
           example="张三", aliases=("法人", "法人代表", "法定代表人姓名")),
    Column("division_code", "行政区划代码",
           gettext_lazy("6-digit division code (GB/T 2260) of where the unit is registered, e.g. 370303."),
           example="370303", aliases=("区划代码", "行政区划"), text=True),
    Column("address", "地址", gettext_lazy("Postal address (at most 200 characters)."),
           example="山东省淄博市张店区示例路1号", aliases=("单位地址", "通讯地址", "详细地址"), width=30),
    Column("website", "网址", gettext_lazy("Website, e.g. www.example.com."), example="www.example.com",
           aliases=("网站", "单位网址", "官网"), width=22),
    Column("council_role", "理事会职务",
           gettext_lazy("Seat on the council; empty means an ordinary member unit. Only for admitted members."),
           example="理事单位", aliases=("理事会职位", "职务", "理事会任职"), choices=_names(COUNCIL_ROLE_VALUES)),
    Column("admitted_on", "入会日期",
           gettext_lazy("Date the unit became a member, e.g. 2024-03-01, 2024/3/1 or 2024年3月1日. "
                        "Empty: the unit is imported as an application received (status “Applied”)."),
           example="2024-03-01", aliases=("加入日期", "入会时间", "加入时间")),
    Column("industry_division", "行业门类/行业大类代码",
           gettext_lazy("Enterprises: the 2-digit industry division of GB/T 4754-2017, e.g. 36 or C36."),
           example="C36", aliases=("行业代码", "行业大类代码", "所属行业", "行业", "行业门类代码", "国民经济行业代码"),
           applies_to="enterprise", text=True, width=20),
    Column("employee_count", "职工人数", gettext_lazy("Enterprises: number of employees (a whole number)."),
           example="850", aliases=("员工人数", "职工数", "从业人数", "员工数"), applies_to="enterprise"),
    Column("above_designated_size", "规模以上(是/否)",
           gettext_lazy("Enterprises: 是 for an enterprise above designated size (规模以上), else 否 or empty."),
           example="是", aliases=("规模以上企业", "是否规模以上", "是否规上企业", "规上企业"), choices=("是", "否"),
           applies_to="enterprise"),
    Column("ownership", "所有制", gettext_lazy("Enterprises: form of ownership."), example="民营",
           aliases=("所有制性质", "企业性质", "所有制形式"), choices=_names(OWNERSHIP_VALUES), applies_to="enterprise"),
    Column("school_level", "办学层次", gettext_lazy("Schools: level of the school."), aliases=("学校层次", "层次"),
           choices=_names(SCHOOL_LEVEL_VALUES), applies_to="school"),
    Column("enrolment", "在校生数", gettext_lazy("Schools: students enrolled (a whole number)."),
           aliases=("在校生人数", "学生人数", "在校学生数"), applies_to="school"),
    Column("teacher_count", "教师数", gettext_lazy("Schools: number of teachers (a whole number)."),
           aliases=("教师人数", "专任教师数", "教职工数"), applies_to="school"),
    Column("specialties", "开设专业代码",
           gettext_lazy("Schools: 6-digit codes of the 2021 specialty catalogue, separated by 、 or a comma, "
                        "e.g. 460103、460104."),
           aliases=("专业代码", "开设专业", "专业"), applies_to="school", text=True, width=24),
    Column("contact_name", "联系人", gettext_lazy("Name of the contact person."), example="李四",
           aliases=("联系人姓名",)),
    Column("contact_title", "联系人职务", gettext_lazy("Title of the contact person."), example="人力资源部经理",
           aliases=("联系人职位",)),
    Column("contact_mobile", "联系人手机", gettext_lazy("11-digit mainland mobile number."), example="13800000000",
           aliases=("手机", "手机号", "手机号码", "联系电话", "联系人电话", "联系方式"), text=True),
    Column("contact_email", "联系人邮箱", gettext_lazy("E-mail address of the contact person."),
           example="hr@example.com", aliases=("邮箱", "电子邮箱", "电子邮件", "email", "e-mail"), width=22),
)  # fmt: skip
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
COLUMN_ORDER = {column.key: index for index, column in enumerate(COLUMNS)}
LAYOUT = SheetLayout(
    data_sheet=DATA_SHEET, instructions_sheet=INSTRUCTIONS_SHEET, columns=COLUMNS, anchor="name", max_rows=MAX_ROWS,
    too_many_rows=gettext_lazy("The file has more than %(limit)d data rows. Split it into several files."),
    no_heading_row=gettext_lazy(
        "No heading row was found: the first row of the sheet “%(sheet)s” must hold the column headings "
        "of the template, such as “单位名称”. Download the template and copy your data into it."
    ),
)  # fmt: skip

TEXT_LIMITS = {
    "name": 200, "short_name": 60, "legal_representative": 50, "address": 200, "contact_name": 50,
    "contact_title": 50,
}  # fmt: skip
ENTERPRISE_KEYS = tuple(c.key for c in COLUMNS if c.applies_to == "enterprise")
SCHOOL_KEYS = tuple(c.key for c in COLUMNS if c.applies_to == "school")


# --- Results --------------------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    """What `start_import` did.

    - `job`: the background job started for a large file (None when the file was handled in the request);
    - `created`: units registered (0 whenever there was any error);
    - `errors`: problems as dicts {row, column, value, message}; `row` is the Excel row number, None for
      problems with the file as a whole;
    - `report_job`: for a small file with row errors, a finished Job that holds the same errors
      (job.result) and the error report XLSX (job.result_file), so the page and the API can link to it.
    """

    job: Job | None = None
    created: int = 0
    errors: list[dict] = field(default_factory=list)
    rows: int = 0
    report_job: Job | None = None
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and self.job is None

    @property
    def file_error(self) -> str | None:
        """The message when the file as a whole was refused (nothing to report per row)."""
        if len(self.errors) == 1 and self.errors[0]["row"] is None:
            return self.errors[0]["message"]
        return None


@dataclass
class ImportRow:
    """One valid-looking row, ready for import_member_units (valid once no error names its row)."""

    number: int
    profile: dict = field(default_factory=dict)
    contacts: list[dict] = field(default_factory=list)
    admitted_on: date | None = None
    council_role: str = CouncilRole.MEMBER
    specialties: list[str] = field(default_factory=list)
    industry: tuple[str, str] | None = None  # (section letter or "", division code) to check


# --- Validation -----------------------------------------------------------------------------------------


def _text(key: str, value) -> str:
    return check_length(display(value), TEXT_LIMITS.get(key))


def _choice(lookup: dict[str, str], allowed: Iterable[str], value) -> str:
    found = lookup.get(fold(display(value)))
    if found is None:
        raise CellProblem(_("Not an allowed value. Use one of: %(values)s.") % {"values": "、".join(allowed)})
    return found


def _credit_code(value) -> str:
    if is_rounded_number(value):
        raise CellProblem(_(
            "The cell holds a number: Excel keeps only 15 digits of a number, so the last digits of this code are "
            "lost. Format the column as text and type the code again."
        ))  # fmt: skip
    code = normalise_credit_code(plain(value))
    problem = credit_code_problem(code)
    if problem:
        raise CellProblem(problem)
    return code


def _division_code(value) -> str:
    code = re.sub(r"\s+", "", plain(value))
    if not re.fullmatch(r"\d{6}", code):
        raise CellProblem(_("A division code has 6 digits (GB/T 2260), e.g. 370303."))
    return code


_INDUSTRY = re.compile(r"([A-T])?\s*(\d{1,2})(?!\d)")


def _industry(value) -> tuple[str, str]:
    text = plain(value).upper()
    match = _INDUSTRY.match(text)
    if not match:
        if re.fullmatch(r"[A-T]", text):
            raise CellProblem(_("Give the 2-digit industry division (e.g. 36), not only the section letter."))
        raise CellProblem(_("Give the 2-digit industry division of GB/T 4754-2017, e.g. 36 or C36."))
    return match.group(1) or "", match.group(2).zfill(2)


_NOT_A_DATE = gettext_lazy("Not a date. Write it as 2024-03-01, 2024/3/1 or 2024年3月1日, or format the cell "
                           "as a date.")  # fmt: skip


def _date(value) -> date:
    parsed = read_date(value, _NOT_A_DATE)
    if parsed > timezone.localdate():
        raise CellProblem(_("The admission date cannot be in the future."))
    if parsed.year < 1949:
        raise CellProblem(_("The date is too early; check the year."))
    return parsed


def _count(value) -> int:
    if isinstance(value, bool):
        raise CellProblem(_("Enter a whole number of 0 or more."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellProblem(_("Enter a whole number of 0 or more."))
        number = int(value)
    else:
        text = re.sub(r"[\s,]", "", plain(value))
        if text.endswith("人"):
            text = text[:-1]
        if not re.fullmatch(r"-?\d+(\.0+)?", text):
            raise CellProblem(_("Enter a whole number of 0 or more."))
        number = int(text.split(".")[0])
    if number < 0:
        raise CellProblem(_("Enter a whole number of 0 or more."))
    if number > MAX_COUNT:
        raise CellProblem(_("This number is too large."))
    return number


def _yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    folded = fold(display(value))
    if folded in YES_VALUES:
        return True
    if folded in NO_VALUES:
        return False
    raise CellProblem(_("Write 是 or 否."))


def _specialty_codes(value) -> list[str]:
    codes = [code for code in re.split(r"[、,，;；/\s]+", plain(value)) if code]
    wrong = [code for code in codes if not re.fullmatch(r"\d{6}", code)]
    if wrong:
        raise CellProblem(
            _("Specialty codes have 6 digits and are separated by 、 or a comma; not a code: %(codes)s.")
            % {"codes": "、".join(wrong[:10])}
        )
    return list(dict.fromkeys(codes))


def _mobile(value) -> str:
    text = re.sub(r"[\s\-()]", "", plain(value))
    if text.startswith("+86"):
        text = text[3:]
    elif len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if not re.fullmatch(r"1[3-9]\d{9}", text):
        raise CellProblem(_("Enter an 11-digit mainland mobile number, e.g. 13800000000."))
    return text


def _email(value) -> str:
    text = plain(value)
    try:
        validate_email(text)
    except ValidationError as exc:
        raise CellProblem(_("Not a valid e-mail address.")) from exc
    if len(text) > 254:
        raise CellProblem(_("Not a valid e-mail address."))
    return text


def _website(value) -> str:
    text = plain(value)
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        text = f"http://{text}"
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError as exc:
        raise CellProblem(_("Not a valid web address.")) from exc
    return check_length(text, 200)


class Validator(RowValidator):
    """Checks rows; reference codes and registered units are read once per file (set-based)."""

    def __init__(self, alliance, header: Header):
        super().__init__(header, LAYOUT)
        self.alliance = alliance
        self.kinds = _choice_lookup(KIND_VALUES, MemberKind)
        self.roles = _choice_lookup(COUNCIL_ROLE_VALUES, CouncilRole)
        self.ownerships = _choice_lookup(OWNERSHIP_VALUES, Ownership)
        self.levels = _choice_lookup(SCHOOL_LEVEL_VALUES, SchoolLevel)

    def validate(
        self, rows: Iterable[SheetRow], progress: Callable[[int], None] | None = None
    ) -> list[ImportRow]:
        parsed = []
        for index, row in enumerate(rows, start=1):
            parsed.append(self._parse(row))
            if progress and index % PROGRESS_EVERY == 0:
                progress(index)
        self._check_references(parsed)
        self._check_duplicates(parsed)
        order = {self.label(column.key): COLUMN_ORDER[column.key] for column in COLUMNS}
        self.errors.sort(key=lambda e: (e["row"] or 0, order.get(e["column"], -1)))
        return parsed

    # One row, cell by cell
    def _parse(self, row: SheetRow) -> ImportRow:
        item = ImportRow(number=row.number)
        cells = row.cells
        values: dict[str, object] = {}
        for key, cell in cells.items():
            if is_formula(cell):
                self.add(row.number, key, cell.value, formulas_refused())
                continue
            values[key] = cell.value
        parsers = {
            "name": lambda v: _text("name", v), "short_name": lambda v: _text("short_name", v),
            "kind": lambda v: _choice(self.kinds, COLUMNS_BY_KEY["kind"].choices, v),
            "credit_code": _credit_code,
            "legal_representative": lambda v: _text("legal_representative", v),
            "division_code": _division_code, "address": lambda v: _text("address", v), "website": _website,
            "council_role": lambda v: _choice(self.roles, COLUMNS_BY_KEY["council_role"].choices, v),
            "admitted_on": _date, "industry_division": _industry, "employee_count": _count,
            "above_designated_size": _yes_no,
            "ownership": lambda v: _choice(self.ownerships, COLUMNS_BY_KEY["ownership"].choices, v),
            "school_level": lambda v: _choice(self.levels, COLUMNS_BY_KEY["school_level"].choices, v),
            "enrolment": _count, "teacher_count": _count, "specialties": _specialty_codes,
            "contact_name": lambda v: _text("contact_name", v), "contact_title": lambda v: _text("contact_title", v),
            "contact_mobile": _mobile, "contact_email": _email,
        }  # fmt: skip
        clean: dict[str, object] = {}
        kind = None
        if "kind" in values:
            try:
                kind = clean["kind"] = parsers["kind"](values["kind"])
            except CellProblem as problem:
                self.add(row.number, "kind", values["kind"], problem)
        for key, value in values.items():
            if key == "kind":
                continue
            applies_to = COLUMNS_BY_KEY[key].applies_to
            if kind and applies_to == "enterprise" and kind != MemberKind.ENTERPRISE:
                continue  # enterprise columns are ignored for other types of unit (documented)
            if kind and applies_to == "school" and kind not in MemberKind.school_kinds():
                continue
            try:
                clean[key] = parsers[key](value)
            except CellProblem as problem:
                self.add(row.number, key, value, problem)
        self.check_required(row)
        if clean.get("council_role", CouncilRole.MEMBER) != CouncilRole.MEMBER and "admitted_on" not in cells:
            self.add(row.number, "council_role", values.get("council_role"),
                     _("Only members hold a council role: give the admission date (入会日期) or leave this empty."))  # fmt: skip
        if "contact_name" not in cells:
            given = [k for k in ("contact_title", "contact_mobile", "contact_email") if k in cells]
            if given:
                self.add(row.number, "contact_name", "", _("Give the contact's name (the contact's other details are filled in)."))  # fmt: skip
        item.profile = {
            "kind": clean.get("kind", ""), "name": clean.get("name", ""), "short_name": clean.get("short_name", ""),
            "credit_code": clean.get("credit_code", ""),
            "legal_representative": clean.get("legal_representative", ""),
            "division_code": clean.get("division_code", ""), "address": clean.get("address", ""),
            "website": clean.get("website", ""), "industry_division": None,
            "employee_count": clean.get("employee_count"),
            "above_designated_size": clean.get("above_designated_size", False),
            "ownership": clean.get("ownership", ""), "school_level": clean.get("school_level", ""),
            "enrolment": clean.get("enrolment"), "teacher_count": clean.get("teacher_count"),
        }  # fmt: skip
        item.industry = clean.get("industry_division")
        item.specialties = clean.get("specialties", [])
        item.admitted_on = clean.get("admitted_on")
        item.council_role = clean.get("council_role", CouncilRole.MEMBER)
        if clean.get("contact_name"):
            item.contacts = [{
                "name": clean["contact_name"], "title": clean.get("contact_title", ""),
                "mobile": clean.get("contact_mobile", ""), "email": clean.get("contact_email", ""),
            }]  # fmt: skip
        return item

    # Codes against the reference tables: one query per table
    def _check_references(self, rows: list[ImportRow]) -> None:
        divisions = known_division_codes(
            {r.profile["division_code"] for r in rows if r.profile["division_code"]}
        )
        for row in rows:
            code = row.profile["division_code"]
            if code and code not in divisions:
                self.add(row.number, "division_code", code,
                         _("%(code)s is not a known division code (GB/T 2260).") % {"code": code})  # fmt: skip
        if any(row.industry for row in rows):
            industries = {d.code: d for d in IndustryDivision.objects.all()}
            for row in rows:
                if not row.industry:
                    continue
                section, code = row.industry
                division = industries.get(code)
                shown = f"{section}{code}"
                if division is None:
                    self.add(row.number, "industry_division", shown,
                             _("%(code)s is not an industry division of GB/T 4754-2017.") % {"code": code})  # fmt: skip
                elif section and division.section_id != section:
                    self.add(row.number, "industry_division", shown,
                             _("Division %(code)s belongs to section %(section)s, not %(given)s.")
                             % {"code": code, "section": division.section_id, "given": section})  # fmt: skip
                else:
                    row.profile["industry_division"] = division
        wanted = {code for row in rows for code in row.specialties}
        if wanted:
            known = _existing(Specialty.objects.all(), "code", wanted)
            for row in rows:
                unknown = [code for code in row.specialties if code not in known]
                if unknown:
                    self.add(row.number, "specialties", "、".join(row.specialties),
                             _("Not in the 2021 specialty catalogue: %(codes)s.") % {"codes": "、".join(unknown)})  # fmt: skip

    # The same unit twice in the file, or already registered in this alliance
    def _check_duplicates(self, rows: list[ImportRow]) -> None:
        by_code, by_name = defaultdict(list), defaultdict(list)
        for row in rows:
            if row.profile["credit_code"]:
                by_code[row.profile["credit_code"]].append(row)
            if row.profile["name"]:
                by_name[fold(row.profile["name"])].append(row)
        registered_codes, registered_names = {}, {}
        for code, name in MemberUnit.objects.filter(alliance=self.alliance).values_list(
            "credit_code", "name"
        ):
            registered_codes[code] = name
            registered_names[fold(name)] = name
        for groups, key, registered in ((by_code, "credit_code", registered_codes),
                                        (by_name, "name", registered_names)):  # fmt: skip
            for value, group in groups.items():
                for row in group:
                    shown = row.profile[key]
                    if len(group) > 1:
                        others = "、".join(str(other.number) for other in group if other is not row)
                        message = (_("The same credit code is also on row %(rows)s.") if key == "credit_code"
                                   else _("The same unit name is also on row %(rows)s."))  # fmt: skip
                        self.add(row.number, key, shown, message % {"rows": others})
                    if value in registered:
                        message = (_("A unit with this credit code is already registered in this alliance: %(name)s.")
                                   if key == "credit_code"
                                   else _("A unit with this name is already registered in this alliance."))  # fmt: skip
                        self.add(row.number, key, shown, message % {"name": registered[value]})


def _existing(queryset, field_name: str, values: set[str], chunk: int = 5_000) -> set[str]:
    found: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        found |= set(queryset.filter(**{f"{field_name}__in": part}).values_list(field_name, flat=True))
    return found


def known_division_codes(codes: set[str]) -> set[str]:
    """The codes that are division codes, current or historical: one query for the lot; codes the table does
    not hold are asked of members.reference.is_known_division when that module offers it."""
    if not codes:
        return set()
    known = _existing(Division.objects.all(), "code", codes)
    checker = _reference_division_checker()
    if checker is not None:
        known |= {code for code in codes - known if checker(code)}
    return known


def _reference_division_checker():
    try:
        from . import reference
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.reference":
            raise
        return None
    return getattr(reference, "is_known_division", None)


# --- Importing ----------------------------------------------------------------------------------------


def import_rows(
    *, alliance, header: Header, rows: list[SheetRow], filename: str,
    progress: Callable[[int, str], None] | None = None, job: Job | None = None,
) -> tuple[int, list[dict], dict]:  # fmt: skip
    """Validate every row; when none has a problem, register them all in one transaction.

    Returns (units created, errors, counts by status). `progress(percent, message)` is told how far it got.
    """
    total = len(rows)
    validator = Validator(alliance, header)

    def validated(done: int) -> None:
        if progress:
            progress(40 + done * 10 // max(total, 1),
                     deferred_text(gettext_lazy("Checked %(done)d of %(total)d rows"), {"done": done, "total": total}))  # fmt: skip

    parsed = validator.validate(rows, validated)
    if not parsed and not validator.errors:
        validator.errors.append(file_error(no_data_rows()))
    if validator.errors:
        return 0, validator.errors, {}
    return _register(alliance, parsed, filename=filename, progress=progress, job=job)


def _register(alliance, rows: list[ImportRow], *, filename, progress, job) -> tuple[int, list[dict], dict]:
    """Register every row in one transaction, set-based (members.services.import_member_units)."""
    note = _("Imported from %(file)s") % {"file": filename}
    if progress:
        progress(60, deferred_text(gettext_lazy("Registering %(total)d units"), {"total": len(rows)}))
    try:
        with transaction.atomic():
            counts = import_member_units(
                alliance=alliance, note=note,
                rows=[{"profile": dict(row.profile), "contacts": row.contacts, "admitted_on": row.admitted_on,
                       "council_role": row.council_role, "specialties": row.specialties} for row in rows],
            )  # fmt: skip
            record_event("member.import_completed", alliance=alliance,
                         detail={"file": filename[:200], "created": len(rows), "statuses": counts})  # fmt: skip
            if job is not None:  # a retried job must not import twice: mark it in the same transaction
                Job.objects.filter(pk=job.pk).update(
                    result=_result(filename, len(rows), len(rows), [], counts, applied=True)
                )
    except (ValidationError, IntegrityError) as exc:
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)[:200]
        message = _("Nothing was imported: a row clashes with a unit registered meanwhile (%(detail)s). "
                    "Upload the file again to see the current problems.") % {"detail": detail}  # fmt: skip
        return 0, [file_error(message)], {}
    return len(rows), [], counts


def _result(
    filename: str, rows: int, created: int, errors: list[dict], counts: dict, *, applied=False
) -> dict:
    return {
        "file": filename[:200], "rows": rows, "created": created, "statuses": counts,
        "error_count": len(errors), "errors": errors[:MAX_STORED_ERRORS], "applied": applied,
    }  # fmt: skip


def _message(created: int, errors: list[dict]) -> str:
    """The outcome, in whichever language reads it (a file error's own reason stays in the importer's)."""
    if errors:
        if len(errors) == 1 and errors[0]["row"] is None:
            return deferred_text(
                gettext_lazy("Nothing was imported: %(reason)s"), {"reason": errors[0]["message"]}
            )
        return problems_found(len(errors))
    return deferred_text(gettext_lazy("%(count)d member units imported."), {"count": created})


def error_report_filename(job: Job | None = None) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return f"member-import-errors-{job.pk if job else 'x'}-{stamp}.xlsx"


def start_import(*, alliance, upload, requested_by) -> ImportOutcome:
    """Import the uploaded workbook: small files at once, large ones as a background job.

    File-level problems come back as a single error with row None; row problems as errors with their row
    numbers (and, for a small file, a finished Job in `report_job` holding the error report). Called by the
    import page and the API alike; the caller must be allowed Action.MANAGE_MEMBERS in `alliance`.
    """
    filename = (getattr(upload, "name", "") or "upload.xlsx")[:200]
    try:
        data = read_upload(upload)
        with WorkbookReader(data, LAYOUT) as reader:
            header = reader.header
            rows = []
            for row in reader.rows():
                rows.append(row)
                if len(rows) > IMPORT_INLINE_LIMIT:
                    break
    except ImportFileError as exc:
        _audit_refusal(alliance, filename, str(exc))
        return ImportOutcome(errors=[file_error(str(exc))], error_count=1)
    if len(rows) > IMPORT_INLINE_LIMIT:
        job = _start_job(alliance=alliance, data=data, filename=filename, requested_by=requested_by)
        return ImportOutcome(job=job)
    created, errors, counts = import_rows(alliance=alliance, header=header, rows=rows, filename=filename)
    if errors and errors[0]["row"] is None and len(errors) == 1:
        _audit_refusal(alliance, filename, errors[0]["message"])
        return ImportOutcome(errors=errors, rows=len(rows), error_count=1)
    if errors:
        _audit_refusal(alliance, filename, _message(0, errors), count=len(errors))
        report_job = _record_report(alliance, requested_by, filename, len(rows), errors)
        return ImportOutcome(errors=errors, rows=len(rows), report_job=report_job, error_count=len(errors))
    return ImportOutcome(created=created, rows=len(rows))


def _audit_refusal(alliance, filename: str, reason: str, count: int = 1) -> None:
    record_event("member.import_refused", alliance=alliance, outcome=AuditOutcome.FAILURE,
                 detail={"file": filename[:200], "errors": count, "reason": reason[:300]})  # fmt: skip


def _record_report(alliance, requested_by, filename: str, rows: int, errors: list[dict]) -> Job:
    """A small import with problems is kept as a finished Job, so its report can be shown and downloaded."""
    parameters = {"filename": filename, "inline": True, "attempt": uuid.uuid4().hex}
    now = timezone.now()
    job = Job.objects.create(
        alliance=alliance, kind=IMPORT_JOB_KIND, parameters=parameters, parameters_digest=Job.digest(parameters),
        status=JobStatus.SUCCEEDED, progress=100, **message_fields(_message(0, errors)),
        result=_result(filename, rows, 0, errors, {}), requested_by=requested_by, started_at=now, finished_at=now,
        attempts=1,
    )  # fmt: skip
    job.result_file.save(error_report_filename(job), ContentFile(build_error_report(errors)), save=True)
    return job


def _start_job(*, alliance, data: bytes, filename: str, requested_by) -> Job:
    name = f"alliances/{alliance.pk}/imports/{timezone.localdate():%Y%m%d}-{uuid.uuid4().hex}.xlsx"
    path = default_storage.save(name, ContentFile(data))
    token = signing.dumps({"path": path, "alliance": alliance.pk}, salt=_UPLOAD_SALT)
    parameters = {"upload": token, "filename": filename, "language": translation.get_language() or ""}
    job, _created = enqueue_job(
        alliance=alliance, kind=IMPORT_JOB_KIND, parameters=parameters, requested_by=requested_by
    )
    return job


def _stored_upload_path(job: Job) -> str:
    """The upload named by the job, only if the import page stored it for this alliance (signed)."""
    try:
        payload = signing.loads(job.parameters.get("upload") or "", salt=_UPLOAD_SALT)
    except signing.BadSignature as exc:
        raise ImportFileError(_("This job does not name a file uploaded through the import page.")) from exc
    path = str(payload.get("path") or "")
    if payload.get("alliance") != job.alliance_id or not path.startswith(f"alliances/{job.alliance_id}/imports/") or ".." in path:  # fmt: skip  # noqa: E501
        raise ImportFileError(_("This job does not name a file uploaded through the import page."))
    return path


def run_import_job(job: Job, report_progress) -> JobOutcome:
    """The job kind `members.import_roster`: read the stored upload, validate, import or report. Safe to retry:
    the import and its mark in job.result commit together, and a retry after that only reports again."""
    with translation.override(job.parameters.get("language") or settings.LANGUAGE_CODE):
        if job.result.get("applied") or job.result.get("done"):
            return _job_outcome(job, job.result)
        filename = str(job.parameters.get("filename") or "upload.xlsx")[:200]
        path = None
        try:
            path = _stored_upload_path(job)
            try:
                with default_storage.open(path, "rb") as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)
            except FileNotFoundError as exc:
                raise ImportFileError(_("The uploaded file is no longer stored; upload it again.")) from exc
            report_progress(1, gettext_lazy("Reading the file"))
            with WorkbookReader(data, LAYOUT) as reader:
                estimate = max(reader.estimated_rows, 1)
                rows = list(reader.rows(lambda done: report_progress(
                    min(39, done * 40 // estimate), deferred_text(gettext_lazy("Read %(done)d rows"), {"done": done}))))  # fmt: skip
                header = reader.header
        except ImportFileError as exc:
            errors = [file_error(str(exc))]
            _audit_refusal(job.alliance, filename, str(exc))
            result = _result(filename, 0, 0, errors, {})
        else:
            report_progress(40, deferred_text(gettext_lazy("Checking %(count)d rows"), {"count": len(rows)}))
            created, errors, counts = import_rows(
                alliance=job.alliance,
                header=header,
                rows=rows,
                filename=filename,
                progress=report_progress,
                job=job,
            )
            if errors:
                _audit_refusal(job.alliance, filename, _message(0, errors), count=len(errors))
            result = _result(filename, len(rows), created, errors, counts, applied=not errors)
        result["done"] = True
        Job.objects.filter(pk=job.pk).update(result=result)
        if path:
            default_storage.delete(path)  # the roster holds personal data: keep only what the import needs
        job.result = result
        return _job_outcome(job, result, errors)


def _job_outcome(job: Job, result: dict, errors: list[dict] | None = None) -> JobOutcome:
    errors = errors if errors is not None else result.get("errors", [])
    outcome = JobOutcome(message=_message(result.get("created", 0), errors), result=result)
    if errors and any(e["row"] is not None for e in errors):
        outcome.filename = error_report_filename(job)
        outcome.content = build_error_report(errors)
    return outcome


# --- The template ----------------------------------------------------------------------------------------


def build_template() -> bytes:
    """The import template: the data sheet with headings, dropdowns and text formats, and the instructions."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    write_headings(sheet, COLUMNS, starred=True)
    last = TEMPLATE_DATA_ROWS + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        validation = None
        if column.choices:
            validation = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                                        showErrorMessage=True, errorStyle="warning")  # fmt: skip
            validation.error = str(_("Choose one of the listed values."))
        elif column.key in ("employee_count", "enrolment", "teacher_count"):
            validation = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                        showErrorMessage=True, errorStyle="warning")  # fmt: skip
            validation.error = str(_("Enter a whole number of 0 or more."))
        if validation is not None:
            add_validation(sheet, validation, column, f"{letter}2:{letter}{last}")
    sheet.freeze_panes = "B2"
    _instructions(workbook.create_sheet(INSTRUCTIONS_SHEET))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(sheet) -> None:
    from openpyxl.styles import Font

    sheet.append([_("How to fill in the member import template")])
    sheet["A1"].font = Font(bold=True, size=14)
    notes = [
        _("Enter one unit per row on the sheet “%(sheet)s”, starting in row 2. Do not change the headings; "
          "columns marked * are required.") % {"sheet": DATA_SHEET},
        _("Enter values, not formulas. Codes (credit code, division code, specialty codes, mobile numbers) are "
          "formatted as text so that Excel keeps them as written."),
        _("Units with an admission date are imported as admitted members (with a member number); units without "
          "one are imported as applications received, which then go through review."),
        _("Enterprise columns (industry, employees, above designated size, ownership) are read only for "
          "enterprises, school columns (level, students, teachers, specialties) only for schools."),
        _("The import is all or nothing: when any row has a problem, nothing is imported and every problem is "
          "listed with its row and column. Correct the file and upload it again."),
        _("At most %(rows)d rows and %(size)s per file; files of more than %(inline)d rows are imported in the "
          "background.") % {"rows": MAX_ROWS, "size": filesizeformat(MAX_FILE_BYTES), "inline": IMPORT_INLINE_LIMIT},
        _("Columns named 序号 or 备注 are ignored; any other extra column is reported as unknown."),
    ]  # fmt: skip
    write_instructions(sheet, notes, COLUMNS, starred=True, choices=True)
    for letter, width in zip("ABCD", (24, 10, 70, 60), strict=True):
        sheet.column_dimensions[letter].width = width

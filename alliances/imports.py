"""Reading uploaded Excel workbooks (XLSX) for the imports: file checks, the reader, heading matching, cell helpers,
problems as dicts and the error report.

An import (members/imports.py: the member roster; subsidies/imports.py: a claim's lines) describes its file with a
`SheetLayout` — the data sheet's name, its columns, how many rows it may have and the messages that name its
template — and keeps its own value parsing, validation rules, template and job. This module does the rest the same
way for every import:

- `read_upload` / `check_workbook_bytes`: the file is refused by content (not by name) when it is not an XLSX
  workbook we are willing to open: empty, larger than `MAX_FILE_BYTES`, an old .xls, a PDF, a text file, another
  kind of archive, damaged, or one that unpacks to more than `MAX_UNPACKED_BYTES` (a zip bomb);
- `WorkbookReader(data, layout)`: opens the workbook read-only (formulas kept as formulas), finds the data sheet and
  its heading row (within the first `HEADER_SEARCH_ROWS` rows, below any title rows) and yields the non-empty data
  rows as `SheetRow`s, refusing more than `layout.max_rows`;
- headings are matched tolerantly (`header_key`): spaces, full-width characters, a trailing * or a note in brackets
  do not matter; an unknown column, a column given twice and a required column missing are problems of the heading
  row; columns named 序号 or 备注 are read past;
- problems are dicts {row, column, value, message} (`error`, `file_error`); `row` is the row number as Excel shows
  it, None for a problem with the file as a whole; `build_error_report` writes them as an XLSX, formula-safe.

File-level problems raise `ImportFileError`; a cell's problem raises `CellProblem` in the import's parsers.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from io import BytesIO

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .locale import deferred_text
from .spreadsheets import safe_cell

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a 5 MB zip that unpacks to more than this is refused (zip bomb)
HEADER_SEARCH_ROWS = 10  # the heading row may follow a few title rows
PROGRESS_EVERY = 500
INSTRUCTIONS_SHEET = "填写说明"
IGNORED_HEADERS = ("序号", "备注")  # common extra columns, read past silently


class ImportFileError(Exception):
    """The file as a whole cannot be read: wrong type, damaged, empty, too large, too many rows."""


class CellProblem(Exception):
    """A cell's value cannot be taken; the message says why (shown with the row and column)."""


# --- Text as compared and shown ---------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Compare text tolerantly: full-width to half-width, no spaces, case-insensitive."""
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", text).casefold()


def header_key(text) -> str:
    """A heading as compared: folded, without a trailing * and without notes in brackets."""
    folded = fold(text)
    folded = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", folded)
    return folded.replace("*", "")


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value) -> str:
    """A cell's value as text, the way the problems and the report show it."""
    value = getattr(value, "text", value)  # an ArrayFormula
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


EXACT_NUMBER_DIGITS = 15  # what Excel (and a double) keeps of a number


def is_rounded_number(value) -> bool:
    """A number cell past 15 digits: what it holds is rounded, so an ID number or a code typed into it has lost
    its last digits — whatever its check character says (the rounded digits pass it now and then)."""
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool)
        and len(display(value).lstrip("-")) > EXACT_NUMBER_DIGITS
    )  # fmt: skip


def plain(value) -> str:
    """Text of a code-like value: numbers without a decimal point, full-width characters made half-width."""
    return unicodedata.normalize("NFKC", display(value)).strip()


# --- Cell values ------------------------------------------------------------------------------------------------

DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def read_date(value, not_a_date) -> date:
    """A date cell, or text such as 2024-03-01, 2024/3/1, 2024年3月1日 or 20240301; CellProblem(`not_a_date`) for
    anything else. The import checks the range."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = plain(value)
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError as exc:
                raise CellProblem(_("This date does not exist.")) from exc
    raise CellProblem(not_a_date)


def check_length(text: str, limit: int | None) -> str:
    """The text, unless it is longer than `limit` characters (no limit when None)."""
    if limit and len(text) > limit:
        raise CellProblem(
            _("At most %(limit)d characters (this has %(count)d).") % {"limit": limit, "count": len(text)}
        )
    return text


def is_formula(cell: Cell) -> bool:
    """A formula, or text that a spreadsheet would take for one: values only are imported."""
    return cell.formula or (isinstance(cell.value, str) and cell.value.lstrip().startswith("="))


def formulas_refused() -> str:
    return _("Formulas are not accepted. Enter the value itself (copy the cells and paste them as values).")


# --- Problems ---------------------------------------------------------------------------------------------------


def error(row: int | None, column: str, value, message) -> dict:
    return {"row": row, "column": column, "value": display(value)[:200], "message": str(message)}


def file_error(message) -> dict:
    return error(None, "", "", message)


def no_data_rows() -> str:
    return _("The file has no data rows below the headings.")


def problems_found(count: int) -> str:
    """Lazy: a job stores it in each language (alliances.jobs.message_fields)."""
    return deferred_text(
        gettext_lazy(
            "Nothing was imported: %(count)d problems were found. Correct the file and upload it again."
        ),
        {"count": count},
    )


def build_error_report(errors: list[dict]) -> bytes:
    """The problems as an XLSX, one line per problem; every cell is written formula-safe."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Errors"))[:31]
    sheet.append([_("Row"), _("Column"), _("Value"), _("Problem")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for problem in errors:
        sheet.append([problem["row"] if problem["row"] is not None else "", safe_cell(problem["column"]),
                      safe_cell(problem["value"]), safe_cell(problem["message"])])  # fmt: skip
    for letter, width in zip("ABCD", (8, 22, 30, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- The file ---------------------------------------------------------------------------------------------------


def read_upload(upload) -> bytes:
    """The upload's bytes, once they are known to be a workbook we can read (else ImportFileError)."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise ImportFileError(too_large(size))
    upload.seek(0)
    data = upload.read(MAX_FILE_BYTES + 1)
    check_workbook_bytes(data)
    return data


def too_large(size: int) -> str:
    return _("The file is %(size)s; it may be at most %(limit)s. Split it into several files.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(MAX_FILE_BYTES),
    }


def check_workbook_bytes(data: bytes) -> None:
    """Refuse by content (not by name) what is not an XLSX workbook we are willing to open."""
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(too_large(len(data)))
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            _("This is an old-format Excel file (.xls) or a password-protected workbook. Open it in Excel or "
              "WPS, remove any password and save it as “Excel workbook (.xlsx)”, then upload that file.")
        )  # fmt: skip
    if data.startswith(b"%PDF"):
        raise ImportFileError(
            _("This is a PDF document, not an Excel workbook. Fill in the template (.xlsx).")
        )
    if not data.startswith(b"PK\x03\x04"):
        if _looks_like_text(data[:4096]):
            raise ImportFileError(
                _("This is a text file (for example CSV), not an Excel workbook. Open it in Excel or WPS and "
                  "save it as “Excel workbook (.xlsx)”.")
            )  # fmt: skip
        raise ImportFileError(
            _("This file is not an Excel workbook (.xlsx). Fill in the template and upload it.")
        )
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(damaged()) from exc
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportFileError(
            _("This file is not an Excel workbook (.xlsx) but another kind of document or archive. "
              "Fill in the template and upload it.")
        )  # fmt: skip
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(_("The workbook is too large when unpacked. Split it into several files."))


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def damaged() -> str:
    return _("The file could not be read as an Excel workbook; it may be damaged. Open it in Excel or WPS, "
             "save it again as .xlsx and upload it once more.")  # fmt: skip


# --- The layout of an import's workbook -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the heading in the template (the file format is Chinese)
    help: object  # what to enter (translated)
    required: bool = False
    example: object = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # values offered in the template's dropdown
    applies_to: str = ""  # read only for some kinds of row (the import decides: "enterprise", "school")
    text: bool = False  # the template formats the column as text (codes, numbers with leading digits)
    width: int = 14

    @property
    def template_header(self) -> str:
        return f"{self.header}*" if self.required else self.header


@dataclass(frozen=True)
class Cell:
    value: object
    formula: bool


@dataclass
class SheetRow:
    number: int  # as Excel shows it
    cells: dict[str, Cell]


@dataclass
class Header:
    row: int
    keys: dict[int, str]  # column index (0-based) -> column key
    labels: dict[str, str]  # column key -> heading as written in the file
    errors: list[dict]


@dataclass(frozen=True)
class SheetLayout:
    """What an import's workbook looks like, for `WorkbookReader`.

    `columns` are all the columns the file may have (headings and aliases are matched against them; the required
    ones must be there). A row is the heading row when it names two of them, or the `anchor` column alone.
    `too_many_rows` (with %(limit)d) and `no_heading_row` (with %(sheet)s) are the import's own messages, lazy.
    """

    data_sheet: str
    columns: tuple[Column, ...]
    anchor: str
    max_rows: int
    too_many_rows: str
    no_heading_row: str
    instructions_sheet: str = INSTRUCTIONS_SHEET
    ignored_headers: tuple[str, ...] = IGNORED_HEADERS

    @cached_property
    def lookup(self) -> dict[str, str]:
        """Heading (as `header_key` makes it) -> column key; the first column to claim a heading keeps it."""
        lookup: dict[str, str] = {}
        for column in self.columns:
            for text in (column.header, *column.aliases):
                lookup.setdefault(header_key(text), column.key)
        return lookup

    @cached_property
    def ignored_keys(self) -> set[str]:
        return {header_key(text) for text in self.ignored_headers}

    def read_header(self, number: int, cells) -> Header | None:
        """The heading row's columns and problems, or None when the row is not the heading row."""
        texts = {
            index: str(cell.value)
            for index, cell in enumerate(cells)
            if not blank(getattr(cell, "value", None))
        }
        matched = {index: self.lookup.get(header_key(text)) for index, text in texts.items()}
        known = [key for key in matched.values() if key]
        # Two different columns make the heading row (a heading given twice counts once), or the anchor alone.
        if len(set(known)) < 2 and self.anchor not in known:
            return None  # a title row, or no headings at all
        keys, labels, errors = {}, {}, []
        for index, text in texts.items():
            key = matched[index]
            label = text.strip()
            if key is None:
                if header_key(text) not in self.ignored_keys:
                    errors.append(error(number, label, "", _(
                        "Unknown column. Rename it to one of the template's headings or delete it: "
                        "its values would not be imported."
                    )))  # fmt: skip
                continue
            if key in labels:
                errors.append(error(number, label, "", _("This column appears twice (also as “%(other)s”).")
                                    % {"other": labels[key]}))  # fmt: skip
                continue
            keys[index], labels[key] = key, label
        for column in self.columns:
            if column.required and column.key not in labels:
                errors.append(error(number, column.header, "", _("This required column is missing.")))
        return Header(row=number, keys=keys, labels=labels, errors=errors)


# --- Reading ----------------------------------------------------------------------------------------------------


class WorkbookReader:
    """Reads the data sheet of a workbook row by row (openpyxl read-only, formulas kept as formulas)."""

    def __init__(self, data: bytes, layout: SheetLayout):
        from openpyxl import load_workbook

        self.layout = layout
        check_workbook_bytes(data)
        try:
            self.workbook = load_workbook(BytesIO(data), read_only=True, data_only=False, keep_links=False)
        except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
            raise ImportFileError(damaged()) from exc
        self._rows: Iterator | None = None
        self.estimated_rows = 0
        try:
            self.sheet, self.header, self._rows = self._find_data_sheet()
        except ImportFileError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise ImportFileError(damaged()) from exc

    def close(self) -> None:
        self.workbook.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _sheets(self):
        """The visible sheets, the data sheet first, without the instructions."""
        layout = self.layout
        sheets = list(self.workbook.worksheets)
        preferred = [s for s in sheets if fold(s.title) == fold(layout.data_sheet)]
        others = [
            s for s in sheets if s not in preferred and fold(s.title) != fold(layout.instructions_sheet)
        ]
        visible = [s for s in preferred + others if getattr(s, "sheet_state", "visible") == "visible"]
        return visible or preferred  # a hidden data sheet is read when nothing else is visible

    def _find_data_sheet(self):
        for sheet in self._sheets():
            if not hasattr(sheet, "iter_rows"):
                continue  # a chart sheet
            self.estimated_rows = sheet.max_row or 0
            sheet.reset_dimensions()  # some writers record wrong dimensions: read what is there
            rows = enumerate(sheet.iter_rows(), start=1)
            for number, cells in rows:
                header = self.layout.read_header(number, cells)
                if header is not None:
                    return sheet, header, rows
                if number >= HEADER_SEARCH_ROWS:
                    break
        raise ImportFileError(self.layout.no_heading_row % {"sheet": self.layout.data_sheet})

    def rows(self, progress: Callable[[int], None] | None = None) -> Iterator[SheetRow]:
        """Non-empty data rows below the heading; ImportFileError past `max_rows` or on a damaged sheet."""
        limit = self.layout.max_rows
        count = 0
        try:
            for number, cells in self._rows:
                row = self._row(number, cells)
                if row is None:
                    continue
                count += 1
                if count > limit:
                    raise ImportFileError(self.layout.too_many_rows % {"limit": limit})
                if progress and count % PROGRESS_EVERY == 0:
                    progress(count)
                yield row
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError(damaged()) from exc

    def _row(self, number: int, cells) -> SheetRow | None:
        if all(blank(getattr(cell, "value", None)) for cell in cells):
            return None
        values = {}
        for index, key in self.header.keys.items():
            if index < len(cells):
                cell = cells[index]
                value = getattr(cell, "value", None)
                formula = getattr(cell, "data_type", None) == "f"
                if not blank(value) or formula:
                    values[key] = Cell(value, formula)
        if not values:
            return None  # values only under ignored or unnamed columns
        return SheetRow(number=number, cells=values)


# --- Checking rows ----------------------------------------------------------------------------------------------


class RowValidator:
    """Collects the problems of an import's rows, named by the column's heading as written in the file."""

    def __init__(self, header: Header, layout: SheetLayout):
        self.header = header
        self.layout = layout
        self.errors: list[dict] = list(header.errors)

    @cached_property
    def columns_by_key(self) -> dict[str, Column]:
        return {column.key: column for column in self.layout.columns}

    def label(self, key: str) -> str:
        return self.header.labels.get(key) or self.columns_by_key[key].header

    def add(self, row: int, key: str, value, message) -> None:
        self.errors.append(error(row, self.label(key), value, message))

    def check_required(self, row: SheetRow) -> bool:
        """A problem for each required cell left empty (in the columns the file has); False when there is one."""
        complete = True
        for column in self.layout.columns:
            if column.required and column.key not in row.cells and column.key in self.header.labels:
                self.add(row.number, column.key, "", _("Required: this cell is empty."))
                complete = False
        return complete


# --- The template -----------------------------------------------------------------------------------------------


def write_headings(sheet, columns: tuple[Column, ...], *, starred: bool) -> None:
    """The data sheet's heading row: the headings (required ones with a * when `starred`; in red on rose either
    way), the help as a comment, the columns' widths, text columns formatted as text."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append([column.template_header if starred else column.header for column in columns])
    required_fill, optional_fill = (
        PatternFill("solid", fgColor="FDE9D9"),
        PatternFill("solid", fgColor="EEF3F8"),
    )
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = required_fill if column.required else optional_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(str(column.help), "Chanjiao", width=260, height=110)
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.row_dimensions[1].height = 30


def add_validation(sheet, validation, column: Column, cells: str) -> None:
    """A column's dropdown or check on `cells` (e.g. "C2:C5001"), prompting with the column's help."""
    validation.errorTitle = column.header
    validation.promptTitle, validation.prompt = column.header, str(column.help)[:250]
    validation.showInputMessage = True
    validation.add(cells)
    sheet.add_data_validation(validation)


def write_instructions(
    sheet, notes: list, columns: tuple[Column, ...], *, starred: bool, choices: bool
) -> None:
    """Below the instructions' title: the notes, numbered; a table of the columns (required, what to enter and, with
    `choices`, the allowed values); an example row under the headings. The notes and the table wrap."""
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    headings = [column.template_header if starred else column.header for column in columns]
    for number, note in enumerate(notes, start=1):
        sheet.append([f"{number}. {note}"])
    sheet.append([])
    sheet.append(
        [_("Column"), _("Required"), _("What to enter"), *([_("Allowed values")] if choices else [])]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for heading, column in zip(headings, columns, strict=True):
        sheet.append([heading, _("Yes") if column.required else "", str(column.help),
                      *(["、".join(column.choices)] if choices else [])])  # fmt: skip
    sheet.append([])
    sheet.append([_("Example (a row as it would look on the data sheet; do not copy it there):")])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    start = sheet.max_row + 1
    sheet.append(headings)
    sheet.append([str(column.example) for column in columns])
    for cell in sheet[start]:
        cell.font = bold
    for row in sheet.iter_rows(min_row=2, max_row=start - 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

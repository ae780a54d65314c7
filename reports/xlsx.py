"""The annual report as an XLSX workbook (openpyxl): a contents sheet, a sheet per section, the definitions.

Rendered from the figures snapshot only (never from the database), under the report's language (zh-hans): headers
are Chinese, header rows frozen, numbers formatted (thousands separated, money with two decimals), columns sized to
their content, and native Excel charts (bar and pie) on the sheets where a picture helps.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from alliances.spreadsheets import safe_cell

INTEGER = "#,##0"
MONEY = "#,##0.00"
PERCENT = '0.0"%"'
HEADER_FILL = PatternFill("solid", fgColor="0B6BCB")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F2933")
SUBTITLE_FONT = Font(bold=True, size=11, color="1F2933")
TOTAL_FONT = Font(bold=True)
NOTE_FONT = Font(italic=True, size=9, color="616E7C")
THIN = Side(style="thin", color="D9E2EC")
BORDER = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


class Sheet:
    """Writes tables one below the other on a worksheet and remembers column widths."""

    def __init__(self, workbook: Workbook, title: str, heading: str):
        self.ws = workbook.create_sheet(title)
        self.row = 1
        self.widths: dict[int, float] = {}
        self.frozen = False
        self.ws.cell(row=1, column=1, value=heading).font = TITLE_FONT
        self.row = 3

    def note(self, text: str) -> None:
        cell = self.ws.cell(row=self.row, column=1, value=safe_cell(text))
        cell.font = NOTE_FONT
        self.row += 1

    def pairs(self, items: list[tuple[str, object, str]]) -> None:
        """Label–value lines (key figures)."""
        for label, value, fmt in items:
            self.ws.cell(row=self.row, column=1, value=label).font = TOTAL_FONT
            cell = self.ws.cell(row=self.row, column=2, value=_value(value, fmt))
            cell.number_format = fmt or "General"
            cell.alignment = Alignment(horizontal="right")
            self._measure(1, label)
            self._measure(2, _shown(value, fmt))
            self.row += 1
        self.row += 1

    def table(self, title: str, headers: list[str], rows: list[list], formats: list[str], total: list | None = None):
        """A titled table; returns (header row, first data row, last data row). The first table's header is frozen."""
        if title:
            self.ws.cell(row=self.row, column=1, value=title).font = SUBTITLE_FONT
            self.row += 1
        header_row = self.row
        for column, header in enumerate(headers, start=1):
            cell = self.ws.cell(row=header_row, column=column, value=header)
            cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            self._measure(column, header)
        if not self.frozen:
            self.ws.freeze_panes = self.ws.cell(row=header_row + 1, column=1)
            self.frozen = True
        first = header_row + 1
        data = [*rows, total] if total else rows
        for offset, values in enumerate(data):
            for column, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
                cell = self.ws.cell(row=first + offset, column=column, value=_value(value, fmt))
                cell.border = BORDER
                if fmt:
                    cell.number_format = fmt
                if total and offset == len(rows):
                    cell.font = TOTAL_FONT
                self._measure(column, _shown(value, fmt))
        if not data:
            self.ws.cell(row=first, column=1, value=_("None")).font = NOTE_FONT
            last = first
        else:
            last = first + len(rows) - 1
        self.row = first + len(data) + 1 + (0 if data else 1)
        return header_row, first, last

    def chart(self, chart, anchor_column: int | None = None) -> None:
        """Place a chart to the right of the tables, at the current height."""
        column = anchor_column or (max(self.widths) + 2 if self.widths else 8)
        chart.width, chart.height = 16, 8
        self.ws.add_chart(chart, f"{get_column_letter(column)}{max(3, self.row - 12)}")

    def finish(self) -> None:
        for column, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(column)].width = min(60, max(8, width + 2))

    def _measure(self, column: int, text) -> None:
        width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text or ""))
        self.widths[column] = max(self.widths.get(column, 0), width)


def _value(value, fmt):
    if fmt == MONEY and value not in (None, ""):
        return Decimal(str(value))
    if fmt == PERCENT and value not in (None, ""):
        return float(value)
    return safe_cell(value)


def _shown(value, fmt) -> str:
    if fmt == MONEY and value not in (None, ""):
        return f"{Decimal(str(value)):,.2f}"
    if fmt == INTEGER and isinstance(value, int):
        return f"{value:,}"
    return str(value if value is not None else "")


def _bar(title: str, sheet: Sheet, header_row: int, first: int, last: int, data_columns: list[int],
         category_column: int = 1, horizontal: bool = False, y_title: str = "") -> BarChart | None:  # fmt: skip
    if last < first:
        return None
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.style = 10
    chart.y_axis.title = y_title
    chart.y_axis.majorGridlines = None
    for column in data_columns:
        chart.add_data(Reference(sheet.ws, min_col=column, min_row=header_row, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=category_column, min_row=first, max_row=last))
    if horizontal:
        chart.x_axis.scaling.orientation = "maxMin"
    return chart


def _pie(title: str, sheet: Sheet, header_row: int, first: int, last: int, data_column: int,
         category_column: int = 1) -> PieChart | None:  # fmt: skip
    if last < first:
        return None
    chart = PieChart()
    chart.title = title
    chart.add_data(Reference(sheet.ws, min_col=data_column, min_row=header_row, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=category_column, min_row=first, max_row=last))
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showPercent = True
    return chart


# --- The sheets ---------------------------------------------------------------------------------------------


def render(figures: dict, meta: dict) -> bytes:
    """The workbook as bytes. `meta`: version, generated_at, generated_by, generator_version."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    alliance, year = figures["alliance"], figures["year"]
    contents = _cover(workbook, figures, meta)
    sheets = [
        (_("Membership"), _membership),
        (_("Governance"), _governance),
        (_("Events"), _events),
        (_("Cooperation"), _cooperation),
        (_("Internships"), _internships),
        (_("Subsidies"), _subsidies),
        (_("Alignment"), _alignment),
        (_("Dormant members"), _dormant),
        (_("Definitions"), _definitions),
    ]
    for number, (title, write) in enumerate(sheets, start=1):
        sheet = Sheet(workbook, f"{number}. {title}"[:31], f"{number}. {title}")
        write(sheet, figures)
        sheet.finish()
        link = contents.ws.cell(row=contents.row, column=1, value=f"{number}. {title}")
        link.hyperlink = f"#'{sheet.ws.title}'!A1"
        link.style = "Hyperlink"
        contents.row += 1
    contents.finish()
    workbook.properties.title = _("%(alliance)s annual report %(year)d") % {"alliance": alliance["name"], "year": year}
    workbook.properties.creator = "Chanjiao"
    workbook.properties.created = meta["generated_at"].replace(tzinfo=None)
    workbook.properties.modified = workbook.properties.created
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cover(workbook: Workbook, figures: dict, meta: dict) -> Sheet:
    sheet = Sheet(workbook, _("Contents"), _("%(alliance)s annual report %(year)d") % {
        "alliance": figures["alliance"]["name"], "year": figures["year"]})  # fmt: skip
    membership, events = figures["membership"]["totals"], figures["events"]["totals"]
    subsidies, internships = figures["subsidies"]["totals"], figures["internships"]["totals"]
    sheet.pairs([
        (_("Alliance"), figures["alliance"]["name"], ""),
        (_("Year"), f"{figures['first_day']} – {figures['last_day']}", ""),
        (_("Version"), meta["version"], ""),
        (_("Generated at"), meta["generated_at"].strftime("%Y-%m-%d %H:%M"), ""),
        (_("Generated by"), meta["generated_by"] or "—", ""),
        (_("Generator version"), meta["generator_version"], ""),
    ])  # fmt: skip
    sheet.ws.cell(row=sheet.row, column=1, value=_("Key figures")).font = SUBTITLE_FONT
    sheet.row += 1
    sheet.pairs([
        (_("Members at year end"), membership["current"], INTEGER),
        (_("Joined in the year"), membership["joined"], INTEGER),
        (_("Left in the year"), membership["withdrawn"] + membership["expelled"], INTEGER),
        (_("Events held"), events["events"], INTEGER),
        (_("People checked in at events"), events["attendance"], INTEGER),
        (_("Cooperation records signed"), figures["cooperation"]["totals"]["signed"], INTEGER),
        (_("Interns"), internships["interns"], INTEGER),
        (_("Subsidies claimed (CNY)"), subsidies["claimed"], MONEY),
        (_("Subsidies approved (CNY)"), subsidies["approved"], MONEY),
        (_("Subsidies paid (CNY)"), subsidies["paid"], MONEY),
        (_("Specialty–industry alignment (%)"), figures["alignment"]["share"], PERCENT),
        (_("Dormant members"), figures["dormant"]["count"], INTEGER),
    ])  # fmt: skip
    sheet.ws.cell(row=sheet.row, column=1, value=_("Contents")).font = SUBTITLE_FONT
    sheet.row += 1
    return sheet


def _membership(sheet: Sheet, figures: dict) -> None:
    data = figures["membership"]
    headers = [_("Member type"), _("End of previous year"), _("Joined"), _("Withdrew"), _("Expelled"),
               _("End of year"), _("Net change")]  # fmt: skip
    rows = [[r["label"], r["previous"], r["joined"], r["withdrawn"], r["expelled"], r["current"], r["change"]]
            for r in data["by_kind"]]  # fmt: skip
    t = data["totals"]
    total = [_("Total"), t["previous"], t["joined"], t["withdrawn"], t["expelled"], t["current"], t["change"]]
    header_row, first, last = sheet.table(
        _("Members by type (%(previous)s and %(last)s)") % {"previous": figures["previous_last_day"],
                                                            "last": figures["last_day"]},
        headers, rows, ["", *[INTEGER] * 6], total,
    )  # fmt: skip
    chart = _bar(_("Members by type"), sheet, header_row, first, last, [2, 6], y_title=_("Units"))
    if chart:
        sheet.chart(chart, anchor_column=9)


def _governance(sheet: Sheet, figures: dict) -> None:
    data = figures["governance"]
    sheet.table(_("Meetings"), [_("Body"), _("Meetings"), _("Attendance (%)")],
                [[r["label"], r["meetings"], r["attendance"]] for r in data["meetings"]],
                ["", INTEGER, PERCENT])  # fmt: skip
    header_row, first, last = sheet.table(
        _("Resolutions"), [_("Subject"), _("Passed"), _("Not passed"), _("Total")],
        [[r["label"], r["passed"], r["not_passed"], r["total"]] for r in data["resolutions"]],
        ["", INTEGER, INTEGER, INTEGER],
        [_("Total"), data["totals"]["passed"], data["totals"]["not_passed"], data["totals"]["resolutions"]],
    )  # fmt: skip
    chart = _bar(_("Resolutions by subject"), sheet, header_row, first, last, [2, 3])
    if chart and data["totals"]["resolutions"]:
        chart.grouping, chart.overlap = "stacked", 100
        sheet.chart(chart, anchor_column=6)


def _events(sheet: Sheet, figures: dict) -> None:
    data = figures["events"]
    t = data["totals"]
    header_row, first, last = sheet.table(
        _("Events by kind"),
        [_("Kind"), _("Events"), _("Finished"), _("Cancelled"), _("Registrations"), _("Attendance"),
         _("Units attending")],
        [[r["label"], r["events"], r["finished"], r["cancelled"], r["registrations"], r["attendance"], r["units"]]
         for r in data["by_kind"]],
        ["", *[INTEGER] * 6],
        [_("Total"), t["events"], t["finished"], t["cancelled"], t["registrations"], t["attendance"], t["units"]],
    )  # fmt: skip
    chart = _bar(_("Registrations and attendance by kind"), sheet, header_row, first, last, [5, 6])
    if chart:
        sheet.chart(chart, anchor_column=9)


def _cooperation(sheet: Sheet, figures: dict) -> None:
    data = figures["cooperation"]
    t = data["totals"]
    header_row, first, last = sheet.table(
        _("Cooperation records by kind"),
        [_("Kind"), _("Signed in the year"), _("In force at year end"), _("Running in the year")],
        [[r["label"], r["signed"], r["in_force"], r["running"]] for r in data["by_kind"]],
        ["", INTEGER, INTEGER, INTEGER],
        [_("Total"), t["signed"], t["in_force"], t["running"]],
    )  # fmt: skip
    chart = _bar(_("Cooperation records by kind"), sheet, header_row, first, last, [2, 3], horizontal=True)
    if chart:
        sheet.chart(chart, anchor_column=7)
    sheet.table(
        _("Classes, apprenticeships, training bases and teacher placements"),
        [_("Kind"), _("Running in the year"), _("In force at year end"), _("Students"), _("Participants"),
         _("Classes graduating"), _("Graduates"), _("Graduates employed"), _("Schools"), _("Enterprises")],
        [[r["label"], r["running"], r["in_force"], r["students"], r["participants"], r["graduating"], r["graduates"],
          r["employed"], r["schools"], r["enterprises"]] for r in data["details"]],
        ["", *[INTEGER] * 9],
    )  # fmt: skip
    sheet.pairs([
        (_("Schools with cooperation running"), t["schools"], INTEGER),
        (_("Enterprises with cooperation running"), t["enterprises"], INTEGER),
    ])  # fmt: skip


def _internships(sheet: Sheet, figures: dict) -> None:
    data = figures["internships"]
    t = data["totals"]
    sheet.pairs([
        (_("Interns"), t["interns"], INTEGER),
        (_("Host enterprises"), t["enterprises"], INTEGER),
        (_("Schools"), t["schools"], INTEGER),
    ])  # fmt: skip
    header_row, first, last = sheet.table(
        _("Interns by school"), [_("School"), _("Interns"), _("Host enterprises")],
        [[r["school"], r["interns"], r["enterprises"]] for r in data["by_school"]], ["", INTEGER, INTEGER],
    )  # fmt: skip
    chart = _bar(_("Interns by school"), sheet, header_row, first, last, [2], horizontal=True)
    if chart:
        chart.legend = None
        sheet.chart(chart, anchor_column=6)
    header_row, first, last = sheet.table(
        _("Interns by industry section of the host enterprise (GB/T 4754)"),
        [_("Section"), _("Industry"), _("Interns"), _("Host enterprises")],
        [[r["code"], r["name"], r["interns"], r["enterprises"]] for r in data["by_section"]],
        ["", "", INTEGER, INTEGER],
    )  # fmt: skip
    chart = _pie(_("Interns by industry section"), sheet, header_row, first, last, 3, category_column=2)
    if chart:
        sheet.chart(chart, anchor_column=6)
    sheet.table(_("Interns by specialty"), [_("Specialty"), _("Interns")],
                [[r["specialty"], r["interns"]] for r in data["by_specialty"]], ["", INTEGER])  # fmt: skip
    sheet.note(_("A student with two host enterprises counts once in the total and once in each group."))


def _subsidies(sheet: Sheet, figures: dict) -> None:
    data = figures["subsidies"]
    t = data["totals"]
    header_row, first, last = sheet.table(
        _("Claimed, approved and paid per program (CNY)"),
        [_("Program"), _("Kind"), _("Claims"), _("Lines claimed"), _("Claimed"), _("Claims approved"),
         _("Lines approved"), _("Approved"), _("Runs paid"), _("Paid")],
        [[r["name"], r["kind_label"], r["claimed_claims"], r["claimed_lines"], r["claimed"], r["approved_claims"],
          r["approved_lines"], r["approved"], r["paid_runs"], r["paid"]] for r in data["by_program"]],
        ["", "", INTEGER, INTEGER, MONEY, INTEGER, INTEGER, MONEY, INTEGER, MONEY],
        [_("Total"), "", "", t["claimed_lines"], t["claimed"], "", t["approved_lines"], t["approved"], "", t["paid"]],
    )  # fmt: skip
    chart = _bar(_("Claimed, approved and paid per program"), sheet, header_row, first, last, [5, 8, 10],
                 y_title=_("CNY"))  # fmt: skip
    if chart:
        sheet.chart(chart, anchor_column=12)
    header_row, first, last = sheet.table(
        _("Paid per payer (CNY)"), [_("Payer"), _("Paid")], [[r["payer"], r["paid"]] for r in data["by_payer"]],
        ["", MONEY], [_("Total"), t["paid"]] if data["by_payer"] else None,
    )  # fmt: skip
    chart = _pie(_("Paid per payer"), sheet, header_row, first, last, 2)
    if chart:
        sheet.chart(chart, anchor_column=12)
    sheet.table(
        _("Paid per program and payer (CNY)"), [_("Program"), _("Payer"), _("Paid")],
        [[r["program"], r["payer"], r["paid"]] for r in data["by_program_payer"]], ["", "", MONEY],
    )  # fmt: skip


def _alignment(sheet: Sheet, figures: dict) -> None:
    data = figures["alignment"]
    sheet.pairs([
        (_("Specialties offered by member schools"), data["offerings"], INTEGER),
        (_("Of which aligned with member enterprises' industries"), data["aligned_offerings"], INTEGER),
        (_("Alignment (%)"), data["share"], PERCENT),
    ])  # fmt: skip
    yes, no = _("Yes"), _("No")
    header_row, first, last = sheet.table(
        _("Specialties offered by category"),
        [_("Specialty category"), _("Specialties offered"), _("Schools"), _("Mapped sections"),
         _("Sections with member enterprises"), _("Member enterprises in these sections"), _("Aligned")],
        [[r["category"], r["offerings"], r["schools"], " ".join(r["sections"]), " ".join(r["matched_sections"]),
          r["enterprises"], yes if r["aligned"] else no] for r in data["by_category"]],
        ["", INTEGER, INTEGER, "", "", INTEGER, ""],
    )  # fmt: skip
    chart = _bar(_("Specialties offered by category"), sheet, header_row, first, last, [2], horizontal=True)
    if chart:
        chart.legend = None
        sheet.chart(chart, anchor_column=9)
    sheet.table(
        _("Member enterprises by industry section"), [_("Section"), _("Industry"), _("Member enterprises")],
        [[r["code"], r["name"], r["enterprises"]] for r in data["enterprise_sections"]], ["", "", INTEGER],
    )  # fmt: skip
    sheet.table(
        _("Mapping of specialty categories to industry sections (version %(version)s)")
        % {"version": data["mapping_version"]},
        [_("No."), _("Specialty category"), _("GB/T 4754 sections")],
        [[r["number"], r["category"], "；".join(r["section_names"])] for r in data["mapping"]],
        [INTEGER, "", ""],
    )  # fmt: skip


def _dormant(sheet: Sheet, figures: dict) -> None:
    data = figures["dormant"]
    sheet.note(_("No activity from %(since)s to %(last)s.") % {"since": data["since"], "last": figures["last_day"]})
    sheet.row += 1
    sheet.table(_("Dormant members by type"), [_("Member type"), _("Dormant members")],
                [[r["label"], r["count"]] for r in data["by_kind"]], ["", INTEGER],
                [_("Total"), data["count"]] if data["by_kind"] else None)  # fmt: skip
    never = _("never")
    sheet.table(
        _("Dormant members"), [_("Member unit"), _("Member type"), _("Admitted on"), _("Last activity")],
        [[r["name"], r["kind_label"], r["admitted_on"] or "—", r["last_activity_on"] or never] for r in data["units"]],
        ["", "", "", ""],
    )  # fmt: skip


def _definitions(sheet: Sheet, figures: dict) -> None:
    header_row, first, last = sheet.table("", [_("Figure"), _("Definition")],
                                          [[d["term"], d["text"]] for d in figures["definitions"]], ["", ""])
    sheet.finish()
    sheet.widths = {1: 24, 2: 98}
    for row in range(first, last + 1):
        sheet.ws.cell(row=row, column=2).alignment = WRAP
        sheet.ws.cell(row=row, column=1).alignment = WRAP

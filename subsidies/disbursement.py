"""The disbursement list of a run (XLSX) for the finance office and the treasury.

Three sheets, in Chinese whatever the screen language (a fixed-format financial document, like the import
template): 发放清单 — one row per enterprise with an amount (序号, 企业名称, 统一社会信用代码, 开户名, 开户银行,
银行账号, 金额（元）, then one column per payer), a totals row (values, not formulas) and a check row; 计算参数 —
the program, version, period, rates, cap, budget, factor, payers, totals, who generated the file and when;
明细 — every line of the run with its rule and explanation (resident IDs always masked).

Bank accounts are masked unless the caller may reveal them and asks to (the view decides and audits).
Amounts are numbers with the 0.00 format. openpyxl writes the workbook; the line sheet of a large run
(200,000 lines) would take it minutes in pure Python, so after its first line — written by openpyxl, which
fixes the cell styles — the other lines are streamed into the sheet's XML by `_stream_rows` in the same
format (inline strings, serial dates, the same style ids). Lines are read in chunks.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from alliances.audit import record_event
from alliances.personal_data import decrypt
from alliances.spreadsheets import XLSX_CONTENT_TYPE, safe_cell

from .calculation import rule_label
from .models import CalculationRun, Disbursement, DisbursementShare, RunLine

MONEY_FORMAT = "0.00"
CHUNK = 2000
LIST_HEADERS = ["序号", "企业名称", "统一社会信用代码", "开户名", "开户银行", "银行账号", "金额（元）"]
LINE_HEADERS = ["序号", "企业名称", "申报编号", "姓名", "身份证号（已脱敏）", "岗位", "开始日期", "结束日期",
                "规则", "说明", "按标准（元）", "计发金额（元）"]  # fmt: skip
UNIT_NAMES = {
    "post_semester": "元/岗·学期",
    "person": "元/人",
    "person_month": "元/人·月",
    "one_time": "元（一次性）",
}
POLICY_NAMES = {"pro_rata": "按比例核减", "refuse": "拒绝计算"}
STATUS_NAMES = {"draft": "草稿", "finalised": "已定稿", "bureau_approved": "主管部门已批准", "paid": "已发放"}
RULE_NAMES = {
    "post_semester": "按岗位·学期标准", "same_post": "同一岗位不重复计岗", "person": "按人数标准",
    "person_month": "按整月数标准", "award_national": "国家级奖励", "award_provincial": "省级奖励",
    "award_level_missing": "未注明奖励级别", "award_rate_missing": "未设省级标准", "duplicate_paid_once": "同一学生只计发一次",
    "too_short": "短于最短实习期限", "dates_missing": "缺少起止日期",
}  # fmt: skip


def download_response(run: CalculationRun, *, user, reveal_accounts: bool) -> HttpResponse:
    """The list as a download for the page and the API alike, audited with whether bank accounts were revealed.
    The caller has already decided `reveal_accounts` from the role and the request."""
    content = build(run, reveal_accounts=reveal_accounts, generated_by=user)
    name = filename(run)
    record_event(
        "file.downloaded",
        run,
        detail={"file": name, "bank_accounts": "revealed" if reveal_accounts else "masked", "total": str(run.total)},
    )
    return HttpResponse(
        content, content_type=XLSX_CONTENT_TYPE, headers={"Content-Disposition": content_disposition_header(True, name)}
    )


class DisbursementListMismatch(RuntimeError):
    """The list's totals do not agree with the run (never expected: the calculation checks the same)."""


def filename(run: CalculationRun) -> str:
    return f"补贴发放清单-{run.program.code}-{run.period.name}-{run.pk}.xlsx".replace("/", "-")


def _money(sheet, value, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=Decimal(value) if value is not None else None)
    cell.number_format = MONEY_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _date(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "yyyy-mm-dd"
    return cell


def _text(sheet, value, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if bold:
        cell.font = Font(bold=True)
    return cell


def run_for_list(run_id: int) -> CalculationRun:
    return CalculationRun.objects.select_related(
        "program", "period", "program_version", "calculated_by", "finalised_by", "approved_by"
    ).get(pk=run_id)


def build(run: CalculationRun, *, reveal_accounts: bool, generated_by=None) -> bytes:
    """The XLSX bytes of the run's disbursement list."""
    version = run.program_version
    payers = list(version.funding_shares.order_by("position", "pk").values_list("payer", "percent"))
    workbook = Workbook(write_only=True)
    listing = workbook.create_sheet("发放清单")
    listing.column_dimensions["B"].width = 36
    listing.column_dimensions["C"].width = 22
    listing.column_dimensions["D"].width = 30
    listing.column_dimensions["E"].width = 24
    listing.column_dimensions["F"].width = 24
    listing.freeze_panes = "A2"
    headers = LIST_HEADERS + [f"{payer}承担（元）" for payer, _percent in payers]
    listing.append([_text(listing, header, bold=True) for header in headers])

    disbursements = (
        Disbursement.objects.filter(run=run, amount__gt=0)
        .select_related("enterprise", "claim")
        .prefetch_related(Prefetch("shares", queryset=DisbursementShare.objects.order_by("position", "pk")))
        .order_by("enterprise__name", "enterprise_id")
    )
    total = Decimal("0.00")
    payer_totals = [Decimal("0.00") for _ in payers]
    number = 0
    for disbursement in disbursements.iterator(chunk_size=CHUNK):
        number += 1
        claim = disbursement.claim
        account = decrypt(claim.bank_account_encrypted) if reveal_accounts else claim.bank_account_masked
        shares = {share.payer: share.amount for share in disbursement.shares.all()}
        row = [
            number, _text(listing, disbursement.enterprise.name), _text(listing, disbursement.enterprise.credit_code),
            _text(listing, claim.payee_name), _text(listing, claim.bank_name), _text(listing, account),
            _money(listing, disbursement.amount),
        ]  # fmt: skip
        total += disbursement.amount
        for index, (payer, _percent) in enumerate(payers):
            amount = shares.get(payer, Decimal("0.00"))
            payer_totals[index] += amount
            row.append(_money(listing, amount))
        listing.append(row)

    if total != run.total or sum(payer_totals, Decimal("0.00")) != (total if payers else Decimal("0.00")):
        raise DisbursementListMismatch(f"run {run.pk}: list {total}, run {run.total}, payers {payer_totals}")
    listing.append(
        [_text(listing, "合计", bold=True), _text(listing, f"{number}家企业", bold=True), None, None, None, None,
         _money(listing, total, bold=True), *[_money(listing, value, bold=True) for value in payer_totals]]
    )  # fmt: skip
    check = "一致" if total == run.total else "不一致"
    listing.append(
        [
            _text(listing, "核对"),
            _text(listing, f"清单合计 = 本次计算发放总额 {run.total} = 各出资方合计之和：{check}"),
        ]
    )

    parameters = workbook.create_sheet("计算参数")
    parameters.column_dimensions["A"].width = 26
    parameters.column_dimensions["B"].width = 60
    generated_at = timezone.localtime()
    zero_enterprises = run.enterprises - number

    def person(user) -> str:
        return str(user) if user else "—"

    def stamp(value) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"

    def amount_or_dash(value) -> object:
        return _money(parameters, value) if value is not None else "—"

    rows = [
        ("补贴项目", f"{run.program.name}（{run.program.code}）"),
        ("政策版本", f"第{version.number}版，{version.effective_from:%Y-%m-%d}起施行"
                     + (f"，{version.policy_reference}" if version.policy_reference else "")),
        ("期间", f"{run.period.name}（{run.period.starts_on:%Y-%m-%d} 至 {run.period.ends_on:%Y-%m-%d}）"),
        ("计发标准", _money(parameters, version.rate)),
        ("计发单位", UNIT_NAMES.get(version.unit, version.unit)),
        ("省级奖励标准（元）", amount_or_dash(version.secondary_rate)),
        ("最多计发月数", version.max_months if version.max_months is not None else "—"),
        ("最短实习期限（天）", version.min_duration_days),
        ("每家企业每期上限（元）", amount_or_dash(version.cap_per_enterprise)),
        ("预算（元）", amount_or_dash(run.budget)),
        ("超预算处理", POLICY_NAMES.get(version.over_budget_policy, version.over_budget_policy)),
        ("预算系数", Decimal(f"{run.budget_factor:.8f}")),
        ("出资方及比例", "；".join(f"{payer} {percent}%" for payer, percent in payers) or "—"),
        ("纳入计算的明细行数", run.lines_considered),
        ("计发金额大于零的行数", run.lines_paid),
        ("企业数", run.enterprises),
        ("列入清单的企业数", number),
        ("金额为零未列入清单的企业数", zero_enterprises),
        ("按标准合计（元）", _money(parameters, run.gross_total)),
        ("封顶后合计（元）", _money(parameters, run.capped_total)),
        ("发放合计（元）", _money(parameters, run.total)),
        ("状态", STATUS_NAMES.get(run.status, run.status)),
        ("计算时间 / 计算人", f"{stamp(run.calculated_at)} / {person(run.calculated_by)}"),
        ("定稿时间 / 定稿人", f"{stamp(run.finalised_at)} / {person(run.finalised_by)}"),
        ("批准时间 / 批准人", f"{stamp(run.approved_at)} / {person(run.approved_by)}"),
        ("支付凭证号 / 支付日期", f"{run.payment_reference or '—'} / {run.paid_on or '—'}"),
        ("计算批次号", str(run.token)),
        ("银行账号", "明文（已记录审计日志）" if reveal_accounts else "已脱敏"),
        ("生成时间", generated_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("生成人", person(generated_by)),
    ]  # fmt: skip
    for label, value in rows:
        parameters.append(
            [
                _text(parameters, label, bold=True),
                _text(parameters, value) if isinstance(value, str) else value,
            ]
        )

    details = workbook.create_sheet("明细")
    details.column_dimensions["B"].width = 30
    details.column_dimensions["J"].width = 60
    details.freeze_panes = "A2"
    details.append([_text(details, header, bold=True) for header in LINE_HEADERS])
    lines = (
        RunLine.objects.filter(run=run)
        .order_by("enterprise__name", "enterprise_id", "claim_line__position", "claim_line_id")
        .values_list(
            "enterprise__name", "claim_line__claim__number", "claim_line__student_name",
            "claim_line__resident_id_masked", "claim_line__post", "claim_line__starts_on", "claim_line__ends_on",
            "rule", "explanation", "base_amount", "amount",
        )
    )  # fmt: skip
    rows = (
        [number, name, claim_number, student, masked, post, starts_on, ends_on, RULE_NAMES.get(rule) or rule_label(rule),
         explanation, base, amount]
        for number, (name, claim_number, student, masked, post, starts_on, ends_on, rule, explanation, base, amount)
        in enumerate(lines.iterator(chunk_size=CHUNK), start=1)
    )  # fmt: skip
    first = next(rows, None)
    if first is not None:  # openpyxl writes the first line and so fixes the styles of the columns
        details.append(
            [first[0], *[_text(details, value) for value in first[1:6]], _date(details, first[6]),
             _date(details, first[7]), *[_text(details, value) for value in first[8:10]], _money(details, first[10]),
             _money(details, first[11])]
        )  # fmt: skip
    buffer = BytesIO()
    workbook.save(buffer)
    if first is None:
        return buffer.getvalue()
    sheet = f"xl/worksheets/sheet{len(workbook.worksheets)}.xml"
    return _stream_rows(buffer.getvalue(), sheet=sheet, rows=rows, kinds=LINE_KINDS)


# --- fast rows -------------------------------------------------------------------------------------------------

_TEMPLATE_CELL = re.compile(r'<c r="([A-Z]+)2"(?: s="(\d+)")?')
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
NUMBER, TEXT, DATE = "number", "text", "date"
LINE_KINDS = [NUMBER, TEXT, TEXT, TEXT, TEXT, TEXT, DATE, DATE, TEXT, TEXT, NUMBER, NUMBER]


def _stream_rows(xlsx: bytes, *, sheet: str, rows, kinds: list[str]) -> bytes:
    """Append `rows` (from row 3 on) to a sheet whose row 2 openpyxl wrote, in openpyxl's format: inline strings,
    serial dates, and each column's cell style as in row 2."""
    source = zipfile.ZipFile(BytesIO(xlsx))
    xml = source.read(sheet).decode()
    head, tail = xml.split("</sheetData>", 1)
    styles = dict(_TEMPLATE_CELL.findall(head[head.index('<row r="2"') :]))
    columns = []
    for index, kind in enumerate(kinds, start=1):
        letter = get_column_letter(index)
        style = f' s="{styles[letter]}"' if styles.get(letter) else ""
        columns.append((letter, style, kind))
    output = BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != sheet:
                target.writestr(item, source.read(item.filename))
        with target.open(sheet, "w", force_zip64=True) as stream:
            stream.write(head.encode())
            chunk: list[str] = []
            for number, values in enumerate(rows, start=3):
                chunk.append(f'<row r="{number}">')
                for (letter, style, kind), value in zip(columns, values, strict=True):
                    if value is None:
                        continue
                    if kind == TEXT:
                        text = ILLEGAL_CHARACTERS_RE.sub("", str(safe_cell(value)))
                        space = ' xml:space="preserve"' if text != text.strip() else ""
                        chunk.append(
                            f'<c r="{letter}{number}"{style} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'
                        )
                    elif kind == DATE:
                        chunk.append(
                            f'<c r="{letter}{number}"{style} t="n"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
                        )
                    else:
                        chunk.append(f'<c r="{letter}{number}"{style} t="n"><v>{value}</v></c>')
                chunk.append("</row>")
                if len(chunk) >= 20 * CHUNK:
                    stream.write("".join(chunk).encode())
                    chunk = []
            stream.write(("".join(chunk) + "</sheetData>" + tail).encode())
    return output.getvalue()

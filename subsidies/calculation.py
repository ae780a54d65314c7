"""The batch calculation of one program and period: set-based, in the database, in one transaction.

`calculate_run(program, period, actor, progress)` turns the approved lines of the period's approved claims
into a draft `CalculationRun`: one `RunLine` per line (amount, rule, explanation), one `Disbursement` per
enterprise (after the cap and the budget) and one `DisbursementShare` per payer. It runs a fixed number of
SQL statements whatever the number of lines — never a query per line or per enterprise:

1. the rules of every line are one ORM query (`LineSource`: Case/When, Window, portable date and money
   functions below; the tenant scope applies); the distinct-post rule ranks its results one level up. The
   result — each line's rule, explanation, quantity and amount in fen — is written once into a temporary
   table (`CREATE TEMPORARY TABLE … AS`: the connection's own, dropped at the end, gone with a rollback),
   so the rules are computed once and the next statements read it;
2. the totals per enterprise from that table (gross, capped) decide the budget: within it, refused, or the
   pro-rata factor;
3. INSERT … SELECT the disbursements from that table: summed per enterprise, capped and, under pro rata,
   scaled to the budget with the fen left over given by largest remainder — in the same statement;
4. INSERT … SELECT the run lines with their final amounts (the table joined to the disbursements, scaled
   within each enterprise by largest remainder), so each line is written once;
5. INSERT … SELECT the shares, one statement per payer; then the totals, checked against each other.

The statements around the ORM query are portable SQL (window functions, CASE, `||`); the few spellings that
differ between PostgreSQL and SQLite (money in fen, integer division, date arithmetic) are in `Vendor` and
the `Func` classes below. On PostgreSQL the transaction gets enough `work_mem` for its sorts, and the temporary
table and the disbursements are analysed after their insert (the planner would otherwise take them for empty).

Writing 200,000 run lines and checking their foreign keys at COMMIT is most of the time of a large run
(bench/README.md), so the run tables carry only the indexes their readers need (see `RunLine`), and
`RunLine.enterprise` — the enterprise of the line's claim, kept for ordering — has no foreign-key constraint
in the database: the claim line it comes from is checked, and its claim's enterprise is.

Which lines: lines reviewed `approved` whose school confirmed them (or that name no school), on claims
`approved` under the run's program and period. The rules are those of the version in force on the first day
of the period (the latest version with `effective_from` ≤ `period.starts_on`), whatever version a claim
carries, so that every enterprise of a period is paid under the same rules.

The rules, in this order; the first that applies decides the line (`RunLine.rule`, with a Chinese
`explanation` that goes into the disbursement list):

- `dates_missing` / `too_short` (units per post·semester and per person·month, i.e. internships): a line
  without dates, or shorter than the version's `min_duration_days` (counting both ends), gets 0. The
  compliance checks normally stop such lines; this is a safety net.
- `award_level_missing` / `award_rate_missing` (one-time awards): no level, or a provincial award and no
  provincial rate, gets 0.
- `duplicate_paid_once`: a student (matched by the keyed hash of the resident ID) approved on two claims
  of the same program and period is paid once — on the claim submitted first (`first_submitted_at`, then
  the claim's id); the other lines get 0 and name that claim. Only lines that passed the rules above
  compete, so a too-short line never takes the place of a valid one. (Not for one-time awards.)
- `same_post` (per post·semester with `post_counting = per_distinct_post`): one amount per distinct post
  name (trimmed) of a claim; the first line of the post (by position) carries it, the others get 0.
- the rate: `post_semester` rate × 1 post; `person` rate × 1 person; `person_month` rate × full months,
  at most `max_months`; `award_national` the rate; `award_provincial` the provincial (secondary) rate.

Full months (per person·month): the number of whole months from the start date, a month running from a
day to the day before the same day of the next month, counting the end date in: 2 Sep – 1 Oct is one
month, 1 Sep – 30 Nov three, 2 Sep – 30 Nov two (a started month is not paid). When the start day does not
exist in the end month, the month ends on that month's last day (31 Jan – 28 Feb is one month).

Then per enterprise: the gross (sum of its line amounts), the cap (`cap_per_enterprise`) and the budget.
When the capped total exceeds the version's budget: `refuse` fails the run (nothing is written), `pro_rata`
multiplies every enterprise's capped amount by budget / capped total (`run.budget_factor`), rounds down to
the fen and gives the fen left over to the enterprises with the largest remainders (ties: lower enterprise
id first), so the total equals the budget exactly. Within an enterprise the line amounts are scaled the same
way (largest remainder, ties by line position and id), so the lines of an enterprise add up to its
disbursement. No amount is ever negative or above the amount before the cap and budget.

Payers: each disbursement is split by the version's funding shares (which must add up to 100 %). Each
payer's share is the difference of the rounded cumulative amounts (half up to the fen): with two payers the
first gets round(percent × amount) and the second the remainder; with more, every share stays within a fen
of its percent, none is negative, and the shares add up to the disbursement exactly.

All arithmetic on money is done in whole fen (exact integers; numeric on PostgreSQL), never in floating
point, so SQLite — which keeps decimals as floating point — gives the same figures as PostgreSQL.

Idempotence: the draft of a program and period is one row (`run_one_draft`); calculating again deletes its
lines, disbursements and shares and computes them anew in the same transaction. A worker killed half-way
leaves the previous state untouched (the transaction rolls back), and running again gives the same figures.
Once a run of a program and period is finalised (or approved, or paid) no further calculation of that
program and period is allowed: its approved claims are in a payment list already, and a second list would
pay them twice. Only a draft can be recalculated.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    F,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    Cast,
    Concat,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    FirstValue,
    RowNumber,
    Trim,
)
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy

from alliances.audit import record_event
from alliances.locale import deferred_text

from .models import (
    CalculationRun,
    ClaimLine,
    ClaimStatus,
    Disbursement,
    DisbursementShare,
    LineReview,
    OverBudgetPolicy,
    Period,
    PostCounting,
    Program,
    ProgramVersion,
    RateUnit,
    RunLine,
    RunStatus,
    SchoolDecision,
    SpecialtyLevelAward,
)

Progress = Callable[..., None]
FEN = 100
SQLITE_INT_MAX = 2**63 - 1


class CalculationRefused(Exception):
    """The calculation cannot run (no version in force, over budget under `refuse`, a finalised run exists…).
    Nothing was written; the message says why and what to do."""


# --- Rules: codes (stable), labels (for the screen) and the Chinese explanations stored with the amounts ---

RULES = {
    "post_semester": gettext_lazy("Rate per post and semester"),
    "same_post": gettext_lazy("Post already counted on this claim"),
    "person": gettext_lazy("Rate per person"),
    "person_month": gettext_lazy("Rate per person and full month"),
    "award_national": gettext_lazy("National-level award"),
    "award_provincial": gettext_lazy("Provincial-level award"),
    "award_level_missing": gettext_lazy("Award level missing"),
    "award_rate_missing": gettext_lazy("No provincial rate in this version"),
    "duplicate_paid_once": gettext_lazy("Student already paid on an earlier claim"),
    "too_short": gettext_lazy("Shorter than the minimum length"),
    "dates_missing": gettext_lazy("Start or end date missing"),
}

# The explanation is part of the calculation's record and goes into the disbursement list for the finance
# office, which is written in Chinese whatever the screen language (like the list's headers); the rule code
# is the stable, translatable part.
TEXT = {
    "post_semester": "{rate}元/岗·学期 × 1 岗",
    "same_post": ("同一申报中“", "”岗位已计 1 岗，本行不另计"),
    "person": "{rate}元/人 × 1 人",
    "person_month": ("{rate}元/人·月 × ", " 个月（实习满", "个整月{limit}）"),
    "person_month_limit": "，最多计{months}个月",
    "award_national": "国家级一次性奖励 {rate}元",
    "award_provincial": "省级一次性奖励 {rate}元",
    "award_level_missing": "未注明国家级或省级，不计发",
    "award_rate_missing": "本版本未设省级奖励标准，不计发",
    "duplicate_paid_once": ("该学生已在申报 ", " 中计发，同一项目同一期只计发一次"),
    "too_short": ("实习", "天，短于最短实习期限{days}天，不计发"),
    "dates_missing": "未填实习起止日期，不计发",
    "standard": "按标准计发",
    "capped": "超过每家企业每期上限 {cap}元，按上限计发",
    "pro_rata": "；预算 {budget}元 不足，按系数 {factor} 同比例核减",
}


def rule_label(code: str) -> str:
    return str(RULES.get(code, code))


# --- Portable SQL pieces: money in whole fen, integer division, dates ------------------------------------


class Fen(Func):
    """A money amount in whole fen: exact numeric on PostgreSQL, an integer on SQLite."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="ROUND((%(expressions)s) * 100)", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="CAST(ROUND((%(expressions)s) * 100) AS INTEGER)", **extra_context
        )


class FromFen(Func):
    """Whole fen back to yuan with two decimals."""

    output_field = DecimalField(max_digits=16, decimal_places=2)
    template = "((%(expressions)s) / 100.0)"


class IntDiv(Func):
    """Integer division of non-negative whole numbers (floor), exact on both databases."""

    arity = 2
    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="DIV", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" / ", **extra_context
        )


class DaysBetween(Func):
    """Days from the second date to the first (end − start), as an integer."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class NextDay(Func):
    """The day after a date."""

    arity = 1
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s + 1)", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s, '+1 day')", **extra_context
        )


def text(expression):
    return Cast(expression, CharField())


def fen_of(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * FEN).to_integral_value(ROUND_HALF_UP))


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN).quantize(Decimal("0.01"))


# --- Statements built from querysets -----------------------------------------------------------------------


def _compiled(queryset, names: list[str]) -> tuple[str, tuple]:
    query = queryset.values_list(*names).query
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    quote = connection.ops.quote_name
    if "qualify_mask" in sql:  # filtered on a window: Django selects the columns again by name, outside
        selected = sql[len("SELECT ") : sql.index(" FROM ")].split(", ")
        expected = [quote(name) for name in names]
    else:
        selected = [alias for _expression, _sql, alias in compiler.select]
        expected = names
    if selected != expected:  # the statements below rely on the column order
        raise RuntimeError(f"unexpected columns {selected} for {expected}")
    return sql, tuple(params)


def insert_select(model, fields: list[str], queryset) -> int:
    """INSERT INTO model (fields) SELECT … — the queryset annotates `v_<field>` for every field."""
    sql, params = _compiled(queryset, [f"v_{name}" for name in fields])
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {sql}", params)
        return cursor.rowcount


WORK_MEM = "64MB"


def _tune_transaction() -> None:
    """PostgreSQL: enough memory for the window sorts over 200,000 lines to stay in memory (4 MB by default
    spills them to disk), for this transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")


def refresh_statistics(model_or_table) -> None:
    """PostgreSQL plans the statements that join the rows just written by the table's statistics, which do not
    know them yet (a fresh table looks empty and invites nested loops over 200,000 rows). ANALYZE inside the
    transaction counts our own uncommitted rows."""
    table = model_or_table if isinstance(model_or_table, str) else model_or_table._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def delete_rows(model, run: CalculationRun) -> None:
    """Set-based delete of a run's rows (the queryset delete would collect them one by one for cascades)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote('alliance_id')} = %s AND {quote('run_id')} = %s",
            [run.alliance_id, run.pk],
        )


# --- The version's terms -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payer:
    name: str
    position: int
    percent: Decimal
    cumulative_basis_points: int  # ‱ of this payer and all before it


@dataclass(frozen=True)
class Terms:
    version: ProgramVersion
    unit: str
    rate_fen: int
    secondary_rate_fen: int | None
    max_months: int | None
    min_days: int
    cap_fen: int | None
    budget_fen: int | None
    payers: tuple[Payer, ...]

    @classmethod
    def of(cls, version: ProgramVersion) -> Terms:
        shares = list(version.funding_shares.order_by("position", "pk"))
        total = sum((share.percent for share in shares), Decimal("0"))
        if total != Decimal("100"):
            raise CalculationRefused(
                deferred_text(
                    gettext_lazy(
                        "The funding shares of %(version)s add up to %(total)s %%, not 100 %%. Correct the payers "
                        "of the program version first."
                    ),
                    {"version": version, "total": total},
                )
            )
        payers, cumulative = [], 0
        for share in shares:
            cumulative += int(share.percent * 100)
            payers.append(Payer(share.payer, share.position, share.percent, cumulative))
        return cls(
            version=version,
            unit=version.unit,
            rate_fen=fen_of(version.rate),
            secondary_rate_fen=fen_of(version.secondary_rate),
            max_months=version.max_months,
            min_days=version.min_duration_days or 0,
            cap_fen=fen_of(version.cap_per_enterprise),
            budget_fen=fen_of(version.budget),
            payers=tuple(payers),
        )

    @property
    def rate(self) -> str:
        return f"{yuan(self.rate_fen)}"


def version_in_force(program: Program, on_date) -> ProgramVersion | None:
    """The latest version of the program that took effect on or before the date."""
    return (
        ProgramVersion.objects.filter(program=program, effective_from__lte=on_date)
        .order_by("-effective_from", "-number")
        .first()
    )


def approved_lines(program: Program, period: Period):
    """The lines a run of this program and period pays: approved by the reviewer and by the school (if any)
    on an approved claim."""
    return (
        ClaimLine.objects.filter(
            claim__program=program,
            claim__period=period,
            claim__status=ClaimStatus.APPROVED,
            review=LineReview.APPROVED,
        )
        .filter(Q(school_decision=SchoolDecision.CONFIRMED) | Q(school__isnull=True))
        .order_by()
    )


# --- Per-line rule expressions -----------------------------------------------------------------------------


def full_months(start: str = "starts_on", end: str = "ends_on"):
    """The full months from `start` to `end` (both fields of the row, the end date counted in), never negative:
    see "Full months" in the module docstring. NULL when a date is missing. Also used by the annual report."""
    zero = Value(0)
    after_end = NextDay(F(end))
    full = (
        (ExtractYear(after_end) - ExtractYear(start)) * Value(12)
        + ExtractMonth(after_end)
        - ExtractMonth(start)
        - Case(
            When(LessThan(ExtractDay(after_end), ExtractDay(start)), then=Value(1)),
            default=zero,
            output_field=IntegerField(),
        )
    )
    return Case(When(LessThan(full, zero), then=zero), default=full, output_field=IntegerField())


def _line_expressions(terms: Terms) -> dict:
    """rule, explanation, quantity and amount (fen) of each approved line, as SQL expressions."""
    unit = terms.unit
    zero = Value(0)
    # Lines that may be paid at all (before the duplicate rule); refusals come first in the CASE.
    refusals: list[tuple] = []  # (condition, rule, explanation expression)
    if unit in (RateUnit.POST_SEMESTER, RateUnit.PERSON_MONTH):
        days = DaysBetween(F("ends_on"), F("starts_on")) + Value(1)
        refusals.append(
            (
                Q(starts_on__isnull=True) | Q(ends_on__isnull=True),
                "dates_missing",
                Value(TEXT["dates_missing"]),
            )
        )
        if terms.min_days > 0:
            before, after = TEXT["too_short"]
            refusals.append(
                (
                    LessThan(days, Value(terms.min_days)),
                    "too_short",
                    Concat(Value(before), text(days), Value(after.format(days=terms.min_days))),
                )
            )
    if unit == RateUnit.ONE_TIME:
        refusals.append(
            (
                ~Q(award_level__in=[SpecialtyLevelAward.NATIONAL, SpecialtyLevelAward.PROVINCIAL]),
                "award_level_missing",
                Value(TEXT["award_level_missing"]),
            )
        )
        if terms.secondary_rate_fen is None:
            refusals.append(
                (
                    Q(award_level=SpecialtyLevelAward.PROVINCIAL),
                    "award_rate_missing",
                    Value(TEXT["award_rate_missing"]),
                )
            )

    eligible = (
        Case(
            *[When(condition, then=zero) for condition, _r, _e in refusals],
            default=Value(1),
            output_field=IntegerField(),
        )
        if refusals
        else Value(1)
    )

    # The paying rule when nothing refuses the line.
    if unit == RateUnit.POST_SEMESTER:
        paid_rule, paid_text, quantity, amount = (
            "post_semester",
            Value(TEXT["post_semester"].format(rate=terms.rate)),
            Value(1),
            Value(terms.rate_fen),
        )
    elif unit == RateUnit.PERSON:
        paid_rule, paid_text, quantity, amount = (
            "person",
            Value(TEXT["person"].format(rate=terms.rate)),
            Value(1),
            Value(terms.rate_fen),
        )
    elif unit == RateUnit.PERSON_MONTH:
        full = full_months()
        months = (
            Case(
                When(GreaterThan(full, Value(terms.max_months)), then=Value(terms.max_months)),
                default=full,
                output_field=IntegerField(),
            )
            if terms.max_months is not None
            else full
        )
        first, middle, last = TEXT["person_month"]
        limit = (
            TEXT["person_month_limit"].format(months=terms.max_months) if terms.max_months is not None else ""
        )
        paid_rule, quantity, amount = "person_month", months, months * Value(terms.rate_fen)
        paid_text = Concat(
            Value(first.format(rate=terms.rate)),
            text(months),
            Value(middle),
            text(full),
            Value(last.format(limit=limit)),
        )
    else:  # one-time award: national at the rate, provincial at the secondary rate
        provincial_fen = terms.secondary_rate_fen or 0
        paid_rule = Case(
            When(award_level=SpecialtyLevelAward.NATIONAL, then=Value("award_national")),
            default=Value("award_provincial"),
            output_field=CharField(),
        )
        national_text = TEXT["award_national"].format(rate=terms.rate)
        provincial_text = TEXT["award_provincial"].format(rate=yuan(provincial_fen))
        paid_text = Case(
            When(award_level=SpecialtyLevelAward.NATIONAL, then=Value(national_text)),
            default=Value(provincial_text),
            output_field=CharField(),
        )
        quantity = Value(1)
        amount = Case(
            When(award_level=SpecialtyLevelAward.NATIONAL, then=Value(terms.rate_fen)),
            default=Value(provincial_fen),
            output_field=BigIntegerField(),
        )

    whens_rule = [When(condition, then=Value(rule)) for condition, rule, _e in refusals]
    whens_text = [When(condition, then=explanation) for condition, _r, explanation in refusals]
    whens_quantity = [When(condition, then=zero) for condition, _r, _e in refusals]
    whens_amount = [When(condition, then=zero) for condition, _r, _e in refusals]

    if unit != RateUnit.ONE_TIME:  # a student is paid once per program and period
        student = Case(
            When(resident_id_hash="", then=Concat(Value("line:"), text(F("pk")))),
            default=F("resident_id_hash"),
            output_field=CharField(),
        )
        order = [
            F("claim__first_submitted_at").asc(nulls_last=True),
            F("claim_id").asc(),
            F("position").asc(),
            F("pk").asc(),
        ]
        rank = Window(RowNumber(), partition_by=[eligible, student], order_by=order)
        first_claim = Window(FirstValue("claim__number"), partition_by=[eligible, student], order_by=order)
        duplicate = GreaterThan(rank, Value(1))
        before, after = TEXT["duplicate_paid_once"]
        whens_rule.append(When(duplicate, then=Value("duplicate_paid_once")))
        whens_text.append(When(duplicate, then=Concat(Value(before), first_claim, Value(after))))
        whens_quantity.append(When(duplicate, then=zero))
        whens_amount.append(When(duplicate, then=zero))

    def case(whens, default, field):
        return Case(*whens, default=default, output_field=field) if whens else default

    fen = case(whens_amount, amount, BigIntegerField())
    return {
        "rule": case(
            whens_rule, paid_rule if not isinstance(paid_rule, str) else Value(paid_rule), CharField()
        ),
        "explanation": case(whens_text, paid_text, CharField()),
        "quantity": case(whens_quantity, quantity, IntegerField()),
        "fen": fen,
    }


# --- The calculation -------------------------------------------------------------------------------------------


def _no_progress(percent: int, message: str = "") -> None:
    return None


def calculate_run(
    program: Program, period: Period, actor=None, progress: Progress | None = None, *, job=None
) -> CalculationRun:
    """Compute (or recompute) the draft run of a program and period. See the module docstring for the rules.

    Raises `CalculationRefused` (nothing written) when the calculation cannot be made.
    """
    report = progress or _no_progress
    with transaction.atomic():
        _tune_transaction()
        # One calculation of a program at a time: the program row is the lock.
        Program.objects.select_for_update().get(pk=program.pk)
        if (
            CalculationRun.objects.filter(program=program, period=period)
            .exclude(status=RunStatus.DRAFT)
            .exists()
        ):
            raise CalculationRefused(
                deferred_text(
                    gettext_lazy(
                        "%(program)s · %(period)s has a finalised run already; its approved claims are in that "
                        "payment list and cannot be calculated again."
                    ),
                    {"program": program, "period": period},
                )
            )
        version = version_in_force(program, period.starts_on)
        if version is None:
            raise CalculationRefused(
                deferred_text(
                    gettext_lazy(
                        "No version of %(program)s is in force on %(date)s, the first day of %(period)s."
                    ),
                    {"program": program, "date": period.starts_on.isoformat(), "period": period},
                )
            )
        terms = Terms.of(version)
        run = (
            CalculationRun.objects.select_for_update()
            .filter(program=program, period=period, status=RunStatus.DRAFT)
            .order_by("pk")
            .first()
        )
        if run is None:
            run = CalculationRun.objects.create(
                alliance_id=program.alliance_id,
                program=program,
                period=period,
                program_version=version,
                job=job,
            )
        else:
            for model in (DisbursementShare, Disbursement, RunLine):
                delete_rows(model, run)
        report(5, gettext_lazy("Previous results cleared"))

        source = LineSource(run, terms, approved_lines(program, period))
        source.materialise()
        totals = enterprise_totals(terms, source)
        report(40, gettext_lazy("Line and enterprise amounts computed, caps applied"))
        capped_fen = totals["capped"]
        budget = None
        factor = Decimal("1")
        if terms.budget_fen is not None and capped_fen > terms.budget_fen:
            if version.over_budget_policy == OverBudgetPolicy.REFUSE:
                raise CalculationRefused(
                    deferred_text(
                        gettext_lazy(
                            "The amounts after caps add up to %(total)s CNY, more than the budget of %(budget)s CNY, "
                            "and the program refuses to calculate over budget. Raise the budget in a new program "
                            "version or change the policy to pro rata; nothing was written."
                        ),
                        {"total": yuan(capped_fen), "budget": yuan(terms.budget_fen)},
                    )
                )
            if connection.vendor == "sqlite" and capped_fen * terms.budget_fen > SQLITE_INT_MAX:
                raise CalculationRefused(
                    gettext_lazy("These amounts are too large for SQLite; calculate on PostgreSQL.")
                )
            factor = (Decimal(terms.budget_fen) / Decimal(capped_fen)).quantize(Decimal("0.00000001"))
            budget = Budget(terms.budget_fen, capped_fen, factor)
        _insert_disbursements(run, terms, source, budget)
        refresh_statistics(Disbursement)
        report(55, gettext_lazy("Budget applied"))

        _insert_lines(run, source)
        source.drop()
        report(80, gettext_lazy("Line amounts written"))
        for index, payer in enumerate(terms.payers):
            previous = terms.payers[index - 1].cumulative_basis_points if index else 0
            _insert_shares(run, payer, previous)
        report(90, gettext_lazy("Payers' shares computed"))

        lines = RunLine.objects.filter(run=run).aggregate(
            considered=Count("pk"), paid=Count("pk", filter=Q(amount__gt=0)), total=Sum(Fen("amount"))
        )
        paid = Disbursement.objects.filter(run=run).aggregate(total=Sum(Fen("amount")))
        shares = DisbursementShare.objects.filter(run=run).aggregate(total=Sum(Fen("amount")))
        total_fen = int(paid["total"] or 0)
        line_fen, share_fen = int(lines["total"] or 0), int(shares["total"] or 0)
        if line_fen != total_fen or (terms.payers and share_fen != total_fen):  # a guard, never expected
            raise RuntimeError(
                f"run {run.pk}: lines {line_fen}, disbursements {total_fen}, shares {share_fen} fen"
            )

        run.program_version = version
        run.token = uuid.uuid4()
        run.job = job or run.job
        run.lines_considered = lines["considered"]
        run.lines_paid = lines["paid"]
        run.enterprises = totals["enterprises"]
        run.gross_total = yuan(totals["gross"])
        run.capped_total = yuan(capped_fen)
        run.total = yuan(total_fen)
        run.budget = version.budget
        run.budget_factor = factor
        run.calculated_at = timezone.now()
        run.calculated_by = actor if actor is not None and actor.is_authenticated else None
        run.save()
        record_event(
            "subsidies.run.calculated",
            run,
            detail={
                "version": version.number,
                "lines": run.lines_considered,
                "enterprises": run.enterprises,
                "total": str(run.total),
                "budget_factor": str(factor),
            },
        )
        report(100, gettext_lazy("Calculated"))
    return run


class LineSource:
    """The approved lines with the amount (in fen), rule and explanation each gets before caps and budget.

    The rules (`_line_expressions`) are an ORM query; the distinct-post rule ranks *its* results, so it is a
    window one level up, written as portable SQL around the compiled query. `materialise()` writes the result
    once into a temporary table (`TABLE`: the session's own, gone when dropped or rolled back), which is then
    read twice: summed per enterprise into the disbursements, then — once the budget is applied — written as run
    lines with their final amounts, so each line is computed once and written once.
    """

    TABLE = "subsidies_calculation_lines"
    COLUMNS = ["v_alliance", "v_run", "v_claim_line", "v_enterprise", "v_claim", "v_position", "v_post",
               "v_rule", "v_explanation", "v_quantity", "v_fen"]  # fmt: skip

    def __init__(self, run: CalculationRun, terms: Terms, lines):
        expressions = _line_expressions(terms)
        queryset = lines.annotate(
            v_alliance=F("alliance_id"),
            v_run=Value(run.pk),
            v_claim_line=F("pk"),
            v_enterprise=F("claim__enterprise_id"),
            v_claim=F("claim_id"),
            v_position=F("position"),
            v_post=Trim("post"),
            v_rule=expressions["rule"],
            v_explanation=expressions["explanation"],
            v_quantity=expressions["quantity"],
            v_fen=expressions["fen"],
        )
        sql, params = _compiled(queryset, self.COLUMNS)
        if (
            terms.unit == RateUnit.POST_SEMESTER
            and terms.version.post_counting == PostCounting.PER_DISTINCT_POST
        ):
            rank = "ROW_NUMBER() OVER (PARTITION BY b.v_claim, b.v_post, b.v_rule ORDER BY b.v_position, b.v_claim_line)"
        else:
            rank = "1"
        # `w`: the lines with `post_rank`; a paid line of a post already counted on its claim is `same_post`.
        ranked = f"SELECT b.*, {rank} AS post_rank FROM ({sql}) b"
        same = "(w.v_rule = 'post_semester' AND w.post_rank > 1)"
        before, after = TEXT["same_post"]
        self.select = (
            f"SELECT w.v_alliance, w.v_run, w.v_claim_line, w.v_enterprise, w.v_claim, w.v_position, "
            f"CASE WHEN {same} THEN 'same_post' ELSE w.v_rule END AS rule, "
            f"CASE WHEN {same} THEN %s || w.v_post || %s ELSE w.v_explanation END AS explanation, "
            f"CASE WHEN {same} THEN 0 ELSE w.v_quantity END AS quantity, "
            f"CASE WHEN {same} THEN 0 ELSE w.v_fen END AS fen "
            f"FROM ({ranked}) w",
            [before, after, *params],
        )

    def materialise(self) -> None:
        """CREATE TEMPORARY TABLE … AS the lines with their rule, explanation, quantity and amount in fen. Within
        the calculation's transaction: a rollback takes it away, `drop()` at the end otherwise."""
        sql, params = self.select
        _execute(f"CREATE TEMPORARY TABLE {self.TABLE} AS {sql}", params)
        refresh_statistics(self.TABLE)

    def drop(self) -> None:
        _execute(f"DROP TABLE {self.TABLE}", ())


class Vendor:
    """The few SQL spellings that differ between PostgreSQL and SQLite (money in fen, integer division)."""

    def __init__(self):
        self.postgresql = connection.vendor == "postgresql"

    def fen(self, expression: str) -> str:
        if self.postgresql:
            return f"ROUND(({expression}) * 100)"
        return f"CAST(ROUND(({expression}) * 100) AS INTEGER)"

    def exact(self, expression: str) -> str:
        """Whole fen as exact numeric on PostgreSQL before a product that may exceed 64 bits (SQLite: integers,
        with a guard against overflow where the product can be large)."""
        return f"CAST({expression} AS NUMERIC)" if self.postgresql else expression

    def div(self, a: str, b: str) -> str:
        return f"DIV({a}, {b})" if self.postgresql else f"(({a}) / ({b}))"

    def mod(self, a: str, b: str) -> str:
        return f"MOD({a}, {b})" if self.postgresql else f"(({a}) %% ({b}))"


def _execute(sql: str, params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, tuple(params))
        return cursor.rowcount


@dataclass(frozen=True)
class Budget:
    """The budget is short: every enterprise's capped amount is scaled by budget / capped total."""

    budget_fen: int
    capped_fen: int  # the capped total, all enterprises
    factor: Decimal  # for the explanation; the amounts are computed from the two integers


def _per_enterprise(terms: Terms, source: LineSource) -> tuple[str, list]:
    """One row per enterprise (and its claim) from the lines: lines, gross and capped in fen, explanation."""
    gross = "SUM(w.fen)"
    if terms.cap_fen is not None:
        capped = f"(CASE WHEN {gross} > %s THEN %s ELSE {gross} END)"
        explanation = f"(CASE WHEN {gross} > %s THEN %s ELSE %s END)"
        params = [terms.cap_fen, terms.cap_fen, terms.cap_fen, TEXT["capped"].format(cap=yuan(terms.cap_fen)),
                  TEXT["standard"]]  # fmt: skip
    else:
        capped, explanation, params = gross, "%s", [TEXT["standard"]]
    return (
        f"SELECT w.v_enterprise, w.v_claim, COUNT(*) AS lines, {gross} AS gross, {capped} AS capped, "
        f"{explanation} AS explanation FROM {source.TABLE} w GROUP BY w.v_enterprise, w.v_claim",
        params,
    )


def enterprise_totals(terms: Terms, source: LineSource) -> dict:
    """The number of enterprises and their gross and capped totals in fen, before the budget."""
    sql, params = _per_enterprise(terms, source)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(e.gross), SUM(e.capped) FROM ({sql}) e", params)
        enterprises, gross, capped = cursor.fetchone()
    return {"enterprises": enterprises, "gross": int(gross or 0), "capped": int(capped or 0)}


def _insert_disbursements(
    run: CalculationRun, terms: Terms, source: LineSource, budget: Budget | None
) -> None:
    _execute(*disbursements_statement(run, terms, source, budget))


def disbursements_statement(
    run: CalculationRun, terms: Terms, source: LineSource, budget: Budget | None
) -> tuple[str, list]:
    """One disbursement per enterprise (and its claim): lines, gross, capped and the amount paid. Under a short
    budget (pro rata) the amount is capped × budget / capped total rounded down to the fen, and the fen left
    over go one each to the enterprises with the largest remainders (ties: lower enterprise id), so the amounts
    add up to the budget exactly."""
    sql = Vendor()
    per_enterprise, per_enterprise_params = _per_enterprise(terms, source)
    if budget is None:
        amount, params, suffix = "e.capped", [], ""
    else:
        scaled = f"{sql.exact('e.capped')} * %s"
        floor = sql.div(scaled, "%s")
        amount = (
            f"({floor} + CASE WHEN ROW_NUMBER() OVER (ORDER BY {sql.mod(scaled, '%s')} DESC, e.v_enterprise) "
            f"<= %s - SUM({floor}) OVER () THEN 1 ELSE 0 END)"
        )
        b, c = budget.budget_fen, budget.capped_fen
        # In the order of the %s: the floor, the remainder, the fen left over (budget − the floors).
        params = [b, c, b, c, b, b, c]
        suffix = TEXT["pro_rata"].format(budget=yuan(b), factor=budget.factor)
    table = connection.ops.quote_name(Disbursement._meta.db_table)
    return (
        f"INSERT INTO {table} (alliance_id, run_id, enterprise_id, claim_id, lines, gross_amount, capped_amount, "
        f"amount, explanation) "
        f"SELECT %s, %s, e.v_enterprise, e.v_claim, e.lines, e.gross / 100.0, e.capped / 100.0, {amount} / 100.0, "
        f"e.explanation || %s FROM ({per_enterprise}) e",
        [run.alliance_id, run.pk, *params, suffix, *per_enterprise_params],
    )


def _insert_lines(run: CalculationRun, source: LineSource) -> None:
    _execute(*lines_statement(run, source))


def lines_statement(run: CalculationRun, source: LineSource) -> tuple[str, list]:
    """The run lines with their final amounts: where an enterprise gets less than its gross (cap, budget), each
    line gets fen × paid / gross rounded down, and the fen left over go one each to the lines with the largest
    remainders (ties: position, then line id), so the lines add up to the enterprise's amount."""
    sql = Vendor()
    quote = connection.ops.quote_name
    disbursements = (
        f"SELECT enterprise_id, {sql.fen('amount')} AS paid, {sql.fen('gross_amount')} AS gross "
        f"FROM {quote(Disbursement._meta.db_table)} WHERE alliance_id = %s AND run_id = %s"
    )
    lines = (
        f"SELECT w.v_alliance, w.v_run, w.v_claim_line, w.v_enterprise, w.v_position, w.rule, w.explanation, "
        f"w.quantity, w.fen, d.paid, d.gross "
        f"FROM {source.TABLE} w JOIN ({disbursements}) d ON d.enterprise_id = w.v_enterprise"
    )
    split = (
        f"SELECT y.*, {sql.div('y.fen * y.paid', 'NULLIF(y.gross, 0)')} AS floor_fen, "
        f"{sql.mod('y.fen * y.paid', 'NULLIF(y.gross, 0)')} AS remainder FROM ({lines}) y"
    )
    amount = (
        "(CASE WHEN x.paid >= x.gross THEN x.fen ELSE x.floor_fen + CASE WHEN ROW_NUMBER() OVER "
        "(PARTITION BY x.v_enterprise ORDER BY x.remainder DESC, x.v_position, x.v_claim_line) "
        "<= x.paid - SUM(x.floor_fen) OVER (PARTITION BY x.v_enterprise) THEN 1 ELSE 0 END END)"
    )
    return (
        f"INSERT INTO {quote(RunLine._meta.db_table)} (alliance_id, run_id, claim_line_id, enterprise_id, rule, "
        f"explanation, quantity, base_amount, amount) "
        f"SELECT x.v_alliance, x.v_run, x.v_claim_line, x.v_enterprise, x.rule, x.explanation, x.quantity, "
        f"x.fen / 100.0, {amount} / 100.0 FROM ({split}) x",
        [run.alliance_id, run.pk],
    )


def _insert_shares(run: CalculationRun, payer: Payer, previous_basis_points: int) -> None:
    amount = Fen("amount")

    def rounded(basis_points: int):
        return IntDiv(amount * Value(basis_points) + Value(5000), Value(10000))

    share = (
        rounded(payer.cumulative_basis_points) - rounded(previous_basis_points)
        if previous_basis_points
        else rounded(payer.cumulative_basis_points)
    )
    queryset = (
        Disbursement.objects.filter(run=run)
        .order_by()
        .annotate(
            v_alliance=F("alliance_id"),
            v_disbursement=F("pk"),
            v_run=Value(run.pk),
            v_payer=Value(payer.name),
            v_position=Value(payer.position),
            v_percent=Value(payer.percent, output_field=DecimalField(max_digits=5, decimal_places=2)),
            v_amount=FromFen(share),
        )
    )
    insert_select(
        DisbursementShare,
        ["alliance", "disbursement", "run", "payer", "position", "percent", "amount"],
        queryset,
    )

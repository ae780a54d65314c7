"""The batch calculation (subsidies/calculation.py): every rule, caps, budgets and payer splits, against an
independent computation in Python; property tests (hypothesis); idempotence; constant query count; immutability
of finalised runs. The helpers here build claims directly with the models and are shared by the run, XLSX and
worker tests."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliances.personal_data import encrypt, keyed_hash, mask_resident_id
from members.models import MemberKind
from subsidies.calculation import CalculationRefused, calculate_run
from subsidies.models import (
    CalculationRun,
    Claim,
    ClaimLine,
    ClaimStatus,
    Disbursement,
    DisbursementShare,
    FundingShare,
    LineReview,
    OverBudgetPolicy,
    Period,
    PeriodKind,
    PostCounting,
    Program,
    ProgramKind,
    ProgramVersion,
    RateUnit,
    RunLine,
    RunStatus,
    SchoolDecision,
)

from .factories import make_unit

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
CIPHERTEXT: dict[str, str] = {}
KIND_OF_UNIT = {
    RateUnit.POST_SEMESTER: ProgramKind.INTERNSHIP_POST,
    RateUnit.PERSON: ProgramKind.ORDER_CLASS,
    RateUnit.PERSON_MONTH: ProgramKind.INTERNSHIP_POST,
    RateUnit.ONE_TIME: ProgramKind.QUALITY_SPECIALTY,
}


def resident_id(student: int) -> str:
    return f"370302200501{student % 1_000_000:06d}"


@dataclass
class Setup:
    """A program with one version, a semester, and helpers to add approved claims and lines."""

    alliance: object
    unit: str = RateUnit.POST_SEMESTER
    rate: str = "300.00"
    payers: tuple = (("市财政", "60"), ("区县财政", "40"))
    version_fields: dict = field(default_factory=dict)

    def __post_init__(self):
        number = next(_numbers)
        self.program = Program.objects.create(
            alliance=self.alliance,
            code=f"program-{number}",
            name=f"测试补贴项目{number}",
            kind=KIND_OF_UNIT[self.unit],
        )
        fields = {"min_duration_days": 30, **self.version_fields}
        self.version = ProgramVersion.objects.create(
            alliance=self.alliance, program=self.program, number=1, effective_from=datetime.date(2024, 1, 1),
            unit=self.unit, rate=Decimal(self.rate), **fields,
        )  # fmt: skip
        for position, (payer, percent) in enumerate(self.payers):
            FundingShare.objects.create(
                alliance=self.alliance,
                version=self.version,
                payer=payer,
                percent=Decimal(percent),
                position=position,
            )
        self.period = Period.objects.create(
            alliance=self.alliance, kind=PeriodKind.SEMESTER, name=f"2024–2025学年第一学期·{number}", academic_year=2024,
            semester=1, starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2025, 1, 31),
            claim_deadline=datetime.date(2025, 2, 28),
        )  # fmt: skip
        self.submitted = timezone.make_aware(datetime.datetime(2025, 1, 5, 9, 0))

    def enterprise(self, name: str | None = None):
        return make_unit(self.alliance, MemberKind.ENTERPRISE, name=name)

    def claim(
        self,
        enterprise=None,
        *,
        submitted_at=None,
        status=ClaimStatus.APPROVED,
        account="6222020200112233445",
    ):
        enterprise = enterprise or self.enterprise()
        number = next(_numbers)
        submitted_at = submitted_at or self.submitted + datetime.timedelta(minutes=number)
        return Claim.objects.create(
            alliance=self.alliance, program=self.program, period=self.period, enterprise=enterprise,
            program_version=self.version, number=f"BT-{number:06d}", status=status, payee_name=enterprise.name,
            bank_name="中国工商银行淄博分行", bank_account_encrypted=encrypt(account),
            bank_account_masked="**** **** " + account[-4:], submitted_at=submitted_at, first_submitted_at=submitted_at,
        )  # fmt: skip

    def lines(self, claim, count: int = 1, **values) -> list[ClaimLine]:
        """`count` lines; `values` may give a value or a function of the line's index for any field, and
        `student` (an int) for the resident ID."""
        rows = []
        for index in range(count):
            given = {key: (value(index) if callable(value) else value) for key, value in values.items()}
            student = given.pop("student", next(_numbers))
            ident = resident_id(student)
            if ident not in CIPHERTEXT:
                CIPHERTEXT[ident] = encrypt(ident)
            row = {
                "student_name": f"学生{student}", "resident_id_encrypted": CIPHERTEXT[ident],
                "resident_id_hash": keyed_hash(ident), "resident_id_masked": mask_resident_id(ident),
                "post": "数控操作工", "starts_on": datetime.date(2024, 9, 2), "ends_on": datetime.date(2025, 1, 20),
                "agreement_number": "XY-1", "insurance_policy_number": "BX-1", "review": LineReview.APPROVED,
                "position": index + 1, **given,
            }  # fmt: skip
            rows.append(ClaimLine(alliance=self.alliance, claim=claim, **row))
        return ClaimLine.objects.bulk_create(rows, batch_size=2000)

    def calculate(self, actor=None):
        return calculate_run(self.program, self.period, actor)


# --- An independent computation of the same rules, in Python ------------------------------------------------


def full_months(starts_on, ends_on) -> int:
    end = ends_on + datetime.timedelta(days=1)
    months = (
        (end.year - starts_on.year) * 12 + end.month - starts_on.month - (1 if end.day < starts_on.day else 0)
    )
    return max(months, 0)


def largest_remainder(weights: list[tuple[object, int, tuple]], total: int, whole: int) -> dict:
    """Split `total` in proportion to the weights (which add up to `whole`): floor, then one each to the largest
    remainders, ties broken by the given key."""
    result, remainders = {}, []
    for key, weight, tie in weights:
        result[key], remainder = divmod(weight * total, whole) if whole else (0, 0)
        remainders.append((-remainder, tie, key))
    left = total - sum(result.values())
    for _negative, _tie, key in sorted(remainders)[:left]:
        result[key] += 1
    return result


def expected(setup: Setup) -> dict:
    """What the run must contain, computed line by line in Python from the stored rows."""
    version = ProgramVersion.objects.get(pk=setup.version.pk)
    rate = int(version.rate * 100)
    rows = list(
        ClaimLine.objects.filter(
            claim__program=setup.program, claim__period=setup.period, claim__status=ClaimStatus.APPROVED,
            review=LineReview.APPROVED,
        ).values(
            "pk", "position", "claim_id", "claim__enterprise_id", "claim__first_submitted_at", "claim__number",
            "resident_id_hash", "post", "starts_on", "ends_on", "award_level", "school_id", "school_decision",
        )
    )  # fmt: skip
    rows = [
        row for row in rows if row["school_id"] is None or row["school_decision"] == SchoolDecision.CONFIRMED
    ]
    far = timezone.make_aware(datetime.datetime(9999, 1, 1))
    rows.sort(key=lambda r: (r["claim__first_submitted_at"] or far, r["claim_id"], r["position"], r["pk"]))
    lines: dict[int, dict] = {}
    seen_students: set = set()
    seen_posts: set = set()
    for row in rows:
        rule, fen = None, 0
        internship = version.unit in (RateUnit.POST_SEMESTER, RateUnit.PERSON_MONTH)
        if internship and (row["starts_on"] is None or row["ends_on"] is None):
            rule = "dates_missing"
        elif internship and (row["ends_on"] - row["starts_on"]).days + 1 < version.min_duration_days:
            rule = "too_short"
        elif version.unit == RateUnit.ONE_TIME and row["award_level"] not in ("national", "provincial"):
            rule = "award_level_missing"
        elif (
            version.unit == RateUnit.ONE_TIME
            and row["award_level"] == "provincial"
            and version.secondary_rate is None
        ):
            rule = "award_rate_missing"
        elif version.unit != RateUnit.ONE_TIME and row["resident_id_hash"] in seen_students:
            rule = "duplicate_paid_once"
        if rule is None and version.unit != RateUnit.ONE_TIME:
            seen_students.add(row["resident_id_hash"])
        lines[row["pk"]] = {"rule": rule, "fen": 0, "row": row}
    # per distinct post: by claim, position
    for row in sorted(rows, key=lambda r: (r["claim_id"], r["position"], r["pk"])):
        line = lines[row["pk"]]
        if line["rule"] is not None:
            continue
        if version.unit == RateUnit.POST_SEMESTER:
            key = (row["claim_id"], row["post"].strip(" "))
            if version.post_counting == PostCounting.PER_DISTINCT_POST and key in seen_posts:
                line["rule"] = "same_post"
                continue
            seen_posts.add(key)
            line["rule"], line["fen"] = "post_semester", rate
        elif version.unit == RateUnit.PERSON:
            line["rule"], line["fen"] = "person", rate
        elif version.unit == RateUnit.PERSON_MONTH:
            months = full_months(row["starts_on"], row["ends_on"])
            if version.max_months is not None:
                months = min(months, version.max_months)
            line["rule"], line["fen"] = "person_month", rate * months
        elif row["award_level"] == "national":
            line["rule"], line["fen"] = "award_national", rate
        else:
            line["rule"], line["fen"] = "award_provincial", int(version.secondary_rate * 100)
    enterprises: dict[int, dict] = {}
    for pk, line in lines.items():
        e = enterprises.setdefault(line["row"]["claim__enterprise_id"], {"gross": 0, "lines": []})
        e["gross"] += line["fen"]
        e["lines"].append(pk)
    cap = None if version.cap_per_enterprise is None else int(version.cap_per_enterprise * 100)
    for e in enterprises.values():
        e["capped"] = e["gross"] if cap is None else min(e["gross"], cap)
    capped_total = sum(e["capped"] for e in enterprises.values())
    budget = None if version.budget is None else int(version.budget * 100)
    refused = (
        budget is not None and capped_total > budget and version.over_budget_policy == OverBudgetPolicy.REFUSE
    )
    if budget is not None and capped_total > budget:
        amounts = largest_remainder(
            [(k, e["capped"], (k,)) for k, e in enterprises.items()], budget, capped_total
        )
    else:
        amounts = {k: e["capped"] for k, e in enterprises.items()}
    for key, e in enterprises.items():
        e["amount"] = amounts[key]
        if e["amount"] < e["gross"]:
            weights = [(pk, lines[pk]["fen"], (lines[pk]["row"]["position"], pk)) for pk in e["lines"]]
            for pk, fen in largest_remainder(weights, e["amount"], e["gross"]).items():
                lines[pk]["amount"] = fen
        else:
            for pk in e["lines"]:
                lines[pk]["amount"] = lines[pk]["fen"]
    payers = list(version.funding_shares.order_by("position", "pk"))
    shares = {}
    for key, e in enterprises.items():
        cumulative, previous = 0, 0
        for payer in payers:
            cumulative += int(payer.percent * 100)
            rounded = (e["amount"] * cumulative + 5000) // 10000
            shares[(key, payer.payer)] = rounded - previous
            previous = rounded
    return {
        "lines": {pk: (line["rule"], line["fen"], line["amount"]) for pk, line in lines.items()},
        "enterprises": {k: (e["gross"], e["capped"], e["amount"]) for k, e in enterprises.items()},
        "shares": shares,
        "gross": sum(e["gross"] for e in enterprises.values()),
        "capped": capped_total,
        "total": sum(e["amount"] for e in enterprises.values()),
        "refused": refused,
    }


def fen(amount: Decimal) -> int:
    return int(amount * 100)


def actual(run: CalculationRun) -> dict:
    return {
        "lines": {
            line.claim_line_id: (line.rule, fen(line.base_amount), fen(line.amount))
            for line in RunLine.objects.filter(run=run)
        },
        "enterprises": {
            d.enterprise_id: (fen(d.gross_amount), fen(d.capped_amount), fen(d.amount))
            for d in Disbursement.objects.filter(run=run)
        },
        "shares": {
            (s.disbursement.enterprise_id, s.payer): fen(s.amount)
            for s in DisbursementShare.objects.filter(run=run).select_related("disbursement")
        },
        "gross": fen(run.gross_total),
        "capped": fen(run.capped_total),
        "total": fen(run.total),
        "refused": False,
    }


def assert_matches(setup: Setup, run: CalculationRun) -> dict:
    want, got = expected(setup), actual(run)
    assert got["lines"] == want["lines"]
    assert got["enterprises"] == want["enterprises"]
    assert got["shares"] == want["shares"]
    assert (got["gross"], got["capped"], got["total"]) == (want["gross"], want["capped"], want["total"])
    return got


# --- Rules -----------------------------------------------------------------------------------------------


def test_per_intern_posts_pay_the_rate_per_line_and_split_between_payers(alliance):
    setup = Setup(alliance)
    claim = setup.claim()
    setup.lines(claim, 3)
    run = setup.calculate()
    got = assert_matches(setup, run)
    assert run.status == RunStatus.DRAFT and run.program_version == setup.version
    assert (run.lines_considered, run.lines_paid, run.enterprises) == (3, 3, 1)
    assert run.total == Decimal("900.00") and run.budget_factor == 1
    line = RunLine.objects.filter(run=run).first()
    assert (line.rule, line.explanation, line.quantity) == ("post_semester", "300.00元/岗·学期 × 1 岗", 1)
    assert got["shares"] == {(claim.enterprise_id, "市财政"): 54000, (claim.enterprise_id, "区县财政"): 36000}
    disbursement = Disbursement.objects.get(run=run)
    assert (disbursement.claim_id, disbursement.lines, disbursement.explanation) == (
        claim.pk,
        3,
        "按标准计发",
    )


def test_per_distinct_post_counts_each_post_name_once_per_claim(alliance):
    setup = Setup(alliance, version_fields={"post_counting": PostCounting.PER_DISTINCT_POST})
    claim = setup.claim()
    posts = ["焊工", "焊工 ", "数控操作工", "焊工", "装配工"]
    lines = setup.lines(claim, 5, post=lambda i: posts[i])
    other = setup.claim()
    setup.lines(other, 2, post="焊工")
    run = setup.calculate()
    assert_matches(setup, run)
    rules = dict(RunLine.objects.filter(run=run).values_list("claim_line_id", "rule"))
    assert [rules[line.pk] for line in lines] == [
        "post_semester",
        "same_post",
        "post_semester",
        "same_post",
        "post_semester",
    ]
    same = RunLine.objects.get(run=run, claim_line=lines[1])
    assert same.amount == 0 and same.explanation == "同一申报中“焊工”岗位已计 1 岗，本行不另计"
    assert run.total == Decimal("1200.00")  # three posts on the first claim, one on the other


def test_duplicate_student_is_paid_once_on_the_claim_submitted_first(alliance):
    setup = Setup(alliance)
    early = setup.claim(submitted_at=setup.submitted)
    late = setup.claim(submitted_at=setup.submitted + datetime.timedelta(days=3))
    [late_line] = setup.lines(late, 1, student=4242)
    [early_line] = setup.lines(early, 1, student=4242)
    run = setup.calculate()
    assert_matches(setup, run)
    paid = RunLine.objects.get(run=run, claim_line=early_line)
    duplicate = RunLine.objects.get(run=run, claim_line=late_line)
    assert (paid.rule, paid.amount) == ("post_semester", Decimal("300.00"))
    assert (duplicate.rule, duplicate.amount) == ("duplicate_paid_once", 0)
    assert duplicate.explanation == f"该学生已在申报 {early.number} 中计发，同一项目同一期只计发一次"


def test_a_too_short_line_does_not_take_the_place_of_a_valid_one(alliance):
    setup = Setup(alliance)
    early, late = setup.claim(), setup.claim(submitted_at=setup.submitted + datetime.timedelta(days=1))
    [short] = setup.lines(early, 1, student=77, ends_on=datetime.date(2024, 9, 20))
    [valid] = setup.lines(late, 1, student=77)
    [no_dates] = setup.lines(late, 1, starts_on=None, position=2)
    run = setup.calculate()
    assert_matches(setup, run)
    rules = dict(RunLine.objects.filter(run=run).values_list("claim_line_id", "rule"))
    assert (rules[short.pk], rules[valid.pk], rules[no_dates.pk]) == (
        "too_short",
        "post_semester",
        "dates_missing",
    )
    assert (
        RunLine.objects.get(run=run, claim_line=short).explanation == "实习19天，短于最短实习期限30天，不计发"
    )


def test_only_approved_lines_of_approved_claims_confirmed_by_their_school_count(alliance):
    setup = Setup(alliance)
    school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL)
    claim = setup.claim()
    setup.lines(claim, 1, school=school, school_decision=SchoolDecision.CONFIRMED)
    setup.lines(claim, 1, school=school, school_decision=SchoolDecision.DENIED, position=2)
    setup.lines(claim, 1, school=school, school_decision=SchoolDecision.PENDING, position=3)
    setup.lines(claim, 1, review=LineReview.REJECTED, position=4)
    setup.lines(setup.claim(status=ClaimStatus.UNDER_REVIEW), 2)
    run = setup.calculate()
    assert_matches(setup, run)
    assert (run.lines_considered, run.total) == (1, Decimal("300.00"))


def test_person_pays_per_line(alliance):
    setup = Setup(alliance, unit=RateUnit.PERSON, rate="10000.00")
    setup.lines(setup.claim(), 2, starts_on=None, ends_on=None)
    run = setup.calculate()
    assert_matches(setup, run)
    assert run.total == Decimal("20000.00")
    assert RunLine.objects.filter(run=run).first().explanation == "10000.00元/人 × 1 人"


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "months"),
    [
        ("2024-09-02", "2024-10-01", 1),
        ("2024-09-01", "2024-11-30", 3),
        ("2024-09-02", "2024-11-30", 2),
        ("2024-09-01", "2025-01-31", 5),
        ("2024-10-31", "2024-11-29", 0),
        ("2024-10-31", "2024-11-30", 1),
        ("2024-12-31", "2025-01-29", 0),
        ("2024-12-31", "2025-01-30", 1),
        ("2024-12-31", "2025-01-31", 1),
        ("2025-01-31", "2025-02-28", 1),
    ],
)
def test_full_months(alliance, starts_on, ends_on, months):
    setup = Setup(alliance, unit=RateUnit.PERSON_MONTH, version_fields={"min_duration_days": 0})
    [line] = setup.lines(
        setup.claim(),
        1,
        starts_on=datetime.date.fromisoformat(starts_on),
        ends_on=datetime.date.fromisoformat(ends_on),
    )
    run = setup.calculate()
    assert full_months(line.starts_on, line.ends_on) == months
    run_line = RunLine.objects.get(run=run)
    assert (run_line.quantity, run_line.amount) == (months, Decimal(300 * months))


def test_person_month_is_limited_to_max_months(alliance):
    setup = Setup(alliance, unit=RateUnit.PERSON_MONTH, version_fields={"max_months": 3})
    setup.lines(setup.claim(), 1, starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2025, 1, 31))
    setup.lines(setup.claim(), 1, starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2024, 10, 31))
    run = setup.calculate()
    assert_matches(setup, run)
    explanations = set(RunLine.objects.filter(run=run).values_list("explanation", flat=True))
    assert explanations == {
        "300.00元/人·月 × 3 个月（实习满5个整月，最多计3个月）",
        "300.00元/人·月 × 2 个月（实习满2个整月，最多计3个月）",
    }
    assert run.total == Decimal("1500.00")


def test_one_time_awards_by_level(alliance):
    setup = Setup(
        alliance,
        unit=RateUnit.ONE_TIME,
        rate="1000000.00",
        version_fields={"secondary_rate": Decimal("500000.00")},
    )
    claim = setup.claim()
    levels = ["national", "provincial", ""]
    lines = setup.lines(claim, 3, award_level=lambda i: levels[i], student=1, starts_on=None, ends_on=None)
    run = setup.calculate()
    assert_matches(setup, run)
    by_line = {r.claim_line_id: r for r in RunLine.objects.filter(run=run)}
    assert [(by_line[line.pk].rule, by_line[line.pk].amount) for line in lines] == [
        ("award_national", Decimal("1000000.00")),
        ("award_provincial", Decimal("500000.00")),
        ("award_level_missing", 0),
    ]
    assert by_line[lines[0].pk].explanation == "国家级一次性奖励 1000000.00元"


def test_provincial_award_without_a_provincial_rate_pays_nothing(alliance):
    setup = Setup(alliance, unit=RateUnit.ONE_TIME, rate="1000000.00")
    setup.lines(setup.claim(), 1, award_level="provincial")
    run = setup.calculate()
    assert RunLine.objects.get(run=run).rule == "award_rate_missing" and run.total == 0


def test_cap_per_enterprise(alliance):
    setup = Setup(alliance, version_fields={"cap_per_enterprise": Decimal("1000.00")})
    big, small = setup.claim(), setup.claim()
    setup.lines(big, 7)
    setup.lines(small, 2)
    run = setup.calculate()
    got = assert_matches(setup, run)
    assert got["enterprises"][big.enterprise_id] == (210000, 100000, 100000)
    assert got["enterprises"][small.enterprise_id] == (60000, 60000, 60000)
    assert (
        sorted(fen for _rule, _base, fen in got["lines"].values() if fen)
        == [14285] * 2 + [14286] * 5 + [30000] * 2
    )
    assert (
        Disbursement.objects.get(run=run, enterprise=big.enterprise).explanation
        == "超过每家企业每期上限 1000.00元，按上限计发"
    )
    assert run.capped_total == Decimal("1600.00") and run.gross_total == Decimal("2700.00")


def test_budget_pro_rata_adds_up_to_the_budget_exactly(alliance):
    setup = Setup(alliance, version_fields={"budget": Decimal("1000.00")})
    for count in (1, 2, 4):
        setup.lines(setup.claim(), count)
    run = setup.calculate()
    got = assert_matches(setup, run)
    assert run.total == Decimal("1000.00") and run.budget == Decimal("1000.00")
    assert run.budget_factor == Decimal("0.47619048")  # 1000 / 2100
    assert sorted(amount for _g, _c, amount in got["enterprises"].values()) == [14286, 28571, 57143]
    explanation = Disbursement.objects.filter(run=run).first().explanation
    assert explanation == "按标准计发；预算 1000.00元 不足，按系数 0.47619048 同比例核减"


def test_budget_refuse_writes_nothing_and_keeps_the_previous_draft(alliance):
    setup = Setup(
        alliance, version_fields={"budget": Decimal("1000.00"), "over_budget_policy": OverBudgetPolicy.REFUSE}
    )
    setup.lines(setup.claim(), 3)
    first = setup.calculate()
    assert first.total == Decimal("900.00")
    setup.lines(setup.claim(), 2)
    with (
        translation.override("en"),
        pytest.raises(CalculationRefused, match="more than the budget of 1000.00 CNY"),
    ):
        setup.calculate()
    first.refresh_from_db()
    assert first.total == Decimal("900.00") and RunLine.objects.filter(run=first).count() == 3


def test_three_payers_never_negative_and_add_up(alliance):
    setup = Setup(
        alliance, rate="0.01", payers=(("市财政", "49.99"), ("区财政", "50.00"), ("县财政", "0.01"))
    )
    setup.lines(setup.claim(), 1)
    setup.lines(setup.claim(), 3)
    run = setup.calculate()
    got = assert_matches(setup, run)
    assert all(value >= 0 for value in got["shares"].values())


def test_funding_shares_must_add_up_to_100(alliance):
    setup = Setup(alliance, payers=(("市财政", "60"), ("区县财政", "30")))
    setup.lines(setup.claim(), 1)
    with translation.override("en"), pytest.raises(CalculationRefused, match="add up to 90.00 %"):
        setup.calculate()
    assert not CalculationRun.objects.filter(program=setup.program).exists()


def test_uses_the_version_in_force_on_the_first_day_of_the_period(alliance):
    setup = Setup(alliance)
    ProgramVersion.objects.create(
        alliance=alliance, program=setup.program, number=2, effective_from=datetime.date(2024, 10, 1),
        unit=RateUnit.POST_SEMESTER, rate=Decimal("500.00"),
    )  # fmt: skip
    setup.lines(setup.claim(), 1)
    run = setup.calculate()
    assert run.program_version == setup.version and run.total == Decimal("300.00")


def test_no_version_in_force(alliance):
    setup = Setup(alliance)
    ProgramVersion.objects.filter(pk=setup.version.pk).update(effective_from=datetime.date(2025, 1, 1))
    with translation.override("en"), pytest.raises(CalculationRefused, match="No version"):
        setup.calculate()


def test_an_empty_period_gives_an_empty_run(alliance):
    setup = Setup(alliance, version_fields={"budget": Decimal("100.00")})
    run = setup.calculate()
    assert (run.lines_considered, run.enterprises, run.total, run.budget_factor) == (0, 0, 0, 1)


# --- Idempotence, immutability, query count -------------------------------------------------------------------


def test_calculating_again_replaces_the_draft_with_identical_rows(alliance):
    setup = Setup(alliance, version_fields={"cap_per_enterprise": Decimal("800"), "budget": Decimal("2000")})
    for count in (1, 3, 5, 8):
        setup.lines(setup.claim(), count)
    first = setup.calculate()
    before = actual(first)
    token = first.token
    second = setup.calculate()
    assert second.pk == first.pk and second.token != token
    assert actual(second) == before
    assert CalculationRun.objects.filter(program=setup.program).count() == 1
    # A line approved since: the draft picks it up.
    setup.lines(setup.claim(), 1)
    third = setup.calculate()
    assert third.pk == first.pk and third.lines_considered == 18


def test_a_finalised_run_is_immutable(alliance):
    setup = Setup(alliance)
    setup.lines(setup.claim(), 2)
    run = setup.calculate()
    CalculationRun.objects.filter(pk=run.pk).update(status=RunStatus.FINALISED)
    rows = actual(run)
    setup.lines(setup.claim(), 1)
    with translation.override("en"), pytest.raises(CalculationRefused, match="finalised run already"):
        setup.calculate()
    run.refresh_from_db()
    assert actual(run) == rows and run.lines_considered == 2
    assert CalculationRun.objects.filter(program=setup.program).count() == 1


def test_other_programs_and_alliances_are_left_alone(alliance, other_alliance):
    from alliances.tenancy import scope

    setup = Setup(alliance)
    setup.lines(setup.claim(), 2)
    with scope(other_alliance.pk):
        elsewhere = Setup(other_alliance)
        elsewhere.lines(elsewhere.claim(), 3)
        other_run = elsewhere.calculate()
    with scope(alliance.pk):
        run = setup.calculate()
        assert run.lines_considered == 2
    assert RunLine.objects.filter(run=other_run).count() == 3


def _queries_for(alliance, enterprises: int, lines_each: int) -> int:
    setup = Setup(alliance, version_fields={
        "cap_per_enterprise": Decimal("3000"), "budget": Decimal("1000000"),
        "post_counting": PostCounting.PER_DISTINCT_POST,
    })  # fmt: skip
    budget = Decimal(enterprises * 1000)
    ProgramVersion.objects.filter(pk=setup.version.pk).update(budget=budget)
    for number in range(enterprises):
        setup.lines(
            setup.claim(),
            lines_each,
            post=lambda i: f"岗位{i % 15}",
            student=lambda i, n=number: n * 100 + i % 90,
        )
    with CaptureQueriesContext(connection) as captured:
        run = setup.calculate()
    assert run.total == budget
    return len(captured)


def test_the_number_of_queries_does_not_depend_on_the_number_of_lines(alliance):
    few = _queries_for(alliance, 2, 5)  # 10 lines
    many = _queries_for(alliance, 100, 100)  # 10,000 lines
    assert few == many


# --- Properties ------------------------------------------------------------------------------------------------

money = st.integers(min_value=1, max_value=500_000).map(lambda fen: Decimal(fen) / 100)


@st.composite
def scenarios(draw):
    unit = draw(
        st.sampled_from([RateUnit.POST_SEMESTER, RateUnit.PERSON, RateUnit.PERSON_MONTH, RateUnit.ONE_TIME])
    )
    payer_count = draw(st.integers(min_value=1, max_value=3))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(min_value=0, max_value=10000), min_size=payer_count - 1, max_size=payer_count - 1
            )
        )
    )
    bounds = [0, *cuts, 10000]
    payers = tuple((f"出资方{i}", str(Decimal(bounds[i + 1] - bounds[i]) / 100)) for i in range(payer_count))
    fields = {
        "cap_per_enterprise": draw(st.none() | money),
        "budget": draw(
            st.none() | st.integers(min_value=0, max_value=3_000_000).map(lambda f: Decimal(f) / 100)
        ),
        "post_counting": draw(st.sampled_from(list(PostCounting.values))),
        "max_months": draw(st.none() | st.integers(min_value=1, max_value=6)),
        "secondary_rate": draw(st.none() | money),
        "min_duration_days": draw(st.sampled_from([0, 30, 60])),
    }
    claims = draw(
        st.lists(
            st.lists(
                st.tuples(
                    st.integers(min_value=0, max_value=12),  # student
                    st.sampled_from(["焊工", "装配工", "数控操作工"]),
                    st.integers(min_value=0, max_value=120),  # start offset (days after 1 Sep)
                    st.integers(min_value=0, max_value=150),  # length
                    st.sampled_from(["national", "provincial", ""]),
                ),
                min_size=1,
                max_size=6,
            ),
            min_size=0,
            max_size=5,
        )
    )
    return unit, draw(money), payers, fields, claims


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_properties_of_amounts_caps_budgets_and_shares(alliance, scenario):
    unit, rate, payers, fields, claims = scenario
    setup = Setup(alliance, unit=unit, rate=str(rate), payers=payers, version_fields=fields)
    for lines in claims:
        claim = setup.claim()
        setup.lines(
            claim, len(lines),
            student=lambda i, lines=lines: 900_000 + lines[i][0], post=lambda i, lines=lines: lines[i][1],
            starts_on=lambda i, lines=lines: datetime.date(2024, 9, 1) + datetime.timedelta(days=lines[i][2]),
            ends_on=lambda i, lines=lines: datetime.date(2024, 9, 1) + datetime.timedelta(days=lines[i][2] + lines[i][3]),
            award_level=lambda i, lines=lines: lines[i][4],
        )  # fmt: skip
    run = setup.calculate()
    got = assert_matches(setup, run)
    version = setup.version
    cap = None if version.cap_per_enterprise is None else fen(version.cap_per_enterprise)
    for enterprise, (gross, capped, amount) in got["enterprises"].items():
        assert 0 <= amount <= capped <= gross
        if cap is not None:
            assert amount <= cap
        assert sum(v for (e, _p), v in got["shares"].items() if e == enterprise) == amount
        assert all(v >= 0 for (e, _p), v in got["shares"].items() if e == enterprise)
    assert all(0 <= paid <= base for _rule, base, paid in got["lines"].values())
    by_enterprise: dict = {}
    for pk, (_rule, _base, paid) in got["lines"].items():
        enterprise = RunLine.objects.get(run=run, claim_line_id=pk).enterprise_id
        by_enterprise[enterprise] = by_enterprise.get(enterprise, 0) + paid
    assert by_enterprise == {e: amount for e, (_g, _c, amount) in got["enterprises"].items()}
    if version.budget is not None and version.over_budget_policy == OverBudgetPolicy.PRO_RATA:
        assert got["total"] == min(fen(version.budget), got["capped"])

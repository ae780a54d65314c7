"""Compliance checks of subsidy claims: the one place that says what is wrong with a claim line.

Used by the claim pages (before submitting), by submission (server side) and by reviewers. Every finding has a
stable `code` (documented in docs/architecture.md, "Subsidies"), a severity (`error` stops submission and
approval, `warning` informs the reviewer) and a message with the numbers in it, kept as its English source text and
parameters and rendered in the reader's language when it is shown (subsidies/findings.py).

- `check_claim(claim)` → {line pk: [Finding]} for every line, plus the claim's own findings under key 0.
- `refresh_claim_checks(claim)` runs it and stores each line's `problems` and `has_errors` with one
  `bulk_update`; the claim's own findings are stored on every line too (they concern every line: an
  enterprise that is not eligible is paid for none), and counted once in the `CheckSummary`.
- `check_line_values(resident_id=…, starts_on=…, …)` checks one line's values without a claim (for a form).

The whole claim is checked in a constant number of queries whatever its size: the claim with its program,
period, enterprise and version; its lines with their schools; the division codes of their ID numbers; the
other claims' lines with the same students (by keyed hash, never by plaintext).

Which checks apply depends on the program's kind (`KIND_CHECKS`): an internship post subsidy gets all of
them; an order-class employment subsidy the ID, duplicate, school and agreement checks and those of the order class
the line names (a class of the claiming enterprise, in force or completed, graduating in time for the period, no
more lines than the graduates it employed: one more query); a public training base
the ID, age and duplicate checks; a quality specialty award only the award level. The claim-level checks
(a version in force, the enterprise a current member, at least one line) apply to every kind.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop
from stdnum.cn import ric

from alliances.personal_data import decrypt
from events.models import CooperationKind
from events.services.cooperation import SUBSIDY_STATUSES
from members.models import CURRENT_MEMBER_STATUSES, Division, MemberKind

from .findings import ERROR, WARNING, Finding, label, stored_key
from .models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    DuplicateStudentPolicy,
    InternCapPolicy,
    LineReview,
    MinimumShareEffect,
    Period,
    ProgramKind,
    ProgramVersion,
    SchoolDecision,
    SchoolScope,
)
from .services.programs import KIND_DEFAULTS, version_for_claim

CLAIM = 0  # the key of the claim's own findings in check_claim's answer


@dataclass(frozen=True)
class CheckSummary:
    errors: int  # error findings: each line's, plus the claim's own once
    warnings: int
    lines: int
    lines_with_errors: int
    claim_findings: tuple[Finding, ...] = ()
    findings: dict | None = None  # check_claim's answer, for pages that show everything at once

    @property
    def can_submit(self) -> bool:
        return self.errors == 0


@dataclass(frozen=True)
class CheckInfo:
    label: object  # what the check is about (lazy text)
    severity: str  # its usual severity ("error or warning" when a program setting decides)
    level: str  # "line" or "claim"


# Every code, for documentation, legends and tests.
CHECKS: dict[str, CheckInfo] = {
    "id_missing": CheckInfo(gettext_lazy("Resident ID number given"), ERROR, "line"),
    "id_format": CheckInfo(gettext_lazy("Resident ID number has 17 digits and a check character"), ERROR, "line"),
    "id_check_digit": CheckInfo(gettext_lazy("Resident ID check digit (GB 11643)"), ERROR, "line"),
    "id_birth_date": CheckInfo(gettext_lazy("Birth date in the resident ID number is a real date"), ERROR, "line"),
    "id_division": CheckInfo(gettext_lazy("Division code of the resident ID number is known (GB/T 2260)"), ERROR, "line"),
    "too_young": CheckInfo(gettext_lazy("Minimum age at the start"), ERROR, "line"),
    "dates_missing": CheckInfo(gettext_lazy("Start and end dates given"), ERROR, "line"),
    "dates_order": CheckInfo(gettext_lazy("End date not before the start date"), ERROR, "line"),
    "dates_outside_period": CheckInfo(gettext_lazy("Dates inside the period"), ERROR, "line"),
    "too_short": CheckInfo(gettext_lazy("Minimum internship length"), ERROR, "line"),
    "duplicate_in_claim": CheckInfo(gettext_lazy("Student once in the claim"), ERROR, "line"),
    "duplicate_other_claim": CheckInfo(
        gettext_lazy("Student not claimed by another enterprise (program setting)"), "error|warning", "line"
    ),
    "intern_cap": CheckInfo(gettext_lazy("Interns at most the share of employees"), ERROR, "line"),
    "school_missing": CheckInfo(gettext_lazy("School given"), ERROR, "line"),
    "school_not_school": CheckInfo(gettext_lazy("The school is a school"), ERROR, "line"),
    "school_not_member": CheckInfo(gettext_lazy("The school is a current member"), ERROR, "line"),
    "school_out_of_scope": CheckInfo(gettext_lazy("The school's students count (program setting)"), ERROR, "line"),
    "agreement_missing": CheckInfo(gettext_lazy("Tripartite agreement number given"), ERROR, "line"),
    "insurance_missing": CheckInfo(gettext_lazy("Internship liability insurance policy number given"), ERROR, "line"),
    "pay_missing": CheckInfo(gettext_lazy("Monthly pay given"), WARNING, "line"),
    "pay_not_positive": CheckInfo(gettext_lazy("Monthly pay above zero"), ERROR, "line"),
    "award_level_missing": CheckInfo(gettext_lazy("Award level given"), ERROR, "line"),
    "order_class_missing": CheckInfo(gettext_lazy("The line names one of the enterprise's order or named classes"),
                                     ERROR, "line"),
    "order_class_not_active": CheckInfo(gettext_lazy("The order class is in force or completed"), ERROR, "line"),
    "order_class_graduation_year": CheckInfo(
        gettext_lazy("The order class graduated in time for the period"), "error|warning", "line"
    ),
    "order_class_over_employed": CheckInfo(
        gettext_lazy("No more graduates claimed for an order class than it employed"), "error|warning", "line"
    ),
    "no_version": CheckInfo(gettext_lazy("Program rules in force for the period"), ERROR, "claim"),
    "no_lines": CheckInfo(gettext_lazy("At least one line"), ERROR, "claim"),
    "enterprise_not_member": CheckInfo(gettext_lazy("The enterprise is a current member"), ERROR, "claim"),
    "employee_count_missing": CheckInfo(gettext_lazy("The enterprise's number of employees is known"), ERROR, "claim"),
    "host_share_below_minimum": CheckInfo(
        gettext_lazy("Enterprises above designated size host the minimum share (program setting)"), "error|warning",
        "claim",
    ),
}  # fmt: skip
CLAIM_LEVEL_CODES = frozenset(code for code, info in CHECKS.items() if info.level == "claim")

# Groups of line checks, and which apply to each kind of program.
IDENTITY, AGE, DATES, DURATION, DUPLICATE = "identity", "age", "dates", "duration", "duplicate"
SCHOOL, AGREEMENT, INSURANCE, PAY, AWARD = "school", "agreement", "insurance", "pay", "award_level"
INTERN_CAP, HOST_SHARE, ORDER_CLASS = "intern_cap", "host_share", "order_class"
KIND_CHECKS: dict[str, frozenset[str]] = {
    ProgramKind.INTERNSHIP_POST: frozenset(
        {IDENTITY, AGE, DATES, DURATION, DUPLICATE, SCHOOL, AGREEMENT, INSURANCE, PAY, INTERN_CAP, HOST_SHARE}
    ),
    ProgramKind.ORDER_CLASS: frozenset({IDENTITY, DUPLICATE, SCHOOL, AGREEMENT, ORDER_CLASS}),
    ProgramKind.TRAINING_BASE: frozenset({IDENTITY, AGE, DUPLICATE}),
    ProgramKind.QUALITY_SPECIALTY: frozenset({AWARD}),
}


def _error(code: str, text: str, params: dict | None = None) -> Finding:
    """An error: `text` is the English source (gettext_noop: translated when shown), `params` its values."""
    return Finding(code, ERROR, text, params or {})


def _warning(code: str, text: str, params: dict | None = None) -> Finding:
    return Finding(code, WARNING, text, params or {})


def _number(value) -> str:
    """10 for Decimal('10.00'), 2.5 for Decimal('2.50')."""
    value = Decimal(value)
    text = format(value.normalize(), "f")
    return text


def _day(value: datetime.date) -> str:
    return value.isoformat()


# --- one line's values -----------------------------------------------------------------------------------------


def compact_resident_id(value: str | None) -> str:
    """Without spaces and hyphens, full-width digits made plain, a final x made X."""
    return ric.compact("".join((value or "").split()).replace("-", ""))


@dataclass(frozen=True)
class IdentityCheck:
    number: str  # compacted
    birth_date: datetime.date | None
    division_code: str | None
    findings: tuple[Finding, ...]


def check_resident_id(
    value: str, *, known_divisions: set[str] | frozenset[str] | None = None
) -> IdentityCheck:
    """Format, check digit (GB 11643-1999, via python-stdnum), birth date and division code (the members'
    GB/T 2260 table, current and withdrawn codes alike: an ID keeps the code of where and when it was issued).

    `known_divisions`: the codes known, when the caller looked them up for many lines at once; otherwise
    one query."""
    number = compact_resident_id(value)
    if not number:
        return IdentityCheck(
            "", None, None, (_error("id_missing", gettext_noop("The resident ID number is missing.")),)
        )
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdentityCheck(number, None, None, (_error(
            "id_format", gettext_noop("The resident ID number must have 17 digits and a check digit or X (18 characters; "
                                      "%(length)d given)."), {"length": len(number)},
        ),))  # fmt: skip
    if number[17] != ric.calc_check_digit(number):
        return IdentityCheck(number, None, None, (_error(
            "id_check_digit", gettext_noop("The check digit of the resident ID number does not match: a digit was probably "
                                           "mistyped."),
        ),))  # fmt: skip
    findings = []
    try:
        birth = ric.get_birth_date(number)
    except Exception:  # stdnum's InvalidComponent: no such day
        birth = None
    if birth is None or birth.year < 1900 or birth > timezone.localdate():
        birth = None
        findings.append(_error(
            "id_birth_date", gettext_noop("The birth date in the resident ID number (%(digits)s) is not a valid date."),
            {"digits": number[6:14]},
        ))  # fmt: skip
    division = number[:6]
    known = (
        (division in known_divisions)
        if known_divisions is not None
        else Division.objects.filter(code=division).exists()
    )
    if not known:
        findings.append(_error(
            "id_division", gettext_noop("The first six digits of the resident ID number (%(code)s) are not a known division "
                                        "code."), {"code": division},
        ))  # fmt: skip
    return IdentityCheck(number, birth, division, tuple(findings))


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Full years: one turns 16 on the 16th birthday (29 February birthdays on 1 March in other years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _defaults_version() -> ProgramVersion:
    return ProgramVersion(**KIND_DEFAULTS[ProgramKind.INTERNSHIP_POST])


def check_line_values(
    *, resident_id: str = "", starts_on: datetime.date | None = None, ends_on: datetime.date | None = None,
    school=None, agreement_number: str = "", insurance_policy_number: str = "", monthly_pay=None,
    award_level: str = "", program_kind: str = ProgramKind.INTERNSHIP_POST, version: ProgramVersion | None = None,
    period: Period | None = None, known_divisions=None, groups: set[str] | frozenset[str] | None = None,
    order_class=None, enterprise_id: int | None = None,
) -> list[Finding]:  # fmt: skip
    """The findings of one line's own values (no other line or claim involved), for a form or an import row.

    `version` gives the rules (the defaults of an internship post subsidy when None), `period` the dates to stay
    inside (not checked when None), `groups` limits the checks to some groups (e.g. {"identity"}). An order-class
    line names its class (`order_class`, a cooperation record; `enterprise_id` the claiming enterprise)."""
    findings, _birth = _line_findings(
        resident_id=resident_id, starts_on=starts_on, ends_on=ends_on, school=school,
        agreement_number=agreement_number, insurance_policy_number=insurance_policy_number,
        monthly_pay=monthly_pay, award_level=award_level, version=version or _defaults_version(), period=period,
        known_divisions=known_divisions, groups=KIND_CHECKS[program_kind] & (groups or KIND_CHECKS[program_kind]),
        order_class=order_class, enterprise_id=enterprise_id,
    )  # fmt: skip
    return findings


def _line_findings(
    *, resident_id, starts_on, ends_on, school, agreement_number, insurance_policy_number, monthly_pay,
    award_level, version: ProgramVersion, period: Period | None, known_divisions, groups, order_class=None,
    enterprise_id=None,
) -> tuple[list[Finding], datetime.date | None]:  # fmt: skip
    findings: list[Finding] = []
    birth = None
    if ORDER_CLASS in groups:
        # The graduate's school is the class's; without a class, choosing one gives the school too.
        class_findings = order_class_findings(order_class, enterprise_id, period)
        findings.extend(class_findings)
        if order_class is not None:
            school = order_class.school
        if school is None and any(f.code == "order_class_missing" for f in class_findings):
            groups = groups - {SCHOOL}
    if IDENTITY in groups:
        identity = check_resident_id(resident_id, known_divisions=known_divisions)
        findings.extend(identity.findings)
        birth = identity.birth_date
    if AGE in groups and birth is not None:
        day = starts_on or (period.starts_on if period is not None else None)
        if day is not None and age_on(birth, day) < version.min_age:
            findings.append(_error(
                "too_young", gettext_noop("The student is %(age)d on %(date)s, younger than %(min_age)d."),
                {"age": age_on(birth, day), "date": _day(day), "min_age": version.min_age},
            ))  # fmt: skip
    if DATES in groups:
        findings.extend(_date_findings(starts_on, ends_on, period))
    if DURATION in groups and starts_on and ends_on and ends_on >= starts_on:
        days = (ends_on - starts_on).days + 1
        if days < version.min_duration_days:
            findings.append(_error(
                "too_short", gettext_noop("The internship lasts %(days)d days, shorter than the minimum of %(min)d days."),
                {"days": days, "min": version.min_duration_days},
            ))  # fmt: skip
    if SCHOOL in groups:
        findings.extend(_school_findings(school, version))
    if AGREEMENT in groups and not (agreement_number or "").strip():
        findings.append(
            _error("agreement_missing", gettext_noop("The tripartite agreement number is missing."))
        )
    if INSURANCE in groups and not (insurance_policy_number or "").strip():
        findings.append(
            _error(
                "insurance_missing",
                gettext_noop("The internship liability insurance policy number is missing."),
            )
        )
    if PAY in groups:
        if monthly_pay is None or monthly_pay == "":
            findings.append(_warning("pay_missing", gettext_noop("The monthly pay is missing.")))
        elif Decimal(monthly_pay) <= 0:
            findings.append(_error("pay_not_positive", gettext_noop("Interns must be paid: the monthly pay is %(pay)s."),
                                   {"pay": _number(monthly_pay)}))  # fmt: skip
    if AWARD in groups and not award_level:
        findings.append(
            _error("award_level_missing", gettext_noop("Give the award level (national or provincial)."))
        )
    return findings, birth


def _date_findings(starts_on, ends_on, period: Period | None) -> list[Finding]:
    if not starts_on or not ends_on:
        return [_error("dates_missing", gettext_noop("Give the start and the end date."))]
    if ends_on < starts_on:
        return [_error("dates_order", gettext_noop("The end date %(end)s is before the start date %(start)s."),
                       {"end": _day(ends_on), "start": _day(starts_on)})]  # fmt: skip
    if period is not None and (starts_on < period.starts_on or ends_on > period.ends_on):
        return [_error(
            "dates_outside_period", gettext_noop("%(start)s – %(end)s is not inside %(period)s (%(period_start)s – "
                                                 "%(period_end)s)."),
            {"start": _day(starts_on), "end": _day(ends_on), "period": period.name,
               "period_start": _day(period.starts_on), "period_end": _day(period.ends_on)},
        )]  # fmt: skip
    return []


def _school_findings(school, version: ProgramVersion) -> list[Finding]:
    if school is None:
        return [_error("school_missing", gettext_noop("Choose the student's school."))]
    if school.kind not in MemberKind.school_kinds():
        return [_error("school_not_school", gettext_noop("%(unit)s is not a school."), {"unit": school.name})]
    findings = []
    if school.status not in CURRENT_MEMBER_STATUSES:
        findings.append(_error(
            "school_not_member", gettext_noop("%(school)s is not a current member of the alliance (%(status)s)."),
            {"school": school.name, "status": label("member_status", school.status)},
        ))  # fmt: skip
    if version.school_scope == SchoolScope.TECHNICAL_SCHOOLS and school.kind != MemberKind.TECHNICAL_SCHOOL:
        findings.append(_error(
            "school_out_of_scope", gettext_noop("Only students of member technical schools count; %(school)s is a %(kind)s."),
            {"school": school.name, "kind": label("member_kind", school.kind)},
        ))  # fmt: skip
    return findings


# --- order classes ------------------------------------------------------------------------------------------------

# Graduates leave school at the end of June of their graduation year.
GRADUATION_MONTH_DAY = (6, 30)


def graduation_day(year: int) -> datetime.date:
    return datetime.date(year, *GRADUATION_MONTH_DAY)


def graduates_in_time(year: int, period: Period) -> bool:
    """Whether graduates of `year` are claimed for in `period`: it ends after they graduated (30 June of that year)
    and starts at most a year after. A period of 2025–2026 takes the class of 2026 in its second semester or as a
    year (graduated in June 2026), and the class of 2025 in either semester (employed since the summer before)."""
    graduated = graduation_day(year)
    return period.ends_on >= graduated and period.starts_on <= graduation_day(year + 1)


def order_class_findings(record, enterprise_id: int | None, period: Period | None) -> list[Finding]:
    """One order-class line's class: given, one of the claiming enterprise's order or named classes, in force or
    completed (events.services.cooperation.SUBSIDY_STATUSES), graduating in time for the period."""
    if record is None:
        return [_error("order_class_missing", gettext_noop(
            "Choose the order or named class the graduate comes from: one of your enterprise's classes in the "
            "alliance's cooperation records (the secretariat records them)."
        ))]  # fmt: skip
    name = record.class_label
    if record.kind not in CooperationKind.class_kinds() or (
        enterprise_id is not None and record.enterprise_id != enterprise_id
    ):
        return [_error(
            "order_class_missing", gettext_noop("%(class)s is not an order or named class of the claiming enterprise."),
            {"class": name},
        )]  # fmt: skip
    findings = []
    if record.status not in SUBSIDY_STATUSES:
        findings.append(_error(
            "order_class_not_active", gettext_noop("The order class %(class)s is “%(status)s”: only graduates of classes in "
                                                   "force or completed are subsidised."),
            {"class": name, "status": label("cooperation_status", record.status)},
        ))  # fmt: skip
    year = record.graduation_year
    if year is None:
        findings.append(_warning(
            "order_class_graduation_year", gettext_noop("The graduation year of %(class)s is not recorded: the secretariat "
                                                        "completes the cooperation record."),
            {"class": name},
        ))  # fmt: skip
    elif period is not None and not graduates_in_time(year, period):
        findings.append(_error(
            "order_class_graduation_year", gettext_noop(
                "%(class)s graduates in %(year)s; %(period)s (%(start)s – %(end)s) takes the graduates of classes "
                "that left school (30 June) before the period ends and at most a year before it starts."),
            {"class": name, "year": str(year), "period": period.name, "start": _day(period.starts_on),
             "end": _day(period.ends_on)},
        ))  # fmt: skip
    return findings


def _order_class_numbers(claim: Claim, lines: list[ClaimLine], result) -> None:
    """No more graduates claimed for a class than it employed under the agreement (`graduates_employed`): its
    graduates on other submitted claims count first (they were claimed before), then this claim's lines in
    position order; each line beyond the number is an error. A class without the number recorded: a warning on
    its lines. Lines rejected or denied do not count; a student is counted once. One query."""
    counted = [
        line for line in lines
        if line.order_class_id and _counted(line) and line.order_class.enterprise_id == claim.enterprise_id
        and line.order_class.kind in CooperationKind.class_kinds()
    ]  # fmt: skip
    if not counted:
        return
    elsewhere: dict[int, set[str]] = defaultdict(set)
    others = (
        ClaimLine.objects.filter(
            order_class_id__in={line.order_class_id for line in counted},
            claim__first_submitted_at__isnull=False,
        )
        .exclude(claim_id=claim.pk)
        .exclude(claim__status=ClaimStatus.REJECTED)
        .exclude(review=LineReview.REJECTED)
        .exclude(school_decision=SchoolDecision.DENIED)
        .values_list("order_class_id", "resident_id_hash", "pk")
    )
    for class_id, key, pk in others:
        elsewhere[class_id].add(key or f"line-{pk}")
    mine: dict[int, dict[str, int]] = defaultdict(dict)
    for line in counted:
        key = line.resident_id_hash or f"line-{line.pk}"
        if key not in elsewhere[line.order_class_id]:
            mine[line.order_class_id].setdefault(key, len(mine[line.order_class_id]) + 1)
    for line in counted:
        record = line.order_class
        employed = record.graduates_employed
        name = record.class_label
        if employed is None:
            result[line.pk].append(_warning(
                "order_class_over_employed", gettext_noop("The number of graduates %(class)s employed under the agreement is "
                                                          "not recorded: the secretariat records it before approving."),
                {"class": name},
            ))  # fmt: skip
            continue
        key = line.resident_id_hash or f"line-{line.pk}"
        rank = mine[record.pk].get(key)
        if rank is None:
            continue  # the student is on another claim of the class already: counted there
        before = len(elsewhere[record.pk])
        if before + rank > employed:
            result[line.pk].append(_error(
                "order_class_over_employed", gettext_noop(
                    "%(class)s employed %(employed)d graduates under the agreement; %(claimed)d are claimed "
                    "(%(elsewhere)d on other claims): this line is beyond that number."),
                {"class": name, "employed": employed, "claimed": before + len(mine[record.pk]),
                 "elsewhere": before},
            ))  # fmt: skip


# --- a whole claim ---------------------------------------------------------------------------------------------


def _counted(line: ClaimLine) -> bool:
    """A line still counting as an intern: not rejected by the reviewer, not denied by the school."""
    return line.review != LineReview.REJECTED and line.school_decision != SchoolDecision.DENIED


def _load(claim: Claim):
    claim = Claim.objects.select_related("program", "period", "enterprise", "program_version").get(
        pk=claim.pk
    )
    version = version_for_claim(claim)
    related = ["school"]
    if ORDER_CLASS in KIND_CHECKS.get(claim.program.kind, ()):
        related += ["order_class", "order_class__school"]
    lines = list(ClaimLine.objects.filter(claim=claim).select_related(*related).order_by("position", "pk"))
    return claim, version, lines


def _run(claim: Claim) -> tuple[dict[int, list[Finding]], list[ClaimLine]]:
    claim, version, lines = _load(claim)
    groups = KIND_CHECKS.get(claim.program.kind, frozenset())
    result: dict[int, list[Finding]] = {CLAIM: []}
    claim_level = result[CLAIM]
    if version is None:
        claim_level.append(_error(
            "no_version", gettext_noop("%(program)s has no rules in force on %(date)s: the secretariat must add a version."),
            {"program": claim.program.name, "date": _day(claim.period.starts_on)},
        ))  # fmt: skip
    enterprise = claim.enterprise
    if enterprise.status not in CURRENT_MEMBER_STATUSES:
        claim_level.append(_error(
            "enterprise_not_member", gettext_noop("%(unit)s is not a current member of the alliance (%(status)s)."),
            {"unit": enterprise.name, "status": label("member_status", enterprise.status)},
        ))  # fmt: skip
    if not lines:
        claim_level.append(_error("no_lines", gettext_noop("The claim has no lines.")))

    identities = {
        line.pk: (decrypt(line.resident_id_encrypted) if IDENTITY in groups else "") for line in lines
    }
    codes = {compact_resident_id(value)[:6] for value in identities.values() if value}
    known = set(Division.objects.filter(code__in=codes).values_list("code", flat=True)) if codes else set()
    rules = version or _defaults_version()
    for line in lines:
        findings, _birth = _line_findings(
            resident_id=identities[line.pk], starts_on=line.starts_on, ends_on=line.ends_on, school=line.school,
            agreement_number=line.agreement_number, insurance_policy_number=line.insurance_policy_number,
            monthly_pay=line.monthly_pay, award_level=line.award_level, version=rules, period=claim.period,
            known_divisions=known, groups=groups, enterprise_id=claim.enterprise_id,
            order_class=line.order_class if ORDER_CLASS in groups else None,
        )  # fmt: skip
        result[line.pk] = findings

    if DUPLICATE in groups:
        _duplicates(claim, rules, lines, result)
    if ORDER_CLASS in groups:
        _order_class_numbers(claim, lines, result)
    if version is not None and (INTERN_CAP in groups or HOST_SHARE in groups):
        _shares(claim, version, lines, result, groups)
    return result, lines


def _duplicates(claim: Claim, version: ProgramVersion, lines: list[ClaimLine], result) -> None:
    """One student once per program and period: within the claim always an error (on every line after the
    first); across the alliance's other claims as the program says (`duplicate_student_policy`)."""
    first_position: dict[str, int] = {}
    for line in lines:
        key = line.resident_id_hash
        if not key:
            continue
        if key in first_position:
            result[line.pk].append(_error(
                "duplicate_in_claim", gettext_noop("This student is already on line %(position)d of this claim."),
                {"position": first_position[key]},
            ))  # fmt: skip
        else:
            first_position[key] = line.position
    if not first_position:
        return
    # Other claims of the program and period that were submitted (drafts are not claims yet) and not rejected;
    # their lines count unless the reviewer rejected them or the school denied the student.
    others = (
        ClaimLine.objects.filter(
            claim__program_id=claim.program_id, claim__period_id=claim.period_id,
            claim__first_submitted_at__isnull=False,
            resident_id_hash__in=ClaimLine.objects.filter(claim_id=claim.pk).exclude(resident_id_hash="")
            .values("resident_id_hash"),
        )
        .exclude(claim_id=claim.pk)
        .exclude(claim__status=ClaimStatus.REJECTED)
        .exclude(review=LineReview.REJECTED)
        .exclude(school_decision=SchoolDecision.DENIED)
        .values_list("resident_id_hash", "claim_id", "claim__first_submitted_at")
    )  # fmt: skip
    claimed_elsewhere: dict[str, list[tuple]] = defaultdict(list)
    for key, claim_id, submitted in others:
        claimed_elsewhere[key].append((submitted, claim_id))
    if not claimed_elsewhere:
        return
    first_wins = version.duplicate_student_policy == DuplicateStudentPolicy.FIRST_SUBMITTED_WINS
    mine = claim.first_submitted_at
    for line in lines:
        competitors = claimed_elsewhere.get(line.resident_id_hash)
        if not competitors:
            continue
        if not first_wins:
            result[line.pk].append(_warning(
                "duplicate_other_claim", gettext_noop("Another enterprise claims this student too under this program and "
                                                      "period; the secretariat decides which claim keeps the student."),
            ))  # fmt: skip
            continue
        earlier = any(
            mine is None or (submitted, claim_id) < (mine, claim.pk) for submitted, claim_id in competitors
        )
        if earlier:
            result[line.pk].append(_error(
                "duplicate_other_claim", gettext_noop("Another enterprise claimed this student first under this program and "
                                                      "period; the first submitted claim keeps the student."),
            ))  # fmt: skip


def _shares(claim: Claim, version: ProgramVersion, lines: list[ClaimLine], result, groups) -> None:
    """Interns ≤ max_intern_share % of the employees; enterprises above designated size host ≥ min_host_share %."""
    employees = claim.enterprise.employee_count
    if not employees:
        result[CLAIM].append(_error(
            "employee_count_missing", gettext_noop("%(unit)s has not given its number of employees: complete the unit's "
                                                   "profile so that the share of interns can be checked."),
            {"unit": claim.enterprise.name},
        ))  # fmt: skip
        return
    # Interns: distinct students still counting, in line order.
    order: dict[str, int] = {}
    line_rank: dict[int, int] = {}
    for line in lines:
        if not _counted(line):
            continue
        key = line.resident_id_hash or f"line-{line.pk}"
        if key not in order:
            order[key] = len(order) + 1
        line_rank[line.pk] = order[key]
    interns = len(order)
    if INTERN_CAP in groups:
        share = version.max_intern_share
        limit = int((Decimal(employees) * share / 100).to_integral_value(rounding=ROUND_FLOOR))
        if interns > limit:
            text = gettext_noop(
                "Interns (%(interns)d) exceed %(share)s%% of the employees (%(employees)d): at most "
                "%(limit)d."
            )
            params = {"interns": interns, "share": _number(share), "employees": employees, "limit": limit}
            whole_claim = version.intern_cap_policy == InternCapPolicy.REJECT_CLAIM
            for line in lines:
                if whole_claim or line_rank.get(line.pk, 0) > limit:
                    result[line.pk].append(_error("intern_cap", text, params))
    if HOST_SHARE in groups and claim.enterprise.above_designated_size:
        share = version.min_host_share
        minimum = int((Decimal(employees) * share / 100).to_integral_value(rounding=ROUND_CEILING))
        if interns < minimum:
            text = gettext_noop(
                "An enterprise above designated size hosts interns for at least %(share)s%% of its "
                "employees (%(employees)d), i.e. %(minimum)d; this claim has %(interns)d."
            )
            params = {"share": _number(share), "employees": employees, "minimum": minimum, "interns": interns}
            ineligible = version.min_host_share_effect == MinimumShareEffect.INELIGIBLE
            result[CLAIM].append(
                _error("host_share_below_minimum", text, params) if ineligible
                else _warning("host_share_below_minimum", text, params)
            )  # fmt: skip


def check_claim(claim: Claim) -> dict[int, list[Finding]]:
    """Findings of every line of the claim (by line pk) and of the claim itself (key 0)."""
    return _run(claim)[0]


def refresh_claim_checks(claim: Claim) -> CheckSummary:
    """Check the claim and store each line's findings (`problems`, `has_errors`) with one bulk update."""
    with transaction.atomic():
        findings, lines = _run(claim)
        claim_level = findings[CLAIM]
        changed = []
        for line in lines:
            stored = [f.as_dict() for f in (*findings[line.pk], *claim_level)]
            has_errors = any(item["severity"] == ERROR for item in stored)
            # Only what the findings say counts as a change, not the language their message was rendered in (a
            # reviewer reading in English after an enterprise checked in Chinese rewrites nothing).
            said = [stored_key(item) for item in line.problems or []]
            if said != [stored_key(item) for item in stored] or line.has_errors != has_errors:
                line.problems, line.has_errors = stored, has_errors
                changed.append(line)
        if changed:
            ClaimLine.objects.bulk_update(changed, ["problems", "has_errors"])
    return summarise(findings)


def summarise(findings: dict[int, list[Finding]]) -> CheckSummary:
    line_findings = [items for key, items in findings.items() if key != CLAIM]
    claim_level = tuple(findings.get(CLAIM, ()))
    everything = [f for items in line_findings for f in items] + list(claim_level)
    return CheckSummary(
        errors=sum(f.is_error for f in everything),
        warnings=sum(not f.is_error for f in everything),
        lines=len(line_findings),
        lines_with_errors=sum(any(f.is_error for f in items) for items in line_findings)
        if not any(f.is_error for f in claim_level)
        else len(line_findings),
        claim_findings=claim_level,
        findings=findings,
    )

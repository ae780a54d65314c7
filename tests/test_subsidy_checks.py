"""Compliance checks of claims (subsidies/checks.py): every check, each program setting both ways, the kinds of
program, versions, the duplicate student across enterprises (by keyed hash), constant queries, and property tests
of the resident ID check digit."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from alliances.personal_data import encrypt, keyed_hash, mask_resident_id
from members.models import MemberKind, MemberStatus
from subsidies.checks import (
    CHECKS,
    CLAIM,
    KIND_CHECKS,
    Finding,
    age_on,
    check_claim,
    check_line_values,
    check_resident_id,
    refresh_claim_checks,
)
from subsidies.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    DuplicateStudentPolicy,
    InternCapPolicy,
    LineReview,
    MinimumShareEffect,
    ProgramKind,
    SchoolDecision,
    SchoolScope,
    SpecialtyLevelAward,
)
from subsidies.services.programs import create_period, create_program, create_program_version

from .factories import make_unit

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
START = datetime.date(2024, 9, 2)
END = datetime.date(2025, 1, 20)


def make_id(
    birth: datetime.date = datetime.date(2005, 1, 1), division: str = "370303", seq: int | None = None
) -> str:
    """A valid resident ID number (GB 11643-1999) for a birth date and division code."""
    seq = next(_numbers) % 1000 if seq is None else seq
    body = f"{division}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


class World:
    """An alliance with an internship program, a semester, enterprises and a technical school."""

    def __init__(self, alliance, kind=ProgramKind.INTERNSHIP_POST, **version_fields):
        self.alliance = alliance
        self.program = create_program(
            alliance, kind=kind, code=f"p-{next(_numbers)}", name="顶岗实习补助", effective_from=datetime.date(2024, 1, 1),
            **version_fields,
        )  # fmt: skip
        self.version = self.program.versions.get()
        self.period = create_period(
            alliance,
            kind="semester",
            academic_year=2024,
            semester=1,
            name=f"2024–2025学年第一学期·{next(_numbers)}",
        )
        self.school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name=f"淄博技师学院{next(_numbers)}")

    def enterprise(self, employees=300, above=False, name=None, **extra):
        return make_unit(
            self.alliance, MemberKind.ENTERPRISE, name=name or f"淄博精密制造有限公司{next(_numbers)}",
            employee_count=employees, above_designated_size=above, **extra,
        )  # fmt: skip

    def claim(self, enterprise=None, *, status=ClaimStatus.DRAFT, submitted_at=None, version=None):
        enterprise = enterprise or self.enterprise()
        return Claim.objects.create(
            alliance=self.alliance, program=self.program, period=self.period, enterprise=enterprise,
            number=f"BT-{next(_numbers):06d}", status=status, submitted_at=submitted_at,
            first_submitted_at=submitted_at, program_version=version,
        )  # fmt: skip

    def line_values(self, claim, position, ident=None, **fields):
        ident = ident or make_id()
        values = {
            "alliance": self.alliance, "claim": claim, "position": position, "student_name": f"学生{position}",
            "resident_id_encrypted": encrypt(ident), "resident_id_hash": keyed_hash(ident),
            "resident_id_masked": mask_resident_id(ident), "school": self.school, "specialty": "数控技术",
            "post": "数控操作工", "starts_on": START, "ends_on": END, "agreement_number": f"XY-{position}",
            "insurance_policy_number": f"BX-{position}", "monthly_pay": Decimal("3000.00"),
        }  # fmt: skip
        values.update(fields)
        return values

    def line(self, claim, position=1, ident=None, **fields):
        return ClaimLine.objects.create(**self.line_values(claim, position, ident, **fields))

    def lines(self, claim, count, **fields):
        return ClaimLine.objects.bulk_create(
            [ClaimLine(**self.line_values(claim, n, **fields)) for n in range(1, count + 1)]
        )


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def severities(findings) -> dict[str, str]:
    return {f.code: f.severity for f in findings}


@pytest.fixture
def world(alliance):
    return World(alliance)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- the resident ID number ------------------------------------------------------------------------------------


def test_a_valid_id_passes_and_gives_the_birth_date():
    result = check_resident_id(make_id(datetime.date(2006, 3, 15)))
    assert result.findings == () and result.birth_date == datetime.date(2006, 3, 15)
    assert result.division_code == "370303"


def test_spaces_hyphens_and_a_small_x_are_accepted():
    ident = next(make_id(seq=n) for n in range(1000) if make_id(seq=n).endswith("X"))
    spaced = f"{ident[:6]} {ident[6:14]}-{ident[14:].lower()}"
    assert check_resident_id(spaced).findings == ()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_missing"),
        ("37030320050101123", "id_format"),
        ("3703032005010112345", "id_format"),
        ("37030320050101A234", "id_format"),
    ],
)
def test_malformed_ids(value, code):
    assert codes(check_resident_id(value).findings) == [code]


def test_a_wrong_check_digit():
    ident = make_id()
    wrong = ident[:-1] + ("0" if ident[-1] != "0" else "1")
    finding = check_resident_id(wrong).findings[0]
    assert finding.code == "id_check_digit" and finding.severity == "error"


def test_an_impossible_birth_date():
    body = "370303" + "20050230" + "123"
    assert codes(check_resident_id(body + ric.calc_check_digit(body + "0")).findings) == ["id_birth_date"]


def test_an_unknown_division_code_and_a_withdrawn_one():
    unknown = check_resident_id(make_id(division="999999")).findings
    assert codes(unknown) == ["id_division"] and "999999" in unknown[0].message
    # 110221 (北京市昌平县) was withdrawn; IDs issued there keep it and stay valid.
    assert check_resident_id(make_id(datetime.date(1980, 5, 1), division="110221")).findings == ()


ID_BODIES = st.builds(
    lambda division, day, seq: (division, day, seq),
    st.sampled_from(["370303", "370302", "370305", "110101", "110221", "320602"]),
    st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2012, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
KNOWN = frozenset({"370303", "370302", "370305", "110101", "110221", "320602"})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=ID_BODIES, data=st.data())
def test_property_valid_ids_pass_and_any_single_digit_change_fails(parts, data):
    division, day, seq = parts
    ident = make_id(day, division, seq)
    assert check_resident_id(ident, known_divisions=KNOWN).findings == ()
    position = data.draw(st.integers(min_value=0, max_value=17))
    current = ident[position]
    choices = [c for c in "0123456789" + ("X" if position == 17 else "") if c != current]
    changed = ident[:position] + data.draw(st.sampled_from(choices)) + ident[position + 1 :]
    assert codes(check_resident_id(changed, known_divisions=KNOWN).findings)[:1] == ["id_check_digit"]


# --- age, dates, duration ----------------------------------------------------------------------------------------


def test_age_counts_full_years():
    assert age_on(datetime.date(2008, 9, 2), datetime.date(2024, 9, 2)) == 16
    assert age_on(datetime.date(2008, 9, 3), datetime.date(2024, 9, 2)) == 15
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2024, 2, 28)) == 15
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2024, 2, 29)) == 16


def test_sixteenth_birthday_exactly_at_the_start_passes_the_day_before_fails(world):
    claim = world.claim(world.enterprise())
    on_the_day = world.line(claim, 1, make_id(datetime.date(2008, 9, 2)))  # 16 on 2024-09-02
    too_young = world.line(claim, 2, make_id(datetime.date(2008, 9, 3)))  # 16 on 2024-09-03
    findings = check_claim(claim)
    assert "too_young" not in codes(findings[on_the_day.pk])
    [finding] = [f for f in findings[too_young.pk] if f.code == "too_young"]
    assert finding.severity == "error" and "15" in finding.message and "16" in finding.message


def test_the_minimum_age_is_the_version_setting(alliance):
    world = World(alliance, min_age=18)
    claim = world.claim(world.enterprise())
    line = world.line(claim, 1, make_id(datetime.date(2007, 1, 1)))  # 17 at the start
    assert "too_young" in codes(check_claim(claim)[line.pk])


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "code"),
    [
        (None, END, "dates_missing"),
        (START, None, "dates_missing"),
        (END, START, "dates_order"),
        (datetime.date(2024, 8, 20), END, "dates_outside_period"),
        (START, datetime.date(2025, 2, 10), "dates_outside_period"),
        (datetime.date(2024, 9, 1), datetime.date(2025, 1, 31), None),
    ],
)
def test_dates_inside_the_period(world, starts_on, ends_on, code):
    claim = world.claim(world.enterprise())
    line = world.line(claim, starts_on=starts_on, ends_on=ends_on)
    date_codes = [c for c in codes(check_claim(claim)[line.pk]) if c.startswith("dates")]
    assert date_codes == ([code] if code else [])


def test_minimum_duration_counts_both_ends(world):
    claim = world.claim(world.enterprise())
    thirty = world.line(claim, 1, starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2024, 9, 30))
    twenty_nine = world.line(
        claim, 2, starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2024, 9, 29)
    )
    findings = check_claim(claim)
    assert "too_short" not in codes(findings[thirty.pk])
    [short] = [f for f in findings[twenty_nine.pk] if f.code == "too_short"]
    assert "29" in short.message and "30" in short.message


# --- duplicates ----------------------------------------------------------------------------------------------


def test_a_student_twice_in_one_claim_is_always_an_error(world):
    claim = world.claim(world.enterprise())
    ident = make_id()
    first, second = world.line(claim, 1, ident), world.line(claim, 2, ident)
    findings = check_claim(claim)
    assert "duplicate_in_claim" not in codes(findings[first.pk])
    [finding] = [f for f in findings[second.pk] if f.code == "duplicate_in_claim"]
    assert finding.severity == "error" and "1" in finding.message


def _two_claims(world, policy, first_at, second_at=None):
    world.version.duplicate_student_policy = policy
    world.version.save()
    ident = make_id()
    earlier = world.claim(
        world.enterprise(name="先申报企业"), status=ClaimStatus.SUBMITTED, submitted_at=first_at
    )
    later = world.claim(
        world.enterprise(name="后申报企业"),
        status=ClaimStatus.SUBMITTED if second_at else ClaimStatus.DRAFT,
        submitted_at=second_at,
    )
    return earlier, world.line(earlier, 1, ident), later, world.line(later, 1, ident)


def test_flag_both_warns_on_both_claims_without_naming_the_other_enterprise(world):
    at = timezone.now()
    earlier, earlier_line, later, later_line = _two_claims(
        world, DuplicateStudentPolicy.FLAG_BOTH, at, at + datetime.timedelta(hours=1)
    )
    for claim, line in ((earlier, earlier_line), (later, later_line)):
        [finding] = [f for f in check_claim(claim)[line.pk] if f.code == "duplicate_other_claim"]
        assert finding.severity == "warning"
        assert "先申报" not in finding.message and "后申报" not in finding.message
        assert earlier.number not in finding.message and later.number not in finding.message


def test_flag_both_reaches_the_other_claim_the_next_time_it_is_checked(world):
    earlier, earlier_line, later, later_line = _two_claims(
        world, DuplicateStudentPolicy.FLAG_BOTH, timezone.now()
    )
    # The later claim is still a draft: it sees the submitted one, the submitted one does not see a draft.
    assert "duplicate_other_claim" in codes(check_claim(later)[later_line.pk])
    refresh_claim_checks(earlier)
    earlier_line.refresh_from_db()
    assert earlier_line.problems == []
    Claim.objects.filter(pk=later.pk).update(status=ClaimStatus.SUBMITTED, first_submitted_at=timezone.now())
    refresh_claim_checks(earlier)
    earlier_line.refresh_from_db()
    assert [p["code"] for p in earlier_line.problems] == ["duplicate_other_claim"]
    assert earlier_line.problems[0]["severity"] == "warning" and earlier_line.has_errors is False


def test_first_submitted_wins_errs_on_the_later_claim_only(world):
    at = timezone.now()
    earlier, earlier_line, later, later_line = _two_claims(
        world, DuplicateStudentPolicy.FIRST_SUBMITTED_WINS, at, at + datetime.timedelta(minutes=5)
    )
    assert "duplicate_other_claim" not in codes(check_claim(earlier)[earlier_line.pk])
    assert severities(check_claim(later)[later_line.pk])["duplicate_other_claim"] == "error"


def test_first_submitted_wins_a_claim_not_yet_submitted_loses(world):
    earlier, earlier_line, later, later_line = _two_claims(
        world, DuplicateStudentPolicy.FIRST_SUBMITTED_WINS, timezone.now()
    )
    [finding] = [f for f in check_claim(later)[later_line.pk] if f.code == "duplicate_other_claim"]
    assert finding.severity == "error" and "先申报" not in finding.message


def test_rejected_claims_and_lines_and_denied_students_do_not_count(world):
    at = timezone.now()
    earlier, earlier_line, later, later_line = _two_claims(
        world, DuplicateStudentPolicy.FIRST_SUBMITTED_WINS, at, at + datetime.timedelta(minutes=5)
    )
    for change in ({"review": LineReview.REJECTED}, {"school_decision": SchoolDecision.DENIED}):
        ClaimLine.objects.filter(pk=earlier_line.pk).update(**change)
        assert "duplicate_other_claim" not in codes(check_claim(later)[later_line.pk])
        ClaimLine.objects.filter(pk=earlier_line.pk).update(
            review=LineReview.PENDING, school_decision="pending"
        )
    Claim.objects.filter(pk=earlier.pk).update(status=ClaimStatus.REJECTED)
    assert "duplicate_other_claim" not in codes(check_claim(later)[later_line.pk])


def test_other_programs_periods_and_alliances_do_not_count(world, other_alliance):
    ident = make_id()
    claim = world.claim(world.enterprise())
    line = world.line(claim, 1, ident)
    other_program = World(world.alliance)
    other = other_program.claim(status=ClaimStatus.SUBMITTED, submitted_at=timezone.now())
    other_program.line(other, 1, ident)
    elsewhere = World(other_alliance)
    far = elsewhere.claim(status=ClaimStatus.SUBMITTED, submitted_at=timezone.now())
    elsewhere.line(far, 1, ident)
    assert "duplicate_other_claim" not in codes(check_claim(claim)[line.pk])


def test_duplicates_are_matched_by_the_keyed_hash_only(world):
    """The other claim's ciphertext differs (a fresh encryption) and is never compared: only the hash is."""
    ident = make_id()
    at = timezone.now()
    other = world.claim(status=ClaimStatus.SUBMITTED, submitted_at=at)
    world.line(other, 1, ident, resident_id_encrypted=encrypt("000000000000000000"))
    claim = world.claim()
    line = world.line(claim, 1, ident)
    assert "duplicate_other_claim" in codes(check_claim(claim)[line.pk])


# --- interns and employees ------------------------------------------------------------------------------------


def test_interns_above_ten_percent_reject_the_excess_lines_in_position_order(world):
    claim = world.claim(world.enterprise(employees=300))
    lines = world.lines(claim, 34)
    findings = check_claim(claim)
    flagged = [line.position for line in lines if "intern_cap" in codes(findings[line.pk])]
    assert flagged == [31, 32, 33, 34]
    [message] = {f.message for f in findings[lines[-1].pk] if f.code == "intern_cap"}
    assert "34" in message and "300" in message and "10%" in message and "30" in message


def test_interns_above_the_limit_reject_the_whole_claim_under_that_setting(alliance):
    world = World(alliance, intern_cap_policy=InternCapPolicy.REJECT_CLAIM)
    claim = world.claim(world.enterprise(employees=300))
    lines = world.lines(claim, 31)
    findings = check_claim(claim)
    assert all("intern_cap" in codes(findings[line.pk]) for line in lines)


def test_interns_at_the_limit_pass(world):
    claim = world.claim(world.enterprise(employees=300))
    lines = world.lines(claim, 30)
    findings = check_claim(claim)
    assert not any("intern_cap" in codes(findings[line.pk]) for line in lines)


def test_a_rejected_line_no_longer_counts_as_an_intern(world):
    claim = world.claim(world.enterprise(employees=100))  # at most 10
    lines = world.lines(claim, 11)
    assert "intern_cap" in codes(check_claim(claim)[lines[-1].pk])
    ClaimLine.objects.filter(pk=lines[0].pk).update(review=LineReview.REJECTED)
    assert "intern_cap" not in codes(check_claim(claim)[lines[-1].pk])


def test_a_missing_employee_count_is_an_error_asking_to_complete_the_profile(world):
    claim = world.claim(world.enterprise(employees=None))
    line = world.line(claim)
    summary = refresh_claim_checks(claim)
    [finding] = summary.claim_findings
    assert finding.code == "employee_count_missing" and "profile" in finding.message
    line.refresh_from_db()
    assert line.has_errors and "employee_count_missing" in [p["code"] for p in line.problems]
    assert not summary.can_submit and summary.errors == 1


@pytest.mark.parametrize(
    ("effect", "severity"),
    [(MinimumShareEffect.INELIGIBLE, "error"), (MinimumShareEffect.WARNING, "warning")],
)
def test_the_minimum_host_share_of_enterprises_above_designated_size(alliance, effect, severity):
    world = World(alliance, min_host_share_effect=effect)
    claim = world.claim(world.enterprise(employees=300, above=True))  # 2% of 300 = 6
    world.lines(claim, 5)
    [finding] = check_claim(claim)[CLAIM]
    assert finding.code == "host_share_below_minimum" and finding.severity == severity
    assert (
        "2%" in finding.message
        and "300" in finding.message
        and "6" in finding.message
        and "5" in finding.message
    )
    world.line(claim, 6)
    assert check_claim(claim)[CLAIM] == []


def test_the_minimum_host_share_does_not_apply_below_designated_size(world):
    claim = world.claim(world.enterprise(employees=300, above=False))
    world.line(claim)
    assert check_claim(claim)[CLAIM] == []


# --- agreement, insurance, pay, school, enterprise --------------------------------------------------------------


def test_agreement_and_insurance_are_required(world):
    claim = world.claim(world.enterprise())
    line = world.line(claim, agreement_number=" ", insurance_policy_number="")
    assert {"agreement_missing", "insurance_missing"} <= set(codes(check_claim(claim)[line.pk]))


def test_missing_pay_is_a_warning_and_zero_pay_an_error(world):
    claim = world.claim(world.enterprise())
    missing = world.line(claim, 1, monthly_pay=None)
    zero = world.line(claim, 2, monthly_pay=Decimal("0"))
    findings = check_claim(claim)
    assert severities(findings[missing.pk]) == {"pay_missing": "warning"}
    assert severities(findings[zero.pk]) == {"pay_not_positive": "error"}


def test_the_school_must_be_a_current_member_school(world):
    claim = world.claim(world.enterprise())
    no_school = world.line(claim, 1, school=None)
    not_a_school = world.line(claim, 2, school=world.enterprise())
    withdrawn = world.line(
        claim,
        3,
        school=make_unit(world.alliance, MemberKind.SECONDARY_VOCATIONAL, status=MemberStatus.WITHDRAWN),
    )
    suspended = world.line(
        claim, 4, school=make_unit(world.alliance, MemberKind.TECHNICAL_SCHOOL, status=MemberStatus.SUSPENDED)
    )
    findings = check_claim(claim)
    assert codes(findings[no_school.pk]) == ["school_missing"]
    assert codes(findings[not_a_school.pk]) == ["school_not_school"]
    assert codes(findings[withdrawn.pk]) == ["school_not_member"]
    assert codes(findings[suspended.pk]) == []  # suspended members are still members


@pytest.mark.parametrize(
    ("scope", "flagged"), [(SchoolScope.ALL_MEMBER_SCHOOLS, False), (SchoolScope.TECHNICAL_SCHOOLS, True)]
)
def test_which_schools_students_count(alliance, scope, flagged):
    world = World(alliance, school_scope=scope)
    claim = world.claim(world.enterprise())
    college = world.line(claim, 1, school=make_unit(alliance, MemberKind.HIGHER_VOCATIONAL))
    technical = world.line(claim, 2)
    findings = check_claim(claim)
    assert ("school_out_of_scope" in codes(findings[college.pk])) is flagged
    assert "school_out_of_scope" not in codes(findings[technical.pk])


def test_the_enterprise_must_be_a_current_member(world):
    claim = world.claim(world.enterprise(status=MemberStatus.EXPELLED))
    world.line(claim)
    assert codes(check_claim(claim)[CLAIM]) == ["enterprise_not_member"]


def test_a_claim_without_lines_cannot_be_submitted(world):
    summary = refresh_claim_checks(world.claim(world.enterprise()))
    assert codes(summary.claim_findings) == ["no_lines"] and not summary.can_submit


def test_a_clean_line_has_no_findings(world):
    claim = world.claim(world.enterprise())
    line = world.line(claim)
    summary = refresh_claim_checks(claim)
    assert summary.errors == 0 and summary.warnings == 0 and summary.can_submit and summary.lines == 1
    line.refresh_from_db()
    assert line.problems == [] and line.has_errors is False


def test_no_version_in_force(alliance):
    world = World(alliance)
    world.version.effective_from = datetime.date(2030, 1, 1)
    world.version.save()
    claim = world.claim(world.enterprise())
    world.line(claim)
    assert codes(check_claim(claim)[CLAIM]) == ["no_version"]


# --- kinds of program ------------------------------------------------------------------------------------------


def test_order_class_checks_id_duplicate_school_and_agreement_only(alliance):
    world = World(alliance, kind=ProgramKind.ORDER_CLASS)
    claim = world.claim(world.enterprise(employees=None))
    line = world.line(
        claim, 1, make_id(datetime.date(2012, 1, 1)), starts_on=None, ends_on=None, insurance_policy_number="",
        monthly_pay=None, agreement_number="", school=None,
    )  # fmt: skip
    findings = check_claim(claim)
    # No order class named: choosing it gives the school as well, so the school is not asked for separately.
    assert set(codes(findings[line.pk])) == {"agreement_missing", "order_class_missing"}
    assert findings[CLAIM] == []  # no employee count needed


def test_training_base_checks_id_age_and_duplicate_only(alliance):
    world = World(alliance, kind=ProgramKind.TRAINING_BASE)
    claim = world.claim(world.enterprise(employees=None))
    ident = make_id(datetime.date(2010, 1, 1))  # 14 at the start
    first = world.line(claim, 1, ident, school=None, agreement_number="", starts_on=None, ends_on=None)
    second = world.line(claim, 2, ident, school=None, agreement_number="", insurance_policy_number="")
    findings = check_claim(claim)
    assert codes(findings[first.pk]) == ["too_young"]  # age on the period's first day when no start date
    assert set(codes(findings[second.pk])) == {"too_young", "duplicate_in_claim"}


def test_quality_specialty_needs_only_the_award_level(alliance):
    world = World(alliance, kind=ProgramKind.QUALITY_SPECIALTY)
    claim = world.claim(world.enterprise(employees=None))
    bare = {"resident_id_encrypted": "", "resident_id_hash": "", "resident_id_masked": "", "school": None,
            "starts_on": None, "ends_on": None, "agreement_number": "", "insurance_policy_number": "",
            "monthly_pay": None}  # fmt: skip
    missing = world.line(claim, 1, **bare)
    given_level = world.line(claim, 2, award_level=SpecialtyLevelAward.NATIONAL, **bare)
    findings = check_claim(claim)
    assert codes(findings[missing.pk]) == ["award_level_missing"] and findings[given_level.pk] == []


def test_every_kind_has_its_checks_and_every_code_is_documented():
    assert set(KIND_CHECKS) == set(ProgramKind.values)
    import pathlib

    text = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text()
    for code in CHECKS:
        assert f"`{code}`" in text, f"{code} is not in docs/architecture.md"


# --- versions ------------------------------------------------------------------------------------------------


def test_a_claim_fixed_to_version_1_keeps_its_rules_after_version_2(world):
    claim = world.claim(world.enterprise(), status=ClaimStatus.SUBMITTED, submitted_at=timezone.now(),
                        version=world.version)  # fmt: skip
    line = world.line(claim, 1, make_id(datetime.date(2007, 1, 1)))  # 17 at the start
    v2 = create_program_version(world.program, effective_from=datetime.date(2024, 6, 1), min_age=18)
    claim.refresh_from_db()
    assert claim.program_version_id == world.version.pk and v2.number == 2
    assert "too_young" not in codes(check_claim(claim)[line.pk])
    # A draft is checked against the version in force on the period's first day: version 2.
    draft = world.claim(world.enterprise())
    draft_line = world.line(draft, 1, make_id(datetime.date(2007, 1, 1)))
    assert "too_young" in codes(check_claim(draft)[draft_line.pk])


# --- one line's values (forms) -------------------------------------------------------------------------------


def test_check_line_values_for_a_form(world):
    assert check_line_values(
        resident_id=make_id(), starts_on=START, ends_on=END, school=world.school, agreement_number="XY",
        insurance_policy_number="BX", monthly_pay=Decimal("2500"), period=world.period, version=world.version,
    ) == []  # fmt: skip
    findings = check_line_values(
        resident_id=make_id(datetime.date(2010, 1, 1)), starts_on=START, ends_on=START
    )
    assert {
        "too_young",
        "too_short",
        "school_missing",
        "agreement_missing",
        "insurance_missing",
        "pay_missing",
    } == set(codes(findings))
    only_identity = check_line_values(resident_id="123", groups={"identity"})
    assert codes(only_identity) == ["id_format"]
    assert isinstance(only_identity[0], Finding)


# --- storing and constant queries ----------------------------------------------------------------------------


def test_refresh_stores_findings_and_counts_them(world):
    claim = world.claim(world.enterprise(employees=20))  # at most 2 interns
    world.lines(claim, 3)
    world.line(claim, 4, monthly_pay=None)
    summary = refresh_claim_checks(claim)
    assert summary.lines == 4 and summary.errors == 2 and summary.warnings == 1 and not summary.can_submit
    assert summary.lines_with_errors == 2
    stored = {line.position: line for line in ClaimLine.objects.filter(claim=claim)}
    assert [stored[n].has_errors for n in (1, 2, 3, 4)] == [False, False, True, True]
    # Stored in no language: the English source text and its parameters (and the message as rendered then).
    assert stored[4].problems[0].keys() == {"code", "severity", "text", "params", "message"}
    assert stored[3].problems[0]["text"].startswith("Interns (%(interns)d) exceed")
    assert stored[3].problems[0]["params"] == {"interns": 4, "share": "10", "employees": 20, "limit": 2}


def test_refresh_runs_a_constant_number_of_queries(world):
    def count(lines: int) -> int:
        claim = world.claim(world.enterprise(employees=10_000))
        world.lines(claim, lines)
        other = world.claim(status=ClaimStatus.SUBMITTED, submitted_at=timezone.now())
        world.lines(other, lines)
        with CaptureQueriesContext(connection) as captured:
            summary = refresh_claim_checks(claim)
        assert summary.lines == lines and summary.can_submit
        return len(captured)

    few = count(10)
    assert count(200) == few
    assert few <= 10

"""seed_demo: the numbers of the seed documents, valid codes, rich profiles, the founding charter and council,
working logins; idempotent and deterministic."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.test import RequestFactory
from django.utils import timezone

from alliances.demo import DEMO_LOGINS, DEMO_PASSWORD, build_alliance, seed_demo
from alliances.demo import membership as story
from alliances.demo.data import DEMO_USERS, SPECS_BY_SLUG, alliance_specs
from alliances.governance import (
    Charter,
    CharterArticle,
    CharterStatus,
    CouncilOfficer,
    CouncilTerm,
    GoverningBody,
    Meeting,
    Office,
    Resolution,
)
from alliances.governance_services import current_charter, quorum_met, seats_of
from alliances.models import Alliance, AuditEntry, Grant, User, mobile_validator
from alliances.permissions import PlatformRole, Role
from alliances.tenancy import scope, unscoped
from events.activity import dormant_members
from events.demo import DEMO_NOW, demo_plan
from events.models import (
    AgendaItem,
    CooperationKind,
    CooperationRecord,
    CooperationStatus,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from members.certificates import certificate_refusal
from members.identifiers import validate_credit_code
from members.models import (
    COUNCIL_ROLES,
    CURRENT_MEMBER_STATUSES,
    Committee,
    CommitteeMembership,
    Contact,
    CouncilRole,
    Division,
    IndustryDivision,
    MemberKind,
    MembershipAction,
    MembershipEvent,
    MemberSpecialty,
    MemberStatus,
    MemberUnit,
    RequestStatus,
    SchoolLevel,
    Specialty,
    SpecialtyLevel,
    WithdrawalRequest,
)
from members.reference import ensure_reference_data
from reports.figures import annual_figures
from subsidies.demo import DEMO_TODAY, STORIES, all_students
from subsidies.models import (
    CalculationRun,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimTransition,
    Disbursement,
    DisbursementShare,
    LineReview,
    Period,
    RunLine,
    RunStatus,
    SchoolDecision,
)

pytestmark = pytest.mark.django_db

SPECS = alliance_specs()


@pytest.fixture(autouse=True)
def _reference_data():
    # A transactional test earlier in the session may have flushed the tables the migration filled.
    ensure_reference_data()


@pytest.fixture
def seeded():
    return seed_demo()


def _state() -> dict:
    """The natural keys of every demo row, across all alliances."""
    with unscoped("test: compare demo data"):
        return {
            "alliances": sorted(Alliance.objects.values_list("slug", flat=True)),
            "units": sorted(MemberUnit.objects.values_list("alliance__slug", "credit_code", "name")),
            "committees": sorted(Committee.objects.values_list("alliance__slug", "name")),
            "memberships": sorted(
                CommitteeMembership.objects.values_list("committee__name", "member_unit__name")
            ),
            "users": sorted(User.objects.values_list("username", flat=True)),
            "grants": sorted(Grant.objects.values_list("alliance__slug", "user__username", "role")),
            "contacts": sorted(Contact.objects.values_list("member_unit__name", "name", "mobile")),
            "specialties": sorted(MemberSpecialty.objects.values_list("member_unit__name", "specialty_id")),
            "profiles": sorted(
                MemberUnit.objects.values_list(
                    "name", "industry_division_id", "employee_count", "school_level", "applied_on"
                )
            ),
            "charters": sorted(Charter.objects.values_list("alliance__slug", "version", "status")),
            "articles": CharterArticle.objects.count(),
            "officers": sorted(
                CouncilOfficer.objects.values_list("term__alliance__slug", "office", "person_name")
            ),
            "meetings": sorted(Meeting.objects.values_list("alliance__slug", "title", "seats", "present")),
            "events": sorted(Event.objects.values_list("alliance__slug", "title", "status", "starts_at")),
            "registrations": sorted(
                Registration.objects.values_list("event__title", "member_unit__name", "person_name", "status")
            ),
            "cooperation records": sorted(
                CooperationRecord.objects.values_list(
                    "alliance__slug", "title", "kind", "status", "event__title"
                )
            ),
            "agenda items": AgendaItem.objects.count(),
            "claims": sorted(
                Claim.objects.values_list(
                    "alliance__slug",
                    "enterprise__name",
                    "program__code",
                    "period__name",
                    "number",
                    "status",
                    "revision",
                )
            ),  # fmt: skip
            "claim lines": sorted(
                ClaimLine.objects.values_list("claim__number", "position", "review", "revision")
            ),
            "runs": sorted(
                CalculationRun.objects.values_list("alliance__slug", "period__name", "status", "total")
            ),
            "subsidy audit entries": AuditEntry.objects.filter(action__startswith="subsidies.").count(),
            "timelines": sorted(
                MembershipEvent.objects.values_list("member_unit__name", "action", "to_status", "occurred_at")
            ),
            "statuses": sorted(MemberUnit.objects.values_list("name", "status", "member_number", "left_on")),
            "resolutions": sorted(
                Resolution.objects.values_list("number", "meeting__title", "subject", "passed")
            ),
            "withdrawal requests": sorted(
                WithdrawalRequest.objects.values_list("member_unit__name", "status", "effective_on")
            ),
            "member audit entries": AuditEntry.objects.filter(action__startswith="member.").count(),
        }


def _in(slug: str):
    return scope(Alliance.objects.get(slug=slug).pk)


def _events_expected() -> dict:
    """What events.demo writes into an empty database, from its plans."""
    plans = [demo_plan(spec.slug) for spec in SPECS]
    events = [event for plan in plans for event in plan.events]
    return {
        "events": len(events),
        "event organisers": sum(len(event.organisers) for event in events),
        "agenda items": sum(len(event.agenda) for event in events),
        "registrations": sum(len(event.registrations) for event in events),
        "meetings": sum(bool(event.body) for event in events),
        "resolutions": sum(len(event.resolutions) for event in events),
        "cooperation records": sum(len(plan.records) for plan in plans),
    }


# --- Idempotency -------------------------------------------------------------------------------


def test_a_second_run_creates_nothing_and_changes_nothing(seeded):
    before = _state()
    again = seed_demo()
    assert again["created"] == {}
    assert again["alliances"] == seeded["alliances"]
    assert _state() == before
    assert AuditEntry.objects.filter(action="demo.seeded").count() == 1


def test_the_first_run_reports_what_it_created(seeded):
    assert seeded["created"] == {
        "alliances": 4,
        # The founding units; the newcomers apply through the membership story (membership applications below).
        "member units": 150 + 30 + 60 + 20,
        "committees": 5 + 11,
        "committee memberships": sum(len(c.members) for spec in alliance_specs() for c in spec.committees),
        "users": len(DEMO_USERS),
        "grants": sum(len(user.grants) for user in DEMO_USERS),
        "authenticators": sum(bool(user.platform_role) for user in DEMO_USERS),
        "contacts": sum(len(u.contacts) for spec in SPECS for u in spec.units),
        "specialties offered": sum(len(u.specialties) for spec in SPECS for u in spec.units),
        "council terms": 4,
        "council officers": sum(len(spec.governance.officers) for spec in SPECS),
        "meetings": 4 + _events_expected()["meetings"],
        "charters": 4,
        "charter articles": sum(len(spec.governance.articles) for spec in SPECS),
        # Every demo unit applied; the admitted ones were admitted too (two lines on each timeline).
        "membership events": sum(
            1 + bool(u.row_fields().get("admitted_on")) for spec in SPECS for u in spec.units
        ),
        # events.demo: two years of events with registrations, the council meetings' records, cooperation records.
        **{key: n for key, n in _events_expected().items() if key not in ("meetings", "resolutions")},
        # The meetings' resolutions (events.demo) and the membership story's, taken at those meetings.
        "resolutions": _events_expected()["resolutions"]
        + sum(len(s.resolutions) for s in story.STORIES.values()),
        "membership applications": sum(len(s.newcomers) for s in story.STORIES.values()),
        "membership steps": sum(
            step.action != MembershipAction.APPLIED for s in story.STORIES.values() for step in s.steps
        ),
        # subsidies.demo: the four programs of the 淄博 measures and five semesters (2024–2025 to 2026–2027第一学期),
        # per alliance; 淄博's and 宜昌's claims, their lines and calculation runs.
        "subsidy programs": 4 * len(SPECS),
        "subsidy periods": 5 * len(SPECS),
        "subsidy claims": sum(len(story.claims) for story in STORIES.values()),
        "subsidy claim lines": sum(
            g.count for story in STORIES.values() for c in story.claims for g in c.groups
        ),
        "calculation runs": sum(len(story.runs) for story in STORIES.values()),
    }
    entry = AuditEntry.objects.get(action="demo.seeded")
    assert entry.alliance_id is None
    assert entry.detail["created"] == seeded["created"]


def test_only_missing_rows_are_recreated(seeded):
    with _in("zibo"):
        CommitteeMembership.objects.filter(member_unit__name="淄博市机械工业协会").delete()
    assert seed_demo()["created"] == {"committee memberships": 1}


def test_a_changed_password_survives_reseeding(seeded):
    user = User.objects.get(username="zb-admin")
    user.set_password("Changed#Pass2026")
    user.save()
    seed_demo()
    user.refresh_from_db()
    assert user.check_password("Changed#Pass2026")
    assert not user.check_password(DEMO_PASSWORD)


def test_the_command_prints_a_summary_twice_alike():
    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)
    assert "4 alliances" in first.getvalue()
    assert "nothing" in second.getvalue()
    for output in (first.getvalue(), second.getvalue()):
        # 150 founding units, 6 admitted since, one withdrawn and one expelled; two applications still open.
        assert "154 members" in output and "2 applications open" in output
        assert all(login.username in output for login in DEMO_LOGINS)
    assert first.getvalue().splitlines()[1:] == second.getvalue().splitlines()[1:]


def test_build_alliance_can_be_used_alone():
    first = build_alliance(SPECS_BY_SLUG["linqu"])
    assert build_alliance(SPECS_BY_SLUG["linqu"]) == first
    with scope(first.pk):
        assert MemberUnit.objects.count() == 20
    assert Alliance.objects.count() == 1


# --- The alliances of the seed documents ------------------------------------------------------


def test_zibo_has_the_founding_members_and_five_committees(seeded):
    founding = {u.name for u in SPECS_BY_SLUG["zibo"].units}
    with _in("zibo"):
        units = [u for u in MemberUnit.objects.all() if u.name in founding]
        committees = list(Committee.objects.select_related("chair_unit"))
        sizes = {c.name: CommitteeMembership.objects.filter(committee=c).count() for c in committees}
        chair_is_member = all(
            CommitteeMembership.objects.filter(committee=c, member_unit=c.chair_unit).exists()
            for c in committees
        )
    # The seed document's founding figures: 7 技工院校, 8 中职学校, 9 行业协会, 126 企业.
    assert Counter(u.kind for u in units) == {
        MemberKind.TECHNICAL_SCHOOL: 7,
        MemberKind.SECONDARY_VOCATIONAL: 8,
        MemberKind.ASSOCIATION: 9,
        MemberKind.ENTERPRISE: 126,
    }
    # All admitted at the founding; since then one withdrew and one was expelled (the membership story).
    assert {u.name: u.status for u in units if u.status != MemberStatus.ADMITTED} == {
        story.ZB_CATERING: MemberStatus.WITHDRAWN,
        story.ZB_JIAHE: MemberStatus.EXPELLED,
    }
    assert [u.name for u in units if u.council_role == CouncilRole.CHAIR] == ["淄博市技师学院"]
    assert {u.council_role for u in units} == set(CouncilRole.values)
    numbers = [u.member_number for u in units]
    assert len(set(numbers)) == 150 and all(re.fullmatch(r"ZB-2019-\d{4}", n) for n in numbers)
    assert len(committees) == 5 and all(name.endswith("专业委员会") for name in sizes)
    assert all(10 <= size <= 30 for size in sizes.values()), sizes
    assert chair_is_member


def test_zibo_members_now(seeded):
    """What the overview, the dashboard and the bureau portal count on the demo's today (2026-12-04)."""
    by_slug = {a["slug"]: a for a in seeded["alliances"]}
    assert by_slug["zibo"]["by_kind"] == {
        MemberKind.TECHNICAL_SCHOOL: 7,
        MemberKind.SECONDARY_VOCATIONAL: 8 + 1,
        MemberKind.ASSOCIATION: 9,
        MemberKind.TRAINING_INSTITUTION: 1,
        MemberKind.ENTERPRISE: 126 + 3 + 1 - 2,
    }
    assert (by_slug["zibo"]["members"], by_slug["zibo"]["applications"]) == (154, 2)
    assert (by_slug["yichang"]["members"], by_slug["yichang"]["applications"]) == (60 + 3 - 1, 1)
    assert (by_slug["nantong"]["members"], by_slug["linqu"]["members"]) == (30, 20)


def test_the_other_alliances(seeded):
    by_slug = {a["slug"]: a for a in seeded["alliances"]}
    assert by_slug["yichang"]["committees"] == 11
    assert by_slug["yichang"]["by_kind"][MemberKind.HIGHER_VOCATIONAL] >= 1
    assert by_slug["yichang"]["by_kind"][MemberKind.SECONDARY_VOCATIONAL] >= 1
    assert 25 <= by_slug["nantong"]["members"] <= 35
    assert 50 <= by_slug["yichang"]["members"] <= 70
    assert 15 <= by_slug["linqu"]["members"] <= 25
    yichang = Alliance.objects.get(slug="yichang")
    assert (yichang.kind, yichang.region_code, yichang.lead_department) == (
        "vocational_group",
        "420500",
        "宜昌市教育局",
    )


def test_credit_codes_validate_are_unique_and_name_the_units_division(seeded):
    for alliance in Alliance.objects.all():
        with scope(alliance.pk):
            units = list(MemberUnit.objects.all())
        codes = [u.credit_code for u in units]
        assert len(set(codes)) == len(codes), alliance.slug
        for unit in units:
            validate_credit_code(unit.credit_code)
            assert unit.credit_code[2:8] == unit.division_code
            assert unit.division_code.startswith(alliance.region_code.rstrip("0"))
            expected = (
                "12"
                if unit.is_school
                else {MemberKind.ENTERPRISE: "91", MemberKind.ASSOCIATION: "51"}.get(unit.kind)
            )
            assert expected is None or unit.credit_code.startswith(expected), unit.name


# --- Demo logins -------------------------------------------------------------------------------


def test_every_demo_login_authenticates_with_the_demo_password(seeded):
    request = RequestFactory().post("/accounts/login/")  # django-axes needs the request
    for login in DEMO_LOGINS:
        user = authenticate(request=request, username=login.username, password=DEMO_PASSWORD)
        assert user is not None and user.username == login.username


def test_demo_accounts_look_real(seeded):
    for user in User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]):
        mobile_validator(user.mobile)
        assert user.email.endswith("@example.cn") and user.name


def test_bureau_official_sees_exactly_two_alliances(seeded):
    grants = Grant.objects.filter(user__username="bureau")
    assert {g.alliance.slug for g in grants} == {"zibo", "linqu"}
    assert {g.role for g in grants} == {Role.BUREAU_OFFICIAL}


def test_member_representatives_act_for_their_units(seeded):
    enterprise = Grant.objects.get(user__username="zb-enterprise").member_unit
    school = Grant.objects.get(user__username="zb-school").member_unit
    assert enterprise.kind == MemberKind.ENTERPRISE and enterprise.alliance.slug == "zibo"
    assert school.name == "淄博市技师学院" and school.is_school


def test_platform_accounts_are_apart_from_alliances(seeded):
    platform = {u.username: u for u in User.objects.exclude(platform_role="")}
    assert {name: u.platform_role for name, u in platform.items()} == {
        "operator": PlatformRole.OPERATOR,
        "security": PlatformRole.SECURITY_ADMIN,
        "auditadmin": PlatformRole.AUDIT_ADMIN,
    }
    assert platform["operator"].is_staff
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == ["operator"]
    assert not Grant.objects.filter(user__in=platform.values()).exists()
    staff = Grant.objects.filter(user__username="multi-staff")
    assert {g.alliance.slug for g in staff} == {"zibo", "yichang"}


# --- Determinism -------------------------------------------------------------------------------


def test_the_data_is_the_same_every_time():
    assert alliance_specs() == alliance_specs()
    zibo = SPECS_BY_SLUG["zibo"]
    first_enterprise = zibo.units_of(MemberKind.ENTERPRISE)[0]
    # Pinned: a change here renames demo units and breaks idempotency against existing databases.
    assert first_enterprise.name == "淄博齐鲁机械有限公司"
    assert zibo.units[0].credit_code == "12370303654059263E"
    names = [u.name for spec in alliance_specs() for u in spec.units]
    assert len(names) == len(set(names))


def test_the_database_holds_exactly_the_specified_units(seeded):
    for spec in alliance_specs():
        with _in(spec.slug):
            stored = sorted(MemberUnit.objects.values_list("name", "credit_code"))
        units = [*spec.units, *story.newcomers(spec.slug).values()]
        assert stored == sorted((u.name, u.credit_code) for u in units)


@pytest.mark.django_db
def test_demo_platform_administrators_have_the_published_authenticator(settings):
    from io import StringIO

    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from alliances.demo import seed_demo

    seed_demo()
    seed_demo()
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert sorted(devices.values_list("user__username", flat=True)) == ["auditadmin", "operator", "security"]
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_totp", "operator", stdout=out)
    device = devices.get(user__username="operator")
    assert device.verify_token(out.getvalue().strip())


# --- Profiles, contacts and specialties --------------------------------------------------------


def _units(slug: str | None = None) -> list[MemberUnit]:
    queryset = MemberUnit.objects.select_related("alliance", "industry_division")
    return list(queryset.filter(alliance__slug=slug) if slug else queryset)


def test_every_unit_has_one_or_two_contacts_and_one_primary(seeded):
    contacts = list(Contact.objects.select_related("member_unit"))
    by_unit = Counter(c.member_unit_id for c in contacts)
    primaries = Counter(c.member_unit_id for c in contacts if c.is_primary)
    units = _units()
    assert {by_unit[u.pk] for u in units} == {1, 2}
    assert all(primaries[u.pk] == 1 for u in units)
    assert all(c.alliance_id == c.member_unit.alliance_id for c in contacts)
    for contact in contacts:
        mobile_validator(contact.mobile)
        assert contact.name and contact.title and contact.email.endswith("@example.cn")
    assert len({c.mobile for c in contacts}) == len(contacts)


def test_division_codes_are_divisions_of_the_alliances_region(seeded):
    known = dict(Division.objects.values_list("code", "full_name"))
    cities = {
        "zibo": "山东省淄博市",
        "nantong": "江苏省南通市",
        "yichang": "湖北省宜昌市",
        "linqu": "山东省潍坊市临朐县",
    }
    for unit in _units():
        assert unit.division_code in known, unit.name
        assert known[unit.division_code].startswith(cities[unit.alliance.slug])
        assert unit.address.startswith(known[unit.division_code])


def test_enterprises_have_an_industry_head_count_and_ownership(seeded):
    units = _units()
    enterprises = [u for u in units if u.is_enterprise]
    assert all(u.industry_division and u.employee_count and u.ownership for u in enterprises)
    assert all(u.above_designated_size == (u.employee_count >= 300) for u in enterprises)
    assert sum(u.employee_count > 2000 for u in enterprises) >= 10
    assert sum(not u.above_designated_size for u in enterprises) >= 10
    assert len({u.ownership for u in enterprises}) >= 4
    assert not any(u.industry_division_id or u.employee_count for u in units if not u.is_enterprise)
    sections = {u.name: (u.industry_division.section_id, u.industry_division_id) for u in enterprises}
    assert sections["淄博齐鲁机械有限公司"] == ("C", "34")
    for name, (section, code) in sections.items():
        if "软件" in name or "信息技术" in name:
            assert (section, code) == ("I", "65"), name
        elif "化工" in name:
            assert (section, code) == ("C", "26"), name
        elif "物流" in name:
            assert section == "G", name
        elif "制药" in name or "生物医药" in name:
            assert code == "27", name


def test_schools_have_a_level_students_teachers_and_catalogue_specialties(seeded):
    offered = {}
    for unit_id, code, level in MemberSpecialty.objects.values_list(
        "member_unit_id", "specialty_id", "specialty__specialty_class__level"
    ):
        offered.setdefault(unit_id, []).append((code, level))
    units = _units()
    schools = [u for u in units if u.is_school]
    assert all(u.school_level and u.enrolment and u.teacher_count for u in schools)
    assert all(8 <= u.enrolment / u.teacher_count <= 25 for u in schools)
    assert not any(u.school_level or u.pk in offered for u in units if not u.is_school)
    by_name = {u.name: u for u in schools}
    assert by_name["淄博市技师学院"].school_level == SchoolLevel.TECHNICIAN_COLLEGE
    assert by_name["宜昌市高级技工学校"].school_level == SchoolLevel.SENIOR_TECHNICAL
    assert by_name["淄博市交通技工学校"].school_level == SchoolLevel.TECHNICAL
    assert (
        by_name["三峡大学"].school_level == SchoolLevel.UNDERGRADUATE
        and by_name["三峡大学"].pk not in offered
    )
    for school in schools:
        if school.kind == MemberKind.UNDERGRADUATE:
            continue
        specialties = offered.get(school.pk, [])
        assert 3 <= len(specialties) <= 8, school.name
        levels = {level for _, level in specialties}
        if school.kind == MemberKind.HIGHER_VOCATIONAL:
            assert levels == {SpecialtyLevel.HIGHER}, school.name
        elif school.school_level == SchoolLevel.TECHNICIAN_COLLEGE:
            assert SpecialtyLevel.SECONDARY in levels, school.name
        else:
            assert levels == {SpecialtyLevel.SECONDARY}, school.name
    assert ("480401", SpecialtyLevel.HIGHER) in offered[by_name["江苏工程职业技术学院"].pk]  # 现代纺织技术
    assert any(code == "660103" for code, _ in offered[by_name["淄博市技师学院"].pk])  # 数控技术应用


def test_admission_dates_and_member_numbers(seeded):
    """The founding units; the newcomers' numbers are the app's (test_newcomers_are_admitted_at_the_council_…)."""
    prefixes = {"zibo": "ZB", "nantong": "NT", "yichang": "YC", "linqu": "LQ"}
    for alliance in Alliance.objects.all():
        founding = {u.name for u in SPECS_BY_SLUG[alliance.slug].units}
        units = sorted(
            (u for u in _units(alliance.slug) if u.name in founding), key=lambda u: u.member_number
        )
        assert all(u.admitted_on == alliance.founded_on for u in units)
        assert all(0 < (u.admitted_on - u.applied_on).days <= 60 for u in units)
        expected = [
            f"{prefixes[alliance.slug]}-{alliance.founded_on.year}-{n:04d}" for n in range(1, len(units) + 1)
        ]
        assert [u.member_number for u in units] == expected


# --- Governance: charter, council term, founding meeting ---------------------------------------


def test_each_alliance_adopted_its_charter_at_the_founding_council_meeting(seeded):
    for alliance in Alliance.objects.all():
        with scope(alliance.pk):
            term = CouncilTerm.objects.get()
            meeting = Meeting.objects.get(held_on=alliance.founded_on)  # the founding meeting
            charter = Charter.objects.get()
            officers = list(CouncilOfficer.objects.select_related("member_unit"))
            seat_units = MemberUnit.objects.filter(council_role__in=COUNCIL_ROLES).count()
            assert current_charter(alliance) == charter
            assert seats_of(alliance, GoverningBody.COUNCIL) == seat_units
            chair_unit = MemberUnit.objects.get(council_role=CouncilRole.CHAIR)
            vice_units = set(MemberUnit.objects.filter(council_role=CouncilRole.VICE_CHAIR))
        assert (term.number, term.starts_on) == (1, alliance.founded_on)
        assert (meeting.body, meeting.term, meeting.held_on) == (
            GoverningBody.COUNCIL,
            term,
            alliance.founded_on,
        )
        assert meeting.seats == seat_units and Fraction(meeting.present, meeting.seats) >= Fraction(2, 3)
        assert quorum_met(charter, present=meeting.present, seats=meeting.seats)
        assert (charter.version, charter.status) == (1, CharterStatus.ADOPTED)
        assert (charter.adopted_at_meeting, charter.adopted_on) == (meeting, alliance.founded_on)
        assert charter.title == f"{alliance.name}章程"
        assert (charter.withdrawal_notice_months, charter.quorum, charter.pass_threshold) == (
            3,
            Fraction(2, 3),
            Fraction(2, 3),
        )
        by_office = Counter(o.office for o in officers)
        assert by_office == {Office.CHAIR: 1, Office.VICE_CHAIR: len(vice_units), Office.SECRETARY_GENERAL: 1}
        chair = next(o for o in officers if o.office == Office.CHAIR)
        assert (chair.member_unit, chair.person_name) == (chair_unit, chair_unit.legal_representative)
        assert {o.member_unit for o in officers if o.office == Office.VICE_CHAIR} == vice_units


def test_zibo_charter_has_six_chapters_and_the_membership_rules_in_chapter_four(seeded):
    with _in("zibo"):
        articles = list(CharterArticle.objects.filter(charter__version=1))
    chapters = dict((a.chapter_number, a.chapter_title) for a in articles)
    assert chapters == {1: "总则", 2: "业务范围", 3: "成员", 4: "入会与退会", 5: "组织机构", 6: "附则"}
    assert [a.article_number for a in articles] == list(range(1, len(articles) + 1))
    chapter_four = "".join(a.text for a in articles if a.chapter_number == 4)
    for words in (
        "秘书处",
        "理事会审议通过",
        "提前三个月",
        "书面申请",
        "常务理事会批准",
        "除名",
        "理事会表决",
    ):
        assert words in chapter_four, words
    assert "淄博市技工教育集团（联盟）" in articles[0].text


# --- Reseeding -----------------------------------------------------------------------------------


def test_missing_contacts_and_specialties_are_recreated(seeded):
    with _in("zibo"):
        unit = MemberUnit.objects.get(name="淄博市技师学院")
        Contact.objects.filter(member_unit=unit, is_primary=False).delete()
        MemberSpecialty.objects.filter(member_unit=unit).delete()
    again = seed_demo()["created"]
    assert again == {
        "contacts": 1,
        "specialties offered": len(SPECS_BY_SLUG["zibo"].unit(unit.name).specialties),
    }


def test_units_of_an_older_demo_get_their_empty_profile_fields_filled_in(seeded):
    with _in("zibo"):
        MemberUnit.objects.filter(kind=MemberKind.ENTERPRISE).update(
            industry_division=None, employee_count=None, above_designated_size=False, ownership=""
        )
        MemberUnit.objects.filter(name="淄博市技师学院").update(
            school_level="", enrolment=None, applied_on=None
        )
        MemberUnit.objects.filter(name="淄博齐鲁机械有限公司").update(ownership="collective")  # a value stays
    assert seed_demo()["created"] == {"unit profiles completed": 126 + 1}
    spec = SPECS_BY_SLUG["zibo"]
    with _in("zibo"):
        machine = MemberUnit.objects.get(name="淄博齐鲁机械有限公司")
        college = MemberUnit.objects.get(name="淄博市技师学院")
    expected = spec.unit(machine.name)
    assert (machine.industry_division_id, machine.employee_count, machine.above_designated_size) == (
        expected.industry_division_id,
        expected.employee_count,
        expected.above_designated_size,
    )
    assert machine.ownership == "collective"
    assert (college.school_level, college.enrolment, college.applied_on) == (
        SchoolLevel.TECHNICIAN_COLLEGE,
        spec.unit(college.name).enrolment,
        spec.unit(college.name).applied_on,
    )
    assert seed_demo()["created"] == {}


def test_seeding_loads_the_reference_data_when_its_tables_are_empty():
    Specialty.objects.all().delete()
    IndustryDivision.objects.all().delete()
    seed_demo()
    assert Specialty.objects.exists() and IndustryDivision.objects.count() == 97
    assert MemberSpecialty.objects.exists()


def test_the_profiles_are_the_same_every_time():
    zibo = SPECS_BY_SLUG["zibo"]
    college, enterprise = zibo.units[0], zibo.units_of(MemberKind.ENTERPRISE)[0]
    # Pinned like the names above: the demo logins' units.
    assert college.specialties[:3] == ("660103", "660301", "660302")
    assert (enterprise.industry_division_id, enterprise.employee_count) == ("34", 2600)
    assert college.contacts[0].is_primary and college.contacts[0].mobile == "13591900000"
    codes = {code for spec in SPECS for unit in spec.units for code in unit.specialties}
    assert codes <= set(Specialty.objects.values_list("code", flat=True))


# --- Subsidies: claims, reviews, runs (subsidies/demo.py) ---------------------------------------


def _claims(slug: str) -> list[Claim]:
    with _in(slug):
        return list(Claim.objects.select_related("enterprise", "program", "period").order_by("pk"))


def test_claims_reach_every_stage_of_the_workflow(seeded):
    by_status = {
        slug: Counter(c.status for c in _claims(slug)) for slug in ("zibo", "yichang", "nantong", "linqu")
    }
    assert by_status == {
        "zibo": {ClaimStatus.APPROVED: 15, ClaimStatus.UNDER_REVIEW: 1, ClaimStatus.SCHOOL_CONFIRMATION: 1,
                 ClaimStatus.DRAFT: 1},
        "yichang": {ClaimStatus.APPROVED: 3},
        "nantong": {},
        "linqu": {},
    }  # fmt: skip
    zibo = _claims("zibo")
    periods = Counter((c.program.code, c.period.name) for c in zibo)
    assert periods == {
        ("internship-post", "2024–2025学年第二学期"): 4,
        ("internship-post", "2025–2026学年第一学期"): 6,
        ("internship-post", "2025–2026学年第二学期"): 4,
        ("order-class", "2025–2026学年第二学期"): 1,
        ("internship-post", "2026–2027学年第一学期"): 3,
    }
    with _in("zibo"):
        lines = list(ClaimLine.objects.select_related("claim"))
        denied = [line for line in lines if line.school_decision == SchoolDecision.DENIED]
        rejected = [line for line in lines if line.review == LineReview.REJECTED]
        returned = ClaimTransition.objects.filter(to_status=ClaimStatus.RETURNED).get()
    assert len(denied) == 4 and all(line.school_note for line in denied)
    assert len(rejected) == 7 and all(line.review_reason for line in rejected)
    # The reviewer rejects the students their school denied.
    assert {line.pk for line in denied} <= {line.pk for line in rejected}
    assert returned.reason and returned.actor.username == "zb-staff"
    for claim in zibo:
        if claim.status == ClaimStatus.APPROVED:
            assert claim.first_submitted_at.date() <= claim.period.claim_deadline
            assert claim.program_version_id and claim.decided_at > claim.submitted_at
            assert claim.bank_account_encrypted and claim.bank_account_masked and claim.bank_name


def test_approved_claims_went_through_the_workflow_with_actors_and_audit_entries(seeded):
    path = [
        ClaimStatus.SUBMITTED,
        ClaimStatus.SCHOOL_CONFIRMATION,
        ClaimStatus.UNDER_REVIEW,
        ClaimStatus.APPROVED,
    ]
    machinery = [c for c in _claims("zibo") if c.enterprise.name == "淄博齐鲁机械有限公司"]
    with _in("zibo"):
        for claim in _claims("zibo"):
            steps = list(ClaimTransition.objects.filter(claim=claim).order_by("at", "pk"))
            if claim.status != ClaimStatus.APPROVED:
                continue
            if any(step.to_status == ClaimStatus.RETURNED for step in steps):
                assert [s.to_status for s in steps] == [
                    *path[:3], ClaimStatus.RETURNED, ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW,
                    ClaimStatus.APPROVED,
                ]  # fmt: skip
            else:
                assert [s.to_status for s in steps] == path
            assert all(a.at <= b.at for a, b in zip(steps, steps[1:], strict=False))
            assert steps[-1].actor.username == "zb-staff"
        first = machinery[0]
        submitted = ClaimTransition.objects.get(claim=first, to_status=ClaimStatus.SUBMITTED)
        entry = AuditEntry.objects.get(action="subsidies.claim.submitted", object_id=str(first.pk))
        school = AuditEntry.objects.filter(
            action="subsidies.claim.school_decided", object_id=str(first.pk), actor__username="zb-school"
        )
    assert submitted.actor.username == "zb-enterprise" and first.created_by.username == "zb-enterprise"
    # The story's time, not the seeding's: the audit entry and the history agree.
    assert entry.at == submitted.at == first.first_submitted_at
    assert timezone.localtime(entry.at).replace(tzinfo=None) == datetime.datetime(2025, 7, 14, 15, 40)
    assert entry.actor.username == "zb-enterprise" and school.count() == 1


@pytest.mark.parametrize(
    "period, reference, paid_on, lines, enterprises",
    [
        ("2024–2025学年第二学期", "淄财国库支付〔2025〕1015-0086号", datetime.date(2025, 10, 15), 78, 4),
        ("2025–2026学年第一学期", "淄财国库支付〔2026〕0408-0137号", datetime.date(2026, 4, 8), 85, 6),
    ],
)
def test_the_paid_runs_add_up_and_name_payment_and_approvals(
    seeded, period, reference, paid_on, lines, enterprises
):
    with _in("zibo"):
        run = CalculationRun.objects.select_related("job", "approved_by", "finalised_by").get(
            period__name=period
        )
        run_lines = list(RunLine.objects.filter(run=run))
        disbursements = list(Disbursement.objects.filter(run=run))
        shares = list(DisbursementShare.objects.filter(run=run))
        approved = ClaimLine.objects.filter(
            claim__program=run.program, claim__period=run.period, claim__status=ClaimStatus.APPROVED,
            review=LineReview.APPROVED,
        ).count()  # fmt: skip
    assert run.status == RunStatus.PAID and run.program.code == "internship-post"
    assert (run.payment_reference, run.paid_on) == (reference, paid_on)
    assert (run.finalised_by.username, run.approved_by.username) == ("zb-admin", "bureau")
    assert run.calculated_at < run.finalised_at < run.approved_at
    assert run.approved_at.date() <= run.paid_on < DEMO_TODAY
    assert run.job.status == "succeeded" and run.job.requested_by.username == "zb-staff"
    assert run.lines_considered == len(run_lines) == approved == lines
    assert run.enterprises == len(disbursements) == enterprises
    assert run.total == sum(line.amount for line in run_lines) == Decimal("300") * approved
    assert run.total == sum(d.amount for d in disbursements) == sum(s.amount for s in shares)
    for disbursement in disbursements:
        parts = [s for s in shares if s.disbursement_id == disbursement.pk]
        assert [s.percent for s in parts] == [Decimal("50"), Decimal("50")]
        assert sum(s.amount for s in parts) == disbursement.amount
    assert all(line.explanation and line.rule == "post_semester" for line in run_lines)


def test_the_other_runs_are_finalised_and_wait_for_the_bureau(seeded):
    with _in("zibo"):
        second = CalculationRun.objects.get(period__name="2025–2026学年第二学期")
        second_total = sum(RunLine.objects.filter(run=second).values_list("amount", flat=True))
    with _in("yichang"):
        yichang = CalculationRun.objects.get()
    assert second.status == yichang.status == RunStatus.FINALISED
    assert (
        second.total == second_total == Decimal("300") * second.lines_considered
        and second.lines_considered == 79
    )
    assert not (second.approved_at or second.paid_on or yichang.approved_at)
    assert yichang.finalised_by.username == "yc-admin" and yichang.total == Decimal("4500.00")


def test_the_open_period_has_a_draft_a_claim_waiting_for_a_school_and_one_under_review(seeded):
    with _in("zibo"):
        period = Period.objects.get(name="2026–2027学年第一学期")
        claims = {c.status: c for c in Claim.objects.filter(period=period).select_related("enterprise")}
        draft_lines = list(ClaimLine.objects.filter(claim=claims[ClaimStatus.DRAFT]))
        waiting = list(
            ClaimLine.objects.filter(claim=claims[ClaimStatus.SCHOOL_CONFIRMATION]).select_related("school")
        )
        reviewing = list(ClaimLine.objects.filter(claim=claims[ClaimStatus.UNDER_REVIEW]))
    assert (period.starts_on, period.ends_on, period.claim_deadline) == (
        datetime.date(2026, 9, 1), datetime.date(2027, 1, 31), datetime.date(2027, 2, 28),
    )  # fmt: skip
    assert period.claim_deadline > DEMO_TODAY
    assert set(claims) == {ClaimStatus.DRAFT, ClaimStatus.SCHOOL_CONFIRMATION, ClaimStatus.UNDER_REVIEW}
    draft = claims[ClaimStatus.DRAFT]
    assert draft.enterprise.name == "淄博齐鲁机械有限公司" and draft.created_by.username == "zb-enterprise"
    with_errors = [line for line in draft_lines if line.has_errors]
    assert len(draft_lines) >= 52  # 2,600 employees × 2 %: the claim itself has no finding
    assert [[p["code"] for p in line.problems] for line in with_errors] == [["insurance_missing"]]
    assert all(not line.problems for line in draft_lines if not line.has_errors)
    pending = {line.school.name for line in waiting if line.school_decision == SchoolDecision.PENDING}
    assert pending == {"淄博市技师学院"}
    assert any(line.school_decision == SchoolDecision.CONFIRMED for line in waiting)
    assert Counter(line.review for line in reviewing) == {LineReview.APPROVED: 5, LineReview.PENDING: 2}
    assert any(p["code"] == "pay_missing" for line in reviewing for p in line.problems)


def test_students_have_valid_resident_ids_and_plausible_names(seeded):
    from stdnum.cn import ric

    from alliances.personal_data import decrypt, keyed_hash, mask_resident_id

    divisions = set(Division.objects.values_list("code", flat=True))
    for slug in ("zibo", "yichang"):
        expected = all_students(slug)
        with _in(slug):
            lines = list(ClaimLine.objects.select_related("claim__program", "claim__period"))
        numbers = {}
        for line in lines:
            number = decrypt(line.resident_id_encrypted)
            assert ric.validate(number) == number and number[:6] in divisions
            assert ric.get_birth_date(number) == line.birth_date
            assert (line.resident_id_hash, line.resident_id_masked) == (
                keyed_hash(number),
                mask_resident_id(number),
            )
            assert expected[number] == line.student_name and re.fullmatch(
                r"[\u4e00-\u9fff]{2,3}", line.student_name
            )
            if line.starts_on:
                assert 16 <= (line.starts_on - line.birth_date).days // 365 <= 21
            numbers.setdefault((line.claim.program.code, line.claim.period.name), []).append(line)
        assert set(expected) == {decrypt(line.resident_id_encrypted) for line in lines}
        # Once per program and period, but for the one student two enterprises claimed (the later line rejected).
        for key, group in numbers.items():
            repeated = Counter(line.resident_id_hash for line in group)
            twice = [line for line in group if repeated[line.resident_id_hash] > 1]
            if slug == "zibo" and key == ("internship-post", "2025–2026学年第一学期"):
                assert len(twice) == 2 and sorted(line.review for line in twice) == ["approved", "rejected"]
            else:
                assert not twice, key
    # Fixed seeds: the same students every time.
    assert all_students("zibo") == all_students("zibo") and len(all_students("zibo")) > 150


def test_a_missing_demo_claim_is_made_again_and_nothing_else(seeded):
    with _in("zibo"):
        Claim.objects.get(status=ClaimStatus.DRAFT).delete()
    again = seed_demo()["created"]
    assert again == {"subsidy claims": 1, "subsidy claim lines": 54}
    with _in("zibo"):
        assert Claim.objects.get(status=ClaimStatus.DRAFT).enterprise.name == "淄博齐鲁机械有限公司"


# --- Events and cooperation (events/demo.py) --------------------------------------------------------


def _events(slug: str) -> list[Event]:
    with _in(slug):
        return list(Event.objects.select_related("host_unit", "meeting").order_by("starts_at", "pk"))


def test_each_alliance_has_two_years_of_events_and_a_few_to_come(seeded):
    for spec in SPECS:
        events = _events(spec.slug)
        for year in (2025, 2026):
            held = [e for e in events if e.starts_at.year == year and e.status == EventStatus.FINISHED]
            assert {e.kind for e in held} >= {
                EventKind.ANNUAL_MEETING, EventKind.COUNCIL_MEETING, EventKind.STANDING_COUNCIL_MEETING,
                EventKind.SEMINAR, EventKind.COMPETITION, EventKind.JOB_FAIR, EventKind.TRAINING, EventKind.VISIT,
                EventKind.CEREMONY,
            }, (spec.slug, year)  # fmt: skip
            assert all(e.ends_at < DEMO_NOW and e.published_at < e.starts_at for e in held)
        upcoming = [e for e in events if e.status == EventStatus.PUBLISHED]
        assert len(upcoming) >= 3 and all(e.starts_at > DEMO_NOW for e in upcoming), spec.slug
        assert upcoming[0].starts_at.date() < datetime.date(2027, 1, 1)
        assert all(
            e.reminder_sent_at for e in events if e.published_at
        )  # the hourly reminder never mails demo rows
        drafts = [e for e in events if e.status == EventStatus.DRAFT]
        cancelled = [e for e in events if e.status == EventStatus.CANCELLED]
        assert len(drafts) == 1 and drafts[0].starts_at > DEMO_NOW and not drafts[0].published_at
        assert len(cancelled) == 1 and cancelled[0].cancellation_reason
        assert all(e.host_unit and e.venue and e.description for e in events)
        assert len({e.title for e in events}) == len(events)


def test_yichang_holds_ten_seminars_a_year_with_its_enterprises(seeded):
    events = _events("yichang")
    with _in("yichang"):
        enterprises = dict(
            Registration.objects.filter(event__kind=EventKind.SEMINAR, member_unit__kind=MemberKind.ENTERPRISE)
            .values_list("event__starts_at__year")
            .annotate(n=Count("member_unit", distinct=True))
            .order_by()
        )  # fmt: skip
    for year in (2025, 2026):
        seminars = [e for e in events if e.kind == EventKind.SEMINAR and e.starts_at.year == year]
        assert len(seminars) == 10 and all(title.endswith("产学合作委员会校企合作座谈会") for title in
                                           [e.title for e in seminars])  # fmt: skip
        assert enterprises[year] >= 15


def test_registrations_and_attendance_look_like_a_real_year(seeded):
    with _in("zibo"):
        registrations = list(Registration.objects.select_related("event", "member_unit"))
    by_event = {}
    for registration in registrations:
        by_event.setdefault(registration.event, []).append(registration)
    R = RegistrationStatus
    for event, rows in by_event.items():
        statuses = Counter(r.status for r in rows)
        if event.status == EventStatus.FINISHED:
            assert set(statuses) <= {R.CHECKED_IN, R.NO_SHOW, R.CANCELLED} and statuses[R.CHECKED_IN], (
                event.title
            )
            assert all(
                r.checked_in_at and r.checked_in_at < event.ends_at for r in rows if r.status == R.CHECKED_IN
            )
        else:
            assert set(statuses) <= {R.REGISTERED, R.CONFIRMED, R.WAITLISTED}, event.title
        places = sum(r.status not in (R.WAITLISTED, R.CANCELLED) for r in rows)
        assert event.capacity is None or places <= event.capacity, event.title
        per_unit = Counter(r.member_unit_id for r in rows if r.status not in (R.WAITLISTED, R.CANCELLED))
        assert event.quota_per_unit is None or max(per_unit.values()) <= event.quota_per_unit, event.title
        assert all(r.created_at < min(event.starts_at, DEMO_NOW) and r.created_at.year >= 2025 for r in rows)
        assert all(r.created_at < r.cancelled_at < event.starts_at for r in rows if r.status == R.CANCELLED)
        assert event.published_at is None or event.published_at < min(event.starts_at, DEMO_NOW)
        assert len({(r.member_unit_id, r.person_name) for r in rows}) == len(rows)
        for r in rows:
            mobile_validator(r.mobile)
    fair = next(e for e in by_event if e.title == "2027届毕业生冬季专场招聘会")
    waiting = sorted((r for r in by_event[fair] if r.status == R.WAITLISTED), key=lambda r: r.waitlisted_at)
    assert waiting and all(r.waitlisted_at for r in waiting)
    assert sum(r.status != R.WAITLISTED for r in by_event[fair]) == fair.capacity  # full: the list waits
    # The demo logins' units: the enterprise holds a place at the fair, the school registered contestants.
    enterprise = Grant.objects.get(user__username="zb-enterprise").member_unit
    school = Grant.objects.get(user__username="zb-school").member_unit
    upcoming = [r for r in registrations if r.event.status == EventStatus.PUBLISHED]
    assert any(r.member_unit == enterprise and r.event == fair and r.status != R.WAITLISTED for r in upcoming)
    assert any(r.member_unit == school and r.event.kind == EventKind.COMPETITION for r in upcoming)


def test_council_meetings_carry_their_governance_record_and_resolutions(seeded):
    for spec in SPECS:
        with _in(spec.slug):
            held = list(
                Event.objects.filter(
                    kind__in=[EventKind.COUNCIL_MEETING, EventKind.STANDING_COUNCIL_MEETING],
                    status=EventStatus.FINISHED,
                ).select_related("meeting")
            )
            resolutions = Counter(Resolution.objects.values_list("meeting_id", flat=True))
            checked_in = dict(
                Registration.objects.filter(event__in=held, status=RegistrationStatus.CHECKED_IN)
                .values_list("event_id")
                .annotate(n=Count("pk"))
                .order_by()
            )
            charter = current_charter(Alliance.objects.get(slug=spec.slug))
        assert len(held) == 4, spec.slug
        for event in held:
            meeting = event.meeting
            body = (
                GoverningBody.COUNCIL
                if event.kind == EventKind.COUNCIL_MEETING
                else GoverningBody.STANDING_COUNCIL
            )
            assert (meeting.body, meeting.held_on, meeting.title) == (
                body,
                event.starts_at.date(),
                event.title,
            )
            assert meeting.present == checked_in[event.pk] and quorum_met(
                charter, present=meeting.present, seats=meeting.seats
            )
            assert resolutions[meeting.pk] >= 1 and event.minutes


def test_cooperation_records_of_every_kind_some_signed_at_events(seeded):
    for spec in SPECS:
        with _in(spec.slug):
            records = list(
                CooperationRecord.objects.select_related("school", "enterprise", "event", "specialty")
            )
        assert {r.kind for r in records} == set(CooperationKind.values), spec.slug
        assert {r.status for r in records} == set(CooperationStatus.values), spec.slug
        assert all(r.school.is_school and r.enterprise.is_enterprise for r in records)
        signed_at = [r for r in records if r.event]
        assert {r.event.kind for r in signed_at} == {EventKind.CEREMONY, EventKind.SEMINAR}
        assert all(r.signed_on == r.event.starts_at.date() for r in signed_at)
        with _in(spec.slug):
            present = set(
                Registration.objects.filter(status=RegistrationStatus.CHECKED_IN).values_list(
                    "event_id", "member_unit_id"
                )
            )
        assert all({(r.event_id, r.school_id), (r.event_id, r.enterprise_id)} <= present for r in signed_at)
        classes = [r for r in records if r.kind in CooperationKind.class_kinds()]
        for record in classes:
            assert record.class_name and record.specialty and record.students and record.graduation_year
            graduated = record.graduation_year <= 2026
            assert (record.graduates_employed is not None) == graduated, record.title
            assert record.graduates_employed is None or record.graduates_employed <= record.students
        others = [
            r
            for r in records
            if r.kind
            not in CooperationKind.class_kinds()
            | {CooperationKind.AGREEMENT, CooperationKind.LETTER_OF_INTENT}
        ]
        assert all(r.participants for r in others)  # fmt: skip
    # The demo logins' school and enterprise have an order class (2023级) that graduated in June 2026: both "My unit"
    # pages show it, and its graduates employed are on the enterprise's approved order-class claim of
    # 2025–2026第二学期, whose lines name the class (subsidies/demo.py).
    with _in("zibo"):
        pair = CooperationRecord.objects.get(
            kind=CooperationKind.ORDER_CLASS,
            school__name="淄博市技师学院",
            enterprise__name="淄博齐鲁机械有限公司",
        )
        lines = list(
            ClaimLine.objects.filter(claim__program__code="order-class").select_related("claim__period")
        )
    assert pair.graduation_year == 2026 and pair.status == CooperationStatus.COMPLETED and pair.event is None
    assert pair.graduates_employed >= len(lines) == 6
    assert {(line.order_class_id, line.school_id) for line in lines} == {(pair.pk, pair.school_id)}
    assert {line.claim.period.name for line in lines} == {"2025–2026学年第二学期"}
    assert all(not line.problems and not line.has_errors for line in lines)


def test_some_members_are_dormant(seeded):
    today = DEMO_NOW.date()
    for spec in SPECS:
        plan = demo_plan(spec.slug)
        with _in(spec.slug):
            dormant = {u.name: u.last_activity_on for u in dormant_members(today=today)}
            claimed = set(Claim.objects.values_list("enterprise__name", flat=True))
            # The membership story lets one fading unit leave and expels a dormant one.
            left = set(
                MemberUnit.objects.exclude(status__in=CURRENT_MEMBER_STATUSES).values_list("name", flat=True)
            )
        assert dormant, spec.slug
        for name in set(plan.dormant) - claimed - left:
            assert name in dormant and dormant[name] is None, name
        for name in set(plan.faded) - claimed - left:
            assert name in dormant and dormant[name] < datetime.date(2025, 10, 1), name


def test_the_events_plan_is_the_same_every_time():
    first, second = demo_plan.__wrapped__("zibo"), demo_plan.__wrapped__("zibo")
    assert [
        (e.title, e.starts_at, [(r.unit, r.person, r.status) for r in e.registrations]) for e in first.events
    ] == [
        (e.title, e.starts_at, [(r.unit, r.person, r.status) for r in e.registrations]) for e in second.events
    ]
    assert [(r.title, r.school, r.enterprise) for r in first.records] == [
        (r.title, r.school, r.enterprise) for r in second.records
    ]
    assert demo_plan("no-such-alliance") is None


PLAN_DIGEST = """
import hashlib, django
django.setup()
from events.demo import demo_plan
plan = demo_plan("zibo")
rows = [(e.title, e.starts_at, [(r.unit, r.person, r.status, r.created_at) for r in e.registrations]) for e in plan.events]
rows += [(r.title, r.school, r.enterprise, r.students) for r in plan.records] + [plan.dormant, plan.faded]
print(hashlib.sha256(repr(rows).encode()).hexdigest())
"""


def test_the_events_plan_does_not_depend_on_the_process(settings):
    # String hashing differs between processes (PYTHONHASHSEED): the plan must not depend on set order.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    digests = {
        subprocess.run(
            [sys.executable, "-c", PLAN_DIGEST], env={**env, "PYTHONHASHSEED": seed}, cwd=settings.BASE_DIR,
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }  # fmt: skip
    assert len(digests) == 1 and len(next(iter(digests))) == 64


def test_missing_event_rows_are_made_again_and_nothing_else(seeded):
    with _in("linqu"):
        registration = (
            Registration.objects.filter(status=RegistrationStatus.CHECKED_IN).order_by("pk").first()
        )
        registration.delete()
        CooperationRecord.objects.filter(kind=CooperationKind.TEACHER_PLACEMENT).order_by(
            "pk"
        ).first().delete()
    assert seed_demo()["created"] == {"registrations": 1, "cooperation records": 1}
    with _in("linqu"):
        again = Registration.objects.get(event=registration.event, person_name=registration.person_name)
    assert again.status == RegistrationStatus.CHECKED_IN and again.created_at == registration.created_at


# --- The membership story (alliances/demo/membership.py) ----------------------------------------------------------

A = MembershipAction
# (joined, withdrawn, expelled) by effective date: admitted on, withdrawal effective on, expelled on.
STORY_BY_YEAR = {
    ("zibo", 2025): (4, 1, 0),
    ("zibo", 2026): (2, 0, 1),
    ("yichang", 2025): (2, 1, 0),
    ("yichang", 2026): (1, 0, 0),
}


def test_joins_withdrawals_and_expulsions_per_year_are_those_of_the_annual_report(seeded):
    for (slug, year), expected in STORY_BY_YEAR.items():
        alliance = Alliance.objects.get(slug=slug)
        with scope(alliance.pk):
            changes = Counter(
                MembershipEvent.objects.filter(
                    action__in=[A.ADMITTED, A.WITHDRAWN, A.EXPELLED], effective_on__year=year
                ).values_list("action", flat=True)
            )
            totals = annual_figures(alliance, year)["membership"]["totals"]
        assert (changes[A.ADMITTED], changes[A.WITHDRAWN], changes[A.EXPELLED]) == expected, (slug, year)
        assert (totals["joined"], totals["withdrawn"], totals["expelled"]) == expected, (slug, year)
        joined, withdrawn, expelled = expected
        assert totals["current"] == totals["previous"] + joined - withdrawn - expelled
    with _in("zibo"):
        zibo = annual_figures(Alliance.objects.get(slug="zibo"), 2025)["membership"]["totals"]
    assert (zibo["previous"], zibo["current"]) == (150, 153)


def _meeting(slug: str, year: int, kind: str) -> Meeting:
    """The governance record of the events demo's council or standing-council meeting of the year."""
    return Event.objects.get(kind=kind, starts_at__year=year, status=EventStatus.FINISHED).meeting


def test_the_council_admits_and_expels_and_the_standing_council_approves_withdrawals(seeded):
    with _in("zibo"):
        resolutions = {r.number: r for r in Resolution.objects.select_related("meeting", "charter")}
        meetings = {
            (year, kind): _meeting("zibo", year, kind)
            for year in (2025, 2026)
            for kind in (EventKind.COUNCIL_MEETING, EventKind.STANDING_COUNCIL_MEETING)
        }
        charter = current_charter(Alliance.objects.get(slug="zibo"))
        linked = Counter(
            MembershipEvent.objects.filter(resolution__isnull=False).values_list(
                "resolution__number", flat=True
            )
        )
    expected = {
        "ZB-LS-2025-03": ((2025, EventKind.COUNCIL_MEETING), "admission"),
        "ZB-CW-2025-02": ((2025, EventKind.STANDING_COUNCIL_MEETING), "withdrawal"),
        "ZB-LS-2026-03": ((2026, EventKind.COUNCIL_MEETING), "admission"),
        "ZB-LS-2026-04": ((2026, EventKind.COUNCIL_MEETING), "expulsion"),
    }
    for number, (meeting, subject) in expected.items():
        resolution = resolutions[number]
        # Attached to the meeting the events demo recorded, beside its own resolutions: no second meeting record.
        assert resolution.meeting == meetings[meeting] and resolution.subject == subject, number
        assert resolution.quorum_met and resolution.passed and resolution.charter == charter, number
        assert resolution.votes_cast == resolution.meeting.present
        assert resolution.recorded_at.date() == resolution.meeting.held_on
        assert resolution.recorded_by.username == "zb-staff"
    assert {r.meeting.held_on.year for r in resolutions.values() if r.number.startswith("ZB-LS-2025")} == {
        2025
    }
    assert linked == {"ZB-LS-2025-03": 4, "ZB-CW-2025-02": 1, "ZB-LS-2026-03": 2, "ZB-LS-2026-04": 1}
    with _in("yichang"):
        numbers = sorted(
            Resolution.objects.exclude(subject="other").values_list("number", "subject", "meeting__body")
        )
    assert numbers == [
        ("YC-CW-2025-02", "withdrawal", GoverningBody.STANDING_COUNCIL),
        ("YC-LS-2025-03", "admission", GoverningBody.COUNCIL),
        ("YC-LS-2026-03", "admission", GoverningBody.COUNCIL),
    ]


def _timeline(unit: MemberUnit) -> list[tuple]:
    return list(
        MembershipEvent.objects.filter(member_unit=unit)
        .order_by("occurred_at", "pk")
        .values_list("action", "occurred_at__date", "effective_on")
    )


def test_newcomers_are_admitted_at_the_council_meeting_with_the_apps_numbers(seeded):
    with _in("zibo"):
        units = {u.name: u for u in MemberUnit.objects.all()}
        council = {year: _meeting("zibo", year, EventKind.COUNCIL_MEETING) for year in (2025, 2026)}
        yunfan = _timeline(units[story.ZB_YUNFAN])
        pending = {
            u.name: u.status
            for u in units.values()
            if u.status not in CURRENT_MEMBER_STATUSES and u.left_on is None
        }
    admitted = {
        2025: (story.ZB_XINZE, story.ZB_BOHAN, story.ZB_YUNFAN, story.ZB_ZICHUAN),
        2026: (story.ZB_FENGZE, story.ZB_TRAINING),
    }
    for year, names in admitted.items():
        for number, name in enumerate(names, 1):
            unit = units[name]
            assert unit.status == MemberStatus.ADMITTED and unit.admitted_on == council[year].held_on
            assert (
                unit.member_number == f"ZIBO-{year}-{number:04d}"
            )  # next_member_number's, not the founding ZB-
            assert unit.applied_on.year == year and unit.applied_on < unit.admitted_on
            assert certificate_refusal(unit) is None
    # Asked for more information, answered, admitted.
    assert [action for action, _day, _effective in yunfan] == [
        A.APPLIED, A.REVIEW_STARTED, A.INFO_REQUESTED, A.INFO_PROVIDED, A.ADMITTED
    ]  # fmt: skip
    assert yunfan[-1][1:] == (council[2025].held_on, council[2025].held_on)
    # Still open on the demo's today.
    assert pending == {
        story.ZB_DONGYUE: MemberStatus.INFO_REQUESTED,
        story.ZB_BOHUA: MemberStatus.UNDER_REVIEW,
    }
    assert all(certificate_refusal(units[name]) for name in pending)


def test_a_withdrawal_takes_effect_after_the_charters_notice_and_an_expelled_unit_leaves_its_committees(
    seeded,
):
    with _in("zibo"):
        units = {u.name: u for u in MemberUnit.objects.all()}
        request = WithdrawalRequest.objects.select_related("resolution__meeting").get()
        catering, jiahe, hengtai = (
            _timeline(units[n]) for n in (story.ZB_CATERING, story.ZB_JIAHE, story.ZB_HENGTAI)
        )
        in_committees = set(CommitteeMembership.objects.values_list("member_unit__name", flat=True))
        standing = _meeting("zibo", 2025, EventKind.STANDING_COUNCIL_MEETING)
        council = _meeting("zibo", 2026, EventKind.COUNCIL_MEETING)
    assert request.member_unit.name == story.ZB_CATERING and request.status == RequestStatus.COMPLETED
    assert (request.requested_on, request.earliest_effective_on, request.effective_on) == (
        datetime.date(2025, 9, 1), datetime.date(2025, 12, 1), datetime.date(2025, 12, 1)
    )  # fmt: skip
    assert request.resolution.meeting == standing and standing.held_on < request.effective_on
    assert [(action, day) for action, day, _effective in catering[2:]] == [
        (A.WITHDRAWAL_REQUESTED, datetime.date(2025, 9, 1)),
        (A.WITHDRAWAL_APPROVED, standing.held_on),
        (A.WITHDRAWN, datetime.date(2025, 12, 1)),
        (A.COMMITTEE_LEFT, datetime.date(2025, 12, 1)),
    ]
    assert units[story.ZB_CATERING].left_on == datetime.date(2025, 12, 1)
    # Warned, suspended, expelled by the council; out of its committee.
    assert [action for action, _day, _effective in jiahe[2:]] == [A.SUSPENDED, A.EXPELLED, A.COMMITTEE_LEFT]
    assert units[story.ZB_JIAHE].left_on == council.held_on == jiahe[3][2]
    assert not {story.ZB_CATERING, story.ZB_JIAHE} & in_committees
    # Suspended and reinstated: a member throughout.
    assert [action for action, _day, _effective in hengtai[2:]] == [A.SUSPENDED, A.REINSTATED]
    assert units[story.ZB_HENGTAI].status == MemberStatus.ADMITTED and units[story.ZB_HENGTAI].left_on is None
    # Those who leave are ones the events demo lets fade or keeps dormant, and claim no subsidy.
    plan = demo_plan("zibo")
    assert story.ZB_CATERING in plan.faded and story.ZB_JIAHE in plan.dormant
    claimants = {claim.enterprise for s in STORIES.values() for claim in s.claims}
    assert not {story.ZB_CATERING, story.ZB_JIAHE, story.YC_NANJIN} & claimants


def test_the_story_is_written_at_its_own_time_by_the_secretariat(seeded):
    names = [name for s in story.STORIES.values() for name in {step.unit for step in s.steps}]
    with unscoped("test: the story's timelines and audit entries"):
        events = list(
            MembershipEvent.objects.filter(
                member_unit__name__in=names, occurred_at__year__gte=2025
            ).select_related("actor")
        )
        entries = list(
            AuditEntry.objects.filter(action__startswith="member.", object_repr__in=names).select_related(
                "actor"
            )
        )
    assert len(events) == sum(len(s.steps) for s in story.STORIES.values()) + 3  # and three committees left
    assert all(e.occurred_at < DEMO_NOW for e in events)
    assert {e.occurred_at.year for e in events} == {2025, 2026}
    # Each step's audit entry at the moment of its timeline line; the secretariat acts, the applicant has no login.
    moments = {(e.member_unit.name, e.occurred_at) for e in events}
    assert {(entry.object_repr, entry.at) for entry in entries} <= moments
    by_action = {e.action: e.actor.username if e.actor else None for e in events}
    assert by_action[A.APPLIED] is None and by_action[A.INFO_PROVIDED] is None
    assert {e.actor.username for e in events if e.actor} == {"zb-staff", "yc-admin"}


def test_the_stories_e_mail_is_not_sent_but_counted(seeded, mailoutbox):
    """The withdrawal notice to every member's contacts ran in the story's past: through the dummy backend,
    recorded with its count in the audit log, not printed on the console nor handed to a worker."""
    from members import notifications

    with _in("zibo"):
        request = WithdrawalRequest.objects.get()
        alliance_id = request.alliance_id
        recipients = len(notifications.member_addresses(alliance_id, exclude_unit_id=request.member_unit_id))
        with story._notices_sent_in_the_past():
            notifications.notify_members_of_withdrawal(request.pk, alliance_id)
            unit = MemberUnit.objects.get(name=story.ZB_DONGYUE)
            notifications.notify_information_requested(unit.pk, alliance_id, "请补充材料。")
        entries = dict(
            AuditEntry.objects.filter(
                action__in=["member.withdrawal_notified", "member.information_request_sent"]
            ).values_list("action", "detail")
        )
    assert mailoutbox == []
    assert recipients > 200 and entries["member.withdrawal_notified"] == {"recipients": recipients}
    assert entries["member.information_request_sent"] == {"recipients": len(unit.contacts.all())}
    assert notifications.notify_members_of_withdrawal.__module__ == "members.notifications"  # put back


def test_a_missing_application_is_made_again_and_nothing_else(seeded):
    with _in("zibo"):
        MemberUnit.objects.filter(name=story.ZB_BOHUA).delete()
    assert seed_demo()["created"] == {"membership applications": 1, "membership steps": 1}
    with _in("zibo"):
        unit = MemberUnit.objects.get(name=story.ZB_BOHUA)
    assert unit.status == MemberStatus.UNDER_REVIEW and unit.applied_on == datetime.date(2026, 11, 16)
    assert unit.credit_code == story.newcomers("zibo")[story.ZB_BOHUA].credit_code


def test_a_unit_changed_by_hand_keeps_its_state(seeded):
    """A step the unit's status no longer allows is left out, with the rest of that unit's story."""
    with _in("zibo"):
        unit = MemberUnit.objects.get(name=story.ZB_BOHUA)
        MemberUnit.objects.filter(pk=unit.pk).update(status=MemberStatus.REJECTED)
        MembershipEvent.objects.filter(member_unit=unit, action=A.REVIEW_STARTED).delete()
    assert seed_demo()["created"] == {}
    with _in("zibo"):
        assert MemberUnit.objects.get(pk=unit.pk).status == MemberStatus.REJECTED


def test_newcomers_are_made_like_the_founding_units():
    for slug in story.STORIES:
        made = story.newcomers(slug)
        assert made == story.newcomers(slug)  # fixed, not drawn
        founding = SPECS_BY_SLUG[slug].units
        assert not {u.name for u in founding} & set(made)
        assert not {u.credit_code for u in founding} & {u.credit_code for u in made.values()}
        for unit in made.values():
            validate_credit_code(unit.credit_code)
            assert unit.contacts and not unit.member_number and unit.council_role == CouncilRole.MEMBER
    steps = {step.unit for s in story.STORIES.values() for step in s.steps}
    assert {n.draft.name for s in story.STORIES.values() for n in s.newcomers} <= steps

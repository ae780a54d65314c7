"""seed_demo: the numbers of the seed documents, valid codes, rich profiles, the founding charter and council,
working logins; idempotent and deterministic."""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from alliances.demo import DEMO_LOGINS, DEMO_PASSWORD, build_alliance, seed_demo
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
)
from alliances.governance_services import current_charter, quorum_met, seats_of
from alliances.models import Alliance, AuditEntry, Grant, User, mobile_validator
from alliances.permissions import PlatformRole, Role
from alliances.tenancy import scope, unscoped
from members.identifiers import validate_credit_code
from members.models import (
    COUNCIL_ROLES,
    Committee,
    CommitteeMembership,
    Contact,
    CouncilRole,
    Division,
    IndustryDivision,
    MemberKind,
    MemberSpecialty,
    MemberStatus,
    MemberUnit,
    SchoolLevel,
    Specialty,
    SpecialtyLevel,
)
from members.reference import ensure_reference_data

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
        }


def _in(slug: str):
    return scope(Alliance.objects.get(slug=slug).pk)


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
        "meetings": 4,
        "charters": 4,
        "charter articles": sum(len(spec.governance.articles) for spec in SPECS),
        # Every demo unit applied; the admitted ones were admitted too (two lines on each timeline).
        "membership events": sum(1 + bool(u.row_fields().get("admitted_on")) for spec in SPECS for u in spec.units),
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
        assert "150 members" in output
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
    with _in("zibo"):
        units = list(MemberUnit.objects.all())
        committees = list(Committee.objects.select_related("chair_unit"))
        sizes = {c.name: CommitteeMembership.objects.filter(committee=c).count() for c in committees}
        chair_is_member = all(
            CommitteeMembership.objects.filter(committee=c, member_unit=c.chair_unit).exists()
            for c in committees
        )
    kinds = {kind: sum(u.kind == kind for u in units) for kind in {u.kind for u in units}}
    assert kinds == {
        MemberKind.TECHNICAL_SCHOOL: 7,
        MemberKind.SECONDARY_VOCATIONAL: 8,
        MemberKind.ASSOCIATION: 9,
        MemberKind.ENTERPRISE: 126,
    }
    assert {u.status for u in units} == {MemberStatus.ADMITTED}
    assert [u.name for u in units if u.council_role == CouncilRole.CHAIR] == ["淄博市技师学院"]
    assert {u.council_role for u in units} == set(CouncilRole.values)
    numbers = [u.member_number for u in units]
    assert len(set(numbers)) == 150 and all(re.fullmatch(r"ZB-2019-\d{4}", n) for n in numbers)
    assert len(committees) == 5 and all(name.endswith("专业委员会") for name in sizes)
    assert all(10 <= size <= 30 for size in sizes.values()), sizes
    assert chair_is_member


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
        assert stored == sorted((u.name, u.credit_code) for u in spec.units)


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
    prefixes = {"zibo": "ZB", "nantong": "NT", "yichang": "YC", "linqu": "LQ"}
    for alliance in Alliance.objects.all():
        units = sorted(_units(alliance.slug), key=lambda u: u.member_number)
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
            meeting = Meeting.objects.get()
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

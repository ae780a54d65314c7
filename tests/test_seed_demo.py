"""seed_demo: the numbers of the seed documents, valid codes, working logins; idempotent and deterministic."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from alliances.demo import DEMO_LOGINS, DEMO_PASSWORD, build_alliance, seed_demo
from alliances.demo.data import DEMO_USERS, SPECS_BY_SLUG, alliance_specs
from alliances.models import Alliance, AuditEntry, Grant, User, mobile_validator
from alliances.permissions import PlatformRole, Role
from alliances.tenancy import scope, unscoped
from members.identifiers import validate_credit_code
from members.models import Committee, CommitteeMembership, CouncilRole, MemberKind, MemberStatus, MemberUnit

pytestmark = pytest.mark.django_db


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

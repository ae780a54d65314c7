"""Subsidy programs as versioned policy, and periods: services, pages, API and demo data."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from alliances.models import AuditEntry
from alliances.permissions import Role
from subsidies.demo import seed_subsidies
from subsidies.models import (
    CalculationRun,
    Claim,
    ClaimLine,
    ClaimStatus,
    DuplicateStudentPolicy,
    Period,
    PeriodKind,
    Program,
    ProgramKind,
    ProgramVersion,
    RateUnit,
)
from subsidies.services import programs as services

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db

D = Decimal
JAN_1 = datetime.date(2024, 1, 1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def new_program(alliance, kind=ProgramKind.INTERNSHIP_POST, code="internship-post", **extra):
    extra.setdefault("effective_from", JAN_1)
    return services.create_program(alliance, kind=kind, code=code, name="顶岗实习补助", **extra)


def shares_of(version):
    return [(s.payer, s.percent) for s in version.funding_shares.order_by("position")]


def semester(alliance, **extra):
    return services.create_period(alliance, kind=PeriodKind.SEMESTER, academic_year=2024, semester=1, **extra)


def claim_in(alliance, program, period, version=None, **line_fields):
    enterprise = make_unit(alliance, employee_count=100)
    claim = Claim.objects.create(
        alliance=alliance, program=program, period=period, enterprise=enterprise, program_version=version,
        number=f"BT-{enterprise.pk}", status=ClaimStatus.SUBMITTED, submitted_at=timezone.now(),
        first_submitted_at=timezone.make_aware(datetime.datetime(2025, 2, 10, 9)),
    )  # fmt: skip
    if line_fields:
        ClaimLine.objects.create(
            alliance=alliance, claim=claim, position=1, student_name="张三", resident_id_encrypted="x",
            resident_id_hash="h", resident_id_masked="3703**********1234", **line_fields,
        )  # fmt: skip
    return claim


# --- programs and versions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "unit", "rate", "secondary"),
    [
        (ProgramKind.INTERNSHIP_POST, RateUnit.POST_SEMESTER, D("300"), None),
        (ProgramKind.ORDER_CLASS, RateUnit.PERSON, D("10000"), None),
        (ProgramKind.TRAINING_BASE, RateUnit.PERSON, D("650"), None),
        (ProgramKind.QUALITY_SPECIALTY, RateUnit.ONE_TIME, D("1000000"), D("500000")),
    ],
)
def test_a_new_program_gets_the_defaults_of_its_kind(alliance, kind, unit, rate, secondary):
    program = new_program(alliance, kind=kind)
    version = program.versions.get()
    assert (version.number, version.unit, version.rate, version.secondary_rate) == (1, unit, rate, secondary)
    assert (version.min_host_share, version.max_intern_share, version.min_age, version.min_duration_days) == (
        D("2"), D("10"), 16, 30,
    )  # fmt: skip
    assert shares_of(version) == [("市财政", D("50")), ("区县财政", D("50"))]
    entry = AuditEntry.objects.get(action="subsidies.program.created")
    assert entry.detail["values"]["rate"] == str(int(rate)) and entry.alliance_id == alliance.pk


def test_a_new_program_may_override_the_defaults(alliance):
    program = new_program(
        alliance, rate=D("400"), min_age=17, funding_shares=[("市财政", "60"), ("区县财政", "40")]
    )
    version = program.versions.get()
    assert version.rate == D("400") and version.min_age == 17
    assert shares_of(version) == [("市财政", D("60")), ("区县财政", D("40"))]


@pytest.mark.parametrize(
    ("shares", "code"),
    [
        ([("市财政", "60"), ("区县财政", "39.99")], "shares_not_100"),
        ([("市财政", "60"), ("区县财政", "40.01")], "shares_not_100"),
        ([("市财政", "100"), ("区县财政", "0")], "share_invalid"),
        ([("市财政", "50"), ("市财政", "50")], "payer_twice"),
        ([("", "100")], "payer_missing"),
        ([], "no_payers"),
        ([("市财政", "abc")], "share_invalid"),
        ([("市财政", "33.333"), ("区县财政", "66.667")], "share_invalid"),
    ],
)
def test_funding_shares_must_add_up_to_exactly_100(alliance, shares, code):
    with pytest.raises(ValidationError) as caught:
        new_program(alliance, funding_shares=shares)
    assert caught.value.error_dict["funding_shares"][0].code == code
    assert not Program.objects.exists()


def test_the_message_of_shares_not_adding_up_names_the_total(alliance):
    with pytest.raises(ValidationError) as caught:
        new_program(alliance, funding_shares=[("市财政", "60"), ("区县财政", "30")])
    assert "90%" in caught.value.message_dict["funding_shares"][0]


def test_three_payers_adding_up_to_100(alliance):
    program = new_program(
        alliance, funding_shares=[("省财政", "33.34"), ("市财政", "33.33"), ("区县财政", "33.33")]
    )
    assert [p for p, _ in shares_of(program.versions.get())] == ["省财政", "市财政", "区县财政"]


def test_codes_are_unique_in_the_alliance_only(alliance, other_alliance):
    new_program(alliance)
    with pytest.raises(ValidationError) as caught:
        new_program(alliance)
    assert "code" in caught.value.message_dict
    new_program(other_alliance)


def test_a_new_version_starts_from_the_latest_and_changes_what_is_given(alliance):
    program = new_program(alliance, funding_shares=[("市财政", "60"), ("区县财政", "40")])
    v2 = services.create_program_version(program, effective_from=datetime.date(2025, 2, 1), rate=D("350"))
    assert v2.number == 2 and v2.rate == D("350") and v2.unit == RateUnit.POST_SEMESTER
    assert shares_of(v2) == [("市财政", D("60")), ("区县财政", D("40"))]
    v3 = services.create_program_version(
        program, effective_from=datetime.date(2025, 9, 1), funding_shares=[("市财政", "100")],
        duplicate_student_policy=DuplicateStudentPolicy.FIRST_SUBMITTED_WINS,
    )  # fmt: skip
    assert v3.number == 3 and v3.rate == D("350") and shares_of(v3) == [("市财政", D("100"))]
    v1 = program.versions.get(number=1)
    assert v1.rate == D("300") and shares_of(v1) == [("市财政", D("60")), ("区县财政", D("40"))]
    entry = AuditEntry.objects.filter(action="subsidies.program_version.created").latest("pk")
    assert entry.detail["number"] == 3
    assert entry.detail["changes"]["duplicate_student_policy"] == ["flag_both", "first_submitted_wins"]
    assert entry.detail["changes"]["funding_shares"] == ["市财政 60% / 区县财政 40%", "市财政 100%"]


def test_two_versions_cannot_start_on_the_same_day(alliance):
    program = new_program(alliance)
    with pytest.raises(ValidationError) as caught:
        services.create_program_version(program, effective_from=JAN_1, rate=D("1"))
    assert "Version 1" in caught.value.message_dict["effective_from"][0]
    assert program.versions.count() == 1


def test_a_new_version_with_bad_values_is_refused(alliance):
    program = new_program(alliance)
    with pytest.raises(ValidationError) as caught:
        services.create_program_version(
            program, effective_from=datetime.date(2025, 1, 1), max_intern_share=D("120")
        )
    assert "max_intern_share" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.create_program_version(
            program, effective_from=datetime.date(2025, 1, 1), unit="per_fortnight"
        )
    assert program.versions.count() == 1


def test_the_version_in_force(alliance):
    program = new_program(alliance)
    v2 = services.create_program_version(program, effective_from=datetime.date(2025, 2, 1), rate=D("350"))
    v3 = services.create_program_version(program, effective_from=datetime.date(2024, 9, 1), rate=D("320"))
    assert services.version_in_force(program, datetime.date(2023, 12, 31)) is None
    assert services.version_in_force(program, JAN_1).number == 1
    assert services.version_in_force(program, datetime.date(2024, 9, 1)) == v3
    assert services.version_in_force(program, datetime.date(2025, 1, 31)) == v3
    assert services.version_in_force(program, datetime.date(2025, 2, 1)) == v2


def test_an_unused_version_can_be_corrected_in_place(alliance):
    program = new_program(alliance)
    version = program.versions.get()
    services.update_program_version(
        version, rate=D("310"), funding_shares=[("市财政", "70"), ("区县财政", "30")]
    )
    version.refresh_from_db()
    assert version.rate == D("310") and shares_of(version) == [("市财政", D("70")), ("区县财政", D("30"))]
    entry = AuditEntry.objects.get(action="subsidies.program_version.updated")
    assert entry.detail["changes"]["rate"] == ["300", "310"]


@pytest.mark.parametrize("user", ["claim", "run"])
def test_a_used_version_never_changes(alliance, user):
    program = new_program(alliance)
    version = program.versions.get()
    period = semester(alliance)
    if user == "claim":
        claim_in(alliance, program, period, version)
    else:
        CalculationRun.objects.create(
            alliance=alliance, program=program, period=period, program_version=version
        )
    with pytest.raises(services.InUse) as caught:
        services.update_program_version(version, rate=D("310"))
    assert "new version" in caught.value.messages[0]
    version.refresh_from_db()
    assert version.rate == D("300")


def test_a_claim_fixed_to_version_1_keeps_it_after_version_2(alliance):
    program = new_program(alliance)
    v1 = program.versions.get()
    claim = claim_in(alliance, program, semester(alliance), v1)
    services.create_program_version(program, effective_from=datetime.date(2024, 6, 1), rate=D("400"))
    claim.refresh_from_db()
    assert claim.program_version == v1 and claim.program_version.rate == D("300")
    assert services.version_for_claim(claim) == v1


def test_program_name_and_status_change_and_are_audited(alliance):
    program = new_program(alliance)
    services.update_program(program, name="顶岗实习补助（2025）", is_active=False)
    program.refresh_from_db()
    assert program.name == "顶岗实习补助（2025）" and program.is_active is False
    assert AuditEntry.objects.get(action="subsidies.program.updated").detail["changes"]["is_active"] == [
        True,
        False,
    ]


# --- periods ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "year", "semester_number", "name", "starts", "ends", "deadline"),
    [
        ("semester", 2024, 1, "2024–2025学年第一学期", (2024, 9, 1), (2025, 1, 31), (2025, 2, 28)),
        ("semester", 2024, 2, "2024–2025学年第二学期", (2025, 2, 1), (2025, 7, 31), (2025, 8, 31)),
        ("semester", 2027, 1, "2027–2028学年第一学期", (2027, 9, 1), (2028, 1, 31), (2028, 2, 29)),
        ("year", 2024, None, "2024–2025学年", (2024, 9, 1), (2025, 8, 31), (2025, 9, 30)),
    ],
)
def test_proposed_names_and_dates(kind, year, semester_number, name, starts, ends, deadline):
    proposal = services.propose_period(kind, year, semester_number)
    assert proposal["name"] == name
    assert (proposal["starts_on"], proposal["ends_on"], proposal["claim_deadline"]) == (
        datetime.date(*starts), datetime.date(*ends), datetime.date(*deadline),
    )  # fmt: skip


def test_create_period_fills_in_what_is_left_out(alliance):
    period = semester(alliance)
    assert period.name == "2024–2025学年第一学期" and period.ends_on == datetime.date(2025, 1, 31)
    custom = services.create_period(
        alliance, kind="semester", academic_year=2024, semester=2, starts_on=datetime.date(2025, 2, 17)
    )
    assert custom.starts_on == datetime.date(2025, 2, 17) and custom.ends_on == datetime.date(2025, 7, 31)
    assert AuditEntry.objects.filter(action="subsidies.period.created").count() == 2


def test_period_errors(alliance):
    semester(alliance)
    with pytest.raises(ValidationError) as caught:
        semester(alliance)
    assert "name" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.create_period(
            alliance, kind="semester", academic_year=2025, semester=1, starts_on=datetime.date(2025, 9, 1),
            ends_on=datetime.date(2025, 8, 1),
        )  # fmt: skip
    assert "ends_on" in caught.value.message_dict


def test_a_period_with_claims_keeps_covering_them(alliance):
    program = new_program(alliance)
    period = semester(alliance)
    claim_in(
        alliance, program, period, program.versions.get(), starts_on=datetime.date(2024, 9, 10),
        ends_on=datetime.date(2025, 1, 15),
    )  # fmt: skip
    with pytest.raises(services.InUse) as caught:
        services.update_period(
            period, starts_on=datetime.date(2024, 9, 15), ends_on=datetime.date(2025, 1, 10)
        )
    errors = caught.value.message_dict
    assert "2024-09-10" in errors["starts_on"][0] and "2025-01-15" in errors["ends_on"][0]
    with pytest.raises(services.InUse) as caught:
        services.update_period(period, claim_deadline=datetime.date(2025, 2, 5))
    assert "2025-02-10" in caught.value.message_dict["claim_deadline"][0]
    period.refresh_from_db()
    assert period.starts_on == datetime.date(2024, 9, 1)
    services.update_period(period, starts_on=datetime.date(2024, 9, 10), ends_on=datetime.date(2025, 2, 15))
    period.refresh_from_db()
    assert period.ends_on == datetime.date(2025, 2, 15)
    assert AuditEntry.objects.get(action="subsidies.period.updated").detail["changes"]["ends_on"] == [
        "2025-01-31", "2025-02-15",
    ]  # fmt: skip


def test_only_an_unused_period_can_be_deleted(alliance):
    program = new_program(alliance)
    used, unused = semester(alliance), services.create_period(alliance, kind="year", academic_year=2025)
    claim_in(alliance, program, used)
    with pytest.raises(services.InUse):
        services.delete_period(used)
    services.delete_period(unused)
    assert list(Period.objects.all()) == [used]


# --- pages ---------------------------------------------------------------------------------------------------


def url(name, alliance, **kwargs):
    return reverse(name, kwargs={"alliance_slug": alliance.slug, **kwargs})


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    client.cookies["django_language"] = "en"
    return client


def test_program_list_for_readers_and_constant_queries(alliance, client):
    representative = make_member(alliance, Role.MEMBER_REPRESENTATIVE)
    client.force_login(representative)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("program-list", alliance))
        assert response.status_code == 200
        return len(captured), response.content.decode()

    for n in range(2):
        new_program(alliance, code=f"p{n}")
    few, body = count()
    assert "顶岗实习补助" in body and 'data-testid="program-create"' not in body
    for n in range(2, 12):
        program = new_program(alliance, code=f"p{n}")
        services.create_program_version(program, effective_from=datetime.date(2024, 6, 1))
    assert count()[0] == few


def test_program_detail_shows_versions_side_by_side_with_changes(alliance, admin_client):
    program = new_program(alliance)
    services.create_program_version(
        program, effective_from=datetime.date(2024, 6, 1), rate=D("350"), funding_shares=[("市财政", "100")]
    )
    response = admin_client.get(url("program-detail", alliance, program_id=program.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="version-1"' in body and 'data-testid="version-2"' in body
    rate_row = body.split('data-parameter="rate"')[1].split("</tr>")[0]
    assert "300.00" in rate_row and "350.00" in rate_row and rate_row.count("changed") == 1
    shares_row = body.split('data-parameter="funding_shares"')[1].split("</tr>")[0]
    assert "市财政 50% / 区县财政 50%" in shares_row and "changed" in shares_row
    assert body.split('data-parameter="unit"')[1].split("</tr>")[0].count("changed") == 0


def test_admin_creates_a_program_on_its_page(alliance, admin_client):
    response = admin_client.post(
        url("program-create", alliance),
        {
            "kind": "training_base",
            "code": "training-base",
            "name": "公共实训基地补贴",
            "effective_from": "2024-09-01",
        },
    )
    program = Program.objects.get(code="training-base")
    assert response.status_code == 302 and response["Location"].endswith(f"/programs/{program.pk}/")
    assert program.versions.get().rate == D("650")


def test_staff_cannot_manage_programs(alliance, staff_client):
    program = new_program(alliance)
    assert staff_client.get(url("program-detail", alliance, program_id=program.pk)).status_code == 200
    for name, kwargs in (
        ("program-create", {}), ("program-version-create", {"program_id": program.pk}),
        ("program-edit", {"program_id": program.pk}), ("period-create", {}),
    ):  # fmt: skip
        assert staff_client.post(url(name, alliance, **kwargs), {}).status_code == 403


def _version_form(version, **changes):
    data = {
        name: ("" if getattr(version, name) is None else getattr(version, name))
        for name in services.VERSION_FIELDS
    }
    data.update({"payer_1": "市财政", "percent_1": "50", "payer_2": "区县财政", "percent_2": "50"})
    data.update(changes)
    return data


def test_new_version_form_starts_from_the_latest_and_refuses_shares_not_adding_up(alliance, admin_client):
    program = new_program(alliance)
    version = program.versions.get()
    page = admin_client.get(url("program-version-create", alliance, program_id=program.pk)).content.decode()
    assert 'value="300.00"' in page and 'value="市财政"' in page
    refused = admin_client.post(
        url("program-version-create", alliance, program_id=program.pk),
        _version_form(version, effective_from="2025-02-01", percent_2="40"),
    )
    assert refused.status_code == 200 and "add up to 90%" in refused.content.decode()
    assert program.versions.count() == 1
    same_day = admin_client.post(
        url("program-version-create", alliance, program_id=program.pk),
        _version_form(version, effective_from="2024-01-01"),
    )
    assert "already takes effect" in same_day.content.decode()
    done = admin_client.post(
        url("program-version-create", alliance, program_id=program.pk),
        _version_form(version, effective_from="2025-02-01", rate="350", school_scope="technical_schools"),
    )
    assert done.status_code == 302
    v2 = program.versions.get(number=2)
    assert v2.rate == D("350") and v2.school_scope == "technical_schools"


def test_version_edit_page_only_for_unused_versions(alliance, admin_client):
    program = new_program(alliance)
    version = program.versions.get()
    edit = url("program-version-edit", alliance, program_id=program.pk, programversion_id=version.pk)
    assert (
        admin_client.post(edit, _version_form(version, rate="310", effective_from="2024-01-01")).status_code
        == 302
    )
    version.refresh_from_db()
    assert version.rate == D("310")
    claim_in(alliance, program, semester(alliance), version)
    assert 'data-testid="version-in-use"' in admin_client.get(edit).content.decode()
    response = admin_client.post(
        edit, _version_form(version, rate="320", effective_from="2024-01-01"), follow=True
    )
    assert "can no longer change" in response.content.decode()
    version.refresh_from_db()
    assert version.rate == D("310")


def test_version_edit_needs_the_program_of_the_version(alliance, admin_client):
    first, second = new_program(alliance, code="a"), new_program(alliance, code="b")
    wrong = url(
        "program-version-edit", alliance, program_id=first.pk, programversion_id=second.versions.get().pk
    )
    assert admin_client.get(wrong).status_code == 404


def test_program_edit_page(alliance, admin_client):
    program = new_program(alliance)
    response = admin_client.post(
        url("program-edit", alliance, program_id=program.pk), {"name": "新名称", "description": "说明"}
    )
    program.refresh_from_db()
    assert response.status_code == 302 and program.name == "新名称" and program.is_active is False


def test_period_pages(alliance, admin_client):
    response = admin_client.post(
        url("period-create", alliance), {"kind": "semester", "academic_year": "2024", "semester": "2"}
    )
    assert response.status_code == 302
    period = Period.objects.get()
    assert period.name == "2024–2025学年第二学期" and period.claim_deadline == datetime.date(2025, 8, 31)
    missing = admin_client.post(url("period-create", alliance), {"kind": "semester", "academic_year": "2025"})
    assert "Choose the first or the second semester" in missing.content.decode()
    body = admin_client.get(url("period-list", alliance)).content.decode()
    assert "2024–2025学年第二学期" in body and "2025-07-31" in body
    edit = url("period-edit", alliance, period_id=period.pk)
    data = {"kind": "semester", "academic_year": "2024", "semester": "2", "name": period.name,
            "starts_on": "2025-02-10", "ends_on": "2025-07-31", "claim_deadline": "2025-08-31"}  # fmt: skip
    assert admin_client.post(edit, data).status_code == 302
    period.refresh_from_db()
    assert period.starts_on == datetime.date(2025, 2, 10)


def test_period_edit_page_explains_claims_falling_outside(alliance, admin_client):
    program = new_program(alliance)
    period = semester(alliance)
    claim_in(
        alliance, program, period, starts_on=datetime.date(2024, 9, 10), ends_on=datetime.date(2025, 1, 15)
    )
    edit = url("period-edit", alliance, period_id=period.pk)
    assert 'data-testid="period-in-use"' in admin_client.get(edit).content.decode()
    data = {"kind": "semester", "academic_year": "2024", "semester": "1", "name": period.name,
            "starts_on": "2024-09-01", "ends_on": "2025-01-10", "claim_deadline": "2025-02-28"}  # fmt: skip
    response = admin_client.post(edit, data)
    assert response.status_code == 200 and "ending on 2025-01-15" in response.content.decode()


def test_period_list_runs_a_constant_number_of_queries(alliance, staff_client):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url("period-list", alliance)).status_code == 200
        return len(captured)

    for year in range(2010, 2013):
        services.create_period(alliance, kind="year", academic_year=year)
    few = count()
    for year in range(2013, 2030):
        services.create_period(alliance, kind="year", academic_year=year)
    assert count() == few


# --- API -----------------------------------------------------------------------------------------------------


def api(alliance, path):
    return f"/api/v1/alliances/{alliance.slug}/{path}"


@pytest.fixture
def admin_api(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.fixture
def staff_api(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def test_api_creates_programs_and_versions(alliance, admin_api):
    created = admin_api.post(
        api(alliance, "programs/"),
        {"kind": "order_class", "code": "order-class", "name": "订单班就业补贴", "effective_from": "2024-01-01",
         "funding_shares": [{"payer": "市财政", "percent": "60"}, {"payer": "区县财政", "percent": "40"}]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["version_in_force"]["rate"] == "10000.00" and body["version_in_force"]["unit"] == "person"
    assert body["version_in_force"]["funding_shares"] == [
        {"payer": "市财政", "percent": "60.00"}, {"payer": "区县财政", "percent": "40.00"},
    ]  # fmt: skip
    versions = api(alliance, f"programs/{body['id']}/versions/")
    bad = admin_api.post(
        versions,
        {"effective_from": "2025-01-01", "funding_shares": [{"payer": "市财政", "percent": "90"}]},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["details"]["funding_shares"]
    made = admin_api.post(versions, {"effective_from": "2025-01-01", "rate": "12000"}, format="json")
    assert made.status_code == 201 and made.json()["number"] == 2 and made.json()["rate"] == "12000.00"
    listed = admin_api.get(versions).json()
    assert [v["number"] for v in listed] == [1, 2] and listed[1]["funding_shares"][0]["percent"] == "60.00"
    assert (
        admin_api.get(api(alliance, "programs/"), {"kind": "order_class"}).json()["results"][0][
            "version_count"
        ]
        == 2
    )


def test_api_versions_in_use_answer_409(alliance, admin_api):
    program = new_program(alliance)
    version = program.versions.get()
    path = api(alliance, f"program-versions/{version.pk}/")
    assert admin_api.patch(path, {"rate": "320"}, format="json").status_code == 200
    claim_in(alliance, program, semester(alliance), version)
    conflict = admin_api.patch(path, {"rate": "330"}, format="json")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "conflict"
    assert admin_api.get(path).json()["in_use"] is True and ProgramVersion.objects.get().rate == D("320")


def test_api_readers_cannot_write(alliance, staff_api):
    program = new_program(alliance)
    assert staff_api.get(api(alliance, f"programs/{program.pk}/")).status_code == 200
    assert staff_api.post(api(alliance, "programs/"), {}, format="json").status_code == 403
    assert (
        staff_api.post(api(alliance, f"programs/{program.pk}/versions/"), {}, format="json").status_code
        == 403
    )
    assert staff_api.post(api(alliance, "periods/"), {}, format="json").status_code == 403


def test_api_periods(alliance, admin_api):
    created = admin_api.post(
        api(alliance, "periods/"), {"kind": "semester", "academic_year": 2024, "semester": 1}, format="json"
    )
    assert created.status_code == 201 and created.json()["name"] == "2024–2025学年第一学期"
    period_id = created.json()["id"]
    assert (
        admin_api.get(api(alliance, "periods/propose/"), {"academic_year": 2024, "semester": 2}).json()[
            "starts_on"
        ]
        == "2025-02-01"
    )
    program = new_program(alliance)
    claim_in(alliance, program, Period.objects.get(pk=period_id), starts_on=datetime.date(2024, 9, 2),
             ends_on=datetime.date(2025, 1, 20))  # fmt: skip
    shrink = admin_api.patch(api(alliance, f"periods/{period_id}/"), {"ends_on": "2025-01-10"}, format="json")
    assert shrink.status_code == 409
    assert admin_api.delete(api(alliance, f"periods/{period_id}/")).status_code == 409
    other = admin_api.post(
        api(alliance, "periods/"), {"kind": "year", "academic_year": 2030}, format="json"
    ).json()
    assert admin_api.delete(api(alliance, f"periods/{other['id']}/")).status_code == 204
    listed = admin_api.get(api(alliance, "periods/")).json()["results"]
    assert [(p["name"], p["claim_count"]) for p in listed] == [("2024–2025学年第一学期", 1)]


def test_api_program_list_runs_a_constant_number_of_queries(alliance, staff_api):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert staff_api.get(api(alliance, "programs/")).status_code == 200
        return len(captured)

    new_program(alliance, code="a")
    few = count()
    for n in range(8):
        services.create_program_version(
            new_program(alliance, code=f"b{n}"), effective_from=datetime.date(2024, 5, 1)
        )
    assert count() == few


def test_openapi_schema_has_the_program_routes(staff_client):
    schema = staff_client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("programs/", "programs/{program_id}/versions/", "program-versions/{programversion_id}/",
                 "periods/", "periods/propose/"):  # fmt: skip
        assert f"/api/v1/alliances/{{alliance_slug}}/{path}" in schema["paths"]


# --- demo ------------------------------------------------------------------------------------------------------


def test_seed_subsidies_is_idempotent(alliance):
    first = seed_subsidies(alliance)
    assert first == {"subsidy programs": 4, "subsidy periods": 5}
    assert seed_subsidies(alliance) == {}
    rates = {p.code: p.versions.get().rate for p in Program.objects.all()}
    assert rates == {"internship-post": D("300"), "order-class": D("10000"), "training-base": D("650"),
                     "quality-specialty": D("1000000")}  # fmt: skip
    assert sorted(Period.objects.values_list("name", flat=True)) == [
        "2024–2025学年第一学期",
        "2024–2025学年第二学期",
        "2025–2026学年第一学期",
        "2025–2026学年第二学期",
        "2026–2027学年第一学期",
    ]

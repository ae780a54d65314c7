"""The permission matrix, cell by cell: the policy as written here, then the same policy through the real views."""

import pytest
from django.urls import reverse

from alliances.access import Membership
from alliances.models import Alliance
from alliances.permissions import MATRIX, Action, Role, unit_kind_allows
from members.models import MemberKind

from .factories import make_alliance, make_member, make_unit
from .routes import ROUTES

# The policy, stated independently of the code. Y = allowed. rep = member representative (any unit kind).
POLICY = """
action                               admin staff rep bureau auditor
alliance.view_dashboard              Y     Y     Y   Y      -
alliance.manage_settings             Y     -     -   -      -
alliance.manage_grants               Y     -     -   -      -
governance.view                      Y     Y     Y   Y      -
governance.manage                    Y     Y     -   -      -
members.view                         Y     Y     -   Y      -
members.manage                       Y     Y     -   -      -
members.edit_own_unit                -     -     Y   -      -
members.request_withdrawal           -     -     Y   -      -
events.view                          Y     Y     Y   Y      -
events.manage                        Y     Y     -   -      -
events.register                      -     -     Y   -      -
subsidies.view                       Y     Y     Y   Y      -
subsidies.submit_claims              -     -     Y   -      -
subsidies.confirm_students           -     -     Y   -      -
subsidies.review_claims              Y     Y     -   -      -
subsidies.run_calculations           Y     Y     -   -      -
subsidies.finalise_runs              Y     -     -   -      -
subsidies.approve_disbursements      -     -     -   Y      -
subsidies.view_disbursements         Y     Y     -   Y      -
subsidies.manage_programs            Y     -     -   -      -
reports.view                         Y     Y     -   Y      -
reports.generate                     Y     Y     -   Y      -
audit.view                           -     -     -   -      Y
jobs.view                            Y     Y     Y   Y      -
jobs.run_exports                     Y     Y     -   -      -
personal_data.reveal                 Y     Y     -   -      -
"""
COLUMNS = {
    "admin": Role.SECRETARIAT_ADMIN,
    "staff": Role.SECRETARIAT_STAFF,
    "rep": Role.MEMBER_REPRESENTATIVE,
    "bureau": Role.BUREAU_OFFICIAL,
    "auditor": Role.AUDITOR,
}


def policy_cells():
    lines = [line.split() for line in POLICY.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    for row in rows:
        for column, mark in zip(header, row[1:], strict=True):
            yield Action(row[0]), COLUMNS[column], mark == "Y"


CELLS = list(policy_cells())


def test_policy_covers_every_role_and_action():
    assert {(action, role) for action, role, _ in CELLS} == {(a, r) for a in Action for r in Role}


@pytest.mark.parametrize(("action", "role", "allowed"), CELLS, ids=lambda v: str(getattr(v, "value", v)))
def test_matrix_cell(action, role, allowed):
    assert (action in MATRIX[role]) is allowed


@pytest.mark.parametrize(
    ("action", "unit_kind", "allowed"),
    [
        (Action.SUBMIT_CLAIMS, MemberKind.ENTERPRISE, True),
        (Action.SUBMIT_CLAIMS, MemberKind.TECHNICAL_SCHOOL, False),
        (Action.CONFIRM_STUDENTS, MemberKind.TECHNICAL_SCHOOL, True),
        (Action.CONFIRM_STUDENTS, MemberKind.HIGHER_VOCATIONAL, True),
        (Action.CONFIRM_STUDENTS, MemberKind.ENTERPRISE, False),
        (Action.EDIT_OWN_UNIT, MemberKind.ASSOCIATION, True),
    ],
)
def test_representatives_act_by_the_kind_of_their_unit(action, unit_kind, allowed):
    membership = Membership(
        alliance=Alliance(), roles=frozenset({Role.MEMBER_REPRESENTATIVE}), member_unit_kind=unit_kind
    )
    assert membership.can(action) is allowed


def test_roles_add_up():
    membership = Membership(alliance=Alliance(), roles=frozenset({Role.AUDITOR, Role.BUREAU_OFFICIAL}))
    assert membership.can(Action.VIEW_AUDIT_LOG) and membership.can(Action.VIEW_REPORTS)
    assert not membership.can(Action.MANAGE_MEMBERS)


VIEWS = [
    (route, method, action) for route in ROUTES if route.is_tenant for method, action in route.view_actions()
]


def test_every_tenant_view_declares_an_action():
    assert VIEWS, "no tenant views found"
    tenant_routes_with_views = {route.name for route, _, _ in VIEWS}
    # Public pages (the online application; the iCalendar feed, whose token is the key) are open to anyone by
    # design and marked as such.
    public = {route.name for route in ROUTES if getattr(route.view, "public_alliance_view", False)}
    assert public == {"member-apply", "member-apply-done", "member-application-info", "calendar-feed"}
    assert {route.name for route in ROUTES if route.is_tenant} - public == tenant_routes_with_views, (
        "a tenant view declares no action"
    )
    for route, _, action in VIEWS:
        assert action is not None, f"{route.name} declares no required_action"
        Action(action)


@pytest.fixture
def people(db):
    alliance = make_alliance()
    users = {role: make_member(alliance, role) for role in Role}
    return alliance, users


@pytest.mark.parametrize(("route", "method", "action"), VIEWS, ids=lambda v: getattr(v, "name", str(v)))
def test_views_follow_the_matrix(route, method, action, people, client):
    alliance, users = people
    rows = _rows_of(alliance, users)
    kwargs = {"alliance_slug": alliance.slug}
    kwargs.update({arg: rows[arg].pk for arg in route.arguments if arg in rows})
    url = reverse(route.name, kwargs=kwargs)
    # The walk's representative acts for an enterprise (make_member's default unit): actions reserved to
    # another kind of unit (schools confirm students) are refused to it, and checked below with a school's.
    allowed = {role: _allowed(role, action, MemberKind.ENTERPRISE) for role in users}
    # Refused roles first: an allowed POST may consume the row (a revoked grant is gone).
    for role, user in sorted(users.items(), key=lambda item: allowed[item[0]]):
        client.force_login(user)
        response = getattr(client, method)(url)
        if allowed[role]:
            assert response.status_code != 403, f"{role} was refused {method.upper()} {url}"
        else:
            assert response.status_code == 403, (
                f"{role} got {response.status_code} for {method.upper()} {url}"
            )
    if action in MATRIX[Role.MEMBER_REPRESENTATIVE] and not allowed[Role.MEMBER_REPRESENTATIVE]:
        school = rows["claimline_id"].school  # the school whose student is on the walk's claim
        assert school.kind in MemberKind.school_kinds() and unit_kind_allows(school.kind, action)
        client.force_login(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=school))
        response = getattr(client, method)(url)
        assert response.status_code != 403, f"a school's representative was refused {method.upper()} {url}"


def _allowed(role, action, representative_unit_kind) -> bool:
    """The matrix, and for representatives the kind of unit they act for."""
    if action not in MATRIX[role]:
        return False
    return role != Role.MEMBER_REPRESENTATIVE or unit_kind_allows(representative_unit_kind, action)


def _rows_of(alliance, users):
    """One row per `<model>_id` argument, visible to every role (jobs are asked for by the representative)."""
    from alliances.audit import record_event
    from alliances.models import Grant, Job
    from members.models import Committee

    unit = make_unit(alliance)
    return {
        "job_id": Job.objects.create(
            alliance=alliance,
            kind="members.export_roster",
            parameters_digest="x",
            requested_by=users[Role.MEMBER_REPRESENTATIVE],
        ),  # fmt: skip
        "memberunit_id": unit,
        "grant_id": Grant.objects.filter(alliance=alliance, role=Role.SECRETARIAT_STAFF).first(),
        "auditentry_id": record_event("test.event", unit),
        "committee_id": Committee.objects.create(alliance=alliance, name="测试委员会"),
        **_member_request_rows(alliance, unit),
        **_member_api_rows(alliance, unit),
        **_governance_rows(alliance),
        **_domain_rows(alliance, unit, users),
        "annualreport_id": _annual_report_row(alliance, users),
    }


def _annual_report_row(alliance, users):
    from .report_rows import annual_report_row

    return annual_report_row(alliance, users[Role.SECRETARIAT_STAFF])


def _domain_rows(alliance, unit, users):
    """Subsidies and events: rows owned by the representative's enterprise, schools confirmed by a school."""
    from members.models import MemberKind

    from .domain_rows import event_rows, subsidy_rows

    representative = users[Role.MEMBER_REPRESENTATIVE]
    grant = representative.grants.filter(alliance=alliance).exclude(member_unit=None).first()
    enterprise = grant.member_unit if grant and grant.member_unit.kind == MemberKind.ENTERPRISE else unit
    school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL)
    return {
        **subsidy_rows(alliance, enterprise, school, representative),
        **event_rows(alliance, enterprise, school, representative),
    }


def _governance_rows(alliance):
    """A charter draft, a council term, a meeting and a resolution (governance pages and API)."""
    from datetime import date

    from alliances import governance_services as gs

    meeting = gs.record_meeting(
        alliance=alliance, body="council", title="理事会", held_on=date(2024, 1, 5), present=3, seats=3
    )
    resolution = gs.record_resolution(
        meeting=meeting,
        number="R1",
        subject="other",
        title="决议",
        votes_for=3,
        votes_against=0,
        votes_abstaining=0,
    )
    return {
        "charter_id": gs.create_charter_draft(alliance, title="章程"),
        "meeting_id": meeting,
        "resolution_id": resolution,
        "councilterm_id": gs.create_council_term(alliance, starts_on=date(2024, 1, 1)),
    }


def _member_api_rows(alliance, unit):
    """A contact and a withdrawal request of a unit (members API)."""
    import datetime

    from members.models import Contact, WithdrawalRequest

    contact = Contact.objects.create(alliance=alliance, member_unit=unit, name="联系人", is_primary=True)
    withdrawal = WithdrawalRequest.objects.create(
        alliance=alliance, member_unit=unit, requested_on=datetime.date(2026, 1, 5),
        earliest_effective_on=datetime.date(2026, 4, 5), effective_on=datetime.date(2026, 4, 5), reason="搬迁",
    )  # fmt: skip
    return {"contact_id": contact, "withdrawalrequest_id": withdrawal}


def _member_request_rows(alliance, unit):
    """A document and a profile change request of a unit (self-service, change-request and download pages)."""
    from django.core.files.base import ContentFile

    from members.models import MemberDocument, ProfileChangeRequest

    document = MemberDocument(
        alliance=alliance, member_unit=unit, title="申请书.pdf", content_type="application/pdf", size=9
    )
    document.file.save("application.pdf", ContentFile(b"%PDF-1.4 "), save=True)
    change = ProfileChangeRequest.objects.create(
        alliance=alliance, member_unit=unit, changes={"name": "新名称"}, previous={"name": unit.name}
    )
    return {"memberdocument_id": document, "profilechangerequest_id": change}

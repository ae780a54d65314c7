"""The permission matrix: which role may do which action. The one place in code that says so.

Views declare the action they need (`required_action`); `grants_allow` answers for a user's grants in
the active alliance. Tests walk the matrix cell by cell against the real views.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SECRETARIAT_ADMIN = "secretariat_admin", _("Secretariat administrator")
    SECRETARIAT_STAFF = "secretariat_staff", _("Secretariat staff")
    MEMBER_REPRESENTATIVE = "member_representative", _("Member representative")
    BUREAU_OFFICIAL = "bureau_official", _("Bureau official")
    AUDITOR = "auditor", _("Auditor")


class PlatformRole(models.TextChoices):
    """Platform-wide duties kept apart (等保 separation of system, security and audit administration)."""

    OPERATOR = "operator", _("Platform operator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


class Action(models.TextChoices):
    VIEW_DASHBOARD = "alliance.view_dashboard", _("See the alliance dashboard")
    MANAGE_SETTINGS = "alliance.manage_settings", _("Change the alliance's settings and charter")
    MANAGE_GRANTS = "alliance.manage_grants", _("Grant and revoke roles")
    VIEW_GOVERNANCE = "governance.view", _("Read the charter, council terms, meetings and resolutions")
    MANAGE_GOVERNANCE = "governance.manage", _("Record council terms, meetings and resolutions")
    VIEW_MEMBERS = "members.view", _("See member units")
    MANAGE_MEMBERS = "members.manage", _("Manage member units and their lifecycle")
    EDIT_OWN_UNIT = "members.edit_own_unit", _("Edit one's own member unit")
    REQUEST_WITHDRAWAL = "members.request_withdrawal", _("Request withdrawal of one's own unit")
    VIEW_EVENTS = "events.view", _("See events")
    MANAGE_EVENTS = "events.manage", _("Manage events and cooperation records")
    REGISTER_FOR_EVENTS = "events.register", _("Register one's unit for events")
    VIEW_SUBSIDIES = "subsidies.view", _("See subsidy programs and periods, and the claims one may act on")
    SUBMIT_CLAIMS = "subsidies.submit_claims", _("Submit subsidy claims (enterprises)")
    CONFIRM_STUDENTS = "subsidies.confirm_students", _("Confirm or deny students on claims (schools)")
    REVIEW_CLAIMS = "subsidies.review_claims", _("Review subsidy claims")
    RUN_CALCULATIONS = "subsidies.run_calculations", _("Run subsidy calculations")
    FINALISE_RUNS = "subsidies.finalise_runs", _("Finalise calculation runs")
    APPROVE_DISBURSEMENTS = "subsidies.approve_disbursements", _("Approve disbursement batches")
    VIEW_DISBURSEMENTS = "subsidies.view_disbursements", _("See disbursement lists")
    MANAGE_PROGRAMS = "subsidies.manage_programs", _("Edit subsidy programs")
    VIEW_REPORTS = "reports.view", _("Read and download reports")
    GENERATE_REPORTS = "reports.generate", _("Generate reports")
    VIEW_AUDIT_LOG = "audit.view", _("Read the audit log")
    VIEW_JOBS = "jobs.view", _("See background jobs")
    RUN_EXPORTS = "jobs.run_exports", _("Start exports")
    REVEAL_PERSONAL_DATA = "personal_data.reveal", _("Reveal masked personal data")


A = Action
_STAFF = {
    A.VIEW_DASHBOARD, A.VIEW_GOVERNANCE, A.MANAGE_GOVERNANCE, A.VIEW_MEMBERS, A.MANAGE_MEMBERS, A.VIEW_EVENTS, A.MANAGE_EVENTS,
    A.VIEW_SUBSIDIES, A.REVIEW_CLAIMS, A.RUN_CALCULATIONS, A.VIEW_DISBURSEMENTS, A.VIEW_REPORTS, A.GENERATE_REPORTS,
    A.VIEW_JOBS, A.RUN_EXPORTS, A.REVEAL_PERSONAL_DATA,
}  # fmt: skip

MATRIX: dict[Role, frozenset[Action]] = {
    Role.SECRETARIAT_ADMIN: frozenset(
        _STAFF | {A.MANAGE_SETTINGS, A.MANAGE_GRANTS, A.FINALISE_RUNS, A.MANAGE_PROGRAMS}
    ),
    Role.SECRETARIAT_STAFF: frozenset(_STAFF),
    Role.MEMBER_REPRESENTATIVE: frozenset(
        {
            A.VIEW_DASHBOARD,
            A.VIEW_GOVERNANCE,
            A.EDIT_OWN_UNIT,
            A.REQUEST_WITHDRAWAL,
            A.VIEW_EVENTS,
            A.REGISTER_FOR_EVENTS,
            A.VIEW_SUBSIDIES,
            A.SUBMIT_CLAIMS,
            A.CONFIRM_STUDENTS,
            A.VIEW_JOBS,
        }
    ),  # fmt: skip
    Role.BUREAU_OFFICIAL: frozenset(
        {
            A.VIEW_DASHBOARD,
            A.VIEW_GOVERNANCE,
            A.VIEW_MEMBERS,
            A.VIEW_EVENTS,
            A.VIEW_SUBSIDIES,
            A.VIEW_DISBURSEMENTS,
            A.APPROVE_DISBURSEMENTS,
            A.VIEW_REPORTS,
            A.GENERATE_REPORTS,
            A.VIEW_JOBS,
        }
    ),  # fmt: skip
    Role.AUDITOR: frozenset({A.VIEW_AUDIT_LOG}),
}


def role_allows(role: str, action: str) -> bool:
    return Action(action) in MATRIX.get(Role(role), frozenset())


def roles_allow(roles: Iterable[str], action: str) -> bool:
    return any(role_allows(role, action) for role in roles)


def unit_kind_allows(unit_kind: str | None, action: str) -> bool:
    """Member representatives act by the kind of unit they represent: only enterprises claim, only schools confirm."""
    from members.models import MemberKind

    if action == Action.SUBMIT_CLAIMS:
        return unit_kind == MemberKind.ENTERPRISE
    if action == Action.CONFIRM_STUDENTS:
        return unit_kind in MemberKind.school_kinds()
    return True

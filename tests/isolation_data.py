"""One row of every tenant-owned model for an alliance, marked so a leak can be seen in any answer.

When a new tenant-owned model arrives, add it to `populate_alliance`; `test_every_tenant_model_is_populated`
fails until then.
"""

from __future__ import annotations

from django.apps import apps
from django.core.files.base import ContentFile

from alliances.audit import record_event
from alliances.governance import (
    Charter,
    CharterArticle,
    CharterStatus,
    CouncilOfficer,
    CouncilTerm,
    Meeting,
    Office,
    Resolution,
)
from alliances.models import Grant, Job, JobStatus
from alliances.permissions import Role
from alliances.services import grant_role
from alliances.tenancy import is_tenant_owned, unscoped
from members.models import (
    Committee,
    CommitteeMembership,
    Contact,
    MemberDocument,
    MemberKind,
    MembershipAction,
    MembershipEvent,
    MemberSpecialty,
    ProfileChangeRequest,
    Specialty,
    WithdrawalRequest,
)

from .domain_rows import event_rows, subsidy_rows
from .factories import make_unit, make_user
from .report_rows import annual_report_row

MARKER = "机密乙方标记"


def populate_alliance(alliance) -> dict:
    enterprise = make_unit(alliance, MemberKind.ENTERPRISE, name=f"{MARKER}精密制造有限公司")
    school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name=f"{MARKER}技师学院")
    committee = Committee.objects.create(
        alliance=alliance, name=f"{MARKER}装备制造专业委员会", chair_unit=school
    )
    membership = CommitteeMembership.objects.create(
        alliance=alliance, committee=committee, member_unit=enterprise
    )
    user = make_user(f"user-of-{alliance.slug}", name=f"{MARKER}秘书")
    grant = grant_role(alliance=alliance, user=user, role=Role.MEMBER_REPRESENTATIVE, member_unit=enterprise)
    job = Job.objects.create(
        alliance=alliance, kind="members.export_roster", parameters={"marker": MARKER},
        parameters_digest=Job.digest({"marker": MARKER}), status=JobStatus.SUCCEEDED, progress=100,
        message=MARKER, requested_by=user,
    )  # fmt: skip
    job.result_file.save("roster.xlsx", ContentFile(MARKER.encode()), save=True)
    entry = record_event("test.marked", enterprise, detail={"marker": MARKER})
    governance = _governance(alliance, school)
    lifecycle = _lifecycle(alliance, enterprise, school, user)
    subsidies = subsidy_rows(alliance, enterprise, school, user, marker=MARKER).values()
    events = event_rows(alliance, enterprise, school, user, marker=MARKER).values()
    report = annual_report_row(alliance, user, marker=MARKER)
    objects = {
        type(obj): obj
        for obj in (
            enterprise,
            committee,
            membership,
            grant,
            job,
            entry,
            *governance,
            *lifecycle,
            *subsidies,
            *events,
            report,
        )
    }
    objects[type(enterprise)] = enterprise
    objects["user"] = user
    return objects


def _governance(alliance, chair_unit) -> list:
    import datetime

    term = CouncilTerm.objects.create(alliance=alliance, number=1, starts_on=datetime.date(2020, 1, 1))
    officer = CouncilOfficer.objects.create(
        alliance=alliance,
        term=term,
        office=Office.CHAIR,
        person_name=f"{MARKER}理事长",
        member_unit=chair_unit,
    )
    meeting = Meeting.objects.create(
        alliance=alliance, body="council", term=term, title=f"{MARKER}理事会会议", held_on=datetime.date(2020, 1, 2),
        seats=3, present=3, minutes=MARKER,
    )  # fmt: skip
    charter = Charter.objects.create(
        alliance=alliance, version=1, title=f"{MARKER}章程", status=CharterStatus.ADOPTED, adopted_at_meeting=meeting,
        adopted_on=datetime.date(2020, 1, 2),
    )  # fmt: skip
    article = CharterArticle.objects.create(
        alliance=alliance, charter=charter, chapter_number=1, chapter_title=f"{MARKER}总则", article_number=1,
        text=MARKER,
    )  # fmt: skip
    resolution = Resolution.objects.create(
        alliance=alliance, meeting=meeting, number=f"{MARKER}-1", subject="admission", title=f"{MARKER}决议",
        votes_for=3, votes_against=0, votes_abstaining=0, quorum_met=True, passed=True, charter=charter,
    )  # fmt: skip
    return [term, officer, meeting, charter, article, resolution]


def _lifecycle(alliance, enterprise, school, user) -> list:
    import datetime

    contact = Contact.objects.create(
        alliance=alliance, member_unit=enterprise, name=f"{MARKER}联系人", mobile="13900000000",
        email="marker@example.cn", is_primary=True,
    )  # fmt: skip
    specialty = MemberSpecialty.objects.create(
        alliance=alliance, member_unit=school, specialty=Specialty.objects.order_by("code").first()
    )
    event = MembershipEvent.objects.create(
        alliance=alliance, member_unit=enterprise, action=MembershipAction.CREATED, reason=MARKER
    )
    document = MemberDocument(
        alliance=alliance, member_unit=enterprise, event=event, title=f"{MARKER}.pdf",
        content_type="application/pdf", size=len(MARKER.encode()),
    )  # fmt: skip
    document.file.save("marker.pdf", ContentFile(b"%PDF-1.4 " + MARKER.encode()), save=True)
    withdrawal = WithdrawalRequest.objects.create(
        alliance=alliance, member_unit=enterprise, requested_on=datetime.date(2026, 1, 1),
        earliest_effective_on=datetime.date(2026, 4, 1), effective_on=datetime.date(2026, 4, 1), reason=MARKER,
        requested_by=user,
    )  # fmt: skip
    change = ProfileChangeRequest.objects.create(
        alliance=alliance, member_unit=enterprise, changes={"name": f"{MARKER}新名称"}, previous={"name": "x"},
        reason=MARKER, requested_by=user,
    )  # fmt: skip
    return [contact, specialty, event, document, withdrawal, change]


def tenant_models():
    return [model for model in apps.get_models() if is_tenant_owned(model)]


def snapshot(alliance) -> dict:
    """Everything of one alliance, to compare before and after a walk."""
    with unscoped("isolation test snapshot"):
        return {
            model._meta.label: list(model.objects.filter(alliance=alliance).order_by("pk").values())
            for model in tenant_models()
        }


def test_every_tenant_model_is_populated(db):
    from .factories import make_alliance

    with unscoped("isolation data check"):
        objects = populate_alliance(make_alliance())
    missing = [model._meta.label for model in tenant_models() if model not in objects]
    assert not missing, f"tests/isolation_data.py makes no row of {missing}"
    assert Grant in objects

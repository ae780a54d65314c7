"""One row of every tenant-owned model for an alliance, marked so a leak can be seen in any answer.

When a new tenant-owned model arrives, add it to `populate_alliance`; `test_every_tenant_model_is_populated`
fails until then.
"""

from __future__ import annotations

from django.apps import apps
from django.core.files.base import ContentFile

from alliances.audit import record_event
from alliances.models import Grant, Job, JobStatus
from alliances.permissions import Role
from alliances.services import grant_role
from alliances.tenancy import is_tenant_owned, unscoped
from members.models import Committee, CommitteeMembership, MemberKind

from .factories import make_unit, make_user

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
    objects = {type(obj): obj for obj in (enterprise, committee, membership, grant, job, entry)}
    objects[type(enterprise)] = enterprise
    objects["user"] = user
    return objects


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

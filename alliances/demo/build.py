"""Writing the demo data: create what is missing, by natural key; never change what exists.

Natural keys: alliance by slug; member unit by (alliance, credit code) or (alliance, name), both
unique; contact by (unit, name); specialty offered by (unit, specialty); committee by (alliance, name);
committee membership by (committee, unit); charter by (alliance, version); council term by (alliance,
number); officer by (term, office, name); meeting by (alliance, body, date, title); user by username;
grant by (alliance, user, role). Because existing rows are left alone, a demo user who changed their
password keeps it, and running the command twice creates nothing the second time.

After the founding, the membership story of 淄博 and 宜昌 (membership.py: applications, admissions,
withdrawals, suspensions, an expulsion in 2025 and 2026) goes through the lifecycle services; a unit that
left a committee (its timeline says so) or is no longer a member is not put back on it.

One exception: a unit made by an older version of the demo, whose profile fields (industry, head count,
school level, dates…) are still empty, gets them filled in; fields that hold a value are never touched.
The reference data the profiles point at (industries, specialties) is loaded first if its tables are empty.
"""

from __future__ import annotations

from base64 import b32decode
from collections import Counter
from dataclasses import asdict

from django.db import transaction
from django.db.models import Count, Q

from events.demo import seed_events
from members.models import (
    CURRENT_MEMBER_STATUSES,
    OPEN_APPLICATION_STATUSES,
    Committee,
    CommitteeMembership,
    Contact,
    MembershipAction,
    MembershipEvent,
    MemberSpecialty,
    MemberUnit,
)
from members.reference import ensure_reference_data

from ..audit import record_event
from ..governance import (
    Charter,
    CharterArticle,
    CharterStatus,
    CouncilOfficer,
    CouncilTerm,
    GoverningBody,
    Meeting,
)
from ..models import Alliance, Grant, User
from ..tenancy import guard_write, scope, unscoped
from .data import (
    ALLIANCES,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_TOTP_KEY_BASE32,
    DEMO_USERS,
    AllianceSpec,
    UnitSpec,
    UserSpec,
)
from .membership import seed_membership_story


def seed_demo(stdout=None) -> dict:
    """Create the demo alliances and logins where missing; return a summary and print it to `stdout`."""
    from subsidies.demo import seed_subsidy_claims  # here: subsidies.demo imports .clock of this package

    created = Counter()
    with transaction.atomic():
        alliances = [build_alliance(spec, created) for spec in ALLIANCES]
        users = _ensure_users(DEMO_USERS, created)
        for alliance in alliances:
            _ensure_grants(alliance, DEMO_USERS, users, created)
        _ensure_authenticators(users, created)
    # The membership story (applications, admissions, withdrawals, expulsions at the meetings events.demo
    # recorded), subsidy claims and runs need the logins that act in them. Each step, claim and run is its own
    # transaction, so that its on-commit work (e-mail, the calculation job) happens in the demo's story time.
    for alliance in alliances:
        created.update(seed_membership_story(alliance))
        created.update(seed_subsidy_claims(alliance))
    created = +created  # drop the zero counts
    if created:
        _record_seeding(created)
    summary = {
        "created": dict(created),
        "alliances": [_summarise(alliance) for alliance in alliances],
        "logins": [login._asdict() for login in DEMO_LOGINS],
    }
    if stdout is not None:
        _print_summary(stdout, summary)
    return summary


def build_alliance(spec: AllianceSpec, created: Counter | None = None) -> Alliance:
    """Create one alliance from its spec, with whichever of its units and committees are missing.

    `created`, when given, is incremented with the number of rows made of each kind.
    """
    from subsidies.demo import seed_subsidies  # here: subsidies.demo imports .clock of this package

    created = Counter() if created is None else created
    fields = asdict(spec.facts)
    with transaction.atomic():
        ensure_reference_data()
        alliance, made = Alliance.objects.get_or_create(slug=fields.pop("slug"), defaults=fields)
        created["alliances"] += made
        with scope(alliance.pk):
            units = _ensure_units(alliance, spec, created)
            _ensure_contacts(alliance, spec, units, created)
            _ensure_specialties(alliance, spec, units, created)
            committees = _ensure_committees(alliance, spec, units, created)
            _ensure_committee_members(alliance, spec, units, committees, created)
            _ensure_governance(alliance, spec, units, created)
            _ensure_history(alliance, units, created)
            created.update(seed_subsidies(alliance))
            created.update(seed_events(alliance))
    return alliance


def _ensure_history(alliance: Alliance, units: dict[str, MemberUnit], created: Counter) -> None:
    """Each demo unit's timeline starts with its application and admission (founding members)."""
    import datetime

    from django.utils import timezone

    from members.models import MembershipAction, MembershipEvent

    def at(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))

    have = set(MembershipEvent.objects.filter(alliance=alliance).values_list("member_unit_id", flat=True))
    events = []
    for unit in units.values():
        if unit.pk in have or not unit.applied_on:
            continue
        events.append(MembershipEvent(alliance=alliance, member_unit=unit, action=MembershipAction.APPLIED,
                                      to_status="applied", occurred_at=at(unit.applied_on)))  # fmt: skip
        if unit.admitted_on:
            events.append(MembershipEvent(
                alliance=alliance, member_unit=unit, action=MembershipAction.ADMITTED, from_status="applied",
                to_status="admitted", effective_on=unit.admitted_on, occurred_at=at(unit.admitted_on),
                reason="成立大会暨第一届理事会第一次会议确认的创始成员单位",
            ))  # fmt: skip
    _bulk_create(alliance, MembershipEvent, events)
    created["membership events"] += len(events)


def _bulk_create(alliance: Alliance, model, rows: list) -> list:
    # bulk_create skips Model.save(), which is where tenant rows check the scope: check it here.
    guard_write(alliance.pk)
    return model.objects.bulk_create(rows) if rows else []


def _ensure_units(alliance: Alliance, spec: AllianceSpec, created: Counter) -> dict[str, MemberUnit]:
    """Every unit of the spec, by its spec name; a unit renamed or re-coded by hand is found by the other key."""
    existing = list(MemberUnit.objects.filter(alliance=alliance))
    by_code = {unit.credit_code: unit for unit in existing}
    by_name = {unit.name: unit for unit in existing}
    found = {s.name: by_code.get(s.credit_code) or by_name.get(s.name) for s in spec.units}
    _complete_profiles(spec, found, created)
    missing = [MemberUnit(alliance=alliance, **s.row_fields()) for s in spec.units if found[s.name] is None]
    found.update({unit.name: unit for unit in _bulk_create(alliance, MemberUnit, missing)})
    created["member units"] += len(missing)
    return found


# Filled in on existing units where empty; above_designated_size goes with employee_count.
PROFILE_FIELDS = (
    "applied_on", "admitted_on", "industry_division_id", "employee_count", "ownership", "school_level",
    "enrolment", "teacher_count",
)  # fmt: skip


def _complete_profiles(spec: AllianceSpec, found: dict[str, MemberUnit | None], created: Counter) -> None:
    changed, fields = [], set()
    for unit_spec in spec.units:
        unit = found[unit_spec.name]
        if unit is None:
            continue
        empty = [
            f
            for f in PROFILE_FIELDS
            if getattr(unit, f) in (None, "") and getattr(unit_spec, f) not in (None, "")
        ]
        for f in empty:
            setattr(unit, f, getattr(unit_spec, f))
        if "employee_count" in empty:
            unit.above_designated_size = unit_spec.above_designated_size
            empty.append("above_designated_size")
        if empty:
            changed.append(unit)
            fields.update(empty)
    if changed:
        MemberUnit.objects.bulk_update(changed, sorted(fields))
    created["unit profiles completed"] += len(changed)


def _ensure_contacts(
    alliance: Alliance, spec: AllianceSpec, units: dict[str, MemberUnit], created: Counter
) -> None:
    have = set(Contact.objects.filter(alliance=alliance).values_list("member_unit_id", "name"))
    missing = [
        Contact(alliance=alliance, member_unit=units[s.name], **asdict(contact))
        for s in spec.units
        for contact in s.contacts
        if (units[s.name].pk, contact.name) not in have
    ]
    _bulk_create(alliance, Contact, missing)
    created["contacts"] += len(missing)


def _ensure_specialties(
    alliance: Alliance, spec: AllianceSpec, units: dict[str, MemberUnit], created: Counter
) -> None:
    have = set(
        MemberSpecialty.objects.filter(alliance=alliance).values_list("member_unit_id", "specialty_id")
    )
    missing = [
        MemberSpecialty(alliance=alliance, member_unit=units[s.name], specialty_id=code)
        for s in spec.units
        for code in s.specialties
        if (units[s.name].pk, code) not in have
    ]
    _bulk_create(alliance, MemberSpecialty, missing)
    created["specialties offered"] += len(missing)


def _ensure_committees(
    alliance: Alliance, spec: AllianceSpec, units: dict[str, MemberUnit], created: Counter
) -> dict[str, Committee]:
    committees = {c.name: c for c in Committee.objects.filter(alliance=alliance)}
    missing = [
        Committee(alliance=alliance, name=c.name, chair_unit=units[c.chair], description=c.description)
        for c in spec.committees
        if c.name not in committees
    ]
    committees.update({c.name: c for c in _bulk_create(alliance, Committee, missing)})
    created["committees"] += len(missing)
    return committees


def _ensure_committee_members(
    alliance: Alliance,
    spec: AllianceSpec,
    units: dict[str, MemberUnit],
    committees: dict[str, Committee],
    created: Counter,
) -> None:
    have = set(
        CommitteeMembership.objects.filter(alliance=alliance).values_list("committee_id", "member_unit_id")
    )
    left = _left_committees(alliance)
    wanted = [(committees[c.name], units[name]) for c in spec.committees for name in c.members]
    missing = [
        CommitteeMembership(
            alliance=alliance, committee=committee, member_unit=unit, joined_on=spec.facts.founded_on
        )
        for committee, unit in wanted
        if (committee.pk, unit.pk) not in have
        and (committee.name, unit.pk) not in left
        and unit.status in CURRENT_MEMBER_STATUSES
    ]
    _bulk_create(alliance, CommitteeMembership, missing)
    created["committee memberships"] += len(missing)


def _left_committees(alliance: Alliance) -> set[tuple[str, int]]:
    """(committee name, unit id) of every unit whose timeline says it left the committee (removed by hand, or
    withdrawn or expelled in the membership story): it is not put back, nor is a unit that is no longer a member."""
    rows = MembershipEvent.objects.filter(
        alliance=alliance, action=MembershipAction.COMMITTEE_LEFT
    ).values_list("member_unit_id", "detail")
    return {(name, unit_id) for unit_id, detail in rows for name in (detail or {}).get("committees", [])}


def _ensure_governance(
    alliance: Alliance, spec: AllianceSpec, units: dict[str, MemberUnit], created: Counter
) -> None:
    """Council term 1 and its officers, the founding council meeting, and charter version 1 adopted there."""
    gov = spec.governance
    term, made = CouncilTerm.objects.get_or_create(
        alliance=alliance, number=1, defaults={"starts_on": gov.term_starts_on}
    )
    created["council terms"] += made
    have = set(CouncilOfficer.objects.filter(term=term).values_list("office", "person_name"))
    officers = [
        CouncilOfficer(
            alliance=alliance,
            term=term,
            office=o.office,
            person_name=o.person_name,
            member_unit=units[o.unit],
        )
        for o in gov.officers
        if (o.office, o.person_name) not in have
    ]
    _bulk_create(alliance, CouncilOfficer, officers)
    created["council officers"] += len(officers)

    meeting, made = Meeting.objects.get_or_create(
        alliance=alliance,
        body=GoverningBody.COUNCIL,
        held_on=gov.term_starts_on,
        title=gov.meeting_title,
        defaults={
            "term": term, "location": gov.meeting_location, "seats": gov.seats, "present": gov.present,
            "minutes": gov.minutes,
        },
    )  # fmt: skip
    created["meetings"] += made

    charter = Charter.objects.filter(alliance=alliance, version=1).first()
    if charter is None:
        # Adopted, unless the alliance has since adopted a charter of its own (one may be in force).
        adopted = Charter.objects.filter(alliance=alliance, status=CharterStatus.ADOPTED).exists()
        charter = Charter.objects.create(
            alliance=alliance, version=1, title=gov.charter_title,
            status=CharterStatus.SUPERSEDED if adopted else CharterStatus.ADOPTED,
            adopted_at_meeting=meeting, adopted_on=meeting.held_on, withdrawal_notice_months=3,
            admission_body=GoverningBody.COUNCIL, withdrawal_body=GoverningBody.STANDING_COUNCIL,
            expulsion_body=GoverningBody.COUNCIL, quorum_numerator=2, quorum_denominator=3,
            pass_numerator=2, pass_denominator=3,
            notes="成立大会暨第一届理事会第一次会议表决通过。",
        )  # fmt: skip
        created["charters"] += 1
    if not CharterArticle.objects.filter(charter=charter).exists():  # never add to a charter someone wrote
        articles = [CharterArticle(alliance=alliance, charter=charter, **asdict(a)) for a in gov.articles]
        _bulk_create(alliance, CharterArticle, articles)
        created["charter articles"] += len(articles)


def _ensure_users(specs: tuple[UserSpec, ...], created: Counter) -> dict[str, User]:
    """Accounts are global rows, made one by one through the manager so the configured hasher salts each."""
    users = {user.username: user for user in User.objects.filter(username__in=[s.username for s in specs])}
    for spec in specs:
        if spec.username not in users:
            users[spec.username] = User.objects.create_user(
                spec.username,
                spec.email,
                DEMO_PASSWORD,  # only for new accounts: a password changed since is kept
                name=spec.name,
                mobile=spec.mobile,
                platform_role=spec.platform_role,
                is_staff=spec.is_staff,
                is_superuser=spec.is_superuser,
            )
            created["users"] += 1
    return users


def _ensure_grants(
    alliance: Alliance, specs: tuple[UserSpec, ...], users: dict[str, User], created: Counter
) -> None:
    wanted = [
        (users[s.username], grant) for s in specs for grant in s.grants if grant.alliance == alliance.slug
    ]
    with scope(alliance.pk):
        have = set(Grant.objects.filter(alliance=alliance).values_list("user_id", "role"))
        missing = [
            Grant(alliance=alliance, user=user, role=grant.role, member_unit=_find_unit(alliance, grant.unit))
            for user, grant in wanted
            if (user.pk, grant.role) not in have
        ]
        _bulk_create(alliance, Grant, missing)
    created["grants"] += len(missing)


def _ensure_authenticators(users: dict[str, User], created: Counter) -> None:
    """Platform administrators log in with a second factor: give the demo ones the published demo key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = b32decode(DEMO_TOTP_KEY_BASE32).hex()
    for user in users.values():
        if user.platform_role and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)
            created["authenticators"] += 1


def _find_unit(alliance: Alliance, unit: UnitSpec | None) -> MemberUnit | None:
    if unit is None:
        return None
    return MemberUnit.objects.filter(
        Q(credit_code=unit.credit_code) | Q(name=unit.name), alliance=alliance
    ).first()


def _record_seeding(created: Counter) -> None:
    # One platform entry (no alliance) for the whole run, which spans every demo alliance.
    with unscoped("seed demo data: platform audit entry"):
        record_event("demo.seeded", detail={"created": dict(created)})


def _summarise(alliance: Alliance) -> dict:
    """Current members (admitted, suspended or asking to leave) by kind, and the applications still open."""
    with scope(alliance.pk):
        members = MemberUnit.objects.filter(status__in=CURRENT_MEMBER_STATUSES)
        by_kind = dict(members.values_list("kind").annotate(n=Count("pk")).order_by("kind"))
        return {
            "slug": alliance.slug,
            "name": alliance.name,
            "members": sum(by_kind.values()),
            "by_kind": by_kind,
            "applications": MemberUnit.objects.filter(status__in=OPEN_APPLICATION_STATUSES).count(),
            "committees": Committee.objects.count(),
            "committee_memberships": CommitteeMembership.objects.count(),
            "grants": Grant.objects.count(),
        }


def _print_summary(out, summary: dict) -> None:
    lines = [
        "Created: "
        + (", ".join(f"{n} {what}" for what, n in summary["created"].items()) or "nothing, all present")
    ]
    for a in summary["alliances"]:
        kinds = ", ".join(f"{kind} {n}" for kind, n in a["by_kind"].items())
        open_applications = f", {a['applications']} applications open" if a["applications"] else ""
        lines.append(
            f"  {a['slug']:<8} {a['members']:>3} members ({kinds}){open_applications}; {a['committees']} committees, "
            f"{a['grants']} grants  {a['name']}"
        )
    lines.append(f"Demo logins, password {DEMO_PASSWORD} (accounts that already existed keep their own):")
    lines += [f"  {login.username:<14} {login.alliance} · {login.role}" for login in DEMO_LOGINS]
    for line in lines:
        out.write(line + "\n")

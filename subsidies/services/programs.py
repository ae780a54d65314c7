"""Subsidy programs as versioned policy data, and the periods claims are made for.

Programs
- `create_program(alliance, kind=…, code=…, name=…, actor=…)` makes the program and its version 1 with the
  defaults of its kind (`KIND_DEFAULTS`, from the 淄博 measures in the seeds) and the default funding split
  (`DEFAULT_FUNDING_SHARES`: 市财政 50 % / 区县财政 50 % — the seed says "paid by city and district budgets"
  without a split, so an even split is the neutral default; the secretariat sets the real one).
- `create_program_version(program, effective_from=…, funding_shares=…, actor=…, **changes)` makes a NEW
  version (number + 1), starting from the latest version's values. Versions are the history of the policy:
  `version_in_force(program, on_date)` is the latest version with `effective_from` ≤ the date.
- `update_program_version(version, …)` edits a version in place only while no claim and no calculation run
  uses it (`version_in_use`); afterwards it raises `InUse` — make a new version instead. So a claim fixed to
  version 1, or a run computed with it, never sees its rules change.
- Funding shares must add up to exactly 100 % (each share above 0, payers named once).

Periods
- `propose_period(kind, academic_year, semester)`: the name and default dates (第一学期 1 Sep – 31 Jan,
  第二学期 1 Feb – 31 Jul, a year 1 Sep – 31 Aug; the claim deadline is the last day of the month after the end).
- `create_period`, `update_period` (a period with claims keeps covering its lines' dates and submissions),
  `delete_period` (only a period no claim or run uses).

Every change is audited (`subsidies.program.*`, `subsidies.program_version.*`, `subsidies.period.*`).
Bad input raises `ValidationError` (a form error, 400 in the API); a change the current state does not allow
raises `InUse` (a ValidationError subclass; 409 in the API).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.audit import record_event

from ..models import (
    CalculationRun,
    Claim,
    ClaimLine,
    FundingShare,
    Period,
    PeriodKind,
    Program,
    ProgramKind,
    ProgramVersion,
    RateUnit,
)

HUNDRED = Decimal("100")
MAX_PAYERS = 4

# The defaults of each kind of program (淄博 measures, seed 003). Fields not named keep the model's defaults:
# min_duration_days 30, min_age 16, max_intern_share 10 %, min_host_share 2 %, no cap, no budget, pro rata.
KIND_DEFAULTS: dict[str, dict] = {
    ProgramKind.INTERNSHIP_POST: {
        "unit": RateUnit.POST_SEMESTER,
        "rate": Decimal("300.00"),
        "min_host_share": Decimal("2"),
        "max_intern_share": Decimal("10"),
    },
    ProgramKind.ORDER_CLASS: {"unit": RateUnit.PERSON, "rate": Decimal("10000.00")},
    ProgramKind.TRAINING_BASE: {"unit": RateUnit.PERSON, "rate": Decimal("650.00")},
    ProgramKind.QUALITY_SPECIALTY: {
        "unit": RateUnit.ONE_TIME,
        "rate": Decimal("1000000.00"),
        "secondary_rate": Decimal("500000.00"),
    },
}
DEFAULT_FUNDING_SHARES: tuple[tuple[str, Decimal], ...] = (
    ("市财政", Decimal("50")),
    ("区县财政", Decimal("50")),
)

# The parameters of a version a secretariat administrator may set (in this order on forms and pages).
VERSION_FIELDS = (
    "effective_from", "policy_reference", "unit", "rate", "secondary_rate", "max_months", "min_duration_days",
    "min_age", "max_intern_share", "min_host_share", "cap_per_enterprise", "budget", "over_budget_policy",
    "duplicate_student_policy", "intern_cap_policy", "post_counting", "min_host_share_effect", "school_scope",
)  # fmt: skip
PROGRAM_FIELDS = ("name", "description", "is_active")
PERIOD_FIELDS = ("kind", "name", "academic_year", "semester", "starts_on", "ends_on", "claim_deadline")


class InUse(ValidationError):
    """The object is used by claims or runs, so this change is refused (the API answers 409)."""


# --- helpers -------------------------------------------------------------------------------------------------


def _plain(value):
    """A value as it goes into the audit log's detail (JSON)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _changes(before: dict, after: dict) -> dict:
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def _version_values(version: ProgramVersion) -> dict:
    return {name: getattr(version, name) for name in VERSION_FIELDS}


def _actor_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _share_error(message: str, code: str) -> ValidationError:
    return ValidationError({"funding_shares": ValidationError(message, code=code)})


def normalise_funding_shares(shares) -> list[tuple[str, Decimal]]:
    """[(payer, percent)] from pairs or dicts; ValidationError unless the shares add up to exactly 100 %."""
    result: list[tuple[str, Decimal]] = []
    seen: set[str] = set()
    for item in shares or ():
        payer, percent = (item.get("payer"), item.get("percent")) if isinstance(item, dict) else item
        payer = (payer or "").strip()
        if not payer and percent in (None, ""):
            continue  # an empty row of a form
        if not payer:
            raise _share_error(_("Name the payer of each share."), "payer_missing")
        if len(payer) > FundingShare._meta.get_field("payer").max_length:
            raise _share_error(_("The payer's name is too long."), "payer_too_long")
        if payer in seen:
            raise _share_error(_("%(payer)s is named twice.") % {"payer": payer}, "payer_twice")
        try:
            percent = Decimal(str(percent))
        except (InvalidOperation, ValueError, TypeError):
            raise _share_error(
                _("The share of %(payer)s is not a number.") % {"payer": payer}, "share_invalid"
            ) from None
        if (
            not percent.is_finite()
            or not 0 < percent <= HUNDRED
            or percent != percent.quantize(Decimal("0.01"))
        ):
            raise _share_error(
                _("The share of %(payer)s must be above 0 and at most 100, with at most two decimals.")
                % {"payer": payer},
                "share_invalid",
            )
        seen.add(payer)
        result.append((payer, percent.quantize(Decimal("0.01"))))
    if not result:
        raise _share_error(_("Give at least one payer."), "no_payers")
    if len(result) > MAX_PAYERS:
        raise _share_error(_("At most %(count)d payers.") % {"count": MAX_PAYERS}, "too_many_payers")
    total = sum((percent for _payer, percent in result), Decimal("0"))
    if total != HUNDRED:
        raise _share_error(
            _("The shares add up to %(total)s%%; they must add up to exactly 100%%.")
            % {"total": _plain(total)},
            "shares_not_100",
        )
    return result


def funding_split_label(shares: Iterable) -> str:
    """“市财政 50% / 区县财政 50%” for pages and the audit log."""
    return " / ".join(f"{share.payer} {_plain(share.percent)}%" for share in shares)


def _save_shares(version: ProgramVersion, shares: list[tuple[str, Decimal]]) -> None:
    FundingShare.objects.filter(version=version).delete()
    FundingShare.objects.bulk_create(
        [
            FundingShare(
                alliance_id=version.alliance_id, version=version, payer=payer, percent=percent, position=n
            )
            for n, (payer, percent) in enumerate(shares)
        ]
    )


def _validate_version(version: ProgramVersion) -> None:
    """Field validators and choices, plus a clear message for a second version starting on the same day."""
    clash = (
        ProgramVersion.objects.filter(program_id=version.program_id, effective_from=version.effective_from)
        .exclude(pk=version.pk)
        .values_list("number", flat=True)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"effective_from": _("Version %(number)s already takes effect on %(date)s; choose another day.")
             % {"number": clash, "date": version.effective_from.isoformat()}},
            code="effective_from_taken",
        )  # fmt: skip
    version.full_clean(exclude=["alliance", "program", "created_by"], validate_constraints=False)


# --- programs ------------------------------------------------------------------------------------------------


def version_in_force(program: Program, on_date) -> ProgramVersion | None:
    """The latest version of the program that took effect on or before the date (None before the first)."""
    return (
        ProgramVersion.objects.filter(program=program, effective_from__lte=on_date)
        .order_by("-effective_from", "-number")
        .first()
    )


def version_for_claim(claim: Claim) -> ProgramVersion | None:
    """The rules a claim is checked against: the version it is fixed to (from its submission on), else the
    version in force on the first day of its period (the one a calculation of the period would use)."""
    if claim.program_version_id:
        return claim.program_version
    return version_in_force(claim.program, claim.period.starts_on)


def version_in_use(version: ProgramVersion) -> bool:
    """A claim is fixed to it or a calculation run used it: it may no longer change."""
    return (
        Claim.objects.filter(program_version=version).exists()
        or CalculationRun.objects.filter(program_version=version).exists()
    )


def create_program(
    alliance, *, kind: str, code: str, name: str, description: str = "", is_active: bool = True,
    effective_from: datetime.date | None = None, policy_reference: str = "", funding_shares=None, actor=None,
    **version_fields,
) -> Program:  # fmt: skip
    """A program with its version 1: the defaults of its kind, overridden by `version_fields`."""
    if kind not in ProgramKind.values:
        raise ValidationError({"kind": _("Choose a kind of program.")}, code="invalid_kind")
    unknown = set(version_fields) - set(VERSION_FIELDS)
    if unknown:
        raise TypeError(f"not version fields: {sorted(unknown)}")
    shares = normalise_funding_shares(DEFAULT_FUNDING_SHARES if funding_shares is None else funding_shares)
    code = (code or "").strip()
    with transaction.atomic():
        if Program.objects.filter(alliance=alliance, code=code).exists():
            raise ValidationError(
                {"code": _("Another program already has the code %(code)s.") % {"code": code}},
                code="code_taken",
            )
        program = Program(
            alliance=alliance, code=code, name=(name or "").strip(), kind=kind, description=description,
            is_active=is_active,
        )  # fmt: skip
        program.full_clean(exclude=["alliance"], validate_constraints=False)
        program.save()
        values = {**KIND_DEFAULTS[kind], **version_fields}
        version = ProgramVersion(
            alliance=alliance, program=program, number=1,
            effective_from=effective_from or timezone.localdate(), policy_reference=policy_reference,
            created_by=_actor_or_none(actor), **values,
        )  # fmt: skip
        _validate_version(version)
        version.save()
        _save_shares(version, shares)
        record_event(
            "subsidies.program.created", program,
            detail={"code": program.code, "kind": kind, "version": 1,
                    "values": {name: _plain(value) for name, value in _version_values(version).items()},
                    "funding_shares": [[payer, _plain(percent)] for payer, percent in shares]},
        )  # fmt: skip
    return program


def update_program(program: Program, *, actor=None, **changes) -> Program:
    """Name, description and whether the program is open for claims (its rules are in its versions)."""
    unknown = set(changes) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"not program fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        locked.full_clean(exclude=["alliance"], validate_constraints=False)
        diff = _changes(before, {name: getattr(locked, name) for name in changes})
        if diff:
            locked.save()
            record_event("subsidies.program.updated", locked, detail={"changes": diff})
    for name in changes:
        setattr(program, name, getattr(locked, name))
    return program


def create_program_version(
    program: Program, *, effective_from: datetime.date, funding_shares=None, actor=None, **changes
) -> ProgramVersion:
    """A new version (number + 1) starting from the latest version's values, with `changes` applied; the funding
    split is the latest version's unless given. Earlier versions stay as they are."""
    unknown = set(changes) - set(VERSION_FIELDS)
    if unknown:
        raise TypeError(f"not version fields: {sorted(unknown)}")
    if effective_from is None:
        raise ValidationError(
            {"effective_from": _("Give the day the version takes effect.")}, code="required"
        )
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)  # one new number at a time
        latest = (
            ProgramVersion.objects.filter(program=locked)
            .prefetch_related("funding_shares")
            .order_by("-number")
            .first()
        )
        values = _version_values(latest) if latest else dict(KIND_DEFAULTS[locked.kind])
        values.pop("effective_from", None)
        values.update(changes)
        if funding_shares is None:
            shares = (
                [(share.payer, share.percent) for share in latest.funding_shares.all()]
                if latest else list(DEFAULT_FUNDING_SHARES)
            )  # fmt: skip
        else:
            shares = funding_shares
        shares = normalise_funding_shares(shares)
        version = ProgramVersion(
            alliance_id=locked.alliance_id, program=locked, number=(latest.number + 1) if latest else 1,
            effective_from=effective_from, created_by=_actor_or_none(actor), **values,
        )  # fmt: skip
        _validate_version(version)
        version.save()
        _save_shares(version, shares)
        previous = _version_values(latest) if latest else {}
        previous_shares = funding_split_label(latest.funding_shares.all()) if latest else ""
        new_shares = funding_split_label(version.funding_shares.all())
        changed = _changes(previous, _version_values(version))
        if previous_shares != new_shares:
            changed["funding_shares"] = [previous_shares, new_shares]
        record_event(
            "subsidies.program_version.created", version,
            detail={"program": locked.code, "number": version.number, "changes": changed},
        )  # fmt: skip
    return version


def update_program_version(
    version: ProgramVersion, *, funding_shares=None, actor=None, **changes
) -> ProgramVersion:
    """Edit a version in place: only while no claim and no calculation run uses it (else `InUse`)."""
    unknown = set(changes) - set(VERSION_FIELDS)
    if unknown:
        raise TypeError(f"not version fields: {sorted(unknown)}")
    with transaction.atomic():
        Program.objects.select_for_update().filter(
            pk=version.program_id
        ).first()  # serialise with new versions
        locked = ProgramVersion.objects.select_for_update().select_related("program").get(pk=version.pk)
        if version_in_use(locked):
            raise InUse(
                _("Version %(number)s of %(program)s is used by claims or calculation runs and can no longer "
                  "change; make a new version instead.") % {"number": locked.number, "program": locked.program.name},
                code="version_in_use",
            )  # fmt: skip
        before = _version_values(locked)
        previous_shares = funding_split_label(locked.funding_shares.all())
        for name, value in changes.items():
            setattr(locked, name, value)
        _validate_version(locked)
        shares = None if funding_shares is None else normalise_funding_shares(funding_shares)
        changed = _changes(before, _version_values(locked))
        if changed:
            locked.save()
        if shares is not None:
            _save_shares(locked, shares)
            new_shares = funding_split_label(locked.funding_shares.all())
            if new_shares != previous_shares:
                changed["funding_shares"] = [previous_shares, new_shares]
        if changed:
            record_event(
                "subsidies.program_version.updated", locked,
                detail={"program": locked.program.code, "number": locked.number, "changes": changed},
            )  # fmt: skip
    for name in VERSION_FIELDS:
        setattr(version, name, getattr(locked, name))
    return locked


def version_differences(versions: list[ProgramVersion]) -> dict[int, set[str]]:
    """For each version (by pk), the parameters (and `funding_shares`) that differ from the version before it
    (by number). Versions must come with their funding shares prefetched."""
    result: dict[int, set[str]] = {}
    previous = None
    for version in sorted(versions, key=lambda v: v.number):
        if previous is None:
            result[version.pk] = set()
        else:
            changed = {name for name in VERSION_FIELDS if getattr(previous, name) != getattr(version, name)}
            if funding_split_label(previous.funding_shares.all()) != funding_split_label(
                version.funding_shares.all()
            ):
                changed.add("funding_shares")
            result[version.pk] = changed
        previous = version
    return result


# --- periods -------------------------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def propose_period(kind: str, academic_year: int, semester: int | None = None) -> dict:
    """Name and default dates of a period of the academic year starting in `academic_year` (2024 for 2024–2025).

    第一学期 (autumn) 1 Sep – 31 Jan, 第二学期 (spring) 1 Feb – 31 Jul, a year 1 Sep – 31 Aug; claims are due by
    the last day of the month after the period ends. Alliances change the dates to their own calendars."""
    year = int(academic_year)
    span = f"{year}–{year + 1}学年"
    if kind == PeriodKind.YEAR:
        starts, ends, name = datetime.date(year, 9, 1), datetime.date(year + 1, 8, 31), span
    elif semester == 2:
        starts, ends, name = datetime.date(year + 1, 2, 1), datetime.date(year + 1, 7, 31), f"{span}第二学期"
    else:
        starts, ends, name = datetime.date(year, 9, 1), datetime.date(year + 1, 1, 31), f"{span}第一学期"
    deadline_year, deadline_month = (ends.year + 1, 1) if ends.month == 12 else (ends.year, ends.month + 1)
    return {
        "kind": kind, "academic_year": year, "semester": None if kind == PeriodKind.YEAR else (semester or 1),
        "name": name, "starts_on": starts, "ends_on": ends, "claim_deadline": _month_end(deadline_year, deadline_month),
    }  # fmt: skip


def _validate_period(period: Period) -> None:
    errors: dict[str, str] = {}
    if period.kind == PeriodKind.SEMESTER and period.semester not in (1, 2):
        errors["semester"] = _("Choose the first or the second semester.")
    if period.kind == PeriodKind.YEAR and period.semester:
        errors["semester"] = _("A year has no semester.")
    if period.starts_on and period.ends_on and period.ends_on < period.starts_on:
        errors["ends_on"] = _("The period ends before it starts.")
    if period.starts_on and period.claim_deadline and period.claim_deadline < period.starts_on:
        errors["claim_deadline"] = _("The claim deadline is before the period starts.")
    if period.name and Period.objects.filter(name=period.name).exclude(pk=period.pk).exists():
        errors["name"] = _("Another period is already called %(name)s.") % {"name": period.name}
    if errors:
        raise ValidationError(errors, code="invalid_period")
    period.full_clean(exclude=["alliance"], validate_constraints=False)


def create_period(
    alliance, *, kind: str, academic_year: int, semester: int | None = None, name: str = "",
    starts_on=None, ends_on=None, claim_deadline=None, actor=None,
) -> Period:  # fmt: skip
    """A period; the name and the dates left out are proposed from the academic year and semester."""
    if kind not in PeriodKind.values:
        raise ValidationError({"kind": _("Choose a semester or a year.")}, code="invalid_kind")
    if academic_year in (None, ""):
        raise ValidationError({"academic_year": _("Give the academic year.")}, code="required")
    proposal = propose_period(kind, academic_year, semester)
    period = Period(
        alliance=alliance, kind=kind, academic_year=int(academic_year),
        semester=proposal["semester"] if semester is None else (None if kind == PeriodKind.YEAR else semester),
        name=(name or "").strip() or proposal["name"], starts_on=starts_on or proposal["starts_on"],
        ends_on=ends_on or proposal["ends_on"], claim_deadline=claim_deadline or proposal["claim_deadline"],
    )  # fmt: skip
    with transaction.atomic():
        _validate_period(period)
        period.save()
        record_event(
            "subsidies.period.created", period,
            detail={name: _plain(getattr(period, name)) for name in PERIOD_FIELDS},
        )  # fmt: skip
    return period


def period_usage(period: Period) -> dict:
    """What a period's claims hold: the earliest start and latest end of their lines, the last submission."""
    lines = ClaimLine.objects.filter(claim__period=period).aggregate(
        first=Min("starts_on"), last=Max("ends_on")
    )
    claims = Claim.objects.filter(period=period).aggregate(
        count=Count("pk"), submitted=Max("first_submitted_at")
    )
    return {"has_claims": bool(claims["count"]), **lines, "submitted": claims["submitted"]}


def update_period(period: Period, *, actor=None, **changes) -> Period:
    """Change a period. Once it has claims its dates must still cover every line's internship and its deadline
    every submission already made."""
    unknown = set(changes) - set(PERIOD_FIELDS)
    if unknown:
        raise TypeError(f"not period fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Period.objects.select_for_update().get(pk=period.pk)
        before = {name: getattr(locked, name) for name in PERIOD_FIELDS}
        for name, value in changes.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        if locked.kind == PeriodKind.YEAR:
            locked.semester = None
        _validate_period(locked)
        usage = period_usage(locked)
        if usage["has_claims"]:
            _check_claims_stay_inside(locked, usage)
        diff = _changes(before, {name: getattr(locked, name) for name in PERIOD_FIELDS})
        if diff:
            locked.save()
            record_event("subsidies.period.updated", locked, detail={"changes": diff})
    for name in PERIOD_FIELDS:
        setattr(period, name, getattr(locked, name))
    return period


def _check_claims_stay_inside(period: Period, usage: dict) -> None:
    errors: dict[str, str] = {}
    first, last, submitted = usage["first"], usage["last"], usage["submitted"]
    if first is not None and period.starts_on > first:
        errors["starts_on"] = _(
            "Claims of this period have internships starting on %(date)s: the period must start on that day or "
            "earlier."
        ) % {"date": first.isoformat()}
    if last is not None and period.ends_on < last:
        errors["ends_on"] = _(
            "Claims of this period have internships ending on %(date)s: the period must end on that day or later."
        ) % {"date": last.isoformat()}
    if submitted is not None:
        day = timezone.localdate(submitted)
        if period.claim_deadline < day:
            errors["claim_deadline"] = _(
                "A claim of this period was submitted on %(date)s: the deadline cannot move before that day."
            ) % {"date": day.isoformat()}
    if errors:
        raise InUse(errors, code="period_in_use")


def delete_period(period: Period, *, actor=None) -> None:
    """Remove a period no claim and no calculation run uses (else `InUse`)."""
    with transaction.atomic():
        locked = Period.objects.select_for_update().get(pk=period.pk)
        if (
            Claim.objects.filter(period=locked).exists()
            or CalculationRun.objects.filter(period=locked).exists()
        ):
            raise InUse(
                _("%(name)s has claims or calculation runs and cannot be deleted.") % {"name": locked.name},
                code="period_in_use",
            )
        detail = {name: _plain(getattr(locked, name)) for name in PERIOD_FIELDS}
        record_event("subsidies.period.deleted", locked, detail=detail)
        locked.delete()

"""The enterprise's online claim: open it, fill in its lines (form, API or Excel), attach documents, give the
account to pay into, check it and submit it.

- `create_claim(enterprise, program, period, actor)`: only an enterprise that is a current member, for a program
  open for claims, before the period's claim deadline. At most one claim per enterprise, program and period (a
  database constraint): opening it again returns the existing claim (`claim.was_created` says which).
- `update_claim_payment(claim, payee_name, bank_name, bank_account)`: the account number (8–30 digits) is stored
  encrypted (`personal_data.encrypt`) with a mask for the screen; the plaintext never reaches the database.
- `add_claim_line`, `update_claim_line`, `remove_claim_line`: only while the claim is a draft or returned for
  correction (`workflow.EDITABLE_CLAIM_STATUSES`). In a returned claim the lines the secretariat approved stay as
  they are; the others (returned, rejected, not yet reviewed, new) can be corrected. A corrected line goes back to
  its school and to review.
- `import_claim_lines(claim, uploaded_file, actor)`: the Excel template, all or nothing (subsidies/imports.py).
- `attach_claim_document`, `remove_claim_document`: PDF/JPEG/PNG checked by content (alliances.uploads).
- `check_claim_now(claim)`: run the compliance checks (subsidies/checks.py) and store each line's findings.
- `submit_claim(claim, actor)`: locks the claim row, runs the checks, refuses with the findings when any error is
  left (`SubmissionRefused`, 400 in the API), refuses a first submission after the claim deadline (`DeadlinePassed`,
  409; a returned claim may be resubmitted after it), fixes the program version in force on the first day of the
  period, and moves draft/returned → submitted → school confirmation (or review) in one transaction. Submitting
  twice (double click, two tabs, an API retry) is harmless: the second call finds the claim submitted and returns
  it unchanged — no second claim, no second transition.

Resident ID numbers are stored only as `encrypt(number)`, `keyed_hash(number)`, `mask_resident_id(number)` and the
birth date read from the number; the plaintext is never written to the database, the log or the audit detail.
Every change is audited. Bad input raises `ValidationError` (a form error, 400 in the API); a step the claim's state
does not allow raises `TransitionRefused` (409 in the API).
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.audit import record_event
from alliances.models import AuditOutcome
from alliances.permissions import Action
from alliances.personal_data import encrypt, keyed_hash, mask_bank_account, mask_resident_id
from alliances.uploads import check_document
from members.models import CURRENT_MEMBER_STATUSES, MemberKind, MemberUnit

from ..models import (
    Claim,
    ClaimDocument,
    ClaimLine,
    ClaimStatus,
    LineReview,
    Period,
    Program,
    ProgramKind,
    SchoolDecision,
)
from ..workflow import EDITABLE_CLAIM_STATUSES, TransitionRefused, move_claim

S = ClaimStatus
# A second submission finds the claim in one of these: it was submitted already, nothing to do.
SUBMITTED_STATUSES = frozenset({S.SUBMITTED, S.SCHOOL_CONFIRMATION, S.UNDER_REVIEW})
# The values of a line an enterprise gives (the resident ID number in plain text, only in memory).
LINE_FIELDS = (
    "student_name", "resident_id", "school", "order_class", "specialty", "post", "starts_on", "ends_on",
    "agreement_number", "insurance_policy_number", "monthly_pay", "award_level",
)  # fmt: skip
# Resident ID findings that make a number unusable (a wrong number would also give a wrong keyed hash, and the
# check for a student claimed twice would miss it): refused at entry. An unknown division code is only a finding.
UNUSABLE_ID_CODES = frozenset({"id_missing", "id_format", "id_check_digit", "id_birth_date"})
BANK_ACCOUNT = re.compile(r"\d{8,30}")
MAX_PAY = Decimal("99999999.99")


class DeadlinePassed(TransitionRefused):
    """The period's claim deadline has passed: a new claim cannot be opened or submitted (409)."""


class SubmissionRefused(ValidationError):
    """The checks found errors: nothing was submitted. `findings` lists them, `summary` counts them."""

    def __init__(self, message, *, findings: list[dict], summary=None):
        super().__init__(message, code="findings")
        self.findings = findings
        self.summary = summary


@dataclass
class ImportResult:
    """What `import_claim_lines` did: lines created, or (nothing created) the problems found.

    `errors`: {row, column, value, message}; `row` is None for a problem of the file as a whole. Resident ID
    numbers in `value` are masked. `report_job`: a finished Job holding the error report (XLSX) to download."""

    created: int = 0
    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    report_job: object = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def file_error(self) -> str | None:
        if len(self.errors) == 1 and self.errors[0]["row"] is None:
            return self.errors[0]["message"]
        return None


# --- helpers ---------------------------------------------------------------------------------------------------


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lock(claim: Claim | int) -> Claim:
    """The claim row, locked until the end of the transaction and read afresh (never the caller's stale copy)."""
    pk = claim.pk if isinstance(claim, Claim) else claim
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("program", "period", "enterprise")
        .get(pk=pk)
    )


def _sync(target, fresh: Claim) -> None:
    if isinstance(target, Claim) and target is not fresh:
        for name in (
            "status", "revision", "program_version_id", "submitted_at", "first_submitted_at", "payee_name",
            "bank_name", "bank_account_encrypted", "bank_account_masked", "updated_at",
        ):  # fmt: skip
            setattr(target, name, getattr(fresh, name))


def _require_editable(claim: Claim) -> None:
    if claim.status not in EDITABLE_CLAIM_STATUSES:
        raise TransitionRefused(
            _("Claim %(number)s is “%(status)s”: it can be changed only as a draft or when it is returned for "
              "correction.") % {"number": claim.number, "status": claim.get_status_display()}
        )  # fmt: skip


def _touch(claim: Claim) -> None:
    Claim.objects.filter(pk=claim.pk).update(revision=claim.revision + 1, updated_at=timezone.now())
    claim.revision += 1


def line_is_editable(claim: Claim, line: ClaimLine) -> bool:
    """Whether the enterprise may change or remove the line now."""
    if claim.status not in EDITABLE_CLAIM_STATUSES:
        return False
    return not (claim.status == S.RETURNED and line.review == LineReview.APPROVED)


def _require_line_editable(claim: Claim, line: ClaimLine) -> None:
    _require_editable(claim)
    if not line_is_editable(claim, line):
        raise TransitionRefused(
            _("Line %(position)s (%(name)s) was approved by the secretariat and stays as it is.")
            % {"position": line.position, "name": line.student_name}
        )


def is_current_enterprise(unit: MemberUnit | None) -> bool:
    return unit is not None and unit.kind == MemberKind.ENTERPRISE and unit.status in CURRENT_MEMBER_STATUSES


def deadline_passed(period: Period, today: datetime.date | None = None) -> bool:
    return (today or timezone.localdate()) > period.claim_deadline


def open_programs():
    """Programs open for claims."""
    return Program.objects.filter(is_active=True).order_by("code")


def open_periods(today: datetime.date | None = None):
    """Periods whose claim deadline has not passed."""
    return Period.objects.filter(claim_deadline__gte=today or timezone.localdate()).order_by(
        "starts_on", "pk"
    )


# --- who sees which claims ------------------------------------------------------------------------------------


def visible_claims(membership, queryset=None):
    """The claims a user may see in lists: the secretariat every claim; an enterprise its own; a school the
    submitted claims with its students; a bureau official the submitted claims (an overview, no lines)."""
    queryset = Claim.objects.all() if queryset is None else queryset
    if membership.can(Action.REVIEW_CLAIMS):
        return queryset
    unit_id = membership.member_unit_id
    condition = Q(pk__in=[])
    if unit_id and membership.can(Action.SUBMIT_CLAIMS):
        condition |= Q(enterprise_id=unit_id)
    if unit_id and membership.can(Action.CONFIRM_STUDENTS):
        mine = ClaimLine.objects.filter(claim_id=OuterRef("pk"), school_id=unit_id)
        condition |= Q(Exists(mine)) & ~Q(status=S.DRAFT)
    if membership.can(Action.VIEW_DISBURSEMENTS):
        condition |= ~Q(status=S.DRAFT)
    return queryset.filter(condition)


def claim_viewer(membership, claim: Claim) -> str | None:
    """How a user looks at one claim: "enterprise", "staff", "school", or None (the claim is not theirs: 404).
    The enterprise first: a user who is also secretariat staff works on their own enterprise's claim as such."""
    unit_id = membership.member_unit_id
    if unit_id and membership.can(Action.SUBMIT_CLAIMS) and claim.enterprise_id == unit_id:
        return "enterprise"
    if membership.can(Action.REVIEW_CLAIMS):
        return "staff"
    if (
        unit_id
        and membership.can(Action.CONFIRM_STUDENTS)
        and claim.status != S.DRAFT
        and ClaimLine.objects.filter(claim=claim, school_id=unit_id).exists()
    ):
        return "school"
    return None


def order_class_claims(membership, record) -> dict:
    """What the claims made of an order or named class (a cooperation record), for its page: how many lines on how
    many claims name it and how many of them were approved (everyone who may read the record sees the numbers), and
    the claims the reader may see (`visible_claims`), each with its lines naming the class and whether the reader
    may open it (the bureau lists claims but opens none). Two queries."""
    lines = ClaimLine.objects.filter(order_class=record)
    totals = lines.aggregate(
        lines=Count("pk"),
        claims=Count("claim", distinct=True),
        approved=Count("pk", filter=Q(review=LineReview.APPROVED, claim__status=S.APPROVED)),
    )
    unit_id = membership.member_unit_id
    counts = {"class_lines": Count("lines", filter=Q(lines__order_class=record))}
    if unit_id:
        counts["my_students"] = Count("lines", filter=Q(lines__school_id=unit_id))
    claims = list(
        visible_claims(membership, Claim.objects.filter(pk__in=lines.values("claim_id")))
        .select_related("program", "period", "enterprise")
        .annotate(**counts)
        .order_by("-period__starts_on", "number")
    )
    staff = membership.can(Action.REVIEW_CLAIMS)
    enterprise = unit_id if unit_id and membership.can(Action.SUBMIT_CLAIMS) else None
    school = unit_id and membership.can(Action.CONFIRM_STUDENTS)
    for claim in claims:
        claim.can_open = bool(
            staff or claim.enterprise_id == enterprise
            or (school and claim.status != S.DRAFT and getattr(claim, "my_students", 0))
        )  # fmt: skip
    return {"totals": totals, "claims": claims}


# --- opening a claim --------------------------------------------------------------------------------------------


def create_claim(enterprise: MemberUnit, program: Program, period: Period, actor=None) -> Claim:
    """The enterprise's claim under the program for the period: the existing one, or a new draft."""
    if not is_current_enterprise(enterprise):
        raise ValidationError(
            _("Only enterprises that are current members of the alliance can claim subsidies.")
        )
    existing = Claim.objects.filter(enterprise=enterprise, program=program, period=period).first()
    if existing is not None:
        existing.was_created = False
        return existing
    errors = {}
    if not program.is_active:
        errors["program"] = _("%(program)s is not open for claims.") % {"program": program.name}
    if deadline_passed(period):
        errors["period"] = _("Claims for %(period)s were due by %(deadline)s.") % {
            "period": period.name, "deadline": period.claim_deadline.isoformat(),
        }  # fmt: skip
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                alliance_id=enterprise.alliance_id, program=program, period=period, enterprise=enterprise,
                number=f"tmp-{uuid.uuid4().hex[:24]}", payee_name=enterprise.name[:200], created_by=_user(actor),
            )  # fmt: skip
            claim.number = f"SB{period.academic_year}{period.semester or 0}-{claim.pk:06d}"
            Claim.objects.filter(pk=claim.pk).update(number=claim.number)
            record_event(
                "subsidies.claim.created", claim,
                detail={"program": program.code, "period": period.name, "enterprise": enterprise.pk},
                user=_user(actor),
            )  # fmt: skip
    except IntegrityError:
        # Opened at the same moment in another request (two tabs, a retry): that claim is the one.
        existing = Claim.objects.filter(enterprise=enterprise, program=program, period=period).first()
        if existing is None:
            raise
        existing.was_created = False
        return existing
    claim.was_created = True
    return claim


# --- payment account --------------------------------------------------------------------------------------------


def normalise_bank_account(value: str) -> str:
    """Digits only (spaces and hyphens as people write them are dropped); ValidationError unless 8–30 digits."""
    digits = re.sub(r"[\s\-]", "", str(value or ""))
    if not BANK_ACCOUNT.fullmatch(digits):
        raise ValidationError(
            {"bank_account": _("A bank account number has 8 to 30 digits (spaces are allowed).")}
        )
    return digits


def update_claim_payment(
    claim: Claim, payee_name: str, bank_name: str, bank_account: str | None, actor=None
) -> Claim:
    """The account the subsidy is paid into. `bank_account` None or "" keeps the stored number."""
    payee_name, bank_name = (payee_name or "").strip(), (bank_name or "").strip()
    errors = {}
    if not payee_name:
        errors["payee_name"] = _("Give the account holder's name.")
    elif len(payee_name) > 200:
        errors["payee_name"] = _("At most %(limit)d characters.") % {"limit": 200}
    if not bank_name:
        errors["bank_name"] = _("Give the bank (and branch).")
    elif len(bank_name) > 100:
        errors["bank_name"] = _("At most %(limit)d characters.") % {"limit": 100}
    digits = None
    if bank_account:
        try:
            digits = normalise_bank_account(bank_account)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(claim)
        _require_editable(locked)
        if digits is None and not locked.bank_account_encrypted:
            raise ValidationError({"bank_account": _("Give the bank account number.")})
        changed = [
            name for name, value in (("payee_name", payee_name), ("bank_name", bank_name))
            if getattr(locked, name) != value
        ]  # fmt: skip
        locked.payee_name, locked.bank_name = payee_name, bank_name
        if digits is not None:
            masked = mask_bank_account(digits)
            if masked != locked.bank_account_masked or not locked.bank_account_encrypted:
                changed.append("bank_account")
            locked.bank_account_encrypted = encrypt(digits)
            locked.bank_account_masked = masked
        if changed or digits is not None:
            locked.revision += 1
            locked.save(update_fields=[
                "payee_name", "bank_name", "bank_account_encrypted", "bank_account_masked", "revision", "updated_at",
            ])  # fmt: skip
            record_event(
                "subsidies.claim.payment_updated", locked,
                detail={"fields": changed or ["bank_account"], "bank_account": locked.bank_account_masked},
                user=_user(actor),
            )  # fmt: skip
    _sync(claim, locked)
    return locked


# --- lines ------------------------------------------------------------------------------------------------------


def identity_fields(resident_id: str, *, known_divisions=frozenset()) -> dict:
    """What is stored of a resident ID number: the ciphertext, the keyed hash, the mask and the birth date.

    Raises ValidationError (on `resident_id`) for a number that cannot be right: wrong length or characters, a
    check digit that does not match, a birth date that does not exist. The message never repeats the number."""
    from ..checks import check_resident_id

    identity = check_resident_id(resident_id or "", known_divisions=known_divisions)
    unusable = [finding.message for finding in identity.findings if finding.code in UNUSABLE_ID_CODES]
    if unusable:
        raise ValidationError({"resident_id": unusable})
    number = identity.number
    return {
        "resident_id_encrypted": encrypt(number),
        "resident_id_hash": keyed_hash(number),
        "resident_id_masked": mask_resident_id(number),
        "birth_date": identity.birth_date,
    }


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def enterprise_order_classes(enterprise_id: int | None, *, usable_only: bool = False, include=None):
    """The enterprise's order and named classes (cooperation records of the alliance), newest cohort first. With
    `usable_only`, only those in force or completed (the ones whose graduates are subsidised), plus `include`."""
    from events.models import CooperationKind, CooperationRecord
    from events.services.cooperation import SUBSIDY_STATUSES

    queryset = CooperationRecord.objects.filter(
        kind__in=CooperationKind.class_kinds(), enterprise_id=enterprise_id
    )
    if usable_only:
        condition = Q(status__in=SUBSIDY_STATUSES)
        if include is not None:
            condition |= Q(pk=include.pk if hasattr(include, "pk") else include)
        queryset = queryset.filter(condition)
    return queryset.select_related("school").order_by("-graduation_year", "class_name", "title", "pk")


def _order_class(value, claim: Claim | None, errors: dict):
    """The order class a line names (a record or its id), or None; errors when it cannot be this claim's."""
    from events.models import CooperationKind, CooperationRecord

    if value in (None, ""):
        return None
    record = value
    if not isinstance(value, CooperationRecord):
        record = CooperationRecord.objects.select_related("school").filter(pk=value).first()
    problem = None
    if record is None or record.kind not in CooperationKind.class_kinds():
        problem = _("Choose one of your enterprise's order or named classes.")
    elif claim is not None and record.enterprise_id != claim.enterprise_id:
        problem = _(
            "%(class)s is a class of another enterprise: choose one of your enterprise's classes."
        ) % {"class": record.class_label}
    elif claim is not None and claim.program.kind != ProgramKind.ORDER_CLASS:
        problem = _("Only lines of an order-class employment claim name an order class.")
    if problem:
        errors.setdefault("order_class", []).append(problem)
        return None
    return record


def clean_line_values(values: dict, *, partial: bool = False, claim: Claim | None = None) -> dict:
    """Check and normalise a line's values (a form's cleaned data, an API body, an imported row).

    Returns the model fields to set, the resident ID number turned into its stored form. With `partial`, only the
    values given are checked (an update); otherwise the name and the resident ID number are required. `claim`, the
    line's claim, limits the order class to the claiming enterprise's; the line's school is then the class's."""
    unknown = set(values) - set(LINE_FIELDS)
    if unknown:
        raise TypeError(f"not line fields: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    clean: dict = {}

    def given(name: str) -> bool:
        return name in values or not partial

    if given("student_name"):
        name = _text(values.get("student_name"))
        if not name:
            errors.setdefault("student_name", []).append(_("Give the student's name."))
        clean["student_name"] = name
    if given("resident_id"):
        resident_id = _text(values.get("resident_id"))
        if resident_id or not partial:
            try:
                clean.update(identity_fields(resident_id))
            except ValidationError as exc:
                errors.setdefault("resident_id", []).extend(exc.message_dict["resident_id"])
    if given("school"):
        school = values.get("school")
        if school is not None and not isinstance(school, MemberUnit):
            school = MemberUnit.objects.filter(pk=school).first()
            if school is None:
                errors.setdefault("school", []).append(_("Choose a school of the alliance."))
        if school is not None and school.kind not in MemberKind.school_kinds():
            errors.setdefault("school", []).append(_("%(unit)s is not a school.") % {"unit": school.name})
        clean["school"] = school
    if "order_class" in values:
        record = _order_class(values.get("order_class"), claim, errors)
        clean["order_class"] = record
        if record is not None:
            given_school = clean.get("school")
            if given_school is not None and given_school.pk != record.school_id:
                errors.setdefault("school", []).append(
                    _("The school of a graduate of %(class)s is the class's: %(school)s.")
                    % {"class": record.class_label, "school": record.school.name}
                )
            clean["school"] = record.school
    for name in ("specialty", "post", "agreement_number", "insurance_policy_number", "award_level"):
        if given(name):
            clean[name] = _text(values.get(name))
    for name in ("starts_on", "ends_on"):
        if given(name):
            value = values.get(name) or None
            if value is not None and not isinstance(value, datetime.date):
                errors.setdefault(name, []).append(_("Enter a valid date."))
            clean[name] = value
    if given("monthly_pay"):
        pay = values.get("monthly_pay")
        if pay in (None, ""):
            clean["monthly_pay"] = None
        else:
            try:
                pay = Decimal(str(pay))
            except ArithmeticError:
                pay = None
            if (
                pay is None
                or not pay.is_finite()
                or pay < 0
                or pay > MAX_PAY
                or pay != pay.quantize(Decimal("0.01"))
            ):
                errors.setdefault("monthly_pay", []).append(
                    _("Give the monthly pay in CNY: a number of 0 or more with at most two decimals.")
                )
            else:
                clean["monthly_pay"] = pay.quantize(Decimal("0.01"))
    # Lengths and choices, as the model states them.
    probe = ClaimLine(**{k: v for k, v in clean.items() if k not in ("school", "order_class")})
    for name in (
        "student_name",
        "specialty",
        "post",
        "agreement_number",
        "insurance_policy_number",
        "award_level",
    ):
        if name not in clean or name in errors:
            continue
        try:
            probe._meta.get_field(name).clean(clean[name], probe)
        except ValidationError as exc:
            if name == "student_name" and not clean[name]:
                continue
            errors.setdefault(name, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return clean


def _with_program(claim: Claim | int) -> Claim:
    """The claim with its program (the kind decides whether lines name an order class), read once."""
    if isinstance(claim, Claim) and "program" in claim._state.fields_cache:
        return claim
    pk = claim.pk if isinstance(claim, Claim) else claim
    return Claim.objects.select_related("program").get(pk=pk)


def _changes_school_confirmation(line: ClaimLine, clean: dict) -> bool:
    """Whether the school must look at the line again (a different student, school, class or internship)."""
    watched = ("resident_id_hash", "student_name", "school", "order_class", "specialty", "starts_on", "ends_on")  # fmt: skip
    return any(name in clean and getattr(line, name) != clean[name] for name in watched)


def _refresh(claim: Claim):
    from ..checks import refresh_claim_checks

    return refresh_claim_checks(claim)


def add_claim_line(claim: Claim, values: dict, actor=None) -> ClaimLine:
    """A new line at the end of the claim; the claim's findings are refreshed."""
    clean = clean_line_values(values, claim=_with_program(claim))
    with transaction.atomic():
        locked = _lock(claim)
        _require_editable(locked)
        if ClaimLine.objects.filter(claim=locked, resident_id_hash=clean["resident_id_hash"]).exists():
            raise ValidationError({"resident_id": _("This student is already on this claim.")})
        last = ClaimLine.objects.filter(claim=locked).aggregate(last=Max("position"))["last"] or 0
        line = ClaimLine.objects.create(
            alliance_id=locked.alliance_id, claim=locked, position=last + 1, **clean
        )
        _touch(locked)
        record_event(
            "subsidies.line.added", line, detail={"claim": locked.number, "position": line.position},
            user=_user(actor),
        )  # fmt: skip
        _refresh(locked)
    _sync(claim, locked)
    line.refresh_from_db()
    return line


def update_claim_line(line: ClaimLine, values: dict, actor=None) -> ClaimLine:
    """Change the values given (an empty resident ID number keeps the stored one). A changed line waits for its
    school again; a line the reviewer returned or rejected is reviewed again."""
    values = dict(values)
    if not _text(values.get("resident_id", "x")):
        values.pop("resident_id")
    clean = clean_line_values(values, partial=True, claim=_with_program(line.claim_id))
    with transaction.atomic():
        locked = _lock(line.claim_id)
        current = ClaimLine.objects.select_for_update().get(pk=line.pk, claim=locked)
        _require_line_editable(locked, current)
        if "resident_id_hash" in clean and clean["resident_id_hash"] != current.resident_id_hash:
            if (
                ClaimLine.objects.filter(claim=locked, resident_id_hash=clean["resident_id_hash"])
                .exclude(pk=current.pk)
                .exists()
            ):
                raise ValidationError({"resident_id": _("This student is already on this claim.")})
        if "school" in clean and "order_class" not in clean and current.order_class_id:
            record = current.order_class
            if clean["school"] is None or clean["school"].pk != record.school_id:
                raise ValidationError({"school": _(
                    "The school of a graduate of %(class)s is the class's: %(school)s."
                ) % {"class": record.class_label, "school": record.school.name}})  # fmt: skip
        changed = [
            name for name, value in clean.items()
            if getattr(current, name) != value and name not in ("resident_id_encrypted", "resident_id_masked")
        ]  # fmt: skip
        if not changed:
            return current
        again_to_school = _changes_school_confirmation(current, clean)
        for name, value in clean.items():
            setattr(current, name, value)
        if again_to_school and current.school_decision != SchoolDecision.PENDING:
            current.school_decision, current.school_note, current.school_decided_at = (
                SchoolDecision.PENDING,
                "",
                None,
            )
        if current.review in (LineReview.RETURNED, LineReview.REJECTED):
            current.review, current.reviewed_at, current.reviewed_by = LineReview.PENDING, None, None
        current.revision += 1
        current.save()
        _touch(locked)
        fields = ["resident_id" if name == "resident_id_hash" else name for name in changed]
        fields = [name for name in fields if name != "birth_date"]
        record_event(
            "subsidies.line.updated", current,
            detail={"claim": locked.number, "position": current.position, "fields": fields},
            user=_user(actor),
        )  # fmt: skip
        _refresh(locked)
    current.refresh_from_db()
    return current


def remove_claim_line(line: ClaimLine, actor=None) -> None:
    with transaction.atomic():
        locked = _lock(line.claim_id)
        current = ClaimLine.objects.select_for_update().filter(pk=line.pk, claim=locked).first()
        if current is None:
            return  # removed already (a second click)
        _require_line_editable(locked, current)
        if current.run_lines.exists():
            raise TransitionRefused(_("This line is part of a calculation run and cannot be removed."))
        detail = {"claim": locked.number, "position": current.position, "student": current.student_name}
        record_event("subsidies.line.removed", current, detail=detail, user=_user(actor))
        current.delete()
        _touch(locked)
        _refresh(locked)


def import_claim_lines(claim: Claim, uploaded_file, actor=None) -> ImportResult:
    """Lines from the filled-in Excel template: every row is checked first; when any has a problem nothing is
    added and the problems are listed (row, column, message) with an error report; otherwise all rows are added
    at once (set-based). See subsidies/imports.py."""
    from ..imports import import_lines

    return import_lines(claim, uploaded_file, actor)


class BulkLinesRefused(ValidationError):
    """Some rows of a bulk create are wrong: nothing was added. `errors`: [{row, field, message}]."""

    def __init__(self, errors: list[dict]):
        super().__init__(
            _("Nothing was added: %(count)d problems were found.") % {"count": len(errors)}, code="rows"
        )
        self.errors = errors


def add_lines_in_bulk(claim: Claim, rows: list[dict], actor=None) -> list[ClaimLine]:
    """Several lines at once, all or nothing (the API's bulk create). `rows` are line values as for
    `add_claim_line`. Raises `BulkLinesRefused` with each row's errors (rows numbered from 1) when any is wrong."""
    errors: list[dict] = []
    cleaned: list[tuple[int, dict]] = []
    first_row: dict[str, int] = {}
    with_program = _with_program(claim)
    for number, values in enumerate(rows, start=1):
        try:
            clean = clean_line_values(values, claim=with_program)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.extend({"row": number, "field": name, "message": message} for message in messages)
            continue
        key = clean["resident_id_hash"]
        if key in first_row:
            errors.append({"row": number, "field": "resident_id",
                           "message": _("The same student is also in row %(row)d.") % {"row": first_row[key]}})  # fmt: skip
        else:
            first_row[key] = number
        cleaned.append((number, clean))
    with transaction.atomic():
        locked = _lock(claim)
        _require_editable(locked)
        if cleaned:
            already = set(
                ClaimLine.objects.filter(claim=locked, resident_id_hash__in=list(first_row)).values_list(
                    "resident_id_hash", flat=True
                )
            )
            for number, clean in cleaned:
                if clean["resident_id_hash"] in already:
                    errors.append({"row": number, "field": "resident_id",
                                   "message": _("This student is already on this claim.")})  # fmt: skip
        if errors:
            raise BulkLinesRefused(sorted(errors, key=lambda e: (e["row"], e["field"])))
        lines = save_new_lines(locked, [clean for _number, clean in cleaned])
        record_event(
            "subsidies.claim.lines_imported", locked, detail={"source": "api", "lines": len(lines)},
            user=_user(actor),
        )  # fmt: skip
    _sync(claim, locked)
    return lines


def save_new_lines(locked: Claim, cleaned: list[dict]) -> list[ClaimLine]:
    """Append lines to a claim locked by the caller (one bulk insert), then refresh its findings."""
    last = ClaimLine.objects.filter(claim=locked).aggregate(last=Max("position"))["last"] or 0
    lines = [
        ClaimLine(alliance_id=locked.alliance_id, claim=locked, position=last + index, **clean)
        for index, clean in enumerate(cleaned, start=1)
    ]
    ClaimLine.objects.bulk_create(lines, batch_size=1000)
    if lines:
        _touch(locked)
        _refresh(locked)
    return list(
        ClaimLine.objects.filter(claim=locked, position__gt=last)
        .select_related("school", "order_class")
        .order_by("position")
    )


# --- documents --------------------------------------------------------------------------------------------------


MAX_DOCUMENTS = 30


def attach_claim_document(claim: Claim, upload, title: str = "", actor=None) -> ClaimDocument:
    """A supporting document (tripartite agreements, insurance policies, pay slips): PDF, JPEG or PNG."""
    content_type = check_document(upload)
    title = (title or "").strip() or (getattr(upload, "name", "") or _("Document"))
    title = title[:200]
    with transaction.atomic():
        locked = _lock(claim)
        _require_editable(locked)
        if ClaimDocument.objects.filter(claim=locked).count() >= MAX_DOCUMENTS:
            raise ValidationError(_("A claim has at most %(count)d documents.") % {"count": MAX_DOCUMENTS})
        document = ClaimDocument(
            alliance_id=locked.alliance_id, claim=locked, title=title, content_type=content_type, size=upload.size,
            uploaded_by=_user(actor),
        )  # fmt: skip
        extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[content_type]
        document.file.save(f"claim-{locked.pk}-{uuid.uuid4().hex[:12]}.{extension}", upload, save=False)
        document.save()
        _touch(locked)
        record_event(
            "subsidies.claim.document_attached", locked,
            detail={"document": document.pk, "title": title, "type": content_type, "size": upload.size},
            user=_user(actor),
        )  # fmt: skip
    return document


def remove_claim_document(document: ClaimDocument, actor=None) -> None:
    with transaction.atomic():
        locked = _lock(document.claim_id)
        _require_editable(locked)
        current = ClaimDocument.objects.filter(pk=document.pk, claim=locked).first()
        if current is None:
            return
        record_event(
            "subsidies.claim.document_removed", locked, detail={"document": current.pk, "title": current.title},
            user=_user(actor),
        )  # fmt: skip
        stored = current.file.name
        current.delete()
        _touch(locked)
        if stored:
            transaction.on_commit(lambda: current.file.storage.delete(stored))


# --- checking and submitting ------------------------------------------------------------------------------------


def check_claim_now(claim: Claim):
    """Run the compliance checks and store each line's findings; returns the summary (`.can_submit`, …)."""
    return _refresh(claim)


def _payment_findings(claim: Claim) -> list[dict]:
    if claim.payee_name and claim.bank_name and claim.bank_account_encrypted:
        return []
    return [{
        "line": None, "line_id": None, "code": "payment_missing", "severity": "error",
        "message": _("Give the account the subsidy is paid into (account holder, bank and account number)."),
    }]  # fmt: skip


def blocking_findings(claim: Claim, summary) -> list[dict]:
    """The error findings that stop a submission: the claim's own, and those of every line still counting (a line
    the reviewer rejected or its school denied is not paid, so its findings do not hold the claim back)."""
    findings = summary.findings or {}
    lines = {
        pk: (position, review, decision)
        for pk, position, review, decision in ClaimLine.objects.filter(claim=claim).values_list(
            "pk", "position", "review", "school_decision"
        )
    }
    result = []
    for finding in summary.claim_findings:
        if finding.is_error:
            result.append({"line": None, "line_id": None, **finding.as_dict()})
    for pk, items in findings.items():
        if not pk or pk not in lines:
            continue
        position, review, decision = lines[pk]
        if review == LineReview.REJECTED or decision == SchoolDecision.DENIED:
            continue
        result.extend({"line": position, "line_id": pk, **f.as_dict()} for f in items if f.is_error)
    result.sort(key=lambda item: (item["line"] or 0, item["code"]))
    return result


def submit_claim(claim: Claim, actor=None) -> Claim:
    """Submit (or resubmit) the claim; idempotent. See the module's docstring."""
    from . import programs

    refused = None
    with transaction.atomic():
        locked = _lock(claim)
        if locked.status in SUBMITTED_STATUSES:
            _sync(claim, locked)
            return locked  # submitted already (a double click, a second tab, a retry): nothing to do
        if locked.status not in EDITABLE_CLAIM_STATUSES:
            raise TransitionRefused(
                _("Claim %(number)s is “%(status)s”: it cannot be submitted.")
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        first_time = locked.status == S.DRAFT
        if first_time and deadline_passed(locked.period):
            raise DeadlinePassed(
                _("Claims for %(period)s were due by %(deadline)s: this claim can no longer be submitted.")
                % {"period": locked.period.name, "deadline": locked.period.claim_deadline.isoformat()}
            )
        if first_time and not locked.program.is_active:
            raise TransitionRefused(
                _("%(program)s is no longer open for claims.") % {"program": locked.program.name}
            )
        summary = _refresh(locked)
        findings = _payment_findings(locked) + blocking_findings(locked, summary)
        if findings:
            refused = (findings, summary)
        else:
            if locked.program_version_id is None:
                locked.program_version = programs.version_in_force(locked.program, locked.period.starts_on)
            now = timezone.now()
            locked.submitted_at = now
            locked.first_submitted_at = locked.first_submitted_at or now
            move_claim(locked, S.SUBMITTED, actor=_user(actor))
            _send_on(locked, actor)
    if refused is not None:
        findings, summary = refused
        record_event(
            "subsidies.claim.submit_refused", locked, outcome=AuditOutcome.FAILURE,
            detail={"errors": len(findings), "codes": sorted({f["code"] for f in findings})}, user=_user(actor),
        )  # fmt: skip
        raise SubmissionRefused(
            _("The claim was not submitted: %(count)d problems must be corrected first.") % {"count": len(findings)},
            findings=findings, summary=summary,
        )  # fmt: skip
    _sync(claim, locked)
    return locked


def _send_on(claim: Claim, actor) -> None:
    """Submitted → school confirmation (or straight to review), in the submission's transaction."""
    try:
        from .review import start_confirmation
    except ImportError:  # the review part not installed: the claim waits for the schools
        move_claim(claim, S.SCHOOL_CONFIRMATION, actor=_user(actor))
        return
    fresh = start_confirmation(claim, _user(actor))
    claim.status, claim.revision = fresh.status, fresh.revision

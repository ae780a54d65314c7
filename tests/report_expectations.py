"""The annual report's figures computed a second way, for the tests: plain rows read with values() and counted in
Python, without reports/figures.py. Keys and order match `annual_figures`, so a test can compare whole sections."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

from django.utils import timezone

from alliances.governance import Meeting, Resolution
from events.activity import DORMANT_MONTHS
from events.models import CooperationRecord, Event, Registration
from members.models import MemberKind, MembershipEvent, MemberSpecialty, MemberUnit
from members.services import add_months
from subsidies.models import ClaimLine, Disbursement, DisbursementShare, Program

STARTS = {"admitted", "created", "imported"}
ENDS = {"withdrawn", "expelled"}
HELD = {"registered", "confirmed", "checked_in", "no_show"}


def local_day(moment):
    return timezone.localtime(moment).date() if moment else None


def in_year(day, year):
    return day is not None and day.year == year


def member_days(on: datetime.date) -> set[int]:
    """Units that were members on `on`, from the timeline and the unit's own dates."""
    starts, ends = defaultdict(list), defaultdict(list)
    for row in MembershipEvent.objects.values("member_unit", "action", "to_status", "effective_on", "occurred_at"):
        day = row["effective_on"] or local_day(row["occurred_at"])
        if row["action"] in STARTS and row["to_status"] == "admitted":
            starts[row["member_unit"]].append(day)
        elif row["action"] in ENDS:
            ends[row["member_unit"]].append(day)
    members = set()
    for unit in MemberUnit.objects.values("pk", "admitted_on", "left_on"):
        admitted = [d for d in [*starts[unit["pk"]], unit["admitted_on"]] if d and d <= on]
        left = [d for d in [*ends[unit["pk"]], unit["left_on"]] if d and d <= on]
        if admitted and (not left or max(left) < max(admitted)):
            members.add(unit["pk"])
    return members


def membership(year: int) -> dict:
    before = member_days(datetime.date(year - 1, 12, 31))
    after = member_days(datetime.date(year, 12, 31))
    timeline = defaultdict(list)
    for row in MembershipEvent.objects.values("member_unit", "action", "to_status", "effective_on", "occurred_at"):
        timeline[row["member_unit"]].append((row["action"], row["to_status"], row["effective_on"] or local_day(row["occurred_at"])))  # fmt: skip
    rows = defaultdict(Counter)
    for unit in MemberUnit.objects.values("pk", "kind", "status", "admitted_on", "left_on"):
        events = timeline[unit["pk"]]
        counts = rows[unit["kind"]]
        counts["previous"] += unit["pk"] in before
        counts["current"] += unit["pk"] in after
        counts["joined"] += any(a in STARTS and s == "admitted" and in_year(d, year) for a, s, d in events) or in_year(
            unit["admitted_on"], year)
        for action in ("withdrawn", "expelled"):
            counts[action] += any(a == action and in_year(d, year) for a, _s, d in events) or (
                unit["status"] == action and in_year(unit["left_on"], year))
    keys = ("previous", "current", "joined", "withdrawn", "expelled")
    by_kind = [
        {"kind": kind.value, "label": str(kind.label), **{k: rows[kind.value][k] for k in keys},
         "change": rows[kind.value]["current"] - rows[kind.value]["previous"]}
        for kind in MemberKind if any(rows[kind.value][k] for k in keys)
    ]  # fmt: skip
    return {"by_kind": by_kind, "totals": {k: sum(r[k] for r in by_kind) for k in (*keys, "change")},
            "schools": sum(r["current"] for r in by_kind if r["kind"] in MemberKind.school_kinds()),
            "enterprises": sum(r["current"] for r in by_kind if r["kind"] == "enterprise")}  # fmt: skip


def governance(year: int) -> dict:
    meetings = [m for m in Meeting.objects.values("body", "held_on", "present", "seats") if m["held_on"].year == year]
    resolutions = [r for r in Resolution.objects.values("subject", "passed", "meeting__held_on")
                   if r["meeting__held_on"].year == year]  # fmt: skip
    return {
        "meetings": {body: sum(1 for m in meetings if m["body"] == body) for body in ("council", "standing_council")},
        "present": sum(m["present"] for m in meetings),
        "resolutions": Counter((r["subject"], r["passed"]) for r in resolutions),
    }


def events(year: int) -> dict:
    rows = {e["pk"]: e for e in Event.objects.values("pk", "kind", "status", "starts_at")
            if local_day(e["starts_at"]).year == year and e["status"] != "draft"}  # fmt: skip
    by_kind = defaultdict(Counter)
    for event in rows.values():
        counts = by_kind[event["kind"]]
        counts["events"] += event["status"] != "cancelled"
        counts["finished"] += event["status"] == "finished"
        counts["cancelled"] += event["status"] == "cancelled"
    units, all_units = defaultdict(set), set()
    for registration in Registration.objects.values("event", "status", "member_unit"):
        event = rows.get(registration["event"])
        if not event or event["status"] == "cancelled":
            continue
        counts = by_kind[event["kind"]]
        counts["registrations"] += registration["status"] in HELD
        if registration["status"] == "checked_in":
            counts["attendance"] += 1
            units[event["kind"]].add(registration["member_unit"])
            all_units.add(registration["member_unit"])
    return {
        kind: {**{k: counts[k] for k in ("events", "finished", "cancelled", "registrations", "attendance")},
               "units": len(units[kind])}
        for kind, counts in by_kind.items()
    } | {"__units__": len(all_units)}  # fmt: skip


def cooperation(year: int) -> dict:
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    result = defaultdict(Counter)
    schools, enterprises = set(), set()
    for r in CooperationRecord.objects.values():
        begun, signed = r["starts_on"] or r["signed_on"], r["signed_on"] or r["starts_on"]
        counts = result[r["kind"]]
        counts["signed"] += bool(signed and first <= signed <= last)
        counts["in_force"] += bool(begun and begun <= last and (not r["ends_on"] or r["ends_on"] >= last)
                                   and r["status"] not in ("planned", "terminated"))  # fmt: skip
        running = bool(begun and begun <= last and (not r["ends_on"] or r["ends_on"] >= first) and r["status"] != "planned")
        if running:
            counts["running"] += 1
            counts["students"] += r["students"] or 0
            counts["participants"] += r["participants"] or 0
            schools.add(r["school_id"])
            enterprises.add(r["enterprise_id"])
        if r["graduation_year"] == year:
            counts["employed"] += r["graduates_employed"] or 0
    return {"kinds": result, "schools": len(schools), "enterprises": len(enterprises)}


def internship_rows(year: int) -> list[dict]:
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = ClaimLine.objects.values(
        "resident_id_hash", "school_id", "school__name", "specialty", "starts_on", "ends_on", "school_decision",
        "review", "claim__status", "claim__first_submitted_at", "claim__program__kind", "claim__period__starts_on",
        "claim__period__ends_on", "claim__enterprise_id", "claim__enterprise__industry_division__section_id",
    )  # fmt: skip
    kept = []
    for r in rows:
        began = r["starts_on"] or r["claim__period__starts_on"]
        ended = r["ends_on"] or r["claim__period__ends_on"]
        if (r["claim__program__kind"] == "internship_post" and r["claim__first_submitted_at"]
                and r["school_decision"] == "confirmed" and r["claim__status"] not in ("draft", "rejected")
                and r["review"] != "rejected" and r["resident_id_hash"] and began <= last and ended >= first):  # fmt: skip
            kept.append(r)
    return kept


def internships(year: int) -> dict:
    rows = internship_rows(year)
    by_school, by_specialty, by_section = defaultdict(set), defaultdict(set), defaultdict(set)
    for r in rows:
        by_school[r["school__name"]].add(r["resident_id_hash"])
        by_specialty[r["specialty"].strip(" ")].add(r["resident_id_hash"])
        by_section[r["claim__enterprise__industry_division__section_id"] or ""].add(r["resident_id_hash"])
    return {
        "interns": len({r["resident_id_hash"] for r in rows}),
        "enterprises": len({r["claim__enterprise_id"] for r in rows}),
        "schools": len({r["school_id"] for r in rows if r["school_id"]}),
        "by_school": {k: len(v) for k, v in by_school.items()},
        "by_specialty": {k: len(v) for k, v in by_specialty.items()},
        "by_section": {k: len(v) for k, v in by_section.items()},
    }


def full_months(start, end) -> int:
    after = end + datetime.timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month - (1 if after.day < start.day else 0)
    return max(0, months)


def standard_amount(line: dict) -> Decimal:
    unit, rate = line["claim__program_version__unit"], line["claim__program_version__rate"]
    if unit in ("post_semester", "person"):
        return rate
    if unit == "person_month":
        if not (line["starts_on"] and line["ends_on"]):
            return Decimal("0")
        months = full_months(line["starts_on"], line["ends_on"])
        cap = line["claim__program_version__max_months"]
        return rate * (min(months, cap) if cap is not None else months)
    if unit == "one_time":
        if line["award_level"] == "national":
            return rate
        if line["award_level"] == "provincial":
            return line["claim__program_version__secondary_rate"] or Decimal("0")
    return Decimal("0")


def subsidies(year: int) -> dict:
    lines = list(ClaimLine.objects.values(
        "claim__program_id", "claim__first_submitted_at", "claim__status", "claim__decided_at", "review",
        "school_decision", "school_id", "starts_on", "ends_on", "award_level", "claim__program_version__unit",
        "claim__program_version__rate", "claim__program_version__secondary_rate", "claim__program_version__max_months",
    ))  # fmt: skip
    claimed, approved = defaultdict(Decimal), defaultdict(Decimal)
    claimed_n, approved_n = Counter(), Counter()
    for line in lines:
        program = line["claim__program_id"]
        if in_year(local_day(line["claim__first_submitted_at"]), year):
            claimed[program] += standard_amount(line)
            claimed_n[program] += 1
        if (line["claim__status"] == "approved" and in_year(local_day(line["claim__decided_at"]), year)
                and line["review"] == "approved"
                and (line["school_decision"] == "confirmed" or line["school_id"] is None)):  # fmt: skip
            approved[program] += standard_amount(line)
            approved_n[program] += 1
    paid = defaultdict(Decimal)
    for d in Disbursement.objects.values("run__program_id", "run__status", "run__paid_on", "amount"):
        if d["run__status"] == "paid" and in_year(d["run__paid_on"], year):
            paid[d["run__program_id"]] += d["amount"]
    payers = defaultdict(Decimal)
    for s in DisbursementShare.objects.values("payer", "amount", "run__status", "run__paid_on"):
        if s["run__status"] == "paid" and in_year(s["run__paid_on"], year):
            payers[s["payer"]] += s["amount"]
    names = dict(Program.objects.values_list("pk", "name"))
    money = lambda value: str(Decimal(value).quantize(Decimal("0.01")))  # noqa: E731
    return {
        "programs": {names[p]: (claimed_n[p], money(claimed[p]), approved_n[p], money(approved[p]), money(paid[p]))
                     for p in set(claimed_n) | set(approved_n) | set(paid)},
        "payers": {payer: money(amount) for payer, amount in payers.items()},
    }  # fmt: skip


def alignment(year: int, mapping: dict[int, tuple[str, ...]]) -> dict:
    members = member_days(datetime.date(year, 12, 31))
    sections = Counter(
        u["industry_division__section_id"] for u in MemberUnit.objects.values("pk", "kind", "industry_division__section_id")
        if u["pk"] in members and u["kind"] == "enterprise" and u["industry_division__section_id"]
    )  # fmt: skip
    offerings = [
        s["specialty__specialty_class__category_id"]
        for s in MemberSpecialty.objects.values("member_unit_id", "member_unit__kind", "specialty__specialty_class__category_id")
        if s["member_unit_id"] in members and s["member_unit__kind"] in MemberKind.school_kinds()
    ]  # fmt: skip
    aligned = sum(1 for category in offerings if any(sections[code] for code in mapping.get(category, ())))
    return {"offerings": len(offerings), "aligned": aligned, "sections": dict(sections)}


def dormant(year: int) -> dict[str, str | None]:
    """{unit name: last activity (ISO) or None} of the dormant members at the year's end."""
    last = datetime.date(year, 12, 31)
    cutoff = add_months(last, -DORMANT_MONTHS)
    members = member_days(last)
    activity = defaultdict(list)
    for r in Registration.objects.values("member_unit", "status", "event__status", "event__starts_at"):
        if r["status"] == "checked_in" and r["event__status"] != "cancelled":
            day = local_day(r["event__starts_at"])
            if day <= last:
                activity[r["member_unit"]].append(day)
    for r in CooperationRecord.objects.values("school_id", "enterprise_id", "signed_on", "starts_on"):
        day = r["signed_on"] or r["starts_on"]
        if day and day <= last:
            activity[r["school_id"]].append(day)
            activity[r["enterprise_id"]].append(day)
    from subsidies.models import Claim

    end = timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time()))
    for c in Claim.objects.values("enterprise_id", "submitted_at", "first_submitted_at"):
        at = c["submitted_at"] if c["submitted_at"] and c["submitted_at"] < end else c["first_submitted_at"]
        if at and at < end:
            activity[c["enterprise_id"]].append(local_day(at))
    result = {}
    for unit in MemberUnit.objects.values("pk", "name", "status", "admitted_on"):
        if unit["pk"] not in members or (unit["admitted_on"] and unit["admitted_on"] > cutoff):
            continue
        days = activity[unit["pk"]]
        if any(day >= cutoff for day in days):
            continue
        result[unit["name"]] = max(days).isoformat() if days else None
    return result

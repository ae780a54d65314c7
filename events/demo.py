"""Demo data of the events app: two years (2025 and 2026) of an alliance's events as the seed documents describe
them — council and standing-council meetings with their governance meeting records and resolutions, the annual
meeting (年会暨校企合作研讨会), seminars per committee (宜昌: ten 校企座谈会 a year), skills competitions, job fairs,
teacher training, "厂中校" visits and the September signing and award ceremony — with agendas, minutes,
registrations and check-ins; a few published events after 2026-12-04 (one with a waiting list) and a draft; and
cooperation records of every kind between member schools and enterprises (letters of intent signed at seminars,
agreements and order classes signed at the ceremonies, apprenticeships, training bases, teacher placements…).

`seed_events(alliance)` is idempotent: it creates only what is missing, by natural key — event by title; governance
meeting by (body, date, title); resolution by number; organiser by (event, unit); agenda item by (event, topic);
registration by (event, unit, person); cooperation record by title — and never changes a row that exists. It is
deterministic: the plan is drawn from a random generator seeded with the alliance's slug and from fixed calendar
dates, never from today (the check-in tokens and calendar UIDs are secrets the models draw themselves). Units of an
alliance that is not a demo alliance, or renamed by hand, are skipped.

Some member units take part in nothing (and a few only until September 2025), so the dormant-members list has
rows. Demo rows are written set-based (bulk inserts) and bypass the services, so no e-mail is sent for them: no
"published" notice, no registration or promotion e-mail; upcoming demo events are marked as already reminded so
the hourly reminder task leaves them alone. Called by alliances.demo.build.build_alliance inside the scope.
"""

from __future__ import annotations

import random
import zoneinfo
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from alliances.governance import Charter, CharterStatus, CouncilTerm, GoverningBody, Meeting, Resolution
from members.models import CouncilRole, MemberKind, MemberUnit, Specialty

from .models import (
    AgendaItem,
    CooperationKind,
    CooperationRecord,
    CooperationStatus,
    Event,
    EventKind,
    EventOrganiser,
    EventStatus,
    Registration,
    RegistrationStatus,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEARS = (2025, 2026)
# The demo logins' school and enterprise: their order class is the 2023级 cohort, graduating in 2026.
DEMO_PAIR_COHORT = 2023
# The demo's "now": events before it are finished, after it published (or a draft). Fixed, never today.
DEMO_NOW = datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI)
# Units that fade out take part only before this day, so they are dormant (with a last activity date) from
# 2026-10 on; units chosen as dormant take part in nothing at all.
FADE_BEFORE = date(2025, 9, 30)

K, R, E = MemberKind, RegistrationStatus, EventKind
C, CS = CooperationKind, CooperationStatus
SCHOOL_KINDS = K.school_kinds()
STANDING_ROLES = (CouncilRole.CHAIR, CouncilRole.VICE_CHAIR, CouncilRole.STANDING)

# fmt: off
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = (
    "子涵", "浩然", "雨桐", "梓轩", "欣怡", "宇航", "思远", "佳怡", "俊杰", "雅婷", "志鹏", "嘉豪", "梦瑶", "晨曦",
    "博文", "诗琪", "天宇", "一鸣", "若曦", "明辉", "国栋", "建华", "晓峰", "丽娟", "红霞", "春生", "立军", "玉洁",
    "永福", "海波", "文静", "少华", "凯", "磊", "娜", "强", "敏", "杰", "琳", "超",
)
# fmt: on
TITLES = {
    "school": ("校企合作办公室主任", "招生就业处处长", "专业部主任", "教师", "实训中心主任"),
    "student": ("学生选手",),
    "teacher": ("专业教师", "实训指导教师", "骨干教师"),
    "enterprise": ("人力资源部经理", "综合办公室主任", "招聘主管", "技术部经理", "生产部副经理"),
    "worker": ("高级工", "技师", "班组长", "技术员"),
    "other": ("秘书长", "办公室主任", "科长", "联络员"),
}


LEADERS = {
    K.TECHNICAL_SCHOOL: "院长", K.SECONDARY_VOCATIONAL: "校长", K.HIGHER_VOCATIONAL: "院长", K.UNDERGRADUATE: "副校长",
    K.ENTERPRISE: "董事长", K.ASSOCIATION: "会长", K.GOVERNMENT: "副局长", K.RESEARCH_INSTITUTE: "院长",
    K.TRAINING_INSTITUTION: "校长",
}  # fmt: skip


# --- The plan: pure data drawn from the alliance's spec -----------------------------------------------------


@dataclass
class PlannedRegistration:
    unit: str
    person: str
    title: str
    mobile: str
    status: str
    created_at: datetime
    checked_in_at: datetime | None = None
    cancelled_at: datetime | None = None
    waitlisted_at: datetime | None = None


@dataclass
class PlannedEvent:
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    host: str | None
    status: str
    description: str = ""
    organisers: tuple[str, ...] = ()
    capacity: int | None = None
    quota: int | None = None
    minutes: str = ""
    cancellation_reason: str = ""
    agenda: list[tuple[time | None, str, str, str]] = field(default_factory=list)
    registrations: list[PlannedRegistration] = field(default_factory=list)
    # Council and standing-council meetings that took place: the governance record and its resolutions.
    body: str | None = None
    seats: int = 0
    resolutions: list[tuple[str, str]] = field(default_factory=list)  # (number, title)

    @property
    def published_at(self) -> datetime | None:
        """Three weeks ahead; an event still to come was published before the demo's "now"."""
        if self.status == EventStatus.DRAFT:
            return None
        at = datetime.combine(self.starts_at.date() - timedelta(days=21), time(10, 0), SHANGHAI)
        return at if self.status != EventStatus.PUBLISHED else min(at, DEMO_NOW - timedelta(days=10))


@dataclass
class PlannedRecord:
    kind: str
    title: str
    school: str
    enterprise: str
    status: str
    signed_on: date
    starts_on: date | None = None
    ends_on: date | None = None
    event: str | None = None  # title of the event it was signed at
    description: str = ""
    specialty: str | None = None  # code
    class_name: str = ""  # "{specialty}" stands for the specialty's name, filled in when written
    cohort: int | None = None
    students: int | None = None
    graduation_year: int | None = None
    graduates_employed: int | None = None
    participants: int | None = None


@dataclass
class Plan:
    events: list[PlannedEvent]
    records: list[PlannedRecord]
    dormant: tuple[str, ...]  # never take part
    faded: tuple[str, ...]  # take part only before FADE_BEFORE


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def _workday(year: int, month: int, day: int) -> date:
    """The day, moved to the next Monday when it falls on a weekend."""
    result = date(year, month, day)
    return result + timedelta(days=(7 - result.weekday()) % 7 if result.weekday() >= 5 else 0)


class _Planner:
    """Draws one alliance's plan. Every random choice comes from one generator, in a fixed order."""

    def __init__(self, spec, serial: int, protected: frozenset[str]):
        self.spec = spec
        self.rng = random.Random(f"chanjiao-demo-events-{spec.slug}")
        self.serial = serial
        self.facts = spec.facts
        self.city = spec.facts.short_name[:2]
        self.prefix = spec.units[0].member_number.split("-")[0]
        self.units = {unit.name: unit for unit in spec.units}
        self.protected = protected
        self.person_serial = 0
        units = list(spec.units)
        self.council = [u.name for u in units if u.council_role != CouncilRole.MEMBER]
        self.standing = [u.name for u in units if u.council_role in STANDING_ROLES]
        # Dormant and fading units: plain members that are neither schools, committee chairs nor a demo login's unit.
        chairs = {committee.chair for committee in spec.committees}
        candidates = [
            u for u in units
            if u.council_role == CouncilRole.MEMBER and u.kind not in SCHOOL_KINDS and u.name not in protected
            and u.name not in chairs
        ]  # fmt: skip
        others = [u.name for u in candidates if u.kind != K.ENTERPRISE]
        enterprises = [u.name for u in candidates if u.kind == K.ENTERPRISE]
        count = max(1, round(len(candidates) * 0.10))
        from_others = min(len(others), max(1, count // 3)) if others else 0
        dormant = self.rng.sample(others, from_others) + self.rng.sample(
            enterprises[len(enterprises) // 3 :], count - from_others
        )
        rest = [name for name in enterprises + others if name not in dormant]
        faded = self.rng.sample(rest, max(1, round(len(candidates) * 0.08)))
        self.dormant, self.faded = tuple(dormant), tuple(faded)
        quiet = set(dormant) | set(faded)
        self.active = [u for u in units if u.name not in quiet]
        self.schools = [u.name for u in self.active if u.kind in SCHOOL_KINDS]
        self.class_schools = [u.name for u in self.active if u.kind in SCHOOL_KINDS and u.specialties]
        self.enterprises = [u.name for u in self.active if u.kind == K.ENTERPRISE]
        self.associations = [u.name for u in self.active if u.kind == K.ASSOCIATION]
        self.chair = next(u.name for u in units if u.council_role == CouncilRole.CHAIR)
        self.sector_of = {}
        for committee in spec.committees:
            for name in committee.members:
                self.sector_of.setdefault(name, committee.name)
        self.committees = {c.name: c for c in spec.committees}
        self.scale = max(0.3, min(1.0, len(self.enterprises) / 60))

    # -- people ---------------------------------------------------------------------------------------------

    def person(self, taken: set[str]) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in taken:
                taken.add(name)
                return name

    def mobile(self) -> str:
        from alliances.demo.data import mobile_number

        self.person_serial += 1
        return mobile_number(7_000_000 + self.serial * 200_000 + self.person_serial)

    def title_for(self, unit: str, role: str | None = None) -> str:
        kind = self.units[unit].kind
        if role == "council":  # the unit's head sits on the council
            return LEADERS.get(kind, "负责人")
        group = role or (
            "school" if kind in SCHOOL_KINDS else "enterprise" if kind == K.ENTERPRISE else "other"
        )
        return self.rng.choice(TITLES[group])

    def pool(self, day: date) -> list[str]:
        """Units that may take part on `day`: the active ones, and the fading ones before FADE_BEFORE."""
        names = [u.name for u in self.active]
        return names + list(self.faded) if day < FADE_BEFORE else names

    def short(self, unit: str) -> str:
        return self.units[unit].short_name or self.units[unit].name

    # -- registrations --------------------------------------------------------------------------------------

    def attend(self, event: PlannedEvent, wanted: list[tuple[str, int, str | None]]) -> None:
        """Register `count` people of each unit (`role` picks their titles: "council" sends the unit's legal
        representative) and, for an event that took place, check most of them in; within the capacity and the
        quota. Registrations arrive between publication and the day before the event (or the demo's "now")."""
        taken_total, names = 0, {}
        finished = event.status == EventStatus.FINISHED
        published_at = event.published_at or event.starts_at - timedelta(days=21)
        latest = min(event.starts_at, DEMO_NOW) - timedelta(hours=24)
        window = max(1, int((latest - published_at).total_seconds() // 3600) - 2)
        seen = set()
        for unit, count, role in wanted:
            if unit in seen:
                continue
            seen.add(unit)
            count = min(count, event.quota or count)
            for _ in range(count):
                if event.capacity is not None and taken_total >= event.capacity and finished:
                    break
                taken = names.setdefault(unit, set())
                person = (
                    self.units[unit].legal_representative
                    if role == "council" and not taken
                    else self.person(taken)
                )
                taken.add(person)
                created = published_at + timedelta(hours=2 + self.rng.randrange(window))
                row = PlannedRegistration(
                    unit=unit, person=person, title=self.title_for(unit, role), mobile=self.mobile(),
                    status=R.REGISTERED, created_at=created,
                )  # fmt: skip
                if finished:
                    roll = self.rng.random()
                    if roll < 0.86:
                        row.status = R.CHECKED_IN
                        row.checked_in_at = event.starts_at - timedelta(minutes=5 + self.rng.randrange(40))
                    elif roll < 0.95:
                        row.status = R.NO_SHOW
                    else:
                        row.status = R.CANCELLED
                        row.cancelled_at = created + (event.starts_at - created) / 2
                elif self.rng.random() < 0.2:
                    row.status = R.CONFIRMED
                if row.status in (R.REGISTERED, R.CONFIRMED, R.CHECKED_IN, R.NO_SHOW):
                    taken_total += 1
                event.registrations.append(row)
        self.rank(event)

    def present(self, event: PlannedEvent, unit: str) -> None:
        """Make sure someone of `unit` checked in at `event` (which took place)."""
        rows = [row for row in event.registrations if row.unit == unit]
        if not rows:
            self.attend(event, [(unit, 1, None)])
            rows = [row for row in event.registrations if row.unit == unit]
        if not any(row.status == R.CHECKED_IN for row in rows):
            row = rows[0]
            row.status, row.cancelled_at = R.CHECKED_IN, None
            row.checked_in_at = event.starts_at - timedelta(minutes=20)

    @staticmethod
    def rank(event: PlannedEvent) -> None:
        """In the order registrations arrived: an event still to come puts those beyond its capacity on the waiting
        list (the quota is kept by `attend`)."""
        event.registrations.sort(key=lambda r: r.created_at)
        if event.status == EventStatus.FINISHED:
            return
        held = 0
        for row in event.registrations:
            if event.capacity is not None and held >= event.capacity:
                row.status, row.waitlisted_at = R.WAITLISTED, row.created_at
            else:
                row.status = R.CONFIRMED if row.status == R.CONFIRMED else R.REGISTERED
                row.waitlisted_at = None
                held += 1

    def some(self, names: list[str], share: float, count: tuple[int, int], role=None) -> list[tuple]:
        return [(name, self.rng.randint(*count), role) for name in names if self.rng.random() < share]

    # -- events ---------------------------------------------------------------------------------------------

    def event(
        self, kind, title, day, hours, *, host, status=EventStatus.FINISHED, days=1, **extra
    ) -> PlannedEvent:
        (h1, m1), (h2, m2) = hours
        return PlannedEvent(
            kind=kind, title=title, starts_at=_at(day, h1, m1), ends_at=_at(day + timedelta(days=days - 1), h2, m2),
            venue=extra.pop("venue", None) or self.venue(host, kind), host=host, status=status, **extra,
        )  # fmt: skip

    def venue(self, host: str | None, kind: str) -> str:
        rooms = {
            E.ANNUAL_MEETING: "学术报告厅", E.COUNCIL_MEETING: "行政楼第一会议室",
            E.STANDING_COUNCIL_MEETING: "行政楼第二会议室", E.SEMINAR: "多功能会议室", E.COMPETITION: "实训中心",
            E.JOB_FAIR: "体育馆", E.TRAINING: "培训中心", E.VISIT: "生产车间", E.CEREMONY: "报告厅",
        }  # fmt: skip
        return f"{host or self.chair}{rooms[kind]}"

    def year(self, year: int) -> list[PlannedEvent]:
        events = [
            self.job_fair(year, _workday(year, 3, 6 + self.serial), spring=True),
            self.council_meeting(year, _workday(year, 3, 20 + self.serial)),
            self.annual_meeting(year, _workday(year, 4, 17 + self.serial)),
            self.student_competition(year, _workday(year, 5, 14 + self.serial)),
            self.visit(year, _workday(year, 6, 11 + self.serial)),
            self.teacher_training(year, _workday(year, 7, 7 + self.serial)),
            self.ceremony(year, _workday(year, 9, 17 + self.serial)),
            self.standing_meeting(year, _workday(year, 10, 27 + self.serial)),
            self.job_fair(year, _workday(year, 11, 18 + self.serial), spring=False),
        ]
        if len(self.enterprises) >= 30:
            events.append(self.worker_competition(year, _workday(year, 10, 14 + self.serial)))
        events += self.seminars(year)
        if year == 2026:
            events.append(self.cancelled_visit(_workday(2026, 8, 5 + self.serial)))
        return events

    def council_meeting(
        self, year: int, day: date, *, status=EventStatus.FINISHED, title=None
    ) -> PlannedEvent:
        title = title or f"{self.facts.short_name}{year}年理事会全体会议"
        event = self.event(
            E.COUNCIL_MEETING, title, day, ((9, 0), (11, 30)), host=self.chair, status=status, quota=1,
            description=f"审议{year - 1}年度工作报告和{year}年工作计划，通报成员单位变动情况。",
        )  # fmt: skip
        event.agenda = [
            (time(9, 0), "理事长致辞", self.units[self.chair].legal_representative, self.chair),
            (time(9, 20), f"秘书长作{year - 1}年度工作报告", "", self.chair),
            (time(10, 0), f"审议{year}年工作计划", "", ""),
            (time(10, 40), "表决有关决议事项", "", ""),
            (time(11, 10), f"{self.facts.lead_department}领导讲话", "", self.facts.lead_department),
        ]
        if status == EventStatus.FINISHED:
            self.attend(event, [(name, 1, "council") for name in self.council if name in self.pool(day)])
            self.make_quorate(event)
            event.body, event.seats = GoverningBody.COUNCIL, len(self.council)
            event.resolutions = [
                (f"{self.prefix}-LS-{year}-01", f"关于审议《{year - 1}年度工作报告》的决议"),
                (f"{self.prefix}-LS-{year}-02", f"关于《{year}年工作计划》的决议"),
            ]
            present = sum(r.status == R.CHECKED_IN for r in event.registrations)
            event.minutes = (
                f"{day.year}年{day.month}月{day.day}日，{title}在{event.venue}召开。应到理事单位{len(self.council)}家，"
                f"实到{present}家，超过三分之二，会议有效。会议审议通过了《{year - 1}年度工作报告》和《{year}年工作计划》，"
                f"{self.facts.lead_department}有关负责同志到会指导并讲话。"
            )
        return event

    def standing_meeting(
        self, year: int, day: date, *, status=EventStatus.FINISHED, title=None
    ) -> PlannedEvent:
        title = title or f"{self.facts.short_name}{year}年常务理事会会议"
        event = self.event(
            E.STANDING_COUNCIL_MEETING, title, day, ((14, 30), (16, 30)), host=self.chair, status=status, quota=1,
            description="通报阶段工作进展，研究下一阶段重点工作和成员单位事项。",
        )  # fmt: skip
        wanted = [(name, 1, "council") for name in self.standing if name in self.pool(day)]
        if status == EventStatus.FINISHED:
            self.attend(event, wanted)
            self.make_quorate(event)
            event.body, event.seats = GoverningBody.STANDING_COUNCIL, len(self.standing)
            event.resolutions = [(f"{self.prefix}-CW-{year}-01", f"关于{year}年第四季度重点工作安排的决议")]
            present = sum(r.status == R.CHECKED_IN for r in event.registrations)
            event.minutes = (
                f"应到常务理事单位{len(self.standing)}家，实到{present}家。会议听取了秘书处关于{year}年校企合作、"
                f"技能大赛和专场招聘会等工作的情况通报，研究了第四季度重点工作。"
            )
        else:
            self.attend(event, [row for row in wanted if self.rng.random() < 0.6])
        return event

    def make_quorate(self, event: PlannedEvent) -> None:
        """At least two thirds of the seats checked in (the charter's quorum)."""
        seats = len(event.registrations)
        needed = -(-2 * seats // 3)
        for row in event.registrations:
            if sum(r.status == R.CHECKED_IN for r in event.registrations) >= needed:
                break
            if row.status != R.CHECKED_IN:
                row.status, row.cancelled_at = R.CHECKED_IN, None
                row.checked_in_at = event.starts_at - timedelta(minutes=10)

    def annual_meeting(self, year: int, day: date) -> PlannedEvent:
        number = year - self.facts.founded_on.year + 1
        host = self.schools[year % len(self.schools)]
        event = self.event(
            E.ANNUAL_MEETING, f"{self.facts.short_name}{year}年会暨第{number}届校企合作研讨会", day, ((9, 0), (16, 30)),
            host=host, capacity=400, quota=3, organisers=tuple(self.associations[:2]),
            description="总结上一年度集团工作，交流校企深度合作经验，分组研讨技能人才培养中的新问题、新机遇。",
        )  # fmt: skip
        event.agenda = [
            (time(9, 0), "承办单位致欢迎辞", self.units[host].legal_representative, host),
            (
                time(9, 20),
                f"{year - 1}年度集团工作总结",
                self.units[self.chair].legal_representative,
                self.chair,
            ),
            (time(10, 10), "校企深度合作主题发言", "", ""),
            (time(14, 0), "分组讨论：产教融合与新型学徒制", "", ""),
            (time(16, 0), "领导总结讲话", "", self.facts.lead_department),
        ]
        pool = set(self.pool(day))
        wanted = [(n, 1 + (self.units[n].kind in SCHOOL_KINDS), None) for n in self.council if n in pool]
        wanted = [row for row in wanted if self.rng.random() < 0.8]
        wanted += self.some([n for n in self.pool(day) if n not in self.council], 0.35, (1, 2))
        if year == YEARS[0]:  # the fading units' last appearance: they came to the first annual meeting
            wanted += [(name, 1, None) for name in self.faded]
        self.attend(event, wanted)
        for row in event.registrations:
            if row.unit in self.faded and row.status != R.CHECKED_IN:
                row.status, row.cancelled_at = R.CHECKED_IN, None
                row.checked_in_at = event.starts_at - timedelta(minutes=15)
        event.minutes = (
            f"{len({r.unit for r in event.registrations if r.status == R.CHECKED_IN})}家成员单位参加会议。会议总结了"
            f"{year - 1}年工作，围绕校企合作、产教融合进行了主题发言和分组讨论。"
        )
        return event

    def student_competition(self, year: int, day: date, *, status=EventStatus.FINISHED) -> PlannedEvent:
        event = self.event(
            E.COMPETITION, f"{year}年{self.city}职业院校学生技能大赛", day, ((8, 30), (17, 0)), days=2,
            host=self.schools[(year + 1) % len(self.schools)], status=status, capacity=120, quota=4,
            organisers=tuple(self.associations[:1]),
            description="设数控车工、电工、电子商务运营、智能制造设备安装与调试等赛项，获奖选手按规定申报相应职业技能等级。",
        )  # fmt: skip
        event.agenda = [
            (time(8, 30), "开幕式", "", ""), (time(9, 0), "理论考试", "", ""),
            (time(13, 30), "实操比赛", "", ""), (time(16, 30), "闭幕式暨颁奖", "", ""),
        ]  # fmt: skip
        schools = [n for n in self.schools if n in self.pool(day)]
        share = 0.9 if status == EventStatus.FINISHED else 0.4
        wanted = [(n, self.rng.randint(2, 4), "student") for n in schools if self.rng.random() < share]
        if status != EventStatus.FINISHED and self.chair in schools:
            wanted.insert(0, (self.chair, 3, "student"))
        self.attend(event, wanted)
        return event

    def worker_competition(self, year: int, day: date) -> PlannedEvent:
        host = self.enterprises[(year * 7) % len(self.enterprises)]
        event = self.event(
            E.COMPETITION, f"{year}年{self.city}职工职业技能大赛（焊工、电工）", day, ((8, 30), (17, 30)),
            host=host, capacity=80, quota=3, description="企业职工同台竞技，前三名推荐参加省级职业技能大赛。",
        )  # fmt: skip
        pool = set(self.pool(day))
        self.attend(event, self.some([n for n in self.enterprises if n in pool], 0.25, (1, 3), "worker"))
        return event

    def job_fair(self, year: int, day: date, *, spring: bool, status=EventStatus.FINISHED, title=None,
                 capacity=None, wanted=None) -> PlannedEvent:  # fmt: skip
        host = self.schools[(year + (0 if spring else 2)) % len(self.schools)]
        title = title or (f"{year}届毕业生春季专场招聘会" if spring else f"{year + 1}届毕业生秋季专场招聘会")
        capacity = capacity or max(20, min(90, len(self.enterprises) // 2 * 2))
        event = self.event(
            E.JOB_FAIR, title, day, ((9, 0), (12, 0)), host=host, status=status, capacity=capacity, quota=2,
            description="成员企业进校设摊招聘，提供岗位实习和就业岗位；每家企业限报2人。",
        )  # fmt: skip
        pool = set(self.pool(day))
        if wanted is None:
            wanted = self.some([n for n in self.enterprises if n in pool], 0.45, (1, 2), "enterprise")
        self.attend(event, wanted)
        return event

    def visit(self, year: int, day: date) -> PlannedEvent:
        host = self.enterprises[(year * 3 + self.serial) % len(self.enterprises)]
        event = self.event(
            E.VISIT, f"{year}年“走进企业”观摩活动：{host}", day, ((14, 0), (17, 0)), host=host,
            description="观摩“厂中校”教学点、学生岗位实习和教师企业实践情况，座谈交流订单培养需求。",
        )  # fmt: skip
        pool = set(self.pool(day))
        wanted = [(host, 2, None)] + self.some([n for n in self.schools if n in pool], 0.4, (1, 2))
        wanted += self.some([n for n in self.council if n in pool], 0.15, (1, 1))
        self.attend(event, wanted)
        return event

    def cancelled_visit(self, day: date) -> PlannedEvent:
        host = self.enterprises[(self.serial * 5 + 1) % len(self.enterprises)]
        return self.event(
            E.VISIT, f"2026年“走进企业”观摩活动（暑期）：{host}", day, ((14, 0), (17, 0)), host=host,
            status=EventStatus.CANCELLED, cancellation_reason="承办企业生产线检修，活动取消，另行通知。",
            description="观摩企业新型学徒制培养情况。",
        )  # fmt: skip

    def teacher_training(self, year: int, day: date) -> PlannedEvent:
        host = self.enterprises[(year * 5 + 2) % len(self.enterprises)]
        event = self.event(
            E.TRAINING, f"{year}年职业院校教师企业实践培训班", day, ((9, 0), (16, 30)), days=3, host=host,
            capacity=100, quota=4, description="组织专业教师到企业生产一线实践，了解新技术、新工艺和岗位要求。",
        )  # fmt: skip
        pool = set(self.pool(day))
        self.attend(event, self.some([n for n in self.schools if n in pool], 0.7, (1, 3), "teacher"))
        return event

    def ceremony(self, year: int, day: date) -> PlannedEvent:
        event = self.event(
            E.CEREMONY, f"{year}年校企合作签约暨订单班授牌仪式", day, ((10, 0), (11, 30)), host=self.chair,
            description="成员院校与企业签订校企合作协议、订单班和冠名班协议，为新建实训基地和订单班授牌。",
        )  # fmt: skip
        event.agenda = [
            (time(10, 0), "主持人介绍来宾", "", ""), (time(10, 10), "校企合作协议集中签约", "", ""),
            (time(10, 40), "订单班、冠名班授牌", "", ""), (time(11, 10), "校企代表发言", "", ""),
        ]  # fmt: skip
        return event  # attendees: the parties of the records signed here (see records())

    def seminars(self, year: int) -> list[PlannedEvent]:
        if self.committees:
            names = list(self.committees)[:10]
            titles = [f"{year}年{name}校企合作座谈会" for name in names]
        else:
            names = [None, None]
            titles = [f"{year}年校企合作座谈会（上半年）", f"{year}年校企合作座谈会（下半年）"]
        events = []
        for index, (committee, title) in enumerate(zip(names, titles, strict=True)):
            month = 4 + index * 8 // len(names)
            day = _workday(year, month, 8 + (index * 11 + self.serial) % 18)
            spec = self.committees.get(committee)
            host = spec.chair if spec else self.schools[index % len(self.schools)]
            event = self.event(
                E.SEMINAR, title, day, ((14, 0), (17, 0)), host=host,
                description="宣讲职业教育和产教融合政策，邀请企业观摩技能展示，签约校企合作意向书，研讨专业设置与行业需求对接。",
            )  # fmt: skip
            event.agenda = [
                (time(14, 0), "职业教育与产教融合政策宣讲", "", self.facts.lead_department),
                (time(14, 40), "学生技能展示", "", ""),
                (time(15, 20), "校企合作意向书签约", "", ""),
                (time(15, 40), "专业设置与行业需求对接研讨", "", ""),
            ]
            pool = set(self.pool(day))
            members = spec.members if spec else [u.name for u in self.active]
            share = 0.8 if spec else 0.3
            self.attend(event, self.some([n for n in members if n in pool], share, (1, 2)))
            events.append(event)
        return events

    def upcoming(self) -> list[PlannedEvent]:
        """After DEMO_NOW: published events taking registrations (one full, with a waiting list) and a draft."""
        training = self.event(
            E.TRAINING, "2027年企业新型学徒制政策宣讲培训会", _workday(2026, 12, 9 + self.serial), ((14, 30), (17, 0)),
            host=self.chair, status=EventStatus.PUBLISHED, capacity=150, quota=2,
            description="解读企业新型学徒制补贴政策、申报流程和校企双师联合培养要求。",
        )  # fmt: skip
        self.attend(training, self.some([u.name for u in self.active], 0.3, (1, 2)))
        # The winter job fair is full: about four registrations more than its places wait for a place.
        capacity = max(8, min(40, len(self.enterprises) // 3))
        login = [n for n in self.enterprises if n in self.protected][:1]
        others = [n for n in self.enterprises if n not in login]
        chosen = login + self.rng.sample(others, min(len(others), capacity * 2 // 3 + 3))
        wanted = [(name, 1 if name in login else self.rng.randint(1, 2), "enterprise") for name in chosen]
        fair = self.job_fair(2026, _workday(2026, 12, 16 + self.serial), spring=False, status=EventStatus.PUBLISHED,
                             title="2027届毕业生冬季专场招聘会", capacity=capacity, wanted=wanted)  # fmt: skip
        for row in fair.registrations:
            if row.unit in login:  # a demo login's unit registered early and holds a place
                row.created_at = fair.published_at + timedelta(hours=3)
        self.rank(fair)
        standing = self.standing_meeting(2027, _workday(2027, 1, 13 + self.serial), status=EventStatus.PUBLISHED,
                                         title=f"{self.facts.short_name}2027年第一次常务理事会会议")  # fmt: skip
        competition = self.student_competition(2027, _workday(2027, 3, 17 + self.serial),
                                               status=EventStatus.PUBLISHED)  # fmt: skip
        council = self.council_meeting(2027, _workday(2027, 3, 26 + self.serial), status=EventStatus.DRAFT)
        return [training, fair, standing, competition, council]

    # -- cooperation records --------------------------------------------------------------------------------

    def pair(self, *, schools=None) -> tuple[str, str]:
        """A school and an enterprise, of the same committee (sector) when one is at hand."""
        school = self.rng.choice(schools or self.schools)
        sector = self.sector_of.get(school)
        same = [n for n in self.enterprises if sector and self.sector_of.get(n) == sector]
        enterprise = self.rng.choice(same if same and self.rng.random() < 0.75 else self.enterprises)
        return school, enterprise

    def count(self, base: int) -> int:
        return max(1, round(base * self.scale))

    def records(self, events: list[PlannedEvent]) -> list[PlannedRecord]:
        by_title = {event.title: event for event in events}
        ceremonies = {e.starts_at.year: e for e in events if e.kind == E.CEREMONY}
        seminars = [e for e in events if e.kind == E.SEMINAR and e.status == EventStatus.FINISHED]
        rng, records = self.rng, []

        def add(record: PlannedRecord) -> None:
            titles = {r.title for r in records}
            base, n = record.title, 2
            while record.title in titles:
                record.title, n = f"{base}（{n}）", n + 1
            records.append(record)

        # Letters of intent, signed at the seminars (宜昌 2019: 131 at ten seminars).
        for index in range(self.count(28)):
            seminar = seminars[index % len(seminars)]
            attendees = {r.unit for r in seminar.registrations}
            school, enterprise = self.pair(schools=[n for n in self.schools if n in attendees] or None)
            present = [n for n in self.enterprises if n in attendees]
            if present and self.rng.random() < 0.8:
                enterprise = self.rng.choice(present)
            add(PlannedRecord(
                C.LETTER_OF_INTENT, f"{school}与{self.short(enterprise)}校企合作意向书", school, enterprise, CS.ACTIVE,
                signed_on=seminar.starts_at.date(), starts_on=seminar.starts_at.date(), event=seminar.title,
                description="双方就共建专业、学生岗位实习和订单培养达成合作意向。",
            ))  # fmt: skip
        # Order and named classes, by cohort: graduated classes report the graduates the enterprise employed.
        # The demo logins' school and enterprise have the class of 2026 (2023级, graduated in June 2026): its
        # graduates employed are on the enterprise's approved order-class claim of 2025–2026第二学期
        # (subsidies/demo.py). Its numbers take no draw from the generator, so the rest of the plan is unchanged.
        demo_pair = self.demo_pair()
        for index in range(self.count(14) + self.count(4)):
            named = index >= self.count(14)
            is_demo_pair = index == 4 and demo_pair is not None
            cohort = DEMO_PAIR_COHORT if is_demo_pair else 2022 + index % 5
            school, enterprise = demo_pair if is_demo_pair else self.pair(schools=self.class_schools)
            specialty = rng.choice(self.units[school].specialties)
            students = rng.randint(30, 50)
            graduation = cohort + 3
            done = graduation <= 2026
            if not done:
                employed = None
            elif is_demo_pair:
                employed = round(students * 0.8)
            else:
                employed = round(students * rng.uniform(0.6, 0.95))
            ceremony = ceremonies.get(cohort)
            signed = ceremony.starts_at.date() if ceremony else date(cohort, 6, 10 + index % 15)
            word = (
                f"“{self.short(enterprise)}班”冠名班协议"
                if named
                else f"{self.short(enterprise)}订单班合作协议"
            )
            class_name = f"{self.short(enterprise)}{cohort}级{{specialty}}{'冠名班' if named else '订单班'}"
            add(PlannedRecord(
                C.NAMED_CLASS if named else C.ORDER_CLASS, f"{word}（{cohort}级）", school, enterprise,
                CS.COMPLETED if done else CS.ACTIVE, signed_on=signed, starts_on=date(cohort, 9, 1),
                ends_on=date(graduation, 6, 30), event=ceremony.title if ceremony else None, specialty=specialty,
                cohort=cohort, class_name=class_name, students=students, graduation_year=graduation,
                graduates_employed=employed,
                description="企业参与招生、共定培养方案、提供实习岗位，毕业生按协议到企业就业。",
            ))  # fmt: skip
        # Cooperation agreements: some signed at the ceremonies, one terminated, one not started yet.
        for index in range(self.count(14)):
            school, enterprise = self.pair()
            ceremony = ceremonies.get(2025 + index % 2) if index % 3 == 0 else None
            signed = (
                ceremony.starts_at.date()
                if ceremony
                else date(2023 + index % 4, 1 + index * 5 % 12, 3 + index % 25)
            )
            status = CS.TERMINATED if index == 1 else CS.ACTIVE
            starts = signed
            if index == 2:
                signed, starts, status = date(2026, 11, 26), date(2027, 1, 1), CS.PLANNED
            add(PlannedRecord(
                C.AGREEMENT, f"{school}—{self.short(enterprise)}校企合作协议", school, enterprise, status,
                signed_on=signed, starts_on=starts, ends_on=date(starts.year + 3, starts.month, 1) - timedelta(days=1),
                event=ceremony.title if ceremony else None,
                description="共建专业、共编教材、共育师资，学生岗位实习和毕业生就业优先。",
            ))  # fmt: skip
        # Apprenticeships (招工即招生、入企即入校、校企双师联合培养).
        for kind, label in (
            (C.MODERN_APPRENTICESHIP, "现代学徒制试点"),
            (C.ENTERPRISE_APPRENTICESHIP, "企业新型学徒制培养项目"),
        ):
            for index in range(self.count(4)):
                school, enterprise = self.pair()
                year = 2025 + index % 2
                add(PlannedRecord(
                    kind, f"{self.short(enterprise)}{label}（{year}）", school, enterprise, CS.ACTIVE,
                    signed_on=date(year, 8, 10 + index), starts_on=date(year, 9, 1), ends_on=date(year + 2, 7, 31),
                    participants=rng.randint(15, 45),
                    description="招工即招生、入企即入校、校企双师联合培养。",
                ))  # fmt: skip
        # Joint training bases, industry colleges, skills master studios.
        for kind, label, base in ((C.TRAINING_BASE, "共建实训基地", 4), (C.INDUSTRY_COLLEGE, "产业学院", 2),
                                  (C.MASTER_STUDIO, "技能大师工作室", 3)):  # fmt: skip
            for index in range(self.count(base)):
                school, enterprise = self.pair()
                ceremony = ceremonies.get(2026) if kind == C.INDUSTRY_COLLEGE else None
                signed = (
                    ceremony.starts_at.date() if ceremony else date(2024 + index % 3, 4 + index * 3 % 8, 12)
                )
                add(PlannedRecord(
                    kind, f"{self.short(enterprise)}{label}", school, enterprise, CS.ACTIVE, signed_on=signed,
                    starts_on=signed, event=ceremony.title if ceremony else None,
                    participants=rng.randint(40, 300) if kind != C.MASTER_STUDIO else rng.randint(3, 8),
                    description="校企共建共享，承担学生实训、职工培训和技能评价。",
                ))  # fmt: skip
        # Teacher placements in enterprises, every summer (宜昌 2019: 1,554 teachers).
        for index in range(self.count(6)):
            school, enterprise = self.pair()
            year = 2025 + index % 2
            add(PlannedRecord(
                C.TEACHER_PLACEMENT, f"{year}年暑期教师企业实践（{self.short(enterprise)}）", school, enterprise,
                CS.COMPLETED, signed_on=date(year, 6, 20), starts_on=date(year, 7, 10), ends_on=date(year, 8, 20),
                participants=rng.randint(5, 25), description="专业教师到企业生产一线实践，参与技术改造和工艺改进。",
            ))  # fmt: skip
        # The parties of what was signed at a ceremony attend it (one person each), with a few guests.
        for ceremony in ceremonies.values():
            parties = [r for r in records if r.event == ceremony.title]
            wanted = [(unit, 1, None) for r in parties for unit in (r.school, r.enterprise)]
            pool = set(self.pool(ceremony.starts_at.date()))
            wanted += self.some([n for n in self.council if n in pool], 0.3, (1, 1))
            self.attend(ceremony, wanted)
        # Who signed at an event was there.
        for record in records:
            if record.event:
                for unit in (record.school, record.enterprise):
                    self.present(by_title[record.event], unit)
        assert all(r.event is None or r.event in by_title for r in records)
        return records

    def demo_pair(self) -> tuple[str, str] | None:
        """The demo logins' school and enterprise sign an order class, where both are in this alliance."""
        schools = [n for n in self.class_schools if n in self.protected]
        enterprises = [n for n in self.enterprises if n in self.protected]
        return (schools[0], enterprises[0]) if schools and enterprises else None

    def plan(self) -> Plan:
        events = [event for year in YEARS for event in self.year(year)]
        events += self.upcoming()
        records = self.records(events)
        titles = [event.title for event in events]
        if len(set(titles)) != len(titles):
            raise ValueError(f"demo event titles repeat in {self.spec.slug}")
        return Plan(events=events, records=records, dormant=self.dormant, faded=self.faded)


def _protected_units() -> frozenset[str]:
    from alliances.demo.data import DEMO_USERS

    return frozenset(
        grant.unit.name for user in DEMO_USERS for grant in user.grants if grant.unit is not None
    )


@lru_cache(maxsize=8)
def demo_plan(slug: str) -> Plan | None:
    """The plan of a demo alliance (None for any other). Pure: the same every time, on every machine."""
    from alliances.demo.data import ALLIANCES

    for serial, spec in enumerate(ALLIANCES, 1):
        if spec.slug == slug:
            return _Planner(spec, serial, _protected_units()).plan()
    return None


# --- Writing: create what is missing, set-based ------------------------------------------------------------


def seed_events(alliance) -> Counter:
    """Create the missing demo events, governance records of their meetings, agendas, registrations and
    cooperation records of a demo alliance (inside its scope); return how many rows of each kind were made."""
    created = Counter()
    plan = demo_plan(alliance.slug)
    if plan is None:
        return created
    units = dict(MemberUnit.objects.filter(alliance=alliance).values_list("name", "pk"))
    with _planned_creation_times():
        meetings = _ensure_meetings(alliance, plan, created)
        events = _ensure_events(alliance, plan, units, meetings, created)
        _ensure_organisers(alliance, plan, units, events, created)
        _ensure_agenda(alliance, plan, events, created)
        _ensure_registrations(alliance, plan, units, events, created)
        _ensure_records(alliance, plan, units, events, created)
    return created


STAMPED = ((Event, "created_at"), (Registration, "created_at"), (CooperationRecord, "created_at"),
           (Meeting, "created_at"), (Resolution, "recorded_at"))  # fmt: skip


@contextmanager
def _planned_creation_times():
    """The creation times of these rows are `auto_now_add`: bulk_create would stamp them all with the moment of
    seeding (a 2025 event "registered" in December 2026). While the demo writes, the planned times stand instead;
    correcting them afterwards (bulk_update) would cost more than all the inserts. Seeding runs alone in its
    management command, so switching the flag off for its duration touches nothing else."""
    fields = [model._meta.get_field(name) for model, name in STAMPED]
    for stamped in fields:
        stamped.auto_now_add = False
    try:
        yield
    finally:
        for stamped in fields:
            stamped.auto_now_add = True


def _ensure_meetings(alliance, plan: Plan, created: Counter) -> dict[str, int]:
    """The governance meeting of every council and standing-council meeting that took place, and its resolutions.
    Returns {event title: meeting id} for the meetings that exist now."""
    held = [event for event in plan.events if event.body]
    have = {
        (body, held_on, title): pk
        for pk, body, held_on, title in Meeting.objects.filter(alliance=alliance).values_list(
            "pk", "body", "held_on", "title"
        )
    }
    term = CouncilTerm.objects.filter(alliance=alliance).order_by("number").first()
    missing = []
    for event in held:
        key = (event.body, event.starts_at.date(), event.title)
        if key not in have:
            present = sum(r.status == R.CHECKED_IN for r in event.registrations)
            missing.append(Meeting(
                alliance=alliance, body=event.body, term=term, title=event.title, held_on=event.starts_at.date(),
                location=event.venue, seats=max(event.seats, present), present=present, minutes=event.minutes,
                created_at=_at(event.starts_at.date(), 17),
            ))  # fmt: skip
    rows = Meeting.objects.bulk_create(missing)
    for meeting in rows:
        have[(meeting.body, meeting.held_on, meeting.title)] = meeting.pk
    created["meetings"] += len(missing)
    by_event = {event.title: have[(event.body, event.starts_at.date(), event.title)] for event in held}

    numbers = set(Resolution.objects.filter(alliance=alliance).values_list("number", flat=True))
    charter = (
        Charter.objects.filter(alliance=alliance, status=CharterStatus.ADOPTED).order_by("-version").first()
    )
    resolutions = []
    for event in held:
        present = sum(r.status == R.CHECKED_IN for r in event.registrations)
        abstaining = 1 if present > 6 else 0
        for number, title in event.resolutions:
            if number in numbers:
                continue
            resolutions.append(Resolution(
                alliance=alliance, meeting_id=by_event[event.title], number=number, subject="other", title=title,
                text=f"{event.title}表决通过。", votes_for=present - abstaining, votes_against=0,
                votes_abstaining=abstaining, quorum_met=True, passed=True, charter=charter,
                recorded_at=_at(event.starts_at.date(), 18),
            ))  # fmt: skip
    rows = Resolution.objects.bulk_create(resolutions)
    created["resolutions"] += len(rows)
    return by_event


def _ensure_events(alliance, plan: Plan, units: dict, meetings: dict, created: Counter) -> dict[str, int]:
    have = dict(Event.objects.filter(alliance=alliance).values_list("title", "pk"))
    linked = set(
        Event.objects.filter(alliance=alliance, meeting__isnull=False).values_list("meeting_id", flat=True)
    )
    missing = []
    for event in plan.events:
        if event.title in have or (event.host and event.host not in units):
            continue
        meeting = meetings.get(event.title)
        published = event.published_at
        missing.append(Event(
            alliance=alliance, kind=event.kind, title=event.title, starts_at=event.starts_at, ends_at=event.ends_at,
            venue=event.venue, host_unit_id=units.get(event.host), description=event.description,
            status=event.status, capacity=event.capacity, quota_per_unit=event.quota, registration_opens=True,
            meeting_id=meeting if meeting not in linked else None, minutes=event.minutes,
            cancellation_reason=event.cancellation_reason, published_at=published,
            # Never e-mailed: taken places are demo rows, and the hourly reminder counts this one as sent.
            reminder_sent_at=(
                None if published is None
                else min(event.starts_at - timedelta(days=1), max(published, DEMO_NOW))
            ),
            sequence=1 if event.status == EventStatus.CANCELLED else 0,
            created_at=(published or DEMO_NOW) - timedelta(days=3),
        ))  # fmt: skip
    rows = Event.objects.bulk_create(missing)
    have.update({row.title: row.pk for row in rows})
    created["events"] += len(rows)
    return have


def _ensure_organisers(alliance, plan: Plan, units: dict, events: dict, created: Counter) -> None:
    have = set(EventOrganiser.objects.filter(alliance=alliance).values_list("event_id", "member_unit_id"))
    missing = [
        EventOrganiser(alliance=alliance, event_id=events[event.title], member_unit_id=units[name])
        for event in plan.events
        for name in event.organisers
        if event.title in events and name in units and (events[event.title], units[name]) not in have
    ]
    EventOrganiser.objects.bulk_create(missing)
    created["event organisers"] += len(missing)


def _ensure_agenda(alliance, plan: Plan, events: dict, created: Counter) -> None:
    have = set(AgendaItem.objects.filter(alliance=alliance).values_list("event_id", "topic"))
    missing = [
        AgendaItem(
            alliance=alliance,
            event_id=events[event.title],
            starts_at=at,
            topic=topic,
            speaker=speaker,
            speaker_unit=unit,
            position=position,
        )  # fmt: skip
        for event in plan.events
        if event.title in events
        for position, (at, topic, speaker, unit) in enumerate(event.agenda)
        if (events[event.title], topic) not in have
    ]
    AgendaItem.objects.bulk_create(missing)
    created["agenda items"] += len(missing)


def _ensure_registrations(alliance, plan: Plan, units: dict, events: dict, created: Counter) -> None:
    have = set(
        Registration.objects.filter(alliance=alliance).values_list(
            "event_id", "member_unit_id", "person_name"
        )
    )
    missing = []
    for event in plan.events:
        event_id = events.get(event.title)
        if event_id is None:
            continue
        for row in event.registrations:
            unit_id = units.get(row.unit)
            if unit_id is None or (event_id, unit_id, row.person) in have:
                continue
            missing.append(Registration(
                alliance=alliance, event_id=event_id, member_unit_id=unit_id, person_name=row.person,
                person_title=row.title, mobile=row.mobile, status=row.status, waitlisted_at=row.waitlisted_at,
                checked_in_at=row.checked_in_at, cancelled_at=row.cancelled_at, created_at=row.created_at,
            ))  # fmt: skip
    rows = Registration.objects.bulk_create(missing, batch_size=500)
    created["registrations"] += len(rows)


def _ensure_records(alliance, plan: Plan, units: dict, events: dict, created: Counter) -> None:
    have = set(CooperationRecord.objects.filter(alliance=alliance).values_list("title", flat=True))
    wanted = [r for r in plan.records if r.title not in have and r.school in units and r.enterprise in units]
    names = dict(
        Specialty.objects.filter(code__in={r.specialty for r in wanted if r.specialty}).values_list(
            "code", "name"
        )
    )
    missing = []
    for record in wanted:
        class_name = record.class_name.replace("{specialty}", names.get(record.specialty, ""))[:100]
        missing.append(CooperationRecord(
            alliance=alliance, kind=record.kind, title=record.title, school_id=units[record.school],
            enterprise_id=units[record.enterprise], status=record.status, signed_on=record.signed_on,
            starts_on=record.starts_on, ends_on=record.ends_on, event_id=events.get(record.event),
            description=record.description, class_name=class_name,
            specialty_id=record.specialty if record.specialty in names else None, students=record.students,
            graduation_year=record.graduation_year, graduates_employed=record.graduates_employed,
            participants=record.participants, created_at=_at(record.signed_on, 16),
        ))  # fmt: skip
    rows = CooperationRecord.objects.bulk_create(missing)
    created["cooperation records"] += len(rows)

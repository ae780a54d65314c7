"""Demo data of the subsidies app.

`seed_subsidies(alliance)`: the four programs of the 淄博 measures with their defaults, and five semesters: both of
2024–2025 and of 2025–2026, and 2026–2027第一学期, whose claims are due by 28 February 2027 (open on the demo's
today, 4 December 2026). Called by alliances.demo.build.build_alliance inside the alliance's scope; it needs no
users.

`seed_subsidy_claims(alliance)`: what the alliance did with them, written through the services, as the pages and
the API would, once the demo logins exist (alliances.demo.build.seed_demo calls it after the grants). For 淄博:

- 2024–2025第二学期: four enterprises' internship claims, approved in 2025; the run is paid in October 2025.
- 2025–2026第一学期: six enterprises claim the internship post subsidy for students of eight member schools; the
  schools confirm (one student denied: on sick leave; one: a first-year student), the secretariat reviews line by
  line (a line rejected for a missing signature page, a student already claimed by another enterprise rejected, a
  line returned for a wrong agreement number, corrected and resubmitted) and approves. The calculation run is
  finalised, approved by the bureau and paid (payment reference and date).
- 2025–2026第二学期: four enterprises' claims approved (one student denied, one night-shift post rejected); the run
  is finalised and waits for the bureau. The order-class employment claim of 淄博齐鲁机械有限公司 (six graduates of
  its order class at 淄博市技师学院, the 2023级 cohort that graduated in June 2026: events/demo.py) is approved.
- 2026–2027第一学期, open: 淄博齐鲁机械有限公司 (the `zb-enterprise` login) has a draft with one line lacking its
  insurance policy number; 淄博汇通机电设备股份有限公司's claim waits for 淄博市技师学院 (`zb-school`);
  淄博鲁中化工有限公司's claim is under review, two lines still to decide (one without its monthly pay).

For 宜昌, three enterprises' claims of 2025–2026第一学期, approved, and their run finalised.

Everything goes through the services (create_claim, update_claim_payment, add_lines_in_bulk, submit_claim,
confirm_students, review_lines, decide_claim, update_claim_line, start_calculation and the job, finalise_run,
approve_run, record_payment), so the claims, lines, findings, transitions, jobs, runs and audit entries are those the
app writes. The services read the clock (deadlines, "submitted at", "paid on" not in the future), and this story
happened in the past: while it is written, `django.utils.timezone.now` answers the story's moment and new audit
entries take it too (`_story_clock`, shared in alliances/demo/clock.py). Each claim and each run is written in one
transaction, under that clock, so even the work done on commit (the schools' e-mail, the calculation job's message) happens at the story's time.
The clock is process-wide while it is set: seed only from the `seed_demo` command or a test, never inside a
running web or worker process.

The actors are the demo logins where there is one (the enterprise's and the school's representatives, staff,
administrator, bureau); enterprises and schools without a demo login act without a named user.

Idempotent: a claim is made only when its enterprise has none under the program and period (the natural key of
claims), a run only when the program and period have none; nothing that exists is changed. Deterministic: the
students (names, resident ID numbers with their GB 11643 check digits and the division codes of the alliance's
districts, birth dates) and the bank accounts are computed from fixed keys by CRC-32, never drawn at random.
"""

from __future__ import annotations

import contextlib
import datetime
import zlib
from collections import Counter
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from stdnum.cn import ric

from alliances.demo.clock import StoryClock as _Clock
from alliances.demo.clock import story_clock as _story_clock
from members.models import CURRENT_MEMBER_STATUSES

from .models import CalculationRun, Claim, ClaimLine, Period, PeriodKind, Program, ProgramKind, SchoolDecision
from .services.programs import create_period, create_program

# The rules take effect at the start of the 2024–2025 academic year, so every demo semester is covered.
EFFECTIVE_FROM = datetime.date(2024, 9, 1)
PROGRAMS = (
    (
        ProgramKind.INTERNSHIP_POST, "internship-post", "顶岗实习补助",
        "企业接收市属技工院校学生顶岗实习，按每个岗位每学期300元给予补助；规模以上企业提供的实习岗位不少于职工总数的2%。"
        "所需资金由市、区县财政承担。",
    ),
    (
        ProgramKind.ORDER_CLASS, "order-class", "订单班就业补贴",
        "按协议接收订单班（冠名班）毕业生就业的企业，每接收一名毕业生给予10000元补贴。",
    ),
    (
        ProgramKind.TRAINING_BASE, "training-base", "公共实训基地补贴",
        "企业选派职工到市级公共实训基地培训，按每培训一名职工650元给予基地补贴。",
    ),
    (
        ProgramKind.QUALITY_SPECIALTY, "quality-specialty", "优质专业群奖励",
        "在国家级、省级奖励基础上，对国家级优质专业群一次性奖励100万元，省级50万元。",
    ),
)  # fmt: skip
# (academic year, semester): dates and claim deadlines as `propose_period` proposes them.
PERIODS = ((2024, 1), (2024, 2), (2025, 1), (2025, 2), (2026, 1))
# The day the demo stands on: 2026–2027第一学期 is open for claims (due by 2027-02-28).
DEMO_TODAY = datetime.date(2026, 12, 4)


def seed_subsidies(alliance) -> Counter:
    """Create the missing demo programs and periods of the alliance; return how many of each were made."""
    created = Counter()
    have = set(Program.objects.filter(alliance=alliance).values_list("code", flat=True))
    for kind, code, name, description in PROGRAMS:
        if code in have:
            continue
        create_program(
            alliance, kind=kind, code=code, name=name, description=description, effective_from=EFFECTIVE_FROM
        )
        created["subsidy programs"] += 1
    have_periods = set(Period.objects.filter(alliance=alliance).values_list("academic_year", "semester"))
    for year, semester in PERIODS:
        if (year, semester) in have_periods:
            continue
        create_period(alliance, kind=PeriodKind.SEMESTER, academic_year=year, semester=semester)
        created["subsidy periods"] += 1
    return created


# --- The story: who claimed what, and what became of it -----------------------------------------------------


class Group(NamedTuple):
    """`count` students of one school and specialty in one post: students `first`… of the cohort graduating in
    `class_of`. The same (school, specialty, class_of, number) is the same person on every claim."""

    school: str
    specialty: str
    post: str
    count: int
    first: int = 0
    class_of: int = 2026
    women: int = 2  # in ten
    pay: int = 3000  # monthly pay (CNY), before a small per-student step


class ClaimPlan(NamedTuple):
    """One claim and what happened to it. Lines are numbered from 1 in the order of the groups. The stage it
    reaches: a draft without `submitted`; waiting for the schools named in `waiting_for`; under review while
    `decided` is empty; approved."""

    enterprise: str
    program: str
    period: tuple[int, int]  # (academic year, semester)
    groups: tuple[Group, ...]
    opened: datetime.date
    internship: tuple[datetime.date, datetime.date] | None = None
    submitted: datetime.date | None = None
    schools_decided: datetime.date | None = None
    waiting_for: tuple[str, ...] = ()  # schools that have not decided yet
    reviewed: datetime.date | None = None
    decided: datetime.date | None = None
    missing: tuple[tuple[int, str], ...] = ()  # (line, field) left empty: a finding
    denied: tuple[tuple[int, str], ...] = ()  # (line, the school's note)
    rejected: tuple[tuple[int, str], ...] = ()  # (line, the reviewer's reason)
    undecided: tuple[int, ...] = ()  # lines the reviewer has not decided yet
    # (line, reason, corrected and resubmitted on): the line's agreement number was first given mistyped
    returned: tuple[int, str, datetime.date] | None = None


class RunPlan(NamedTuple):
    program: str
    period: tuple[int, int]
    calculated: datetime.date
    finalised: datetime.date | None = None
    approved: datetime.date | None = None
    paid: tuple[datetime.date, str] | None = None  # (paid on, payment reference)


class Story(NamedTuple):
    staff: str  # usernames: reviews and calculates
    admin: str  # finalises runs and records payments
    bureau: str | None  # approves finalised runs
    banks: tuple[str, ...]
    claims: tuple[ClaimPlan, ...]
    runs: tuple[RunPlan, ...]


D = datetime.date
INTERNSHIP = "internship-post"
ORDER_CLASS = "order-class"
# The reviewer's reason for a student the school denied.
DENIED_REASON = "学校未确认该生在本企业实习，不予补助"

# 淄博: schools and the specialties they offer (alliances/demo/data.py).
ZB_TECH = "淄博市技师学院"  # the zb-school login's unit
ZB_PETRO = "山东齐鲁石化技师学院"
ZB_TRAFFIC = "淄博市交通技工学校"
ZB_INFO = "淄博市信息技工学校"
ZB_INDUSTRY = "淄博市工业学校"
ZB_SCIENCE = "淄博市理工学校"
ZB_MECH = "淄博机电工程学校"
ZB_LINZI = "淄博市临淄区职业中等专业学校"
# The zb-enterprise login's unit: 2,600 employees and above designated size, so at least 52 interns a claim.
ZB_MACHINERY = "淄博齐鲁机械有限公司"
ZB_CHEMICAL = "淄博鲁中化工有限公司"
ZB_ELECTRONICS = "淄博博远电子有限公司"
ZB_EQUIPMENT = "淄博齐盛智能装备有限公司"
ZB_SOFTWARE = "淄博齐都信息技术有限公司"
ZB_MECHATRONICS = "淄博汇通机电设备股份有限公司"
ZB_AUTOPARTS = "淄博宏达汽车零部件有限公司"

CNC, MECHATRONIC, ELECTRIC = "数控技术应用", "机电技术应用", "电气设备运行与控制"


def _machinery_groups(class_of: int, mechatronics: int = 12, industry: int = 10, traffic: int = 10) -> tuple:
    return (
        Group(ZB_TECH, CNC, "数控车工", 16, class_of=class_of, pay=3600),
        Group(ZB_TECH, MECHATRONIC, "装配钳工", mechatronics, class_of=class_of, pay=3400),
        Group(ZB_TRAFFIC, CNC, "数控铣工", traffic, class_of=class_of, pay=3500),
        Group(ZB_INDUSTRY, MECHATRONIC, "机电设备维修工", industry, class_of=class_of, pay=3300),
        Group(ZB_MECH, ELECTRIC, "维修电工", 8, class_of=class_of, pay=3400),
    )


# fmt: off
ZIBO = Story(
    staff="zb-staff",
    admin="zb-admin",
    bureau="bureau",
    banks=(
        "中国工商银行股份有限公司淄博张店支行", "中国建设银行股份有限公司淄博分行营业部", "齐商银行股份有限公司张店支行",
        "中国农业银行股份有限公司淄博临淄支行", "中国银行股份有限公司淄博分行", "山东淄博农村商业银行股份有限公司",
    ),
    claims=(
        # --- 2024–2025学年第二学期: approved in 2025; the run is paid in 2025.
        ClaimPlan(
            ZB_CHEMICAL, INTERNSHIP, (2024, 2),
            (Group(ZB_PETRO, "化学工艺", "化工总控工", 5, class_of=2025, pay=3700),
             Group(ZB_LINZI, "化学工艺", "化工总控工", 3, class_of=2025, pay=3500)),
            opened=D(2025, 7, 1), internship=(D(2025, 3, 3), D(2025, 6, 27)), submitted=D(2025, 7, 4),
            schools_decided=D(2025, 7, 9), reviewed=D(2025, 7, 29), decided=D(2025, 7, 29),
        ),
        ClaimPlan(
            ZB_ELECTRONICS, INTERNSHIP, (2024, 2),
            (Group(ZB_INFO, "电子技术应用", "电子装接工", 5, class_of=2025, women=5, pay=3100),
             Group(ZB_SCIENCE, "电子技术应用", "电子装接工", 4, class_of=2025, women=5, pay=3100)),
            opened=D(2025, 7, 2), internship=(D(2025, 3, 3), D(2025, 6, 27)), submitted=D(2025, 7, 7),
            schools_decided=D(2025, 7, 10), reviewed=D(2025, 7, 30), decided=D(2025, 7, 30),
        ),
        ClaimPlan(
            ZB_MACHINERY, INTERNSHIP, (2024, 2), _machinery_groups(2025),
            opened=D(2025, 7, 7), internship=(D(2025, 2, 24), D(2025, 7, 4)), submitted=D(2025, 7, 14),
            schools_decided=D(2025, 7, 17), reviewed=D(2025, 8, 5), decided=D(2025, 8, 5),
            denied=((33, "该生已于2025年4月解除实习协议，返校学习"),),
        ),
        ClaimPlan(
            ZB_SOFTWARE, INTERNSHIP, (2024, 2),
            (Group(ZB_INFO, "软件与信息服务", "软件测试员", 3, class_of=2025, women=4, pay=3400),
             Group(ZB_SCIENCE, "计算机网络技术", "网络运维员", 3, class_of=2025, pay=3300)),
            opened=D(2025, 7, 8), internship=(D(2025, 2, 24), D(2025, 7, 4)), submitted=D(2025, 7, 15),
            schools_decided=D(2025, 7, 18), reviewed=D(2025, 8, 6), decided=D(2025, 8, 6),
        ),
        # --- 2025–2026学年第一学期: all approved; the run is paid.
        ClaimPlan(
            ZB_CHEMICAL, INTERNSHIP, (2025, 1),
            (Group(ZB_PETRO, "化学工艺", "化工总控工", 5, pay=3800),
             Group(ZB_LINZI, "化学工艺", "化工总控工", 3, pay=3600)),
            opened=D(2025, 12, 22), internship=(D(2025, 9, 15), D(2025, 12, 26)), submitted=D(2025, 12, 29),
            schools_decided=D(2026, 1, 5), reviewed=D(2026, 1, 27), decided=D(2026, 1, 27),
            denied=((7, "该生为一年级学生，按规定不得安排岗位实习"),),
        ),
        ClaimPlan(
            ZB_ELECTRONICS, INTERNSHIP, (2025, 1),
            (Group(ZB_INFO, "电子技术应用", "电子装接工", 5, women=5, pay=3200),
             Group(ZB_SCIENCE, "电子技术应用", "电子装接工", 4, women=5, pay=3200)),
            opened=D(2025, 12, 23), internship=(D(2025, 9, 15), D(2025, 12, 26)), submitted=D(2025, 12, 30),
            schools_decided=D(2026, 1, 6), reviewed=D(2026, 1, 28), decided=D(2026, 1, 28),
        ),
        ClaimPlan(
            ZB_MACHINERY, INTERNSHIP, (2025, 1), _machinery_groups(2026),
            opened=D(2026, 1, 12), internship=(D(2025, 9, 8), D(2026, 1, 16)), submitted=D(2026, 1, 19),
            schools_decided=D(2026, 1, 22), reviewed=D(2026, 2, 10), decided=D(2026, 2, 10),
            denied=((5, "该生2025年11月起因病休学，未在企业实习"),),
            rejected=((40, "所附三方协议缺少学生本人签字页，协议未生效"),),
        ),
        ClaimPlan(
            ZB_EQUIPMENT, INTERNSHIP, (2025, 1),
            (Group(ZB_TECH, ELECTRIC, "维修电工", 2, pay=3200),
             Group(ZB_MECH, MECHATRONIC, "装配钳工", 2, pay=3100)),
            opened=D(2026, 1, 14), internship=(D(2025, 9, 8), D(2026, 1, 16)), submitted=D(2026, 1, 21),
            schools_decided=D(2026, 1, 23), reviewed=D(2026, 2, 11), decided=D(2026, 2, 11),
        ),
        ClaimPlan(
            ZB_SOFTWARE, INTERNSHIP, (2025, 1),
            (Group(ZB_INFO, "软件与信息服务", "软件测试员", 3, women=4, pay=3500),
             Group(ZB_SCIENCE, "计算机网络技术", "网络运维员", 3, pay=3400)),
            opened=D(2026, 1, 15), internship=(D(2025, 9, 8), D(2026, 1, 16)), submitted=D(2026, 1, 22),
            schools_decided=D(2026, 1, 26), reviewed=D(2026, 2, 12), decided=D(2026, 2, 12),
        ),
        ClaimPlan(
            ZB_MECHATRONICS, INTERNSHIP, (2025, 1),
            (Group(ZB_TECH, ELECTRIC, "维修电工", 3, first=2, pay=3300),
             Group(ZB_TRAFFIC, CNC, "数控铣工", 2, first=10, pay=3300),
             Group(ZB_TRAFFIC, CNC, "数控铣工", 1, first=3, pay=3300)),  # also on 淄博齐鲁机械有限公司's claim
            opened=D(2026, 1, 16), internship=(D(2025, 9, 8), D(2026, 1, 16)), submitted=D(2026, 1, 23),
            schools_decided=D(2026, 1, 27), reviewed=D(2026, 2, 24), decided=D(2026, 3, 4),
            rejected=((6, "该生本学期已由其他企业申报并经学校确认，同一学生同一期只补助一次"),),
            returned=(2, "三方协议编号与所附协议扫描件不一致，请核对更正", D(2026, 2, 26)),
        ),
        # --- 2025–2026学年第二学期: approved; the run is finalised and waits for the bureau.
        ClaimPlan(
            ZB_CHEMICAL, INTERNSHIP, (2025, 2),
            (Group(ZB_PETRO, "化学工艺", "化工总控工", 5, first=5, pay=3800),
             Group(ZB_LINZI, "化学工艺", "化工总控工", 2, first=3, pay=3600)),
            opened=D(2026, 7, 1), internship=(D(2026, 3, 2), D(2026, 6, 26)), submitted=D(2026, 7, 3),
            schools_decided=D(2026, 7, 7), reviewed=D(2026, 7, 28), decided=D(2026, 7, 28),
        ),
        ClaimPlan(
            ZB_ELECTRONICS, INTERNSHIP, (2025, 2),
            (Group(ZB_INFO, "电子技术应用", "电子装接工", 4, first=5, women=5, pay=3200),
             Group(ZB_SCIENCE, "电子技术应用", "电子装接工", 4, first=4, women=5, pay=3200)),
            opened=D(2026, 7, 2), internship=(D(2026, 3, 2), D(2026, 6, 26)), submitted=D(2026, 7, 6),
            schools_decided=D(2026, 7, 9), reviewed=D(2026, 7, 29), decided=D(2026, 7, 29),
        ),
        ClaimPlan(
            ZB_MACHINERY, INTERNSHIP, (2025, 2), _machinery_groups(2026, mechatronics=11, traffic=9),
            opened=D(2026, 7, 6), internship=(D(2026, 2, 23), D(2026, 7, 10)), submitted=D(2026, 7, 13),
            schools_decided=D(2026, 7, 16), reviewed=D(2026, 8, 4), decided=D(2026, 8, 4),
            denied=((20, "该生已于2026年3月转至其他企业实习"),),
        ),
        ClaimPlan(
            ZB_AUTOPARTS, INTERNSHIP, (2025, 2),
            (Group(ZB_TRAFFIC, "汽车制造与检测", "汽车装调工", 7, pay=3500),
             Group(ZB_MECH, "汽车运用与维修", "汽车维修工", 5, pay=3300)),
            opened=D(2026, 7, 8), internship=(D(2026, 2, 23), D(2026, 7, 10)), submitted=D(2026, 7, 15),
            schools_decided=D(2026, 7, 20), reviewed=D(2026, 8, 6), decided=D(2026, 8, 6),
            rejected=((9, "实习岗位为夜班装配岗，未按规定报备，不予补助"),),
        ),
        ClaimPlan(  # graduates of the 齐鲁机械 order class, employed under the agreement
            ZB_MACHINERY, ORDER_CLASS, (2025, 2), (Group(ZB_TECH, CNC, "数控车工", 6, pay=5200),),
            opened=D(2026, 7, 20), submitted=D(2026, 7, 22), schools_decided=D(2026, 7, 24),
            reviewed=D(2026, 8, 5), decided=D(2026, 8, 5),
        ),
        # --- 2026–2027学年第一学期, open for claims.
        ClaimPlan(
            ZB_CHEMICAL, INTERNSHIP, (2026, 1),
            (Group(ZB_PETRO, "化学工艺", "化工总控工", 4, class_of=2027, pay=3900),
             Group(ZB_LINZI, "化学工艺", "化工总控工", 3, class_of=2027, pay=3700)),
            opened=D(2026, 10, 26), internship=(D(2026, 9, 14), D(2027, 1, 15)), submitted=D(2026, 11, 2),
            schools_decided=D(2026, 11, 5), reviewed=D(2026, 11, 20),
            missing=((7, "monthly_pay"),), undecided=(6, 7),
        ),
        ClaimPlan(
            ZB_MECHATRONICS, INTERNSHIP, (2026, 1),
            (Group(ZB_TECH, ELECTRIC, "维修电工", 3, class_of=2027, pay=3400),
             Group(ZB_MECH, MECHATRONIC, "装配钳工", 3, class_of=2027, pay=3300)),
            opened=D(2026, 11, 9), internship=(D(2026, 9, 7), D(2027, 1, 15)), submitted=D(2026, 11, 16),
            schools_decided=D(2026, 11, 18), waiting_for=(ZB_TECH,),
        ),
        ClaimPlan(
            ZB_MACHINERY, INTERNSHIP, (2026, 1), _machinery_groups(2027, industry=8),
            opened=D(2026, 11, 23), internship=(D(2026, 9, 7), D(2027, 1, 15)),
            missing=((12, "insurance_policy_number"),),
        ),
    ),
    runs=(
        RunPlan(INTERNSHIP, (2024, 2), calculated=D(2025, 9, 9), finalised=D(2025, 9, 11),
                approved=D(2025, 9, 19), paid=(D(2025, 10, 15), "淄财国库支付〔2025〕1015-0086号")),
        RunPlan(INTERNSHIP, (2025, 1), calculated=D(2026, 3, 10), finalised=D(2026, 3, 12),
                approved=D(2026, 3, 20), paid=(D(2026, 4, 8), "淄财国库支付〔2026〕0408-0137号")),
        RunPlan(INTERNSHIP, (2025, 2), calculated=D(2026, 9, 8), finalised=D(2026, 9, 10)),
    ),
)

YICHANG = Story(
    staff="multi-staff",
    admin="yc-admin",
    bureau=None,
    banks=(
        "中国工商银行股份有限公司宜昌分行营业部", "湖北银行股份有限公司宜昌分行", "三峡农村商业银行股份有限公司",
        "中国建设银行股份有限公司宜昌西陵支行",
    ),
    claims=(
        ClaimPlan(
            "宜昌鄂西网络科技有限公司", INTERNSHIP, (2025, 1),
            (Group("宜昌科技职业学院", "软件技术", "软件测试员", 3, women=4, pay=3600),
             Group("宜昌市三峡中等专业学校", "软件与信息服务", "网络运维员", 2, pay=3200)),
            opened=D(2026, 1, 13), internship=(D(2025, 9, 8), D(2026, 1, 16)), submitted=D(2026, 1, 20),
            schools_decided=D(2026, 1, 23), reviewed=D(2026, 2, 9), decided=D(2026, 2, 9),
        ),
        ClaimPlan(
            "宜昌楚峡船舶有限公司", INTERNSHIP, (2025, 1),
            (Group("宜昌市机电工程学校", MECHATRONIC, "船体装配工", 3, pay=3500),
             Group("宜昌市高级技工学校", CNC, "数控车工", 2, pay=3500)),
            opened=D(2026, 1, 14), internship=(D(2025, 9, 8), D(2026, 1, 16)), submitted=D(2026, 1, 21),
            schools_decided=D(2026, 1, 26), reviewed=D(2026, 2, 10), decided=D(2026, 2, 10),
        ),
        ClaimPlan(
            "宜昌峡江茶业有限公司", INTERNSHIP, (2025, 1),
            (Group("宜昌市财贸学校", "电子商务", "电商运营专员", 4, women=7, pay=3000),
             Group("宜昌市夷陵区职业教育中心", "电子商务", "电商客服", 2, women=7, pay=2800)),
            opened=D(2026, 1, 15), internship=(D(2025, 9, 8), D(2026, 1, 16)), submitted=D(2026, 1, 22),
            schools_decided=D(2026, 1, 27), reviewed=D(2026, 2, 11), decided=D(2026, 2, 11),
            denied=((6, "该生未与企业签订三方协议，学校不予确认"),),
        ),
    ),
    runs=(RunPlan(INTERNSHIP, (2025, 1), calculated=D(2026, 3, 9), finalised=D(2026, 3, 11)),),
)

# fmt: on
STORIES = {"zibo": ZIBO, "yichang": YICHANG}


# --- Students -------------------------------------------------------------------------------------------------

# fmt: off
SURNAMES = "王李张刘王李张刘陈杨赵孙徐高马于郭董宋田韩孟周吴崔毕房翟邢曲任秦袁丁魏范石冯朱胡"  # common in 山东 and 湖北
MEN = (
    "浩然", "子轩", "宇航", "俊杰", "志鹏", "明辉", "嘉豪", "晨阳", "博文", "天宇", "家乐", "鑫磊", "子豪", "宇轩",
    "浩宇", "文涛", "一鸣", "建宇", "凯", "昊", "硕", "帅", "鹏飞", "世杰", "振宇", "新宇", "晓东",
)
WOMEN = (
    "欣怡", "雨涵", "梓萱", "佳怡", "思琪", "婧怡", "雪莹", "晓彤", "诗涵", "若曦", "可馨", "雅琪", "梦瑶", "紫涵",
    "静怡", "心怡", "佳琪", "晓雯", "一诺",
)
# Districts (GB/T 2260) where the alliances' students were born: the members' division table has them all.
BIRTH_DIVISIONS = {
    "zibo": ("370302", "370303", "370304", "370305", "370306", "370321", "370322", "370323"),
    "yichang": ("420502", "420503", "420504", "420505", "420506", "420581", "420582", "420583"),
}
# fmt: on


class Student(NamedTuple):
    name: str
    resident_id: str
    pay_step: int  # 0–4: hundreds of CNY above the post's pay


def _key(*parts) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def student(slug: str, group: Group, number: int) -> Student:
    """Student `number` of the cohort: a plausible name and a valid resident ID number (division code of one of
    the alliance's districts, born between 21 and 18 years before graduating, sex in the 17th digit)."""
    seed = _key(slug, group.school, group.specialty, group.class_of, number)
    woman = seed % 10 < group.women
    given = WOMEN if woman else MEN
    name = SURNAMES[(seed >> 4) % len(SURNAMES)] + given[(seed >> 10) % len(given)]
    earliest = datetime.date(group.class_of - 21, 1, 1)
    span = (datetime.date(group.class_of - 18, 8, 31) - earliest).days + 1
    born = earliest + datetime.timedelta(days=(seed >> 12) % span)
    divisions = BIRTH_DIVISIONS[slug]
    sex_digit = (seed >> 7) % 5 * 2 + (0 if woman else 1)  # odd for men (GB 11643)
    body = f"{divisions[(seed >> 3) % len(divisions)]}{born:%Y%m%d}{(seed >> 22) % 100:02d}{sex_digit}"
    return Student(name, body + ric.calc_check_digit(body + "0"), (seed >> 24) % 5)


def plan_students(slug: str, plan: ClaimPlan) -> list[tuple[Group, int, Student]]:
    """The plan's lines in order: (group, number in the cohort, student)."""
    return [
        (group, number, student(slug, group, number))
        for group in plan.groups
        for number in range(group.first, group.first + group.count)
    ]


def all_students(slug: str) -> dict[str, str]:
    """Every demo student of the alliance: resident ID number → name (tests check them)."""
    story = STORIES.get(slug)
    if story is None:
        return {}
    return {s.resident_id: s.name for plan in story.claims for _group, _n, s in plan_students(slug, plan)}


# --- Writing the story --------------------------------------------------------------------------------------------


def seed_subsidy_claims(alliance) -> Counter:
    """Write the alliance's demo claims and runs that are missing (see the module docstring); return how many
    claims, lines and runs were made. Needs the demo logins and their grants (for the actors)."""
    story = STORIES.get(alliance.slug)
    if story is None:
        return Counter()
    from alliances.tenancy import scope

    with scope(alliance.pk):
        return _Writer(alliance, story).write()


class _Writer:
    def __init__(self, alliance, story: Story):
        from alliances.models import Grant, User
        from alliances.permissions import Role
        from members.models import MemberUnit

        self.alliance, self.story, self.slug = alliance, story, alliance.slug
        self.created = Counter()
        self.units = {unit.name: unit for unit in MemberUnit.objects.filter(alliance=alliance)}
        self.programs = {program.code: program for program in Program.objects.filter(alliance=alliance)}
        self.periods = {(p.academic_year, p.semester): p for p in Period.objects.filter(alliance=alliance)}
        names = [name for name in (story.staff, story.admin, story.bureau) if name]
        self.users = {user.username: user for user in User.objects.filter(username__in=names)}
        self.representatives = {}  # unit id → the demo login acting for it
        for grant in (
            Grant.objects.filter(alliance=alliance, role=Role.MEMBER_REPRESENTATIVE)
            .select_related("user")
            .order_by("user__username")
        ):
            self.representatives.setdefault(grant.member_unit_id, grant.user)

    def user(self, username: str | None):
        return self.users.get(username) if username else None

    @contextlib.contextmanager
    def at(self, clock: _Clock, day: datetime.date, hour: int, minute: int, actor):
        from alliances.audit import acting_as

        clock.set(day, hour, minute)
        with acting_as(actor):
            yield

    def write(self) -> Counter:
        for plan in self.story.claims:
            self.claim(plan)
        for plan in self.story.runs:
            self.run(plan)
        return self.created

    # --- claims ---

    def claim(self, plan: ClaimPlan) -> None:
        enterprise = self.units.get(plan.enterprise)
        program = self.programs.get(plan.program)
        period = self.periods.get(plan.period)
        schools = [self.units.get(group.school) for group in plan.groups]
        if enterprise is None or program is None or period is None or None in schools:
            return  # a unit, program or period was renamed or removed by hand: leave it be
        if not program.is_active or enterprise.status not in CURRENT_MEMBER_STATUSES:
            return  # closed or no longer a member since: such a claim cannot be made now
        if Claim.objects.filter(enterprise=enterprise, program=program, period=period).exists():
            return
        with _story_clock() as clock, transaction.atomic():
            self._play(clock, plan, enterprise, program, period)

    def _order_class(self, enterprise, school, class_of: int):
        """The enterprise's order or named class at the school graduating in `class_of` (events/demo.py seeds it
        before the claims), or None."""
        from events.models import CooperationKind, CooperationRecord

        return (
            CooperationRecord.objects.filter(
                enterprise=enterprise, school=school, graduation_year=class_of,
                kind__in=CooperationKind.class_kinds(),
            )
            .order_by("pk")
            .first()
        )  # fmt: skip

    def _line_values(self, plan: ClaimPlan, period: Period, enterprise, program) -> list[dict]:
        missing = {}
        for line, field in plan.missing:
            missing.setdefault(line, set()).add(field)
        rows = []
        classes = {}
        for position, (group, number, person) in enumerate(plan_students(self.slug, plan), start=1):
            school = self.units[group.school]
            starts_on, ends_on = plan.internship or (None, None)
            if starts_on and number % 7 == 3:
                starts_on += datetime.timedelta(days=7)  # joined a week later
            if program.kind == ProgramKind.ORDER_CLASS:
                agreement = (
                    f"DDB{group.class_of - 3}-{enterprise.member_number[-4:]}-{school.member_number[-4:]}"
                )
                insurance, pay = "", None
            else:
                agreement = (
                    f"SX{period.academic_year}-{enterprise.member_number[-4:]}-{school.member_number[-4:]}"
                    f"{number + 1:03d}"
                )
                insurance = f"PZAJ{period.academic_year}{school.division_code}{school.member_number[-4:]}"
                pay = Decimal(group.pay + 100 * person.pay_step)
            values = {
                "student_name": person.name, "resident_id": person.resident_id, "school": school,
                "specialty": group.specialty, "post": group.post, "starts_on": starts_on, "ends_on": ends_on,
                "agreement_number": agreement, "insurance_policy_number": insurance, "monthly_pay": pay,
            }  # fmt: skip
            if program.kind == ProgramKind.ORDER_CLASS:  # the graduate's class (its school is the line's)
                key = (school.pk, group.class_of)
                if key not in classes:
                    classes[key] = self._order_class(enterprise, school, group.class_of)
                values["order_class"] = classes[key]
            for field in missing.get(position, ()):
                values[field] = None if field in ("monthly_pay", "starts_on", "ends_on") else ""
            rows.append(values)
        return rows

    def _play(self, clock: _Clock, plan: ClaimPlan, enterprise, program, period) -> None:
        from .services import claims as claim_services
        from .services import review

        representative = self.representatives.get(enterprise.pk)
        staff = self.user(self.story.staff)
        with self.at(clock, plan.opened, 9, 20, representative):
            claim = claim_services.create_claim(enterprise, program, period, actor=representative)
            claim_services.update_claim_payment(
                claim, enterprise.name, *self._bank(enterprise), actor=representative
            )
        rows = self._line_values(plan, period, enterprise, program)
        given = [dict(values) for values in rows]
        returned = plan.returned[0] if plan.returned else None
        if returned is not None:  # two digits swapped; corrected once the secretariat returns the line
            right = rows[returned - 1]["agreement_number"]
            given[returned - 1]["agreement_number"] = right[:-2] + right[-1] + right[-2]
        with self.at(clock, plan.opened + datetime.timedelta(days=1), 10, 5, representative):
            claim_services.add_lines_in_bulk(claim, given, actor=representative)
        self.created["subsidy claims"] += 1
        self.created["subsidy claim lines"] += len(rows)
        if plan.submitted is None:
            return
        with self.at(clock, plan.submitted, 15, 40, representative):
            claim_services.submit_claim(claim, actor=representative)

        lines = {line.position: line for line in ClaimLine.objects.filter(claim=claim)}
        notes = dict(plan.denied)
        schools = list(dict.fromkeys(group.school for group in plan.groups))
        if plan.schools_decided is not None:
            for index, school_name in enumerate(schools):
                if school_name in plan.waiting_for:
                    continue
                school = self.units[school_name]
                decisions = {
                    line.pk: (
                        (SchoolDecision.DENIED, notes[position]) if position in notes
                        else (SchoolDecision.CONFIRMED, "")
                    )
                    for position, line in lines.items() if line.school_id == school.pk
                }  # fmt: skip
                actor = self.representatives.get(school.pk)
                with self.at(clock, plan.schools_decided, 9 + index, 10 * index, actor):
                    review.confirm_students(school, claim, decisions, actor=actor)
        if plan.reviewed is None:
            return

        reasons = {position: DENIED_REASON for position in notes} | dict(plan.rejected)
        wanted = {}
        for line in ClaimLine.objects.filter(claim=claim):
            position = line.position
            if position in plan.undecided:
                continue
            if position == returned:
                wanted[line.pk] = ("returned", plan.returned[1], line.revision)
            elif position in reasons:
                wanted[line.pk] = ("rejected", reasons[position], line.revision)
            else:
                wanted[line.pk] = ("approved", "", line.revision)
        with self.at(clock, plan.reviewed, 14, 20, staff):
            review.review_lines(claim, wanted, actor=staff)
        if returned is not None:
            with self.at(clock, plan.reviewed, 16, 5, staff):
                review.decide_claim(claim, review.ClaimDecision.RETURN, plan.returned[1], actor=staff)
            line = ClaimLine.objects.get(claim=claim, position=returned)
            with self.at(clock, plan.returned[2], 10, 30, representative):
                claim_services.update_claim_line(
                    line, {"agreement_number": rows[returned - 1]["agreement_number"]}, actor=representative
                )
            with self.at(clock, plan.returned[2], 11, 0, representative):
                claim_services.submit_claim(claim, actor=representative)
            line.refresh_from_db()
            with self.at(clock, plan.decided, 9, 40, staff):
                review.review_lines(claim, {line.pk: ("approved", "", line.revision)}, actor=staff)
        if plan.decided is None:
            return
        with self.at(clock, plan.decided, 16, 30, staff):
            review.decide_claim(claim, review.ClaimDecision.APPROVE, actor=staff)

    def _bank(self, enterprise) -> tuple[str, str]:
        seed, digits = _key(enterprise.credit_code, "bank"), _key(enterprise.credit_code, "account")
        return self.story.banks[seed % len(self.story.banks)], f"1603{seed % 10**7:07d}{digits % 10**8:08d}"

    # --- runs ---

    def run(self, plan: RunPlan) -> None:
        program = self.programs.get(plan.program)
        period = self.periods.get(plan.period)
        if program is None or period is None:
            return
        if CalculationRun.objects.filter(program=program, period=period).exists():
            return
        with _story_clock() as clock, transaction.atomic():
            self._calculate(clock, plan, program, period)

    def _calculate(self, clock: _Clock, plan: RunPlan, program, period) -> None:
        from alliances.jobs import run_job

        from .services import runs

        staff, admin, bureau = (
            self.user(name) for name in (self.story.staff, self.story.admin, self.story.bureau)
        )
        with self.at(clock, plan.calculated, 10, 30, staff):
            run, job = runs.start_calculation(
                alliance=self.alliance, program=program, period=period, requested_by=staff
            )
            run_job(job.pk)  # what the worker does; inline here, so that the rest of the story can follow
            run.refresh_from_db()
            job.refresh_from_db()
            if run.calculated_at is None:
                raise RuntimeError(f"demo calculation of {program} · {period} failed: {job.message}")
        self.created["calculation runs"] += 1
        if plan.finalised is None:
            return
        with self.at(clock, plan.finalised, 15, 0, admin):
            run = runs.finalise_run(run, actor=admin, token=run.token)
        if plan.approved is None or bureau is None:
            return
        with self.at(clock, plan.approved, 10, 0, bureau):
            run = runs.approve_run(run, actor=bureau)
        if plan.paid is None:
            return
        paid_on, reference = plan.paid
        with self.at(clock, paid_on, 16, 0, admin):
            runs.record_payment(run, actor=admin, reference=reference, paid_on=paid_on)

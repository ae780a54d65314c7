"""Demo data: what happened to the membership of 淄博 and 宜昌 after their founding, in 2025 and 2026.

`seed_membership_story(alliance)` writes it through the lifecycle services (members/services.py) and
`record_resolution` (alliances/governance_services.py), as the pages would, once the demo logins exist
(alliances.demo.build.seed_demo calls it after the grants). So the timelines, member numbers, withdrawal requests,
resolutions, audit entries and certificates are the ones the app writes. The resolutions are taken at the council
and standing-council meetings that events/demo.py records (found by body, date and title from its plan): they sit
beside that meeting's own resolutions (-01, -02), numbered after them.

淄博 (charter: the council admits and expels, the standing council approves withdrawals, 3 months' notice):

- 2025: three enterprises and a secondary vocational school apply in January and February (淄博云帆软件 is asked
  for its business licence and answers); the council meeting of March admits all four (ZB-LS-2025-03), numbered
  ZIBO-2025-0001…0004. 淄博恒泰玻璃 is suspended in May (annual return not filed, contact lost) and reinstated in
  August. 淄博汇通餐饮管理 asks in writing on 1 September to leave on 1 December; the standing council approves it
  in October (ZB-CW-2025-02), every member is notified, and the withdrawal takes effect on 1 December.
  淄博嘉禾机械, warned twice in writing, is suspended in November.
- 2026: an enterprise and a training school apply in January and February and are admitted at the March council
  meeting (ZB-LS-2026-03), which also expels 淄博嘉禾机械 (ZB-LS-2026-04; it leaves its committee). Still open on
  the demo's today (2026-12-04): 淄博东岳医疗器械, asked in October for its filing certificate, has not answered;
  淄博博华光电科技's application of November is under review.

宜昌: two enterprises admitted at the March 2025 council meeting (YC-LS-2025-03); 宜昌南津供应链管理 asks on
4 August 2025 to leave, the standing council approves in October (YC-CW-2025-02), effective 4 November 2025; a
secondary vocational school admitted at the March 2026 council meeting (YC-LS-2026-03); one application of
November 2026 under review.

Units that leave are ones events/demo.py already lets fade (last seen before October 2025) or keeps dormant, and
none that claims subsidies (subsidies/demo.py), so the other stories stay true. Newcomers are made like the
founding units (alliances.demo.data.newcomer_spec) and take part in no events yet.

The story happened in the past: each step runs at its moment on the story clock (alliances/demo/clock.py), in
its own transaction, so its on-commit work happens then too. The e-mails the services send (the information
request to an applicant; the withdrawal notice to every member's contacts, 229 messages for 淄博) were sent
in the story's past: the app's notification code runs (recipients, messages, its audit entry with the count),
but through Django's dummy e-mail backend, inline, instead of printing every message on `make run`'s console or
queueing them for a worker to really send.

Idempotent: a newcomer is found by credit code or name; a step of a unit is done when the unit's timeline holds
as many lines of its kind as the story has up to it; a resolution is found by number. A unit changed by hand so
that its next step no longer applies keeps its state, and its remaining steps are left out. Deterministic: fixed
names and dates, codes and contacts computed like the founding units'.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import Counter
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from alliances.governance import GoverningBody, Meeting, Resolution, ResolutionSubject
from members.models import MemberKind, MembershipAction, MembershipEvent, MemberUnit

from .clock import story_clock
from .data import Draft, UnitSpec, newcomer_spec

D = datetime.date
K = MemberKind
A = MembershipAction
COUNCIL, STANDING = GoverningBody.COUNCIL, GoverningBody.STANDING_COUNCIL
DUMMY_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


class Newcomer(NamedTuple):
    draft: Draft
    pitch: str  # what the applicant says of itself, after accepting the charter


class ResolutionPlan(NamedTuple):
    """A resolution taken at the meeting of `body` held in `year` (the one events/demo.py records)."""

    number: str
    year: int
    body: str
    subject: str
    title: str
    text: str
    against: int = 0
    abstaining: int = 1


class Step(NamedTuple):
    """One lifecycle step of one unit. `day` None: the day of the meeting that took `resolution`."""

    day: datetime.date | None
    at: tuple[int, int]  # hour, minute
    action: str  # the MembershipAction it writes on the timeline (APPLIED: the online application)
    unit: str
    reason: str = ""
    resolution: str = ""  # number
    effective_on: datetime.date | None = None  # a withdrawal's requested effective date


class Story(NamedTuple):
    staff: str  # the secretariat login that records what the secretariat does
    newcomers: tuple[Newcomer, ...]  # in the order of their numbers (never reorder: codes follow it)
    resolutions: tuple[ResolutionPlan, ...]
    steps: tuple[Step, ...]


# The applicant acts (no login): its application and its answer; the daily task completes withdrawals.
WITHOUT_LOGIN = frozenset({A.APPLIED, A.INFO_PROVIDED, A.WITHDRAWN})
RESOLVED_AT = (11, 40)  # the secretariat records the meeting's resolutions when it ends

# --- 淄博 -----------------------------------------------------------------------------------------------------------

ZB_XINZE = "淄博鑫泽智能装备有限公司"
ZB_BOHAN = "淄博博瀚新材料有限公司"
ZB_YUNFAN = "淄博云帆软件有限公司"
ZB_ZICHUAN = "淄博市淄川区职业中等专业学校"
ZB_FENGZE = "淄博沣泽汽车零部件有限公司"
ZB_TRAINING = "淄博市鲁中职业培训学校"
ZB_DONGYUE = "淄博东岳医疗器械有限公司"
ZB_BOHUA = "淄博博华光电科技有限公司"
# Founding members (alliances/demo/data.py): suspended and reinstated; fading (events/demo.py), leaves; dormant,
# expelled.
ZB_HENGTAI = "淄博恒泰玻璃有限公司"
ZB_CATERING = "淄博汇通餐饮管理有限公司"
ZB_JIAHE = "淄博嘉禾机械有限公司"

ZIBO = Story(
    staff="zb-staff",
    newcomers=(
        Newcomer(
            Draft(ZB_XINZE, K.ENTERPRISE, "370303", "装备制造", "鑫泽智能装备", "智能装备"),
            "本公司从事工业机器人集成和智能产线装备制造，可为成员院校提供岗位实习、订单培养和教师企业实践岗位。",
        ),
        Newcomer(
            Draft(ZB_BOHAN, K.ENTERPRISE, "370302", "新材料", "博瀚新材料", "新材料"),
            "本公司生产高性能陶瓷新材料，愿与成员院校共建实训基地，参与新材料专业委员会工作。",
        ),
        Newcomer(
            Draft(ZB_YUNFAN, K.ENTERPRISE, "370303", "电子信息", "云帆软件", "软件"),
            "本公司从事工业软件开发和信息系统集成，愿接收软件技术专业学生岗位实习。",
        ),
        Newcomer(
            Draft(ZB_ZICHUAN, K.SECONDARY_VOCATIONAL, "370302", "新材料"),
            "我校开设陶瓷、机械和信息技术类专业，愿与集团企业开展订单培养和学生岗位实习。",
        ),
        Newcomer(
            Draft(ZB_FENGZE, K.ENTERPRISE, "370306", "装备制造", "沣泽汽车零部件", "汽车零部件"),
            "本公司生产汽车制动和传动零部件，每年需要数控加工和装配岗位技能人才，愿开展企业新型学徒制培养。",
        ),
        Newcomer(
            Draft(ZB_TRAINING, K.TRAINING_INSTITUTION, "370303", "现代服务业"),
            "我校开展电工、焊工和养老护理员等职业技能培训，愿参与集团职工培训和职业技能评价工作。",
        ),
        Newcomer(
            Draft(ZB_DONGYUE, K.ENTERPRISE, "370321", "化工医药", "东岳医疗器械", "医疗器械"),
            "本公司生产医用敷料和康复器械，愿为药品和医疗器械类专业学生提供岗位实习。",
        ),
        Newcomer(
            Draft(ZB_BOHUA, K.ENTERPRISE, "370305", "电子信息", "博华光电科技", "光电科技"),
            "本公司从事光电器件研发和生产，愿与成员院校共建电子技术实训室。",
        ),
    ),  # fmt: skip
    resolutions=(
        ResolutionPlan(
            "ZB-LS-2025-03",
            2025,
            COUNCIL,
            ResolutionSubject.ADMISSION,
            f"关于接收{ZB_XINZE}等4家单位为集团成员单位的决议",
            f"经秘书处审核、理事会审议，同意接收{ZB_XINZE}、{ZB_BOHAN}、{ZB_YUNFAN}、{ZB_ZICHUAN}为淄博市技工教育集团"
            "（联盟）成员单位，由秘书处编定成员编号并颁发成员证书。",
        ),
        ResolutionPlan(
            "ZB-CW-2025-02",
            2025,
            STANDING,
            ResolutionSubject.WITHDRAWAL,
            f"关于同意{ZB_CATERING}退出集团的决议",
            f"{ZB_CATERING}于2025年9月1日向秘书处提交书面退会申请。依照章程，同意其退出集团，自2025年12月1日起生效，"
            "由秘书处通报全体成员单位。",
            abstaining=0,
        ),
        ResolutionPlan(
            "ZB-LS-2026-03",
            2026,
            COUNCIL,
            ResolutionSubject.ADMISSION,
            f"关于接收{ZB_FENGZE}等2家单位为集团成员单位的决议",
            f"经秘书处审核、理事会审议，同意接收{ZB_FENGZE}、{ZB_TRAINING}为淄博市技工教育集团（联盟）成员单位，"
            "由秘书处编定成员编号并颁发成员证书。",
        ),
        ResolutionPlan(
            "ZB-LS-2026-04",
            2026,
            COUNCIL,
            ResolutionSubject.EXPULSION,
            f"关于将{ZB_JIAHE}予以除名的决议",
            f"{ZB_JIAHE}以集团名义对外招揽职业技能培训并收取费用，损害集团声誉，经秘书处两次书面警告仍不改正，"
            "已于2025年11月24日暂停成员资格。依照章程，理事会表决将其予以除名。",
            against=1,
            abstaining=2,
        ),
    ),  # fmt: skip
    steps=(
        Step(D(2025, 1, 6), (10, 15), A.APPLIED, ZB_XINZE),
        Step(D(2025, 1, 8), (9, 30), A.REVIEW_STARTED, ZB_XINZE),
        Step(D(2025, 1, 13), (14, 40), A.APPLIED, ZB_BOHAN),
        Step(D(2025, 1, 15), (9, 10), A.REVIEW_STARTED, ZB_BOHAN),
        Step(D(2025, 1, 20), (16, 5), A.APPLIED, ZB_YUNFAN),
        Step(D(2025, 1, 22), (10, 0), A.REVIEW_STARTED, ZB_YUNFAN),
        Step(
            D(2025, 1, 24),
            (15, 20),
            A.INFO_REQUESTED,
            ZB_YUNFAN,
            "请补充营业执照副本扫描件和近一年职工参保人数证明，并说明拟参加的专业委员会。",
        ),
        Step(
            D(2025, 2, 10),
            (11, 25),
            A.INFO_PROVIDED,
            ZB_YUNFAN,
            "已补交营业执照副本和社会保险参保证明，拟参加电子信息专业委员会。",
        ),
        Step(D(2025, 2, 17), (9, 50), A.APPLIED, ZB_ZICHUAN),
        Step(D(2025, 2, 19), (10, 30), A.REVIEW_STARTED, ZB_ZICHUAN),
        Step(None, (14, 0), A.ADMITTED, ZB_XINZE, resolution="ZB-LS-2025-03"),
        Step(None, (14, 5), A.ADMITTED, ZB_BOHAN, resolution="ZB-LS-2025-03"),
        Step(None, (14, 10), A.ADMITTED, ZB_YUNFAN, resolution="ZB-LS-2025-03"),
        Step(None, (14, 15), A.ADMITTED, ZB_ZICHUAN, resolution="ZB-LS-2025-03"),
        Step(
            D(2025, 5, 12),
            (15, 0),
            A.SUSPENDED,
            ZB_HENGTAI,
            "未按章程规定报送2024年度成员单位信息，联系人变更后长期无法联系，经秘书处两次书面提醒仍未改正。",
        ),
        Step(
            D(2025, 8, 18),
            (10, 20),
            A.REINSTATED,
            ZB_HENGTAI,
            "已补报2024年度成员单位信息并更新联系人，经秘书处核实，恢复成员资格。",
        ),
        Step(
            D(2025, 9, 1),
            (9, 40),
            A.WITHDRAWAL_REQUESTED,
            ZB_CATERING,
            "因企业经营调整，餐饮门店已整体转让，今后不再招用技工院校相关专业毕业生，特书面申请退出集团。",
            effective_on=D(2025, 12, 1),
        ),
        Step(None, (15, 30), A.WITHDRAWAL_APPROVED, ZB_CATERING, resolution="ZB-CW-2025-02"),
        Step(
            D(2025, 11, 24),
            (14, 30),
            A.SUSPENDED,
            ZB_JIAHE,
            "以集团名义对外招揽职业技能培训并收取费用，损害集团声誉；经秘书处2025年9月、10月两次书面警告仍不改正。"
            "暂停成员资格，提请理事会审议除名。",
        ),
        Step(D(2025, 12, 1), (1, 0), A.WITHDRAWN, ZB_CATERING),
        Step(D(2026, 1, 12), (10, 45), A.APPLIED, ZB_FENGZE),
        Step(D(2026, 1, 14), (9, 20), A.REVIEW_STARTED, ZB_FENGZE),
        Step(D(2026, 2, 2), (15, 10), A.APPLIED, ZB_TRAINING),
        Step(D(2026, 2, 4), (9, 0), A.REVIEW_STARTED, ZB_TRAINING),
        Step(None, (14, 0), A.ADMITTED, ZB_FENGZE, resolution="ZB-LS-2026-03"),
        Step(None, (14, 5), A.ADMITTED, ZB_TRAINING, resolution="ZB-LS-2026-03"),
        Step(
            None,
            (14, 30),
            A.EXPELLED,
            ZB_JIAHE,
            "严重违反章程、损害集团声誉，经警告仍不改正，理事会表决予以除名。",
            resolution="ZB-LS-2026-04",
        ),
        Step(D(2026, 10, 19), (13, 50), A.APPLIED, ZB_DONGYUE),
        Step(D(2026, 10, 21), (9, 35), A.REVIEW_STARTED, ZB_DONGYUE),
        Step(
            D(2026, 10, 26),
            (16, 10),
            A.INFO_REQUESTED,
            ZB_DONGYUE,
            "请补充第二类医疗器械经营备案凭证，并说明近三年与职业院校的合作情况。",
        ),
        Step(D(2026, 11, 16), (10, 5), A.APPLIED, ZB_BOHUA),
        Step(D(2026, 11, 18), (9, 15), A.REVIEW_STARTED, ZB_BOHUA),
    ),  # fmt: skip
)

# --- 宜昌 -----------------------------------------------------------------------------------------------------------

YC_CHURUN = "宜昌楚润生物医药有限公司"
YC_JIANGRUN = "宜昌江润新能源有限公司"
YC_DIANJUN = "宜昌市点军区职业教育中心"
YC_DINGXIA = "宜昌鼎峡物流有限公司"
YC_NANJIN = "宜昌南津供应链管理股份有限公司"  # fades out in events/demo.py

YICHANG = Story(
    staff="yc-admin",
    newcomers=(
        Newcomer(
            Draft(YC_CHURUN, K.ENTERPRISE, "420505", "医药健康", "楚润生物医药", "生物医药"),
            "本公司从事原料药和生物制剂生产，愿与成员院校开展药学类专业订单培养。",
        ),
        Newcomer(
            Draft(YC_JIANGRUN, K.ENTERPRISE, "420506", "电力能源", "江润新能源", "新能源"),
            "本公司建设运营光伏和储能电站，愿为电力类专业学生提供岗位实习和教师企业实践岗位。",
        ),
        Newcomer(
            Draft(YC_DIANJUN, K.SECONDARY_VOCATIONAL, "420504", "旅游"),
            "我校开设旅游服务与管理、高星级饭店运营与管理等专业，愿与集团旅游企业深化校企合作。",
        ),
        Newcomer(
            Draft(YC_DINGXIA, K.ENTERPRISE, "420505", "现代物流", "鼎峡物流", "物流"),
            "本公司从事港口物流和冷链配送，愿接收物流类专业学生岗位实习。",
        ),
    ),  # fmt: skip
    resolutions=(
        ResolutionPlan(
            "YC-LS-2025-03",
            2025,
            COUNCIL,
            ResolutionSubject.ADMISSION,
            f"关于接收{YC_CHURUN}等2家单位为集团成员单位的决议",
            f"经秘书处审核、理事会审议，同意接收{YC_CHURUN}、{YC_JIANGRUN}为宜昌三峡职业教育集团成员单位，"
            "由秘书处编定成员编号并颁发成员证书。",
        ),
        ResolutionPlan(
            "YC-CW-2025-02",
            2025,
            STANDING,
            ResolutionSubject.WITHDRAWAL,
            f"关于同意{YC_NANJIN}退出集团的决议",
            f"{YC_NANJIN}于2025年8月4日向秘书处提交书面退会申请。依照章程，同意其退出集团，自2025年11月4日起生效，"
            "由秘书处通报全体成员单位。",
            abstaining=0,
        ),
        ResolutionPlan(
            "YC-LS-2026-03",
            2026,
            COUNCIL,
            ResolutionSubject.ADMISSION,
            f"关于接收{YC_DIANJUN}为集团成员单位的决议",
            f"经秘书处审核、理事会审议，同意接收{YC_DIANJUN}为宜昌三峡职业教育集团成员单位，"
            "由秘书处编定成员编号并颁发成员证书。",
        ),
    ),  # fmt: skip
    steps=(
        Step(D(2025, 2, 10), (10, 0), A.APPLIED, YC_CHURUN),
        Step(D(2025, 2, 12), (9, 30), A.REVIEW_STARTED, YC_CHURUN),
        Step(D(2025, 2, 24), (15, 15), A.APPLIED, YC_JIANGRUN),
        Step(D(2025, 2, 26), (10, 10), A.REVIEW_STARTED, YC_JIANGRUN),
        Step(None, (14, 0), A.ADMITTED, YC_CHURUN, resolution="YC-LS-2025-03"),
        Step(None, (14, 5), A.ADMITTED, YC_JIANGRUN, resolution="YC-LS-2025-03"),
        Step(
            D(2025, 8, 4),
            (10, 30),
            A.WITHDRAWAL_REQUESTED,
            YC_NANJIN,
            "公司总部迁往武汉，宜昌业务收缩，今后无法参加集团活动，特书面申请退出职教集团。",
            effective_on=D(2025, 11, 4),
        ),
        Step(None, (16, 0), A.WITHDRAWAL_APPROVED, YC_NANJIN, resolution="YC-CW-2025-02"),
        Step(D(2025, 11, 4), (1, 0), A.WITHDRAWN, YC_NANJIN),
        Step(D(2026, 1, 19), (14, 20), A.APPLIED, YC_DIANJUN),
        Step(D(2026, 1, 21), (9, 45), A.REVIEW_STARTED, YC_DIANJUN),
        Step(None, (14, 0), A.ADMITTED, YC_DIANJUN, resolution="YC-LS-2026-03"),
        Step(D(2026, 11, 9), (11, 0), A.APPLIED, YC_DINGXIA),
        Step(D(2026, 11, 11), (9, 40), A.REVIEW_STARTED, YC_DINGXIA),
    ),  # fmt: skip
)

STORIES = {"zibo": ZIBO, "yichang": YICHANG}


def newcomers(slug: str) -> dict[str, UnitSpec]:
    """The units that apply in the alliance's story, by name, as they apply."""
    story = STORIES.get(slug)
    if story is None:
        return {}
    return {n.draft.name: newcomer_spec(slug, number, n.draft) for number, n in enumerate(story.newcomers)}


def _meeting_events(slug: str) -> dict[tuple[int, str], tuple[str, datetime.date, str]]:
    """(year, body) → (body, date, title) of the council and standing-council meetings events/demo.py records."""
    from events.demo import demo_plan

    plan = demo_plan(slug)
    if plan is None:
        return {}
    return {
        (event.starts_at.year, event.body): (event.body, event.starts_at.date(), event.title)
        for event in plan.events
        if event.body
    }


# --- E-mail sent in the story's past ----------------------------------------------------------------------------


@contextlib.contextmanager
def _notices_sent_in_the_past():
    """The services hand their e-mail to members.notifications on commit. Here that code runs at once (recipients,
    messages, its audit entry with the count) through the dummy backend: nothing is printed, queued or sent."""
    from django.test.utils import override_settings

    from members import notifications

    saved = notifications.notify_members_of_withdrawal, notifications.notify_information_requested

    def to_members(request_id: int, alliance_id: int) -> None:
        with override_settings(EMAIL_BACKEND=DUMMY_EMAIL_BACKEND):
            notifications.send_withdrawal_notice_now(request_id, alliance_id)

    def to_applicant(unit_id: int, alliance_id: int, reason: str) -> None:
        with override_settings(EMAIL_BACKEND=DUMMY_EMAIL_BACKEND):
            notifications.send_information_request_now(unit_id, alliance_id, reason)

    notifications.notify_members_of_withdrawal, notifications.notify_information_requested = (
        to_members,
        to_applicant,
    )
    try:
        yield
    finally:
        notifications.notify_members_of_withdrawal, notifications.notify_information_requested = saved


# --- Writing the story --------------------------------------------------------------------------------------------


def seed_membership_story(alliance) -> Counter:
    """Write the steps of the alliance's story that are missing (see the module docstring); return how many
    applications, other lifecycle steps and resolutions were made. Needs the demo logins and the meetings."""
    story = STORIES.get(alliance.slug)
    if story is None:
        return Counter()
    from alliances.tenancy import scope

    with scope(alliance.pk):
        return _Writer(alliance, story).write()


class _Item(NamedTuple):
    moment: tuple  # (day, hour, minute, order in the story): when it happens
    step: Step | None
    resolution: ResolutionPlan | None


class _Writer:
    def __init__(self, alliance, story: Story):
        from alliances.models import User

        self.alliance, self.story = alliance, story
        self.created = Counter()
        self.staff = User.objects.filter(username=story.staff).first()
        self.specs = newcomers(alliance.slug)
        names = {step.unit for step in story.steps}
        codes = [spec.credit_code for spec in self.specs.values()]
        found = list(
            MemberUnit.objects.filter(alliance=alliance).filter(Q(name__in=names) | Q(credit_code__in=codes))
        )
        by_code, by_name = {u.credit_code: u for u in found}, {u.name: u for u in found}
        self.units = {name: by_name.get(name) for name in names}
        for name, spec in self.specs.items():
            self.units[name] = by_code.get(spec.credit_code) or by_name.get(name)
        self.done = Counter(
            MembershipEvent.objects.filter(alliance=alliance, member_unit__in=[u for u in self.units.values() if u])
            .values_list("member_unit_id", "action")
        )  # fmt: skip
        self.resolutions = {
            r.number: r
            for r in Resolution.objects.filter(
                alliance=alliance, number__in=[r.number for r in story.resolutions]
            )
        }
        self.meetings = {}
        for key, (body, held_on, title) in _meeting_events(alliance.slug).items():
            self.meetings[key] = Meeting.objects.filter(
                alliance=alliance, body=body, held_on=held_on, title=title
            ).first()
        self.stopped: set[str] = set()  # units whose story cannot go on (changed by hand)

    def _meeting(self, plan: ResolutionPlan) -> Meeting | None:
        return self.meetings.get((plan.year, plan.body))

    def items(self) -> list[_Item]:
        """The story's steps and resolutions that are not written yet, in the order they happened."""
        plans = {plan.number: plan for plan in self.story.resolutions}
        items, seen = [], Counter()
        for order, plan in enumerate(self.story.resolutions):
            meeting = self._meeting(plan)
            if meeting is not None and plan.number not in self.resolutions:
                items.append(_Item((meeting.held_on, *RESOLVED_AT, -1, order), None, plan))
        for order, step in enumerate(self.story.steps):
            seen[(step.unit, step.action)] += 1  # the unit's n-th step of this kind in the story
            if self._is_done(step, seen[(step.unit, step.action)]):
                continue
            day = step.day
            if step.resolution:
                meeting = self._meeting(plans[step.resolution])
                if meeting is None:  # the events demo recorded no such meeting: the unit's story ends here
                    self.stopped.add(step.unit)
                    continue
                day = day or meeting.held_on
            items.append(_Item((day, *step.at, order, 0), step, None))
        return sorted(items, key=lambda item: item.moment)

    def _is_done(self, step: Step, ordinal: int) -> bool:
        unit = self.units.get(step.unit)
        if step.action == A.APPLIED:
            return unit is not None
        return unit is not None and self.done[(unit.pk, step.action)] >= ordinal

    def write(self) -> Counter:
        items = self.items()
        if not items:
            return self.created
        with story_clock() as clock, _notices_sent_in_the_past():
            for item in items:
                day, hour, minute = item.moment[:3]
                clock.set(day, hour, minute)
                if item.resolution is not None:
                    self._resolve(item.resolution)
                elif item.step.unit not in self.stopped:
                    self._take(item.step, day)
        return self.created

    def _resolve(self, plan: ResolutionPlan) -> None:
        from alliances.audit import acting_as
        from alliances.governance_services import record_resolution

        meeting = self._meeting(plan)
        with acting_as(self.staff), transaction.atomic():
            self.resolutions[plan.number] = record_resolution(
                meeting=meeting, number=plan.number, subject=plan.subject, title=plan.title, text=plan.text,
                votes_for=meeting.present - plan.against - plan.abstaining, votes_against=plan.against,
                votes_abstaining=plan.abstaining, recorded_by=self.staff,
            )  # fmt: skip
        self.created["resolutions"] += 1

    def _take(self, step: Step, day: datetime.date) -> None:
        from alliances.audit import acting_as
        from members import services

        unit = self.units.get(step.unit)
        if unit is None and step.action != A.APPLIED:
            self.stopped.add(step.unit)
            return
        resolution = self.resolutions.get(step.resolution) if step.resolution else None
        if step.resolution and resolution is None:
            self.stopped.add(step.unit)
            return
        actor = None if step.action in WITHOUT_LOGIN else self.staff
        try:
            with acting_as(actor), transaction.atomic():
                if step.action == A.APPLIED:
                    self.units[step.unit] = self._apply(step)
                elif step.action == A.REVIEW_STARTED:
                    services.start_review(unit)
                elif step.action == A.INFO_REQUESTED:
                    services.request_information(unit, reason=step.reason)
                elif step.action == A.INFO_PROVIDED:
                    services.provide_information(unit, note=step.reason)
                elif step.action == A.ADMITTED:
                    services.admit_member(unit, resolution=resolution)
                elif step.action == A.SUSPENDED:
                    services.suspend_member(unit, reason=step.reason)
                elif step.action == A.REINSTATED:
                    services.reinstate_member(unit, reason=step.reason)
                elif step.action == A.WITHDRAWAL_REQUESTED:
                    services.request_withdrawal(
                        unit, reason=step.reason, requested_on=day, effective_on=step.effective_on
                    )
                elif step.action == A.WITHDRAWAL_APPROVED:
                    services.approve_withdrawal(unit, resolution=resolution)
                elif step.action == A.WITHDRAWN:  # what the daily task does on the effective date
                    services.complete_withdrawal(unit, today=day)
                elif step.action == A.EXPELLED:
                    services.expel_member(unit, resolution=resolution, reason=step.reason)
                else:
                    raise ValueError(f"no demo step for {step.action}")
        except ValidationError:
            # The unit was changed by hand (or a resolution no longer passes): leave it as it is.
            self.stopped.add(step.unit)
            return
        self.created["membership applications" if step.action == A.APPLIED else "membership steps"] += 1

    def _apply(self, step: Step) -> MemberUnit:
        """The online application (what the public form sends), with its specialties."""
        from alliances.governance_services import current_charter
        from members import services
        from members.models import IndustryDivision

        spec = self.specs[step.unit]
        pitch = next(n.pitch for n in self.story.newcomers if n.draft.name == step.unit)
        profile = {
            field: getattr(spec, field)
            for field in (
                "kind", "name", "short_name", "credit_code", "legal_representative", "division_code", "address",
                "employee_count", "above_designated_size", "ownership", "school_level", "enrolment", "teacher_count",
            )
        }  # fmt: skip
        profile["industry_division"] = (
            IndustryDivision.objects.get(pk=spec.industry_division_id) if spec.industry_division_id else None
        )
        contacts = [
            {"name": c.name, "title": c.title, "mobile": c.mobile, "email": c.email} for c in spec.contacts
        ]
        statement = f"本单位承认《{current_charter(self.alliance).title}》，自愿申请加入。{pitch}"
        unit = services.submit_application(
            alliance=self.alliance, profile=profile, contacts=contacts, statement=statement
        )
        services.set_specialties(unit, spec.specialties)
        return unit

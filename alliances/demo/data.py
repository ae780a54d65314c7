"""Demo data: four alliances drawn from the seed documents, their members, committees and governance
(charter, council term, founding meeting), and one login per role.

Names are data, not interface text, so nothing here goes through gettext. Nothing is random either:
every varied choice is index arithmetic over fixed word lists, so every run on every machine yields
the same names, codes and roles. `alliance_specs()` turns the hand-written outlines into the complete
specs that `build.py` writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from itertools import zip_longest
from math import gcd
from typing import NamedTuple

from alliances.governance import Office
from alliances.models import AllianceKind
from alliances.permissions import PlatformRole, Role
from members.identifiers import make_credit_code
from members.models import CouncilRole, MemberKind, MemberStatus, Ownership, SchoolLevel

DEMO_PASSWORD = "Chanjiao#2026"
# The demo platform administrators' authenticator key (published, like the password: demo only).
# Base32 for authenticator apps: CHANJIAODEMOTOTPKEYTWOFACTORXYZ2; `manage.py demo_totp USER` prints the code.
DEMO_TOTP_KEY_BASE32 = "CHANJIAODEMOTOTPKEYTWOFACTORXYZ2"

K = MemberKind

# First two characters of a unified social credit code: registration authority and kind (GB 32100-2015).
AUTHORITY_BY_KIND = {
    K.TECHNICAL_SCHOOL: "12",  # 机构编制 · 事业单位
    K.SECONDARY_VOCATIONAL: "12",
    K.HIGHER_VOCATIONAL: "12",
    K.UNDERGRADUATE: "12",
    K.RESEARCH_INSTITUTE: "12",
    K.GOVERNMENT: "11",  # 机构编制 · 机关
    K.ASSOCIATION: "51",  # 民政 · 社会团体
    K.TRAINING_INSTITUTION: "52",  # 民政 · 民办非企业单位
    K.ENTERPRISE: "91",  # 市场监管 · 企业
}

# fmt: off
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢"  # 41
GIVEN_NAMES = (
    "建国", "志强", "丽华", "秀英", "海涛", "文斌", "晓燕", "国庆", "振华", "玉兰", "德胜", "春梅",
    "立新", "红梅", "永刚", "金凤", "宏伟", "淑珍", "明亮", "桂芳", "学军", "凤英", "洪波", "彩霞",
    "卫东", "海燕", "勇", "静", "磊", "伟", "敏", "军", "洁", "涛", "婷", "鹏",
)  # 36
# fmt: on


# --- Small deterministic generators ------------------------------------------------------------


def distinct_pairs(first, second, count: int, start: int = 0) -> list[tuple]:
    """`count` distinct pairs varied in both parts: (i mod len(first), i mod len(second)) never repeats
    within len(first) * len(second) steps when the two lengths are coprime (Chinese remainder theorem)."""
    if gcd(len(first), len(second)) != 1 or count > len(first) * len(second):
        raise ValueError("word lists must have coprime lengths whose product covers the count")
    return [(first[i % len(first)], second[i % len(second)]) for i in range(start, start + count)]


def person_names(count: int, start: int = 0) -> list[str]:
    return [surname + given for surname, given in distinct_pairs(SURNAMES, GIVEN_NAMES, count, start)]


ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(serial: int) -> str:
    """A 9-character organisation code (GB 11714): 8 digits and their check character.

    The digits are an affine permutation of the serial (the multiplier is coprime to 10^8), so distinct serials
    give distinct codes that still do not look like a counter.
    """
    digits = f"{(serial * 61_803_399 + 31_415_926) % 100_000_000:08d}"
    remainder = 11 - sum(int(d) * w for d, w in zip(digits, ORGANISATION_CODE_WEIGHTS, strict=True)) % 11
    return digits + {10: "X", 11: "0"}.get(remainder, str(remainder))


# --- Outlines: what we know or chose about each alliance ---------------------------------------


class District(NamedTuple):
    code: str  # GB/T 2260, inside the alliance's region
    name: str
    roads: tuple[str, ...]


@dataclass(frozen=True)
class City:
    province: str
    prefecture: str
    prefix: str  # how enterprise names begin: 淄博…有限公司
    districts: tuple[District, ...]

    def district(self, code: str) -> District:
        return next(d for d in self.districts if d.code == code)

    def address(self, code: str, serial: int) -> str:
        district = self.district(code)
        road = district.roads[serial % len(district.roads)]
        return f"{self.province}{self.prefecture}{district.name}{road}{1 + serial * 37 % 398}号"


class Draft(NamedTuple):
    """A unit before numbering: its sector decides which committee it joins (and a school's specialties)."""

    name: str
    kind: str
    division_code: str
    sector: str
    short_name: str = ""
    industry: str = ""  # enterprises: the industry word of the name (机械, 化工…)


@dataclass(frozen=True)
class AllianceFacts:
    """The Alliance row's own fields."""

    slug: str
    name: str
    short_name: str
    kind: str
    region_code: str
    lead_department: str
    initiating_unit: str  # also the chair unit of the council
    founded_on: date


@dataclass(frozen=True)
class Outline:
    serial: int  # keeps organisation codes and people apart between alliances
    facts: AllianceFacts
    number_prefix: str  # member numbers: ZB-2019-0001
    city: City
    institutions: tuple[Draft, ...]  # schools, associations, bureaus, institutes
    trades: tuple[str, ...]  # 字号 for enterprise names; length coprime to industries'
    industries: tuple[tuple[str, str], ...]  # (industry word, sector)
    enterprises: int
    council: tuple[int, int, int]  # vice-chair, standing and council seats besides the chair
    sectors: tuple[str, ...] = ()  # one committee per sector, in this order
    committee_suffix: str = ""
    committee_size: int = 30


# --- Specs: everything build.py writes ---------------------------------------------------------


@dataclass(frozen=True)
class ContactSpec:
    name: str
    title: str
    mobile: str
    email: str
    is_primary: bool


@dataclass(frozen=True)
class UnitSpec:
    """The MemberUnit row's fields (natural key: alliance + credit code), its contacts and specialties."""

    name: str
    kind: str
    short_name: str
    credit_code: str
    division_code: str
    address: str
    legal_representative: str
    council_role: str
    member_number: str
    admitted_on: date
    status: str = MemberStatus.ADMITTED
    applied_on: date | None = None
    # Enterprises
    industry_division_id: str | None = None  # GB/T 4754-2017 division code
    employee_count: int | None = None
    above_designated_size: bool = False
    ownership: str = ""
    # Schools
    school_level: str = ""
    enrolment: int | None = None
    teacher_count: int | None = None
    # Rows of their own
    contacts: tuple[ContactSpec, ...] = ()
    specialties: tuple[str, ...] = ()  # specialty codes of the 2021 catalogue

    def row_fields(self) -> dict:
        """The MemberUnit fields, without the rows of other tables."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("contacts", "specialties")
        }


@dataclass(frozen=True)
class CommitteeSpec:
    name: str
    chair: str  # unit name
    members: tuple[str, ...]  # unit names, chair first
    description: str


@dataclass(frozen=True)
class ArticleSpec:
    chapter_number: int
    chapter_title: str
    article_number: int
    text: str


@dataclass(frozen=True)
class OfficerSpec:
    office: str  # alliances.governance.Office
    person_name: str
    unit: str  # unit name


@dataclass(frozen=True)
class GovernanceSpec:
    """The founding meeting adopts charter version 1 and elects the officers of council term 1."""

    charter_title: str
    articles: tuple[ArticleSpec, ...]
    term_starts_on: date
    officers: tuple[OfficerSpec, ...]
    meeting_title: str
    meeting_location: str
    seats: int  # units holding a council seat
    present: int
    minutes: str


@dataclass(frozen=True)
class AllianceSpec:
    facts: AllianceFacts
    units: tuple[UnitSpec, ...]
    committees: tuple[CommitteeSpec, ...]
    governance: GovernanceSpec

    @property
    def slug(self) -> str:
        return self.facts.slug

    def unit(self, name: str) -> UnitSpec:
        return next(u for u in self.units if u.name == name)

    def units_of(self, kind: str) -> list[UnitSpec]:
        return [u for u in self.units if u.kind == kind]


def compose(outline: Outline) -> AllianceSpec:
    drafts = [*outline.institutions, *_enterprise_drafts(outline)]
    roles = _council_roles(drafts, outline.facts.initiating_unit, outline.council)
    people = person_names(len(drafts), start=outline.serial * 101)
    units = tuple(_unit(outline, i, draft, roles[draft.name], people[i]) for i, draft in enumerate(drafts))
    return AllianceSpec(
        facts=outline.facts,
        units=units,
        committees=_committees(outline, drafts),
        governance=_governance(outline, units),
    )


def _enterprise_drafts(outline: Outline) -> list[Draft]:
    districts = outline.city.districts
    drafts = []
    for i, (trade, (industry, sector)) in enumerate(
        distinct_pairs(outline.trades, outline.industries, outline.enterprises)
    ):
        suffix = "股份有限公司" if i % 7 == 6 else "有限公司"  # 7: coprime to every industry list
        name = f"{outline.city.prefix}{trade}{industry}{suffix}"
        drafts.append(
            Draft(
                name, K.ENTERPRISE, districts[i % len(districts)].code, sector, f"{trade}{industry}", industry
            )
        )
    return drafts


def _unit(outline: Outline, index: int, draft: Draft, council_role: str, representative: str) -> UnitSpec:
    founded = outline.facts.founded_on
    body = organisation_code(outline.serial * 10_000 + index)
    return UnitSpec(
        name=draft.name,
        kind=draft.kind,
        short_name=draft.short_name,
        credit_code=make_credit_code(AUTHORITY_BY_KIND[draft.kind], draft.division_code, body),
        division_code=draft.division_code,
        address=outline.city.address(draft.division_code, index),
        legal_representative=representative,
        council_role=council_role,
        member_number=f"{outline.number_prefix}-{founded.year}-{index + 1:04d}",
        # Founding members applied in the weeks before the founding meeting, which admitted them all.
        applied_on=founded - timedelta(days=10 + index * 17 % 50),
        admitted_on=founded,
        contacts=_contacts(outline, index, draft),
        **_enterprise_profile(index - len(outline.institutions), draft),
        **_school_profile(index, draft),
    )


def newcomer_spec(slug: str, number: int, draft: Draft) -> UnitSpec:
    """A unit that applies after the founding (alliances/demo/membership.py), made like the founding units and
    numbered after them: credit code, representative, address, contacts and profile. It has no member number or
    dates: the lifecycle services give them. `number`: its place among the alliance's newcomers, from 0."""
    outline = OUTLINES_BY_SLUG[slug]
    index = len(outline.institutions) + outline.enterprises + number
    representative = person_names(1, start=outline.serial * 101 + index)[0]
    unit = _unit(outline, index, draft, CouncilRole.MEMBER, representative)
    return replace(unit, member_number="", applied_on=None, admitted_on=None, status=MemberStatus.APPLIED)


# --- Profiles: enterprises ----------------------------------------------------------------------

# GB/T 4754-2017 division of each industry word used in enterprise names.
INDUSTRY_DIVISIONS = {
    "机械": "34", "泵业": "34", "智能装备": "35", "医疗器械": "35", "汽车零部件": "36", "船舶": "37",
    "海洋工程装备": "37", "机电设备": "38", "电子": "39", "光电科技": "39", "化工": "26", "磷化工": "26",
    "石化": "25", "制药": "27", "生物医药": "27", "新材料": "30", "陶瓷": "30", "耐火材料": "30", "玻璃": "30",
    "建材": "30", "铝业": "32", "铝型材": "32", "门窗": "33", "家纺": "17", "纺织": "17", "家具": "21",
    "食品": "14", "茶业": "15", "柑橘": "01", "农业科技": "01", "电力": "44", "新能源": "44",
    "建设工程": "47", "商贸": "51", "电子商务": "52", "物流": "59", "餐饮管理": "62", "酒店管理": "61",
    "网络科技": "64", "软件": "65", "信息技术": "65", "文化旅游": "72", "供应链管理": "72",
    "文化传媒": "87", "旅游开发": "78",
}  # fmt: skip

# Head counts, dealt in turn; the first enterprise (a demo login's unit) is a large one.
EMPLOYEE_COUNTS = (2600, 120, 350, 60, 800, 45, 1500, 230, 90, 4200, 510, 75, 3100)  # 13
ABOVE_DESIGNATED_SIZE_FROM = 300  # employees: the demo's stand-in for 规模以上 (the real test is turnover)
STATE_OWNED_INDUSTRIES = frozenset({"石化", "电力"})
OWNERSHIPS = (
    Ownership.PRIVATE, Ownership.PRIVATE, Ownership.MIXED, Ownership.PRIVATE, Ownership.FOREIGN,
    Ownership.PRIVATE, Ownership.STATE_OWNED, Ownership.PRIVATE, Ownership.HK_MACAO_TAIWAN, Ownership.PRIVATE,
    Ownership.COLLECTIVE,
)  # 11  # fmt: skip


def _enterprise_profile(ordinal: int, draft: Draft) -> dict:
    """`ordinal`: the position among the alliance's enterprises."""
    if draft.kind != K.ENTERPRISE:
        return {}
    employees = EMPLOYEE_COUNTS[ordinal % len(EMPLOYEE_COUNTS)]
    state_owned = draft.industry in STATE_OWNED_INDUSTRIES
    return {
        "industry_division_id": INDUSTRY_DIVISIONS[draft.industry],
        "employee_count": employees,
        "above_designated_size": employees >= ABOVE_DESIGNATED_SIZE_FROM,
        "ownership": Ownership.STATE_OWNED if state_owned else OWNERSHIPS[ordinal % len(OWNERSHIPS)],
    }


# --- Profiles: schools --------------------------------------------------------------------------

# Specialty codes (2021 catalogue) a school of each sector offers: (中职, 高职专科), most typical first.
# fmt: off
SECTOR_SPECIALTIES = {
    "装备制造": (("660103", "660301", "660302", "660701", "700206"),
                 ("460103", "460301", "460104", "460305", "460306", "460101", "460702")),
    "制造": (("660103", "660301", "660302", "660701"), ("460106", "460103", "460301", "460306")),
    "船舶海工": (("660103", "660302", "660301"),
                 ("460501", "460502", "460503", "460504", "460505", "500301")),
    "化工医药": (("670201", "720301", "710102"), ("470201", "470203", "470208", "470206", "490201", "470103")),
    "化工": (("670201", "660302"), ("470201", "470208", "470204", "470209", "470210")),
    "新材料": (("670201", "660103", "750102", "640301"), ("430601", "430602", "430603", "430701", "550104")),
    "电子信息": (("710201", "710202", "710102", "710101", "710203", "710204"),
                 ("510201", "510202", "510203", "510101", "510102", "510205", "510401")),
    "信息技术": (("710201", "710202", "710203", "710204"), ("510203", "510201", "510205", "510209", "510202")),
    "现代服务业": (("730301", "730701", "730801", "740101", "740201", "740202"),
                   ("530302", "530701", "530801", "540101", "540202")),
    "服务": (("730701", "730702", "730301", "740201"), ("530701", "530704", "530302")),
    "电子商务": (("730701", "730702", "730801", "710204"), ("530701", "530702", "530704", "530705", "530706")),
    "现代物流": (("730801", "700206", "700601"), ("530801", "500202", "500211", "500701")),
    "纺织": (("750102", "730701", "660301"), ("480401", "480402", "480403", "550105")),
    "建筑": (("640301", "640501"), ("440301", "440302", "440303", "440501", "440502", "440401")),
    "建筑工程": (("640301", "640501"), ("440301", "440501", "440303", "440601")),
    "医药健康": (("720201", "720202", "720301", "720601", "720101"),
                 ("520201", "520202", "520301", "520501", "520601", "520801", "520802")),
    "旅游": (("740101", "740201", "740202"), ("540101", "540102", "540106", "540202", "570203")),
    "文化创意": (("750102", "710204"), ("550101", "550102", "550103", "550401", "560201")),
    "电力能源": (("660302",), ("430101", "430102", "430201", "430301", "460306")),
    "现代农业": (("730702", "730701"), ("410103", "410201", "410303", "470104", "530705")),
    "农业": (("730702",), ("410103", "410303", "490101")),
}
# fmt: on
GENERAL_SPECIALTIES = (("710201", "730301", "730701", "660301"), ("510201", "530302", "530701"))

SCHOOL_LEVELS = {
    K.SECONDARY_VOCATIONAL: SchoolLevel.SECONDARY,
    K.HIGHER_VOCATIONAL: SchoolLevel.HIGHER_VOCATIONAL,
    K.UNDERGRADUATE: SchoolLevel.UNDERGRADUATE,
}
# (least students, spread, students per teacher) by level
ENROLMENT = {
    SchoolLevel.TECHNICIAN_COLLEGE: (6_000, 4_000, 16),
    SchoolLevel.SENIOR_TECHNICAL: (3_500, 2_000, 17),
    SchoolLevel.TECHNICAL: (1_200, 1_800, 18),
    SchoolLevel.SECONDARY: (1_800, 3_000, 17),
    SchoolLevel.HIGHER_VOCATIONAL: (8_000, 8_000, 18),
    SchoolLevel.UNDERGRADUATE: (26_000, 6_000, 17),
}


def school_level_of(draft: Draft) -> str:
    if draft.kind == K.TECHNICAL_SCHOOL:
        if "技师学院" in draft.name:
            return SchoolLevel.TECHNICIAN_COLLEGE
        return SchoolLevel.SENIOR_TECHNICAL if "高级技工学校" in draft.name else SchoolLevel.TECHNICAL
    return SCHOOL_LEVELS.get(draft.kind, "")


def _school_profile(index: int, draft: Draft) -> dict:
    level = school_level_of(draft)
    if not level:
        return {}
    least, spread, ratio = ENROLMENT[level]
    enrolment = least + index * 739 % spread // 10 * 10
    return {
        "school_level": level,
        "enrolment": enrolment,
        "teacher_count": enrolment // (ratio + index % 4),
        "specialties": _specialties(index, level, draft.sector),
    }


def _specialties(index: int, level: str, sector: str) -> tuple[str, ...]:
    """3 to 8 codes: 中职 specialties for technical and secondary schools (technician colleges add 高职专科
    ones for their senior classes), 高职专科 ones for higher vocational colleges; none for universities,
    whose undergraduate programmes are outside the vocational catalogue."""
    secondary, higher = SECTOR_SPECIALTIES.get(sector, ((), ()))
    general_secondary, general_higher = GENERAL_SPECIALTIES
    if level == SchoolLevel.UNDERGRADUATE:
        return ()
    if level == SchoolLevel.HIGHER_VOCATIONAL:
        pool = [*higher, *general_higher]
    elif level == SchoolLevel.TECHNICIAN_COLLEGE:
        pool = [*secondary[:3], *higher[:3], *secondary[3:], *general_secondary]
    else:
        pool = [*secondary, *general_secondary]
    pool = list(dict.fromkeys(pool))  # without repeats, in order
    return tuple(pool[: min(3 + index % 6, len(pool))])


# --- Contacts -----------------------------------------------------------------------------------

CONTACT_TITLES = {
    K.TECHNICAL_SCHOOL: ("校企合作办公室主任", "招生就业处副处长"),
    K.SECONDARY_VOCATIONAL: ("校企合作办公室主任", "实习就业办公室干事"),
    K.HIGHER_VOCATIONAL: ("合作发展处处长", "招生就业处科长"),
    K.UNDERGRADUATE: ("校地合作办公室主任", "就业指导中心副主任"),
    K.ENTERPRISE: ("人力资源部经理", "综合办公室主任"),
    K.ASSOCIATION: ("秘书长", "办公室主任"),
    K.RESEARCH_INSTITUTE: ("科研管理处处长", "办公室主任"),
    K.TRAINING_INSTITUTION: ("校长助理", "教务主任"),
    K.GOVERNMENT: ("职业能力建设科科长", "科员"),
}
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "158", "159", "186", "187", "188", "189", "150", "151")


def mobile_number(serial: int) -> str:
    """An 11-digit mainland mobile number; 7,919 is coprime to 10^8, so distinct serials differ."""
    return MOBILE_PREFIXES[serial % len(MOBILE_PREFIXES)] + f"{serial * 7_919 % 100_000_000:08d}"


def _contacts(outline: Outline, index: int, draft: Draft) -> tuple[ContactSpec, ...]:
    """A primary contact for every unit, and a second one for every other unit."""
    count = 2 if index % 2 == 0 else 1
    names = person_names(count, start=outline.serial * 101 + 700 + 2 * index)
    titles = CONTACT_TITLES.get(draft.kind, ("联络员", "办公室主任"))
    return tuple(
        ContactSpec(
            name=name,
            title=titles[n],
            mobile=mobile_number(outline.serial * 100_000 + index * 2 + n),
            email=f"{outline.number_prefix.lower()}{index + 1:04d}-{n + 1}@example.cn",
            is_primary=n == 0,
        )
        for n, name in enumerate(names)
    )


def _council_roles(drafts: list[Draft], chair: str, seats: tuple[int, int, int]) -> dict[str, str]:
    """The initiating unit chairs; vice-chair, standing and council seats are dealt round-robin across
    kinds (so schools, associations and enterprises all sit on the council); everyone else is a member."""
    by_kind: dict[str, list[Draft]] = defaultdict(list)
    for draft in drafts:
        if draft.name != chair:
            by_kind[draft.kind].append(draft)
    dealt = [d for round_ in zip_longest(*by_kind.values()) for d in round_ if d is not None]
    vice, standing, council = seats
    ladder = (
        [CouncilRole.VICE_CHAIR] * vice + [CouncilRole.STANDING] * standing + [CouncilRole.COUNCIL] * council
    )
    roles = {d.name: ladder[i] if i < len(ladder) else CouncilRole.MEMBER for i, d in enumerate(dealt)}
    if len(roles) != len(drafts) - 1:
        raise ValueError(f"chair unit {chair} missing or unit names repeated")
    return {chair: CouncilRole.CHAIR, **roles}


def _committees(outline: Outline, drafts: list[Draft]) -> tuple[CommitteeSpec, ...]:
    committees = []
    for sector in outline.sectors:
        members = [d for d in drafts if d.sector == sector]
        if not members:
            raise ValueError(f"no unit works in sector {sector}")
        chair = _committee_chair(members)
        ordered = [chair, *(d for d in members if d is not chair)][: outline.committee_size]
        committees.append(
            CommitteeSpec(
                name=f"{sector}{outline.committee_suffix}",
                chair=chair.name,
                members=tuple(d.name for d in ordered),
                description=f"统筹{sector}领域的专业建设、校企合作与技能人才培养。",
            )
        )
    return tuple(committees)


def _committee_chair(members: list[Draft]) -> Draft:
    """An industry department chairs where one takes part, otherwise a lead enterprise (seed 001)."""
    rank = {K.GOVERNMENT: 0, K.ENTERPRISE: 1}
    return min(members, key=lambda d: rank.get(d.kind, 2))  # min keeps the first of equals


# --- Governance: charter, council term, founding meeting ----------------------------------------


def _governance(outline: Outline, units: tuple[UnitSpec, ...]) -> GovernanceSpec:
    facts = outline.facts
    chair = next(u for u in units if u.council_role == CouncilRole.CHAIR)
    vice_chairs = [u for u in units if u.council_role == CouncilRole.VICE_CHAIR]
    secretary_general = person_names(1, start=outline.serial * 101 + 1300)[0]
    officers = (
        OfficerSpec(Office.CHAIR, chair.legal_representative, chair.name),
        *(OfficerSpec(Office.VICE_CHAIR, u.legal_representative, u.name) for u in vice_chairs),
        OfficerSpec(Office.SECRETARY_GENERAL, secretary_general, chair.name),  # the secretariat sits there
    )
    seats = sum(u.council_role != CouncilRole.MEMBER for u in units)
    present = seats - seats // 8  # well above the two-thirds quorum
    title = f"{facts.name}章程"
    day = facts.founded_on
    minutes = (
        f"{day.year}年{day.month}月{day.day}日，{facts.name}成立大会暨第一届理事会第一次会议在{facts.initiating_unit}"
        f"召开，{facts.lead_department}到会指导。应到理事单位{seats}家，实到{present}家，超过三分之二，会议有效。"
        f"会议审议通过《{title}》，选举{chair.name}为理事长单位、{chair.legal_representative}为理事长，"
        f"{'、'.join(u.legal_representative for u in vice_chairs)}为副理事长，{secretary_general}为秘书长，"
        f"秘书处设在{facts.initiating_unit}。"
    )
    return GovernanceSpec(
        charter_title=title,
        articles=charter_articles(outline),
        term_starts_on=facts.founded_on,
        officers=officers,
        meeting_title=f"{facts.short_name}成立大会暨第一届理事会第一次会议",
        meeting_location=facts.initiating_unit,
        seats=seats,
        present=present,
        minutes=minutes,
    )


# The charter every demo alliance adopted at its founding meeting, modelled on 淄博's (seed 003): chapter 4
# holds the membership rules that the lifecycle workflows enforce (Charter's parameters say the same).
# Placeholders: {name} full name, {org} 集团 or 联盟, {lead} lead department, {initiator} initiating unit,
# {region} the city or county.
CHARTER = (
    ("总则", (
        "本{org}名称为{name}（以下简称“本{org}”）。",
        "本{org}在{lead}指导下，由{initiator}发起，联合{region}的技工院校、职业院校、行业企业、行业协会、"
        "科研院所和职业培训机构自愿组成，是非法人、非营利性的产教融合合作组织。成员单位原有的法人地位、"
        "隶属关系、资产关系和经费渠道不变。",
        "本{org}的宗旨是：整合教育资源和产业资源，推进校企合作、产教融合，使专业设置对接产业需求、"
        "课程内容对接职业标准、教学过程对接生产过程，为{region}经济社会发展培养高素质技术技能人才。",
        "本{org}接受{lead}的业务指导和监督。秘书处设在{initiator}。",
    )),
    ("业务范围", (
        "本{org}的主要任务：（一）搭建校企合作平台，组织订单培养、冠名班和现代学徒制、企业新型学徒制；"
        "（二）组织学生岗位实习和教师企业实践，共建共享实训基地；（三）开展职工培训、职业技能评价和技能竞赛；"
        "（四）开展职业教育与产业发展研究，向政府部门提出意见和建议；（五）其他有利于产教融合的工作。",
        "本{org}按照产业和专业分布设立若干专业委员会，负责本领域的专业建设和校企合作。专业委员会由行业主管"
        "部门或龙头企业担任主任单位，其工作规则由理事会另行制定。",
    )),
    ("成员", (
        "承认本章程、自愿加入的下列单位，可以申请成为本{org}成员单位：（一）境内具有独立法人资格的技工院校、"
        "职业院校和普通高等学校；（二）有一定影响力的企业和事业单位；（三）行业协会和科研院所；"
        "（四）信誉良好的职业培训机构。",
        "成员单位享有下列权利：（一）参加本{org}组织的各项活动；（二）享有选举权、被选举权和表决权；"
        "（三）优先获得本{org}提供的信息、资源和服务；（四）对本{org}的工作提出批评和建议；"
        "（五）按照本章程申请退出。",
        "成员单位履行下列义务：（一）遵守本章程，执行本{org}的决议；（二）积极参加本{org}活动，完成本{org}"
        "委托的工作；（三）如实向本{org}提供有关情况和资料；（四）维护本{org}的声誉和合法权益。",
    )),
    ("入会与退会", (
        "申请加入本{org}的单位，应当向秘书处提交书面入会申请，如实介绍本单位的基本情况。秘书处审核后"
        "提请理事会讨论，经理事会审议通过，即成为本{org}成员单位，由秘书处编定成员编号并颁发成员证书。",
        "成员单位要求退出本{org}的，应当提前三个月向秘书处提交书面申请，经常务理事会批准后退出，"
        "并通报全体理事单位。退出自批准之日起生效，但不早于书面申请提交之日起满三个月。",
        "成员单位连续两年不参加本{org}活动的，由秘书处提请常务理事会确认后，视为自动退出。",
        "成员单位严重违反本章程或者损害本{org}声誉和利益，经警告仍不改正的，由理事会表决责令退出或者予以"
        "除名。除名决定须经出席会议理事单位三分之二以上表决通过。",
    )),
    ("组织机构", (
        "理事会是本{org}的决策机构，由理事长单位、副理事长单位、常务理事单位和理事单位组成。理事会每届任期"
        "五年，可以连选连任。理事会闭会期间，由常务理事会行使理事会的部分职权，批准成员单位退出并向理事会报告。",
        "理事会行使下列职权：（一）制定和修改章程；（二）选举和罢免理事长、副理事长、秘书长；"
        "（三）决定成员单位的入会和除名；（四）审议年度工作报告和工作计划；（五）决定其他重大事项。",
        "理事会、常务理事会会议须有三分之二以上的组成单位出席方能召开，其决议须经出席单位三分之二以上"
        "表决通过方能生效。理事会每年至少召开一次会议；经三分之一以上理事单位提议，可以召开临时会议。",
        "本{org}设理事长一名，由{initiator}主要负责人担任，副理事长若干名，秘书长一名。理事长召集和主持"
        "理事会会议；秘书长主持秘书处日常工作，受理入会、退会申请，管理成员档案，组织日常活动。",
    )),
    ("附则", (
        "本章程的修改，由常务理事会提出草案，经理事会表决通过后生效。",
        "本章程经本{org}成立大会暨第一届理事会第一次会议表决通过之日起施行，解释权属于本{org}理事会。",
    )),
)  # fmt: skip


def charter_articles(outline: Outline) -> tuple[ArticleSpec, ...]:
    facts = outline.facts
    district = outline.city.districts[0]
    region = district.name if facts.region_code == district.code else outline.city.prefecture
    words = {
        "name": facts.name,
        "org": "集团" if "集团" in facts.short_name else "联盟",
        "lead": facts.lead_department,
        "initiator": facts.initiating_unit,
        "region": region,
    }
    articles = []
    for chapter, (title, texts) in enumerate(CHARTER, 1):
        for text in texts:
            articles.append(ArticleSpec(chapter, title, len(articles) + 1, text.format(**words)))
    return tuple(articles)


# --- The four alliances ------------------------------------------------------------------------
# fmt: off

ZIBO = Outline(
    serial=1,
    facts=AllianceFacts(
        slug="zibo",
        name="淄博市技工教育集团（联盟）",
        short_name="淄博技工教育集团",
        kind=AllianceKind.TECHNICAL_GROUP,
        region_code="370300",
        lead_department="淄博市人力资源和社会保障局",
        initiating_unit="淄博市技师学院",
        founded_on=date(2019, 9, 28),  # seed 003: founding meeting on 9月28日 (year not stated)
    ),
    number_prefix="ZB",
    city=City(
        province="山东省",
        prefecture="淄博市",
        prefix="淄博",
        districts=(
            District("370302", "淄川区", ("般阳路", "松龄路")),
            District("370303", "张店区", ("华光路", "柳泉路", "人民西路", "共青团西路")),
            District("370304", "博山区", ("中心路", "沿河东路")),
            District("370305", "临淄区", ("桓公路", "闻韶路")),
            District("370306", "周村区", ("正阳路", "丝绸路")),
            District("370321", "桓台县", ("少海路", "中心大街")),
            District("370322", "高青县", ("青城路", "黄河路")),
            District("370323", "沂源县", ("胜利路", "振兴路")),
        ),
    ),
    institutions=(
        Draft("淄博市技师学院", K.TECHNICAL_SCHOOL, "370303", "装备制造"),
        Draft("山东齐鲁石化技师学院", K.TECHNICAL_SCHOOL, "370305", "化工医药"),
        Draft("淄博市工贸技工学校", K.TECHNICAL_SCHOOL, "370302", "现代服务业"),
        Draft("淄博市交通技工学校", K.TECHNICAL_SCHOOL, "370303", "装备制造"),
        Draft("淄博市博山区技工学校", K.TECHNICAL_SCHOOL, "370304", "新材料"),
        Draft("淄博市信息技工学校", K.TECHNICAL_SCHOOL, "370303", "电子信息"),
        Draft("淄博市周村区技工学校", K.TECHNICAL_SCHOOL, "370306", "现代服务业"),
        Draft("淄博市工业学校", K.SECONDARY_VOCATIONAL, "370303", "装备制造"),
        Draft("淄博市理工学校", K.SECONDARY_VOCATIONAL, "370303", "电子信息"),
        Draft("淄博建筑工程学校", K.SECONDARY_VOCATIONAL, "370302", "新材料"),
        Draft("淄博机电工程学校", K.SECONDARY_VOCATIONAL, "370306", "装备制造"),
        Draft("淄博市临淄区职业中等专业学校", K.SECONDARY_VOCATIONAL, "370305", "化工医药"),
        Draft("桓台县职业中等专业学校", K.SECONDARY_VOCATIONAL, "370321", "化工医药"),
        Draft("高青县职业中等专业学校", K.SECONDARY_VOCATIONAL, "370322", "现代服务业"),
        Draft("沂源县职业中等专业学校", K.SECONDARY_VOCATIONAL, "370323", "化工医药"),
        Draft("淄博市机械工业协会", K.ASSOCIATION, "370303", "装备制造"),
        Draft("淄博市陶瓷行业协会", K.ASSOCIATION, "370302", "新材料"),
        Draft("淄博市化工行业协会", K.ASSOCIATION, "370303", "化工医药"),
        Draft("淄博市医药行业协会", K.ASSOCIATION, "370303", "化工医药"),
        Draft("淄博市电子信息产业协会", K.ASSOCIATION, "370303", "电子信息"),
        Draft("淄博市软件行业协会", K.ASSOCIATION, "370303", "电子信息"),
        Draft("淄博市物流与采购协会", K.ASSOCIATION, "370303", "现代服务业"),
        Draft("淄博市琉璃行业协会", K.ASSOCIATION, "370304", "新材料"),
        Draft("淄博市汽车行业协会", K.ASSOCIATION, "370306", "装备制造"),
    ),
    trades=(
        "齐鲁", "鲁中", "博远", "金淄", "华源", "齐盛", "稷下", "齐都", "鲁旭", "泰和", "宏达", "海岳",
        "华信", "瑞丰", "岳华", "金岭", "齐润", "鑫诚", "恒泰", "凯盛", "汇通", "正阳", "嘉禾", "天元",
        "昊瑞",
    ),  # 25
    industries=(
        ("机械", "装备制造"), ("化工", "化工医药"), ("电子", "电子信息"), ("物流", "现代服务业"),
        ("新材料", "新材料"), ("智能装备", "装备制造"), ("石化", "化工医药"), ("信息技术", "电子信息"),
        ("商贸", "现代服务业"), ("陶瓷", "新材料"), ("汽车零部件", "装备制造"), ("制药", "化工医药"),
        ("软件", "电子信息"), ("电子商务", "现代服务业"), ("耐火材料", "新材料"), ("泵业", "装备制造"),
        ("生物医药", "化工医药"), ("光电科技", "电子信息"), ("文化旅游", "现代服务业"), ("玻璃", "新材料"),
        ("机电设备", "装备制造"), ("医疗器械", "化工医药"), ("餐饮管理", "现代服务业"), ("铝业", "新材料"),
    ),  # 24
    enterprises=126,
    council=(6, 18, 40),
    sectors=("装备制造", "化工医药", "电子信息", "现代服务业", "新材料"),
    committee_suffix="专业委员会",
)

NANTONG = Outline(
    serial=2,
    facts=AllianceFacts(
        slug="nantong",
        name="南通市技工教育集团",
        short_name="南通技工教育集团",
        kind=AllianceKind.TECHNICAL_GROUP,
        region_code="320600",
        lead_department="南通市人力资源和社会保障局",
        initiating_unit="江苏省南通技师学院",
        founded_on=date(2020, 11, 20),
    ),
    number_prefix="NT",
    city=City(
        province="江苏省",
        prefecture="南通市",
        prefix="南通",
        districts=(
            District("320602", "崇川区", ("工农路", "青年中路", "人民中路")),
            District("320612", "通州区", ("世纪大道", "新金西路")),
            District("320623", "如东县", ("青园路", "友谊路")),
            District("320681", "启东市", ("和平中路", "紫薇路")),
            District("320682", "如皋市", ("海阳路", "福寿路")),
            District("320685", "海安市", ("长江中路", "宁海路")),
        ),
    ),
    institutions=(
        Draft("江苏省南通技师学院", K.TECHNICAL_SCHOOL, "320602", "装备制造"),
        Draft("南通市交通技工学校", K.TECHNICAL_SCHOOL, "320602", "现代服务业"),
        Draft("如皋市技工学校", K.TECHNICAL_SCHOOL, "320682", "装备制造"),
        Draft("海安市技工学校", K.TECHNICAL_SCHOOL, "320685", "纺织"),
        Draft("启东市技工学校", K.TECHNICAL_SCHOOL, "320681", "船舶海工"),
        Draft("江苏省如东中等专业学校", K.SECONDARY_VOCATIONAL, "320623", "现代服务业"),
        Draft("江苏省通州中等专业学校", K.SECONDARY_VOCATIONAL, "320612", "建筑"),
        Draft("江苏省启东中等专业学校", K.SECONDARY_VOCATIONAL, "320681", "船舶海工"),
        Draft("江苏工程职业技术学院", K.HIGHER_VOCATIONAL, "320602", "纺织"),
        Draft("南通市船舶工业行业协会", K.ASSOCIATION, "320602", "船舶海工"),
        Draft("南通市家纺行业协会", K.ASSOCIATION, "320602", "纺织"),
        Draft("南通市建筑行业协会", K.ASSOCIATION, "320602", "建筑"),
    ),
    trades=(
        "通达", "江海", "紫琅", "崇川", "濠河", "海鸿", "通润", "海岚", "华通", "通宝", "江通", "金海",
        "启航", "瀚海", "锦程", "天鸿", "海晟", "恒通", "瑞通", "狼山",
    ),  # 20
    industries=(
        ("船舶", "船舶海工"), ("家纺", "纺织"), ("建设工程", "建筑"), ("电子", "装备制造"),
        ("物流", "现代服务业"), ("海洋工程装备", "船舶海工"), ("纺织", "纺织"), ("智能装备", "装备制造"),
        ("化工", "化工"),
    ),  # 9
    enterprises=18,
    council=(3, 6, 10),
)

YICHANG = Outline(
    serial=3,
    facts=AllianceFacts(
        slug="yichang",
        name="宜昌三峡职业教育集团",
        short_name="宜昌三峡职教集团",
        kind=AllianceKind.VOCATIONAL_GROUP,
        region_code="420500",
        lead_department="宜昌市教育局",
        initiating_unit="湖北三峡职业技术学院",
        founded_on=date(2013, 11, 8),
    ),
    number_prefix="YC",
    city=City(
        province="湖北省",
        prefecture="宜昌市",
        prefix="宜昌",
        districts=(
            District("420502", "西陵区", ("东山大道", "沿江大道")),
            District("420503", "伍家岗区", ("城东大道", "伍临路")),
            District("420504", "点军区", ("江南大道",)),
            District("420505", "猇亭区", ("猇亭大道",)),
            District("420506", "夷陵区", ("夷兴大道", "东湖大道")),
            District("420581", "宜都市", ("园林大道",)),
            District("420582", "当阳市", ("长坂路", "玉阳路")),
            District("420583", "枝江市", ("迎宾大道", "团结路")),
        ),
    ),
    institutions=(
        Draft("湖北三峡职业技术学院", K.HIGHER_VOCATIONAL, "420503", "医药健康"),
        Draft("三峡电力职业学院", K.HIGHER_VOCATIONAL, "420502", "电力能源"),
        Draft("三峡旅游职业技术学院", K.HIGHER_VOCATIONAL, "420506", "旅游"),
        Draft("宜昌科技职业学院", K.HIGHER_VOCATIONAL, "420503", "信息技术"),
        Draft("三峡大学", K.UNDERGRADUATE, "420502", "装备制造"),
        Draft("宜昌市高级技工学校", K.TECHNICAL_SCHOOL, "420503", "装备制造"),
        Draft("宜昌市交通技工学校", K.TECHNICAL_SCHOOL, "420506", "现代物流"),
        Draft("宜昌市机电工程学校", K.SECONDARY_VOCATIONAL, "420503", "装备制造"),
        Draft("宜昌市三峡中等专业学校", K.SECONDARY_VOCATIONAL, "420502", "信息技术"),
        Draft("宜昌市财贸学校", K.SECONDARY_VOCATIONAL, "420502", "电子商务"),
        Draft("宜昌市卫生学校", K.SECONDARY_VOCATIONAL, "420502", "医药健康"),
        Draft("宜都市职业教育中心", K.SECONDARY_VOCATIONAL, "420581", "建筑工程"),
        Draft("当阳市职业技术教育中心", K.SECONDARY_VOCATIONAL, "420582", "现代农业"),
        Draft("枝江市职业教育中心", K.SECONDARY_VOCATIONAL, "420583", "化工"),
        Draft("宜昌市夷陵区职业教育中心", K.SECONDARY_VOCATIONAL, "420506", "文化创意"),
        Draft("宜昌市商务局", K.GOVERNMENT, "420502", "电子商务"),
        Draft("宜昌市农业农村局", K.GOVERNMENT, "420502", "现代农业"),
        Draft("宜昌市卫生健康委员会", K.GOVERNMENT, "420502", "医药健康"),
        Draft("宜昌市文化和旅游局", K.GOVERNMENT, "420502", "旅游"),
        Draft("宜昌市经济和信息化局", K.GOVERNMENT, "420502", "装备制造"),
        Draft("宜昌市化工行业协会", K.ASSOCIATION, "420502", "化工"),
        Draft("宜昌市电子商务协会", K.ASSOCIATION, "420502", "电子商务"),
        Draft("宜昌市建筑业协会", K.ASSOCIATION, "420503", "建筑工程"),
        Draft("宜昌市物流协会", K.ASSOCIATION, "420505", "现代物流"),
        Draft("宜昌市农业科学研究院", K.RESEARCH_INSTITUTE, "420503", "现代农业"),
        Draft("宜昌市夷陵职业技能培训学校", K.TRAINING_INSTITUTION, "420506", "文化创意"),
    ),
    trades=(
        "三峡", "峡江", "楚天", "清江", "西陵", "夷陵", "宜成", "宜江", "猇亭", "龙泉", "金峡", "鄂西",
        "荆楚", "宜达", "鸿峡", "江城", "楚峡", "华宜", "宜顺", "峡州", "南津", "晓溪", "平湖", "高峡",
        "川江",
    ),  # 25
    industries=(
        ("电子商务", "电子商务"), ("茶业", "现代农业"), ("生物医药", "医药健康"), ("磷化工", "化工"),
        ("文化传媒", "文化创意"), ("旅游开发", "旅游"), ("机械", "装备制造"), ("电力", "电力能源"),
        ("建设工程", "建筑工程"), ("软件", "信息技术"), ("物流", "现代物流"), ("网络科技", "电子商务"),
        ("柑橘", "现代农业"), ("医疗器械", "医药健康"), ("化工", "化工"), ("酒店管理", "旅游"),
        ("船舶", "装备制造"), ("新能源", "电力能源"), ("建材", "建筑工程"), ("信息技术", "信息技术"),
        ("供应链管理", "现代物流"), ("农业科技", "现代农业"),
    ),  # 22
    enterprises=34,
    council=(5, 10, 20),
    sectors=(
        "电子商务", "现代农业", "医药健康", "化工", "文化创意", "旅游", "装备制造", "电力能源", "建筑工程",
        "信息技术", "现代物流",
    ),
    committee_suffix="产学合作委员会",
)

LINQU = Outline(
    serial=4,
    facts=AllianceFacts(
        slug="linqu",
        name="临朐县产教融合发展联盟",
        short_name="临朐产教融合联盟",
        kind=AllianceKind.INTEGRATION_ALLIANCE,
        region_code="370724",
        lead_department="临朐县教育和体育局",
        initiating_unit="临朐县职业教育中心学校",
        founded_on=date(2021, 6, 16),
    ),
    number_prefix="LQ",
    city=City(
        province="山东省",
        prefecture="潍坊市",
        prefix="临朐",
        districts=(District("370724", "临朐县", ("民主路", "兴隆路", "骈邑路")),),
    ),
    institutions=(
        Draft("临朐县职业教育中心学校", K.SECONDARY_VOCATIONAL, "370724", "制造"),
        Draft("临朐县技工学校", K.TECHNICAL_SCHOOL, "370724", "制造"),
        Draft("临朐县职业技能培训学校", K.TRAINING_INSTITUTION, "370724", "服务"),
        Draft("临朐县铝型材行业协会", K.ASSOCIATION, "370724", "制造"),
        Draft("临朐县电子商务协会", K.ASSOCIATION, "370724", "服务"),
    ),
    trades=(
        "沂山", "弥河", "东镇", "朐山", "冶源", "华临", "宏源", "金朐", "瑞临", "盛达", "鲁临", "九山",
        "五井", "龙岗", "旭升",
    ),  # 15
    industries=(
        ("铝业", "制造"), ("门窗", "制造"), ("机械", "制造"), ("农业科技", "农业"), ("食品", "农业"),
        ("家具", "制造"), ("电子商务", "服务"), ("铝型材", "制造"),
    ),  # 8
    enterprises=15,
    council=(2, 4, 6),
)

# fmt: on
OUTLINES = (ZIBO, NANTONG, YICHANG, LINQU)
OUTLINES_BY_SLUG = {outline.facts.slug: outline for outline in OUTLINES}


def alliance_specs() -> tuple[AllianceSpec, ...]:
    return tuple(compose(outline) for outline in OUTLINES)


ALLIANCES = alliance_specs()
SPECS_BY_SLUG = {spec.slug: spec for spec in ALLIANCES}


# --- Demo logins -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantSpec:
    alliance: str  # slug
    role: str
    unit: UnitSpec | None = None  # the unit a member representative acts for


@dataclass(frozen=True)
class UserSpec:
    username: str
    name: str
    mobile: str
    role: str  # what the login shows off, for the README
    grants: tuple[GrantSpec, ...] = ()
    platform_role: str = ""
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@example.cn"


class DemoLogin(NamedTuple):
    username: str
    role: str
    alliance: str


_ZB_ENTERPRISE = SPECS_BY_SLUG["zibo"].units_of(K.ENTERPRISE)[0]
_ZB_SCHOOL = SPECS_BY_SLUG["zibo"].unit("淄博市技师学院")

# fmt: off
DEMO_USERS = (
    UserSpec("zb-admin", "孙丽华", "13905330101", "Secretariat administrator",
             (GrantSpec("zibo", Role.SECRETARIAT_ADMIN),)),
    UserSpec("zb-staff", "高志强", "13905330102", "Secretariat staff",
             (GrantSpec("zibo", Role.SECRETARIAT_STAFF),)),
    UserSpec("zb-enterprise", "李海涛", "13805330103", f"Member representative of {_ZB_ENTERPRISE.name} (enterprise)",
             (GrantSpec("zibo", Role.MEMBER_REPRESENTATIVE, _ZB_ENTERPRISE),)),
    UserSpec("zb-school", "王秀英", "13705330104", f"Member representative of {_ZB_SCHOOL.name} (school)",
             (GrantSpec("zibo", Role.MEMBER_REPRESENTATIVE, _ZB_SCHOOL),)),
    UserSpec("zb-auditor", "赵静", "13605330105", "Auditor",
             (GrantSpec("zibo", Role.AUDITOR),)),
    UserSpec("bureau", "张振华", "15905310106",
             "Bureau official (山东省人力资源和社会保障厅) in two alliances",
             (GrantSpec("zibo", Role.BUREAU_OFFICIAL), GrantSpec("linqu", Role.BUREAU_OFFICIAL))),
    UserSpec("yc-admin", "陈晓燕", "13907170107", "Secretariat administrator",
             (GrantSpec("yichang", Role.SECRETARIAT_ADMIN),)),
    UserSpec("nt-admin", "顾卫东", "13951300108", "Secretariat administrator",
             (GrantSpec("nantong", Role.SECRETARIAT_ADMIN),)),
    UserSpec("multi-staff", "周文斌", "18805330109", "Secretariat staff in two alliances (alliance switcher)",
             (GrantSpec("zibo", Role.SECRETARIAT_STAFF), GrantSpec("yichang", Role.SECRETARIAT_STAFF))),
    UserSpec("operator", "马立新", "13910000110", "Platform operator (Django admin)",
             platform_role=PlatformRole.OPERATOR, is_staff=True, is_superuser=True),
    UserSpec("security", "郑永刚", "13910000111", "Security administrator (accounts, lockouts)",
             platform_role=PlatformRole.SECURITY_ADMIN),
    UserSpec("auditadmin", "何淑珍", "13910000112", "Audit administrator (platform audit log)",
             platform_role=PlatformRole.AUDIT_ADMIN),
)
# fmt: on


def _alliances_label(user: UserSpec) -> str:
    slugs = dict.fromkeys(grant.alliance for grant in user.grants)  # ordered, without repeats
    return "、".join(SPECS_BY_SLUG[slug].facts.short_name for slug in slugs) or "platform"


DEMO_LOGINS = [DemoLogin(user.username, user.role, _alliances_label(user)) for user in DEMO_USERS]

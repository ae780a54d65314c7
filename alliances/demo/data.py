"""Demo data: four alliances drawn from the seed documents, their members and committees, one login per role.

Names are data, not interface text, so nothing here goes through gettext. Nothing is random either:
every varied choice is index arithmetic over fixed word lists, so every run on every machine yields
the same names, codes and roles. `alliance_specs()` turns the hand-written outlines into the complete
specs that `build.py` writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import zip_longest
from math import gcd
from typing import NamedTuple

from alliances.models import AllianceKind
from alliances.permissions import PlatformRole, Role
from members.identifiers import make_credit_code
from members.models import CouncilRole, MemberKind, MemberStatus

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
    """A unit before numbering: its sector decides which committee it joins."""

    name: str
    kind: str
    division_code: str
    sector: str
    short_name: str = ""


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
class UnitSpec:
    """The MemberUnit row's fields (natural key: alliance + credit code)."""

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


@dataclass(frozen=True)
class CommitteeSpec:
    name: str
    chair: str  # unit name
    members: tuple[str, ...]  # unit names, chair first
    description: str


@dataclass(frozen=True)
class AllianceSpec:
    facts: AllianceFacts
    units: tuple[UnitSpec, ...]
    committees: tuple[CommitteeSpec, ...]

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
    return AllianceSpec(facts=outline.facts, units=units, committees=_committees(outline, drafts))


def _enterprise_drafts(outline: Outline) -> list[Draft]:
    districts = outline.city.districts
    drafts = []
    for i, (trade, (industry, sector)) in enumerate(
        distinct_pairs(outline.trades, outline.industries, outline.enterprises)
    ):
        suffix = "股份有限公司" if i % 7 == 6 else "有限公司"  # 7: coprime to every industry list
        name = f"{outline.city.prefix}{trade}{industry}{suffix}"
        drafts.append(
            Draft(name, K.ENTERPRISE, districts[i % len(districts)].code, sector, f"{trade}{industry}")
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
        admitted_on=founded,
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

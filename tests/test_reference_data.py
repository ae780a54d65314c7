"""Reference data: the versioned files, the loader (migration and command), and the lookups."""

from __future__ import annotations

import time
from importlib import import_module
from importlib.metadata import version
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from members import reference
from members.models import (
    Division,
    DivisionLevel,
    IndustryDivision,
    IndustrySection,
    ReferenceDataVersion,
    Specialty,
    SpecialtyCategory,
    SpecialtyClass,
    SpecialtyLevel,
)
from members.reference import (
    FILES,
    division_name,
    division_names,
    ensure_reference_data,
    industry_division_for,
    is_known_division,
    load_reference_data,
    read_reference_file,
    region_choices,
    region_prefix,
)

pytestmark = pytest.mark.django_db

CATEGORIES = (
    "农林牧渔", "资源环境与安全", "能源动力与材料", "土木建筑", "水利", "装备制造", "生物与化工", "轻工纺织",
    "食品药品与粮食", "交通运输", "电子与信息", "医药卫生", "财经商贸", "旅游", "文化艺术", "新闻传播",
    "教育与体育", "公安与司法", "公共管理与服务",
)  # fmt: skip
SECTION_RANGES = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52), "G": (53, 60),
    "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79),
    "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}  # fmt: skip


@pytest.fixture(autouse=True)
def _reference_data():
    # The migration loads the files; a transactional test earlier in the session may have flushed them.
    ensure_reference_data()
    reference.clear_caches()
    yield
    reference.clear_caches()


# --- The files --------------------------------------------------------------------------------------------


def test_every_file_states_its_version_and_source():
    for name, filename in FILES.items():
        data = read_reference_file(name)
        assert data.version and data.rows, name
        header = (reference.DATA_DIR / filename).read_text(encoding="utf-8").split("\n", 4)
        assert any(line.startswith("# source:") for line in header), name
    assert read_reference_file("industries").version == "GB/T 4754-2017"
    assert read_reference_file("divisions").version.startswith("stdnum-")
    assert read_reference_file("specialties").version.startswith("2021")


def test_the_division_file_is_what_the_build_script_makes(tmp_path, monkeypatch):
    build = import_module("members.reference_data.build_divisions")
    installed = f"stdnum-{version('python-stdnum')} "
    if not read_reference_file("divisions").version.startswith(installed):
        pytest.skip("python-stdnum was upgraded: run members/reference_data/build_divisions.py")
    monkeypatch.setattr(build, "TARGET", tmp_path / "divisions.csv")
    build.main(["build_divisions.py"])
    assert (tmp_path / "divisions.csv").read_text(encoding="utf-8") == (
        reference.DATA_DIR / "divisions.csv"
    ).read_text(encoding="utf-8")


# --- Divisions --------------------------------------------------------------------------------------------


def test_divisions_hold_current_and_withdrawn_codes_with_full_names():
    assert Division.objects.count() > 6_000
    assert Division.objects.filter(level=DivisionLevel.PROVINCE).count() == 34
    assert Division.objects.filter(is_current=True).count() > 3_000
    rows = {
        d.code: d
        for d in Division.objects.filter(code__in=["370303", "320600", "420500", "370724", "370000"])
    }
    assert (rows["370303"].name, rows["370303"].full_name, rows["370303"].level) == (
        "张店区",
        "山东省淄博市张店区",
        DivisionLevel.COUNTY,
    )
    assert rows["370303"].parent_id == "370300" and rows["370303"].is_current
    assert (rows["320600"].full_name, rows["320600"].level, rows["320600"].parent_id) == (
        "江苏省南通市",
        DivisionLevel.PREFECTURE,
        "320000",
    )
    assert rows["420500"].full_name == "湖北省宜昌市"
    assert rows["370724"].full_name == "山东省潍坊市临朐县"
    assert (rows["370000"].level, rows["370000"].parent_id) == (DivisionLevel.PROVINCE, None)
    chongwen = Division.objects.get(code="110103")  # [-2010]崇文区
    assert (chongwen.name, chongwen.is_current, chongwen.full_name) == ("崇文区", False, "北京市崇文区")
    assert Division.objects.get(code="120110").name == "东丽区"  # renamed: [-1991]东郊区,[1992-]东丽区
    assert Division.objects.get(code="110101").full_name == "北京市东城区"  # no 市辖区 in between
    placeholder = Division.objects.get(code="370101")  # kept: old ID numbers carry it
    assert placeholder.name == "市辖区" and placeholder.parent_id == "370100"
    assert Division.objects.get(code="810000").name == "香港特别行政区"


def test_every_division_below_a_province_has_a_parent_of_the_level_above():
    levels = dict(Division.objects.values_list("code", "level"))
    for code, level, parent in Division.objects.values_list("code", "level", "parent_id"):
        if level == DivisionLevel.PROVINCE:
            assert parent is None and code.endswith("0000")
        elif level == DivisionLevel.PREFECTURE:
            assert levels[parent] == DivisionLevel.PROVINCE and code.endswith("00"), code
        else:
            assert levels[parent] in (DivisionLevel.PREFECTURE, DivisionLevel.PROVINCE), code
            assert code.startswith(region_prefix(parent)), code


# --- Industries -------------------------------------------------------------------------------------------


def test_industries_have_20_sections_and_97_divisions_in_their_ranges():
    assert list(IndustrySection.objects.values_list("code", flat=True)) == list("ABCDEFGHIJKLMNOPQRST")
    assert IndustryDivision.objects.count() == 97
    by_section = {}
    for code, section in IndustryDivision.objects.values_list("code", "section_id"):
        by_section.setdefault(section, []).append(int(code))
    assert {s: (min(codes), max(codes)) for s, codes in by_section.items()} == SECTION_RANGES
    assert sorted(c for codes in by_section.values() for c in codes) == list(range(1, 98))
    names = dict(IndustrySection.objects.values_list("code", "name"))
    assert names["C"] == "制造业" and names["I"] == "信息传输、软件和信息技术服务业"
    divisions = dict(IndustryDivision.objects.values_list("code", "name"))
    assert (divisions["34"], divisions["65"], divisions["26"]) == (
        "通用设备制造业",
        "软件和信息技术服务业",
        "化学原料和化学制品制造业",
    )


# --- Specialties ------------------------------------------------------------------------------------------


def test_the_19_categories_in_catalogue_order():
    assert list(SpecialtyCategory.objects.values_list("number", "name")) == [
        (n, f"{name}大类") for n, name in enumerate(CATEGORIES, 1)
    ]


def test_the_97_higher_vocational_classes_belong_to_their_categories():
    higher = list(SpecialtyClass.objects.filter(level=SpecialtyLevel.HIGHER))
    assert len(higher) == 97
    assert all(int(c.code[:2]) - 40 == c.category_id for c in higher)
    assert {c.category_id for c in higher} == set(range(1, 20))
    names = {c.code: c.name for c in higher}
    assert (names["4601"], names["4602"], names["4603"], names["5102"]) == (
        "机械设计制造类",
        "机电设备类",
        "自动化类",
        "计算机类",
    )
    secondary = SpecialtyClass.objects.filter(level=SpecialtyLevel.SECONDARY)
    assert secondary.exists() and all(int(c.code[:2]) - 60 == c.category_id for c in secondary)


def test_specialties_cover_every_category_and_sit_in_their_class():
    specialties = list(Specialty.objects.select_related("specialty_class"))
    assert all(s.code.startswith(s.specialty_class_id) for s in specialties)
    higher = [s for s in specialties if s.specialty_class.level == SpecialtyLevel.HIGHER]
    secondary = [s for s in specialties if s.specialty_class.level == SpecialtyLevel.SECONDARY]
    assert len(higher) >= 230 and len(secondary) >= 25
    assert {s.specialty_class.category_id for s in higher} == set(range(1, 20))
    names = {s.code: s.name for s in specialties}
    assert names["460103"] == "数控技术"
    assert names["460301"] == "机电一体化技术"
    assert names["510201"] == "计算机应用技术"
    assert names["500211"] == "汽车检测与维修技术"
    assert names["660103"] == "数控技术应用"


# --- Loading ----------------------------------------------------------------------------------------------


def _counts() -> dict:
    models = (Division, IndustrySection, IndustryDivision, SpecialtyCategory, SpecialtyClass, Specialty)
    return {model.__name__: model.objects.count() for model in models}


def test_loading_again_changes_nothing_and_records_the_versions():
    before = _counts()
    loaded = load_reference_data()
    assert load_reference_data() == loaded
    assert _counts() == before
    versions = {v.name: (v.version, v.rows) for v in ReferenceDataVersion.objects.all()}
    assert versions == {name: (info["version"], info["rows"]) for name, info in loaded.items()}
    assert versions["industries"] == ("GB/T 4754-2017", 117)
    assert versions["divisions"][1] == before["Division"]
    assert (
        versions["specialties"][1]
        == before["SpecialtyCategory"] + before["SpecialtyClass"] + before["Specialty"]
    )


def test_loading_restores_changed_rows_and_takes_only_what_is_asked():
    Division.objects.filter(code="370303").update(name="改过的", is_current=False)
    IndustryDivision.objects.filter(code="34").update(name="改过的")
    assert load_reference_data(only=["divisions"]).keys() == {"divisions"}
    assert (
        Division.objects.get(code="370303").name == "张店区"
        and Division.objects.get(code="370303").is_current
    )
    assert IndustryDivision.objects.get(code="34").name == "改过的"
    load_reference_data(only=["industries"])
    assert IndustryDivision.objects.get(code="34").name == "通用设备制造业"
    with pytest.raises(ValueError, match="unknown reference data"):
        load_reference_data(only=["postcodes"])


def test_an_empty_database_is_filled_quickly():
    Specialty.objects.all().delete()
    SpecialtyClass.objects.all().delete()
    IndustryDivision.objects.all().delete()
    Division.objects.all().delete()
    start = time.perf_counter()
    assert set(ensure_reference_data()) == {"divisions", "industries", "specialties"}
    assert time.perf_counter() - start < 5  # about half a second on SQLite; it runs for every test database
    assert (
        Division.objects.filter(code="370303").exists() and Specialty.objects.filter(code="460103").exists()
    )
    assert ensure_reference_data() == {}


def test_the_migration_loads_with_the_models_it_is_given():
    migration = import_module("members.migrations.0003_load_reference_data")
    Division.objects.filter(code="420500").delete()
    migration.load(django_apps, None)
    assert division_name("420500") == "湖北省宜昌市"


def test_the_management_command_reports_each_file():
    out = StringIO()
    call_command("load_reference_data", "--only", "industries", "specialties", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "industries" in lines[0] and "117" in lines[0] and "GB/T 4754-2017" in lines[0]


# --- Lookups ----------------------------------------------------------------------------------------------


def test_division_lookups(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert division_name("370303") == "山东省淄博市张店区"
    assert division_name("110103") == "北京市崇文区"
    assert division_name("999999") is None and division_name("") is None and division_name(None) is None
    with django_assert_num_queries(1):
        assert division_names(["370303", "320600", "999999", ""]) == {
            "370303": "山东省淄博市张店区",
            "320600": "江苏省南通市",
        }
    assert is_known_division("370724") and is_known_division("110103")  # current, withdrawn
    assert not is_known_division("370399") and not is_known_division("") and not is_known_division(None)


def test_region_choices_are_current_provinces_and_prefectures(django_assert_num_queries):
    with django_assert_num_queries(1):
        choices = region_choices()
    codes = dict(choices)
    assert codes["370000"] == "山东省" and codes["370300"] == "山东省淄博市"
    assert codes["320600"] == "江苏省南通市" and codes["420500"] == "湖北省宜昌市"
    assert "370303" not in codes and "370101" not in codes and "110100" not in codes  # county, placeholders
    assert all(code.endswith("00") for code in codes)
    assert [code for code, _ in choices] == sorted(codes)
    assert (region_prefix("370000"), region_prefix("370300"), region_prefix("370724")) == (
        "37",
        "3703",
        "370724",
    )


def test_industry_division_for_is_cached(django_assert_num_queries):
    with django_assert_num_queries(1):
        division = industry_division_for("C34")
        assert (division.code, division.section.code, division.name) == ("34", "C", "通用设备制造业")
    with django_assert_num_queries(0):
        assert industry_division_for("34") == division
        assert industry_division_for(34) == division
        assert industry_division_for("3411") == division
        assert industry_division_for("C3411") == division
        assert industry_division_for("I65").section.name == "信息传输、软件和信息技术服务业"
        assert industry_division_for("98") is None
        assert industry_division_for("X") is None and industry_division_for(None) is None

"""Loading the shared reference data, and the lookups the rest of the code uses.

The data lives in versioned files in `members/reference_data/` (see its README): GB/T 2260 division codes,
GB/T 4754-2017 industries and the 2021 vocational specialty catalogue. `load_reference_data()` upserts them
set-based (a handful of statements per file) and records each file's version line in `ReferenceDataVersion`.
It runs from migration `0003_load_reference_data` (with the migration's historical models) and from
`manage.py load_reference_data`; `ensure_reference_data()` reloads tables found empty, which happens after a
transactional test flushes the database.

Lookups:
- `division_name(code)` / `division_names(codes)`: full names (山东省淄博市张店区), one query;
- `is_known_division(code)`: any code in the table, current or withdrawn (old ID numbers carry withdrawn ones);
- `region_choices()` and `region_prefix(code)`: provinces and prefectures for a region filter;
- `industry_division_for(code)`: the GB/T 4754 division for "C34", "34" or "3411", from a per-process cache.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "reference_data"
FILES = {"divisions": "divisions.csv", "industries": "industries.csv", "specialties": "specialties.csv"}

# Names that stand for "the districts of this city" or "counties under the province", not for a place
# (kept in the table, left out of region choices). Keep in step with reference_data/build_divisions.py.
PLACEHOLDER_DIVISION_NAMES = frozenset(
    {
        "市辖区",
        "县",
        "林区",
        "省直辖县级行政单位",
        "省直辖县级行政区划",
        "省直辖行政单位",
        "自治区直辖县级行政单位",
        "自治区直辖县级行政区划",
    }
)

# A category's code at a level is its number plus this: 46 装备制造大类 (高职专科) is number 6.
CATEGORY_CODE_OFFSET = {"undergraduate": 20, "higher": 40, "secondary": 60}

_MODEL_NAMES = (
    "Division",
    "IndustrySection",
    "IndustryDivision",
    "SpecialtyCategory",
    "SpecialtyClass",
    "Specialty",
    "ReferenceDataVersion",
)
_BATCH = 500


# --- Reading the files -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceFile:
    name: str
    version: str
    rows: list[dict[str, str]]


def read_reference_file(name: str) -> ReferenceFile:
    """A file's version (its `# version:` line) and its rows as dicts keyed by the CSV header."""
    path = DATA_DIR / FILES[name]
    lines = path.read_text(encoding="utf-8").splitlines()
    version = None
    body = []
    for line in lines:
        if line.startswith("#"):
            match = re.match(r"#\s*version:\s*(.+)$", line)
            if match:
                version = match.group(1).strip()
        elif line.strip():
            body.append(line)
    if not version:
        raise ValueError(f"{path.name}: no '# version:' line")
    if len(version) > 40:
        raise ValueError(f"{path.name}: the version line is longer than 40 characters")
    return ReferenceFile(name=name, version=version, rows=list(csv.DictReader(body)))


# --- Loading -----------------------------------------------------------------------------------------------


def load_reference_data(*, only=None, apps=None) -> dict:
    """Upsert the reference files into their tables and record their versions; return what was loaded.

    `only`: names among "divisions", "industries", "specialties" (default: all). `apps`: a migration's app
    registry, whose historical models are used instead of the current ones. Rows no longer in a file are left
    in the table (member units may still point at them). Idempotent: a second run changes nothing.
    Returns {name: {"version": …, "rows": …}}.
    """
    names = list(FILES) if only is None else list(dict.fromkeys(only))
    unknown = [name for name in names if name not in FILES]
    if unknown:
        raise ValueError(f"unknown reference data: {', '.join(unknown)} (known: {', '.join(FILES)})")
    models = _models(apps)
    loaders = {"divisions": _load_divisions, "industries": _load_industries, "specialties": _load_specialties}
    loaded = {}
    with transaction.atomic():
        for name in names:
            data = read_reference_file(name)
            loaders[name](models, data.rows)
            models["ReferenceDataVersion"]._default_manager.update_or_create(
                name=name, defaults={"version": data.version, "rows": len(data.rows)}
            )
            loaded[name] = {"version": data.version, "rows": len(data.rows)}
    clear_caches()
    return loaded


def ensure_reference_data() -> dict:
    """Load the files whose tables are empty (a new database, or one a transactional test flushed)."""
    models = _models(None)
    tables = {"divisions": "Division", "industries": "IndustryDivision", "specialties": "Specialty"}
    missing = [name for name, model in tables.items() if not models[model]._default_manager.exists()]
    return load_reference_data(only=missing) if missing else {}


def _models(apps) -> dict:
    if apps is None:
        from django.apps import apps
    return {name: apps.get_model("members", name) for name in _MODEL_NAMES}


def _upsert(model, objects: list, key: str, fields: list[str]) -> None:
    model._default_manager.bulk_create(
        objects, batch_size=_BATCH, update_conflicts=True, unique_fields=[key], update_fields=fields
    )


def _load_divisions(models: dict, rows: list[dict]) -> None:
    Division = models["Division"]
    objects = []
    for row in sorted(rows, key=lambda r: r["code"]):  # parents (xx0000, xxxx00) before their children
        code, level = row["code"], row["level"]
        if not re.fullmatch(r"\d{6}", code) or level not in ("province", "prefecture", "county"):
            raise ValueError(f"divisions.csv: bad row {row}")
        objects.append(
            Division(
                code=code,
                name=row["name"],
                level=level,
                parent_id=row["parent"] or None,
                full_name=row["full_name"],
                is_current=row["is_current"] == "true",
            )
        )
    _upsert(Division, objects, "code", ["name", "level", "parent", "full_name", "is_current"])


def _load_industries(models: dict, rows: list[dict]) -> None:
    Section, Division = models["IndustrySection"], models["IndustryDivision"]
    sections = [Section(code=r["code"], name=r["name"]) for r in rows if not r["section"]]
    divisions = [
        Division(code=r["code"], name=r["name"], section_id=r["section"]) for r in rows if r["section"]
    ]
    if any(len(s.code) != 1 for s in sections) or any(not re.fullmatch(r"\d{2}", d.code) for d in divisions):
        raise ValueError("industries.csv: sections need a one-letter code and divisions a two-digit one")
    _upsert(Section, sections, "code", ["name"])
    _upsert(Division, divisions, "code", ["name", "section"])


def _load_specialties(models: dict, rows: list[dict]) -> None:
    Category, Class, Specialty = models["SpecialtyCategory"], models["SpecialtyClass"], models["Specialty"]
    by_kind: dict[str, list[dict]] = {"category": [], "class": [], "specialty": []}
    for row in rows:
        by_kind[row["kind"]].append(row)  # KeyError on an unknown kind: the file is wrong
    categories = [Category(number=int(r["code"]), name=r["name"]) for r in by_kind["category"]]
    class_levels = {}
    classes = []
    for row in by_kind["class"]:
        code, level, number = row["code"], row["level"], int(row["parent"])
        if not re.fullmatch(r"\d{4}", code) or int(code[:2]) - CATEGORY_CODE_OFFSET[level] != number:
            raise ValueError(
                f"specialties.csv: class {code} does not belong to category {number} at level {level}"
            )
        class_levels[code] = level
        classes.append(Class(code=code, name=row["name"], level=level, category_id=number))
    specialties = []
    for row in by_kind["specialty"]:
        code, parent = row["code"], row["parent"]
        if not re.fullmatch(r"\d{6}", code) or not code.startswith(parent) or parent not in class_levels:
            raise ValueError(f"specialties.csv: specialty {code} does not belong to class {parent}")
        if row["level"] and row["level"] != class_levels[parent]:
            raise ValueError(f"specialties.csv: specialty {code} has another level than its class")
        specialties.append(Specialty(code=code, name=row["name"], specialty_class_id=parent))
    _upsert(Category, categories, "number", ["name"])
    _upsert(Class, classes, "code", ["name", "level", "category"])
    _upsert(Specialty, specialties, "code", ["name", "specialty_class"])


# --- Lookups -----------------------------------------------------------------------------------------------


def division_name(code: str | None) -> str | None:
    """The full name of a division code (山东省淄博市张店区), current or withdrawn; None if unknown."""
    from .models import Division

    if not code:
        return None
    return Division.objects.filter(code=code).values_list("full_name", flat=True).first()


def division_names(codes) -> dict[str, str]:
    """Full names of many codes in one query: {code: full name}, without the unknown ones."""
    from .models import Division

    codes = {code for code in codes if code}
    if not codes:
        return {}
    return dict(Division.objects.filter(code__in=codes).values_list("code", "full_name"))


def is_known_division(code: str | None) -> bool:
    """Whether the code is in the division table, current or withdrawn (valid in old identifiers)."""
    from .models import Division

    return bool(code) and Division.objects.filter(code=code).exists()


def region_choices() -> list[tuple[str, str]]:
    """(code, full name) of the current provinces and prefectures, by code, for a region filter:
    [("370000", "山东省"), ("370100", "山东省济南市"), …]. Pass the function itself as a form field's
    `choices` so the query runs when the form is built, not at import."""
    from .models import Division, DivisionLevel

    return list(
        Division.objects.filter(is_current=True, level__in=[DivisionLevel.PROVINCE, DivisionLevel.PREFECTURE])
        .exclude(name__in=PLACEHOLDER_DIVISION_NAMES)
        .order_by("code")
        .values_list("code", "full_name")
    )


def region_prefix(code: str) -> str:
    """The prefix that the codes inside a region share: 370000 → 37, 370300 → 3703, 370303 → 370303."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


_industry_cache: dict[str, object] = {}


def industry_division_for(code) -> object | None:
    """The IndustryDivision (with its section) for "C34", "34", 34, "3411" or "C3411"; None if unknown.

    Served from a per-process cache of the 97 divisions, filled by one query on first use.
    """
    digits = re.sub(r"^[A-Ta-t]", "", str(code).strip()) if code is not None else ""
    if not re.fullmatch(r"\d{2,4}", digits):
        return None
    if not _industry_cache:
        from .models import IndustryDivision

        # Not cached while the table is empty (before loading): the next call tries again.
        _industry_cache.update({d.code: d for d in IndustryDivision.objects.select_related("section")})
    return _industry_cache.get(digits[:2])


def clear_caches() -> None:
    _industry_cache.clear()

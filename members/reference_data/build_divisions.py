"""Build `divisions.csv` (GB/T 2260 division codes, current and withdrawn) from python-stdnum's `cn/loc.dat`.

Run from the project root when python-stdnum is upgraded, then review the diff and commit the CSV:

    .venv/bin/python members/reference_data/build_divisions.py

loc.dat lists each province at column 0 (`37 province="山东省"`) and, indented below it, every code ever used
in that province by its last four digits (`  0303 county="[1983-]张店区"`). A name may carry the years it was
in use: `[-2010]` withdrawn in 2010, `[1986-]` created in 1986; a code that was renamed lists its names in
order, separated by commas (`[-1991]东郊区,[1992-]东丽区`). We keep the latest name of each code; a code whose
latest name has an end year is no longer current, but stays in the table because resident ID numbers issued
before the change still carry it.

Placeholder rows such as 市辖区 (`370101`) and 县 (`110200`) are kept for the same reason; they are only left
out of the full names of the divisions below them.

No Django here: the script is plain Python so it can run before the project is set up.
"""

from __future__ import annotations

import csv
import re
import sys
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "divisions.csv"

# Names that stand for "the districts of this city" or "counties directly under the province", not for a
# place: left out of the full names of the rows below them. Keep in step with members/reference.py.
PLACEHOLDERS = frozenset(
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

PROVINCE_LINE = re.compile(r'^(\d{2}) province="(.*)"$')
CODE_LINE = re.compile(r'^\s+(\d{4}) county="(.*)"$')
YEARS = re.compile(r"^\[(\d{4})?-(\d{4})?\]")


def loc_dat() -> Path:
    import stdnum

    return Path(stdnum.__file__).resolve().parent / "cn" / "loc.dat"


def latest_name(raw: str) -> tuple[str, bool]:
    """The latest of a code's names and whether it is still in use: `[-1991]东郊区,[1992-]东丽区` → 东丽区, True."""
    last = raw.split(",")[-1].strip()
    match = YEARS.match(last)
    name = last[match.end() :] if match else last
    is_current = not (match and match.group(2))
    return name.strip(), is_current


def parse(path: Path) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    province = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if match := PROVINCE_LINE.match(line):
            province = match.group(1)
            name, is_current = latest_name(match.group(2))
            rows[province + "0000"] = {"code": province + "0000", "name": name, "is_current": is_current}
        elif (match := CODE_LINE.match(line)) and province:
            code = province + match.group(1)
            name, is_current = latest_name(match.group(2))
            # The province's own 0000 line repeats the province, in simplified characters (香港特别行政区).
            rows[code] = {"code": code, "name": name, "is_current": is_current}
        else:
            raise ValueError(f"{path}:{number}: cannot read {line!r}")
    return rows


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def parent_of(code: str, rows: dict[str, dict]) -> str:
    level = level_of(code)
    if level == "province":
        return ""
    province = code[:2] + "0000"
    if level == "prefecture":
        return province
    prefecture = code[:4] + "00"
    return prefecture if prefecture in rows else province


def build(rows: dict[str, dict]) -> list[dict]:
    for code in sorted(rows):
        row = rows[code]
        row["level"] = level_of(code)
        row["parent"] = parent_of(code, rows)
    for code in sorted(rows):  # parents first: their full names are ready when the children need them
        row = rows[code]
        parent = rows.get(row["parent"])
        if parent is None:
            row["full_name"] = row["name"]
        else:
            # A placeholder parent (市辖区) adds nothing: 北京市东城区, not 北京市市辖区东城区.
            prefix = (
                parent["full_name"]
                if parent["name"] not in PLACEHOLDERS
                else rows[parent["parent"]]["full_name"]
            )
            row["full_name"] = prefix + row["name"]
    return [rows[code] for code in sorted(rows)]


def write(rows: list[dict], source: Path, target: Path) -> None:
    stdnum_version = version("python-stdnum")
    text = source.read_text(encoding="utf-8")
    years = [int(year) for pair in re.findall(r"\[(\d{4})?-(\d{4})?\]", text) for year in pair if year]
    with target.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "# GB/T 2260 administrative division codes (中华人民共和国行政区划代码), current and withdrawn.\n"
        )
        out.write(f"# version: stdnum-{stdnum_version} loc.dat (changes to {max(years)})\n")
        out.write(
            f"# source: python-stdnum {stdnum_version}, stdnum/cn/loc.dat, compiled from zh.wikipedia.org "
            "中华人民共和国行政区划代码 (1区–8区).\n"
        )
        out.write("# generated by members/reference_data/build_divisions.py: do not edit by hand.\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "name", "level", "parent", "full_name", "is_current"])
        for row in rows:
            writer.writerow(
                [
                    row["code"],
                    row["name"],
                    row["level"],
                    row["parent"],
                    row["full_name"],
                    "true" if row["is_current"] else "false",
                ]
            )


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else loc_dat()
    rows = build(parse(source))
    write(rows, source, TARGET)
    current = sum(row["is_current"] for row in rows)
    print(f"{TARGET.name}: {len(rows)} codes ({current} current) from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

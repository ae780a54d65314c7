"""Translations: the zh_Hans catalogue is complete, compiled, covers every marked string, and is used.

Source strings are English; Simplified Chinese is the default language. A string marked for
translation in code or templates that has no Chinese yet fails `test_every_marked_string_is_translated`,
with the list of msgids to translate (run `make messages`, fill in the msgstr, commit .po and .mo).
"""

from __future__ import annotations

import datetime
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format, number_format

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

# What `make messages` leaves out of the scan; the temporary copy leaves out the same.
SCAN_IGNORES = (".venv/*", "var/*", "tests/*")
COPY_IGNORES = {
    ".git",
    ".venv",
    "var",
    "tests",
    "node_modules",
    "test-results",
    "static-collected",
    ".pytest_cache",
    ".ruff_cache",
    ".env",
}


# --- A small reader of the .po format ----------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # 0 for a plain msgstr, N for msgstr[N]
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def label(self) -> str:
        where = f" ({', '.join(self.references[:2])})" if self.references else ""
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"{context}{self.msgid!r}{where}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(token: str, path: Path, number: int) -> str:
    token = token.strip()
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {token!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), token[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (obsolete `#~` entries left out), multi-line strings joined."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None  # the keyword a continuation line belongs to

    def finish():
        nonlocal entry, target
        if entry is not None and (entry.msgstr or entry.msgid or entry.msgctxt):
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and target is not None and target[0].startswith("msgstr"):
                finish()  # a comment after a msgstr starts the next entry
            entry = entry or Entry(line=number)
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, token = match.groups()
            if (
                keyword in ("msgctxt", "msgid")
                and entry is not None
                and target is not None
                and target[0].startswith("msgstr")
            ):
                finish()  # entries without a blank line between them
            entry = entry or Entry(line=number)
            value = _unquote(token, path, number)
            if keyword == "msgctxt":
                entry.msgctxt, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                entry.msgid, target = value, ("msgid", 0)
            elif keyword == "msgid_plural":
                entry.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                slot = int(index) if index is not None else 0
                entry.msgstr[slot], target = value, ("msgstr", slot)
            continue
        if line.startswith('"') and entry is not None and target is not None:
            value = _unquote(line, path, number)
            kind, slot = target
            if kind == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif kind == "msgid":
                entry.msgid += value
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                entry.msgstr[slot] += value
            continue
        raise ValueError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def header_fields(entries: list[Entry]) -> dict[str, str]:
    header = next((e for e in entries if e.is_header), None)
    assert header is not None, "the catalogue has no header entry"
    fields = {}
    for line in header.msgstr.get(0, "").splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields


def untranslated(entries: list[Entry]) -> list[Entry]:
    """Entries with an empty msgstr (any plural slot) or still marked fuzzy."""
    return [
        e
        for e in entries
        if not e.is_header
        and ("fuzzy" in e.flags or not e.msgstr or any(not text for text in e.msgstr.values()))
    ]


def _describe(entries: list[Entry]) -> str:
    return "\n".join(f"  - {e.label}{'  [fuzzy]' if 'fuzzy' in e.flags else ''}" for e in entries)


def _require_tools(*tools: str) -> None:
    """Skip when GNU gettext is missing on a developer machine; fail in CI, which must not skip."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        reason = f"needs GNU gettext ({', '.join(missing)} not found; apt-get install gettext)"
        if os.environ.get("CI_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    assert PO_FILE.exists(), f"{PO_FILE.relative_to(BASE_DIR)} is missing: run `make messages`"
    return parse_po(PO_FILE)


# --- The catalogue itself -----------------------------------------------------------------------


def test_parser_reads_multiline_plural_and_context(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid ""\n"Two "\n"lines \\"quoted\\""\nmsgstr "两行"\n\n'
        '#, fuzzy\nmsgctxt "person"\nmsgid "Name"\nmsgstr "姓名"\n'
        'msgid "%(n)s item"\nmsgid_plural "%(n)s items"\nmsgstr[0] ""\n\n'
        '#~ msgid "Old"\n#~ msgstr "旧"\n',
        encoding="utf-8",
    )
    entries = parse_po(po)
    assert [e.msgid for e in entries] == ["", 'Two lines "quoted"', "Name", "%(n)s item"]
    assert header_fields(entries)["Plural-Forms"] == "nplurals=1; plural=0;"
    assert entries[1].flags == {"python-format"} and entries[1].references == ["a.py:1"]
    assert entries[2].msgctxt == "person" and "fuzzy" in entries[2].flags
    assert entries[3].msgid_plural == "%(n)s items" and entries[3].msgstr == {0: ""}
    assert [e.msgid for e in untranslated(entries)] == ["Name", "%(n)s item"]


def test_catalogue_header(catalogue):
    fields = header_fields(catalogue)
    assert fields.get("Project-Id-Version") == "chanjiao"
    assert fields.get("Language") == "zh_Hans"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms") == "nplurals=1; plural=0;"
    header = next(e for e in catalogue if e.is_header)
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    assert len(catalogue) > 100, "the catalogue looks truncated"
    missing = untranslated(catalogue)
    assert not missing, (
        f"{len(missing)} entries of {PO_FILE.relative_to(BASE_DIR)} lack a translation:\n{_describe(missing)}"
    )


def test_plural_entries_have_exactly_one_form(catalogue):
    wrong = [e for e in catalogue if e.msgid_plural is not None and set(e.msgstr) != {0}]
    assert not wrong, f"Chinese has one plural form; give these only msgstr[0]:\n{_describe(wrong)}"


_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|\{\{\s*\w+\s*\}\}|\{\w*\}")


def test_placeholders_are_kept(catalogue):
    wrong = []
    for e in catalogue:
        if e.is_header:
            continue
        source = sorted(_PLACEHOLDER.findall(e.msgid_plural or e.msgid))
        for text in e.msgstr.values():
            if sorted(_PLACEHOLDER.findall(text)) != source:
                wrong.append(f"  - {e.label}: {text!r}")
    assert not wrong, "placeholders differ between source and translation:\n" + "\n".join(wrong)


def test_compiled_catalogue_matches_the_po(tmp_path):
    _require_tools("msgfmt")
    assert MO_FILE.exists(), f"{MO_FILE.relative_to(BASE_DIR)} is missing: run `make messages` and commit it"
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(PO_FILE)], check=True, capture_output=True
    )

    def load(path: Path) -> dict:
        with path.open("rb") as handle:
            catalog = dict(gettext.GNUTranslations(handle)._catalog)
        catalog.pop("", None)  # the header: dates and tool versions, not translations
        return catalog

    committed, expected = load(MO_FILE), load(fresh)
    differing = sorted(
        str(key) for key in committed.keys() | expected.keys() if committed.get(key) != expected.get(key)
    )
    assert not differing, (
        f"{MO_FILE.relative_to(BASE_DIR)} is out of date with the .po ({len(differing)} messages differ, e.g. "
        f"{differing[:5]}): run `make messages` (or `manage.py compilemessages --locale zh_Hans`) and commit the .mo"
    )


def test_every_marked_string_is_translated(tmp_path):
    """Regenerate the catalogue from a copy of the source; every message must come out translated."""
    _require_tools("xgettext", "msgmerge", "msguniq")
    copy = tmp_path / "src"

    def ignore(directory, names):
        top = Path(directory) == BASE_DIR
        return {n for n in names if n == "__pycache__" or n.endswith(".pyc") or (top and n in COPY_IGNORES)}

    shutil.copytree(BASE_DIR, copy, ignore=ignore, symlinks=True)
    env = {**os.environ, "DEBUG": "1", "SECRET_KEY": "x", "VAR_DIR": str(tmp_path / "var")}
    command = [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"]
    for pattern in SCAN_IGNORES:
        command += ["--ignore", pattern]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    regenerated = parse_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    missing = untranslated(regenerated)
    assert not missing, (
        f"{len(missing)} strings marked for translation have no Chinese translation (new strings come in empty, "
        f"changed ones fuzzy). Run `make messages`, translate them in {PO_FILE.relative_to(BASE_DIR)}, "
        f"and commit the .po and .mo:\n{_describe(missing)}"
    )

    # JavaScript strings, once there are any (djangojs.po appears only when a script marks a string).
    js_command = [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--domain", "djangojs",
                  "--no-obsolete", "--ignore", "static/vendor/*"]  # fmt: skip
    for pattern in SCAN_IGNORES:
        js_command += ["--ignore", pattern]
    result = subprocess.run(js_command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"makemessages -d djangojs failed:\n{result.stdout}\n{result.stderr}"
    js_po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "djangojs.po"
    if js_po.exists():
        missing = untranslated(parse_po(js_po))
        assert not missing, (
            f"JavaScript strings without a translation (locale/zh_Hans/LC_MESSAGES/djangojs.po):\n{_describe(missing)}"
        )


# --- The translations in use ------------------------------------------------------------------


def test_known_strings_translate():
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") == "登录"
        assert translation.gettext("Secretariat administrator") == "秘书处管理员"
        assert translation.gettext("Unified social credit code") == "统一社会信用代码"
        assert translation.ngettext("%(shown)s item", "%(shown)s items", 3) % {"shown": "3"} == "共3条"
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"


@pytest.mark.django_db
def test_pages_speak_chinese_by_default(client):
    # Government desktops often send an English Accept-Language: it does not change the language.
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html
    assert "Log in" not in html


@pytest.mark.django_db
def test_language_cookie_switches_to_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
    assert "登录" not in html


@pytest.mark.django_db
def test_set_language_view_switches_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html and "Log in" in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in html and "登录" in html


def test_chinese_date_and_number_formats():
    with translation.override("zh-hans"):
        assert date_format(datetime.date(2026, 11, 23), "DATE_FORMAT") == "2026年11月23日"
        assert (
            date_format(datetime.datetime(2026, 11, 23, 14, 5), "DATETIME_FORMAT") == "2026年11月23日 14:05"
        )
        assert number_format(1234567, force_grouping=True) == "1,234,567"


@pytest.mark.django_db
def test_login_form_labels_read_naturally_in_chinese(client):
    body = client.get("/accounts/login/").content.decode()
    assert '<label for="id_username">用户名' in body
    assert '<label for="id_password">密码' in body

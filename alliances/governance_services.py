"""Rules of the alliance's governance: which charter is in force, charter versions and their differences,
council terms and officers, meetings, and counting a resolution's votes.

Charter versions go `draft → adopted → superseded`. Only drafts change: an adopted or superseded version is
the record of what a meeting decided (resolutions point at the version they were counted under), so it is
immutable; a new draft based on it carries the amendments. Every change is audited and runs in a transaction;
bad input raises `ValidationError` with field keys the forms and the API report back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from difflib import SequenceMatcher
from fractions import Fraction
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .audit import current_actor, record_event
from .governance import (
    Charter,
    CharterArticle,
    CharterStatus,
    CouncilOfficer,
    CouncilTerm,
    GoverningBody,
    Meeting,
    Office,
    Resolution,
    ResolutionSubject,
)


def current_charter(alliance) -> Charter:
    """The adopted charter, or (before any is adopted) an unsaved one holding the default parameters."""
    charter = Charter.objects.filter(alliance=alliance, status=CharterStatus.ADOPTED).first()
    if charter is None:
        charter = Charter(alliance=alliance, version=0, title=_("Default charter parameters"))
    return charter


def seats_of(alliance, body: str) -> int:
    """How many member units sit on a body now: the base of a meeting's quorum."""
    from members.models import COUNCIL_ROLES, CURRENT_MEMBER_STATUSES, STANDING_COUNCIL_ROLES, MemberUnit

    roles = STANDING_COUNCIL_ROLES if body == GoverningBody.STANDING_COUNCIL else COUNCIL_ROLES
    return MemberUnit.objects.filter(
        alliance=alliance, council_role__in=roles, status__in=CURRENT_MEMBER_STATUSES
    ).count()


@transaction.atomic
def record_meeting(
    *, alliance, body: str, title: str, held_on: date, present: int, seats: int | None = None,
    location: str = "", minutes: str = "", term=None,
) -> Meeting:  # fmt: skip
    """Record a meeting of the council or standing council. `seats` defaults to the body's current size."""
    body = GoverningBody(body)
    seats = seats_of(alliance, body) if seats is None else seats
    errors = {}
    if seats < 1:
        errors["seats"] = _("The body has no members: give the number of seats.")
    if present > seats:
        errors["present"] = _("More members present (%(present)d) than seats on the body (%(seats)d).") % {
            "present": present,
            "seats": seats,
        }
    if term is not None and term.alliance_id != alliance.pk:
        errors["term"] = _("The term belongs to another alliance.")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        alliance=alliance, body=body, title=title, held_on=held_on, present=present, seats=seats,
        location=location, minutes=minutes, term=term,
    )  # fmt: skip
    record_event("meeting.recorded", meeting, detail={"body": body.value, "seats": seats, "present": present})
    return meeting


def quorum_met(charter: Charter, *, present: int, seats: int) -> bool:
    return seats > 0 and Fraction(present, seats) >= charter.quorum


def resolution_passes(charter: Charter, *, votes_for: int, present: int) -> bool:
    return present > 0 and Fraction(votes_for, present) >= charter.pass_threshold


@transaction.atomic
def record_resolution(
    *, meeting: Meeting, number: str, subject: str, title: str, votes_for: int, votes_against: int,
    votes_abstaining: int, text: str = "", recorded_by=None,
) -> Resolution:  # fmt: skip
    """Record a resolution with its votes; the charter in force decides whether it is quorate and passed.

    A lifecycle decision (admission, withdrawal, expulsion) must come from the body the charter names.
    """
    charter = current_charter(meeting.alliance)
    errors = {}
    if min(votes_for, votes_against, votes_abstaining) < 0:
        errors["votes_for"] = _("Votes cannot be negative.")
    elif votes_for + votes_against + votes_abstaining > meeting.present:
        errors["votes_for"] = _("%(cast)d votes were cast but only %(present)d members were present.") % {
            "cast": votes_for + votes_against + votes_abstaining,
            "present": meeting.present,
        }
    deciding_body = charter.body_for(subject)
    if deciding_body and deciding_body != meeting.body:
        errors["meeting"] = _("Under the charter, %(subject)s is decided by the %(body)s.") % {
            "subject": Resolution(subject=subject).get_subject_display().lower(),
            "body": GoverningBody(deciding_body).label.lower(),
        }
    if errors:
        raise ValidationError(errors)
    is_quorate = quorum_met(charter, present=meeting.present, seats=meeting.seats)
    try:
        with transaction.atomic():
            resolution = Resolution.objects.create(
                alliance=meeting.alliance, meeting=meeting, number=number.strip(), subject=subject, title=title,
                text=text, votes_for=votes_for, votes_against=votes_against, votes_abstaining=votes_abstaining,
                quorum_met=is_quorate,
                passed=is_quorate and resolution_passes(charter, votes_for=votes_for, present=meeting.present),
                charter=charter if charter.pk else None, recorded_by=recorded_by,
            )  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError({"number": _("A resolution with this number already exists.")}) from exc
    record_event(
        "resolution.recorded", resolution,
        detail={"subject": subject, "for": votes_for, "against": votes_against, "abstaining": votes_abstaining,
                "present": meeting.present, "seats": meeting.seats, "quorum_met": resolution.quorum_met,
                "passed": resolution.passed},
    )  # fmt: skip
    return resolution


# --- numbers and words --------------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五: how chapters and articles are numbered in a charter."""
    if number < 0:
        raise ValueError(number)
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 100:
        tens, units = divmod(number, 10)
        return _DIGITS[tens] + "十" + (_DIGITS[units] if units else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        if rest == 0:
            tail = ""
        elif rest < 10:
            tail = "零" + _DIGITS[rest]
        elif rest < 20:
            tail = "一" + chinese_numeral(rest)  # 一百一十五
        else:
            tail = chinese_numeral(rest)
        return _DIGITS[hundreds] + "百" + tail
    return str(number)


def chapter_heading(number: int, title: str = "") -> str:
    """The heading as the charter document writes it: 第四章 会员 (document text, not interface text)."""
    return f"第{chinese_numeral(number)}章" + (f" {title}" if title else "")


def article_heading(number: int) -> str:
    return f"第{chinese_numeral(number)}条"


def fraction_words(numerator: int, denominator: int) -> str:
    """2/3 → "two thirds" (三分之二 in Chinese); uncommon fractions stay as figures."""
    named = {
        Fraction(1, 2): _("one half"),
        Fraction(2, 3): _("two thirds"),
        Fraction(3, 4): _("three quarters"),
        Fraction(1, 3): _("one third"),
        Fraction(3, 5): _("three fifths"),
        Fraction(4, 5): _("four fifths"),
    }
    if denominator > 0 and numerator > 0:
        words = named.get(Fraction(numerator, denominator))
        if words:
            return words
    return f"{numerator}/{denominator}"


def _body_name(body: str) -> str:
    return str(GoverningBody(body).label).lower()


def charter_provisions(charter: Charter) -> list[str]:
    """The charter's parameters said in words, for members reading the charter and the secretariat editing it."""
    months = charter.withdrawal_notice_months
    if months:
        withdrawal = ngettext(
            "To withdraw, a member applies in writing %(months)d month in advance; the %(body)s approves.",
            "To withdraw, a member applies in writing %(months)d months in advance; the %(body)s approves.",
            months,
        ) % {"months": months, "body": _body_name(charter.withdrawal_body)}
    else:
        withdrawal = _("A member may withdraw at any time by written application; the %(body)s approves.") % {
            "body": _body_name(charter.withdrawal_body)
        }
    return [
        _("To join, a unit applies in writing to the secretariat; the %(body)s decides on admission.")
        % {"body": _body_name(charter.admission_body)},
        withdrawal,
        _("A member that breaks the charter and ignores warnings may be expelled by a resolution of the %(body)s.")
        % {"body": _body_name(charter.expulsion_body)},
        _("A meeting of the council or standing council is quorate when at least %(fraction)s (%(figure)s) of "
          "its members are present.")
        % {"fraction": fraction_words(charter.quorum_numerator, charter.quorum_denominator),
           "figure": f"{charter.quorum_numerator}/{charter.quorum_denominator}"},
        _("A resolution passes when at least %(fraction)s (%(figure)s) of the members present vote for it.")
        % {"fraction": fraction_words(charter.pass_numerator, charter.pass_denominator),
           "figure": f"{charter.pass_numerator}/{charter.pass_denominator}"},
    ]  # fmt: skip


# --- charter versions ---------------------------------------------------------------------------------------

CHARTER_PARAMETERS = (
    "withdrawal_notice_months", "admission_body", "withdrawal_body", "expulsion_body",
    "quorum_numerator", "quorum_denominator", "pass_numerator", "pass_denominator",
)  # fmt: skip
EDITABLE_CHARTER_FIELDS = ("title", "notes", *CHARTER_PARAMETERS)
MAX_WITHDRAWAL_NOTICE_MONTHS = 24
MAX_DENOMINATOR = 100


class CharterNotEditable(ValidationError):
    """An adopted or superseded charter version was asked to change."""


def _lock_alliance(alliance) -> None:
    """Serialise numbering (versions, terms) within one alliance."""
    from .models import Alliance

    Alliance.objects.select_for_update().filter(pk=alliance.pk).first()


def _lock_charter(charter: Charter) -> Charter:
    return Charter.objects.select_for_update().get(pk=charter.pk)


def _require_draft(charter: Charter) -> None:
    if charter.status != CharterStatus.DRAFT:
        raise CharterNotEditable(
            _("Version %(version)d is %(status)s and can no longer be changed: adopted and superseded versions are "
              "the record of what was decided. Create a new draft based on it instead.")
            % {"version": charter.version, "status": str(charter.get_status_display()).lower()},
            code="charter_not_draft",
        )  # fmt: skip


def _actor_user_id(user=None) -> int | None:
    if user is not None:
        return user.pk
    actor = current_actor()
    return actor.user_id if actor else None


@transaction.atomic
def create_charter_draft(
    alliance, *, based_on: Charter | None = None, title: str = "", notes: str = "", created_by=None
) -> Charter:
    """A new draft numbered after the highest version; with `based_on`, its parameters and articles are copied."""
    title = (title or "").strip() or (based_on.title if based_on is not None else "")
    errors = {}
    if based_on is not None and based_on.alliance_id != alliance.pk:
        errors["based_on"] = _("That charter version belongs to another alliance.")
    if not title:
        errors["title"] = _("Give the charter a title, e.g. “淄博市技工教育集团章程”.")
    elif len(title) > 200:
        errors["title"] = _("The title is too long (at most 200 characters).")
    if errors:
        raise ValidationError(errors)
    _lock_alliance(alliance)
    version = (Charter.objects.filter(alliance=alliance).aggregate(top=Max("version"))["top"] or 0) + 1
    parameters = (
        {name: getattr(based_on, name) for name in CHARTER_PARAMETERS} if based_on is not None else {}
    )
    try:
        with transaction.atomic():
            charter = Charter.objects.create(
                alliance=alliance, version=version, title=title, notes=notes or "", status=CharterStatus.DRAFT,
                created_by_id=_actor_user_id(created_by), **parameters,
            )  # fmt: skip
    except IntegrityError as exc:  # another draft took the number at the same moment
        raise ValidationError(_("Another version was created at the same time; try again.")) from exc
    copied = 0
    if based_on is not None:
        copies = [
            CharterArticle(
                alliance=alliance,
                charter=charter,
                chapter_number=article.chapter_number,
                chapter_title=article.chapter_title,
                article_number=article.article_number,
                text=article.text,
            )  # fmt: skip
            for article in CharterArticle.objects.filter(charter=based_on)
        ]
        CharterArticle.objects.bulk_create(copies)
        copied = len(copies)
    record_event(
        "charter.draft_created", charter,
        detail={"version": version, "based_on": based_on.version if based_on is not None else None,
                "articles": copied},
    )  # fmt: skip
    return charter


def _clean_parameter(name: str, value):
    model_field = Charter._meta.get_field(name)
    if name in ("title", "notes"):
        return "" if value is None else str(value).strip()
    if value in (None, ""):
        raise ValidationError(_("This value is required."))
    value = model_field.to_python(value)
    if model_field.choices:
        if value not in {choice for choice, _label in model_field.choices}:
            raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": value})
    return value


def _parameter_errors(charter: Charter) -> dict:
    errors = {}
    if not charter.title:
        errors["title"] = _("Give the charter a title.")
    elif len(charter.title) > 200:
        errors["title"] = _("The title is too long (at most 200 characters).")
    if not 0 <= charter.withdrawal_notice_months <= MAX_WITHDRAWAL_NOTICE_MONTHS:
        errors["withdrawal_notice_months"] = _("The notice period is between 0 and %(max)d months.") % {
            "max": MAX_WITHDRAWAL_NOTICE_MONTHS
        }
    for prefix, label in (("quorum", _("The quorum")), ("pass", _("The pass threshold"))):
        numerator = getattr(charter, f"{prefix}_numerator")
        denominator = getattr(charter, f"{prefix}_denominator")
        if not 1 <= denominator <= MAX_DENOMINATOR:
            errors[f"{prefix}_denominator"] = _("The denominator is between 1 and %(max)d.") % {
                "max": MAX_DENOMINATOR
            }
        elif not 1 <= numerator <= denominator:
            errors[f"{prefix}_numerator"] = _(
                "%(what)s is a fraction above 0 and at most 1: the numerator is between 1 and %(denominator)d."
            ) % {"what": label, "denominator": denominator}
    return errors


@transaction.atomic
def update_charter_draft(charter: Charter, data: Mapping) -> Charter:
    """Change the title, notes or parameters of a draft. Adopted and superseded versions are refused.

    The caller's instance is updated too."""
    given, charter = charter, _lock_charter(charter)
    _require_draft(charter)
    errors, changes = {}, {}
    for name, value in data.items():
        if name not in EDITABLE_CHARTER_FIELDS:
            errors[name] = _("This is not a charter parameter that can be changed.")
            continue
        try:
            value = _clean_parameter(name, value)
        except ValidationError as exc:
            errors[name] = exc.messages
            continue
        if getattr(charter, name) != value:
            changes[name] = [getattr(charter, name), value]
            setattr(charter, name, value)
    if errors:
        raise ValidationError(errors)
    errors = _parameter_errors(charter)
    if errors:
        raise ValidationError(errors)
    if changes:
        charter.save(update_fields=list(changes))
        for name, (_before, after) in changes.items():
            setattr(given, name, after)
        record_event(
            "charter.draft_updated", charter,
            detail={"version": charter.version,
                    "changes": {name: values for name, values in changes.items() if name != "notes"}
                    | ({"notes": "…"} if "notes" in changes else {})},
        )  # fmt: skip
    return charter


def _as_article_data(item) -> dict:
    keys = ("chapter_number", "chapter_title", "article_number", "text")
    if isinstance(item, Mapping):
        return {key: item.get(key) for key in keys}
    return {key: getattr(item, key, None) for key in keys}


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def save_charter_articles(charter: Charter, articles: Iterable) -> list[CharterArticle]:
    """Replace the articles of a draft. Each needs a chapter (number and title), a unique article number
    and text; articles are numbered in order across chapters, and a chapter keeps one title."""
    charter = _lock_charter(charter)
    _require_draft(charter)
    rows = [_as_article_data(item) for item in articles]
    problems: list[str] = []
    seen: dict[int, int] = {}
    chapter_titles: dict[int, str] = {}
    for position, row in enumerate(rows, start=1):
        chapter, number = _int_or_none(row["chapter_number"]), _int_or_none(row["article_number"])
        row["chapter_title"] = (row["chapter_title"] or "").strip()
        row["text"] = (row["text"] or "").strip()
        name = (
            _("Article %(number)s") % {"number": number}
            if number
            else _("Entry %(position)d") % {"position": position}
        )
        if number is None or number < 1:
            problems.append(_("%(name)s: the article number must be a whole number from 1.") % {"name": name})
        elif number in seen:
            problems.append(_("%(name)s appears twice: article numbers must be unique.") % {"name": name})
        else:
            seen[number] = position
        if chapter is None or chapter < 1:
            problems.append(_("%(name)s: the chapter number must be a whole number from 1.") % {"name": name})
        elif not row["chapter_title"]:
            problems.append(_("%(name)s: the chapter has no title.") % {"name": name})
        elif len(row["chapter_title"]) > 100:
            problems.append(
                _("%(name)s: the chapter title is too long (at most 100 characters).") % {"name": name}
            )
        elif chapter_titles.setdefault(chapter, row["chapter_title"]) != row["chapter_title"]:
            problems.append(
                _("%(name)s: chapter %(chapter)d is called both “%(first)s” and “%(second)s”.")
                % {
                    "name": name,
                    "chapter": chapter,
                    "first": chapter_titles[chapter],
                    "second": row["chapter_title"],
                }
            )
        if not row["text"]:
            problems.append(_("%(name)s has no text.") % {"name": name})
        row["chapter_number"], row["article_number"] = chapter, number
    if not problems:
        ordered = sorted(rows, key=lambda row: (row["chapter_number"], row["article_number"]))
        for previous, current in pairwise(ordered):
            if current["article_number"] < previous["article_number"]:
                problems.append(
                    _("Article %(later)d is in chapter %(chapter)d, after article %(earlier)d of chapter "
                      "%(earlier_chapter)d: number the articles in order across the chapters.")
                    % {"later": current["article_number"], "chapter": current["chapter_number"],
                       "earlier": previous["article_number"], "earlier_chapter": previous["chapter_number"]}
                )  # fmt: skip
    if problems:
        raise ValidationError({"articles": problems})
    CharterArticle.objects.filter(charter=charter).delete()
    created = CharterArticle.objects.bulk_create(
        [CharterArticle(alliance_id=charter.alliance_id, charter=charter, **row) for row in rows]
    )
    record_event(
        "charter.articles_saved", charter,
        detail={"version": charter.version, "articles": len(created),
                "chapters": len({row["chapter_number"] for row in rows})},
    )  # fmt: skip
    return created


@transaction.atomic
def adopt_charter(charter: Charter, *, meeting: Meeting, resolution: Resolution | None = None) -> Charter:
    """Adopt a draft at a recorded meeting; the version in force until then is superseded on the same day.

    A resolution is optional; when given it must have been taken at that meeting, on the charter, and passed.
    The caller's instance is updated too.
    """
    given, charter = charter, _lock_charter(charter)
    _require_draft(charter)
    errors: dict[str, list] = {}
    if meeting is None or meeting.alliance_id != charter.alliance_id:
        raise ValidationError({"meeting": _("Choose a meeting of this alliance.")})
    if not CharterArticle.objects.filter(charter=charter).exists():
        errors.setdefault("__all__", []).append(
            _("The draft has no articles yet: enter its text before adopting it.")
        )
    if resolution is not None:
        if resolution.alliance_id != charter.alliance_id or resolution.meeting_id != meeting.pk:
            errors["resolution"] = [
                _("Resolution %(number)s was not taken at this meeting (%(meeting)s).")
                % {"number": resolution.number, "meeting": meeting}
            ]
        elif resolution.subject != ResolutionSubject.CHARTER:
            errors["resolution"] = [
                _("Resolution %(number)s is about “%(subject)s”, not the charter.")
                % {"number": resolution.number, "subject": resolution.get_subject_display()}
            ]
        elif not resolution.passed:
            errors["resolution"] = [_("Resolution %(number)s did not pass.") % {"number": resolution.number}]
    previous = (
        Charter.objects.select_for_update()
        .filter(alliance_id=charter.alliance_id, status=CharterStatus.ADOPTED)
        .exclude(pk=charter.pk)
        .first()
    )
    if previous is not None and previous.adopted_on and meeting.held_on < previous.adopted_on:
        errors["meeting"] = [
            _("The meeting was held on %(held)s, before version %(version)d came into force (%(adopted)s).")
            % {"held": meeting.held_on.isoformat(), "version": previous.version,
               "adopted": previous.adopted_on.isoformat()}
        ]  # fmt: skip
    if errors:
        raise ValidationError(errors)
    if previous is not None:
        previous.status, previous.superseded_on = CharterStatus.SUPERSEDED, meeting.held_on
        previous.save(update_fields=["status", "superseded_on"])
        record_event(
            "charter.superseded", previous,
            detail={"version": previous.version, "by_version": charter.version,
                    "superseded_on": meeting.held_on.isoformat()},
        )  # fmt: skip
    charter.status, charter.adopted_at_meeting, charter.adopted_on = (
        CharterStatus.ADOPTED,
        meeting,
        meeting.held_on,
    )
    charter.superseded_on = None
    charter.save(update_fields=["status", "adopted_at_meeting", "adopted_on", "superseded_on"])
    given.status, given.adopted_at_meeting, given.adopted_on, given.superseded_on = (
        charter.status, meeting, charter.adopted_on, None,
    )  # fmt: skip
    record_event(
        "charter.adopted", charter,
        detail={"version": charter.version, "meeting": meeting.pk, "adopted_on": meeting.held_on.isoformat(),
                "resolution": resolution.number if resolution is not None else None,
                "supersedes": previous.version if previous is not None else None},
    )  # fmt: skip
    return charter


def adopting_resolution(charter: Charter) -> Resolution | None:
    """The passed charter resolution of the meeting that adopted this version, if one was recorded."""
    if not charter.adopted_at_meeting_id:
        return None
    return (
        Resolution.objects.filter(
            meeting_id=charter.adopted_at_meeting_id, subject=ResolutionSubject.CHARTER, passed=True
        )
        .order_by("pk")
        .first()
    )


# --- differences between two versions ------------------------------------------------------------------------

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"


@dataclass
class ArticleChange:
    status: str
    old: CharterArticle | None
    new: CharterArticle | None
    html: SafeString  # the text, with <del>/<ins> marks where it changed

    @property
    def article(self) -> CharterArticle:
        return self.new if self.new is not None else self.old

    @property
    def renumbered(self) -> bool:
        return (
            self.old is not None
            and self.new is not None
            and self.old.article_number != self.new.article_number
        )

    @property
    def moved(self) -> bool:
        return (
            self.old is not None
            and self.new is not None
            and self.old.chapter_number != self.new.chapter_number
        )

    @property
    def heading(self) -> str:
        return article_heading(self.article.article_number)

    @property
    def old_heading(self) -> str:
        return article_heading(self.old.article_number) if self.old is not None else ""

    def as_dict(self) -> dict:
        def side(article):
            if article is None:
                return None
            return {"chapter_number": article.chapter_number, "chapter_title": article.chapter_title,
                    "article_number": article.article_number, "text": article.text}  # fmt: skip

        return {"status": self.status, "old": side(self.old), "new": side(self.new), "html": str(self.html),
                "renumbered": self.renumbered, "moved": self.moved}  # fmt: skip


@dataclass
class ParameterChange:
    name: str
    label: str
    old: str
    new: str

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "old": self.old, "new": self.new}


@dataclass
class ChapterChange:
    number: int
    status: str  # added, removed, changed (renamed)
    old_title: str
    new_title: str

    @property
    def heading(self) -> str:
        return chapter_heading(self.number)

    def as_dict(self) -> dict:
        return {"number": self.number, "status": self.status, "old_title": self.old_title,
                "new_title": self.new_title}  # fmt: skip


@dataclass
class CharterDiff:
    old: Charter
    new: Charter
    articles: list[ArticleChange] = field(default_factory=list)
    parameters: list[ParameterChange] = field(default_factory=list)
    chapters: list[ChapterChange] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(change.status == status for change in self.articles)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in (ADDED, REMOVED, CHANGED, UNCHANGED)}

    @property
    def has_changes(self) -> bool:
        return bool(self.parameters or self.chapters or any(c.status != UNCHANGED for c in self.articles))

    def as_dict(self) -> dict:
        return {
            "old": {"id": self.old.pk, "version": self.old.version, "status": self.old.status},
            "new": {"id": self.new.pk, "version": self.new.version, "status": self.new.status},
            "counts": self.counts,
            "parameters": [change.as_dict() for change in self.parameters],
            "chapters": [change.as_dict() for change in self.chapters],
            "articles": [change.as_dict() for change in self.articles],
        }


def _normalised(text: str) -> str:
    return "".join(text.split())


def _merge_short_equal_runs(segments: list[list]) -> list[list]:
    """Fold an unchanged run of one or two characters between two changes into the change around it:
    a character diff of Chinese otherwise reads as confetti (改<del>为</del><ins>成</ins>的<del>…)."""
    merged = True
    while merged:
        merged = False
        for index in range(1, len(segments) - 1):
            before, middle, after = segments[index - 1], segments[index], segments[index + 1]
            if middle[0] == "equal" and len(middle[1]) <= 2 and before[0] == after[0] == "change":
                segments[index - 1 : index + 2] = [
                    ["change", before[1] + middle[1] + after[1], before[2] + middle[2] + after[2]]
                ]
                merged = True
                break
    return segments


def inline_diff(old: str, new: str) -> SafeString:
    """A character-level diff of two texts as HTML: removed characters in <del>, added ones in <ins>.

    Characters, not words: Chinese has no spaces between words.
    """
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    segments: list[list] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(["equal", old[i1:i2], new[j1:j2]])
        elif segments and segments[-1][0] == "change":
            segments[-1][1] += old[i1:i2]
            segments[-1][2] += new[j1:j2]
        else:
            segments.append(["change", old[i1:i2], new[j1:j2]])
    parts = []
    for kind, removed, added in _merge_short_equal_runs(segments):
        if kind == "equal":
            parts.append(escape(removed))
            continue
        if removed:
            parts.append(f"<del>{escape(removed)}</del>")
        if added:
            parts.append(f"<ins>{escape(added)}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above


_SIMILAR = 0.4


def _similarity(old: CharterArticle, new: CharterArticle) -> float:
    matcher = SequenceMatcher(None, _normalised(old.text), _normalised(new.text), autojunk=False)
    if matcher.real_quick_ratio() < _SIMILAR or matcher.quick_ratio() < _SIMILAR:
        score = 0.0
    else:
        score = matcher.ratio()
    if score >= _SIMILAR:
        return score
    # Rewritten beyond recognition but in the same place: still "article N was changed".
    return 0.01 if old.article_number == new.article_number else 0.0


def _pair_block(olds: list, news: list) -> list[tuple]:
    """Pair articles of a changed stretch in order, maximising their total similarity; the rest are
    removed (old only) or added (new only). Returned in reading order as (old or None, new or None)."""
    n, m = len(olds), len(news)
    scores = [[_similarity(o, w) if n * m <= 2500 else 0.0 for w in news] for o in olds]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            pair = scores[i][j] + best[i + 1][j + 1] if scores[i][j] > 0 else -1.0
            best[i][j] = max(pair, best[i + 1][j], best[i][j + 1])
    result, i, j = [], 0, 0
    while i < n and j < m:
        if scores[i][j] > 0 and best[i][j] == scores[i][j] + best[i + 1][j + 1]:
            result.append((olds[i], news[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            result.append((olds[i], None))
            i += 1
        else:
            result.append((None, news[j]))
            j += 1
    result.extend((old, None) for old in olds[i:])
    result.extend((None, new) for new in news[j:])
    return result


def _articles_of(charter: Charter) -> list[CharterArticle]:
    cached = getattr(charter, "_prefetched_objects_cache", {}).get("articles")
    articles = list(cached) if cached is not None else list(CharterArticle.objects.filter(charter=charter))
    return sorted(articles, key=lambda article: (article.chapter_number, article.article_number))


def _parameter_display(charter: Charter, name: str) -> str:
    if name == "withdrawal_notice_months":
        months = charter.withdrawal_notice_months
        return ngettext("%(months)d month", "%(months)d months", months) % {"months": months}
    if name.endswith("_body"):
        return str(GoverningBody(getattr(charter, name)).label)
    if name == "quorum":
        return f"{charter.quorum_numerator}/{charter.quorum_denominator}"
    if name == "pass_threshold":
        return f"{charter.pass_numerator}/{charter.pass_denominator}"
    return str(getattr(charter, name))


def _parameter_changes(old: Charter, new: Charter) -> list[ParameterChange]:
    fields = [
        ("title", _("Title")),
        ("withdrawal_notice_months", _("Withdrawal notice")),
        ("admission_body", _("Decides admissions")),
        ("withdrawal_body", _("Approves withdrawals")),
        ("expulsion_body", _("Decides expulsions")),
        ("quorum", _("Quorum")),
        ("pass_threshold", _("Pass threshold")),
    ]
    changes = []
    for name, label in fields:
        before, after = _parameter_display(old, name), _parameter_display(new, name)
        if before != after:
            changes.append(ParameterChange(name=name, label=str(label), old=before, new=after))
    return changes


def _chapter_changes(old_articles, new_articles) -> list[ChapterChange]:
    before = {a.chapter_number: a.chapter_title for a in old_articles}
    after = {a.chapter_number: a.chapter_title for a in new_articles}
    changes = []
    for number in sorted(set(before) | set(after)):
        if number not in before:
            changes.append(ChapterChange(number, ADDED, "", after[number]))
        elif number not in after:
            changes.append(ChapterChange(number, REMOVED, before[number], ""))
        elif before[number] != after[number]:
            changes.append(ChapterChange(number, CHANGED, before[number], after[number]))
    return changes


def charter_diff(old: Charter, new: Charter) -> CharterDiff:
    """What changed from `old` to `new`: per article added / removed / changed (with a character-level
    inline diff) / unchanged, renamed chapters, and changed parameters.

    Articles are aligned by their text, not by their numbers: inserting an article renumbers everything after
    it, and a reader wants to see one added article, not a dozen "changed" ones.
    """
    old_articles, new_articles = _articles_of(old), _articles_of(new)
    matcher = SequenceMatcher(
        None, [_normalised(a.text) for a in old_articles], [_normalised(a.text) for a in new_articles],
        autojunk=False,
    )  # fmt: skip
    pairs: list[tuple] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(old_articles[i1:i2], new_articles[j1:j2], strict=True))
        else:
            pairs.extend(_pair_block(old_articles[i1:i2], new_articles[j1:j2]))
    changes = []
    for before, after in pairs:
        if before is None:
            changes.append(ArticleChange(ADDED, None, after, escape(after.text)))
        elif after is None:
            changes.append(ArticleChange(REMOVED, before, None, escape(before.text)))
        elif _normalised(before.text) == _normalised(after.text):
            changes.append(ArticleChange(UNCHANGED, before, after, escape(after.text)))
        else:
            changes.append(ArticleChange(CHANGED, before, after, inline_diff(before.text, after.text)))
    return CharterDiff(
        old=old, new=new, articles=changes, parameters=_parameter_changes(old, new),
        chapters=_chapter_changes(old_articles, new_articles),
    )  # fmt: skip


# --- counting votes, explained ------------------------------------------------------------------------------


def minimum_present(charter: Charter, seats: int) -> int:
    """The fewest members present for a quorum of `seats`."""
    return math.ceil(Fraction(seats) * charter.quorum)


def minimum_votes_for(charter: Charter, present: int) -> int:
    """The fewest votes for a resolution to pass with `present` members present."""
    return max(1, math.ceil(Fraction(present) * charter.pass_threshold))


@dataclass(frozen=True)
class VoteCount:
    """The arithmetic behind a resolution's outcome, as the charter it was counted under sets it."""

    seats: int
    present: int
    votes_for: int
    quorum: Fraction
    threshold: Fraction
    quorum_met: bool
    passed: bool

    @property
    def explanation(self) -> str:
        quorum = f"{self.quorum.numerator}/{self.quorum.denominator}"
        threshold = f"{self.threshold.numerator}/{self.threshold.denominator}"
        presence = _("present %(present)d/%(seats)d %(sign)s %(quorum)s") % {
            "present": self.present, "seats": self.seats, "sign": "≥" if self.quorum_met else "<", "quorum": quorum,
        }  # fmt: skip
        if not self.quorum_met:
            return _("%(presence)s: not quorate, not passed") % {"presence": presence}
        votes_pass = self.present > 0 and Fraction(self.votes_for, self.present) >= self.threshold
        support = _("for %(votes)d/%(present)d %(sign)s %(threshold)s") % {
            "votes": self.votes_for, "present": self.present, "sign": "≥" if votes_pass else "<",
            "threshold": threshold,
        }  # fmt: skip
        outcome = _("passed") if self.passed else _("not passed")
        return _("%(presence)s, %(support)s: %(outcome)s") % {
            "presence": presence, "support": support, "outcome": outcome,
        }  # fmt: skip


def vote_count(resolution: Resolution) -> VoteCount:
    """Needs `resolution.meeting` and `resolution.charter` (select_related them in lists)."""
    charter = resolution.charter or Charter()  # recorded before any adoption: the default parameters
    meeting = resolution.meeting
    return VoteCount(
        seats=meeting.seats, present=meeting.present, votes_for=resolution.votes_for, quorum=charter.quorum,
        threshold=charter.pass_threshold, quorum_met=resolution.quorum_met, passed=resolution.passed,
    )  # fmt: skip


# --- council terms and officers ------------------------------------------------------------------------------


def _term_fit_errors(
    alliance_id: int, *, number: int, starts_on: date, ends_on: date | None, exclude=None
) -> dict:
    """A term has a unique number, ends after it starts, and sits between the terms numbered around it."""
    errors: dict[str, str] = {}
    if number is None or number < 1:
        errors["number"] = _("The term number is a whole number from 1.")
        return errors
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The term cannot end before it starts.")
    others = CouncilTerm.objects.filter(alliance_id=alliance_id)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    for other in others:
        values = {"number": other.number, "starts": other.starts_on.isoformat(),
                  "ends": other.ends_on.isoformat() if other.ends_on else ""}  # fmt: skip
        if other.number == number:
            errors["number"] = _("There is already a term number %(number)d.") % values
        elif other.number < number:
            if other.starts_on >= starts_on:
                errors["starts_on"] = (
                    _("Term %(number)d starts on %(starts)s: a later term must start after it.") % values
                )
            elif other.ends_on is None:
                errors["starts_on"] = _("Term %(number)d has not ended: end it first.") % values
            elif other.ends_on >= starts_on:
                errors["starts_on"] = (
                    _("Term %(number)d runs until %(ends)s: the terms would overlap.") % values
                )
        else:
            if other.starts_on <= starts_on:
                errors["starts_on"] = (
                    _("Term %(number)d starts on %(starts)s: an earlier term must start before it.") % values
                )
            elif ends_on is None or ends_on >= other.starts_on:
                errors["ends_on"] = (
                    _("Term %(number)d starts on %(starts)s: this term must end before it.") % values
                )
    return errors


@transaction.atomic
def create_council_term(
    alliance, *, starts_on: date, number: int | None = None, ends_on: date | None = None
) -> CouncilTerm:
    """Open a new council term (换届). A term still open before it is ended the day before the new one starts."""
    _lock_alliance(alliance)
    if number is None:
        number = (CouncilTerm.objects.filter(alliance=alliance).aggregate(top=Max("number"))["top"] or 0) + 1
    ended = []
    for earlier in CouncilTerm.objects.select_for_update().filter(
        alliance=alliance, number__lt=number, ends_on__isnull=True, starts_on__lt=starts_on
    ):
        earlier.ends_on = starts_on - timedelta(days=1)
        earlier.save(update_fields=["ends_on"])
        ended.append(earlier)
    errors = _term_fit_errors(alliance.pk, number=number, starts_on=starts_on, ends_on=ends_on)
    if errors:
        raise ValidationError(errors)  # rolls back the ended terms too
    term = CouncilTerm.objects.create(alliance=alliance, number=number, starts_on=starts_on, ends_on=ends_on)
    for earlier in ended:
        record_event(
            "council_term.ended", earlier,
            detail={"number": earlier.number, "ends_on": earlier.ends_on.isoformat(), "by_term": number},
        )  # fmt: skip
    record_event(
        "council_term.created", term,
        detail={"number": number, "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat() if ends_on else None},
    )  # fmt: skip
    term.ended_terms = ended  # for the caller's message
    return term


@transaction.atomic
def update_council_term(
    term: CouncilTerm, *, number: int, starts_on: date, ends_on: date | None
) -> CouncilTerm:
    term = CouncilTerm.objects.select_for_update().get(pk=term.pk)
    errors = _term_fit_errors(
        term.alliance_id, number=number, starts_on=starts_on, ends_on=ends_on, exclude=term
    )
    if errors:
        raise ValidationError(errors)
    changes = {
        name: [str(getattr(term, name)) if getattr(term, name) else None, str(value) if value else None]
        for name, value in (("number", number), ("starts_on", starts_on), ("ends_on", ends_on))
        if getattr(term, name) != value
    }
    if changes:
        term.number, term.starts_on, term.ends_on = number, starts_on, ends_on
        term.save(update_fields=["number", "starts_on", "ends_on"])
        record_event("council_term.updated", term, detail={"changes": changes})
    return term


@transaction.atomic
def end_council_term(term: CouncilTerm, *, ends_on: date) -> CouncilTerm:
    term = CouncilTerm.objects.select_for_update().get(pk=term.pk)
    if term.ends_on is not None:
        raise ValidationError(
            {"ends_on": _("This term already ended on %(date)s.") % {"date": term.ends_on.isoformat()}}
        )
    errors = _term_fit_errors(
        term.alliance_id, number=term.number, starts_on=term.starts_on, ends_on=ends_on, exclude=term
    )
    if errors:
        raise ValidationError(errors)
    term.ends_on = ends_on
    term.save(update_fields=["ends_on"])
    record_event("council_term.ended", term, detail={"number": term.number, "ends_on": ends_on.isoformat()})
    return term


def current_council_term(alliance, on: date | None = None) -> CouncilTerm | None:
    """The term running on a day (today by default), or failing that the latest one."""
    on = on or timezone.localdate()
    terms = CouncilTerm.objects.filter(alliance=alliance)
    running = terms.filter(starts_on__lte=on).exclude(ends_on__lt=on).order_by("-number").first()
    return running or terms.order_by("-number").first()


SINGLE_OFFICES = (Office.CHAIR, Office.SECRETARY_GENERAL)


@transaction.atomic
def set_council_officers(term: CouncilTerm, officers: Iterable) -> list[CouncilOfficer]:
    """Replace the officers of a term: one chair (理事长), vice chairs (副理事长), one secretary-general (秘书长).

    `officers` holds mappings (or objects) with `office`, `person_name` and optionally `member_unit` (a unit
    or its id), which must be a unit of the term's alliance, found through the scoped manager.
    """
    from members.models import MemberUnit

    term = CouncilTerm.objects.select_for_update().get(pk=term.pk)
    rows = []
    for item in officers:
        get = item.get if isinstance(item, Mapping) else (lambda key, item=item: getattr(item, key, None))
        unit = get("member_unit")
        rows.append({
            "office": get("office") or "", "person_name": (get("person_name") or "").strip(),
            "member_unit_id": getattr(unit, "pk", unit) if unit not in ("", None) else None,
        })  # fmt: skip
    unit_ids = {row["member_unit_id"] for row in rows if row["member_unit_id"] is not None}
    known_units = set(
        MemberUnit.objects.filter(pk__in=[_int_or_none(pk) for pk in unit_ids], alliance_id=term.alliance_id)
        .values_list("pk", flat=True)
    ) if unit_ids else set()  # fmt: skip
    problems, counts, people = [], {}, set()
    for position, row in enumerate(rows, start=1):
        values = {"row": position}
        if row["office"] not in Office.values:
            problems.append(_("Row %(row)d: choose an office.") % values)
        else:
            counts[row["office"]] = counts.get(row["office"], 0) + 1
        if not row["person_name"]:
            problems.append(_("Row %(row)d: give the person's name.") % values)
        elif len(row["person_name"]) > 50:
            problems.append(_("Row %(row)d: the name is too long (at most 50 characters).") % values)
        elif (row["office"], row["person_name"]) in people:
            problems.append(_("Row %(row)d: %(name)s is listed twice for the same office.")
                            % {**values, "name": row["person_name"]})  # fmt: skip
        people.add((row["office"], row["person_name"]))
        if row["member_unit_id"] is not None:
            row["member_unit_id"] = _int_or_none(row["member_unit_id"])
            if row["member_unit_id"] not in known_units:
                problems.append(_("Row %(row)d: the unit is not a member unit of this alliance.") % values)
    for office in SINGLE_OFFICES:
        if counts.get(office, 0) > 1:
            problems.append(_("A term has one %(office)s.") % {"office": str(Office(office).label).lower()})
    if problems:
        raise ValidationError({"officers": problems})
    CouncilOfficer.objects.filter(term=term).delete()
    created = CouncilOfficer.objects.bulk_create(
        [CouncilOfficer(alliance_id=term.alliance_id, term=term, **row) for row in rows]
    )
    record_event(
        "council_term.officers_set", term,
        detail={"officers": [f"{row['office']}: {row['person_name']}" for row in rows]},
    )  # fmt: skip
    return created

"""Forms and FilterSets of the governance pages (charter, council terms, meetings, resolutions).

The charter's articles are edited as plain text in the layout of the charter document itself, which is
what a secretariat has at hand (a Word file) and can paste:

    第一章 总则
    第一条 本集团名称为淄博市技工教育集团。
    第二条 本集团是……
    （一）continuation lines belong to the article above;
    第二章 成员
    第三条 ……

Chapter headings are `第…章 <title>`, articles start with `第…条` followed by a space (or a colon); numbers
may be Chinese numerals (第二十一条) or digits (第21条). `Chapter 1 <title>` / `Article 1 <text>` work too.
A heading written without a space (第三条本集团…) is recognised when it carries the next number in sequence,
so a paragraph that merely starts with a reference like “第三条规定的…” stays part of its article.
Errors name the line. Rules about the articles themselves are checked again by the service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Q
from django.forms import formset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .governance import (
    Charter,
    CouncilTerm,
    GoverningBody,
    Meeting,
    Office,
    Resolution,
    ResolutionSubject,
)
from .governance_services import article_heading, chapter_heading, seats_of

# --- the charter text format ---------------------------------------------------------------------------------

_NUMERAL_VALUES = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_NUMERAL = r"[0-9０-９零〇一二两三四五六七八九十百]+"
_CHINESE_HEADING = re.compile(rf"^第\s*(?P<number>{_NUMERAL})\s*(?P<kind>[章条])(?P<rest>.*)$")
_ENGLISH_HEADING = re.compile(r"^(?P<kind>chapter|article)\s+(?P<number>\d+)(?P<rest>(?:[\s.:：].*)?)$", re.I)
_SEPARATORS = " \t\u3000:：、.．"
MAX_REPORTED_ERRORS = 20


def parse_numeral(text: str) -> int | None:
    """二十一 → 21, 一百零五 → 105, 21 or ２１ → 21; None when it is not a number."""
    if text.isdigit():
        return int(text)
    total, current = 0, None
    for character in text:
        if character in _NUMERAL_VALUES:
            current = _NUMERAL_VALUES[character]
        elif character in "十百":
            unit = 10 if character == "十" else 100
            total += (1 if current is None else current) * unit
            current = None
        else:
            return None
    return total + (current or 0)


@dataclass
class _Heading:
    kind: str  # "chapter" or "article"
    number: int
    rest: str
    separated: bool  # a space or colon (or nothing) after the number: certainly a heading


def _heading(line: str) -> _Heading | None:
    match = _CHINESE_HEADING.match(line)
    if match:
        kind = "chapter" if match["kind"] == "章" else "article"
    else:
        match = _ENGLISH_HEADING.match(line)
        if not match:
            return None
        kind = match["kind"].lower()
    number = parse_numeral(match["number"])
    if number is None:
        return None
    rest = match["rest"]
    return _Heading(
        kind, number, rest.lstrip(_SEPARATORS).rstrip(), separated=not rest or rest[0] in _SEPARATORS
    )


def parse_charter_text(text: str) -> list[dict]:
    """Articles (chapter_number, chapter_title, article_number, text) from the documented text format.

    Raises forms.ValidationError with one message per problem, each naming its line.
    """
    errors: list[tuple[int, str]] = []  # (line, message), reported in line order
    articles: list[dict] = []
    chapter: dict | None = None
    article: dict | None = None
    chapters_seen: dict[int, int] = {}
    articles_seen: dict[int, int] = {}
    stray_reported = False

    def report(line: int, message: str) -> None:
        errors.append((line, message))

    def close_chapter():
        if chapter is not None and not chapter["articles"]:
            report(
                chapter["line"],
                _("Line %(line)d: chapter “%(heading)s” has no articles.")
                % {"line": chapter["line"], "heading": chapter_heading(chapter["number"], chapter["title"])},
            )

    for line_number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        heading = _heading(line)
        if heading is not None and not heading.separated:
            expected = (
                (chapter["number"] + 1 if chapter else 1)
                if heading.kind == "chapter"
                else (articles[-1]["article_number"] + 1 if articles else 1)
            )
            if heading.number != expected:
                heading = None  # a paragraph that starts with a reference, e.g. 第三条规定的……
        values = {"line": line_number}
        if heading is not None and heading.kind == "chapter":
            close_chapter()
            values.update(number=heading.number, heading=chapter_heading(heading.number))
            if heading.number in chapters_seen:
                report(
                    line_number,
                    _("Line %(line)d: %(heading)s already appears on line %(first)d.")
                    % {**values, "first": chapters_seen[heading.number]},
                )
            elif chapter is not None and heading.number < chapter["number"]:
                report(
                    line_number,
                    _("Line %(line)d: %(heading)s comes after %(previous)s: number the chapters in order.")
                    % {**values, "previous": chapter_heading(chapter["number"])},
                )
            if not heading.rest:
                report(
                    line_number,
                    _(
                        "Line %(line)d: %(heading)s has no title; write it after the number, e.g. “第一章 总则”."
                    )
                    % values,
                )
            elif len(heading.rest) > 100:
                report(
                    line_number,
                    _("Line %(line)d: the chapter title is too long (at most 100 characters).") % values,
                )
            chapters_seen.setdefault(heading.number, line_number)
            chapter = {"number": heading.number, "title": heading.rest, "line": line_number, "articles": 0}
            article = None
            stray_reported = False
        elif heading is not None:
            values.update(heading=article_heading(heading.number))
            if chapter is None and not stray_reported:
                report(
                    line_number,
                    _("Line %(line)d: %(heading)s comes before any chapter heading; start with one, "
                      "e.g. “第一章 总则”.") % values
                )  # fmt: skip
                stray_reported = True
            if heading.number in articles_seen:
                report(
                    line_number,
                    _("Line %(line)d: %(heading)s already appears on line %(first)d.")
                    % {**values, "first": articles_seen[heading.number]},
                )
            elif articles and heading.number < articles[-1]["article_number"]:
                report(
                    line_number,
                    _("Line %(line)d: %(heading)s comes after %(previous)s: number the articles in order.")
                    % {**values, "previous": article_heading(articles[-1]["article_number"])},
                )
            articles_seen.setdefault(heading.number, line_number)
            article = {
                "chapter_number": chapter["number"] if chapter else 0,
                "chapter_title": chapter["title"] if chapter else "",
                "article_number": heading.number,
                "lines": [heading.rest] if heading.rest else [],
                "line": line_number,
            }
            articles.append(article)
            if chapter is not None:
                chapter["articles"] += 1
        elif article is not None:
            article["lines"].append(line)
        elif not stray_reported:
            if chapter is None:
                report(
                    line_number,
                    _("Line %(line)d: the text must start with a chapter heading, e.g. “第一章 总则”.")
                    % values,
                )
            else:
                report(
                    line_number,
                    _("Line %(line)d: text under a chapter heading must belong to an article; start it with "
                      "“%(example)s”.") % {**values, "example": article_heading(1) + " ……"}
                )  # fmt: skip
            stray_reported = True
    close_chapter()
    for item in articles:
        if not item["lines"]:
            report(
                item["line"],
                _("Line %(line)d: %(heading)s has no text.")
                % {"line": item["line"], "heading": article_heading(item["article_number"])},
            )
    if not articles and not errors:
        report(0, _("Enter the charter's chapters and articles."))
    if errors:
        messages = [message for _line, message in sorted(errors, key=lambda error: error[0])]
        if len(messages) > MAX_REPORTED_ERRORS:
            more = len(messages) - MAX_REPORTED_ERRORS
            messages = messages[:MAX_REPORTED_ERRORS] + [
                _("… and %(count)d more problems.") % {"count": more}
            ]
        raise forms.ValidationError(messages)
    return [
        {
            "chapter_number": item["chapter_number"],
            "chapter_title": item["chapter_title"],
            "article_number": item["article_number"],
            "text": "\n".join(item["lines"]),
        }
        for item in articles
    ]


def format_charter_text(articles) -> str:
    """The articles in the text format that `parse_charter_text` reads (round trip)."""
    lines: list[str] = []
    chapter = None
    for article in sorted(articles, key=lambda a: (a.chapter_number, a.article_number)):
        if article.chapter_number != chapter:
            if lines:
                lines.append("")
            lines.append(chapter_heading(article.chapter_number, article.chapter_title))
            chapter = article.chapter_number
        first, *more = article.text.splitlines() or [""]
        lines.append(f"{article_heading(article.article_number)} {first}")
        lines.extend(more)
    return "\n".join(lines) + ("\n" if lines else "")


# --- charter forms ------------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CharterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, charter):
        return _("Version %(version)d · %(title)s (%(status)s)") % {
            "version": charter.version,
            "title": charter.title,
            "status": charter.get_status_display(),
        }


class CharterPickForm(forms.Form):
    """The two versions compared on the diff page (any two, in either order)."""

    old = CharterChoiceField(
        label=gettext_lazy("Earlier version"), queryset=Charter.objects.order_by("-version")
    )
    new = CharterChoiceField(
        label=gettext_lazy("Later version"), queryset=Charter.objects.order_by("-version")
    )


class CharterDraftForm(forms.Form):
    based_on = CharterChoiceField(
        label=gettext_lazy("Based on"),
        queryset=Charter.objects.order_by("-version"),
        required=False,
        empty_label=gettext_lazy("— an empty charter with the usual parameters —"),
        help_text=gettext_lazy("The draft starts as a copy of this version's articles and parameters."),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave empty to keep the title of the version it is based on."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes on this version"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What this amendment is about, for the secretariat and the council."),
    )


class CharterParametersForm(forms.ModelForm):
    class Meta:
        model = Charter
        fields = [
            "title", "notes", "withdrawal_notice_months", "admission_body", "withdrawal_body", "expulsion_body",
            "quorum_numerator", "quorum_denominator", "pass_numerator", "pass_denominator",
        ]  # fmt: skip
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("quorum_numerator", "quorum_denominator", "pass_numerator", "pass_denominator"):
            self.fields[name].widget.attrs.update({"min": 1, "max": 100})
        self.fields["withdrawal_notice_months"].widget.attrs.update({"min": 0, "max": 24})
        self.fields["quorum_numerator"].help_text = gettext_lazy(
            "Quorum: the share of the body's members who must be present, e.g. 2/3."
        )
        self.fields["pass_numerator"].help_text = gettext_lazy(
            "Pass threshold: the share of the members present who must vote for a resolution, e.g. 2/3."
        )

    def _post_clean(self):
        # The service checks the parameters together (fractions, bounds) and refuses non-drafts.
        pass


class CharterArticlesForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Chapters and articles"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "charter-source"}),
    )

    def clean_text(self):
        self.articles = parse_charter_text(self.cleaned_data["text"])
        return self.cleaned_data["text"]


class ResolutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, resolution):
        return f"{resolution.number} {resolution.title} · {resolution.meeting}"


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, meeting):
        return f"{meeting} · {meeting.get_body_display()}"


class CharterAdoptForm(forms.Form):
    meeting = MeetingChoiceField(
        label=gettext_lazy("Adopted at the meeting"),
        queryset=Meeting.objects.order_by("-held_on", "-pk"),
        help_text=gettext_lazy("The version comes into force on the day of the meeting."),
    )
    resolution = ResolutionChoiceField(
        label=gettext_lazy("Resolution"),
        queryset=Resolution.objects.filter(subject=ResolutionSubject.CHARTER, passed=True)
        .select_related("meeting")
        .order_by("-meeting__held_on", "-pk"),
        required=False,
        help_text=gettext_lazy("Optional: the passed charter resolution of that meeting."),
    )


# --- council terms and officers -----------------------------------------------------------------------------


class CouncilTermForm(forms.Form):
    number = forms.IntegerField(
        label=gettext_lazy("Term number"),
        min_value=1,
        required=False,
        help_text=gettext_lazy("第一届 is 1. Leave empty for the next number."),
    )
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=DateInput(), required=False)


class CouncilTermEndForm(forms.Form):
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=DateInput())


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        return unit.name


class CouncilOfficerForm(forms.Form):
    """One officer. A row left empty is ignored; clearing a row removes that officer."""

    office = forms.ChoiceField(
        label=gettext_lazy("Office"), choices=[("", "—"), *Office.choices], required=False
    )
    person_name = forms.CharField(label=gettext_lazy("Full name"), max_length=50, required=False)
    member_unit = UnitChoiceField(
        label=gettext_lazy("Member unit"), queryset=None, required=False, empty_label="—"
    )

    def __init__(self, *args, unit_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_unit"].queryset = unit_queryset

    def officer(self) -> dict | None:
        data = getattr(self, "cleaned_data", {})
        if not (data.get("office") or data.get("person_name") or data.get("member_unit")):
            return None
        return {
            "office": data.get("office"),
            "person_name": data.get("person_name"),
            "member_unit": data.get("member_unit"),
        }


CouncilOfficerFormSet = formset_factory(CouncilOfficerForm, extra=3, max_num=40, validate_max=True)


def officer_unit_queryset(term: CouncilTerm | None):
    """Current member units, and any unit already holding an office in this term (it may have left since)."""
    from members.models import CURRENT_MEMBER_STATUSES, MemberUnit

    condition = Q(status__in=CURRENT_MEMBER_STATUSES)
    if term is not None and term.pk:
        condition |= Q(officers__term=term)
    return MemberUnit.objects.filter(condition).distinct().order_by("name")


# --- meetings and resolutions -------------------------------------------------------------------------------


class MeetingForm(forms.Form):
    body = forms.ChoiceField(label=gettext_lazy("Body"), choices=GoverningBody.choices)
    term = forms.ModelChoiceField(
        label=gettext_lazy("Council term"), queryset=CouncilTerm.objects.order_by("-number"), required=False
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=DateInput())
    location = forms.CharField(label=gettext_lazy("Location"), max_length=200, required=False)
    seats = forms.IntegerField(label=gettext_lazy("Members of the body"), min_value=1, required=False)
    present = forms.IntegerField(label=gettext_lazy("Members present"), min_value=0)
    minutes = forms.CharField(
        label=gettext_lazy("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_seats = {body: seats_of(alliance, body) for body in GoverningBody.values}
        self.fields["seats"].help_text = _(
            "Leave empty to use the size of the body in the member register today: council %(council)d, "
            "standing council %(standing)d."
        ) % {
            "council": self.default_seats[GoverningBody.COUNCIL],
            "standing": self.default_seats[GoverningBody.STANDING_COUNCIL],
        }
        self.fields["seats"].widget.attrs["placeholder"] = str(self.default_seats[GoverningBody.COUNCIL])
        self.fields["term"].label_from_instance = lambda term: (
            _("Term %(number)d (from %(date)s)")
            % {
                "number": term.number,
                "date": term.starts_on.isoformat(),
            }
        )


class ResolutionForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Number"),
        max_length=30,
        help_text=gettext_lazy("Unique in the alliance, e.g. 2025-理-03."),
    )
    subject = forms.ChoiceField(label=gettext_lazy("Subject"), choices=ResolutionSubject.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    text = forms.CharField(
        label=gettext_lazy("Text"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    votes_for = forms.IntegerField(label=gettext_lazy("Votes for"), min_value=0, initial=0)
    votes_against = forms.IntegerField(label=gettext_lazy("Votes against"), min_value=0, initial=0)
    votes_abstaining = forms.IntegerField(label=gettext_lazy("Abstentions"), min_value=0, initial=0)


# --- filters, shared by the pages and the API -------------------------------------------------------------


class ResolutionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=gettext_lazy("Search"), method="search")
    subject = django_filters.ChoiceFilter(label=gettext_lazy("Subject"), choices=ResolutionSubject.choices)
    passed = django_filters.BooleanFilter(label=gettext_lazy("Passed"))
    year = django_filters.NumberFilter(
        label=gettext_lazy("Year"),
        field_name="meeting__held_on",
        lookup_expr="year",
        min_value=1900,
        max_value=2999,
    )
    body = django_filters.ChoiceFilter(
        label=gettext_lazy("Body"), field_name="meeting__body", choices=GoverningBody.choices
    )

    class Meta:
        model = Resolution
        fields = ["q", "subject", "passed", "year", "body"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(title__icontains=value) | Q(text__icontains=value)
        )


class MeetingFilter(django_filters.FilterSet):
    body = django_filters.ChoiceFilter(label=gettext_lazy("Body"), choices=GoverningBody.choices)
    year = django_filters.NumberFilter(
        label=gettext_lazy("Year"), field_name="held_on", lookup_expr="year", min_value=1900, max_value=2999
    )
    term = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Council term"), queryset=CouncilTerm.objects.order_by("-number")
    )

    class Meta:
        model = Meeting
        fields = ["body", "year", "term"]

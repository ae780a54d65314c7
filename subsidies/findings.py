"""Findings of the compliance checks, kept in no language and shown in the reader's.

A check writes its message as an English source text marked for translation (`gettext_noop`) with its parameters
(`Finding(code, severity, text, params)`); nothing is translated when the finding is made or stored. A line stores
`{code, severity, text, params, message}` (`Finding.as_dict`): `message` is the text as rendered when the check ran,
kept for readers of the raw JSON, and never shown. Pages, the API and exports show `displayed(problems)`: each
message rendered now, in the language of whoever reads it (`render`). Rows stored before findings kept their text
(only `message`) are shown with that message as it is.

Parameters are JSON values: numbers, dates as ISO text, names of units, periods and programs (proper names, never
translated). A parameter that is itself the label of a choice (a member's status, a unit's kind, a cooperation's
status) is stored as its code (`label("member_status", "withdrawn")`) and translated when shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext

ERROR, WARNING = "error", "warning"


def _choices(kind: str):
    """The TextChoices whose labels a parameter of this kind holds (imported when needed: no model at import)."""
    from events.models import CooperationKind, CooperationStatus
    from members.models import MemberKind, MemberStatus

    return {
        "member_status": MemberStatus, "member_kind": MemberKind,
        "cooperation_status": CooperationStatus, "cooperation_kind": CooperationKind,
    }.get(kind)  # fmt: skip


def label(kind: str, code: str) -> dict:
    """A parameter that is the label of a choice: stored as its code, translated when shown."""
    return {"label": kind, "code": code}


def _shown(value):
    if isinstance(value, dict) and set(value) == {"label", "code"}:
        choices = _choices(value["label"])
        if choices is not None:
            try:
                return str(choices(value["code"]).label)
            except ValueError:  # a code that no longer exists: show it as it is
                pass
        return str(value["code"])
    return value


def render(text: str, params: dict | None = None) -> str:
    """The finding's message in the active language. A translation whose placeholders do not fit the parameters
    (a mistake in a catalogue) gives the English text rather than an error page."""
    translated = gettext(text)
    if not params:
        return translated
    values = {name: _shown(value) for name, value in params.items()}
    try:
        return translated % values
    except (KeyError, ValueError, TypeError):
        try:
            return text % values
        except (KeyError, ValueError, TypeError):
            return translated


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" | "warning"
    text: str  # the English source text (marked with gettext_noop), with %(name)s placeholders
    params: dict = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def message(self) -> str:
        """Rendered when asked, in the active language."""
        return render(self.text, self.params)

    def as_dict(self) -> dict:
        return {
            "code": self.code, "severity": self.severity, "text": self.text, "params": dict(self.params),
            "message": self.message,
        }  # fmt: skip


def stored_key(problem) -> tuple:
    """What a stored finding says, whatever language its `message` was rendered in (to tell a real change)."""
    if not isinstance(problem, dict):
        return (problem,)
    if problem.get("text"):
        return (problem.get("code"), problem.get("severity"), problem["text"], problem.get("params") or {})
    return (problem.get("code"), problem.get("severity"), None, problem.get("message"))


def display(problem: dict) -> dict:
    """A stored finding as it is shown now: {code, severity, message}, the message in the active language."""
    text = problem.get("text")
    message = render(text, problem.get("params") or {}) if text else str(problem.get("message") or "")
    return {"code": problem.get("code", ""), "severity": problem.get("severity", ""), "message": message}


def displayed(problems) -> list[dict]:
    """Stored findings (a line's `problems`) as they are shown now."""
    return [display(problem) for problem in problems or [] if isinstance(problem, dict)]

"""The clock of the demo's stories: the services run at the moment of the story they write, not at seeding time.

The demo's stories (subsidies/demo.py: claims and runs; alliances/demo/membership.py: applications, admissions,
withdrawals, expulsions) go through the app's services, which read the clock: deadlines, "submitted at", "paid on"
not in the future, the date an application was received, a withdrawal's notice period. While a story is written,
`django.utils.timezone.now` answers the story's moment (`localdate()` calls it, and so do `auto_now` fields), and
new rows of models whose time field defaults to `timezone.now` (the audit log's `at`, a timeline line's
`occurred_at`: their default was bound when the model was defined) are stamped with it by a pre_save receiver.

The clock is process-wide while it is set: seed only from the `seed_demo` command or a test, never inside a running
web or worker process.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator

from django.apps import apps
from django.db.models.signals import pre_save
from django.utils import timezone


class StoryClock:
    """Stands in for `django.utils.timezone.now`: the moment of the story being written."""

    def __init__(self):
        self.moment = timezone.now()

    def __call__(self) -> datetime.datetime:
        return self.moment

    def set(self, day: datetime.date, hour: int, minute: int = 0) -> None:
        self.moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _stamped_fields(real_now) -> list[tuple[type, str]]:
    """(model, attribute) of every concrete field whose default is `timezone.now` itself."""
    return [
        (model, field.attname)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.default is real_now
    ]


@contextlib.contextmanager
def story_clock() -> Iterator[StoryClock]:
    """While the story is written, the services' clock (and the time of new audit entries and timeline lines) is
    the story's: set it with `clock.set(day, hour, minute)` before each step."""
    real_now = timezone.now
    if isinstance(real_now, StoryClock):
        raise RuntimeError("a story clock is already set")
    clock = StoryClock()
    stamped = _stamped_fields(real_now)

    def stamp(sender, instance, raw=False, **kwargs):
        if instance._state.adding and not raw:
            for model, attname in stamped:
                if model is sender:
                    setattr(instance, attname, clock.moment)

    timezone.now = clock
    for model in {model for model, _attname in stamped}:
        pre_save.connect(
            stamp, sender=model, weak=False, dispatch_uid=f"alliances.demo.clock.{model._meta.label}"
        )
    try:
        yield clock
    finally:
        for model in {model for model, _attname in stamped}:
            pre_save.disconnect(sender=model, dispatch_uid=f"alliances.demo.clock.{model._meta.label}")
        timezone.now = real_now

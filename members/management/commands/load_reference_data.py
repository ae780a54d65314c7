from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.reference import FILES, load_reference_data


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the shared reference data (division codes, industries, specialty catalogue) from "
        "members/reference_data/ and record the version of each file. Safe to run again: rows are upserted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            nargs="+",
            choices=list(FILES),
            help=gettext_lazy("Load only these files (default: all)."),
        )

    def handle(self, *args, only=None, **options):
        try:
            loaded = load_reference_data(only=only)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for name, info in loaded.items():
            self.stdout.write(
                _("%(name)s: %(rows)d rows, version %(version)s")
                % {"name": name, "rows": info["rows"], "version": info["version"]}
            )

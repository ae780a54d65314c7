from django.conf import settings
from django.core.management.base import BaseCommand

from alliances.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Load the demo alliances (淄博, 南通, 宜昌, 临朐) with their member units and committees, and one demo "
        "login per role. Idempotent: only missing rows are created and nothing that exists is changed, so "
        "running it again creates nothing. New demo accounts get the password alliances.demo.DEMO_PASSWORD; "
        "an account that already exists keeps its current password (re-running never resets it)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            # Not refused (compose stacks seed too), but worth saying: anyone can read the demo password.
            self.stderr.write(
                self.style.WARNING(
                    "DEBUG is off: the demo logins share a published password; change or remove them."
                )
            )
        seed_demo(stdout=self.stdout if options["verbosity"] > 0 else None)

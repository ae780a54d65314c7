"""Cost of scoping at compile time versus a hand-written alliance filter (see bench/README.md)."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("VAR_DIR", "/tmp/chanjiao-bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import QuerySet  # noqa: E402

from alliances.demo import seed_demo  # noqa: E402
from alliances.models import Alliance  # noqa: E402
from alliances.tenancy import scope  # noqa: E402
from members.models import MemberUnit  # noqa: E402

ROUNDS = 20_000


def main():
    call_command("migrate", verbosity=0)
    seed_demo()
    zibo = Alliance.objects.get(slug="zibo")
    plain = QuerySet(model=MemberUnit)
    with scope(zibo.pk):
        start = time.perf_counter()
        for _ in range(ROUNDS):
            MemberUnit.objects.filter(kind="enterprise").count()
        scoped = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(ROUNDS):
            plain.filter(alliance_id=zibo.pk, kind="enterprise").count()
        by_hand = time.perf_counter() - start
    print(f"{ROUNDS} counts: scoped {scoped:.2f} s, by hand {by_hand:.2f} s, ratio {scoped / by_hand:.2f}")


if __name__ == "__main__":
    main()

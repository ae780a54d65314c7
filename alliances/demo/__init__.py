"""Demo data for `manage.py seed_demo`: the alliances of the seed documents and one login per role.

`data` holds the names and numbers (deterministic, no randomness); `build` writes them, creating only
what is missing. Import from here: `seed_demo`, `build_alliance`, `DEMO_PASSWORD`, `DEMO_LOGINS`.
"""

from .build import build_alliance, seed_demo
from .data import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_KEY_BASE32

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DEMO_TOTP_KEY_BASE32", "build_alliance", "seed_demo"]

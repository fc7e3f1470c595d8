"""Demo data for `make run`: realistic, deterministic enterprises, officials and applications.

Public API: load_demo(today=None, reset=False, force=False, log=print), is_loaded(), demo_accounts(),
demo_guide(), format_accounts(), DEMO_PASSWORD; credit.check_character / credit.make_credit_code (GB 32100).
Everything that changes a state goes through the apps' action functions (cultivation, services,
digital, clusters, pairing; the policies app's own catalogue importer), so audit rows and inbox
messages are real.
"""

from .accounts import demo_accounts, demo_guide, format_accounts
from .loader import DEMO_PASSWORD, DemoError, is_loaded, load_demo

__all__ = [
    "DEMO_PASSWORD",
    "DemoError",
    "demo_accounts",
    "demo_guide",
    "format_accounts",
    "is_loaded",
    "load_demo",
]

"""Demo data for `make run`: realistic, deterministic enterprises, officials and applications.

Public API: load_demo(today=None, reset=False, force=False, log=print), is_loaded(), demo_accounts(),
format_accounts(), DEMO_PASSWORD; credit.check_character / credit.make_credit_code (GB 32100).
Everything that changes a workflow state goes through portal.cultivation.actions.
"""

from .loader import DEMO_PASSWORD, DemoError, demo_accounts, format_accounts, is_loaded, load_demo

__all__ = ["DEMO_PASSWORD", "DemoError", "demo_accounts", "format_accounts", "is_loaded", "load_demo"]

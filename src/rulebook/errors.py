"""The exception tree of rulebook.

    RulebookError
    ├── ProfileInvalid      the profile cannot be assessed; .problems lists every field error
    ├── RuleDataError       a criteria file is malformed; names the file and the key
    └── UnknownRuleSet      no rule set with that id, or none in force on that date

Callers (CLI, portal) catch RulebookError and show its message; nothing below it
should reach a user as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class RulebookError(Exception):
    """Base of every error rulebook raises on purpose."""


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field of a profile: `path` is dotted (financials.2023.revenue)."""

    path: str
    message_zh: str
    message_en: str

    def zh(self) -> str:
        return f"{self.path}: {self.message_zh}"

    def en(self) -> str:
        return f"{self.path}: {self.message_en}"


class ProfileInvalid(RulebookError):
    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__("; ".join(p.en() for p in problems))


class RuleDataError(RulebookError):
    """A criteria file cannot be used; the message says which file, which key and what to fix."""


class UnknownRuleSet(RulebookError):
    """No such rule set id, or no rule set in force on the as-of date."""

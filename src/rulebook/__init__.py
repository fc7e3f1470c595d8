"""rulebook: the law as data, evaluated with a trace and a gap plan.

Public API (everything else is private):

    assess(profile, as_of=None, rules=None, is_review=False) -> Assessment
    validate(profile) -> Profile                      # raises ProfileInvalid
    default_registry() -> Registry                    # rule sets in criteria/
    RulebookError, ProfileInvalid, RuleDataError, UnknownRuleSet, FieldProblem

rulebook never imports Django (a test enforces it): the portal calls it through one adapter.
"""

from .assess import Assessment, assess
from .errors import FieldProblem, ProfileInvalid, RulebookError, RuleDataError, UnknownRuleSet
from .profile import Profile, validate
from .registry import Registry, default_registry

__all__ = [
    "Assessment",
    "FieldProblem",
    "Profile",
    "ProfileInvalid",
    "Registry",
    "RuleDataError",
    "RulebookError",
    "UnknownRuleSet",
    "assess",
    "default_registry",
    "validate",
]

"""Which 小快轻准 solutions an enterprise is shown after a self-test, and why.

A solution is suggested when its institution is approved, it is listed (active), it improves one of
the self-test's weakest dimensions, and it targets the enterprise's industry (a GB/T 4754 prefix of
its code, or all industries). Each suggestion carries one sentence saying which of these made it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from portal.assessments import engine
from portal.services.models import InstitutionState

from . import scoring
from .actions import ALL_INDUSTRIES
from .models import DigitalSelfTest, Solution


def public_solutions() -> QuerySet:
    return Solution.objects.filter(active=True, institution__state=InstitutionState.APPROVED).select_related(
        "institution"
    )


def ancestors(industry: str) -> list[str]:
    """C3484 → [C, C34, C348, C3484]: the codes whose prefix-targeting covers this industry."""
    code = (industry or "").strip().upper()
    return [code[:n] for n in (1, 3, 4, 5) if len(code) >= n]


def for_industry_q(industry: str, field: str = "industries") -> Q:
    q = Q(**{f"{field}__contains": f" {ALL_INDUSTRIES} "})
    for prefix in ancestors(industry):
        q |= Q(**{f"{field}__contains": f" {prefix} "})
    return q


def matched_token(solution: Solution, industry: str) -> str:
    """The most specific of the solution's industry codes that covers `industry` ('*' when only 'all' does)."""
    tokens = set(solution.industry_tokens)
    for prefix in reversed(ancestors(industry)):
        if prefix in tokens:
            return prefix
    return ALL_INDUSTRIES


def industry_text(token: str) -> str:
    if token == ALL_INDUSTRIES:
        return gettext("全部行业")
    name = engine.industry_name(token)
    return f"{token} {name}" if name else token


def explanation(test: DigitalSelfTest, solution: Solution) -> str:
    """'您的数字化管理得分 12/30，为最弱维度；该方案面向 C34 通用设备制造业'."""
    dim = next((d for d in test.dimensions if d["id"] == solution.dimension), None)
    tie = gettext("并列最弱维度") if len(test.weakest) > 1 else gettext("最弱维度")
    token = matched_token(solution, test.industry)
    if token == ALL_INDUSTRIES:
        target = gettext("该方案面向全部行业")
    else:
        target = gettext("该方案面向 %(industry)s") % {"industry": industry_text(token)}
    what = scoring.dimension_text(dim) if dim else solution.get_dimension_display()
    return gettext("您的%(what)s，为%(tie)s；%(target)s") % {"what": what, "tie": tie, "target": target}


def suggestions(test: DigitalSelfTest, limit: int = 20) -> list[dict]:
    """[{'solution', 'dimension', 'why'}] for the test's weakest dimensions and the enterprise's industry."""
    if not test.weakest:
        return []
    rows = list(public_solutions().filter(dimension__in=test.weakest).filter(for_industry_q(test.industry)))
    order = {d: i for i, d in enumerate(test.weakest)}

    def key(s):
        token = matched_token(s, test.industry)
        specificity = 0 if token == ALL_INDUSTRIES else len(token)
        return (order.get(s.dimension, 99), -specificity, s.deployment_days, s.title, s.pk)

    rows.sort(key=key)
    return [{"solution": s, "dimension": s.dimension, "why": explanation(test, s)} for s in rows[:limit]]

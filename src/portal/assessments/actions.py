"""Running an assessment and storing it: the one way an Assessment row comes into being.

Why one function: the self-assessment page, the API and the cultivation submission (which freezes
the assessment an application was judged on) must store exactly the same things.
"""

from __future__ import annotations

import copy
import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext

from portal.accounts.scope import require_enterprise
from portal.actions import InvalidInput, NotAllowed
from portal.audit.record import record

from . import engine
from .models import Assessment

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today_in_china() -> dt.date:
    return timezone.localdate(timezone=SHANGHAI)


def ruleset_label(rule_id: str, overlay: str | None, lang: str = "zh") -> str:
    """《优质中小企业梯度培育管理办法》 (+ the province overlay's name): how people name the rules used."""
    try:
        rs = engine.ruleset(rule_id)
        title = rs.en if lang.startswith("en") else f"《{rs.zh}》"
    except engine.UnknownRuleSet:
        title = rule_id
    if overlay:
        title += f" + {engine.overlay_label(rule_id, overlay, lang)}"
    return title


def run_assessment(
    actor,
    enterprise,
    *,
    as_of: dt.date | None = None,
    rules: str | None = None,
    is_review: bool = False,
    profile: dict | None = None,
) -> Assessment:
    """Assess the enterprise's profile (or `profile`) and store the result with everything needed to replay it.

    Raises OutOfScope (actor may not see the enterprise), NotAllowed (actor may not run assessments)
    or InvalidInput whose `problems` are (field path, Chinese message) pairs.
    """
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(gettext("请先登录，再进行评价。"))
    require_enterprise(actor, enterprise)  # own enterprise users, officials whose region holds it, admins
    as_of = as_of or today_in_china()
    doc = copy.deepcopy(profile if profile is not None else enterprise.profile) or {}
    if rules:
        try:
            engine.ruleset(rules)
        except engine.UnknownRuleSet:
            raise InvalidInput(
                gettext("未知的规则集“%(rules)s”，请从列表中选择。") % {"rules": rules},
                [("rules", gettext("未知的规则集“%(rules)s”，请从列表中选择") % {"rules": rules})],
            ) from None
    try:
        outcome, result = engine.assess(doc, as_of, rules, is_review=is_review)
    except engine.ProfileInvalid as exc:
        english = (get_language() or "").startswith("en")  # the engine words each problem in both languages
        problems = [(p.path, p.message_en if english else p.message_zh) for p in exc.problems]
        raise InvalidInput(
            gettext("企业“%(name)s”的画像有 %(n)s 处需要修改，改好后再评价。")
            % {"name": enterprise.name, "n": len(problems)},
            problems,
        ) from None
    except engine.UnknownRuleSet:
        msg = gettext("%(day)s 没有施行中的梯度培育办法，请改选评价基准日或指定规则集") % {
            "day": as_of.isoformat()
        }
        raise InvalidInput(msg + gettext("。"), [("as_of", msg)]) from None

    rs = outcome.rules
    ruleset_id = f"{rs.id}+{rs.overlay}" if rs.overlay else rs.id
    with transaction.atomic():
        assessment = Assessment.objects.create(
            enterprise=enterprise,
            created_by=actor,
            ruleset_id=ruleset_id[:64],
            ruleset_label=ruleset_label(rs.id, rs.overlay)[:200],
            engine_version=engine.engine_version()[:32],
            as_of=as_of,
            is_review=is_review,
            profile_version=enterprise.version,
            input_snapshot=doc,
            result=result,
            highest_tier=outcome.highest_tier or "none",
            tier_order=list(result["zh"]["tiers"]),
        )
        record(
            actor,
            "assessment.run",
            assessment,
            to_state=assessment.highest_tier,
            region_code=enterprise.region,
            enterprise=enterprise.pk,
            ruleset=ruleset_id,
            as_of=as_of.isoformat(),
            is_review=is_review,
            profile_version=enterprise.version,
        )
    return assessment

"""What every router shares: who may read enterprise data, scoped lookups (404 when out of scope), serializers."""

from __future__ import annotations

from portal.accounts.roles import Role
from portal.accounts.scope import scope_enterprises
from portal.assessments import engine
from portal.enterprises.models import Enterprise

from .errors import ApiError, not_found

MAX_LIMIT = 200


def lang_of(lang: str | None) -> str:
    return "en" if (lang or "").startswith("en") else "zh"


def can_read_enterprise_data(user) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMIN or user.is_official or user.is_enterprise_user)


def require_data_role(user) -> None:
    """403 for roles that never see enterprise data (e.g. 服务机构, or an enterprise account not yet linked)."""
    if not can_read_enterprise_data(user):
        label = Role(user.role).label if user.role in Role.values else user.role
        raise ApiError(
            403,
            "forbidden",
            f"您的角色（{label}）无权访问企业数据。企业用户须先绑定企业；如需权限请联系主管部门。",
            "Your role may not read enterprise data.",
        )


def scoped_enterprise(user, pk: int) -> Enterprise:
    require_data_role(user)
    ent = scope_enterprises(user, Enterprise.objects.all()).filter(pk=pk).first()
    if ent is None:
        raise not_found(f"企业（编号 {pk}）", f"Enterprise {pk}")
    return ent


def page(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, MAX_LIMIT)), max(0, offset)


def enterprise_out(ent: Enterprise) -> dict:
    region = engine.region(ent.region)
    return {
        "id": ent.pk,
        "name": ent.name,
        "credit_code": ent.credit_code,
        "region": ent.region,
        "region_name": region[0] if region else "",
        "industry": ent.industry,
        "industry_name": (engine.industry_name(ent.industry) or "") if ent.industry else "",
        "version": ent.version,
        "updated_at": ent.updated_at,
    }


def tier_label_for(ruleset_id: str, tier: str, lang: str) -> str:
    if not tier or tier == "none":
        return "未达到任何层级" if lang == "zh" else "no tier reached"
    try:
        return engine.tier_label(ruleset_id.split("+")[0], tier, lang)
    except engine.UnknownRuleSet:
        return tier


def assessment_out(a, lang: str, *, with_result: bool) -> dict:
    out = {
        "id": a.pk,
        "enterprise_id": a.enterprise_id,
        "created_at": a.created_at,
        "ruleset_id": a.ruleset_id,
        "ruleset_label": a.ruleset_label,
        "engine_version": a.engine_version,
        "as_of": a.as_of,
        "is_review": a.is_review,
        "profile_version": a.profile_version,
        "highest_tier": a.highest_tier,
        "highest_tier_label": tier_label_for(a.ruleset_id, a.highest_tier, lang),
    }
    if with_result:
        out["result"] = a.result_in(lang)
    return out

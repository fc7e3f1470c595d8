"""Every change to the cluster registry: register, edit, revoke or reinstate, add and remove members.

Each function is one atomic change: it checks the actor through clusters.access (which asks
portal.accounts.scope), claims the cluster row on its `version`, writes one audit row and
notifies on commit. Errors are portal.actions errors whose Chinese message names the cluster
and the next step; field problems name the form field.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import Role
from portal.accounts.scope import enterprise_in_scope
from portal.actions import InvalidInput, NotAllowed, claim, too_long
from portal.assessments import engine
from portal.audit.record import record
from portal.inbox.message import label as choice_label
from portal.inbox.message import msg
from portal.inbox.send import notify_enterprise

from . import access
from .models import Cluster, ClusterLevel, ClusterMembership, ClusterState, FormerMembership, MemberRole
from .signals import cluster_state_changed

TOPIC = "clusters"
REASON_MAX = 2000


class Unchanged(NotAllowed):
    """An edit that changes nothing: no version bump, no audit row; the page says so."""

    code = "unchanged"


TEXT_FIELDS = {
    "name": (_("集群名称"), 200, True),
    "industry_text": (_("主导产业"), 200, True),
    "operator_name": (_("运营管理机构"), 200, True),
    "operator_contact": (_("运营管理机构联系方式"), 200, False),
    "description": (_("集群简介"), 4000, False),
}


def cluster_url(cluster) -> str:
    try:
        return reverse("clusters:detail", args=[cluster.pk])
    except NoReverseMatch:
        return ""


def _who(actor) -> str:
    try:
        return Role(actor.role).label
    except ValueError:
        return actor.role


def _require_login(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise NotAllowed(gettext("请先登录，再办理集群事项。"))


def _require_manager(actor, cluster: Cluster, doing: str) -> None:
    _require_login(actor)
    if not access.can_see(actor, cluster):
        raise NotAllowed(
            gettext("集群“%(cluster)s”不在您的管辖范围内，不能%(doing)s。")
            % {"cluster": cluster.name, "doing": doing}
        )
    if not access.can_manage(actor, cluster):
        manager = access.MANAGED_BY[ClusterLevel(cluster.level)].label
        raise NotAllowed(
            gettext(
                "%(who)s不能%(doing)s：%(level)s集群“%(cluster)s”由%(manager)s办理，如需变更请联系该部门。"
            )
            % {
                "who": _who(actor),
                "doing": doing,
                "level": cluster.get_level_display(),
                "cluster": cluster.name,
                "manager": manager,
            }
        )


def _clean(data: dict, actor) -> tuple[dict, list[tuple[str, str]]]:
    """The cluster fields from a form or the API, with every problem named by its field."""
    problems: list[tuple[str, str]] = []
    out: dict = {}
    for field, (label, limit, required) in TEXT_FIELDS.items():
        text = str(data.get(field) or "").strip()
        if required and not text:
            problems.append((field, gettext("请填写%(label)s") % {"label": label}))
        elif len(text) > limit:
            problems.append(
                (field, gettext("%(label)s不能超过 %(limit)s 个字") % {"label": label, "limit": limit})
            )
        out[field] = text
    level = data.get("level") or ""
    if level not in ClusterLevel.values:
        problems.append(("level", gettext("请选择集群层级（国家级或省级）")))
    elif level not in access.creatable_levels(actor):
        problems.append(
            (
                "level",
                gettext("%(who)s不能登记%(level)s集群")
                % {"who": _who(actor), "level": ClusterLevel(level).label},
            )
        )
    out["level"] = level
    year = data.get("year_recognised")
    this_year = timezone.localdate().year
    try:
        year = int(str(year).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or not 2000 <= year <= this_year:
        problems.append(
            ("year_recognised", gettext("认定年度须为 2000 至 %(year)s 之间的年份") % {"year": this_year})
        )
    out["year_recognised"] = year
    region = str(data.get("region_code") or "").strip()
    found = engine.region(region) if len(region) == 6 and region.isdigit() else None
    if found is None or found[1] != "county":
        problems.append(("region_code", gettext("须为 6 位县级行政区划代码（如 330106）")))
    elif not (access.is_admin(actor) or _in_region(actor, region)):
        problems.append(("region_code", gettext("%(region)s不在您的管辖范围内") % {"region": found[0]}))
    out["region_code"] = region
    code = str(data.get("industry_code") or "").strip().upper()
    if not code or engine.industry_name(code) is None:
        problems.append(
            ("industry_code", gettext("须为国民经济行业分类（GB/T 4754-2017）代码，如 C34 或 C3484"))
        )
    out["industry_code"] = code
    return out, problems


def _reason(reason: str, doing: str, name: str) -> str:
    """The stripped reason of a revoke, reinstate or removal: required, at most REASON_MAX characters."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            gettext("请填写%(doing)s的理由。") % {"doing": doing},
            [("reason", gettext("请填写%(doing)s的理由") % {"doing": doing})],
        )
    if len(reason) > REASON_MAX:
        what = gettext("%(doing)s“%(name)s”的理由") % {"doing": doing, "name": name}
        raise too_long(what, reason, REASON_MAX, "reason", gettext("理由"))
    return reason


def _cluster_label(cluster) -> str:
    return gettext("集群“%(cluster)s”") % {"cluster": cluster.name}


def _already_member(enterprise, cluster) -> str:
    return gettext("企业“%(enterprise)s”已是集群“%(cluster)s”的成员。") % {
        "enterprise": enterprise.name,
        "cluster": cluster.name,
    }


def _in_region(actor, region: str) -> bool:
    from portal.accounts.scope import region_in_scope

    return region_in_scope(actor, region)


def create_cluster(actor, data: dict) -> Cluster:
    """Register a cluster at the actor's level inside their region."""
    _require_login(actor)
    if not access.creatable_levels(actor):
        raise NotAllowed(
            gettext("%(who)s不能登记产业集群：省级集群由省级主管部门登记，国家级集群由国家级主管部门登记。")
            % {"who": _who(actor)}
        )
    fields, problems = _clean(data, actor)
    if problems:
        raise InvalidInput(
            gettext("集群“%(cluster)s”有 %(n)s 处需要修改，改好后再保存。")
            % {"cluster": fields["name"] or gettext("（未命名）"), "n": len(problems)},
            problems,
        )
    try:
        with transaction.atomic():
            cluster = Cluster.objects.create(created_by=actor, **fields)
            record(
                actor,
                "clusters.create",
                cluster,
                to_state=cluster.state,
                region_code=cluster.region_code,
                level=cluster.level,
                industry_code=cluster.industry_code,
            )
    except IntegrityError:
        msg = gettext("同一县（区）已有同名集群")
        raise InvalidInput(
            gettext("集群“%(cluster)s”已登记，请在列表中打开它修改。") % {"cluster": fields["name"]},
            [("name", msg)],
        ) from None
    return cluster


def update_cluster(actor, cluster: Cluster, data: dict, expected_version: int) -> Cluster:
    """Edit a cluster's facts; the level stays (a new recognition is a new cluster)."""
    _require_manager(actor, cluster, gettext("修改集群"))
    fields, problems = _clean({**data, "level": cluster.level}, actor)
    if problems:
        raise InvalidInput(
            gettext("集群“%(cluster)s”有 %(n)s 处需要修改，改好后再保存。")
            % {"cluster": cluster.name, "n": len(problems)},
            problems,
        )
    changed = {k: v for k, v in fields.items() if getattr(cluster, k) != v}
    if not changed:
        raise Unchanged(gettext("集群“%(cluster)s”没有修改，无需保存。") % {"cluster": cluster.name})
    try:
        with transaction.atomic():
            before = {k: getattr(cluster, k) for k in changed}
            claim(cluster, expected_version, _cluster_label(cluster), **changed)
            record(
                actor,
                "clusters.update",
                cluster,
                region_code=cluster.region_code,
                changed={k: [before[k], changed[k]] for k in changed},
            )
    except IntegrityError:
        raise InvalidInput(
            gettext("集群“%(cluster)s”已登记，请换一个名称。") % {"cluster": fields["name"]},
            [("name", gettext("同一县（区）已有同名集群"))],
        ) from None
    return cluster


def set_state(actor, cluster: Cluster, state: str, reason: str, expected_version: int) -> Cluster:
    """Revoke a cluster (e.g. failed its review) or reinstate it; the reason is required."""
    doing = gettext("撤销集群") if state == ClusterState.REVOKED else gettext("恢复集群")
    _require_manager(actor, cluster, doing)
    if state not in ClusterState.values:
        raise InvalidInput(
            gettext("未知的集群状态，请从列表中选择。"), [("state", gettext("请从列表中选择状态"))]
        )
    if state == cluster.state:
        raise NotAllowed(
            gettext("集群“%(cluster)s”已是“%(state)s”状态，无需重复操作。")
            % {"cluster": cluster.name, "state": ClusterState(state).label}
        )
    reason = _reason(reason, doing, cluster.name)
    with transaction.atomic():
        before = cluster.state
        revoked_on = timezone.localdate() if state == ClusterState.REVOKED else None
        claim(
            cluster,
            expected_version,
            _cluster_label(cluster),
            state=state,
            state_reason=reason,
            revoked_on=revoked_on,
        )
        record(
            actor,
            f"clusters.{'revoke' if state == ClusterState.REVOKED else 'reinstate'}",
            cluster,
            from_state=before,
            to_state=state,
            reason=reason,
            region_code=cluster.region_code,
        )
        # every member's `cluster` fact changed: listeners (policy pushes) queue their work on commit
        cluster_state_changed.send(Cluster, cluster=cluster, from_state=before, to_state=state)
    return cluster


def add_member(
    actor,
    cluster: Cluster,
    enterprise,
    *,
    role: str = MemberRole.SUPPORTING,
    joined: dt.date | None = None,
    expected_version: int,
) -> ClusterMembership:
    """Add an enterprise in the actor's scope to the cluster and tell the enterprise."""
    _require_manager(actor, cluster, gettext("调整集群成员"))
    if enterprise is None or not enterprise_in_scope(actor, enterprise):
        raise InvalidInput(
            gettext("找不到该企业，或该企业不在您的管辖范围内；请核对统一社会信用代码。"),
            [("enterprise", gettext("找不到该企业，或该企业不在您的管辖范围内"))],
        )
    if cluster.state != ClusterState.ACTIVE:
        raise NotAllowed(
            gettext("集群“%(cluster)s”已撤销，不能增加成员；如需恢复请先恢复集群。")
            % {"cluster": cluster.name}
        )
    if role not in MemberRole.values:
        raise InvalidInput(
            gettext("请选择成员角色。"), [("role", gettext("请选择成员角色（龙头企业、配套企业或其他成员）"))]
        )
    joined = joined or timezone.localdate()
    if joined > timezone.localdate():
        raise InvalidInput(gettext("加入日期不能晚于今天。"), [("joined", gettext("加入日期不能晚于今天"))])
    if ClusterMembership.objects.filter(cluster=cluster, enterprise=enterprise).exists():
        raise InvalidInput(_already_member(enterprise, cluster), [("enterprise", gettext("已是本集群成员"))])
    try:
        with transaction.atomic():
            claim(cluster, expected_version, _cluster_label(cluster))
            member = ClusterMembership.objects.create(
                cluster=cluster, enterprise=enterprise, role=role, joined=joined, added_by=actor
            )
            record(
                actor,
                "clusters.add_member",
                cluster,
                region_code=cluster.region_code,
                enterprise=enterprise.pk,
                enterprise_name=enterprise.name,
                role=role,
                joined=joined.isoformat(),
            )
            notify_enterprise(
                enterprise,
                msg(
                    gettext_noop("贵企业已列为产业集群“%(cluster)s”的%(role)s"),
                    cluster=cluster.name,
                    role=choice_label(MemberRole(role).label),
                ),
                msg(
                    gettext_noop("%(level)s中小企业特色产业集群，运营管理机构：%(operator)s。"),
                    level=choice_label(ClusterLevel(cluster.level).label),
                    operator=cluster.operator_name,
                ),
                topic=TOPIC,
            )
    except IntegrityError:
        raise InvalidInput(
            _already_member(enterprise, cluster), [("enterprise", gettext("已是本集群成员"))]
        ) from None
    return member


def remove_member(actor, member: ClusterMembership, reason: str, expected_version: int) -> None:
    """Take an enterprise off the cluster's member list, with a reason, and tell the enterprise."""
    cluster = member.cluster
    _require_manager(actor, cluster, gettext("调整集群成员"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(gettext("请填写移出成员的理由。"), [("reason", gettext("请填写移出成员的理由"))])
    enterprise = member.enterprise
    reason = _reason(reason, gettext("移出成员"), enterprise.name)
    with transaction.atomic():
        claim(cluster, expected_version, _cluster_label(cluster))
        deleted, _count = ClusterMembership.objects.filter(pk=member.pk).delete()
        if not deleted:
            raise NotAllowed(
                gettext("企业“%(enterprise)s”已不在集群“%(cluster)s”中，请刷新页面。")
                % {"enterprise": enterprise.name, "cluster": cluster.name}
            )
        # the years it was a member keep counting it (clusters.stats)
        FormerMembership.objects.create(
            cluster=cluster,
            enterprise=enterprise,
            role=member.role,
            joined=member.joined,
            left=timezone.localdate(),
            reason=reason,
            removed_by=actor,
        )
        record(
            actor,
            "clusters.remove_member",
            cluster,
            reason=reason,
            region_code=cluster.region_code,
            enterprise=enterprise.pk,
            enterprise_name=enterprise.name,
            role=member.role,
        )
        notify_enterprise(
            enterprise,
            msg(gettext_noop("贵企业已移出产业集群“%(cluster)s”"), cluster=cluster.name),
            msg(gettext_noop("理由：%(reason)s"), reason=reason),
            topic=TOPIC,
        )

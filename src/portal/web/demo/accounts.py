"""Who to log in as: the demo accounts table and a short guide "to see X, use account Y".

Read from the database (not from the loader's memory), so `serve_demo` prints the same table for a
demo loaded days ago. Each note says what the account has waiting, in the words of the pages.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.roles import OFFICIAL_ROLES, Role
from portal.assessments import engine

from . import catalogue
from .loader import DEMO_PASSWORD, staff_usernames


@dataclass
class Account:
    username: str
    role: str
    region: str
    who: str
    note: str = ""


def _region_name(code: str) -> str:
    if not code:
        return "全国"
    hit = engine.region(code)
    return hit[0] if hit else code


def _official_note(user: User) -> str:
    from portal.clusters import access as cluster_access
    from portal.services.models import InstitutionState, ServiceInstitution
    from portal.services.selectors import reviewable_q

    notes = []
    review = reviewable_q(user)
    if review is not None:
        pending = ServiceInstitution.objects.filter(review, state=InstitutionState.PENDING).count()
        if pending:
            notes.append(f"服务机构入驻待审核 {pending} 家")
    managed = [c for c in cluster_access.clusters_for(user) if cluster_access.can_manage(user, c)]
    if managed:
        notes.append(f"管理产业集群 {len(managed)} 个")
    return "；".join(notes)


def _provider_note(user: User) -> str:
    from portal.services.actions import membership_of
    from portal.services.models import InstitutionState

    member = membership_of(user)
    if member is None:
        return ""
    inst = member.institution
    if inst.state == InstitutionState.PENDING:
        return "入驻申请待审核（服务暂不公开）"
    parts = [f"已入驻：服务产品 {inst.offerings.count()} 项"]
    solutions = inst.solutions.count()
    if solutions:
        parts.append(f"小快轻准方案 {solutions} 个")
    routed = inst.demand_matches.count()
    if routed:
        parts.append(f"派送来的诉求 {routed} 条")
    return "，".join(parts)


def _leader_note(user: User) -> str:
    from portal.pairing.models import ResponseState

    needs = user.enterprise.pairing_needs.annotate(
        n=Count("responses"), short=Count("responses", filter=Q(responses__state=ResponseState.SHORTLISTED))
    )
    if not needs:
        return "链主企业"
    responses = sum(n.n for n in needs)
    shortlisted = sum(n.short for n in needs)
    return f"链主企业：已发布需求 {len(needs)} 项，收到响应 {responses} 份（已入围 {shortlisted} 份）"


def demo_accounts() -> list[Account]:
    """Staff and providers, the chain leader, one enterprise per (tier, state) of its latest application, two without."""
    out = []
    by_name = {u.username: u for u in User.objects.filter(username__in=staff_usernames())}
    for username in staff_usernames():
        u = by_name.get(username)
        if u is None:
            continue
        note = ""
        if u.role in OFFICIAL_ROLES:
            note = _official_note(u)
        elif u.role == Role.PROVIDER:
            note = _provider_note(u)
        out.append(
            Account(
                u.username,
                Role(u.role).label,
                _region_name(u.region_code) if u.role != Role.ADMIN else "—",
                u.organisation,
                note,
            )
        )
    leader = (
        User.objects.filter(username=catalogue.LEADER.username, enterprise__isnull=False)
        .select_related("enterprise")
        .first()
    )
    if leader is not None:
        out.append(
            Account(
                leader.username,
                Role.ENTERPRISE.label,
                _region_name(leader.enterprise.region),
                leader.enterprise.name,
                _leader_note(leader),
            )
        )
    seen: set[tuple[str, str]] = set()
    users = (
        User.objects.filter(role=Role.ENTERPRISE, username__startswith="ent-", enterprise__isnull=False)
        .select_related("enterprise")
        .order_by("username")
    )
    without = []
    for u in users:
        app = u.enterprise.applications.order_by("-updated_at", "-pk").first()
        if app is None:
            if len(without) < 2:
                without.append(
                    Account(
                        u.username,
                        Role.ENTERPRISE.label,
                        _region_name(u.enterprise.region),
                        u.enterprise.name,
                        "尚无申报，可试用企业画像和自评",
                    )
                )
            continue
        key = (app.tier, app.state)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Account(
                u.username,
                Role.ENTERPRISE.label,
                _region_name(u.enterprise.region),
                u.enterprise.name,
                f"{app.get_tier_display()} · {app.get_state_display()}",
            )
        )
    return out + without


def _usernames(enterprise_ids, limit: int = 3) -> str:
    names = list(
        User.objects.filter(role=Role.ENTERPRISE, enterprise_id__in=list(enterprise_ids))
        .order_by("username")
        .values_list("username", flat=True)[:limit]
    )
    return "、".join(names)


def demo_guide() -> list[tuple[str, str]]:
    """(what to look at, which account): the newer apps' corners of the demo, found in the database."""
    from portal.clusters.models import Cluster, MemberRole
    from portal.digital.models import DigitalSelfTest
    from portal.pairing.models import NeedResponse, ResponseState
    from portal.services.models import Demand, DemandState, InstitutionState, ServiceInstitution
    from portal.services.selectors import is_overdue

    rows: list[tuple[str, str]] = []
    approved = ServiceInstitution.objects.filter(state=InstitutionState.APPROVED, solutions__isnull=False)
    for inst in approved.distinct().order_by("pk")[:1]:
        users = inst.memberships.values_list("user__username", flat=True)
        rows.append(("服务机构（已入驻，发布服务产品和小快轻准方案、响应诉求）", "、".join(users)))
    for inst in ServiceInstitution.objects.filter(state=InstitutionState.PENDING).order_by("pk"):
        reviewers = [
            u.username
            for u in User.objects.filter(role=inst.level, username__in=staff_usernames()).order_by("username")
            if inst.region_code.startswith(u.region_prefix or "")
        ]
        users = "、".join(inst.memberships.values_list("user__username", flat=True))
        rows.append(
            (f"服务机构入驻审核（“{inst.name}”待审核）", f"审核人 {'、'.join(reviewers)}；机构账户 {users}")
        )
    leader = User.objects.filter(username=catalogue.LEADER.username).first()
    if leader is not None:
        rows.append(("链主企业（发布需求、筛选响应）", leader.username))
    short = NeedResponse.objects.filter(state=ResponseState.SHORTLISTED).values_list(
        "enterprise_id", flat=True
    )
    if short:
        rows.append(("响应链主需求并已入围的企业", _usernames(short)))
    demands = list(Demand.objects.order_by("created_at", "pk"))
    today = timezone.localdate()
    closed = [d.enterprise_id for d in demands if d.state == DemandState.CLOSED]
    late = [d.enterprise_id for d in demands if is_overdue(d, today)]
    waiting = [d.enterprise_id for d in demands if d.state == DemandState.OPEN and not is_overdue(d, today)]
    if closed:
        rows.append(("企业诉求已办结并评价", _usernames(closed)))
    if late:
        rows.append(("企业诉求逾期未响应", _usernames(late)))
    if waiting:
        rows.append(("企业诉求待响应", _usernames(waiting)))
    latest: dict[int, tuple[int, str]] = {}
    tests_per: dict[int, int] = {}
    for level, label, ent in DigitalSelfTest.objects.order_by("created_at", "pk").values_list(
        "level", "level_label", "enterprise_id"
    ):
        latest[ent] = (level, label)
        tests_per[ent] = tests_per.get(ent, 0) + 1
    by_level: dict[tuple[int, str], set[int]] = {}
    for ent, key in latest.items():
        by_level.setdefault(key, set()).add(ent)
    if by_level:
        parts = [
            f"{label} {_usernames(ents, 2)}" for (_lv, label), ents in sorted(by_level.items(), reverse=True)
        ]
        rows.append(("数字化水平自测（最近一次，按等级）", "；".join(parts)))
        again = [ent for ent, n in tests_per.items() if n > 1]
        if again:
            rows.append(("数字化水平自测有历史记录（等级提升）", _usernames(again)))
    clusters = Cluster.objects.order_by("level", "pk")
    if clusters:
        managers = [
            o.username
            for o in catalogue.OFFICIALS
            if o.role in (Role.NATIONAL, Role.PROVINCE) and o.region in {"", "330000", "510000"}
        ]
        leading = clusters.filter(memberships__role=MemberRole.LEADING).values_list(
            "memberships__enterprise_id", flat=True
        )
        rows.append(
            (
                f"产业集群（{clusters.count()} 个，国家级和省级）",
                f"管理 {'、'.join(managers)}；龙头企业 {_usernames(leading)}",
            )
        )
    try:
        from portal.policies.models import Policy
    except ImportError:
        Policy = None  # noqa: N806
    if Policy is not None and Policy.objects.exists():
        rows.append(
            (f"政策库（{Policy.objects.count()} 条演示政策）", "任一账户；企业账户可看到推送给本企业的政策")
        )
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_accounts(accounts: list[Account], password: str = DEMO_PASSWORD) -> str:
    """A plain-text table (CJK-aware widths) of the demo accounts, then the guide by feature."""
    head = ("用户名", "密码", "角色", "地区", "单位 / 企业", "说明")
    rows = [(a.username, password, a.role, a.region, a.who, a.note) for a in accounts]
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join("─" * w for w in widths)
    body = ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    last = (
        User.objects.filter(role=Role.ENTERPRISE, username__startswith="ent-")
        .order_by("-username")
        .values_list("username", flat=True)
        .first()
    )
    rest = f"；企业账户 ent-01 … {last} 都可登录" if last else ""
    title = f"演示账户（密码都是 {password}{rest}）"
    out = [
        title,
        line,
        "  ".join(_pad(c, w) for c, w in zip(head, widths, strict=True)).rstrip(),
        line,
        *body,
        line,
    ]
    guide = demo_guide()
    if guide:
        width = max(_width(what) for what, _ in guide)
        out.append("想看什么，用哪个账户：")
        out += [f"  {_pad(what, width)}  {who}" for what, who in guide]
    return "\n".join(out)

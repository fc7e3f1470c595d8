"""State changes of the exchange: register peers, recommend an application upward, pull now.

Every function is atomic, checks the actor (role, and region through portal.accounts.scope),
writes one audit row and raises portal.actions errors whose Chinese message names the object and
the next step; pages and commands stay thin.
"""

from __future__ import annotations

import urllib.parse

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from portal.accounts.roles import Role
from portal.accounts.scope import require_enterprise
from portal.actions import InvalidInput, NotAllowed, claim, stale
from portal.audit.record import record
from portal.cultivation import workflow
from portal.cultivation.models import Application, ApplicationState
from portal.inbox.message import Message, msg
from portal.inbox.message import label as choice_label
from portal.inbox.send import notify_enterprise

from . import node as node_mod
from . import outbox
from .models import Forwarded, Peer, Quarantine, Received, Relation

S = ApplicationState
# States in which an application waits for a decision that a higher level takes.
FORWARDABLE = (S.SUBMITTED, S.NOTICE_ENDED, S.RECOMMENDED)


# ------------------------------------------------------------------------------------------- peers


def add_peer(*, name: str, url: str, public_key: str, level: str, region: str, relation: str) -> Peer:
    """Register a child (or the parent) with its address and public key, checked against our identity."""
    me = node_mod.current()
    name = (name or "").strip()
    url = (url or "").strip()
    region = (region or "").strip()
    problems: list[tuple[str, str]] = []
    if not name or len(name) > 100:
        problems.append(("name", gettext("请填写 1 至 100 个字的名称")))
    elif Peer.objects.filter(name=name).exists():
        problems.append(("name", gettext("名称“%(name)s”已被使用") % {"name": name}))
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append(
            ("url", gettext("地址“%(url)s”无效：应为 http:// 或 https:// 开头的系统地址") % {"url": url})
        )
    try:
        node_mod.parse_public_key(public_key)
    except ValueError as exc:
        problems.append(("public_key", str(exc)))
    for problem in node_mod.check_identity(level, region):
        problems.append(("level" if level not in node_mod.LEVEL_NAMES else "region", problem))
    if relation not in Relation.values:
        problems.append(("relation", gettext("关系应为 child 或 parent")))
    if not problems and me is not None and not node_mod.check_identity(me.level, me.region):
        mine, theirs = node_mod.level_rank(me.level), node_mod.level_rank(level)
        their_prefix = node_mod.region_prefix(level, region)
        if relation == Relation.CHILD:
            if theirs >= mine:
                problems.append(
                    ("level", gettext("下级节点的层级须低于本节点（%(level)s）") % {"level": me.level})
                )
            elif not region.startswith(me.prefix):
                problems.append(
                    (
                        "region",
                        gettext("下级节点的地区 %(region)s 不在本节点地区 %(mine)s 之内")
                        % {"region": region, "mine": me.region or gettext("全国")},
                    )
                )
        else:
            if theirs <= mine:
                problems.append(
                    ("level", gettext("上级节点的层级须高于本节点（%(level)s）") % {"level": me.level})
                )
            elif not me.region.startswith(their_prefix):
                problems.append(
                    (
                        "region",
                        gettext("本节点地区 %(mine)s 不在上级节点地区 %(region)s 之内")
                        % {"mine": me.region, "region": region or gettext("全国")},
                    )
                )
            elif Peer.objects.filter(relation=Relation.PARENT).exists():
                problems.append(("relation", gettext("已登记上级节点：一个节点只有一个上级，请先移除原上级")))
    if not problems and Peer.objects.filter(node_id=node_mod.node_id(level, region)).exists():
        problems.append(
            ("region", gettext("节点 %(node)s 已登记") % {"node": node_mod.node_id(level, region)})
        )
    if problems:
        raise InvalidInput(
            gettext("节点“%(name)s”有 %(n)s 处需要修改。")
            % {"name": name or gettext("（未命名）"), "n": len(problems)},
            problems,
        )
    with transaction.atomic():
        peer = Peer.objects.create(
            name=name,
            node_id=node_mod.node_id(level, region),
            level=level,
            region=region,
            relation=relation,
            url=url,
            public_key=public_key.strip(),
        )
        record(
            None,
            "exchange.add_peer",
            peer,
            to_state="enabled",
            region_code=region,
            relation=relation,
            url=url,
            fingerprint=node_mod.fingerprint(peer.public_key),
        )
    return peer


def change_peer_key(peer: Peer, public_key: str) -> Peer:
    """The peer replaced its key (compare the new fingerprint by phone first): records signed with
    the new key verify from now on; read again from the start to release what was quarantined."""
    try:
        node_mod.parse_public_key(public_key)
    except ValueError as exc:
        raise InvalidInput(
            gettext("%(peer)s的新公钥无效。") % {"peer": peer.name}, [("public_key", str(exc))]
        ) from None
    with transaction.atomic():
        old = peer.public_key
        Peer.objects.filter(pk=peer.pk).update(public_key=public_key.strip())
        peer.public_key = public_key.strip()
        record(
            None,
            "exchange.change_peer_key",
            peer,
            region_code=peer.region,
            old_fingerprint=node_mod.fingerprint(old),
            fingerprint=node_mod.fingerprint(peer.public_key),
        )
    return peer


def rewind_peer(peer: Peer) -> Peer:
    """Read the peer's feed again from the start: held versions are skipped, quarantined ones re-checked."""
    with transaction.atomic():
        Peer.objects.filter(pk=peer.pk).update(cursor=0)
        record(None, "exchange.rewind_peer", peer, region_code=peer.region, from_cursor=peer.cursor)
        peer.cursor = 0
    return peer


def set_peer_enabled(peer: Peer, enabled: bool) -> Peer:
    """Disable (or re-enable) a peer: its rows stay, pulls and its feed requests stop."""
    with transaction.atomic():
        Peer.objects.filter(pk=peer.pk).update(enabled=enabled)
        peer.enabled = enabled
        record(
            None,
            "exchange.enable_peer" if enabled else "exchange.disable_peer",
            peer,
            to_state="enabled" if enabled else "disabled",
            region_code=peer.region,
        )
    return peer


def remove_peer(peer: Peer) -> bool:
    """Delete a peer that never exchanged anything; otherwise disable it. True when deleted."""
    used = (
        Received.objects.filter(peer=peer).exists()
        or Forwarded.objects.filter(peer=peer).exists()
        or Quarantine.objects.filter(peer=peer).exists()
    )
    if used:
        set_peer_enabled(peer, False)
        return False
    with transaction.atomic():
        record(None, "exchange.remove_peer", peer, from_state="enabled", region_code=peer.region)
        peer.delete()
    return True


def parent() -> Peer | None:
    return Peer.objects.filter(relation=Relation.PARENT, enabled=True).first()


# ------------------------------------------------------------------------------------------- forwarding


def deciding_level(app) -> str | None:
    """The level whose decision the application waits for now (approve or recognise), or None."""
    for action in ("approve", "recognise"):
        step = workflow.step_for(action, app)
        if step is not None:
            return workflow.level_of(step, app)
    return None


def forward_blocker(app, me, upper: Peer | None) -> str:
    """Why `app` cannot be recommended upward from this node now ('' when it can)."""
    if app.state not in FORWARDABLE:
        return gettext(
            "申报当前状态为“%(state)s”，不能向上级推荐："
            "只有待审核、公示期满待认定或已推荐（小巨人）的申报可以报送。"
        ) % {"state": app.get_state_display()}
    level = deciding_level(app)
    if level is None:
        return gettext("此申报当前不等待任何审核或认定。")
    if node_mod.level_rank(level) <= node_mod.level_rank(me.level):
        return gettext("此申报由%(level)s办理，请在审核页直接办理，无需向上级推荐。") % {
            "level": gettext(workflow.level_name(level))
        }
    if not app.enterprise.region.startswith(me.prefix):
        return gettext("企业注册地 %(region)s 不在本节点地区 %(mine)s 之内。") % {
            "region": app.enterprise.region,
            "mine": me.region,
        }
    if upper is None:
        return gettext("本系统尚未登记上级节点：请管理员运行 `manage.py exchange_parent set …` 后再推荐。")
    already = Forwarded.objects.filter(application=app, submitted_at=app.submitted_at).order_by("-at").first()
    if already is not None:
        return gettext("已于 %(at)s 推荐至%(peer)s，请等待上级决定。") % {
            "at": f"{timezone.localtime(already.at):%Y-%m-%d %H:%M}",
            "peer": already.peer.name,
        }
    return ""


def forward_application(actor, application, *, expected_version: int, note: str = "") -> Forwarded:
    """Recommend an application to the parent installation: one signed feed record, audited."""
    try:
        me = node_mod.require()
    except node_mod.NodeError as exc:
        raise NotAllowed(str(exc)) from None
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput(
            gettext("推荐意见不能超过 2000 个字。"), [("note", gettext("推荐意见不能超过 2000 个字"))]
        )
    with transaction.atomic():
        app = (
            Application.objects.select_for_update(of=("self",))
            .select_related("enterprise", "batch", "assessment")
            .get(pk=application.pk)
        )
        label = gettext("申报“%(application)s”") % {"application": app}
        if not getattr(actor, "is_authenticated", False):
            raise NotAllowed(gettext("请先登录，再办理推荐。"))
        require_enterprise(actor, app.enterprise)
        if actor.role != me.level:
            raise NotAllowed(
                gettext("%(who)s不能在本系统向上级推荐%(label)s：本系统是%(node)s，由%(level)s主管部门推荐。")
                % {
                    "who": Role(actor.role).label if actor.role in Role.values else actor.role,
                    "label": label,
                    "node": me.label,
                    "level": gettext(node_mod.LEVEL_NAMES[me.level]),
                }
            )
        if app.version != expected_version:
            raise stale(label, expected_version)
        upper = parent()
        blocker = forward_blocker(app, me, upper)
        if blocker:
            raise NotAllowed(gettext("%(label)s不能向上级推荐：%(why)s") % {"label": label, "why": blocker})
        claim(app, expected_version, label)
        forwarded = Forwarded.objects.create(
            application=app, peer=upper, state=app.state, submitted_at=app.submitted_at, note=note, by=actor
        )
        entry = outbox.publish_application(app, forwarded, node=me)
        forwarded.sequence = entry.sequence if entry else None
        forwarded.save(update_fields=["sequence"])
        record(
            actor,
            "exchange.forward",
            app,
            from_state=app.state,
            to_state=app.state,
            reason=note,
            region_code=app.enterprise.region,
            peer=upper.node_id,
            sequence=entry.sequence if entry else None,
        )
        notify_enterprise(
            app.enterprise,
            msg(
                gettext_noop("申报已报送%(level)s主管部门：%(tier)s"),
                level=choice_label(node_mod.LEVEL_NAMES.get(upper.level, gettext_noop("上级"))),
                tier=choice_label(app.get_tier_display()),
            ),
            msg(
                gettext_noop("%(node)s已推荐，请等待%(peer)s的决定。"), node=_node_label(me), peer=upper.name
            ),
            topic="cultivation",
        )
    return forwarded


def _node_label(me) -> Message:
    """me.label for an inbox message: rendered in the reader's language."""
    level = node_mod.LEVEL_NAMES.get(me.level)
    return msg(
        gettext_noop("%(level)s节点 %(region)s"),
        level=choice_label(level) if level else str(me.level or ""),
        region=me.region or choice_label(gettext_noop("全国")),
    )


def forward_candidates(user, me):
    """Applications in the official's area that wait for a higher level (blockers computed by the page)."""
    from portal.accounts.scope import scope_enterprises

    qs = Application.objects.filter(state__in=FORWARDABLE).select_related("enterprise", "batch", "assessment")
    qs = scope_enterprises(user, qs, "enterprise__")
    if me is not None and me.prefix:
        qs = qs.filter(Q(enterprise__region__startswith=me.prefix))
    return qs.order_by("submitted_at", "pk")

"""Pushes: an enterprise hears of a policy it newly fits, in the inbox and by email, once per policy.

Why a record and not a flag: `PushRecord` is unique on (policy, enterprise), so whichever of the
triggers (the policy published or edited, the profile or titles changed) finds the match first
sends it, and every later trigger — or the same one running twice — finds the record and stays
silent. Subscriptions narrow what is pushed (topics, levels); without one, everything is.
Policies graded C (待核实) are never pushed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from portal.accounts.models import User
from portal.assessments import engine
from portal.enterprises.models import Enterprise
from portal.inbox.message import Lines, Message, msg, render
from portal.inbox.send import notify_enterprise

from . import matching
from .models import Grade, Policy, PushRecord, Status, Subscription

log = logging.getLogger(__name__)
CHUNK = 2000  # enterprises evaluated at once by push_enterprises


def pushable(policy: Policy) -> bool:
    """Published, in force, verified, and still open for application: announcing a policy whose
    window has closed would tell an enterprise it fits something it can no longer apply to."""
    today = matching.today()
    return (
        policy.status == Status.PUBLISHED
        and policy.in_force(today)
        and not policy.unverified
        and not policy.window_closed(today)
    )


def _message(policy: Policy) -> tuple[Message, Lines]:
    title = msg(gettext_noop("新政策匹配：%(policy)s"), policy=policy.title)
    if policy.document_number:
        fits = msg(
            gettext_noop("根据贵企业画像，您符合“%(policy)s”（%(department)s，%(number)s）的条件。"),
            policy=policy.title,
            department=policy.department,
            number=policy.document_number,
        )
    else:
        fits = msg(
            gettext_noop("根据贵企业画像，您符合“%(policy)s”（%(department)s）的条件。"),
            policy=policy.title,
            department=policy.department,
        )
    lines = [fits]
    if policy.benefit_text:
        lines.append(msg(gettext_noop("支持内容：%(benefit)s"), benefit=policy.benefit_text))
    if policy.no_application:
        lines.append(msg(gettext_noop("该政策“免申即享”，无需申报，待主管部门确认名单后兑现。")))
    elif policy.apply_until:
        lines.append(msg(gettext_noop("申报截止：%(date)s"), date=policy.apply_until.isoformat()))
    return title, Lines(tuple(lines))


def send(policy: Policy, enterprise: Enterprise, trigger: str) -> bool:
    """Announce the policy to the enterprise unless it was already announced; True when sent now."""
    sub = Subscription.objects.filter(enterprise=enterprise).first()
    if sub is not None and not sub.wants(policy):
        return False
    with transaction.atomic():
        _rec, created = PushRecord.objects.get_or_create(
            policy=policy, enterprise=enterprise, defaults={"trigger": trigger}
        )
        if not created:
            return False
        title, body = _message(policy)
        url = reverse("policies:detail", args=[policy.pk])
        notify_enterprise(enterprise, title, body, url=url, topic="policy")
        if sub is None or sub.email:
            emails = list(
                User.objects.filter(enterprise=enterprise, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
            )
            if emails:  # addressed to every user of the enterprise: in the site's language (Chinese)
                subject, text = render(title, settings.LANGUAGE_CODE), render(body, settings.LANGUAGE_CODE)
                transaction.on_commit(lambda: _mail(subject, text + f"\n\n详情：{url}", emails))
    return True


def _mail(subject: str, body: str, to: list[str]) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    except Exception:  # noqa: BLE001 - the inbox message is already there; a mail failure is only logged
        log.exception("policies: push email to %s failed", to)


def push_policy(policy_id: int) -> int:
    return push_policies([policy_id])


def push_policies(policy_ids: list[int]) -> int:
    """Every enterprise that fits one of the policies now and has not heard of it (the batch engine:
    one compiled column per policy over the enterprises of their combined area)."""
    policies = [p for p in Policy.objects.filter(pk__in=policy_ids).order_by("pk") if pushable(p)]
    if not policies:
        return 0
    prefixes = sorted({p.region_prefix for p in policies})
    area = Q()
    for prefix in prefixes:
        area |= Q(region__startswith=prefix)
    enterprises = Enterprise.objects.filter(area) if "" not in prefixes else Enterprise.objects.all()
    kept, states = matching.evaluate_many({p.pk: matching.checked(p) for p in policies}, enterprises)
    sent = 0
    for p in policies:
        for ent, state in zip(kept, states[p.pk], strict=True):
            if state is True and ent.region.startswith(p.region_prefix) and send(p, ent, "published"):
                sent += 1
    return sent


def push_enterprise(enterprise_id: int) -> int:
    """Every published policy the enterprise fits now (single-profile engine) and has not heard of."""
    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        return 0
    known = set(PushRecord.objects.filter(enterprise=enterprise).values_list("policy_id", flat=True))
    candidates = matching.applicable_to(enterprise.region).exclude(pk__in=known).exclude(grade="C")
    matches = matching.matches_for(enterprise, policies=candidates) or []
    return sum(
        1
        for m in matches
        if m.state is True and pushable(m.policy) and send(m.policy, enterprise, "profile_changed")
    )


def push_cluster_members(cluster_id: int) -> int:
    """A cluster was revoked or reinstated: every member's `cluster` fact changed at once, so each
    member is re-evaluated as if its membership had changed (push_enterprises, batch engine)."""
    from portal.clusters.models import ClusterMembership

    ids = ClusterMembership.objects.filter(cluster_id=cluster_id).values_list("enterprise_id", flat=True)
    return push_enterprises(list(ids), "cluster_state")


def push_enterprises(enterprise_ids: list[int], trigger: str) -> int:
    """What push_enterprise does for one enterprise, for many at once: every published policy each
    fits now and has not heard of, decided by the batch engine CHUNK enterprises at a time."""
    ids = sorted(set(enterprise_ids))
    sent = 0
    for start in range(0, len(ids), CHUNK):
        enterprises = Enterprise.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("pk")
        regions = set(enterprises.values_list("region", flat=True))
        prefixes = {p for r in regions for p in ("", r[:2], r[:4], r)}
        candidates = (
            Policy.objects.filter(status=Status.PUBLISHED, region_prefix__in=prefixes)
            .exclude(grade=Grade.C)
            .defer("full_text", "search_text")
            .order_by("pk")
        )
        checked = {}
        policies = {}
        for policy in candidates:
            if not pushable(policy):
                continue
            try:
                checked[policy.pk] = matching.checked(policy)
            except engine.PolicyConditionError:  # no longer parses under the rules in force: not decidable
                continue
            policies[policy.pk] = policy
        if not policies:
            continue
        known = set(
            PushRecord.objects.filter(
                enterprise_id__in=ids[start : start + CHUNK], policy_id__in=list(policies)
            ).values_list("policy_id", "enterprise_id")
        )
        kept, states = matching.evaluate_many(checked, enterprises)
        for pk, policy in policies.items():
            for ent, state in zip(kept, states[pk], strict=True):
                if (
                    state is True
                    and (pk, ent.pk) not in known
                    and ent.region.startswith(policy.region_prefix)
                    and send(policy, ent, trigger)
                ):
                    sent += 1
    return sent

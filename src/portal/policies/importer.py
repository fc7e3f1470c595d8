"""Importing a policy catalogue from YAML files (format: policies/README.md).

Why all-or-nothing: a province publishes its whole catalogue at once; a file with one bad policy
is refused whole, with every problem named by file, policy key and field, so the catalogue in
the database is never half old and half new. Re-importing the same `key` updates that policy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext

from portal.audit.record import record

from . import actions, matching, search, tasks
from .models import LEVEL_DIGITS, Level, Policy, Status

REPO_ROOT = Path(__file__).resolve().parents[3]
DEMO_DIR = REPO_ROOT / "policies" / "demo"
TOP_KEYS = {"policies", "defaults"}
POLICY_KEYS = {
    "key",
    "title",
    "level",
    "region",
    "department",
    "document_number",
    "published",
    "apply",
    "expires",
    "benefit",
    "no_application",
    "status",
    "grade",
    "example",
    "topics",
    "summary",
    "text",
    "sources",
    "eligibility",
}


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: a bad date (2026-13-01) is reported by field, not as a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class CatalogueError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportResult:
    created: list[Policy] = field(default_factory=list)
    updated: list[Policy] = field(default_factory=list)


def _date(value, where: str, problems: list[str]):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(
            gettext("%(where)s: 须为 YYYY-MM-DD 格式的日期，而不是 %(value)s")
            % {"where": where, "value": repr(value)}
        )
        return None


def _amount(value, where: str, problems: list[str]) -> Decimal | None:
    if value in (None, ""):
        return None
    text = str(value).strip().replace(",", "")
    scale = Decimal(1)
    for suffix, factor in (("万元", 10000), ("万", 10000), ("元", 1)):
        if text.endswith(suffix):
            text, scale = text[: -len(suffix)].strip(), Decimal(factor)
            break
    try:
        amount = Decimal(text) * scale
    except InvalidOperation:
        problems.append(
            gettext("%(where)s: 金额须为数字（元，或写作“100万”），而不是 %(value)s")
            % {"where": where, "value": repr(value)}
        )
        return None
    if not amount.is_finite() or amount < 0:
        problems.append(gettext("%(where)s: 金额须为非负数") % {"where": where})
        return None
    return amount.quantize(Decimal("0.01"))


def parse(text: str, name: str) -> list[dict]:
    """The policies of one YAML file as dicts of model fields plus key/level/region_code/status."""
    problems: list[str] = []
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        raise CatalogueError(
            [
                gettext("%(where)s: 不是有效的 YAML（%(error)s）")
                % {"where": where, "error": getattr(exc, "problem", exc)}
            ]
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("policies"), list):
        raise CatalogueError(
            [gettext("%(file)s: 顶层须为 “policies:” 列表（见 policies/README.md）") % {"file": name}]
        )
    for key in doc:
        if key not in TOP_KEYS:
            problems.append(gettext("%(file)s: 未知的顶层字段 “%(key)s”") % {"file": name, "key": key})
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append(gettext("%(file)s: defaults 须为对象") % {"file": name})
        defaults = {}
    out, seen = [], set()
    for i, raw in enumerate(doc["policies"]):
        if not isinstance(raw, dict):
            problems.append(gettext("%(file)s: policies[%(i)s]: 须为对象") % {"file": name, "i": i})
            continue
        item = {**defaults, **raw}
        key = str(item.get("key") or "").strip()
        where = f"{name}: policies[{i}]" + (f"（{key}）" if key else "")
        for extra in sorted(set(item) - POLICY_KEYS):
            problems.append(gettext("%(where)s: 未知字段") % {"where": f"{where}.{extra}"})
        if not key:
            problems.append(gettext("%(where)s.key: 必填（用于重复导入时更新同一政策）") % {"where": where})
        elif key in seen:
            problems.append(gettext("%(where)s.key: 与本文件中另一政策重复") % {"where": where})
        seen.add(key)
        level = str(item.get("level") or "")
        if level not in Level.values:
            problems.append(
                gettext("%(where)s.level: 须为 %(values)s 之一")
                % {"where": where, "values": "、".join(Level.values)}
            )
            continue
        region = str(item.get("region") or "").strip()
        digits = LEVEL_DIGITS[Level(level)]
        if digits and (not region.isdigit() or len(region) != 6):
            problems.append(
                gettext("%(where)s.region: %(level)s 级政策须给出发布机关所在地的 6 位行政区划代码")
                % {"where": where, "level": level}
            )
            continue
        if region and engine_region_name(region) is None:
            problems.append(
                gettext("%(where)s.region: “%(region)s”不是已知的行政区划代码")
                % {"where": where, "region": region}
            )
            continue
        benefit = item.get("benefit") or {}
        if not isinstance(benefit, dict):
            problems.append(
                gettext("%(where)s.benefit: 须为对象（type、basis、amount、text）") % {"where": where}
            )
            benefit = {}
        apply = item.get("apply") or {}
        if not isinstance(apply, dict):
            problems.append(gettext("%(where)s.apply: 须为对象（from、until）") % {"where": where})
            apply = {}
        status = str(item.get("status") or Status.PUBLISHED)
        if status not in Status.values:
            problems.append(
                gettext("%(where)s.status: 须为 %(values)s 之一")
                % {"where": where, "values": "、".join(Status.values)}
            )
        sources = item.get("sources") or []
        if isinstance(sources, str):
            sources = [sources]
        topics = item.get("topics") or []
        data = {
            "title": item.get("title"),
            "department": item.get("department"),
            "document_number": str(item.get("document_number") or ""),
            "publish_date": _date(item.get("published"), f"{where}.published", problems),
            "apply_from": _date(apply.get("from"), f"{where}.apply.from", problems),
            "apply_until": _date(apply.get("until"), f"{where}.apply.until", problems),
            "expires_on": _date(item.get("expires"), f"{where}.expires", problems),
            "benefit_type": benefit.get("type"),
            "benefit_basis": benefit.get("basis") or "none",
            "benefit_amount": _amount(benefit.get("amount"), f"{where}.benefit.amount", problems),
            "benefit_text": str(benefit.get("text") or ""),
            "summary": str(item.get("summary") or ""),
            "full_text": str(item.get("text") or ""),
            "sources": sources,
            "topics": topics if isinstance(topics, list) else [topics],
            "conditions": item.get("eligibility") or [],
            "no_application": bool(item.get("no_application", False)),
            "grade": str(item.get("grade") or "B"),
            "is_example": bool(item.get("example", False)),
        }
        prefix = region[:digits]
        field_problems, _checked = actions.policy_problems(data, as_of=matching.today(), issuer_prefix=prefix)
        names = {
            "publish_date": "published",
            "apply_from": "apply.from",
            "apply_until": "apply.until",
            "expires_on": "expires",
            "benefit_type": "benefit.type",
            "benefit_basis": "benefit.basis",
            "benefit_amount": "benefit.amount",
            "full_text": "text",
            "conditions": "eligibility",
            "is_example": "example",
        }
        problems += [
            f"{where}.{names.get(f, f)}: {_without_label(m) if f != 'conditions' else m}"
            for f, m in field_problems
        ]
        if status == Status.PUBLISHED and data["expires_on"] and data["expires_on"] < matching.today():
            status = Status.EXPIRED
        out.append(
            {
                **data,
                "key": key,
                "level": level,
                "region_code": region,
                "region_prefix": prefix,
                "status": status,
                "where": where,
            }
        )
    if problems:
        raise CatalogueError(problems)
    return out


def _without_label(message: str) -> str:
    """'发布日期：须为 …' → '须为 …' (the YAML path names the field already)."""
    for colon in ("：", ": "):
        if colon in message:
            return message.split(colon, 1)[-1]
    return message


def engine_region_name(code: str):
    from portal.assessments import engine

    return engine.region(code)


def import_texts(actor, files: list[tuple[str, str]]) -> ImportResult:
    """Import every file or none; CatalogueError lists every problem. `actor` None = the system (command line)."""
    items, problems = [], []
    for name, text in files:
        try:
            items += parse(text, name)
        except CatalogueError as exc:
            problems += exc.problems
    keys = [i["key"] for i in items]
    dupes = {k for k in keys if keys.count(k) > 1}
    problems += [
        gettext("%(where)s.key: 与另一文件中的政策重复") % {"where": i["where"]}
        for i in items
        if i["key"] in dupes
    ]
    if actor is not None:
        for i in items:
            probe = Policy(level=i["level"], region_code=i["region_code"], region_prefix=i["region_prefix"])
            if not actions.may_manage(actor, probe):
                problems.append(
                    gettext(
                        "%(where)s: 您只能导入本级、本地区的政策（该政策为 %(level)s 级，地区 %(region)s）"
                    )
                    % {
                        "where": i["where"],
                        "level": i["level"],
                        "region": i["region_code"] or gettext("全国"),
                    }
                )
        problems += _foreign_keys(actor, items)
    if problems:
        raise CatalogueError(problems)
    result = ImportResult()
    with transaction.atomic():
        for i in items:
            i = dict(i)
            i.pop("where")
            key = i.pop("key")
            existing = Policy.objects.select_for_update().filter(key=key).first()
            checked = matching.checked(Policy(conditions=i["conditions"], region_prefix=i["region_prefix"]))
            from portal.assessments import engine

            i["expression"] = engine.policy_expression(checked)
            if existing is None:
                policy = Policy.objects.create(key=key, created_by=actor, **i)
                result.created.append(policy)
                record(
                    actor,
                    "policies.imported",
                    policy,
                    to_state=policy.status,
                    region_code=policy.region_code,
                    key=key,
                )
            else:
                before = existing.status
                for name, value in i.items():
                    setattr(existing, name, value)
                existing.version += 1
                existing.save()
                policy = existing
                result.updated.append(policy)
                record(
                    actor,
                    "policies.imported",
                    policy,
                    from_state=before,
                    to_state=policy.status,
                    region_code=policy.region_code,
                    key=key,
                    updated=True,
                )
            if policy.status == Status.PUBLISHED and policy.published_at is None:
                from django.utils import timezone

                Policy.objects.filter(pk=policy.pk).update(published_at=timezone.now())
            search.reindex(policy)
        published = [p.pk for p in result.created + result.updated if p.status == Status.PUBLISHED]
        if published:
            transaction.on_commit(lambda: actions.enqueue(tasks.push_policies, published))
    return result


def _foreign_keys(actor, items: list[dict]) -> list[str]:
    """Keys already used by a policy the official does not manage: re-importing by key updates that
    policy, so another authority's key would let the official move and rewrite its policy."""
    existing = Policy.objects.filter(key__in=[i["key"] for i in items])
    foreign = {p.key: p for p in existing if not actions.may_manage(actor, p)}
    return [
        gettext(
            "%(where)s.key: 已被%(level)s主管部门（%(area)s）维护的政策“%(title)s”使用，您无权修改；请换一个导入标识"
        )
        % {
            "where": i["where"],
            "level": foreign[i["key"]].get_level_display(),
            "area": actions._area_name(foreign[i["key"]].region_prefix),
            "title": foreign[i["key"]].title,
        }
        for i in items
        if i["key"] in foreign
    ]


def import_paths(paths: list[Path], actor=None) -> ImportResult:
    """Import YAML files and folders of them (*.yaml, sorted)."""
    files = []
    for path in paths:
        targets = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        for p in targets:
            files.append(
                (
                    str(p.relative_to(REPO_ROOT)) if p.is_relative_to(REPO_ROOT) else str(p),
                    p.read_text(encoding="utf-8"),
                )
            )
    return import_texts(actor, files)


def load_demo_catalogue() -> ImportResult:
    """The demo catalogue in policies/demo/ (idempotent: re-running updates the same policies)."""
    return import_paths([DEMO_DIR])

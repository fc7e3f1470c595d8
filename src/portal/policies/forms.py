"""Forms of the policy pages: the policy's fields, the condition builder's rows, search and subscription.

Money is entered in 万元 and stored in yuan; shares in % and stored as "4%"; a title or a size
class may be typed by its Chinese name. The engine does the real checking (actions.policy_problems);
these forms only turn what a person typed into the stored format, naming the row when they cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.assessments import engine

from . import matching
from .models import BenefitBasis, BenefitType, Grade, Level, Topic


class PolicyForm(forms.Form):
    title = forms.CharField(label=_("政策名称"), max_length=300)
    department = forms.CharField(label=_("发文机关"), max_length=200)
    document_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    publish_date = forms.DateField(
        label=_("发布日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    apply_from = forms.DateField(
        label=_("申报开始"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    apply_until = forms.DateField(
        label=_("申报截止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    benefit_type = forms.ChoiceField(label=_("支持方式"), choices=BenefitType.choices)
    benefit_basis = forms.ChoiceField(
        label=_("金额方式"), choices=BenefitBasis.choices, initial=BenefitBasis.CAP
    )
    benefit_amount_wan = forms.DecimalField(
        label=_("金额（万元）"), required=False, min_value=0, max_digits=14, decimal_places=6
    )
    benefit_text = forms.CharField(
        label=_("支持内容（如：一次性奖励不超过 100 万元）"), max_length=500, required=False
    )
    summary = forms.CharField(label=_("摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    full_text = forms.CharField(
        label=_("政策原文或摘录"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    sources = forms.CharField(
        label=_("来源网址（每行一个）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    topics = forms.MultipleChoiceField(
        label=_("主题"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    no_application = forms.BooleanField(
        label=_("免申即享（无需企业申报，由主管部门确认名单后兑现）"), required=False
    )
    grade = forms.ChoiceField(label=_("来源可信度"), choices=Grade.choices, initial=Grade.A)
    is_example = forms.BooleanField(label=_("示例（虚构，页面上标注“示例”）"), required=False)

    def clean_benefit_amount_wan(self):
        value = self.cleaned_data.get("benefit_amount_wan")
        if value is not None and (value * 10000) != (value * 10000).quantize(Decimal("0.01")):
            raise forms.ValidationError(gettext("金额（万元）：最多精确到分（6 位小数）"))
        return value

    def policy_data(self, conditions: list[dict]) -> dict:
        d = self.cleaned_data
        amount = d.get("benefit_amount_wan")
        return {
            "title": d["title"],
            "department": d["department"],
            "document_number": d.get("document_number", ""),
            "publish_date": d.get("publish_date"),
            "apply_from": d.get("apply_from"),
            "apply_until": d.get("apply_until"),
            "expires_on": d.get("expires_on"),
            "benefit_type": d["benefit_type"],
            "benefit_basis": d["benefit_basis"],
            "benefit_amount": (amount * 10000).quantize(Decimal("0.01")) if amount is not None else None,
            "benefit_text": d.get("benefit_text", ""),
            "summary": d.get("summary", ""),
            "full_text": d.get("full_text", ""),
            "sources": [s.strip() for s in (d.get("sources") or "").splitlines() if s.strip()],
            "topics": list(d.get("topics") or []),
            "no_application": bool(d.get("no_application")),
            "grade": d["grade"],
            "is_example": bool(d.get("is_example")),
            "conditions": conditions,
        }

    @classmethod
    def initial_for(cls, policy) -> dict:
        amount = policy.benefit_amount
        return {
            "title": policy.title,
            "department": policy.department,
            "document_number": policy.document_number,
            "publish_date": policy.publish_date,
            "apply_from": policy.apply_from,
            "apply_until": policy.apply_until,
            "expires_on": policy.expires_on,
            "benefit_type": policy.benefit_type,
            "benefit_basis": policy.benefit_basis,
            "benefit_amount_wan": (amount / 10000).normalize() if amount is not None else None,
            "benefit_text": policy.benefit_text,
            "summary": policy.summary,
            "full_text": policy.full_text,
            "sources": "\n".join(policy.sources or []),
            "topics": policy.topics,
            "no_application": policy.no_application,
            "grade": policy.grade,
            "is_example": policy.is_example,
        }


# ---------------------------------------------------------------- the condition builder


ROW_FIELDS = ("fact", "year", "op", "value", "expr", "label")
OP_CHOICES = [
    (">=", _("≥ 不低于")),
    (">", _("> 高于")),
    ("<=", _("≤ 不超过")),
    ("<", _("< 低于")),
    ("==", _("= 等于")),
    ("!=", _("≠ 不等于")),
    ("prefix", _("属于（代码）")),
    ("not prefix", _("不属于（代码）")),
    ("in", _("属于（取值）")),
    ("not in", _("不属于（取值）")),
    ("held", _("持有")),
    ("not held", _("未持有")),
    ("is", _("为（是/否）")),
]
YEAR_CHOICES = [
    ("y0", _("上年度")),
    ("y1", _("上年度之前 1 年")),
    ("y2", _("上年度之前 2 年")),
    ("cy", _("本年度")),
]


@dataclass
class Row:
    fact: str = ""
    year: str = ""
    op: str = ""
    value: str = ""
    expr: str = ""
    label: str = ""
    error: str = ""
    clusters: list[str] = field(default_factory=list)  # a cluster row: the names ticked
    options: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, shown, ticked)


CLUSTER_OPS = {"in": "in", "not in": "not in"}


@dataclass
class Builder:
    rows: list[Row]
    conditions: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def fields_by_fact() -> dict[str, dict]:
    return {f["fact"]: f for f in engine.policy_builder_fields(matching.today())}


def grouped_fields() -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for f in engine.policy_builder_fields(matching.today()):
        groups.setdefault(f["group"], []).append(f)
    return list(groups.items())


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,，、;；\s]+", text or "") if p.strip()]


def _choice_keys(values: list[str], choices: list[tuple[str, str]]) -> list[str]:
    by_label = {label: key for key, label in choices}
    return [by_label.get(v, v) for v in values]


def _number_text(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else format(value.normalize(), "f")


def row_to_condition(row: Row, spec: dict | None) -> dict:
    """What a person typed → the stored condition; ValueError with a Chinese message."""
    if row.expr.strip():
        cond = {"expr": row.expr.strip()}
    else:
        if spec is None:
            raise ValueError(gettext("未知的指标 “%(fact)s”") % {"fact": row.fact})
        kind = spec["kind"]
        if kind == "cluster":
            return _cluster_condition(row)
        cond = {"fact": row.fact, "op": row.op}
        if spec["yearly"]:
            cond["year"] = row.year or "y0"
        text = row.value.strip()
        if kind in ("code", "text", "title", "enum") and row.op not in (">=", ">", "<=", "<"):
            values = _split(text)
            cond["value"] = _choice_keys(values, spec.get("choices") or [])
        elif kind == "enum":
            cond["value"] = _choice_keys([text], spec["choices"])[0] if text else ""
        elif kind == "bool":
            cond["value"] = {"是": True, "否": False}.get(text, text)
        else:
            raw = text.replace(",", "").removesuffix("%").removesuffix("万元").removesuffix("万").strip()
            try:
                number = Decimal(raw)
                if not _usable(number):
                    raise InvalidOperation
            except InvalidOperation:
                unit = {"money": gettext("（万元）"), "ratio": gettext("（%）")}.get(kind, "")
                raise ValueError(
                    gettext("取值须为数字%(unit)s，而不是 “%(text)s”") % {"unit": unit, "text": text}
                ) from None
            if kind == "money":
                cond["value"] = _number_text(number * 10000)
            elif kind == "ratio":
                cond["value"] = f"{_number_text(number)}%"
            else:
                cond["value"] = _number_text(number)
    if row.label.strip():
        cond["label"] = row.label.strip()
    return cond


def _usable(number: Decimal) -> bool:
    """Finite and of a size a threshold can have: Decimal also reads “inf”, “NaN” and 1e999999,
    which overflow or never finish when turned into yuan and printed."""
    return number.is_finite() and (number.is_zero() or -15 <= number.adjusted() <= 15)


def _cluster_condition(row: Row) -> dict:
    """A cluster row: the clusters ticked (exact registry names), never typed text."""
    if row.op not in CLUSTER_OPS:
        raise ValueError(gettext("产业集群条件只能选“属于（取值）”或“不属于（取值）”"))
    names = list(dict.fromkeys(n.strip() for n in row.clusters if n.strip()))
    if not names:
        raise ValueError(gettext("请至少勾选一个产业集群"))
    cond = {"fact": "cluster", "op": CLUSTER_OPS[row.op], "value": names}
    if row.label.strip():
        cond["label"] = row.label.strip()
    return cond


def cluster_options(user) -> list[tuple[str, str]]:
    """The clusters an official may name in a condition: the active ones they can see (by name,
    the key conditions use), shown with their level; a name two counties share is offered once."""
    from portal.clusters.access import clusters_for
    from portal.clusters.models import ClusterState

    out: dict[str, str] = {}
    for cluster in clusters_for(user).filter(state=ClusterState.ACTIVE).order_by("name", "pk"):
        level = cluster.get_level_display()
        shown = gettext("%(name)s（%(level)s）")
        out.setdefault(cluster.name, shown % {"name": cluster.name, "level": level})
    return list(out.items())


def offer_clusters(rows: list[Row], options: list[tuple[str, str]]) -> list[Row]:
    """Give every cluster row its checkboxes: the offered clusters, and names already in the
    condition that are not offered (renamed, revoked or outside the area), marked as such."""
    offered = dict(options)
    for row in rows:
        if row.fact != "cluster" or row.expr.strip():
            continue
        ticked = set(row.clusters)
        row.options = [(name, shown, name in ticked) for name, shown in offered.items()]
        row.options += [
            (name, gettext("%(name)s（集群名录中没有可选的同名集群）") % {"name": name}, True)
            for name in row.clusters
            if name not in offered
        ]
    return rows


def condition_to_row(cond: dict, spec: dict | None) -> Row:
    """A stored condition as the builder shows it (万元, %, Chinese names)."""
    if cond.get("expr"):
        return Row(expr=str(cond["expr"]), label=str(cond.get("label") or ""))
    value = cond.get("value")
    kind = spec["kind"] if spec else ""
    if kind == "cluster":
        names = value if isinstance(value, list) else ([] if value is None else [value])
        return Row(
            fact="cluster",
            op="not in" if cond.get("op") in ("not in", "!=") else "in",
            clusters=[str(n) for n in names],
            label=str(cond.get("label") or ""),
        )
    names = dict(spec.get("choices") or []) if spec else {}
    if isinstance(value, list):
        text = "、".join(names.get(str(v), str(v)) for v in value)
    elif kind == "money" and value is not None:
        number = engine_fraction(value)
        text = (
            _number_text(Decimal(number.numerator) / Decimal(number.denominator) / 10000)
            if number is not None
            else str(value)
        )
    elif kind == "ratio" and value is not None:
        number = engine_fraction(value)
        text = (
            _number_text(Decimal(number.numerator) * 100 / Decimal(number.denominator))
            if number is not None
            else str(value)
        )
    elif isinstance(value, bool):
        text = "是" if value else "否"
    else:
        text = names.get(str(value), "" if value is None else str(value))
    return Row(
        fact=str(cond.get("fact") or ""),
        year=str(cond.get("year") or ""),
        op=str(cond.get("op") or ""),
        value=str(text),
        label=str(cond.get("label") or ""),
    )


def engine_fraction(value) -> Fraction | None:
    text = str(value).strip().replace(",", "")
    percent = text.endswith("%")
    try:
        number = Fraction(Decimal(text.removesuffix("%")))
    except (InvalidOperation, ValueError):
        return None
    return number / 100 if percent else number


def read_builder(post) -> Builder:
    """The builder's rows from a POST (parallel lists cond_fact, cond_year, …), converted to conditions."""
    lists = {name: post.getlist(f"cond_{name}") for name in ROW_FIELDS}
    count = max((len(v) for v in lists.values()), default=0)
    specs = fields_by_fact()
    builder = Builder([])
    number = 0
    for i in range(count):
        row = Row(**{name: (lists[name][i] if i < len(lists[name]) else "") for name in ROW_FIELDS})
        row.clusters = post.getlist(f"cond_cluster_{i}")  # a cluster row's checkboxes, named by position
        if not row.fact.strip() and not row.expr.strip():
            continue  # an empty (or cleared) row is no condition
        builder.rows.append(row)
        number += 1
        try:
            builder.conditions.append(row_to_condition(row, specs.get(row.fact)))
        except ValueError as exc:
            row.error = gettext("条件 %(n)s：%(error)s") % {"n": number, "error": exc}
            builder.problems.append(row.error)
    return builder


def rows_for(conditions: list[dict]) -> list[Row]:
    specs = fields_by_fact()
    return [
        condition_to_row(c, specs.get(str(c.get("fact") or ""))) for c in conditions if isinstance(c, dict)
    ]


# ---------------------------------------------------------------- search, subscription, import


class SearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=pgettext_lazy("level", "层级"), required=False, choices=[("", _("全部层级")), *Level.choices]
    )
    region = forms.CharField(label=_("地区代码（适用于该地区的政策）"), required=False, max_length=6)
    benefit_type = forms.ChoiceField(
        label=_("支持方式"), required=False, choices=[("", _("全部")), *BenefitType.choices]
    )
    open_now = forms.BooleanField(label=_("只看正在申报的"), required=False)

    def clean_region(self):
        code = (self.cleaned_data.get("region") or "").strip()
        if not code:
            return ""
        prefix = engine.policy_normalise_code("region", code)
        if prefix is None:
            raise forms.ValidationError(
                gettext("地区代码：须为 2、4 或 6 位数字行政区划代码（如 33、3301、330106）")
            )
        return prefix


class SubscriptionForm(forms.Form):
    topics = forms.MultipleChoiceField(
        label=_("关注的主题（不选 = 全部）"),
        choices=Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    levels = forms.MultipleChoiceField(
        label=_("关注的层级（不选 = 全部）"),
        choices=Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email = forms.BooleanField(label=_("同时发送电子邮件"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("政策目录 YAML 文件（格式见 policies/README.md）"))


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由"), required=False, max_length=2000)

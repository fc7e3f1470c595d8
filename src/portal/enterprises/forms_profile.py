"""The profile editor: one form per section, formsets for repeated items, and the document they make.

ProfileEditor knows, for every field it shows, the document path it writes (financials.2023.revenue,
ip[2].granted …). That one map is how an engine problem lands next to the field that caused it
and in the summary at the top, while every typed value is kept on the page.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from portal.assessments import engine

from . import labels, money
from .fields import (
    CountField,
    DateField,
    IndustryField,
    PercentField,
    RegionField,
    ScoreField,
    TriStateField,
    WanField,
    YearField,
    tri_initial,
)

LIST_SECTIONS = ("equity_financing", "ip", "rd_institutions", "awards", "honours", "standards")


class BasicForm(forms.Form):
    name = forms.CharField(label=_(labels.BASIC["name"]), required=False, max_length=200)
    credit_code = forms.CharField(label=_(labels.BASIC["credit_code"]), required=False, max_length=40)
    region = RegionField(label=_(labels.BASIC["region"]))
    industry = IndustryField(label=_(labels.BASIC["industry"]))
    size_sector = forms.ChoiceField(
        label=_(labels.BASIC["size_sector"]),
        required=False,
        choices=labels.choices(labels.SIZE_SECTOR, blank=gettext_noop("按行业代码自动判定")),
    )
    established = DateField(label=_(labels.BASIC["established"]))
    niche_since = DateField(label=_(labels.BASIC["niche_since"]))


class FinancialYearForm(forms.Form):
    year = YearField(label=_("年度"))
    employees = CountField(label=_("从业人员（人）"))
    revenue = WanField(label=_("营业收入（万元）"))
    main_revenue = WanField(label=_("主营业务收入（万元）"))
    rd_staff = CountField(label=_("研发人员（人）"))
    rd_expense = WanField(label=_("研发费用（万元）"))
    total_assets = WanField(label=_("资产总额（万元）"))
    total_liabilities = WanField(label=_("负债总额（万元）"))
    net_profit = WanField(label=_("净利润（万元）"))
    # read by the 科技型中小企业 tier (科技人员指标, 研发费用占成本费用支出比重)
    tech_staff = CountField(label=_("科技人员（人）"))
    total_cost = WanField(label=_("成本费用支出总额（万元）"))


class EquityForm(forms.Form):
    date = DateField(label=_(labels.EQUITY["date"]))
    amount = WanField(label=_(labels.EQUITY["amount"]))
    qualified_investor = TriStateField(label=_(labels.EQUITY["qualified_investor"]))


class IPForm(forms.Form):
    type = forms.ChoiceField(label=_(labels.IP["type"]), required=False)
    category = forms.ChoiceField(
        label=_(labels.IP["category"]),
        required=False,
        choices=labels.choices(labels.IP_CATEGORY, blank=gettext_noop("按类型判定")),
    )
    name = forms.CharField(label=_(labels.IP["name"]), required=False, max_length=300)
    number = forms.CharField(label=_(labels.IP["number"]), required=False, max_length=100)
    granted = DateField(label=_(labels.IP["granted"]))
    expires = DateField(label=_("有效期至"))
    related_to_main_product = TriStateField(label=_(labels.IP["related_to_main_product"]))
    self_developed = TriStateField(label=_(labels.IP["self_developed"]))
    high_value = TriStateField(label=_(labels.IP["high_value"]))
    applied_with_benefit = TriStateField(label=_(labels.IP["applied_with_benefit"]))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = labels.choices(labels.ip_type_shown(), blank=gettext_noop("请选择"))


class RDForm(forms.Form):
    level = forms.ChoiceField(
        label=_(labels.RD["level"]),
        required=False,
        choices=labels.choices(labels.LEVEL, gettext_noop("请选择")),
    )
    kind = forms.ChoiceField(
        label=_(labels.RD["kind"]), required=False, choices=labels.choices(labels.RD_KIND)
    )
    name = forms.CharField(label=_(labels.RD["name"]), required=False, max_length=200)
    since = DateField(label=_(labels.RD["since"]))


class AwardForm(forms.Form):
    kind = forms.ChoiceField(
        label=_(labels.AWARD["kind"]),
        required=False,
        choices=labels.choices(labels.AWARD_KIND, gettext_noop("请选择")),
    )
    level = forms.ChoiceField(
        label=_(labels.AWARD["level"]), required=False, choices=labels.choices(labels.LEVEL)
    )
    rank = CountField(label=_(labels.AWARD["rank"]))
    group = forms.ChoiceField(
        label=_(labels.AWARD["group"]), required=False, choices=labels.choices(labels.MAKER_GROUP)
    )
    year = YearField(label=_(labels.AWARD["year"]))
    name = forms.CharField(label=_(labels.AWARD["name"]), required=False, max_length=200)


class HonourForm(forms.Form):
    kind = forms.ChoiceField(
        label=_(labels.HONOUR["kind"]),
        required=False,
        choices=labels.choices(labels.HONOUR_KIND, gettext_noop("请选择")),
    )
    since = DateField(label=_(labels.HONOUR["since"]))
    valid_until = DateField(label=_(labels.HONOUR["valid_until"]))


class StandardForm(forms.Form):
    level = forms.ChoiceField(
        label=_(labels.STANDARD["level"]),
        required=False,
        choices=labels.choices(labels.STANDARD_LEVEL, gettext_noop("请选择")),
    )
    role = forms.ChoiceField(
        label=_(labels.STANDARD["role"]),
        required=False,
        choices=labels.choices(labels.STANDARD_ROLE, gettext_noop("请选择")),
    )
    year = YearField(label=_(labels.STANDARD["year"]))
    name = forms.CharField(label=_(labels.STANDARD["name"]), required=False, max_length=300)


class DevelopmentScoreForm(forms.Form):
    year = YearField(label=_("年度"))
    score = ScoreField(label=_("得分（0–100）"))


# A local fact's kind (rule data) → the field people type it in; the document keeps the contract's unit.
LOCAL_FIELDS = {
    "bool": (TriStateField, ""),
    "count": (CountField, ""),
    "number": (ScoreField, ""),
    "money": (WanField, gettext_noop("（万元）")),
    "ratio": (PercentField, gettext_noop("（%）")),
}


def local_initial(kind: str, value) -> str:
    """A stored local_indicators value as its field shows it."""
    if kind == "bool":
        return tri_initial(value)
    if isinstance(value, bool) or value is None:
        return ""
    if kind == "money":
        return money.yuan_to_wan(value)
    if kind == "ratio":
        return money.percent_text(value)
    return money.number_text(value)


def clause_text(spec: dict) -> str:
    """依据：<document><annex><item> [B]；<note> — with 待核实 first where the rule data is unsure."""
    clause = spec.get("clause") or {}
    cite = "".join(clause.get(k, "") for k in ("document", "annex", "item"))
    text = f"依据：{cite}" + (f" [{clause['grade']}]" if clause.get("grade") else "") if cite else ""
    if clause.get("note"):
        text += f"；{clause['note']}"
    return ("待核实。" if spec.get("unverified") else "") + text


class LocalIndicatorsForm(forms.Form):
    """One input per fact the province's overlay asks for (kinds and names come from the rule data)."""

    def __init__(self, *args, local_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        for spec in local_fields:
            cls, unit = LOCAL_FIELDS.get(spec["kind"], (ScoreField, ""))
            label = labels.shown(spec) + (gettext(unit) if unit else "")
            label += gettext("（待核实）") if spec.get("unverified") else ""
            self.fields[spec["key"]] = cls(label=label, help_text=clause_text(spec))


class QualityForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in labels.QUALITY.items():
            self.fields[key] = TriStateField(label=_(label))


class ComplianceForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in labels.COMPLIANCE.items():
            self.fields[key] = TriStateField(label=_(label))


class ProductForm(forms.Form):
    name = forms.CharField(label=_(labels.PRODUCT["name"]), required=False, max_length=200)
    strategic_emerging = TriStateField(label=_(labels.PRODUCT["strategic_emerging"]))
    field = forms.ChoiceField(
        label=_(labels.PRODUCT["field"]), required=False, choices=labels.choices(labels.PRODUCT_FIELD)
    )
    key_field = forms.ChoiceField(
        label=_(labels.PRODUCT["key_field"]), required=False, choices=labels.choices(labels.KEY_FIELD)
    )
    supports_key_chain = TriStateField(label=_(labels.PRODUCT["supports_key_chain"]))
    national_market_share = PercentField(label=_(labels.PRODUCT["national_market_share"]))
    international_market_share = PercentField(label=_(labels.PRODUCT["international_market_share"]))
    domestic_rank = CountField(label=_(labels.PRODUCT["domestic_rank"]))


class DigitalForm(forms.Form):
    digital_level = forms.ChoiceField(
        label=_(labels.DIGITAL["digital_level"]), required=False, choices=labels.choices(labels.DIGITAL_LEVEL)
    )
    digital_score = ScoreField(label=_(labels.DIGITAL["digital_score"]))
    core_business_on_information_system = TriStateField(
        label=_(labels.DIGITAL["core_business_on_information_system"])
    )


class NoneForm(forms.Form):
    """For list sections: "none" is a known answer (an empty list), different from not filled in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in LIST_SECTIONS:
            self.fields[key] = forms.BooleanField(
                label=gettext("没有%(section)s") % {"section": gettext(labels.SECTIONS[key])}, required=False
            )


FORMSETS = {
    "financials": (FinancialYearForm, "fin"),
    "equity_financing": (EquityForm, "eq"),
    "ip": (IPForm, "ip"),
    "rd_institutions": (RDForm, "rd"),
    "awards": (AwardForm, "aw"),
    "honours": (HonourForm, "ho"),
    "standards": (StandardForm, "st"),
    "development_score": (DevelopmentScoreForm, "ds"),
}
UNDELETABLE = ("financials", "development_score")  # a row left blank is dropped instead


class ItemFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = gettext("删除此项")


def _formset_class(form, deletable: bool):
    return formset_factory(
        form, formset=ItemFormSet, extra=1, can_delete=deletable, max_num=300, absolute_max=300
    )


@dataclass
class Target:
    """Where a document path is shown: a form, one of its fields, and a person's name for it."""

    form: forms.Form
    field: str
    label: str

    @property
    def anchor(self) -> str:
        return self.form[self.field].auto_id


@dataclass
class Problem:
    path: str
    message: str
    label: str = ""
    anchor: str = ""

    @property
    def text(self) -> str:
        return f"{self.label}：{self.message}" if self.label else f"{self.path}：{self.message}"


def fiscal_years(today) -> list[str]:
    """The last three fiscal years before `today` (the editor always offers them)."""
    return [str(today.year - n) for n in (1, 2, 3)]


def score_years(today) -> list[str]:
    """This year and last year: the 2026 measures read this year's score (reviews: either year)."""
    return [str(today.year - n) for n in (0, 1)]


def _initial(profile: dict, today, local_fields=()) -> dict:
    """Per-section initial values (as people type them) from a stored document."""
    p = profile or {}
    basic = {k: p.get(k) or "" for k in labels.BASIC}
    fin = p.get("financials") or {}
    years = sorted(set(map(str, fin)) | set(fiscal_years(today)), reverse=True)
    fin_rows = []
    for y in years:
        row = fin.get(y) or {}
        out = {"year": y}
        for key in labels.FINANCIAL:
            value = row.get(key)
            out[key] = (
                money.yuan_to_wan(value) if key in labels.MONEY_FIELDS else ("" if value is None else value)
            )
        fin_rows.append(out)

    def rows(key, spec):
        return [
            {k: conv(item.get(k)) for k, conv in spec.items()}
            for item in (p.get(key) or [])
            if isinstance(item, dict)
        ]

    text = lambda v: "" if v is None else v  # noqa: E731
    scores = {str(k): v for k, v in (p.get("development_score") or {}).items()}
    local = p.get("local_indicators") if isinstance(p.get("local_indicators"), dict) else {}
    product = p.get("main_product") or {}
    mp = {
        "name": product.get("name") or "",
        "strategic_emerging": tri_initial(product.get("strategic_emerging")),
        "supports_key_chain": tri_initial(product.get("supports_key_chain")),
        "national_market_share": money.percent_text(product.get("national_market_share")),
        "international_market_share": money.percent_text(product.get("international_market_share")),
        "domestic_rank": text(product.get("domestic_rank")),
    }
    for key in ("field", "key_field"):
        mp[key] = "none" if key in product and product[key] is None else (product.get(key) or "")
    return {
        "basic": basic,
        "financials": fin_rows,
        "equity_financing": rows(
            "equity_financing", {"date": text, "amount": money.yuan_to_wan, "qualified_investor": tri_initial}
        ),
        "ip": rows(
            "ip",
            {
                "type": text,
                "category": text,
                "name": text,
                "number": text,
                "granted": text,
                "expires": text,
                **{f: tri_initial for f in labels.IP_FLAGS},
            },
        ),
        "rd_institutions": rows(
            "rd_institutions", {"level": text, "kind": text, "name": text, "since": text}
        ),
        "awards": rows(
            "awards", {"kind": text, "level": text, "rank": text, "group": text, "year": text, "name": text}
        ),
        "honours": rows("honours", {"kind": text, "since": text, "valid_until": text}),
        "standards": rows("standards", {"level": text, "role": text, "year": text, "name": text}),
        "development_score": [
            {"year": y, "score": money.number_text(scores.get(y))}
            for y in sorted(set(scores) | set(score_years(today)), reverse=True)
        ],
        "local": {spec["key"]: local_initial(spec["kind"], local.get(spec["key"])) for spec in local_fields},
        "quality": {k: tri_initial((p.get("quality") or {}).get(k)) for k in labels.QUALITY},
        "compliance": {k: tri_initial((p.get("compliance") or {}).get(k)) for k in labels.COMPLIANCE},
        "main_product": mp,
        "digital": {
            "digital_level": text(p.get("digital_level")),
            "digital_score": money.number_text(p.get("digital_score")),
            "core_business_on_information_system": tri_initial(p.get("core_business_on_information_system")),
        },
        "none": {k: isinstance(p.get(k), list) and not p.get(k) for k in LIST_SECTIONS},
    }


class ProfileEditor:
    """Every section of the editor, bound to POST data or filled from the stored document."""

    def __init__(self, profile: dict, today, data=None):
        self.profile = profile or {}
        self.today = today
        self.bound = data is not None
        self.local_fields = engine.local_fact_fields(self.profile.get("region"), today)
        init = {} if self.bound else _initial(self.profile, today, self.local_fields)
        kw = (lambda key: {"data": data}) if self.bound else (lambda key: {"initial": init[key]})
        self.basic = BasicForm(prefix="basic", **kw("basic"))
        self.quality = QualityForm(prefix="quality", **kw("quality"))
        self.compliance = ComplianceForm(prefix="compliance", **kw("compliance"))
        self.product = ProductForm(prefix="product", **kw("main_product"))
        self.digital = DigitalForm(prefix="digital", **kw("digital"))
        self.none = NoneForm(prefix="none", **kw("none"))
        self.local = LocalIndicatorsForm(prefix="local", local_fields=self.local_fields, **kw("local"))
        self.formsets = {}
        for key, (form, prefix) in FORMSETS.items():
            cls = _formset_class(form, deletable=key not in UNDELETABLE)
            self.formsets[key] = cls(prefix=prefix, **kw(key))
        self.targets: dict[str, Target] = {}
        self.problems: list[Problem] = []
        self.message = ""

    @property
    def sections(self) -> dict[str, str]:
        """The editor's sections in page order (地方特色指标 only where a province overlay asks for facts)."""
        return {
            k: gettext(v) for k, v in labels.SECTIONS.items() if k != "local_indicators" or self.local_fields
        }

    @property
    def local_rules(self) -> str:
        """The measures the province's facts are used by, e.g. 《…暂行办法》（2022-08-01 至 2026-03-31 施行）."""
        seen = {}
        for spec in self.local_fields:
            for r in spec["rules"]:
                start = r["effective_from"].isoformat()
                if r["effective_until"]:
                    until = r["effective_until"].isoformat()
                    text = gettext("《%(name)s》（%(start)s 至 %(until)s 施行）") % {
                        "name": labels.shown(r),
                        "start": start,
                        "until": until,
                    }
                else:
                    text = gettext("《%(name)s》（%(start)s 起施行）") % {
                        "name": labels.shown(r),
                        "start": start,
                    }
                seen[r["id"]] = text
        return gettext("、").join(seen.values())

    @property
    def local_overlay(self) -> str:
        return labels.shown(self.local_fields[0]["overlay"]) if self.local_fields else ""

    # --- reading the forms -------------------------------------------------------------------------

    @property
    def forms(self):
        yield from (
            self.basic,
            self.quality,
            self.compliance,
            self.product,
            self.digital,
            self.none,
            self.local,
        )
        for fs in self.formsets.values():
            yield from fs.forms

    def _bind(self, path: str, form, field: str, label: str):
        self.targets[path] = Target(form, field, label)

    @staticmethod
    def _filled(form) -> bool:
        """True when the person typed anything into this row (ignoring the delete box)."""
        return any(str(form[name].value() or "").strip() for name in form.fields if name != "DELETE")

    def _read(self, form, field, path, label, parse_problems):
        """The cleaned value of one field; a field that did not clean is reported at its path."""
        self._bind(path, form, field, label)
        if field in form.errors:
            parse_problems.extend(Problem(path, str(m)) for m in form.errors[field])
            return None
        return form.cleaned_data.get(field)

    def build(self) -> tuple[dict, list[Problem]]:
        """The document these forms make (starting from the stored one) and every field that did not parse."""
        for form in self.forms:
            form.is_valid()
        for fs in self.formsets.values():
            fs.is_valid()
        doc = copy.deepcopy(self.profile)
        doc["schema"] = "zjtx.profile/1"
        bad: list[Problem] = []

        for key, label in labels.BASIC.items():
            value = self._read(self.basic, key, key, label, bad)
            if isinstance(value, str):
                value = value.strip()
            if value in (None, ""):
                doc.pop(key, None)
            else:
                doc[key] = value

        self._financials(doc, bad)
        self._lists(doc, bad)

        for section, form, table in (
            ("quality", self.quality, labels.QUALITY),
            ("compliance", self.compliance, labels.COMPLIANCE),
        ):
            values = {}
            for key, label in table.items():
                v = self._read(form, key, f"{section}.{key}", f"{labels.SECTIONS[section]} {label}", bad)
                if v is not None:
                    values[key] = v
            if values:
                doc[section] = values
            else:
                doc.pop(section, None)

        product = {}
        for key, label in labels.PRODUCT.items():
            v = self._read(self.product, key, f"main_product.{key}", f"主导产品 {label}", bad)
            if key in ("field", "key_field"):
                if v == "none":
                    product[key] = None
                elif v:
                    product[key] = v
            elif key in ("national_market_share", "international_market_share"):
                if v is not None:
                    product[key] = v
            elif v not in (None, ""):
                product[key] = v.strip() if isinstance(v, str) else v
        if product:
            doc["main_product"] = product
        else:
            doc.pop("main_product", None)

        for key, label in labels.DIGITAL.items():
            v = self._read(self.digital, key, key, label, bad)
            if key == "digital_level":
                v = int(v) if v else None
            if v is None:
                doc.pop(key, None)
            else:
                doc[key] = v
        self._development_score(doc, bad)
        self._local(doc, bad)
        return doc, bad

    def _development_score(self, doc, bad):
        out: dict[str, int | float] = {}
        section = labels.DEVELOPMENT_SCORE
        for i, form in enumerate(self.formsets["development_score"].forms):
            if not self._filled(form):
                continue
            row = f"development_score.（第 {i + 1} 行）"
            self._bind(row, form, "year", f"{section} 第 {i + 1} 行 年度")
            year = None
            if "year" in form.errors:
                bad.extend(Problem(row, str(m)) for m in form.errors["year"])
            else:
                year = form.cleaned_data.get("year")
                problem = ""
                if not year:
                    problem = gettext("请填写年度")
                elif int(year) > self.today.year:
                    problem = gettext("年份不能晚于今年")
                elif year in out:
                    problem = gettext("年度 %(year)s 重复填写") % {"year": year}
                if problem:
                    form.add_error("year", problem)
                    bad.append(Problem(row, problem))
                    year = None
            path = f"development_score.{year}" if year else f"{row}.score"
            score = self._read(
                form, "score", path, f"{section}（{year} 年）" if year else f"{section} 第 {i + 1} 行", bad
            )
            if year and score is not None:
                out[year] = score
        if out:
            doc["development_score"] = dict(sorted(out.items(), reverse=True))
        else:
            doc.pop("development_score", None)

    def _local(self, doc, bad):
        """The overlay's facts from the form; other ids already stored (e.g. featured_score) are kept."""
        if not self.local_fields:
            return
        stored = doc.get("local_indicators")
        local = dict(stored) if isinstance(stored, dict) else {}
        section = labels.SECTIONS["local_indicators"]
        for spec in self.local_fields:
            key = spec["key"]
            v = self._read(self.local, key, spec["path"], f"{section} {spec['zh']}", bad)
            if v is None:
                local.pop(key, None)
            else:
                local[key] = v
        if local:
            doc["local_indicators"] = local
        else:
            doc.pop("local_indicators", None)

    def _financials(self, doc, bad):
        stored = doc.get("financials") if isinstance(doc.get("financials"), dict) else {}
        out: dict[str, dict] = {}
        seen: dict[str, int] = {}
        for i, form in enumerate(self.formsets["financials"].forms):
            if not self._filled(form):
                continue
            year = form.cleaned_data.get("year") if "year" not in form.errors else None
            key = year or f"（第 {i + 1} 行）"
            where = f"财务数据 {year} 年" if year else f"财务数据 第 {i + 1} 行"
            path = f"financials.{key}"
            self._bind(path, form, "year", f"{where} 年度")
            if "year" in form.errors:
                bad.extend(Problem(path, str(m)) for m in form.errors["year"])
            elif not year:
                bad.append(Problem(path, gettext("请填写年度")))
            elif year in seen:
                bad.append(Problem(path, gettext("年度 %(year)s 重复填写") % {"year": year}))
            row = {}
            for field, (label, _unit) in labels.FINANCIAL.items():
                v = self._read(form, field, f"{path}.{field}", f"{where} {label}", bad)
                if v is not None:
                    row[field] = v
            if year and year not in seen:
                seen[year] = i
                # yearly facts the editor has no field for (keys it does not know) are kept for its years
                extra = {k: v for k, v in (stored.get(year) or {}).items() if k not in labels.FINANCIAL}
                out[year] = {**extra, **row}
        if out:
            doc["financials"] = dict(sorted(out.items(), reverse=True))
        else:
            doc.pop("financials", None)

    def _lists(self, doc, bad):
        specs = {
            "equity_financing": (labels.EQUITY, {}),
            "ip": ({**labels.IP, "expires": "有效期至"}, {}),
            "rd_institutions": (labels.RD, {}),
            "awards": (labels.AWARD, {"year": int}),
            "honours": (labels.HONOUR, {}),
            "standards": (labels.STANDARD, {"year": int}),
        }
        for key, (table, convert) in specs.items():
            items = []
            section = labels.SECTIONS[key]
            for form in self.formsets[key].forms:
                if not self._filled(form) or (form.cleaned_data or {}).get("DELETE"):
                    continue
                n = len(items)
                item = {}
                for field, label in table.items():
                    v = self._read(
                        form, field, f"{key}[{n}].{field}", f"{section} 第 {n + 1} 项 {label}", bad
                    )
                    if isinstance(v, str):
                        v = v.strip()
                    if v in (None, ""):
                        continue
                    item[field] = convert[field](v) if field in convert else v
                items.append(item)
            none_checked = self._read(self.none, key, key, f"没有{section}", bad)
            if items and none_checked:
                bad.append(
                    Problem(
                        key,
                        gettext("已勾选“没有%(section)s”，但又填写了条目：请取消勾选或删除条目")
                        % {"section": gettext(section)},
                    )
                )
            if items:
                doc[key] = items
            elif none_checked:
                doc[key] = []
            else:
                doc.pop(key, None)

    # --- showing problems -------------------------------------------------------------------------

    def _target(self, path: str) -> Target | None:
        probe = path
        while probe:
            if probe in self.targets:
                return self.targets[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return None

    def attach(self, problems) -> None:
        """Show each (path, message) next to its field and in the summary; typed values stay as they are."""
        for item in problems:
            path, message = (item.path, item.message) if isinstance(item, Problem) else item
            target = self._target(path)
            problem = Problem(path, message)
            if target is not None:
                problem.label, problem.anchor = target.label, target.anchor
                existing = target.form.errors.get(target.field, [])
                if message not in existing:
                    target.form.add_error(target.field, message)
            if all((p.path, p.message) != (path, message) for p in self.problems):
                self.problems.append(problem)


def with_more_rows(data, section: str):
    """POST data with one more blank row in a section's formset ("再添加一行" works without JavaScript)."""
    if section not in FORMSETS:
        return data
    prefix = FORMSETS[section][1]
    data = data.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    data[f"{prefix}-TOTAL_FORMS"] = str(min(total + 1, 300))
    return data

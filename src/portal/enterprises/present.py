"""A profile document as people read it: Chinese labels, money in 万元, unknown shown as 未填写.

Used by the officials' read-only page and the Excel import preview, so both show a document
the same way the editor names its fields.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from portal.assessments import engine

from . import identity, labels, money

UNKNOWN = gettext_noop("未填写")
NONE = gettext_noop("无")


def _text(value) -> str:
    if value is None or value == "":
        return gettext(UNKNOWN)
    if isinstance(value, bool):
        return gettext(labels.BOOL[value])
    return str(value)


def _choice(table: dict, value) -> str:
    return gettext(UNKNOWN) if value in (None, "") else gettext(table.get(value, str(value)))


def _wan(value) -> str:
    text = money.yuan_to_wan(value)
    return text if text else gettext(UNKNOWN)


def _table(items, columns) -> list[list[str]]:
    return [[fmt(item.get(key)) for key, _label, fmt in columns] for item in items if isinstance(item, dict)]


def _list_section(sid: str, profile: dict, columns) -> dict:
    items = profile.get(sid)
    section = {
        "id": sid,
        "title": gettext(labels.SECTIONS[sid]),
        "headers": [gettext(h) for _k, h, _f in columns],
    }
    if items is None:
        section["empty"] = gettext(UNKNOWN)
    elif not items:
        section["empty"] = gettext(NONE)
    else:
        section["table"] = _table(items, columns)
    return section


def present(profile: dict) -> list[dict]:
    """Sections of {id, title, rows: [(label, text)]} or {id, title, headers, table | empty}."""
    p = profile or {}
    region = p.get("region")
    basic = [
        (gettext(labels.BASIC["name"]), _text(p.get("name"))),
        (gettext(labels.BASIC["credit_code"]), _text(p.get("credit_code"))),
        (gettext("注册地"), f"{identity.region_name(region)}（{region}）" if region else gettext(UNKNOWN)),
        (gettext("行业"), identity.industry_label(p["industry"]) if p.get("industry") else gettext(UNKNOWN)),
        (gettext("划型行业"), gettext(labels.SIZE_SECTOR.get(p.get("size_sector"), "按行业代码自动判定"))),
        (gettext(labels.BASIC["established"]), _text(p.get("established"))),
        (gettext(labels.BASIC["niche_since"]), _text(p.get("niche_since"))),
    ]
    out = [{"id": "basic", "title": gettext(labels.SECTIONS["basic"]), "rows": basic}]

    fin = p.get("financials") or {}
    headers = [gettext("年度")] + [
        gettext("%(label)s（%(unit)s）") % {"label": gettext(label), "unit": gettext(unit)}
        for label, unit in labels.FINANCIAL.values()
    ]
    table = []
    for year in sorted(fin, reverse=True):
        row = fin[year] or {}
        table.append(
            [str(year)]
            + [_wan(row.get(k)) if k in labels.MONEY_FIELDS else _text(row.get(k)) for k in labels.FINANCIAL]
        )
    out.append(
        {
            "id": "financials",
            "title": gettext(labels.SECTIONS["financials"]),
            "headers": headers,
            **({"table": table} if table else {"empty": gettext(UNKNOWN)}),
        }
    )

    tri = _text
    out.append(
        _list_section(
            "equity_financing",
            p,
            [
                ("date", labels.EQUITY["date"], _text),
                ("amount", labels.EQUITY["amount"], _wan),
                ("qualified_investor", labels.EQUITY["qualified_investor"], tri),
            ],
        )
    )
    out.append(
        _list_section(
            "ip",
            p,
            [
                ("type", labels.IP["type"], lambda v: _choice(labels.ip_type_shown(), v)),
                (
                    "category",
                    labels.IP["category"],
                    lambda v: gettext(labels.IP_CATEGORY.get(v, "按类型判定")),
                ),
                ("name", labels.IP["name"], _text),
                ("granted", labels.IP["granted"], _text),
                *[(f, labels.IP[f], tri) for f in labels.IP_FLAGS],
            ],
        )
    )
    out.append(
        _list_section(
            "rd_institutions",
            p,
            [
                ("level", labels.RD["level"], lambda v: _choice(labels.LEVEL, v)),
                ("kind", labels.RD["kind"], lambda v: _choice(labels.RD_KIND, v)),
                ("name", labels.RD["name"], _text),
                ("since", labels.RD["since"], _text),
            ],
        )
    )
    out.append(
        _list_section(
            "awards",
            p,
            [
                ("kind", labels.AWARD["kind"], lambda v: _choice(labels.AWARD_KIND, v)),
                ("level", labels.AWARD["level"], lambda v: _choice(labels.LEVEL, v)),
                ("rank", labels.AWARD["rank"], _text),
                ("group", labels.AWARD["group"], lambda v: _choice(labels.MAKER_GROUP, v)),
                ("year", labels.AWARD["year"], _text),
                ("name", labels.AWARD["name"], _text),
            ],
        )
    )
    out.append(
        _list_section(
            "honours",
            p,
            [
                ("kind", labels.HONOUR["kind"], lambda v: _choice(labels.HONOUR_KIND, v)),
                ("since", labels.HONOUR["since"], _text),
                ("valid_until", labels.HONOUR["valid_until"], _text),
            ],
        )
    )

    out.append(
        _list_section(
            "standards",
            p,
            [
                ("level", labels.STANDARD["level"], lambda v: _choice(labels.STANDARD_LEVEL, v)),
                ("role", labels.STANDARD["role"], lambda v: _choice(labels.STANDARD_ROLE, v)),
                ("year", labels.STANDARD["year"], _text),
                ("name", labels.STANDARD["name"], _text),
            ],
        )
    )

    quality = p.get("quality") or {}
    out.append(
        {
            "id": "quality",
            "title": gettext(labels.SECTIONS["quality"]),
            "rows": [(gettext(label), tri(quality.get(k))) for k, label in labels.QUALITY.items()],
        }
    )
    product = p.get("main_product") or {}

    def product_value(key):
        if key in ("field", "key_field"):
            table = labels.PRODUCT_FIELD if key == "field" else labels.KEY_FIELD
            return (
                gettext(table["none"])
                if key in product and product[key] is None
                else _choice(table, product.get(key))
            )
        if key.endswith("market_share"):
            text = money.percent_text(product.get(key))
            return f"{text}%" if text else gettext(UNKNOWN)
        return _text(product.get(key))

    out.append(
        {
            "id": "main_product",
            "title": gettext(labels.SECTIONS["main_product"]),
            "rows": [(gettext(label), product_value(k)) for k, label in labels.PRODUCT.items()],
        }
    )
    out.append(
        {
            "id": "digital",
            "title": gettext(labels.SECTIONS["digital"]),
            "rows": [
                (
                    gettext(labels.DIGITAL["digital_level"]),
                    _choice(labels.DIGITAL_LEVEL, p.get("digital_level")),
                ),
                (gettext(labels.DIGITAL["digital_score"]), _text(p.get("digital_score"))),
                (
                    gettext(labels.DIGITAL["core_business_on_information_system"]),
                    tri(p.get("core_business_on_information_system")),
                ),
            ],
        }
    )
    scores = p.get("development_score") if isinstance(p.get("development_score"), dict) else {}
    out.append(
        {
            "id": "development_score",
            "title": gettext(labels.SECTIONS["development_score"]),
            "headers": [gettext("年度"), gettext(labels.DEVELOPMENT_SCORE)],
            **(
                {"table": [[str(y), _number(scores[y])] for y in sorted(scores, key=str, reverse=True)]}
                if scores
                else {"empty": gettext(UNKNOWN)}
            ),
        }
    )
    local = _local_rows(p)
    if local:
        out.append(
            {"id": "local_indicators", "title": gettext(labels.SECTIONS["local_indicators"]), "rows": local}
        )
    compliance = p.get("compliance") or {}
    out.append(
        {
            "id": "compliance",
            "title": gettext(labels.SECTIONS["compliance"]),
            "rows": [(gettext(label), tri(compliance.get(k))) for k, label in labels.COMPLIANCE.items()],
        }
    )
    return out


def _number(value) -> str:
    text = money.number_text(value)
    return text if text else _text(value)


def _local_value(kind: str, value) -> str:
    if value is None or isinstance(value, bool):
        return _text(value)
    if kind == "money":
        return _wan(value)
    if kind == "ratio":
        text = money.percent_text(value)
        return f"{text}%" if text else _text(value)
    return _number(value)


def _local_rows(p: dict) -> list[tuple[str, str]]:
    """The region's own facts (all of them, 未填写 when missing), then any other id the document holds."""
    stored = p.get("local_indicators") if isinstance(p.get("local_indicators"), dict) else {}
    fields = engine.local_fact_fields(p.get("region"), timezone.localdate())
    rows = [(labels.shown(f), _local_value(f["kind"], stored.get(f["key"]))) for f in fields]
    known = {f["key"] for f in fields}
    rows += [(labels.local_fact_name(k), _local_value("", v)) for k, v in stored.items() if k not in known]
    return rows


def document_recognitions(profile: dict) -> list[dict]:
    """Titles written in the document itself (e.g. from an import before the platform), for display."""
    return [
        {
            "tier": gettext(labels.TIER[r["tier"]]) if r.get("tier") in labels.TIER else r.get("tier"),
            "since": r.get("since"),
            "until": r.get("until"),
        }
        for r in (profile or {}).get("recognitions") or []
        if isinstance(r, dict)
    ]

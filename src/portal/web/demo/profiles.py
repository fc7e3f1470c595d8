"""Enterprise profiles (zjtx.profile/1) drawn from five archetypes, so the demo shows every outcome.

- little_giant: a medium manufacturer with key-field products, high-value patents, a provincial
  R&D centre, a valid 专精特新 title; reaches 小巨人.
- specialized: a growing small firm holding a valid 创新型 title, R&D above 6 %, Ⅰ类 patents;
  reaches 专精特新 but not 小巨人.
- tech_innovative: a young R&D-heavy firm with little revenue and no titles; 科技和创新型 only.
- none: a trader, a restaurant chain, a large enterprise, or a firm on the abnormal-operation list.
- missing: a profile left half-filled (no R&D figures): the engine answers 待定, never 0.

Firms that applied in earlier batches need the figures of earlier years (a 2023 submission is
judged on 2022 and before), so the ladder archetypes carry up to six years; the others three.
Numbers are drawn from a seeded random.Random, so the same seed and `today` give the same
profiles; money is whole yuan (rounded to the thousand), as the profile contract asks.
"""

from __future__ import annotations

import datetime as dt
import random

from .catalogue import Line

ARCHETYPES = ("little_giant", "specialized", "tech_innovative", "none", "missing")

NO_PROBLEMS = {
    "abnormal_operation_list": False,
    "seriously_dishonest": False,
    "prohibited_products": False,
    "major_incident_last_3_years": False,
    "research_misconduct": False,
    "rd_deduction_excluded_industry": False,
}


def _yuan(x: float) -> int:
    return int(round(x / 1000.0)) * 1000


def _day(rng: random.Random, year: int) -> str:
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()


def _financials(
    rng: random.Random,
    y0: int,
    *,
    employees: int,
    revenue: float,
    growth: tuple[float, float],
    rd_ratio: tuple[float, float],
    rd_staff_ratio: tuple[float, float],
    margin: tuple[float, float],
    debt: tuple[float, float],
    assets_ratio: tuple[float, float],
    years: int = 3,
) -> dict:
    """`years` years of figures ending with y0, shrinking backwards by the growth rate."""
    out = {}
    emp, rev = float(employees), revenue
    for i in range(years):
        year = y0 - i
        rd_staff = int(emp * rng.uniform(*rd_staff_ratio))
        m = rng.uniform(*margin)
        assets = rev * rng.uniform(*assets_ratio)
        out[str(year)] = {
            "employees": int(emp),
            "rd_staff": rd_staff,
            "tech_staff": min(int(emp), int(rd_staff * 1.15) + 1),
            "revenue": _yuan(rev),
            "main_revenue": _yuan(rev * rng.uniform(0.9, 0.97)),
            "total_assets": _yuan(assets),
            "total_liabilities": _yuan(assets * rng.uniform(*debt)),
            "net_profit": _yuan(rev * m),
            "rd_expense": _yuan(rev * rng.uniform(*rd_ratio)),
            "total_cost": _yuan(rev * (1 - m) * 0.97),
        }
        emp = max(8.0, emp / rng.uniform(1.04, 1.12))
        rev = rev / (1 + rng.uniform(*growth))
    return out


def _patents(
    rng: random.Random,
    line: Line,
    today: dt.date,
    *,
    inventions: int,
    high_value: int,
    second_class: int,
    second_type: str = "utility_model",
) -> list[dict]:
    ip = []
    for i in range(inventions):
        item = {
            "type": "invention_patent",
            "related_to_main_product": True,
            "self_developed": True,
            "high_value": i < high_value,
            "applied_with_benefit": True,
            "granted": _day(rng, today.year - 1 - rng.randint(0, 6)),
        }
        if line.patents and i < len(line.patents):
            item["name"] = line.patents[i]
        ip.append(item)
    for _ in range(second_class):
        ip.append(
            {
                "type": second_type,
                "related_to_main_product": True,
                "self_developed": True,
                "granted": _day(rng, today.year - 1 - rng.randint(0, 4)),
            }
        )
    return ip


def _base(name: str, credit_code: str, region: str, line: Line, established: str) -> dict:
    return {
        "schema": "zjtx.profile/1",
        "name": name,
        "credit_code": credit_code,
        "region": region,
        "industry": line.code,
        "size_sector": None,
        "established": established,
        "niche_since": established,
    }


def little_giant(rng, today, name, code, region, line) -> dict:
    y0 = today.year - 1
    doc = _base(name, code, region, line, _day(rng, rng.randint(2004, 2013)))
    doc["financials"] = _financials(
        rng,
        y0,
        employees=rng.randint(180, 420),
        revenue=rng.uniform(1.2e8, 3.4e8),
        growth=(0.12, 0.22),
        rd_ratio=(0.05, 0.07),
        rd_staff_ratio=(0.19, 0.26),
        margin=(0.08, 0.13),
        debt=(0.3, 0.5),
        assets_ratio=(0.9, 1.25),
        years=6,
    )
    doc["equity_financing"] = [
        {"date": _day(rng, y0 - 1), "amount": _yuan(rng.uniform(2e7, 6e7)), "qualified_investor": True}
    ]
    doc["ip"] = _patents(
        rng,
        line,
        today,
        inventions=rng.randint(4, 7),
        high_value=rng.randint(1, 2),
        second_class=rng.randint(2, 5),
    )
    doc["rd_institutions"] = [
        {"level": "provincial", "kind": "enterprise_technology_center", "name": f"{name[:2]}省级企业技术中心"}
    ]
    doc["awards"] = [
        {"kind": "science_award", "level": "provincial", "rank": rng.randint(1, 3), "year": y0 - 1},
        {"kind": "quality_award", "level": "provincial", "year": y0 - 2},
    ]
    doc["honours"] = [{"kind": "high_tech_enterprise", "valid_until": f"{today.year + 1}-12-31"}]
    doc["quality"] = {"management_system_cert": True, "own_brand": True, "standards_participation": True}
    doc["main_product"] = {
        "name": rng.choice(line.products),
        "strategic_emerging": True,
        "field": "chain_breakthrough",
        "key_field": rng.choice(("six_bases", "manufacturing_key_industries")),
        "supports_key_chain": True,
        "national_market_share": round(rng.uniform(0.08, 0.22), 2),
        "international_market_share": None,
        "domestic_rank": rng.randint(1, 5),
    }
    doc["digital_level"] = rng.choice((3, 3, 4))
    doc["core_business_on_information_system"] = True
    doc["compliance"] = dict(NO_PROBLEMS)
    since = dt.date(today.year - 2, rng.randint(9, 11), rng.randint(1, 28))
    doc["recognitions"] = [
        {
            "tier": "innovative",
            "since": (since - dt.timedelta(days=400)).isoformat(),
            "until": (since - dt.timedelta(days=400) + dt.timedelta(days=3 * 365)).isoformat(),
        },
        {
            "tier": "specialized",
            "since": since.isoformat(),
            "until": (since + dt.timedelta(days=3 * 365 - 1)).isoformat(),
        },
    ]
    doc["development_score"] = {
        str(today.year - 1): rng.randint(58, 70),
        str(today.year): rng.randint(62, 80),
    }
    doc["local_indicators"] = {}
    return doc


def specialized(rng, today, name, code, region, line) -> dict:
    y0 = today.year - 1
    doc = _base(name, code, region, line, _day(rng, rng.randint(2011, 2019)))
    doc["financials"] = _financials(
        rng,
        y0,
        employees=rng.randint(70, 190),
        revenue=rng.uniform(2.6e7, 8.5e7),
        growth=(0.1, 0.2),
        rd_ratio=(0.08, 0.14),
        rd_staff_ratio=(0.35, 0.5),
        margin=(0.06, 0.12),
        debt=(0.3, 0.45),
        assets_ratio=(1.0, 1.3),
        years=6,
    )
    doc["equity_financing"] = []
    second = "software_copyright" if line.code.startswith("I") else "utility_model"
    doc["ip"] = _patents(
        rng,
        line,
        today,
        inventions=rng.randint(1, 3),
        high_value=0,
        second_class=rng.randint(3, 6),
        second_type=second,
    )
    doc["rd_institutions"] = [{"level": "municipal", "kind": "engineering_technology_center"}]
    doc["awards"] = []
    doc["honours"] = [
        {"kind": "high_tech_enterprise", "valid_until": f"{today.year + 1}-12-31"},
        {"kind": "tech_sme", "valid_until": f"{today.year}-12-31"},
    ]
    doc["quality"] = {
        "management_system_cert": True,
        "own_brand": True,
        "standards_participation": rng.random() < 0.5,
    }
    doc["main_product"] = {
        "name": rng.choice(line.products),
        "strategic_emerging": True,
        "field": rng.choice((None, "chain_breakthrough")),
        "key_field": None,
        "supports_key_chain": False,
        "national_market_share": round(rng.uniform(0.01, 0.04), 3),
        "domestic_rank": rng.randint(6, 15),
    }
    doc["digital_level"] = 3
    doc["core_business_on_information_system"] = True
    doc["compliance"] = dict(NO_PROBLEMS)
    since = dt.date(today.year - 1, rng.randint(8, 11), rng.randint(1, 28))
    doc["recognitions"] = [
        {
            "tier": "innovative",
            "since": since.isoformat(),
            "until": (since + dt.timedelta(days=3 * 365 - 1)).isoformat(),
        }
    ]
    doc["development_score"] = {str(today.year): rng.randint(52, 64)}
    doc["local_indicators"] = {}
    return doc


def tech_innovative(rng, today, name, code, region, line) -> dict:
    y0 = today.year - 1
    doc = _base(name, code, region, line, _day(rng, rng.randint(2018, 2022)))
    doc["financials"] = _financials(
        rng,
        y0,
        employees=rng.randint(18, 80),
        revenue=rng.uniform(3.5e6, 1.3e7),
        growth=(0.2, 0.6),
        rd_ratio=(0.12, 0.3),
        rd_staff_ratio=(0.35, 0.55),
        margin=(-0.1, 0.06),
        debt=(0.15, 0.35),
        assets_ratio=(1.2, 2.5),
        years=min(4, y0 - int(doc["established"][:4]) + 1),
    )
    doc["equity_financing"] = (
        [{"date": _day(rng, y0), "amount": _yuan(rng.uniform(3e6, 1.5e7)), "qualified_investor": True}]
        if rng.random() < 0.4
        else []
    )
    second = "software_copyright" if line.code.startswith("I") else "utility_model"
    doc["ip"] = _patents(
        rng,
        line,
        today,
        inventions=rng.randint(1, 2),
        high_value=0,
        second_class=rng.randint(1, 4),
        second_type=second,
    )
    doc["rd_institutions"] = []
    doc["awards"] = [{"kind": "maker_china", "group": "top500", "year": y0}] if rng.random() < 0.3 else []
    doc["honours"] = []
    doc["quality"] = {
        "management_system_cert": rng.random() < 0.5,
        "own_brand": True,
        "standards_participation": False,
    }
    doc["main_product"] = {
        "name": rng.choice(line.products),
        "strategic_emerging": True,
        "field": None,
        "key_field": None,
        "supports_key_chain": False,
    }
    doc["digital_level"] = 2
    doc["core_business_on_information_system"] = True
    doc["compliance"] = dict(NO_PROBLEMS)
    doc["recognitions"] = []
    return doc


def none(rng, today, name, code, region, line) -> dict:
    """A firm that reaches no tier: traditional trade (most), large, or on the abnormal-operation list."""
    y0 = today.year - 1
    kind = rng.choices(("traditional", "large", "abnormal"), weights=(6, 2, 2))[0]
    doc = _base(name, code, region, line, _day(rng, rng.randint(1998, 2015)))
    if kind == "large":
        doc["financials"] = _financials(
            rng,
            y0,
            employees=rng.randint(1200, 3500),
            revenue=rng.uniform(6e8, 3e9),
            growth=(0.0, 0.08),
            rd_ratio=(0.01, 0.03),
            rd_staff_ratio=(0.03, 0.08),
            margin=(0.03, 0.08),
            debt=(0.4, 0.65),
            assets_ratio=(0.8, 1.2),
        )
    else:
        doc["financials"] = _financials(
            rng,
            y0,
            employees=rng.randint(25, 160),
            revenue=rng.uniform(1.5e7, 9e7),
            growth=(-0.05, 0.06),
            rd_ratio=(0.0, 0.004),
            rd_staff_ratio=(0.0, 0.03),
            margin=(0.01, 0.05),
            debt=(0.55, 0.75),
            assets_ratio=(0.4, 0.7),
        )
    doc["equity_financing"] = []
    doc["ip"] = [{"type": "trademark", "related_to_main_product": True, "self_developed": True}]
    doc["rd_institutions"] = []
    doc["awards"] = []
    doc["honours"] = []
    doc["quality"] = {"management_system_cert": True, "own_brand": True, "standards_participation": False}
    doc["main_product"] = {
        "name": rng.choice(line.products),
        "strategic_emerging": False,
        "field": None,
        "key_field": None,
        "supports_key_chain": False,
    }
    doc["digital_level"] = rng.choice((1, 2))
    doc["core_business_on_information_system"] = rng.random() < 0.6
    doc["compliance"] = dict(NO_PROBLEMS, abnormal_operation_list=(kind == "abnormal"))
    doc["recognitions"] = []
    return doc


def missing(rng, today, name, code, region, line) -> dict:
    """A half-filled profile: two years of sales and headcount, no R&D figures, no compliance answers."""
    y0 = today.year - 1
    doc = _base(name, code, region, line, _day(rng, rng.randint(2010, 2019)))
    fin = _financials(
        rng,
        y0,
        employees=rng.randint(40, 120),
        revenue=rng.uniform(1.8e7, 4e7),
        growth=(0.05, 0.15),
        rd_ratio=(0.02, 0.04),
        rd_staff_ratio=(0.1, 0.2),
        margin=(0.03, 0.08),
        debt=(0.4, 0.6),
        assets_ratio=(0.8, 1.1),
        years=2,
    )
    keep = ("employees", "revenue", "main_revenue", "total_assets", "total_liabilities")
    doc["financials"] = {y: {k: v for k, v in row.items() if k in keep} for y, row in fin.items()}
    doc["financials"][str(y0 - 1)].pop("total_assets", None)
    doc["financials"][str(y0 - 1)].pop("total_liabilities", None)
    doc["ip"] = [
        {
            "type": "utility_model",
            "related_to_main_product": True,
            "self_developed": True,
            "granted": _day(rng, y0 - 3),
        }
    ]
    doc["main_product"] = {"name": rng.choice(line.products), "strategic_emerging": False}
    doc["compliance"] = {
        "abnormal_operation_list": False,
        "seriously_dishonest": False,
        "prohibited_products": False,
    }
    return doc


def leader(rng, today, name, code, region, line) -> dict:
    """The chain leader: a large manufacturer (over 1,000 staff, billions in revenue), so no SME tier applies."""
    y0 = today.year - 1
    doc = _base(name, code, region, line, _day(rng, rng.randint(1995, 2002)))
    doc["financials"] = _financials(
        rng,
        y0,
        employees=rng.randint(2800, 3600),
        revenue=rng.uniform(4.5e9, 6.5e9),
        growth=(0.06, 0.12),
        rd_ratio=(0.035, 0.05),
        rd_staff_ratio=(0.08, 0.12),
        margin=(0.05, 0.08),
        debt=(0.45, 0.6),
        assets_ratio=(0.9, 1.2),
    )
    doc["equity_financing"] = []
    doc["ip"] = _patents(rng, line, today, inventions=12, high_value=4, second_class=20)
    doc["rd_institutions"] = [
        {"level": "national", "kind": "enterprise_technology_center", "name": f"{name[:2]}国家级企业技术中心"}
    ]
    doc["awards"] = []
    doc["honours"] = [{"kind": "high_tech_enterprise", "valid_until": f"{today.year + 1}-12-31"}]
    doc["quality"] = {"management_system_cert": True, "own_brand": True, "standards_participation": True}
    doc["main_product"] = {
        "name": line.products[0],
        "strategic_emerging": True,
        "field": None,
        "key_field": None,
        "supports_key_chain": True,
    }
    doc["digital_level"] = 4
    doc["core_business_on_information_system"] = True
    doc["compliance"] = dict(NO_PROBLEMS)
    doc["recognitions"] = []
    return doc


BUILDERS = {
    "little_giant": little_giant,
    "specialized": specialized,
    "tech_innovative": tech_innovative,
    "none": none,
    "missing": missing,
}


def make_profile(
    rng: random.Random,
    archetype: str,
    today: dt.date,
    *,
    name: str,
    credit_code: str,
    region: str,
    line: Line,
) -> dict:
    return BUILDERS[archetype](rng, today, name, credit_code, region, line)

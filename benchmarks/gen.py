"""A small, fast generator of complete (null-free) enterprise tables in the external flat layout.

Why our own: the peer comparison needs data with no missing values (the engine is
three-valued, the peers are not), and exact band edges (rd_expense exactly 5 % of
revenue, debt exactly 55 %…) often enough that the "shared edge goes to the higher band"
rule is exercised. `zjtx synth` is used for the big screening runs when it exists; this
module is the fallback and the source of the peer-comparison data.

The layout is the one of docs/screening.md / rulebook.flat: money in yuan, ratios as
fractions, enum member names, ISO dates, 0 = "no award that year". As-of date
2024-06-30, so the last fiscal year is 2023 (y0) and the years 2021–2023 are generated.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

AS_OF = dt.date(2024, 6, 30)
YEARS = (2021, 2022, 2023)
Y0, Y1, Y2 = 2023, 2022, 2021

INDUSTRIES = ["C3484", "C3985", "C2761", "I6513", "F5123", "F5211", "E4710", "M7320", "A0111", "G5411", "K7010", "C1713"]
REGIONS = ["330106", "320505", "440305", "510104", "110108", "510722", "420111"]
LEVELS = ["none", "below_municipal", "municipal", "provincial", "national"]
STANDARD_LEVELS = ["none", "group", "local", "industry", "national", "international"]
FIELDS = ["chain_breakthrough", "six_bases_or_laozihao_or_chain_leader_supplier", "none"]
KEY_FIELDS = ["six_bases", "manufacturing_key_industries", "cyber_power", "none"]
HONOURS = ["high_tech_enterprise", "national_tech_innovation_demo", "ip_advantage", "ip_demo", "tech_sme"]
RECOGNITIONS = ["innovative", "tech_sme", "specialized", "little_giant"]
NEVER = dt.date(1900, 1, 1)

# The columns the 2022 创新型 standard reads (after `size_is_sme` is precomputed): the peers' input.
INNOVATIVE_INPUTS = [
    "size_is_sme", "abnormal_operation_list", "seriously_dishonest", "prohibited_products", "major_incident_last_3_years",
    "ip_I_main_high_value", "ip_I_main_self", "ip_I_main", "ip_II_main",
    f"rd_expense_{Y0}", f"revenue_{Y0}", f"main_revenue_{Y0}", f"main_revenue_{Y1}",
    f"total_liabilities_{Y0}", f"total_assets_{Y0}", "strategic_emerging",
    *[f"science_award_{lvl}_rank_{y}" for y in YEARS for lvl in ("national", "provincial")],
    *[f"honour_{k}_until" for k in HONOURS[:4]],
    "rd_institution_level",
    *[f"equity_qualified_{y}" for y in YEARS],
]


def _edge_or_random(rng: np.random.Generator, base: np.ndarray, pcts: list[int], lo: float, hi: float, p_edge: float) -> np.ndarray:
    """base × a random share in [lo, hi), or exactly base × pct/100 (base is a multiple of 100) for a share of rows."""
    n = base.shape[0]
    out = np.floor(base * rng.uniform(lo, hi, n)).astype(np.int64)
    edge = rng.random(n) < p_edge
    pct = rng.choice(np.array(pcts, dtype=np.int64), n)
    out[edge] = base[edge] // 100 * pct[edge]
    return out


def _dates(rng: np.random.Generator, n: int, p_never: float, start: dt.date, end: dt.date) -> np.ndarray:
    days = rng.integers((start - dt.date(1970, 1, 1)).days, (end - dt.date(1970, 1, 1)).days, n)
    out = days.astype("datetime64[D]")
    out[rng.random(n) < p_never] = np.datetime64(NEVER)
    return out


def frame(n: int, seed: int = 1, offset: int = 0) -> pl.DataFrame:
    """n complete enterprises (ids offset+1 … offset+n)."""
    rng = np.random.default_rng([seed, offset])
    cols: dict[str, object] = {"id": np.arange(offset + 1, offset + n + 1, dtype=np.int64)}
    cols["region"] = pl.Series(rng.choice(REGIONS, n)).cast(pl.String)
    cols["industry"] = pl.Series(rng.choice(INDUSTRIES, n)).cast(pl.String)
    cols["established"] = _dates(rng, n, 0.0, dt.date(1995, 1, 1), dt.date(2022, 1, 1))
    cols["niche_since"] = _dates(rng, n, 0.0, dt.date(2005, 1, 1), dt.date(2023, 6, 1))

    # Revenue of the last year, a multiple of 100 yuan; earlier years from growth shares with exact edges.
    rev0 = rng.integers(0, 4_000_000, n, dtype=np.int64) * 100
    rev0[rng.random(n) < 0.002] = 0  # a zero denominator: ratios undefined (never pass a comparison)
    revs = {Y0: rev0}
    mains = {}
    # main_revenue[y0]: share of revenue with edges at 50/55/60/70 %
    mains[Y0] = np.minimum(_edge_or_random(rng, rev0, [50, 55, 60, 70, 100], 0.4, 1.0, 0.15), rev0)
    # main_revenue[y1]: growth edges 0/5/10/15 % — main[y0] = main[y1] × (100+g)/100 exactly when main[y1] is a multiple of 100
    m1 = (mains[Y0] * rng.uniform(0.75, 1.1, n)).astype(np.int64)
    edge = rng.random(n) < 0.12
    g = rng.choice(np.array([0, 5, 10, 15], dtype=np.int64), n)
    m1[edge] = mains[Y0][edge] // 100 * 100
    mains[Y0] = np.where(edge, m1 // 100 * (100 + g), mains[Y0])  # growth exactly g %
    m1[rng.random(n) < 0.002] = 0
    mains[Y1] = m1
    mains[Y2] = (m1 * rng.uniform(0.7, 1.2, n)).astype(np.int64)
    revs[Y0] = np.maximum(rev0, mains[Y0])
    revs[Y1] = np.maximum((revs[Y0] * rng.uniform(0.75, 1.1, n)).astype(np.int64), mains[Y1])
    revs[Y2] = np.maximum((revs[Y1] * rng.uniform(0.7, 1.2, n)).astype(np.int64), mains[Y2])
    for y in YEARS:
        emp = rng.integers(1, 1200, n, dtype=np.int64)
        cols[f"employees_{y}"] = emp
        cols[f"rd_staff_{y}"] = (emp * rng.uniform(0, 0.4, n)).astype(np.int64)
        cols[f"revenue_{y}"] = revs[y]
        cols[f"main_revenue_{y}"] = mains[y]
        assets = rng.integers(1, 5_000_000, n, dtype=np.int64) * 100
        if y == Y0:
            assets[rng.random(n) < 0.002] = 0
        cols[f"total_assets_{y}"] = assets
        cols[f"total_liabilities_{y}"] = _edge_or_random(rng, assets, [55, 70, 75], 0.1, 1.0, 0.12)
        cols[f"net_profit_{y}"] = (revs[y] * rng.uniform(-0.1, 0.25, n)).astype(np.int64)
        cols[f"rd_expense_{y}"] = _edge_or_random(rng, revs[y], [1, 2, 3, 4, 5, 6, 8, 10], 0.0, 0.12, 0.15)
        cols[f"equity_qualified_{y}"] = np.where(rng.random(n) < 0.05, rng.integers(1, 80, n) * 500_000, 0).astype(np.int64)
        for lvl, p in (("national", 0.01), ("provincial", 0.03)):
            cols[f"science_award_{lvl}_rank_{y}"] = np.where(rng.random(n) < p, rng.integers(1, 9, n), 0).astype(np.int64)
        cols[f"maker_china_group_{y}"] = np.where(rng.random(n) < 0.03, rng.choice(np.array([50, 500]), n), 0).astype(np.int64)
        cols[f"standard_led_level_{y}"] = pl.Series(rng.choice(STANDARD_LEVELS, n, p=[0.9, 0.04, 0.02, 0.02, 0.015, 0.005])).cast(pl.String)
    ip1 = rng.poisson(1.2, n).astype(np.int64)
    cols["ip_I_main"] = ip1
    cols["ip_I_main_self"] = rng.binomial(ip1, 0.6).astype(np.int64)
    cols["ip_I_main_high_value"] = rng.binomial(ip1, 0.15).astype(np.int64)
    cols["ip_I_main_applied"] = rng.binomial(ip1, 0.5).astype(np.int64)
    cols["ip_I_main_self_applied"] = np.minimum(cols["ip_I_main_applied"], cols["ip_I_main_self"])
    cols["ip_II_main"] = rng.poisson(2.0, n).astype(np.int64)
    cols["rd_institution_level"] = pl.Series(rng.choice(LEVELS, n, p=[0.6, 0.15, 0.12, 0.1, 0.03])).cast(pl.String)
    cols["quality_award_level"] = pl.Series(rng.choice(LEVELS, n, p=[0.8, 0.08, 0.07, 0.04, 0.01])).cast(pl.String)
    for k in HONOURS:
        cols[f"honour_{k}_until"] = _dates(rng, n, 0.85, dt.date(2022, 1, 1), dt.date(2027, 12, 31))
    for k in RECOGNITIONS:
        cols[f"recognition_{k}_until"] = _dates(rng, n, 0.8, dt.date(2022, 1, 1), dt.date(2027, 12, 31))
    for k, p in (("management_system_cert", 0.5), ("own_brand", 0.5), ("standards_participation", 0.3),
                 ("developed_market_product_cert", 0.1), ("strategic_emerging", 0.35), ("supports_key_chain", 0.2),
                 ("core_business_on_information_system", 0.5), ("abnormal_operation_list", 0.03),
                 ("seriously_dishonest", 0.01), ("prohibited_products", 0.01), ("major_incident_last_3_years", 0.02),
                 ("research_misconduct", 0.005), ("rd_deduction_excluded_industry", 0.03)):
        cols[k] = rng.random(n) < p
    cols["product_field"] = pl.Series(rng.choice(FIELDS, n, p=[0.1, 0.2, 0.7])).cast(pl.String)
    cols["product_key_field"] = pl.Series(rng.choice(KEY_FIELDS, n, p=[0.1, 0.1, 0.05, 0.75])).cast(pl.String)
    cols["national_market_share"] = np.round(rng.uniform(0, 0.4, n), 4)
    cols["international_market_share"] = np.round(rng.uniform(0, 0.1, n), 4)
    cols["domestic_rank"] = rng.integers(1, 50, n, dtype=np.int64)
    cols["digital_level"] = rng.integers(1, 5, n, dtype=np.int64)
    cols["local_featured_score"] = rng.integers(0, 16, n, dtype=np.int64)
    for k in ("sc_modern_system", "sc_heritage_or_first", "sc_unique"):
        cols[f"local_{k}"] = rng.random(n) < 0.3
    return pl.DataFrame(cols)


def write(n: int, path: str, seed: int = 1, chunk: int = 1_000_000) -> None:
    """Write n rows to Parquet in chunks (bounded memory for 10^7+ rows)."""
    import pyarrow.parquet as pq

    writer = None
    try:
        for start in range(0, n, chunk):
            df = frame(min(chunk, n - start), seed, start)
            table = df.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    write(a.n, a.output, a.seed)

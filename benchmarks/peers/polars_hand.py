"""The 2022 创新型中小企业 standard written by hand as Polars expressions (the "what a careful engineer would
write" peer).

Input: the normalized columns (rulebook.flat.normalize: money in integer fen, enum members as their
order, award rank 9999 = none, dates as Date) plus `size_is_sme` precomputed. Complete data: no nulls.
Exact like the engine: every ratio band is a cross-multiplication in Int64 (amounts are < 2^43 fen, so
20 × amount cannot overflow), and a zero denominator makes the ratio undefined, which passes no band.
Shared band edges go to the higher band (`>=` on the lower edge of each band).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

Y0, Y1 = 2023, 2022
YEARS = (2021, 2022, 2023)
AS_OF = dt.date(2024, 6, 30)
PROVINCIAL = 3  # LEVEL_ORDER["provincial"]
NO_RANK = 9999
EQUITY_ROUTE_FEN = 5_000_000 * 100


def at_least(num: pl.Expr, den: pl.Expr, p: int, q: int) -> pl.Expr:
    """num/den >= p/q, exactly; False when den == 0 (undefined ratio)."""
    return (den != 0) & (num * q >= den * p)


def points(*bands: tuple[pl.Expr, int], default: int) -> pl.Expr:
    """The first band whose test holds (bands listed from the highest down)."""
    expr = pl.when(bands[0][0]).then(bands[0][1])
    for test, pts in bands[1:]:
        expr = expr.when(test).then(pts)
    return expr.otherwise(default)


def innovative(as_of: dt.date = AS_OF) -> list[pl.Expr]:
    rd, rev = pl.col(f"rd_expense_{Y0}"), pl.col(f"revenue_{Y0}")
    m0, m1 = pl.col(f"main_revenue_{Y0}"), pl.col(f"main_revenue_{Y1}")
    liab, assets = pl.col(f"total_liabilities_{Y0}"), pl.col(f"total_assets_{Y0}")
    growth = m0 - m1  # growth >= g ⇔ (m0 - m1) / m1 >= g

    ip = points((pl.col("ip_I_main_high_value") >= 1, 20), (pl.col("ip_I_main_self") >= 1, 15),
                (pl.col("ip_I_main") >= 1, 10), (pl.col("ip_II_main") >= 1, 5), default=0)
    rd_pts = points((at_least(rd, rev, 5, 100), 20), (at_least(rd, rev, 3, 100), 15),
                    (at_least(rd, rev, 2, 100), 10), (at_least(rd, rev, 1, 100), 5), default=0)
    growth_pts = points((at_least(growth, m1, 15, 100), 20), (at_least(growth, m1, 10, 100), 15),
                        (at_least(growth, m1, 5, 100), 10), (at_least(growth, m1, 0, 100), 5), default=0)
    debt_pts = points((at_least(liab, assets, 75, 100), 0), (at_least(liab, assets, 55, 100), 5), default=10)
    field_pts = pl.when(pl.col("strategic_emerging")).then(10).otherwise(5)
    share_pts = points((at_least(m0, rev, 70, 100), 20), (at_least(m0, rev, 60, 100), 15),
                       (at_least(m0, rev, 55, 100), 10), (at_least(m0, rev, 50, 100), 5), default=0)

    innovation, growth_g, special = ip + rd_pts, growth_pts + debt_pts, field_pts + share_pts
    score = innovation + growth_g + special
    by_score = (score >= 60) & (innovation >= 20) & (growth_g >= 15) & (special >= 15)

    award = pl.any_horizontal([(pl.col(f"science_award_{lvl}_rank_{y}") < NO_RANK)
                               for y in YEARS for lvl in ("national", "provincial")])
    day = pl.lit(as_of)
    honour = pl.any_horizontal([pl.col(f"honour_{k}_until") >= day
                                for k in ("high_tech_enterprise", "national_tech_innovation_demo", "ip_advantage", "ip_demo")])
    institution = pl.col("rd_institution_level") >= PROVINCIAL
    equity = pl.sum_horizontal([pl.col(f"equity_qualified_{y}") for y in YEARS]) >= EQUITY_ROUTE_FEN

    gates = (pl.col("size_is_sme") & ~pl.col("abnormal_operation_list") & ~pl.col("seriously_dishonest")
             & ~pl.col("prohibited_products") & ~pl.col("major_incident_last_3_years"))
    qualified = gates & (by_score | award | honour | institution | equity)
    return [qualified.alias("innovative_qualified"), score.cast(pl.Int32).alias("innovative_score")]


def apply(lf: pl.LazyFrame, as_of: dt.date = AS_OF) -> pl.LazyFrame:
    return lf.select(innovative(as_of))


def run(df: pl.DataFrame, as_of: dt.date = AS_OF) -> pl.DataFrame:
    return df.lazy().select(innovative(as_of)).collect()

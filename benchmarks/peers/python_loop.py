"""The 2022 创新型中小企业 standard as a tight plain-Python loop over rows (no NumPy, no Polars).

Input: the same normalized columns as the other peers (integer fen, enum orders, rank 9999 = none,
`datetime.date`s, `size_is_sme` precomputed), handed over as Python lists — one list per column;
the conversion from the DataFrame is timed separately. Exact: integer cross-multiplication, a zero
denominator passes no band, shared band edges go to the higher band.
"""

from __future__ import annotations

import datetime as dt

Y0, Y1 = 2023, 2022
YEARS = (2021, 2022, 2023)
AS_OF = dt.date(2024, 6, 30)
HONOURS = ("high_tech_enterprise", "national_tech_innovation_demo", "ip_advantage", "ip_demo")
COLUMNS = (
    "size_is_sme", "abnormal_operation_list", "seriously_dishonest", "prohibited_products", "major_incident_last_3_years",
    "ip_I_main_high_value", "ip_I_main_self", "ip_I_main", "ip_II_main",
    f"rd_expense_{Y0}", f"revenue_{Y0}", f"main_revenue_{Y0}", f"main_revenue_{Y1}",
    f"total_liabilities_{Y0}", f"total_assets_{Y0}", "strategic_emerging",
    *[f"science_award_{lvl}_rank_{y}" for y in YEARS for lvl in ("national", "provincial")],
    *[f"honour_{k}_until" for k in HONOURS],
    "rd_institution_level",
    *[f"equity_qualified_{y}" for y in YEARS],
)


def run(columns: dict[str, list], as_of: dt.date = AS_OF) -> tuple[list[bool], list[int]]:
    """(qualified, score) per row."""
    qualified: list[bool] = []
    scores: list[int] = []
    q_append, s_append = qualified.append, scores.append
    for (sme, abnormal, dishonest, prohibited, incident, hv, own, ip1, ip2, rd, rev, m0, m1, liab, assets, emerging,
         n21, p21, n22, p22, n23, p23, h1, h2, h3, h4, inst, e21, e22, e23) in zip(*(columns[c] for c in COLUMNS), strict=True):
        ip = 20 if hv >= 1 else 15 if own >= 1 else 10 if ip1 >= 1 else 5 if ip2 >= 1 else 0
        if rev != 0:
            r100 = rd * 100
            rd_pts = 20 if r100 >= rev * 5 else 15 if r100 >= rev * 3 else 10 if r100 >= rev * 2 else 5 if r100 >= rev else 0
            s10 = m0 * 100
            share = 20 if s10 >= rev * 70 else 15 if s10 >= rev * 60 else 10 if s10 >= rev * 55 else 5 if s10 >= rev * 50 else 0
        else:
            rd_pts = share = 0
        if m1 != 0:
            g100 = (m0 - m1) * 100
            growth = 20 if g100 >= m1 * 15 else 15 if g100 >= m1 * 10 else 10 if g100 >= m1 * 5 else 5 if g100 >= 0 else 0
        else:
            growth = 0
        if assets != 0:
            l100 = liab * 100
            debt = 0 if l100 >= assets * 75 else 5 if l100 >= assets * 55 else 10
        else:
            debt = 10  # undefined ratio: no band test passes, so the last band (“55%以下”)
        field = 10 if emerging else 5
        innovation, grow, special = ip + rd_pts, growth + debt, field + share
        score = innovation + grow + special
        ok = (sme and not abnormal and not dishonest and not prohibited and not incident) and (
            (score >= 60 and innovation >= 20 and grow >= 15 and special >= 15)
            or n21 < 9999 or p21 < 9999 or n22 < 9999 or p22 < 9999 or n23 < 9999 or p23 < 9999
            or h1 >= as_of or h2 >= as_of or h3 >= as_of or h4 >= as_of
            or inst >= 3
            or e21 + e22 + e23 >= 500_000_000
        )
        q_append(ok)
        s_append(score)
    return qualified, scores

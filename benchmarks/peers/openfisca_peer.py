"""The 2022 创新型中小企业 standard as an OpenFisca tax-benefit system (vectorised NumPy formulas).

Runs ONLY in its own virtualenv (benchmarks/.venv-openfisca, created by `make bench`): openfisca-core
is AGPL and is never a dependency of zjtx nor imported by src/. The benchmark driver writes the
normalized inputs to Parquet, runs this script, and reads back the results and timings.

The system: one person entity `enterprise`; YEAR input variables for the per-year facts (read for
`period`, `period.last_year`, …, the OpenFisca idiom), ETERNITY inputs for the others, and one
formula variable per indicator, group, route and gate. Exactness: OpenFisca's `int` is int32 and its
`float` is float32 — neither can hold amounts in fen exactly — so the money variables are declared
`int` and widened to int64 (`Money.__init__`); ratio bands are integer cross-multiplications like in
the other implementations; a zero denominator passes no band; shared edges go to the higher band.
The SME-size gate reads the size class precomputed by the driver (`size_is_sme`).

Usage: python openfisca_peer.py INPUT.parquet OUTPUT.parquet REPEATS  → prints one JSON line of timings.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.periods import ETERNITY, YEAR
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

AS_OF = np.datetime64(dt.date(2024, 6, 30), "D")
FISCAL_YEAR = "2023"
Enterprise = build_entity(key="enterprise", plural="enterprises", label="An enterprise", is_person=True)


def _input(name: str, value_type, period=ETERNITY, money: bool = False) -> type:
    def init(self, baseline_variable=None):
        Variable.__init__(self, baseline_variable)
        if money:
            self.dtype = np.int64  # amounts in fen exceed int32; float32 would not be exact

    return type(name, (Variable,), {"value_type": value_type, "entity": Enterprise, "definition_period": period,
                                    "label": name, "__init__": init})


INPUTS = [
    *[_input(n, int, YEAR, money=True) for n in ("revenue", "main_revenue", "rd_expense", "total_assets",
                                                   "total_liabilities", "equity_qualified")],
    *[_input(n, int, YEAR) for n in ("science_award_national_rank", "science_award_provincial_rank")],
    *[_input(n, int) for n in ("ip_I_main_high_value", "ip_I_main_self", "ip_I_main", "ip_II_main", "rd_institution_level")],
    *[_input(f"honour_{k}_until", dt.date) for k in ("high_tech_enterprise", "national_tech_innovation_demo", "ip_advantage", "ip_demo")],
    *[_input(n, bool) for n in ("strategic_emerging", "size_is_sme", "abnormal_operation_list", "seriously_dishonest",
                                "prohibited_products", "major_incident_last_3_years")],
]


def at_least(num, den, p: int, q: int):
    """num/den >= p/q exactly (int64); False where den == 0 (undefined ratio)."""
    return (den != 0) & (num * q >= den * p)


class inn_ip_points(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "创新能力：知识产权（满分20分）"

    def formula(e, period):
        return np.select([e("ip_I_main_high_value", period) >= 1, e("ip_I_main_self", period) >= 1,
                          e("ip_I_main", period) >= 1, e("ip_II_main", period) >= 1], [20, 15, 10, 5], 0)


class inn_rd_ratio_points(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "创新能力：研发费用占比（满分20分）"

    def formula(e, period):
        rd, rev = e("rd_expense", period), e("revenue", period)
        return np.select([at_least(rd, rev, 5, 100), at_least(rd, rev, 3, 100), at_least(rd, rev, 2, 100),
                          at_least(rd, rev, 1, 100)], [20, 15, 10, 5], 0)


class inn_growth_points(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "成长性：主营业务收入增长率（满分20分）"

    def formula(e, period):
        m0, m1 = e("main_revenue", period), e("main_revenue", period.last_year)
        g = m0 - m1
        return np.select([at_least(g, m1, 15, 100), at_least(g, m1, 10, 100), at_least(g, m1, 5, 100),
                          at_least(g, m1, 0, 100)], [20, 15, 10, 5], 0)


class inn_debt_points(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "成长性：资产负债率（满分10分）"

    def formula(e, period):
        liab, assets = e("total_liabilities", period), e("total_assets", period)
        return np.select([at_least(liab, assets, 75, 100), at_least(liab, assets, 55, 100)], [0, 5], 10)


class inn_field_points(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "专业化：主导产品所属领域（满分10分）"

    def formula(e, period):
        return np.where(e("strategic_emerging", period), 10, 5)


class inn_main_share_points(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "专业化：主营业务收入占比（满分20分）"

    def formula(e, period):
        m0, rev = e("main_revenue", period), e("revenue", period)
        return np.select([at_least(m0, rev, 70, 100), at_least(m0, rev, 60, 100), at_least(m0, rev, 55, 100),
                          at_least(m0, rev, 50, 100)], [20, 15, 10, 5], 0)


class inn_innovation(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "创新能力得分"

    def formula(e, period):
        return e("inn_ip_points", period) + e("inn_rd_ratio_points", period)


class inn_growth_group(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "成长性得分"

    def formula(e, period):
        return e("inn_growth_points", period) + e("inn_debt_points", period)


class inn_specialisation(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "专业化得分"

    def formula(e, period):
        return e("inn_field_points", period) + e("inn_main_share_points", period)


class inn_score(Variable):
    value_type, entity, definition_period, label = int, Enterprise, YEAR, "创新型评价得分"

    def formula(e, period):
        return e("inn_innovation", period) + e("inn_growth_group", period) + e("inn_specialisation", period)


class inn_by_score(Variable):
    value_type, entity, definition_period, label = bool, Enterprise, YEAR, "得分60分以上且各项最低分"

    def formula(e, period):
        return ((e("inn_score", period) >= 60) & (e("inn_innovation", period) >= 20)
                & (e("inn_growth_group", period) >= 15) & (e("inn_specialisation", period) >= 15))


class inn_route_award(Variable):
    value_type, entity, definition_period, label = bool, Enterprise, YEAR, "近三年国家级、省级科技奖励"

    def formula(e, period):
        hit = np.zeros(e.count, dtype=bool)
        p = period
        for _ in range(3):
            hit |= (e("science_award_national_rank", p) < 9999) | (e("science_award_provincial_rank", p) < 9999)
            p = p.last_year
        return hit


class inn_route_honour(Variable):
    value_type, entity, definition_period, label = bool, Enterprise, YEAR, "有效期内的荣誉"

    def formula(e, period):
        return ((e("honour_high_tech_enterprise_until", period) >= AS_OF)
                | (e("honour_national_tech_innovation_demo_until", period) >= AS_OF)
                | (e("honour_ip_advantage_until", period) >= AS_OF) | (e("honour_ip_demo_until", period) >= AS_OF))


class inn_route_rd_institution(Variable):
    value_type, entity, definition_period, label = bool, Enterprise, YEAR, "省部级以上研发机构"

    def formula(e, period):
        return e("rd_institution_level", period) >= 3


class inn_route_equity(Variable):
    value_type, entity, definition_period, label = bool, Enterprise, YEAR, "近三年股权融资500万元以上"

    def formula(e, period):
        total = e("equity_qualified", period) + e("equity_qualified", period.last_year) + e("equity_qualified", period.last_year.last_year)
        return total >= 5_000_000 * 100


class gen_conditions(Variable):
    value_type, entity, definition_period, label = bool, Enterprise, YEAR, "参评基本条件"

    def formula(e, period):
        return (e("size_is_sme", period) & ~e("abnormal_operation_list", period) & ~e("seriously_dishonest", period)
                & ~e("prohibited_products", period) & ~e("major_incident_last_3_years", period))


class innovative_qualified(Variable):
    value_type, entity, definition_period, label = bool, Enterprise, YEAR, "创新型中小企业"

    def formula(e, period):
        return e("gen_conditions", period) & (e("inn_by_score", period) | e("inn_route_award", period)
                                              | e("inn_route_honour", period) | e("inn_route_rd_institution", period)
                                              | e("inn_route_equity", period))


FORMULAS = [inn_ip_points, inn_rd_ratio_points, inn_growth_points, inn_debt_points, inn_field_points, inn_main_share_points,
            inn_innovation, inn_growth_group, inn_specialisation, inn_score, inn_by_score, inn_route_award, inn_route_honour,
            inn_route_rd_institution, inn_route_equity, gen_conditions, innovative_qualified]


def system() -> TaxBenefitSystem:
    tbs = TaxBenefitSystem([Enterprise])
    for v in INPUTS + FORMULAS:
        tbs.add_variable(v)
    return tbs


def split(column: str) -> tuple[str, str | None]:
    head, _, tail = column.rpartition("_")
    return (head, tail) if tail.isdigit() and len(tail) == 4 else (column, None)


def simulate(tbs: TaxBenefitSystem, arrays: dict[str, np.ndarray], n: int):
    """(simulation, seconds to set the inputs)."""
    started = time.perf_counter()
    builder = SimulationBuilder()
    builder.create_entities(tbs)
    builder.declare_person_entity("enterprise", np.arange(n))
    sim = builder.build(tbs)
    for column, values in arrays.items():
        name, year = split(column)
        if name in tbs.variables:
            sim.set_input(name, year or FISCAL_YEAR if tbs.variables[name].definition_period != ETERNITY else "eternity", values)
    return sim, time.perf_counter() - started


def main() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    src, dst, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    table = pq.read_table(src)
    arrays = {}
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if pa.types.is_date32(col.type):
            arrays[name] = col.to_numpy(zero_copy_only=False).astype("datetime64[D]")
        else:
            arrays[name] = col.to_numpy(zero_copy_only=False)
    n = table.num_rows
    tbs = system()
    best_calc, best_set, best_total = float("inf"), float("inf"), float("inf")
    for _ in range(repeats):
        sim, set_seconds = simulate(tbs, arrays, n)
        started = time.perf_counter()
        qualified = sim.calculate("innovative_qualified", FISCAL_YEAR)
        score = sim.calculate("inn_score", FISCAL_YEAR)
        calc_seconds = time.perf_counter() - started
        best_calc = min(best_calc, calc_seconds)
        best_set = min(best_set, set_seconds)
        best_total = min(best_total, set_seconds + calc_seconds)
    pq.write_table(pa.table({"innovative_qualified": qualified, "innovative_score": score.astype(np.int32)}), dst)
    import openfisca_core

    version = getattr(openfisca_core, "__version__", None)
    if version is None:
        from importlib.metadata import version as _v

        version = _v("openfisca-core")
    print(json.dumps({"rows": n, "calculate_s": best_calc, "set_input_s": best_set, "total_s": best_total,
                      "openfisca_core": version}))


if __name__ == "__main__":
    main()

"""Where the compiled rules spend their time, and what a further change to batch.py would buy.

    .venv/bin/python benchmarks/profile_engine.py [--rows 1000000] [--alltier-rows 1000000]

Nothing here changes src/: the variants are built in this process from the engine's own stages
(`rulebook.batch.tier_stages`) and each variant's output is checked against the engine's.

Variants:
  engine          tier_stages() as evaluate_frame applies them (criteria, scores and decisions as
                  staged temporary columns)
  + chain         each indicator's min/max points as ONE when/then chain over "option k is
                  possible" boolean columns (ascending points for the min, descending for the max),
                  instead of one when/then column per option reduced by min_/max_horizontal, with
                  every earlier test repeated in each later option's all_horizontal
  + Int64         comparisons kept in Int64 (`INT64_BITS` raised in this process). The engine casts
                  every ratio comparison to Int128 because `ratio(a, b)` of two amounts in fen keeps
                  a 10^2 factor on both sides (bound 50 + 7 + 1 + 5 bits > 62); valid for the 创新型
                  ratios, NOT in general (see the all-tier line)
It also times the pieces evaluate_frame adds: the size classification and the digital level.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as C  # noqa: E402
from peers import polars_hand  # noqa: E402

import rulebook.batch as B  # noqa: E402


def best(fn, repeats=3):
    runs = []
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t)
    return min(runs), out


def stages_for(variants_rs, columns, chain: bool, int64: bool):
    """The engine's stages for these rule sets (base first, then (prefix, overlay) pairs), optionally with chained points."""
    saved = B.INT64_BITS
    B.INT64_BITS = 126 if int64 else saved
    try:
        variants = [(prefix, rs, B.Compiler(rs, C.FISCAL_YEAR, C.AS_OF, columns)) for prefix, rs in variants_rs]
        region = pl.col("region") if "region" in columns else pl.lit(None, dtype=pl.String)
        stages = B.tier_stages(variants, region)
    finally:
        B.INT64_BITS = saved
    if not chain:
        return stages
    criteria = {}
    for _p, rs in variants_rs:
        criteria.update(rs.criteria)
    possible: list[pl.Expr] = []
    points: list[pl.Expr] = []
    at = next(i for i, st in enumerate(stages) if any(e.meta.output_name().startswith(B._lo("")) for e in st))
    for e in stages[at]:
        name = e.meta.output_name()
        if not name.startswith(B._lo("")):
            continue
        cid = name[len(B._lo("")):]
        c = criteria[cid]
        earlier: pl.Expr = pl.lit(True)
        opts = []
        for i, o in enumerate(c.options):
            t = pl.lit(True) if o.test is None else pl.col(B._t(cid, i))
            possible.append((earlier & t.fill_null(True)).alias(f"_zq_{cid}_{i}"))
            opts.append((B._points_int(o.points), pl.col(f"_zq_{cid}_{i}")))
            earlier = earlier & t.fill_null(False).not_()

        def chain_of(order):
            e = pl.when(order[0][1]).then(pl.lit(order[0][0]))
            for pts, q in order[1:]:
                e = e.when(q).then(pl.lit(pts))
            return e.otherwise(None)

        points.append(chain_of(sorted(opts, key=lambda x: x[0])).alias(B._lo(cid)))
        points.append(chain_of(sorted(opts, key=lambda x: -x[0])).alias(B._hi(cid)))
    others = [e for e in stages[at] if not e.meta.output_name().startswith((B._lo(""), B._hi("")))]
    return [*stages[:at], possible, points + others, *stages[at + 1:]]


def size_staged(columns: set[str]) -> list[list[pl.Expr]]:
    """batch.size_columns restructured: the sector once, each class verdict once, then the outputs (same values)."""
    from rulebook.codes import industries
    from rulebook.facts import SIZE_ORDER
    from rulebook.size import CLASSES, sector_of, sectors

    size_rs = C.REGISTRY.get("cn-sme-size-2011")
    table = sectors(size_rs)
    mapping = {code: sector_of(size_rs, code, None).id for code in industries()}
    code = pl.col("industry") if "industry" in columns else pl.lit(None, dtype=pl.String)
    sector = code.replace_strict(mapping, default=None, return_dtype=pl.String)
    if "size_sector" in columns:
        sector = pl.coalesce([pl.col("size_sector"), sector])

    def measure(m: str) -> pl.Expr:
        key = f"{m}_{C.FISCAL_YEAR}"
        return pl.col(key) if key in columns else pl.lit(None, dtype=pl.Int64)

    def met(cls: str) -> pl.Expr:
        expr: pl.Expr = pl.lit(None, dtype=pl.Boolean)
        for sec in table.values():
            checks = [measure(m) >= pl.lit(int(bound * (1 if m == "employees" else 100))) for m, bound in sec.classes[cls].items()]
            expr = pl.when(pl.col("_zsz_sector") == sec.id).then(pl.all_horizontal(checks)).otherwise(expr)
        return expr.alias(f"_zsz_{cls}")

    large, medium, small = (pl.col(f"_zsz_{c}") for c in CLASSES)
    name = (pl.when(large).then(pl.lit("large"))
            .when(large.not_() & medium).then(pl.lit("medium"))
            .when(large.not_() & medium.not_() & small).then(pl.lit("small"))
            .when(large.not_() & medium.not_() & small.not_()).then(pl.lit("micro"))
            .otherwise(pl.lit(None, dtype=pl.String)))
    is_sme = pl.when(large.not_()).then(pl.lit(True)).when(large).then(pl.lit(False)).otherwise(pl.lit(None, dtype=pl.Boolean))
    return [[sector.alias("_zsz_sector")], [met(c) for c in CLASSES],
            [pl.col("_zsz_sector").alias("size_sector_derived"), name.alias("size"), is_sme.alias("size_is_sme")],
            [pl.col("size").replace_strict(SIZE_ORDER, default=None, return_dtype=pl.Int64).alias("size_class")]]


def run(lf: pl.LazyFrame, stages) -> pl.DataFrame:
    for s in stages:
        lf = lf.with_columns(s)
    return lf.select(pl.exclude("^_z.*$")).collect()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--alltier-rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    src = C.synth_file(int(max(a.rows, a.alltier_rows) * 1.6), lambda *x: print(*x, file=sys.stderr))
    df = C.peer_frame(pl.scan_parquet(src), a.rows)
    cols = set(df.columns)
    print(f"engine: {C.engine_state()}; polars {pl.__version__}, {pl.thread_pool_size()} threads\n")
    print(f"## 创新型 tier, {df.height:,} complete rows, size_is_sme given\n")
    print("| variant | best of 3 | × hand-written |\n|---|---:|---:|")
    h, _ = best(lambda: df.lazy().select(polars_hand.innovative()).collect(), a.repeats)
    inn = [(None, C.innovative_only())]
    ref = None
    for chain, int64 in ((False, False), (False, True), (True, False), (True, True)):
        st = stages_for(inn, cols, chain, int64)
        t, out = best(lambda s=st: run(df.lazy(), s), a.repeats)
        ref = out if ref is None else ref
        name = "engine" + (" + chain" if chain else "") + (" + Int64" if int64 else "")
        print(f"| {name} | {t:.3f} s | {t / h:.1f}×{'' if out.equals(ref) else ' (DIFFERENT OUTPUT)'} |", flush=True)
    print(f"| hand-written Polars | {h:.3f} s | 1.0× |\n")

    print("Each stage of the engine alone (its inputs materialised first):\n\n| stage | expressions | best of 3 |\n|---|---:|---:|")
    st = stages_for(inn, cols, False, False)
    lf = df.lazy()
    for i, s in enumerate(st):
        base = lf.collect()
        t, _ = best(lambda s=s, b=base: b.lazy().with_columns(s).collect(), a.repeats)
        print(f"| {i + 1} | {len(s)} | {t:.3f} s |", flush=True)
        lf = base.lazy().with_columns(s)

    no_size = df.drop(["size", "size_class", "size_is_sme", "size_sector_derived"], strict=False)
    t, _ = best(lambda: C.with_size(no_size.lazy()).collect(), a.repeats)
    print(f"\nThe size classification alone (batch.size_columns on the same rows, all four outputs): {t:.3f} s\n")

    n2 = a.alltier_rows
    full_df = C.normalized(pl.scan_parquet(src).head(n2)).collect()
    print(f"## Every tier of cn-miit-2022, {full_df.height:,} synth rows as they are (with empty cells)\n")
    from rulebook.flat import evaluate_frame

    print("| variant | best |\n|---|---:|")
    one = full_df.head(1).lazy()
    t, _ = best(lambda: evaluate_frame(one, C.AS_OF, C.RULES, C.REGISTRY).collect(), 2)
    print(f"| evaluate_frame on ONE row (the fixed cost of a query; screen pays it per batch) | {t:.3f} s |", flush=True)
    t, ref = best(lambda: evaluate_frame(full_df.lazy(), C.AS_OF, C.RULES, C.REGISTRY).collect(), a.repeats)
    print(f"| evaluate_frame (size, digital level, tiers, Sichuan overlay) | {t:.3f} s |", flush=True)
    sized = C.with_size(full_df.lazy()).collect()
    t, _ = best(lambda: C.with_size(full_df.lazy()).collect(), a.repeats)
    print(f"| … its size classification alone (batch.size_columns) | {t:.3f} s |", flush=True)
    size_cols = ["size_sector_derived", "size", "size_class", "size_is_sme"]
    t, staged = best(lambda: run(full_df.lazy(), size_staged(set(full_df.columns))).select(size_cols), a.repeats)
    same = staged.equals(sized.select(size_cols))
    print(f"| … the same size classification staged (sector once, each class once) | {t:.3f} s{'' if same else ' (DIFFERENT OUTPUT)'} |", flush=True)
    scols = set(sized.columns)
    base = C.REGISTRY.get(C.RULES)
    overlays = [(p, C.REGISTRY.for_region(base.id, p)) for p, _path, _d in sorted(C.REGISTRY.overlays(base.id), key=lambda o: len(o[0]))]
    want = None
    for label, variants in (("tiers only, with the overlay", [(None, base), *overlays]), ("tiers only, no overlay", [(None, base)])):
        for chain, int64 in ((False, False), (True, False), (True, True)):
            st = stages_for(variants, scols, chain, int64)
            t, out = best(lambda s=st: run(sized.lazy(), s), a.repeats)
            key = label
            want = {} if want is None else want
            same = ""
            if key in want and not out.equals(want[key]):
                same = " (DIFFERENT OUTPUT: some products of the other tiers do overflow Int64 — the bound is needed there)" if int64 else " (DIFFERENT OUTPUT)"
            want.setdefault(key, out)
            name = label + (" + chain" if chain else "") + (" + Int64" if int64 else "")
            print(f"| {name} | {t:.3f} s{same} |", flush=True)


if __name__ == "__main__":
    main()

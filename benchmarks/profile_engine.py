"""Where the compiled rules spend their time, and what restructuring batch.py would buy.

    .venv/bin/python benchmarks/profile_engine.py [--rows 1000000]

Nothing here changes src/: the variants are built in this process by wrapping
`rulebook.batch.compile_criterion` (and by raising `INT64_BITS` for the Int64 variant, valid for
these magnitudes only); each variant's output is checked to be identical to the engine's.

Variants (the 创新型 tier alone, then every tier of cn-miit-2022 without the province overlay):
  as-is           tier_columns() as the engine builds it: one select of nested expressions
  staged          every criterion first materialised as a column (one with_columns), the tier
                  expressions (scores, verdicts, qualified, route, highest_tier) read those columns
  staged+chain    also every band test materialised once, and each indicator's min/max points as a
                  single when/then chain over "option k is possible" booleans (instead of one
                  when/then per option, min_horizontal/max_horizontal, and every earlier test
                  re-inlined into each later option's `reachable`)
  …, Int64        the same with comparisons kept in Int64 (the engine casts every ratio comparison
                  to Int128 because its magnitude bound — 50-bit money × 10^2 × a constant's
                  denominator — is 64 bits, just over its 62-bit Int64 limit)
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


def build(rs, columns, mode: str, int64: bool):
    """(stages, outputs): stages are lists of expressions applied with with_columns before the final select."""
    saved_bits = B.INT64_BITS
    B.INT64_BITS = 126 if int64 else saved_bits
    tests: list[pl.Expr] = []
    possible: list[pl.Expr] = []
    crits: list[pl.Expr] = []
    real = B.compile_criterion

    def staged(c, comp):
        cc = real(c, comp)
        if cc.passed is not None:
            crits.append(cc.passed.alias(f"_{c.id}_p"))
            return B.CompiledCriterion(pl.col(f"_{c.id}_p"), None, None)
        crits.append(cc.points_min.alias(f"_{c.id}_lo"))
        crits.append(cc.points_max.alias(f"_{c.id}_hi"))
        return B.CompiledCriterion(None, pl.col(f"_{c.id}_lo"), pl.col(f"_{c.id}_hi"))

    def chained(c, comp):
        if c.kind == "condition":
            crits.append(comp.boolean(comp.compile(c.test)).alias(f"_{c.id}_p"))
            return B.CompiledCriterion(pl.col(f"_{c.id}_p"), None, None)
        ts = []
        for k, o in enumerate(c.options):
            if o.test is None:
                ts.append(pl.lit(True))
                continue
            tests.append(comp.boolean(comp.compile(o.test)).alias(f"_{c.id}_t{k}"))
            ts.append(pl.col(f"_{c.id}_t{k}"))
        reachable: pl.Expr = pl.lit(True)
        opts = []
        for k, (o, t) in enumerate(zip(c.options, ts, strict=True)):
            possible.append((reachable & t.fill_null(True)).alias(f"_{c.id}_q{k}"))
            opts.append((B._points_int(o.points), pl.col(f"_{c.id}_q{k}")))
            reachable = reachable & t.fill_null(False).not_()

        def chain(order):
            e = pl.when(order[0][1]).then(pl.lit(order[0][0]))
            for pts, q in order[1:]:
                e = e.when(q).then(pl.lit(pts))
            return e.otherwise(None)

        crits.append(chain(sorted(opts, key=lambda x: x[0])).alias(f"_{c.id}_lo"))
        crits.append(chain(sorted(opts, key=lambda x: -x[0])).alias(f"_{c.id}_hi"))
        return B.CompiledCriterion(None, pl.col(f"_{c.id}_lo"), pl.col(f"_{c.id}_hi"))

    try:
        if mode != "as-is":
            B.compile_criterion = staged if mode == "staged" else chained
        outputs = B.tier_columns(rs, B.Compiler(rs, C.FISCAL_YEAR, C.AS_OF, columns))
    finally:
        B.compile_criterion = real
        B.INT64_BITS = saved_bits
    stages = [s for s in (tests, possible, crits) if s]
    return stages, outputs


def run_variant(df: pl.DataFrame, stages, outputs):
    lf = df.lazy()
    for s in stages:
        lf = lf.with_columns(s)
    return lf.select(outputs).collect()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--alltier-rows", type=int, default=200_000)
    a = ap.parse_args()
    src = C.synth_file(int(a.rows * 1.6), lambda *x: print(*x, file=sys.stderr))
    df = C.peer_frame(pl.scan_parquet(src), a.rows)
    cols = set(df.columns)
    print(f"{df.height:,} complete rows; polars {pl.__version__}, {pl.thread_pool_size()} threads\n")
    inn = C.innovative_only()
    print("## 创新型 tier (size_is_sme given)\n\n| variant | best of 3 | × hand-written |\n|---|---:|---:|")
    h, _ = best(lambda: df.lazy().select(polars_hand.innovative()).collect(), a.repeats)
    ref = None
    for mode in ("as-is", "staged", "staged+chain"):
        for int64 in (False, True):
            stages, outputs = build(inn, cols, mode, int64)
            t, out = best(lambda s=stages, o=outputs: run_variant(df, s, o), a.repeats)
            ref = out if ref is None else ref
            same = "" if out.equals(ref) else " (DIFFERENT OUTPUT)"
            print(f"| {mode}{', Int64' if int64 else ''} | {t:.3f} s | {t / h:.1f}×{same} |", flush=True)
    print(f"| hand-written Polars | {h:.3f} s | 1.0× |\n")

    print("## 创新型 as-is: each output column alone (shared sub-expressions recomputed per column)\n")
    stages, outputs = build(inn, cols, "as-is", False)
    print("| output | best of 3 |\n|---|---:|")
    for o in outputs:
        t, _ = best(lambda o=o: df.lazy().select(o).collect(), a.repeats)
        print(f"| {o.meta.output_name()} | {t:.3f} s |", flush=True)
    t, _ = best(lambda: df.lazy().select(outputs).collect(optimizations=pl.QueryOptFlags(comm_subexpr_elim=False)), 1)
    print(f"| all, common-subexpression elimination off | {t:.3f} s |")
    print(f"\nplan size: {len(df.lazy().select(outputs).explain()):,} characters\n")

    print("## 创新型: each indicator's points (min and max) alone, as compiled\n\n| criterion | Int128 (as-is) | Int64 |\n|---|---:|---:|")
    for cid in inn.tiers["innovative"].score.indicators:
        row = []
        for int64 in (False, True):
            saved = B.INT64_BITS
            B.INT64_BITS = 126 if int64 else saved
            try:
                cc = B.compile_criterion(inn.criteria[cid], B.Compiler(inn, C.FISCAL_YEAR, C.AS_OF, cols))
            finally:
                B.INT64_BITS = saved
            t, _ = best(lambda cc=cc: df.lazy().select(cc.points_min.alias("a"), cc.points_max.alias("b")).collect(), a.repeats)
            row.append(t)
        print(f"| {cid} | {row[0]:.3f} s | {row[1]:.3f} s |", flush=True)

    n2 = a.alltier_rows
    print(f"\n## Every tier of cn-miit-2022, {n2:,} synth rows as they are (with empty cells), size given\n")
    from rulebook.flat import evaluate_frame

    full_df = C.with_size(C.normalized(pl.scan_parquet(src).head(n2))).collect()
    fcols = set(full_df.columns)
    full = C.REGISTRY.get(C.RULES)
    print("| variant | best |\n|---|---:|")
    one = full_df.head(1).lazy()
    t, _ = best(lambda: evaluate_frame(one, C.AS_OF, C.RULES, C.REGISTRY).collect(), 2)
    print(f"| evaluate_frame on ONE row (the fixed cost of one query; screen pays it per 250,000-row batch) | {t:.3f} s |", flush=True)
    t, _ = best(lambda: evaluate_frame(one, C.AS_OF, C.RULES, C.REGISTRY).explain(), 1)
    print(f"| … of which building and optimising the plan (explain) | {t:.3f} s |", flush=True)
    t, _ = best(lambda: evaluate_frame(full_df.lazy(), C.AS_OF, C.RULES, C.REGISTRY).collect(), 1)
    print(f"| evaluate_frame (as-is, with the Sichuan overlay as when/then around every output) | {t:.3f} s |", flush=True)
    ref = None
    for mode, int64 in (("as-is", False), ("staged", False), ("staged+chain", False), ("staged+chain", True)):
        stages, outputs = build(full, fcols, mode, int64)
        if mode != "as-is":
            t1, _ = best(lambda s=stages, o=outputs: run_variant(full_df.head(1), s, o), 2)
            print(f"| tier_columns, no overlay: {mode}{', Int64' if int64 else ''}, ONE row | {t1:.3f} s |", flush=True)
        t, out = best(lambda s=stages, o=outputs: run_variant(full_df, s, o), 1 if mode == "as-is" else a.repeats)
        ref = out if ref is None else ref
        same = "" if out.equals(ref) else " (DIFFERENT OUTPUT)"
        if int64 and same:
            same = " (DIFFERENT OUTPUT: some all-tier products do overflow Int64 — the bound is needed there)"
        print(f"| tier_columns, no overlay: {mode}{', Int64' if int64 else ''} | {t:.3f} s{same} |", flush=True)


if __name__ == "__main__":
    main()

"""Where the compiled rules spend their time: the engine's stages one by one, and the pieces evaluate_frame adds.

    .venv/bin/python benchmarks/profile_engine.py [--rows 1000000] [--alltier-rows 1000000]

Nothing here changes src/: the stages are the engine's own (`rulebook.batch.tier_stages`,
`rulebook.batch.size_columns`), timed as evaluate_frame applies them and then one stage at a
time on materialised inputs (the sum is not the whole: the whole runs as one query, with common
sub-expressions shared and the threads kept busy).

Two checks ride along:
  Int64 everywhere  the engine with its Int128 bound lifted (`INT64_BITS` raised in this process):
                    the 创新型 ratios stay in Int64 by themselves since the equal scales cancel, and
                    lifting the bound changes nothing there; for every tier it does change answers
                    (`spec_growth`, a sum of two ratios, really needs 128 bits), which is why the
                    bound stays.
  staged metrics    compared with the same stages without them (each metric repeated inline in
                    every test that uses it): the output must be identical.
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


def stages_for(variants_rs, columns, int64: bool = False, staged_metrics: bool = True):
    """The engine's stages for these rule sets (base first, then (prefix, overlay) pairs)."""
    saved = B.INT64_BITS
    B.INT64_BITS = 126 if int64 else saved
    try:
        variants = [(prefix, rs, B.Compiler(rs, C.FISCAL_YEAR, C.AS_OF, columns)) for prefix, rs in variants_rs]
        region = pl.col("region") if "region" in columns else pl.lit(None, dtype=pl.String)
        if staged_metrics:
            return B.tier_stages(variants, region)
        original = B.Compiler.metric
        B.Compiler.metric = lambda self, name, loop_year: self.compile(self.rs.metrics[name], loop_year)  # inline
        try:
            return B.tier_stages(variants, region)
        finally:
            B.Compiler.metric = original
    finally:
        B.INT64_BITS = saved


STAGE_NAMES = ["metrics (staged once) and overlay regions", "condition outcomes and option tests", "first sure option",
               "point ranges (min/max chains)", "scores and verdicts", "decisions (qualified, score range)",
               "score, route, highest tier"]


def run(lf: pl.LazyFrame, stages) -> pl.DataFrame:
    for s in stages:
        lf = lf.with_columns(s)
    return lf.select(pl.exclude("^_z.*$")).collect()


def per_stage(lf: pl.LazyFrame, stages, names, repeats) -> None:
    print("| stage | expressions | best |\n|---|---:|---:|")
    for i, s in enumerate(stages):
        base = lf.collect()
        t, _ = best(lambda s=s, b=base: b.lazy().with_columns(s).collect(), repeats)
        print(f"| {i + 1}. {names[i] if i < len(names) else ''} | {len(s)} | {t:.3f} s |", flush=True)
        lf = base.lazy().with_columns(s)


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
    print("| variant | best | × hand-written |\n|---|---:|---:|")
    h, _ = best(lambda: df.lazy().select(polars_hand.innovative()).collect(), a.repeats)
    inn = [(None, C.innovative_only())]
    ref = None
    for label, kw in (("engine (tier_stages)", {}), ("engine, Int128 bound lifted", {"int64": True}),
                      ("engine, metrics inline", {"staged_metrics": False})):
        st = stages_for(inn, cols, **kw)
        t, out = best(lambda s=st: run(df.lazy(), s), a.repeats)
        ref = out if ref is None else ref
        print(f"| {label} | {t:.3f} s | {t / h:.2f}×{'' if out.equals(ref) else ' (DIFFERENT OUTPUT)'} |", flush=True)
    print(f"| hand-written Polars | {h:.3f} s | 1.00× |\n")

    print("Each stage of the engine alone (its inputs materialised first):\n")
    per_stage(df.lazy(), stages_for(inn, cols), STAGE_NAMES, a.repeats)

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
    print(f"| evaluate_frame on ONE row (the fixed cost of a query) | {t:.3f} s |", flush=True)
    t, _ = best(lambda: evaluate_frame(full_df.lazy(), C.AS_OF, C.RULES, C.REGISTRY).collect(), a.repeats)
    print(f"| evaluate_frame (size, digital level, tiers, Sichuan overlay) | {t:.3f} s |", flush=True)
    t, sized = best(lambda: C.with_size(full_df.lazy()).collect(), a.repeats)
    print(f"| … its size classification alone (batch.size_columns) | {t:.3f} s |", flush=True)
    scols = set(sized.columns)
    base = C.REGISTRY.get(C.RULES)
    overlays = [(p, C.REGISTRY.for_region(base.id, p)) for p, _path, _d in sorted(C.REGISTRY.overlays(base.id), key=lambda o: len(o[0]))]
    variants = [(None, base), *overlays]
    want = None
    for label, kw in (("tiers with the overlay (tier_stages)", {}), ("… metrics inline", {"staged_metrics": False}),
                      ("… Int128 bound lifted", {"int64": True})):
        st = stages_for(variants, scols, **kw)
        t, out = best(lambda s=st: run(sized.lazy(), s), a.repeats)
        want = out if want is None else want
        same = "" if out.equals(want) else (" (DIFFERENT OUTPUT: some sums of ratios do overflow Int64 — the bound is needed)"
                                            if kw.get("int64") else " (DIFFERENT OUTPUT)")
        print(f"| {label} | {t:.3f} s{same} |", flush=True)
    print("\nEach stage of every tier alone (size classified first):\n")
    per_stage(sized.lazy(), stages_for(variants, scols), STAGE_NAMES, a.repeats)


if __name__ == "__main__":
    main()

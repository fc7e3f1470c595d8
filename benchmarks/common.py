"""Shared pieces of the benchmarks: data files, normalized frames, the engine's expressions, timing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
VENV_BIN = ROOT / ".venv" / "bin"
OPENFISCA_PY = HERE / ".venv-openfisca" / "bin" / "python"
sys.path.insert(0, str(HERE))

import gen  # noqa: E402

from rulebook import default_registry  # noqa: E402
from rulebook.batch import Compiler, size_columns  # noqa: E402
from rulebook.flat import local_kinds, normalize  # noqa: E402

RULES = "cn-miit-2022"
AS_OF = gen.AS_OF  # 2024-06-30: the 2022 measures are in force, last fiscal year 2023
FISCAL_YEAR = AS_OF.year - 1
SYNTH_YEAR = 2023
SEED = 1
SIZE_INPUTS = ["industry", f"employees_{FISCAL_YEAR}", f"revenue_{FISCAL_YEAR}", f"total_assets_{FISCAL_YEAR}"]

REGISTRY = default_registry()
KINDS = local_kinds(REGISTRY, RULES)


# ---------------------------------------------------------------------------
# Data


def synth_file(n: int, log=print, year: int = SYNTH_YEAR) -> Path:
    """`zjtx synth n --seed 1 --year 2023` (cached under benchmarks/data/); bigger registries are sliced
    from the 20,000,000-row one when it exists (the generator is chunk-seeded, so its first rows are the
    same enterprises as a smaller file of a whole number of chunks). `year`: another last fiscal year."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"synth-{n}-seed{SEED}-y{year}.parquet"
    if path.exists():
        return path
    big = DATA / f"synth-20000000-seed{SEED}-y{year}.parquet"
    if big.exists() and n < 20_000_000:
        log(f"  slicing the first {n:,} rows of {big.name} → {path.name}")
        tmp = path.with_name(path.name + ".part")
        pl.scan_parquet(big).head(n).sink_parquet(tmp, compression="zstd", row_group_size=500_000)
        tmp.replace(path)
        return path
    log(f"  zjtx synth {n:,} -o {path.relative_to(ROOT)} --seed {SEED} --year {year}")
    subprocess.run([str(VENV_BIN / "zjtx"), "synth", str(n), "-o", str(path), "--seed", str(SEED), "--year", str(year)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def normalized(lf: pl.LazyFrame) -> pl.LazyFrame:
    return normalize(lf, KINDS)


def with_size(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Adds size, size_class, size_is_sme (the engine's own size rules) — the peers' precomputed input."""
    cols = set(lf.collect_schema().names())
    for stage in size_columns(REGISTRY.get("cn-sme-size-2011"), FISCAL_YEAR, cols):
        lf = lf.with_columns(stage)
    return lf


def peer_frame(source: pl.LazyFrame, n: int) -> pl.DataFrame:
    """n complete rows (no null among the 创新型 inputs and the size inputs), normalized, with size_is_sme."""
    lf = with_size(normalized(source))
    keep = list(dict.fromkeys(["id", *gen.INNOVATIVE_INPUTS, *SIZE_INPUTS]))
    return lf.select(keep).drop_nulls().head(n).collect()


# ---------------------------------------------------------------------------
# The engine


def innovative_only():
    """The cn-miit-2022 rule set with only its 创新型 tier (same criteria, metrics and compiler)."""
    rs = REGISTRY.get(RULES)
    return dataclasses.replace(rs, tiers={"innovative": rs.tiers["innovative"]}, ladder=("innovative",))


def engine_innovative(columns: set[str], known: frozenset[str] = frozenset()):
    """lf → lf with the engine's 创新型 outputs only (qualified, score_min/max, score, route, highest_tier).

    Works with both shapes of rulebook.batch: `tier_stages` (criteria, scores and decisions as staged
    temporary columns) and the older `tier_columns` (one select of nested expressions)."""
    from rulebook import batch

    rs = innovative_only()
    # `known`: the frame's columns without nulls (rulebook.flat.complete_columns), as zjtx screen passes them per batch
    try:
        comp = Compiler(rs, FISCAL_YEAR, AS_OF, columns, known=known)
    except TypeError:  # an engine from before `known` (the "before" column of docs/performance.md)
        comp = Compiler(rs, FISCAL_YEAR, AS_OF, columns)
    if hasattr(batch, "tier_stages"):
        stages = batch.tier_stages([(None, rs, comp)], pl.lit(None, dtype=pl.String))
        names = [e.meta.output_name() for e in stages[-2] + stages[-1] if not e.meta.output_name().startswith("_z")]

        def apply(lf: pl.LazyFrame, only: tuple[str, ...] | None = None) -> pl.LazyFrame:
            for stage in stages:
                lf = lf.with_columns(stage)
            return lf.select([n for n in names if only is None or n in only])

        return apply
    exprs = batch.tier_columns(rs, comp)

    def apply_old(lf: pl.LazyFrame, only: tuple[str, ...] | None = None) -> pl.LazyFrame:
        return lf.select([e for e in exprs if only is None or e.meta.output_name() in only])

    return apply_old


def engine_state() -> str:
    """Which engine was measured: the commit, and whether src/rulebook differs from it."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT).stdout.rstrip()

    head = git("rev-parse", "--short", "HEAD").strip()
    dirty = git("status", "--porcelain", "--", "src/rulebook")
    return f"{head}{' + uncommitted changes in src/rulebook (' + ', '.join(line[3:] for line in dirty.splitlines()) + ')' if dirty else ''}"


# ---------------------------------------------------------------------------
# Timing and the machine


def best_of(fn, repeats: int, budget: float = 120.0) -> dict:
    """Run fn up to `repeats` times (at least once; no new run once `budget` seconds are spent)."""
    runs: list[float] = []
    loads = [os.getloadavg()[0]]
    result = None
    spent = 0.0
    while len(runs) < repeats and (not runs or spent + min(runs) <= budget):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
        spent += runs[-1]
    loads.append(os.getloadavg()[0])
    return {"best": min(runs), "runs": [round(r, 4) for r in runs], "load": [round(x, 2) for x in loads], "result": result}


def time_v(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> dict:
    """Run cmd under /usr/bin/time -v: wall seconds, peak RSS (MiB), exit code, stdout, stderr."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - t
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return {"wall": wall, "rss_mib": int(rss.group(1)) / 1024 if rss else None, "code": p.returncode,
            "stdout": p.stdout, "stderr": p.stderr}


def machine() -> dict:
    import platform

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "python": platform.python_version(), "polars": pl.__version__, "polars_threads": pl.thread_pool_size(),
            "load_at_start": [round(x, 2) for x in os.getloadavg()], "engine": engine_state()}

"""`zjtx synth` and `zjtx screen` as a user runs them: real files, real processes.

One 20,000-row synthetic registry (module fixture) serves the tier shares, the gap plans
and the parity checks, because every screening run pays the rule compilation once.
"""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from rulebook import default_registry
from rulebook.flat import emptied, evaluate_frame, local_kinds, normalize
from rulebook.screen_gaps import (
    PlanCache,
    cached_plan_for,
    facts_from_row,
    plan_for,
    plan_text,
    realise,
    single_path,
    single_path_for,
    tier_outcomes,
)
from zjtx.screen_plans import PARALLEL_MIN, HelperPool, plan_rows

ROOT = Path(__file__).resolve().parents[1]
ZJTX = [sys.executable, "-m", "zjtx"]
RULES = "cn-miit-2022"
AS_OF = dt.date(2026, 3, 31)
YEAR = "2025"
REG = default_registry()
KINDS = local_kinds(REG, RULES)
TIERS = ("innovative", "specialized", "little_giant")


def run(*args, cwd=None):
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [*ZJTX, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def synth(tmp: Path, n: int, name: str, seed: int = 1):
    path = tmp / name
    r = run("synth", n, "-o", path, "--seed", seed, "--year", YEAR)
    assert r.returncode == 0, r.stderr
    return path


def screen(inp: Path, out: Path, *extra):
    r = run("screen", inp, "-o", out, "--rules", RULES, "--as-of", AS_OF.isoformat(), *extra)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "Traceback" not in r.stderr
    return r


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """20,000 synthetic enterprises screened under the 2022 rules with --gaps 5."""
    tmp = tmp_path_factory.mktemp("big")
    registry = synth(tmp, 20000, "registry.parquet", seed=11)
    result = tmp / "result.parquet"
    r = screen(registry, result, "--gaps", 5)
    return registry, pl.read_parquet(result), r


# ---------------------------------------------------------------------------
# synth


def test_synth_is_deterministic(tmp_path):
    from zjtx.synth import synth as synth_api

    a = synth(tmp_path, 3000, "a.parquet", seed=7)
    b = synth(tmp_path, 3000, "b.parquet", seed=7)
    c = synth_api(3000, tmp_path / "c.parquet", seed=8, year=int(YEAR))["path"]
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != Path(c).read_bytes()
    x = synth(tmp_path, 3000, "x.csv", seed=7)
    y = synth_api(3000, tmp_path / "y.csv", seed=7, year=int(YEAR))["path"]
    assert x.read_bytes() == Path(y).read_bytes()
    frame = pl.read_parquet(a)
    assert frame.height == 3000 and frame["id"].n_unique() == 3000
    assert frame["id"][0] == "E00000001"
    # the CSV holds the same enterprises as the Parquet file of the same seed and size
    assert pl.read_csv(x, infer_schema=False)["name"].to_list() == frame["name"].to_list()
    # consistent IP counts, real codes
    assert (frame["ip_I_main_high_value"] <= frame["ip_I_main"]).all()
    assert (frame["ip_I_main_self_applied"] <= frame["ip_I_main_applied"]).all()
    from rulebook.codes import industries, region

    assert all(industries()[c]["level"] == "4" for c in frame["industry"].unique().to_list())
    assert all(region(c) for c in frame["region"].unique().to_list())


def test_synth_refuses_bad_options(tmp_path):
    r = run("synth", 10, "-o", tmp_path / "x.json")
    assert r.returncode == 2 and "-o/--output" in r.stderr and "Traceback" not in r.stderr
    r = run("synth", 1_000_001, "-o", tmp_path / "x.xlsx")
    assert r.returncode == 2 and "Excel" in r.stderr
    assert not (tmp_path / "x.xlsx").exists()


# ---------------------------------------------------------------------------
# screen on 20,000 rows: shares, parity, gaps


def test_tier_shares_are_plausible(big):
    _registry, result, r = big
    n = result.height
    assert n == 20000
    share = {t: result[f"{t}_qualified"].sum() / n for t in TIERS}
    assert 0.25 <= share["innovative"] <= 0.35, share
    assert 0.03 <= share["specialized"] <= 0.08, share
    assert 0.003 <= share["little_giant"] <= 0.01, share
    assert result["innovative_qualified"].null_count() > 0  # missing cells leave some outcomes open
    assert set(result["highest_tier"].drop_nulls().unique()) == {"none", *TIERS}
    assert "专精特新“小巨人”企业" in r.stdout and "差距清单" in r.stdout


def test_screen_agrees_with_evaluate_frame_and_single_path(big):
    registry, result, _r = big
    raw = pl.read_parquet(registry).head(300)
    expected = evaluate_frame(normalize(raw.lazy(), KINDS), AS_OF, RULES, REG).collect()
    columns = [c for c in result.columns if c == "size" or c == "highest_tier" or c.startswith(TIERS)]
    got = result.head(300)
    for c in columns:
        assert got[c].to_list() == expected[c].to_list(), c
    # spot checks through the single path, from the normalized row
    rows = normalize(raw.lazy(), KINDS).collect().iter_rows(named=True)
    base = REG.get(RULES)
    for row, out in zip(rows, got.iter_rows(named=True), strict=True):
        sp = single_path(facts_from_row(row, AS_OF, KINDS), base, REG)
        assert sp.size == out["size"], out["row"]
        assert sp.highest_tier == out["highest_tier"], out["row"]
        for t in TIERS:
            assert sp.qualified(t) == out[f"{t}_qualified"], (out["row"], t)
            if sp.tiers[t].score is not None:
                assert int(sp.tiers[t].score.total_max) == out[f"{t}_score_max"], (out["row"], t)


def test_gaps_at_most_n_and_plans_really_reach(big):
    registry, result, _r = big
    filled = result.filter(pl.col("gap").is_not_null())
    assert 1 <= filled.height <= 5
    assert filled["gap_reaches"].null_count() == 0
    raw = pl.read_parquet(registry)
    base = REG.get(RULES)
    checked = 0
    for out in filled.iter_rows(named=True):
        assert out[f"{out['next_tier']}_qualified"] is False
        row = normalize(raw.slice(out["row"] - 1, 1).lazy(), KINDS).collect().row(0, named=True)
        assert row["id"] == out["id"]
        sp = single_path(facts_from_row(row, AS_OF, KINDS), base, REG)
        plan = plan_for(sp, out["next_tier"])
        assert plan_text(plan) == out["gap"]
        if not out["gap_reaches"]:
            continue
        after = single_path(realise(sp.facts, plan.changes), base, REG)
        assert after.qualified(out["next_tier"]) is True, (out["row"], out["gap"])
        checked += 1
    assert checked >= 1


def test_every_row_missing_its_next_tier_says_what_is_missing(big):
    """`gap_missing` on every row whose next tier is missed (not only the few with plans), and what it names is what
    the single path finds failing: each named condition fails (or waits for data where it says so), and a score
    shortfall is the threshold minus the highest score the row can have."""
    registry, result, _r = big
    missed = result.filter(pl.col("next_tier").is_not_null() & (pl.col("size").is_not_null()))
    for t in TIERS:
        on_t = missed.filter(pl.col("next_tier") == t)
        assert on_t.filter(pl.col(f"{t}_qualified") == False)["gap_missing"].null_count() == 0, t  # noqa: E712
        assert (
            on_t.filter(pl.col(f"{t}_qualified").is_null())["gap_missing"].null_count()
            == on_t.filter(pl.col(f"{t}_qualified").is_null()).height
        )
    raw = pl.read_parquet(registry)
    base = REG.get(RULES)
    sample = result.filter(pl.col("gap_missing").is_not_null()).head(250)
    seen = set()
    for out in sample.iter_rows(named=True):
        row = normalize(raw.slice(out["row"] - 1, 1).lazy(), KINDS).collect().row(0, named=True)
        sp = single_path(facts_from_row(row, AS_OF, KINDS), base, REG)
        tier = sp.rules.tiers[out["next_tier"]]
        names = {r.criterion.zh: r for r in sp.results.values()}
        assert out["gap_missing"].startswith("【") and out["gap_missing"].endswith("】")
        for item in out["gap_missing"][1:-1].split("】【"):
            if item.startswith("评分差 "):
                short = int(item.split(" ")[1])
                score = sp.tiers[tier.id].score
                assert short == int(tier.score.threshold - score.total_max), (out["row"], item)
                seen.add("score")
            elif item.startswith("评分总分达标"):
                assert sp.tiers[tier.id].score.total_max >= tier.score.threshold
                seen.add("groups")
            elif item.endswith("（待补充数据）"):
                assert names[item.removesuffix("（待补充数据）")].status == "undetermined", (out["row"], item)
            else:
                assert names[item].passed is False, (out["row"], item)
                seen.add("condition")
    assert seen >= {"score", "condition"}


def test_small_batches_and_spilled_results_change_nothing(big, tmp_path, monkeypatch):
    """Batches of 3,000 rows (row numbers, the closest rows kept across batches) and results spilled to the temporary
    file instead of held in memory: the same result file, errors and summary as one batch in memory."""
    import zjtx.screen as S

    registry, result, _r = big
    monkeypatch.setattr(S, "SPILL_BYTES", 0)
    summary = S.screen(
        registry,
        tmp_path / "small.parquet",
        as_of=AS_OF,
        rules=RULES,
        gaps=5,
        progress=False,
        batch_rows=3000,
    )
    assert summary["rows"] == 20000 and summary["gaps"] == 5
    again = pl.read_parquet(tmp_path / "small.parquet")
    assert again.equals(result)
    # text for any reader of the file (held as categories while waiting), and no spilled batch left behind
    assert again.schema["gap_missing"] == pl.String and result["gap_missing"].drop_nulls().len() > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.errors.csv", "small.parquet"]
    # without plans: the same results, and the gap columns there but empty
    S.screen(
        registry,
        tmp_path / "nogaps.parquet",
        as_of=AS_OF,
        rules=RULES,
        gaps=0,
        progress=False,
        batch_rows=3000,
    )
    nogaps = pl.read_parquet(tmp_path / "nogaps.parquet")
    gap_columns = ("gap", "gap_reaches", "gap_missing", "gap_distance")
    assert nogaps.columns == result.columns
    assert nogaps.select(gap_columns).null_count().row(0) == (20000,) * 4
    assert nogaps.drop(gap_columns).equals(result.drop(gap_columns))


def test_remembered_plans_are_the_single_profile_plans(big):
    """`zjtx screen` computes its plans with one PlanCache for all rows: the same plans as `plan_for` row by row."""
    registry, result, _r = big
    missed = result.filter(pl.col("next_tier").is_not_null()).with_columns(
        pl.coalesce([pl.when(pl.col("next_tier") == t).then(pl.col(f"{t}_qualified")) for t in TIERS]).alias(
            "_nq"
        )
    )
    rows = missed.filter(pl.col("_nq") == False).head(150)  # noqa: E712
    assert rows.height == 150 and rows["next_tier"].n_unique() >= 2
    raw = pl.read_parquet(registry)
    normalized = normalize(raw.lazy().with_row_index("row", offset=1), KINDS).collect()
    base = REG.get(RULES)
    cache = PlanCache()
    for out in rows.iter_rows(named=True):
        row = normalized.row(out["row"] - 1, named=True)
        tier = out["next_tier"]
        sp = single_path(facts_from_row(row, AS_OF, KINDS), base, REG)
        want = plan_for(sp, tier)
        fast = single_path_for(facts_from_row(row, AS_OF, KINDS), base, REG, tier, cache, tier_outcomes(out))
        assert fast.qualified(tier) is sp.qualified(tier) is False
        got = cached_plan_for(fast, tier, cache)
        assert (plan_text(got), got.reaches, got.via) == (plan_text(want), want.reaches, want.via), out["row"]
        assert [(c.key, c.kind, c.target) for c in got.changes] == [
            (c.key, c.kind, c.target) for c in want.changes
        ]


R2026, AS_OF_2026 = "cn-miit-2026", dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def screened_2026(tmp_path_factory):
    """3,000 synthetic enterprises screened under the 2026 measures (without plans), with their normalized facts."""
    tmp = tmp_path_factory.mktemp("r2026")
    registry, result = synth(tmp, 3000, "r2026.parquet", seed=13), tmp / "r2026.out.parquet"
    r = run(
        "screen", registry, "-o", result, "--rules", R2026, "--as-of", AS_OF_2026.isoformat(), "--gaps", 0
    )
    assert r.returncode == 0, r.stderr + r.stdout
    # nothing was counted without plans: the summary says so instead of "0 candidates"
    assert (
        "差距清单：未计算（--gaps 0）；任一行的差距清单：zjtx plan " in r.stdout
        and "候选共 0 家" not in r.stdout
    )
    ladder = list(REG.get(R2026).ladder)
    missed = (
        pl.read_parquet(result)
        .filter(pl.col("next_tier").is_not_null())
        .with_columns(
            pl.coalesce(
                [pl.when(pl.col("next_tier") == t).then(pl.col(f"{t}_qualified")) for t in ladder]
            ).alias("_nq")
        )
        .filter(pl.col("_nq") == False)  # noqa: E712
    )
    kinds = local_kinds(REG, R2026)
    normalized = normalize(pl.read_parquet(registry).lazy().with_row_index("row", offset=1), kinds).collect()
    return missed, normalized, kinds


def test_remembered_plans_are_the_single_profile_plans_under_the_2026_measures(screened_2026):
    """The same check for the rules in force since 2026-04-01 (another ladder: 科技和创新型 first), which is what an
    official screening today gets."""
    missed, normalized, kinds = screened_2026
    rows = missed.head(120)
    assert rows.height == 120 and rows["next_tier"].n_unique() >= 2
    base, cache = REG.get(R2026), PlanCache()
    for out in rows.iter_rows(named=True):
        row = normalized.row(out["row"] - 1, named=True)
        tier = out["next_tier"]
        want = plan_for(single_path(facts_from_row(row, AS_OF_2026, kinds), base, REG), tier)
        fast = single_path_for(
            facts_from_row(row, AS_OF_2026, kinds), base, REG, tier, cache, tier_outcomes(out)
        )
        got = cached_plan_for(fast, tier, cache)
        assert (plan_text(got), got.reaches, got.via) == (plan_text(want), want.reaches, want.via), out["row"]


def test_a_plan_asks_for_the_title_whose_standard_the_enterprise_meets(screened_2026):
    """专精特新 (2026) needs a valid 科技型 or 创新型 title, and any of three will do: the plan asks for one the
    enterprise can apply for on its figures — 科技型 for those that meet only the 科技型中小企业 standard."""
    missed, normalized, kinds = screened_2026
    base = REG.get(R2026)
    seen = set()
    for out in missed.filter(pl.col("next_tier") == "specialized").iter_rows(named=True):
        facts = facts_from_row(normalized.row(out["row"] - 1, named=True), AS_OF_2026, kinds)
        text = plan_text(plan_for(single_path(facts, base, REG), "specialized"))
        titles = ("创新型中小企业称号", "科技型中小企业称号", "科技型中小企业入库")
        asked = [t for t in titles if f"需申请取得：{t}" in text or f"需取得（并在有效期内）：{t}" in text]
        if not asked:
            continue  # holds a title already
        assert len(asked) == 1, (out["row"], text)
        tier = "innovative" if asked[0].startswith("创新型") else "tech_sme"
        if out["innovative_qualified"] is True or out["tech_sme_qualified"] is True:
            assert out[f"{tier}_qualified"] is True, (out["row"], text)
            assert f"需申请取得：{asked[0]}（按所填数据已符合其认定条件）" in text, (out["row"], text)
            seen.add(tier)
        else:
            assert f"需取得（并在有效期内）：{asked[0]}" in text, (out["row"], text)
    assert seen == {"innovative", "tech_sme"}


def _candidate_rows(big, n: int) -> list[dict]:
    """`n` normalized rows that miss their next tier, as `zjtx screen` hands them to the planner."""
    registry, result, _r = big
    missed = result.filter(pl.col("next_tier").is_not_null()).with_columns(
        pl.coalesce([pl.when(pl.col("next_tier") == t).then(pl.col(f"{t}_qualified")) for t in TIERS]).alias(
            "_nq"
        )
    )
    picked = missed.filter(pl.col("_nq") == False).head(n)  # noqa: E712
    normalized = normalize(pl.read_parquet(registry).lazy().with_row_index("row", offset=1), KINDS).collect()
    rows = []
    for out in picked.iter_rows(named=True):
        row = normalized.row(out["row"] - 1, named=True)
        rows.append({**row, "row": out["row"], "next_tier": out["next_tier"]})
    return rows


def test_plans_shared_with_a_helper_process_are_the_plans_made_alone(big):
    """Past PARALLEL_MIN rows a helper process takes chunks from the front: every row gets the plan it gets alone,
    the helper really planned some of them, and the progress only goes up, to the last row."""
    # enough rows that this process cannot finish them all while the helper starts (≈ 0.3–0.7 s), even on a busy CI
    rows = _candidate_rows(big, max(PARALLEL_MIN, 400))
    alone = plan_rows(rows, REG, RULES, KINDS, AS_OF, helpers=0)
    seen, stats = [], {}
    shared = plan_rows(rows, REG, RULES, KINDS, AS_OF, progress=seen.append, helpers=1, stats=stats)
    assert shared == alone and len(alone) == len(rows)
    assert sum(1 for p in alone.values() if p is not None) >= len(rows) - 2
    assert 0 < stats["helper_rows"] < len(rows)
    assert seen == sorted(seen) and seen[-1] == len(rows)


def test_helpers_started_ahead_plan_the_same_and_the_unneeded_one_exits_quietly(big, capfd):
    """A screening starts its helpers before reading the file; the plans take what they need, the rest is closed."""
    rows = _candidate_rows(big, max(PARALLEL_MIN, 120))
    with HelperPool(2) as pool:
        procs = list(pool.procs)
        alone = plan_rows(
            rows, REG, RULES, KINDS, AS_OF, helpers=0
        )  # meanwhile the helpers start, as in a screening
        stats = {}
        assert plan_rows(rows, REG, RULES, KINDS, AS_OF, helpers=1, stats=stats, pool=pool) == alone
        assert 0 < stats["helper_rows"] < len(rows)
        assert pool.procs == []
    assert len(procs) == 2 and [p.returncode for p in procs] == [0, 0]
    assert "Traceback" not in capfd.readouterr().err


def test_a_helper_that_cannot_run_leaves_every_plan_to_this_process(big, monkeypatch):
    """A helper command that exits at once (here /bin/false instead of Python): the plans are made here, the same."""
    rows = _candidate_rows(big, PARALLEL_MIN)
    alone = plan_rows(rows, REG, RULES, KINDS, AS_OF, helpers=0)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    stats = {}
    assert plan_rows(rows, REG, RULES, KINDS, AS_OF, helpers=1, stats=stats) == alone
    assert stats["helper_rows"] == 0


# ---------------------------------------------------------------------------
# formats, bad cells, bad files


def test_formats_round_trip_and_bad_cells(tmp_path):
    xlsx = synth(tmp_path, 200, "r.xlsx", seed=5)
    csv = synth(tmp_path, 200, "r.csv", seed=5)
    # bad cells (data rows 3, 7, 10, 12) and an unknown column in the CSV
    frame = pl.read_csv(csv, infer_schema=False)
    bad = {
        3: ("revenue_2025", "-5"),
        7: ("employees_2025", "abc"),
        10: ("national_market_share", "1.5"),
        12: ("rd_institution_level", "county"),
    }
    for row, (col, value) in bad.items():
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == row - 1).then(pl.lit(value)).otherwise(pl.col(col)).alias(col)
        )
    frame.with_columns(pl.lit("备注").alias("remark")).write_csv(csv)

    screen(xlsx, tmp_path / "x.xlsx", "--gaps", 0)
    r = screen(csv, tmp_path / "c.csv", "--gaps", 0, "--errors", tmp_path / "problems.csv")
    assert "remark" in r.stderr and "已忽略" in r.stderr
    assert "数据有误 4 行" in r.stdout

    errors = pl.read_csv(tmp_path / "problems.csv")
    assert errors.columns == ["row", "id", "field", "message"]
    assert sorted(zip(errors["row"], errors["field"], strict=True)) == sorted(
        (k, v[0]) for k, v in bad.items()
    )
    messages = dict(zip(errors["field"], errors["message"], strict=True))
    assert messages["revenue_2025"] == "revenue_2025: 必须为非负数"
    assert messages["employees_2025"] == "employees_2025: 必须为数字"
    assert "0 到 1" in messages["national_market_share"]
    assert "provincial" in messages["rd_institution_level"]
    assert set(errors["id"]) == {f"E{k:08d}" for k in bad}

    # the Excel input (clean) and the CSV input (same enterprises, four rows spoiled) give the same results
    x = pl.read_excel(tmp_path / "x.xlsx")
    # …and the workbook says in Chinese what each of its columns means, the tiers named as the rules name them
    guide = pl.read_excel(tmp_path / "x.xlsx", sheet_name="列说明")
    meaning = dict(zip(guide["列名"], guide["含义"], strict=True))
    assert all(meaning.get(c) for c in x.columns), [c for c in x.columns if not meaning.get(c)]
    assert meaning["specialized_qualified"].startswith("专精特新中小企业：是否符合")
    assert meaning["层次编号 little_giant"] == "专精特新“小巨人”企业"
    c = pl.read_csv(tmp_path / "c.csv", infer_schema_length=None)
    assert x.height == c.height == 200
    assert x.columns == c.columns and x.columns[:6] == [
        "row",
        "id",
        "name",
        "credit_code",
        "region",
        "industry",
    ]
    bad_rows = pl.col("row").is_in(list(bad))
    assert c.filter(bad_rows).select("size", "highest_tier", "innovative_qualified").null_count().row(0) == (
        4,
        4,
        4,
    )
    assert x.filter(bad_rows)["size"].null_count() == 0
    compare = [col for col in x.columns if col not in ("gap", "gap_reaches")]
    good = c.filter(~bad_rows).select(compare)
    assert good.cast(x.select(compare).schema).equals(x.filter(~bad_rows).select(compare))  # type: ignore[arg-type]


def test_a_figure_too_large_for_any_enterprise_is_an_error_of_its_row_alone(tmp_path):
    """A typo of 40 digits (or 1e300), NaN or inf in one cell used to stop its whole batch ("无法处理"): the integer
    column it is scaled into cannot hold it. It is that row's error, named by field, and the other rows are screened."""
    csv = synth(tmp_path, 30, "r.csv", seed=5)
    frame = pl.read_csv(csv, infer_schema=False)
    col = f"revenue_{YEAR}"
    huge = {2: "1" + "0" * 40, 5: "1e300", 9: "-" + "9" * 17, 12: "NaN", 14: "inf"}
    for row, value in huge.items():
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == row - 1).then(pl.lit(value)).otherwise(pl.col(col)).alias(col)
        )
    frame.write_csv(csv)
    too_large = f"{col}: 数值过大（绝对值不能超过 10^15）；请检查单位与位数"
    for source in (csv, tmp_path / "r.parquet"):
        if source.suffix == ".parquet":  # the same figures as numbers (Float64), not text
            frame.with_columns(pl.col(col).cast(pl.Float64)).write_parquet(source)
        r = screen(source, tmp_path / "out.parquet", "--errors", tmp_path / "problems.csv")
        assert "数据有误 5 行" in r.stdout
        errors = pl.read_csv(tmp_path / "problems.csv")
        assert errors.filter(pl.col("message") == too_large)["row"].to_list() == [2, 5, 9]
        assert errors.filter(pl.col("row") == 9)["message"].to_list() == [f"{col}: 必须为非负数", too_large]
        not_a_figure = errors.filter(pl.col("message").str.contains("NaN 或无穷大"))
        assert not_a_figure["row"].to_list() == [12, 14]
        out = pl.read_parquet(tmp_path / "out.parquet")
        assert out.height == 30 and out["highest_tier"].null_count() == 5


def test_a_registry_row_is_checked_as_a_profile_is(tmp_path):
    """What `zjtx assess` refuses in a profile is an error of the row in a registry too, named by column; before, a
    digital level of 9, 12.5 employees, an unknown industry or region, more R&D staff than staff or "12,00,0" were
    screened as if right (and changed scores)."""
    csv = synth(tmp_path, 40, "r.csv", seed=5)
    frame = pl.read_csv(csv, infer_schema=False)
    y = YEAR
    staff = int(frame[f"employees_{y}"][6])  # row 7
    bad = {
        2: ("digital_level", "9", "digital_level: 须在 1 到 4 之间"),
        4: (f"employees_{y}", "12.5", f"employees_{y}: 必须为整数"),
        6: ("industry", "C9999", "industry: 未知的行业代码（应为 GB/T 4754-2017 代码，如 C3484）"),
        7: (f"rd_staff_{y}", str(staff + 1), f"rd_staff_{y}: 研发人员不能大于从业人员（employees_{y}）"),
        9: ("region", "abc", "region: 未知的行政区划代码（应为 GB/T 2260 六位代码，如 330106）"),
        11: (f"revenue_{y}", "12,00,0", f"revenue_{y}: 必须为数字"),
        13: (
            "ip_I_main_self",
            "999",
            "ip_I_main_self: 自主研发的Ⅰ类知识产权（与主导产品相关）不能大于与主导产品相关的Ⅰ类知识产权（ip_I_main）",
        ),
    }
    for row, (col, value, _m) in bad.items():
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == row - 1).then(pl.lit(value)).otherwise(pl.col(col)).alias(col)
        )
    # right, though written loosely: padded, grouped, a lower-case industry code
    fine = {20: (f"revenue_{y}", f" {int(frame[f'revenue_{y}'][19]):,} "), 21: ("industry", "c3484")}
    for row, (col, value) in fine.items():
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == row - 1).then(pl.lit(value)).otherwise(pl.col(col)).alias(col)
        )
    frame.write_csv(csv)
    screen(csv, tmp_path / "out.csv", "--as-of", "2026-06-30", "--errors", tmp_path / "problems.csv")
    errors = pl.read_csv(tmp_path / "problems.csv")
    got = dict(zip(errors["row"], errors["message"], strict=True))
    assert sorted(got) == sorted(bad), errors
    for row, (_c, _v, message) in bad.items():
        assert got[row].startswith(message), (row, got[row])
    out = pl.read_csv(tmp_path / "out.csv", infer_schema_length=None)
    assert out.filter(pl.col("row").is_in(list(fine)))["size"].null_count() == 0


def test_columns_the_rules_in_force_do_not_read_are_neither_read_nor_checked(tmp_path):
    registry = synth(tmp_path, 300, "r.parquet", seed=7)
    frame = pl.read_parquet(registry)
    # revenue_2022 and established: the 2022 rules in FY 2025 read neither (nothing before 2023, no founding date)
    spoiled = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(-5).otherwise(pl.col("revenue_2022")).alias("revenue_2022"),
        pl.lit(None, dtype=pl.Date).alias("established"),
    )
    spoiled.write_parquet(tmp_path / "spoiled.parquet")
    frame.drop("revenue_2022", "established").write_parquet(tmp_path / "fewer.parquet")

    r = screen(tmp_path / "spoiled.parquet", tmp_path / "a.parquet", "--gaps", 20)
    assert "不读取" in r.stderr and "revenue_2022" in r.stderr and "未读取、未检查" in r.stderr
    assert (
        "数据有误 0 行" in r.stdout
    )  # the negative 2022 revenue cannot change a result: it is not an error here
    assert pl.read_csv(tmp_path / "a.errors.csv").height == 0
    screen(tmp_path / "fewer.parquet", tmp_path / "b.parquet", "--gaps", 20)
    a, b = pl.read_parquet(tmp_path / "a.parquet"), pl.read_parquet(tmp_path / "b.parquet")
    assert a["gap"].null_count() < a.height and a.equals(b)
    # the plans made from the columns read are the plans the single path makes from every column of the row
    full = normalize(frame.lazy(), KINDS).collect()
    planned = a.filter(pl.col("gap").is_not_null())
    assert planned.height >= 10
    for out in planned.iter_rows(named=True):
        row = full.row(out["row"] - 1, named=True)
        sp = single_path(facts_from_row(row, AS_OF, KINDS), REG.get(RULES), REG)
        assert plan_text(plan_for(sp, out["next_tier"])) == out["gap"], out["row"]

    # a column they do read is still checked
    spoiled.with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(-5).otherwise(pl.col("revenue_2025")).alias("revenue_2025")
    ).write_parquet(tmp_path / "read.parquet")
    r = screen(tmp_path / "read.parquet", tmp_path / "c.parquet", "--gaps", 0)
    assert "数据有误 1 行" in r.stdout
    assert pl.read_csv(tmp_path / "c.errors.csv")["field"].to_list() == ["revenue_2025"]


def test_screen_refuses_bad_files(tmp_path):
    csv = tmp_path / "registry.csv"
    csv.write_text("id,revenue_2025\nE1,100\n", encoding="utf-8")
    fake = tmp_path / "registry.parquet"
    fake.write_bytes(csv.read_bytes())
    r = run("screen", fake, "-o", tmp_path / "out.parquet")
    assert r.returncode == 2 and "不是 Parquet 文件" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out.parquet").exists()
    r = run("screen", csv, "-o", tmp_path / "out.json")
    assert r.returncode == 2 and "-o/--output" in r.stderr
    r = run("screen", tmp_path / "missing.csv", "-o", tmp_path / "out.csv")
    assert r.returncode == 2 and "文件不存在" in r.stderr
    r = run("screen", csv, "-o", tmp_path / "sub" / "dir" / "out.csv")
    assert (
        r.returncode == 2 and f"-o/--output: 目录 {tmp_path / 'sub' / 'dir'} 不存在；请先创建它" in r.stderr
    )
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,name,revenue_2025\nE1,杭州某某公司,100\n".encode("gbk"))
    r = run("screen", gbk, "-o", tmp_path / "out.csv")
    assert r.returncode == 2 and "UTF-8" in r.stderr
    r = run("screen", csv, "-o", tmp_path / "out.csv", "--rules", "cn-nowhere")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    # a rule set that recognises no tier (the size classification) cannot screen: said, not an IndexError
    r = run("screen", csv, "-o", tmp_path / "out.csv", "--rules", "cn-sme-size-2011")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "cn-sme-size-2011（中小企业划型标准规定）不是认定标准" in r.stderr and "cn-miit-2026" in r.stderr
    # a column named twice: Polars would rename the second one and read the first
    dup = tmp_path / "dup.csv"
    dup.write_text("id,revenue_2025,revenue_2025,region\nE1,100,200,330106\n", encoding="utf-8")
    r = run("screen", dup, "-o", tmp_path / "out.csv")
    assert r.returncode == 2 and "列名重复：revenue_2025" in r.stderr
    # a title above the header in a workbook
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["杭州市企业名录（2025）"])
    wb.active.merge_cells("A1:D1")
    wb.active.append(["id", "region", "industry", "revenue_2025"])
    wb.active.append(["E1", "330106", "C3484", 100])
    wb.save(tmp_path / "title.xlsx")
    r = run("screen", tmp_path / "title.xlsx", "-o", tmp_path / "out.csv")
    assert r.returncode == 2 and "第一行应是列名（表头），这里像是标题或合并单元格" in r.stderr


def test_normalize_reports_the_raw_cells():
    raw = pl.DataFrame(
        {
            "revenue_2025": ["-5", "abc", "100"],
            "national_market_share": ["0.5", "1.5", None],
            "rd_institution_level": ["provincial", "county", "none"],
        }
    )
    out = normalize(raw.lazy()).collect()
    assert out["_errors"].to_list() == [
        ["revenue_2025: 必须为非负数"],
        [
            "revenue_2025: 必须为数字",
            "national_market_share: 比例须在 0 到 1 之间",
            "rd_institution_level: 取值须为 none、below_municipal、municipal、provincial、national 之一",
        ],
        [],
    ]


def test_the_rows_with_an_error_are_the_rows_normalize_emptied_a_cell_of():
    # screening finds its bad rows by the null counts before and after normalize: every check must empty its cell
    typed = pl.DataFrame(
        {
            "revenue_2025": [-5, 100, None, 7, 8, 9, 10],
            "employees_2025": ["3", "abc", None, "4", "5", "6", "7"],
            "national_market_share": [0.5, 0.2, None, 1.5, 0.1, 0.1, 0.1],
            "rd_institution_level": ["provincial", "none", None, "none", "county", "none", "none"],
            "management_system_cert": ["true", "是", None, "0", "否", "perhaps", "1"],
            "established": [
                "2020-01-31",
                "2020-02-01",
                None,
                "2021-01-01",
                "2019-12-31",
                "2019-01-01",
                "2019-13-01",
            ],
        },
        schema_overrides={"revenue_2025": pl.Int64, "national_market_share": pl.Float64},
    )
    out = normalize(typed.lazy()).collect()
    with_errors = (out["_errors"].list.len() > 0).to_list()
    assert with_errors == [True, True, False, True, True, True, True]
    assert emptied(typed, out.drop("_errors")).to_list() == with_errors
    clean = typed.filter(~pl.Series(with_errors))
    assert emptied(clean, normalize(clean.lazy()).collect()) is None


def test_an_output_that_cannot_be_written_is_named_with_what_to_check(tmp_path):
    """A missing directory (or a full disk) for the results: a Chinese message naming the file and what to check,
    a failing exit code, no traceback, and nothing half-written left behind."""
    registry = synth(tmp_path, 300, "small.parquet", seed=3)
    r = run("screen", registry, "-o", tmp_path / "missing" / "out.parquet", "--as-of", AS_OF.isoformat())
    assert r.returncode != 0
    assert f"-o/--output: 目录 {tmp_path / 'missing'} 不存在；请先创建它，或换一个已有的目录" in r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.parquet"]

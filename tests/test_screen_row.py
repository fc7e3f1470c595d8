"""`zjtx plan`: one row of a registry screened alone gives the plan the whole screening gives it.

Real files and real processes, as `test_screen.py`: a CSV registry (cells as text) and the same enterprises as a
workbook, each screened twice — planning the 5 closest rows, and planning every candidate — so that rows left
without a plan by the first run have the second run's plan to be checked against.
"""

import json
import shlex
import subprocess

import polars as pl
import pytest

from test_screen import AS_OF, RULES, ZJTX, run, screen, synth

ROWS = 600


@pytest.fixture(scope="module", params=["csv", "xlsx"])
def registry(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"row-{request.param}")
    path = synth(tmp, ROWS, f"registry.{request.param}", seed=23)
    few, every = tmp / "few.parquet", tmp / "every.parquet"
    screen(path, few, "--gaps", 5)
    screen(path, every, "--gaps", ROWS)
    return path, pl.read_parquet(few), pl.read_parquet(every)


def plan(*args):
    return run("plan", *map(str, args), "--rules", RULES, "--as-of", AS_OF.isoformat())


def test_a_row_left_unplanned_gets_the_plan_of_the_whole_screening(registry):
    path, few, every = registry
    unplanned = few.filter(pl.col("gap").is_null() & pl.col("next_tier").is_not_null())["row"]
    planned_later = every.filter(pl.col("row").is_in(unplanned.to_list()) & pl.col("gap").is_not_null())
    assert planned_later.height > 20 and planned_later["gap_reaches"].n_unique() == 2  # reaching and not
    rows = [*planned_later["row"].head(3), *planned_later.filter(~pl.col("gap_reaches"))["row"].head(1)]
    r = plan(path, *(x for row in rows for x in ("--row", row)), "--json")
    assert r.returncode == 0, r.stderr
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert [g["row"] for g in got] == rows and all(g["errors"] == [] for g in got)
    want = every.filter(pl.col("row").is_in(rows)).to_dicts()
    assert [g["result"] for g in got] == want  # every column: tiers, scores, size, what is missing, the plan


def test_the_report_lists_the_plan_line_by_line(registry):
    path, few, every = registry
    row = every.filter(pl.col("gap_reaches") & pl.col("gap").str.contains("；"))["row"][0]
    r = plan(path, "--row", row)
    assert r.returncode == 0, r.stderr
    want = every.filter(pl.col("row") == row).row(0, named=True)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("规则：") and RULES in lines[0] and AS_OF.isoformat() in lines[0]
    assert lines[1] == f"第 {row} 行：{want['name']}，{want['id']}，{want['credit_code']}"
    assert "  调整方案（按方案调整后经复算可达下一层次）：" in lines
    numbered = [line.strip() for line in lines if line.startswith("    ")]
    assert numbered == [f"{i}. {c}" for i, c in enumerate(want["gap"].split("；"), 1)]


def test_bad_rows_and_rows_beyond_the_end_are_refused_by_name(tmp_path):
    csv = synth(tmp_path, 20, "r.csv", seed=5)
    frame = pl.read_csv(csv, infer_schema=False)
    frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("-5"))
        .otherwise(pl.col("revenue_2025"))
        .alias("revenue_2025")
    ).write_csv(csv)
    r = plan(csv, "--row", 3)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "第 3 行：数据有误，未评估" in r.stdout and "revenue_2025: 必须为非负数" in r.stdout
    r = plan(csv, "--row", 21)
    assert r.returncode == 2 and f"{csv}: 没有第 21 行（共 20 行数据）" in r.stderr
    r = plan(csv, "--row", 0)
    assert r.returncode == 2 and "行号从 1 开始" in r.stderr
    (tmp_path / "fake.parquet").write_text("id,revenue_2025\n1,2\n")
    r = plan(tmp_path / "fake.parquet", "--row", 1)
    assert r.returncode == 2 and "不是 Parquet 文件" in r.stderr


def test_the_screening_says_how_to_get_the_other_plans(registry, tmp_path):
    path, few, every = registry
    r = screen(path, tmp_path / "out.parquet", "--gaps", 5)
    hint = next(line for line in r.stdout.splitlines() if "其余候选企业的差距清单：" in line)
    command = shlex.split(hint.split("：", 1)[1])
    assert command[:2] == ["zjtx", "plan"] and command[2] == str(path) and "行号" in command
    row = few.filter(pl.col("gap").is_null() & pl.col("next_tier").is_not_null())["row"][0]
    args = [str(row) if a == "行号" else a for a in command[2:]]
    done = subprocess.run([*ZJTX, "plan", *args, "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] == every.filter(pl.col("row") == row).to_dicts()[0]


def test_the_python_api_takes_the_day_as_text_too(tmp_path):
    """A script passing as_of="2024-06-30" (as the command line does) crashed deep inside with AttributeError."""
    from zjtx.screen import ScreenError
    from zjtx.screen import screen as screen_file
    from zjtx.screen_row import screen_row

    csv = synth(tmp_path, 10, "r.csv", seed=7)
    summary = screen_file(csv, tmp_path / "out.parquet", as_of=AS_OF.isoformat(), rules=RULES, progress=False)
    assert summary["as_of"] == AS_OF.isoformat() and summary["rows"] == 10
    assert screen_row(csv, 2, as_of=AS_OF.isoformat(), rules=RULES).as_of == AS_OF.isoformat()
    with pytest.raises(ScreenError, match=r"as_of: 须为 YYYY-MM-DD 格式的日期（收到 '2024/06/30'）"):
        screen_file(csv, tmp_path / "out2.parquet", as_of="2024/06/30", rules=RULES, progress=False)

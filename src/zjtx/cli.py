"""`zjtx` command line: assess a profile, inspect the rule sets.

Exit status: 0 for any assessment (whatever it concludes), 2 for bad input (the
profile, a date, an unknown rule set), each problem on its own line naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import sys
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rulebook import ProfileInvalid, RulebookError, RuleDataError, assess, default_registry
from rulebook.evaluate import criteria_of
from rulebook.facts import CATALOGUE

from .render import render

app = typer.Typer(add_completion=False, no_args_is_help=True, help="zjtx: 专精特新梯度培育自评与规则查询")
rules_app = typer.Typer(no_args_is_help=True, help="查看已加载的规则集 / inspect rule sets")
app.add_typer(rules_app, name="rules")


def fail(lines: list[str]) -> None:
    """Bad input: one plain line per problem on stderr (never wrapped), exit status 2."""
    for line in lines:
        sys.stderr.write(line + "\n")
    raise typer.Exit(2)


def out_console() -> Console:
    """The report console: the terminal's width, or 120 columns when written to a file or pipe."""
    return Console() if sys.stdout.isatty() else Console(width=int(os.environ.get("COLUMNS", "120")))


def parse_date(text: str | None, what: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail([f"{what}: 日期格式应为 YYYY-MM-DD（收到 {text!r}） / must be a date YYYY-MM-DD"])
    return None


def read_profile(path: Path):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail([f"{path}: 文件不存在 / file not found"])
    except UnicodeDecodeError:
        fail([f"{path}: 不是 UTF-8 文本文件 / not a UTF-8 text file"])
    except OSError as exc:
        fail([f"{path}: 无法读取（{exc.strerror}） / cannot be read"])
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(
            [
                f"{path}: 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}） / invalid JSON at line {exc.lineno} column {exc.colno}"
            ]
        )


@app.command("assess")
def assess_cmd(
    profile: Path = typer.Argument(..., help="企业档案 JSON（zjtx.profile/1）"),
    as_of: str = typer.Option(
        None, "--as-of", help="评估日期 YYYY-MM-DD，决定适用规则与“上年度”（默认今天）"
    ),
    rules: str = typer.Option(None, "--rules", help="指定规则集 id（默认按评估日期选择现行规则）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON（zjtx.assessment/1）"),
    review: bool = typer.Option(False, "--review", help="按复核口径评估"),
    lang: str = typer.Option("zh", "--lang", help="zh 或 en"),
) -> None:
    """评估企业可达到的梯度培育层次，逐条列出依据与差距。"""
    if lang not in ("zh", "en"):
        fail([f"--lang: 只能是 zh 或 en（收到 {lang!r}）"])
    day = parse_date(as_of, "--as-of")
    raw = read_profile(profile)
    try:
        result = assess(raw, as_of=day, rules=rules, is_review=review)
    except ProfileInvalid as exc:
        fail([p.zh() if lang == "zh" else p.en() for p in exc.problems])
    except RulebookError as exc:
        fail([str(exc)])
    data = result.as_json(lang)
    if as_json:
        for w in data["warnings"]:
            sys.stderr.write(f"warning: {w}\n")
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    for w in data["warnings"]:
        sys.stderr.write(("提示：" if lang == "zh" else "warning: ") + w + "\n")
    render(data, raw.get("name") if isinstance(raw, dict) else None, out_console(), lang)


@rules_app.command("list")
def rules_list() -> None:
    """列出规则集、生效日期与省级叠加规则。"""
    reg = _registry()
    table = Table(title="规则集 / rule sets")
    for col in ("id", "名称", "类型", "生效", "失效", "省级叠加"):
        table.add_column(col)
    for rid in reg.ids():
        rs = reg.get(rid)
        overlays = "、".join(f"{p}:{path.stem}" for p, path, _ in reg.overlays(rid))
        table.add_row(
            rid,
            rs.zh,
            rs.kind,
            rs.effective_from.isoformat(),
            rs.effective_until.isoformat() if rs.effective_until else "—",
            overlays or "—",
        )
    out_console().print(table)


@rules_app.command("show")
def rules_show(
    rule_id: str = typer.Argument(..., help="规则集 id，如 cn-miit-2022"),
    region: str = typer.Option(None, "--region", help="按某地区代码显示（含省级叠加）"),
) -> None:
    """显示规则集的每一层次、每条条件/指标及其出处与可信度。"""
    reg = _registry()
    try:
        rs = reg.for_region(rule_id, region)
    except RulebookError as exc:
        fail([str(exc)])
    console = out_console()
    console.print(f"[bold]{rs.zh}[/bold]（{rs.id}）  {rs.document}")
    console.print(
        f"生效：{rs.effective_from} 至 {rs.effective_until or '—'}"
        + (f"  叠加：{rs.overlay}" if rs.overlay else "")
    )
    if rs.notes_zh:
        console.print(rs.notes_zh, style="dim", markup=False)
    if rs.kind == "size-classification":
        from rulebook.size import sectors

        table = Table(title="划型标准（下限含本数；金额单位：元）")
        for col in ("行业", "GB/T 4754", "大型", "中型", "小型", "出处", "等级"):
            table.add_column(col)
        for s in sectors(rs).values():

            def fmt(b):
                return "，".join(f"{k}≥{v}" for k, v in b.items())

            table.add_row(
                s.zh,
                " ".join(s.industries) or "（其余）",
                fmt(s.classes["large"]),
                fmt(s.classes["medium"]),
                fmt(s.classes["small"]),
                s.clause.item,
                s.clause.grade,
            )
        console.print(table)
        return
    if rs.kind == "level-mapping":
        for band in rs.raw.get("levels", []):
            console.print(f"  {band.get('zh')}：{band['from']} 分及以上")
        return
    if rs.procedure is not None:
        unit = {"years": "年", "months": "个月", "days": "天"}
        label = {
            "recognition_years": "称号有效期",
            "change_report_months": "重大变化报告期限",
            "notice_days": "公示期",
        }
        for name, term in rs.procedure.terms().items():
            flag = "（待核实）" if term.unverified else ""
            console.print(
                f"{label[name]}：{term.value} {unit[term.unit]}  — {term.clause.cite()} [{term.clause.grade}]{flag}",
                markup=False,
            )
    for tid, tier in rs.tiers.items():
        table = Table(title=f"{tier.zh}（{tid}）— {tier.clause.cite()} [{tier.clause.grade}]", expand=True)
        for col in ("id", "条件/指标", "出处", "等级", "说明"):
            table.add_column(col)
        for cid in criteria_of(tier.require, rs, tier):
            c = rs.criteria[cid]
            extra = f"满分 {c.max_points}" if c.kind == "indicator" else ""
            note = "；".join(x for x in (extra, c.clause.note) if x)
            grade = c.clause.grade + ("（待核实）" if c.clause.unverified else "")
            table.add_row(
                *(
                    Text(x)
                    for x in (
                        cid,
                        c.zh,
                        "".join(x for x in (c.clause.annex, c.clause.item) if x),
                        grade,
                        note,
                    )
                )
            )
        if tier.score:
            console.print(
                f"评分达标线：{tier.score.threshold} 分；"
                + "；".join(f"{g.zh}≥{g.minimum}" for g in tier.score.groups if g.minimum is not None)
            )
        console.print(table)


@rules_app.command("facts")
def rules_facts() -> None:
    """列出规则可引用的事实（字段）及其在企业档案中的位置。"""
    table = Table(title="事实 / facts")
    for col in ("name", "含义", "类型", "按年", "档案字段"):
        table.add_column(col)
    for spec in CATALOGUE.values():
        table.add_row(spec.name, spec.zh, spec.kind, "是" if spec.yearly else "", spec.path)
    out_console().print(table)


@app.command("synth")
def synth_cmd(
    n: int = typer.Argument(..., help="生成的企业数量"),
    output: Path = typer.Option(..., "-o", "--output", help="输出文件：.parquet、.csv 或 .xlsx（按扩展名）"),
    seed: int = typer.Option(0, "--seed", help="随机种子；相同种子生成完全相同的数据"),
    year: int = typer.Option(
        None, "--year", help="最近一个完整会计年度（默认去年）；生成该年及此前 3 年的财务数据"
    ),
) -> None:
    """生成合成企业名录（平铺表格式），用于试用与测试批量筛查。"""
    from .synth import SynthError, synth

    try:
        with _progress("生成") as advance:
            summary = synth(n, output, seed=seed, year=year, progress=advance)
    except SynthError as exc:
        fail([str(exc)])
    except OSError as exc:
        fail([f"{output}: 无法写入（{exc.strerror or exc}）"])
    sys.stderr.write(
        f"已生成 {summary['rows']:,} 家企业、{summary['columns']} 列 → {summary['path']}（{summary['seconds']} 秒）\n"
    )


@app.command("screen")
def screen_cmd(
    input: Path = typer.Argument(
        ..., help="企业名录：.parquet、.csv（UTF-8）或 .xlsx，列格式见 docs/screening.md"
    ),
    output: Path = typer.Option(..., "-o", "--output", help="结果文件：.parquet、.csv 或 .xlsx（按扩展名）"),
    as_of: str = typer.Option(
        None, "--as-of", help="评估日期 YYYY-MM-DD，决定适用规则与“上年度”（默认今天）"
    ),
    rules: str = typer.Option(None, "--rules", help="指定规则集 id（默认按评估日期选择现行规则）"),
    errors: Path = typer.Option(None, "--errors", help="错误清单 CSV（默认：结果文件名 + .errors.csv）"),
    gaps: int = typer.Option(
        1000, "--gaps", help="为最接近下一层次的至多 N 家企业计算差距清单（0 = 不计算）"
    ),
) -> None:
    """批量筛查企业名录：每家企业的规模、各层次是否符合、得分、最高层次，以及最接近下一层次者的差距清单。"""
    from .screen import ScreenError, screen

    day = parse_date(as_of, "--as-of")
    try:
        summary = screen(
            input,
            output,
            as_of=day,
            rules=rules,
            errors=errors,
            gaps=gaps,
            progress=True,
            warn=lambda line: sys.stderr.write(line + "\n"),
        )
    except ScreenError as exc:
        fail(exc.lines)
    except RulebookError as exc:
        fail([str(exc)])
    except OSError as exc:
        fail(
            [
                f"{exc.filename or output}: 无法读写（{exc.strerror or exc}）；请检查该目录可写、磁盘空间足够"
                "（超过约 180 万行时，结果文件旁需约 5 倍于结果的临时空间）"
            ]
        )
    reg = _registry()
    rs = reg.get(summary["rules"])
    names = {"none": "未达任何层次", **{tid: t.zh for tid, t in rs.tiers.items()}}
    evaluated = summary["rows"] - summary["error_rows"]
    lines = [
        f"规则：{rs.zh}（{rs.id}），评估日期 {summary['as_of']}",
        f"共 {summary['rows']:,} 行：已评估 {evaluated:,} 行，数据有误 {summary['error_rows']:,} 行"
        + (
            f"（{summary['error_cells']:,} 处，见 {summary['errors_file']}）" if summary["error_rows"] else ""
        ),
    ]
    for tid, count in summary["highest_tier"].items():
        share = f"{count / evaluated * 100:.2f}%" if evaluated else "—"
        lines.append(f"  最高层次 {names.get(tid, tid)}：{count:,}（{share}）")
    plan_line = f"zjtx plan {shlex.quote(summary['input'])} --row 行号 --as-of {summary['as_of']} --rules {summary['rules']}"
    if gaps == 0:  # nothing was counted: a "0 candidates" would read as a finding
        lines.append(f"差距清单：未计算（--gaps 0）；任一行的差距清单：{plan_line}")
    else:
        lines.append(
            f"差距清单：{summary['gaps']:,} 家（其中 {summary['gaps_reaching']:,} 家的清单经复算可达下一层次；"
            f"未达下一层次的候选共 {summary['gap_candidates']:,} 家）"
        )
    if gaps and summary["gap_candidates"] > summary["gaps"]:
        lines.append(f"  其余候选企业的差距清单：{plan_line}")
    lines.append(f"结果 → {summary['output']}（{summary['seconds']} 秒）")
    sys.stdout.write("\n".join(lines) + "\n")


@app.command("plan")
def plan_cmd(
    input: Path = typer.Argument(
        ..., help="企业名录：.parquet、.csv（UTF-8）或 .xlsx，与 zjtx screen 的输入相同"
    ),
    row: list[int] = typer.Option(..., "--row", help="行号（筛查结果的 row 列，从 1 起）；可重复给出"),
    as_of: str = typer.Option(None, "--as-of", help="评估日期 YYYY-MM-DD，须与筛查时相同（默认今天）"),
    rules: str = typer.Option(None, "--rules", help="指定规则集 id（默认按评估日期选择现行规则）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON：每行一个对象（row、result、errors）"),
) -> None:
    """计算名录中指定行的调整方案：与该行在 zjtx screen 中被选为最接近者时得到的方案相同。"""
    from .screen import ScreenError
    from .screen_row import row_lines, screen_row

    day = parse_date(as_of, "--as-of")
    reg = _registry()
    found = []
    for number in row:
        try:
            found.append(screen_row(input, number, as_of=day, rules=rules, registry=reg))
        except ScreenError as exc:
            fail(exc.lines)
        except RulebookError as exc:
            fail([str(exc)])
        except OSError as exc:
            fail([f"{exc.filename or input}: 无法读取（{exc.strerror or exc}）"])
    if as_json:
        for one in found:
            record = {"row": one.row, "rules": one.rules, "as_of": one.as_of, "result": one.result}
            record["errors"] = [{"field": f, "message": m} for f, m in one.errors]
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        rs = reg.get(found[0].rules)
        lines = [f"规则：{rs.zh}（{rs.id}），评估日期 {found[0].as_of}"]
        for one in found:
            lines += row_lines(one, rs)
        sys.stdout.write("\n".join(lines) + "\n")
    if any(one.errors for one in found):
        raise typer.Exit(2)


@contextmanager
def _progress(label: str):
    """The screen command's progress bar (stderr, terminals only) for one phase; yields advance(done, total)."""
    from .screen import _reporter

    with _reporter(True) as report:
        yield lambda done, total: report(label, done, total)


def _registry():
    try:
        return default_registry()
    except RuleDataError as exc:
        fail([f"规则数据错误 / rule data error: {exc}"])


def main() -> None:
    app()


if __name__ == "__main__":
    main()

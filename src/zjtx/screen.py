"""Batch screening of an enterprise registry (`zjtx screen`), and the same as a Python API.

Why: a province's official has a registry extract (Parquet, CSV, Excel), not JSON
profiles, and wants to know which enterprises reach which tier, and who is within
reach of the next one. The table is read in batches of rows (memory stays bounded,
a progress bar advances), each batch is normalized and evaluated by the compiled rules
(`rulebook.flat`), bad cells are reported row by row in an errors file without
stopping the run, and the gap plans of the rows closest to their next tier are
computed by the single-profile engine (`rulebook.screen_gaps`).

`screen()` is what the CLI calls; the web platform can call it from a background job.
"""

from __future__ import annotations

import codecs
import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from rulebook import default_registry
from rulebook.batch import Compiler
from rulebook.flat import (
    KEY_COLUMNS,
    columns_read,
    complete_columns,
    emptied,
    evaluate_stages,
    local_kinds,
    normalize_checks,
    spec_of,
)
from rulebook.registry import Registry
from rulebook.ruleset import RuleSet

FORMATS = (".parquet", ".csv", ".xlsx")
BATCH_ROWS = 500_000  # rows evaluated at a time (peak memory about 2 GB with the 2022 rules, whatever the size of the table)
EXCEL_MAX_ROWS = 1_048_575  # rows below the header in one worksheet
OUTPUT_KEYS = ("id", "name", "credit_code", "region", "industry")
DEFAULT_GAPS = 1000
SPILL_BYTES = 256 * 2**20  # results held in memory until the gap plans are known; beyond, a temporary file

ProgressFn = Callable[[str, int, int], None]  # (phase, done, total)


class ScreenError(ValueError):
    """Bad input for screening: `lines` are shown one per line (exit status 2 on the CLI)."""

    def __init__(self, lines: list[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))


# ---------------------------------------------------------------------------
# Files


def file_format(path: Path, option: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ScreenError(f"{option}: 文件扩展名须为 .parquet、.csv 或 .xlsx（收到 {path.name!r}）")
    return suffix


def check_input(path: Path) -> str:
    """The input's format, after checking that the content matches the extension."""
    suffix = file_format(path, "INPUT")
    if not path.is_file():
        raise ScreenError(f"{path}: 文件不存在")
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(size - 4, 0))
            tail = fh.read(4)
    except OSError as exc:
        raise ScreenError(f"{path}: 无法读取（{exc.strerror or exc}）") from None
    if size == 0:
        raise ScreenError(f"{path}: 文件为空")
    if suffix == ".parquet":
        if head[:4] != b"PAR1" or tail != b"PAR1":
            raise ScreenError(
                f"{path}: 不是 Parquet 文件（文件头尾没有 PAR1 标记）；CSV 或 Excel 文件请使用 .csv / .xlsx 扩展名"
            )
    elif suffix == ".xlsx":
        if head[:4] != b"PK\x03\x04":
            raise ScreenError(
                f"{path}: 不是 Excel .xlsx 文件（.xlsx 是 zip 压缩包）；旧版 .xls 请在 Excel 中另存为 .xlsx"
            )
    else:
        if head[:4] == b"PAR1":
            raise ScreenError(f"{path}: 这是 Parquet 文件，扩展名应为 .parquet")
        if head[:4] == b"PK\x03\x04":
            raise ScreenError(f"{path}: 这是 Excel 或 zip 文件，不是 CSV；Excel 文件请使用 .xlsx 扩展名")
        if b"\x00" in head:
            raise ScreenError(f"{path}: 不是文本文件（含有 NUL 字节），不能按 CSV 读取")
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == size)
        except UnicodeDecodeError:
            raise ScreenError(
                f"{path}: 不是 UTF-8 编码的 CSV（可能是 GBK）；请在 Excel 中另存为“CSV UTF-8”"
            ) from None
    return suffix


def _count_rows(path: Path, fmt: str) -> int:
    if fmt == ".parquet":
        try:
            return pl.scan_parquet(path).select(pl.len()).collect().item()  # from the footer
        except pl.exceptions.DuplicateError:  # refused later, with the duplicate names
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
    return pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()


def _read_excel(path: Path) -> pl.DataFrame:
    return pl.read_excel(
        path, infer_schema_length=None, drop_empty_rows=False, drop_empty_cols=False, raise_if_empty=False
    )


def registry_frame(path: Path, fmt: str) -> pl.LazyFrame:
    """The registry as screening reads it (`fmt`: ".parquet", ".csv", ".xlsx"): CSV cells as text, a workbook whole."""
    if fmt == ".parquet":
        return pl.scan_parquet(path)
    if fmt == ".csv":
        return pl.scan_csv(path, infer_schema=False)
    return _read_excel(path).lazy()


def _schema(path: Path, fmt: str, excel: pl.DataFrame | None) -> list[str]:
    if fmt == ".xlsx":
        assert excel is not None
        return excel.columns
    if fmt == ".parquet":
        try:
            return pl.scan_parquet(path).collect_schema().names()
        except pl.exceptions.DuplicateError:  # the names as they are, so that the duplicates can be named
            import pyarrow.parquet as pq

            return list(pq.ParquetFile(path).schema_arrow.names)
    # the header as written: Polars renames a repeated name ("revenue_2025_duplicated_0"), which would hide it
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def _coerce_exprs(schema: dict[str, pl.DataType], kinds: dict[str, str]) -> list[pl.Expr]:
    """Types a reader may hand over that normalize does not take: datetimes for dates, all-null columns, keys as text."""
    fixes = []
    for name, dtype in schema.items():
        info = spec_of(name, kinds)
        if info is not None and info[0] == "date" and isinstance(dtype, pl.Datetime):
            fixes.append(pl.col(name).dt.date())
        elif (
            name in KEY_COLUMNS + OUTPUT_KEYS and dtype.is_float()
        ):  # codes typed as numbers in Excel: 330106.0
            fixes.append(pl.col(name).cast(pl.Int64, strict=False).cast(pl.String))
        elif dtype == pl.Null or (name in KEY_COLUMNS + OUTPUT_KEYS and dtype != pl.String):
            fixes.append(pl.col(name).cast(pl.String))
    return fixes


# ---------------------------------------------------------------------------
# Output writers


class _Results:
    """The batches' results until the gap plans are known: kept in memory up to `limit` bytes (a registry of a
    million rows takes ~140 MB), beyond that spilled to one Arrow IPC file per batch (`<path>.<n>`, uncompressed:
    written and read back at memory speed), read back one batch at a time or streamed into the output."""

    def __init__(self, path: Path, limit: int | None = None):
        self.path = path
        self.limit = SPILL_BYTES if limit is None else limit
        self.frames: list[pl.DataFrame] = []
        self.held = 0
        self.files: list[Path] = []
        self.schema: pl.Schema | None = None

    @property
    def started(self) -> bool:
        return bool(self.frames) or bool(self.files)

    @property
    def spilled(self) -> bool:
        return bool(self.files)

    def write(self, df: pl.DataFrame) -> None:
        if self.schema is None:
            self.schema = df.schema
        elif df.schema != self.schema:
            df = df.cast(self.schema)  # type: ignore[arg-type]
        if not self.files and self.held + df.estimated_size() <= self.limit:
            self.frames.append(df)
            self.held += df.estimated_size()
            return
        for held in self.frames:
            self._spill(held)
        self.frames, self.held = [], 0
        self._spill(df)

    def _spill(self, df: pl.DataFrame) -> None:
        path = self.path.with_name(f"{self.path.name}.{len(self.files)}")
        self.files.append(path)  # listed before it is written: `remove` deletes a half-written file too
        df.write_ipc(path)

    def batches(self) -> Iterator[pl.DataFrame]:
        """Every batch in order (read back one at a time when spilled: the whole result is never held)."""
        if not self.files:
            yield from self.frames
            return
        for path in self.files:
            yield pl.read_ipc(path)

    def lazy(self) -> pl.LazyFrame:
        """The spilled batches in order, as one query streamed from their files."""
        assert self.files, "only spilled results are streamed; held ones are written from memory"
        return pl.scan_ipc(self.files)

    def remove(self) -> None:
        for path in self.files:
            path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------
# Screening


def screen(
    input: Path | str,
    output: Path | str,
    as_of: dt.date | str | None = None,
    rules: str | None = None,
    errors: Path | str | None = None,
    gaps: int = DEFAULT_GAPS,
    progress: bool | ProgressFn = True,
    *,
    registry: Registry | None = None,
    warn: Callable[[str], None] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> dict[str, Any]:
    """Screen every row of `input` and write the results to `output` (format by extension).

    Returns a summary: rows, error_rows, error_cells, highest_tier counts, tiers (per tier
    qualified true/false/undetermined), gaps (rows that got a plan), seconds (timings: per phase), paths.
    Raises ScreenError for bad input (nothing is written then), UnknownRuleSet for a bad id.
    """
    started = time.perf_counter()
    src, dst = Path(input), Path(output)
    out_fmt = file_format(dst, "-o/--output")
    err_path = Path(errors) if errors else dst.with_name(dst.stem + ".errors.csv")
    if err_path.suffix.lower() != ".csv":
        raise ScreenError(f"--errors: 错误清单为 CSV 文件，扩展名须为 .csv（收到 {err_path.name!r}）")
    if gaps < 0:
        raise ScreenError(f"--gaps: 须为非负整数（收到 {gaps}）")
    for option, path in (("-o/--output", dst), ("--errors", err_path)):
        if not path.parent.is_dir():
            raise ScreenError(f"{option}: 目录 {path.parent} 不存在；请先创建它，或换一个已有的目录")
    if dst.resolve() == src.resolve() or err_path.resolve() in (src.resolve(), dst.resolve()):
        raise ScreenError("-o/--output、--errors 与输入文件不能是同一个文件")
    fmt = check_input(src)
    reg = registry or default_registry()
    as_of = _as_date(as_of)
    base = reg.get(rules) if rules else reg.in_force(as_of)
    kinds = local_kinds(reg, base.id)
    ladder = list(base.ladder or tuple(base.tiers))
    if not ladder:
        usable = "、".join(i for i in reg.ids() if reg.get(i).tiers)
        raise ScreenError(
            f"--rules: {base.id}（{base.zh}）不是认定标准，没有可筛查的层次；可用的规则集：{usable}"
        )

    excel = None
    try:
        if fmt == ".xlsx":
            excel = _read_excel(src)
        columns = _schema(src, fmt, excel)
        total = excel.height if excel is not None else _count_rows(src, fmt)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise ScreenError(f"{src}: 无法读取（{_first_line(exc)}）") from None
    # a province's own indicator counts only where the rule set (or one of its overlays) declares it
    known = [
        c
        for c in columns
        if c in KEY_COLUMNS
        or (spec_of(c, kinds) is not None and (not c.startswith("local_") or c[6:] in kinds))
    ]
    unknown = [c for c in columns if c not in known]
    if not [c for c in known if c not in KEY_COLUMNS]:
        if any(
            c.startswith("__UNNAMED__") for c in columns
        ):  # Excel: a title or merged cells above the header
            raise ScreenError(
                f"{src}: 第一行应是列名（表头），这里像是标题或合并单元格；请删去表头上方的行、取消合并单元格"
            )
        raise ScreenError(
            f"{src}: 没有一列是规则可用的字段（列名见 docs/screening.md，如 revenue_2025、industry）"
        )
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise ScreenError(f"{src}: 列名重复：{'、'.join(dup)}")
    if out_fmt == ".xlsx" and total > EXCEL_MAX_ROWS:
        raise ScreenError(
            f"-o/--output: 共 {total:,} 行，超过 Excel 工作表上限（{EXCEL_MAX_ROWS:,} 行）；请输出 .parquet 或 .csv"
        )
    if unknown and warn:
        warn(f"提示：以下 {len(unknown)} 列不是 {base.id} 读取的字段，已忽略：{'、'.join(unknown)}")
    # fields the rules in force do not read (other years, other measures) are not read from the file at all
    unread = unread_columns(known, kinds, base, reg, as_of, gaps)
    known = [c for c in known if c not in unread]
    if unread and warn:
        shown = "、".join(unread[:8]) + (f" 等 {len(unread)} 列" if len(unread) > 8 else "")
        warn(f"提示：{base.id}（{as_of.isoformat()}）不读取 {shown}，这些列未读取、未检查")

    summary: dict[str, Any] = {
        "input": str(src),
        "output": str(dst),
        "errors_file": str(err_path),
        "rules": base.id,
        "as_of": as_of.isoformat(),
        "rows": 0,
        "error_rows": 0,
        "error_cells": 0,
        "unknown_columns": unknown,
        "unread_columns": unread,
        "highest_tier": {t: 0 for t in ["none", *ladder]},
        "tiers": {t: {"true": 0, "false": 0, "undetermined": 0} for t in base.tiers},
        "gaps": 0,
        "gaps_reaching": 0,
        "gap_candidates": 0,
        "gap_mismatches": 0,
        "gap_helper_rows": 0,
    }
    timings: dict[str, float] = {"read": round(time.perf_counter() - started, 2)}
    summary["timings"] = timings
    # the results wait (in memory, or beyond SPILL_BYTES in temporary Arrow files) until the plans of the closest
    # rows are known, then the output is written once
    results = _Results(dst.with_name(dst.name + ".tmp.arrow"))
    err_tmp = err_path.with_name(err_path.name + ".part")
    from zjtx.screen_plans import HelperPool, helpers_for

    # the gap plans' helper processes start now: their interpreters are ready when the plans begin
    with _reporter(progress) as report, HelperPool(helpers_for(min(gaps, total))) as pool:
        try:
            clock = time.perf_counter()
            top = _first_pass(
                src,
                fmt,
                excel,
                known,
                kinds,
                base,
                reg,
                as_of,
                ladder,
                gaps,
                batch_rows,
                total,
                results,
                err_tmp,
                summary,
                report,
            )
            timings["evaluate"] = round(time.perf_counter() - clock, 2)
            clock = time.perf_counter()
            plans = _plans(top, kinds, base, reg, as_of, summary, report, pool)
            timings["gaps"] = round(time.perf_counter() - clock, 2)
            clock = time.perf_counter()
            report("写出结果", 0, 1)
            _write_output(results, dst, out_fmt, plans, base)
            err_tmp.replace(err_path)
            report("写出结果", 1, 1)
            timings["write"] = round(time.perf_counter() - clock, 2)
        finally:
            results.remove()
            err_tmp.unlink(missing_ok=True)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


def unread_columns(
    columns: list[str], kinds: dict[str, str], base, reg: Registry, as_of: dt.date, gaps: int = DEFAULT_GAPS
) -> list[str]:
    """The fact columns among `columns` that screening under `base` on `as_of` never reads (keys are always read).

    Why: a registry extract (or a template to fill in) need not carry them; they are not read nor checked."""
    ladder = list(base.ladder or tuple(base.tiers))
    reads = _Pipeline({c: pl.String for c in columns}, kinds, base, reg, as_of, ladder, gaps).reads()
    return [c for c in columns if c not in reads and c not in KEY_COLUMNS + OUTPUT_KEYS]


def _as_date(as_of) -> dt.date:
    """The evaluation day: a date, "YYYY-MM-DD" (as the command line and a script pass it) or None for today."""
    if as_of is None:
        return dt.date.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of).strip())
    except ValueError:
        raise ScreenError(f"as_of: 须为 YYYY-MM-DD 格式的日期（收到 {as_of!r}）") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class _Pipeline:
    """The whole evaluation of a batch: row numbers, normalize, every tier, the next tier and (with gaps) the distance
    to it; rows with bad cells get no results. The expressions are built once, for the input's schema, and applied to
    every batch (each batch is one in-memory query)."""

    def __init__(
        self, schema: dict[str, pl.DataType], kinds, base, reg, as_of, ladder, gaps, known=frozenset()
    ):
        from rulebook.screen_gaps import Reach

        self.schema = dict(schema)
        self.coerce = _coerce_exprs(self.schema, kinds)
        typed = pl.DataFrame(schema=self.schema).lazy().with_columns(self.coerce)
        typed = typed.select(pl.lit(0, dtype=pl.Int64).alias("row"), pl.all())
        # the `_errors` lists are made afterwards, for the rows where normalize emptied a cell (few, usually none)
        self.normalize, self.errors = normalize_checks(typed.collect_schema(), kinds)
        normalized = typed.with_columns(self.normalize).with_columns(pl.lit(False).alias("_bad"))
        # `known`: the batch's columns without an empty cell. A cell normalize empties is reported as an error, and the
        # row's results are withheld, so for every row that gets results those columns are complete after normalize.
        self.stages = evaluate_stages(set(normalized.collect_schema().names()), as_of, base.id, reg, known)
        lf = normalized
        for stage in self.stages:
            lf = lf.with_columns(stage)
        every = lf.collect_schema().names()
        staged = set(every)
        names = [n for n in every if not n.startswith("_z")]
        self.result_cols = _result_columns(names, base)
        next_of = {"none": ladder[0], **{a: b for a, b in zip(ladder, ladder[1:], strict=False)}}
        bad = pl.col("_bad")
        nxt = pl.col("highest_tier").replace_strict(next_of, default=None, return_dtype=pl.String)
        self.results = [pl.when(bad).then(None).otherwise(pl.col(c)).alias(c) for c in self.result_cols] + [
            pl.when(bad).then(None).otherwise(nxt).alias("next_tier")
        ]
        self.clean_results = [nxt.alias("next_tier")]  # a batch without a bad cell
        next_q = pl.lit(None, dtype=pl.Boolean)
        for t in ladder:
            next_q = pl.when(pl.col("next_tier") == t).then(pl.col(f"{t}_qualified")).otherwise(next_q)
        self.next_q = next_q.alias("_next_qualified")
        # what stands between each row and its next tier, as integer codes (`Reach`); turned into the distance (the
        # ranking of the plans) and `gap_missing` once per distinct combination
        self.reach: Any = None
        self.codes: list[list[pl.Expr]] = []
        if gaps:
            comp = Compiler(base, as_of.year - 1, as_of, staged)
            self.reach = Reach(
                base, ladder, comp, staged
            )  # reads the tier stages' criterion outcomes (`_zc_*`)
            self.codes = self.reach.code_columns(pl.col("next_tier"), pl.col("_next_qualified") == False)  # noqa: E712

    def reads(self) -> set[str]:
        """The input columns the whole evaluation reads."""
        steps = [self.normalize, *self.stages, self.results, [self.next_q], *self.codes]
        return columns_read(
            steps, [*self.result_cols, "next_tier", *(self.reach.code_names() if self.reach else [])]
        )

    def _reached(self, df: pl.DataFrame) -> pl.DataFrame:
        """`_distance` and `gap_missing` from the codes (null without gaps, or where the next tier is not missed)."""
        if self.reach is None:
            return df.with_columns(
                pl.lit(None, dtype=pl.Float64).alias("_distance"),
                pl.lit(None, dtype=pl.Categorical).alias("gap_missing"),
            )
        keys = ["next_tier", *self.reach.code_names()]
        distinct = df.select(keys).filter(pl.col("_gf").is_not_null()).unique()
        decoded = [self.reach.decode(*row) for row in distinct.rows()]
        table = distinct.with_columns(
            pl.Series("_distance", [d for d, _ in decoded], dtype=pl.Float64),
            # a category per distinct text while the results wait for the plans (a string per row took half of a
            # million rows' results, and the 2026 rules' longer texts pushed them past SPILL_BYTES); text when written
            pl.Series("gap_missing", [t for _, t in decoded], dtype=pl.Categorical),
        )
        # join the keys alone (the whole frame through a join costs more than every tier's evaluation), then attach
        found = df.select(keys).join(table, on=keys, how="left", maintain_order="left")
        return df.drop(self.reach.code_names()).with_columns(found["_distance"], found["gap_missing"])

    def __call__(self, raw: pl.DataFrame, first_row: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The batch's results (with `_bad`: the row had a bad cell) and the bad rows' messages (`_messages`)."""
        lf = raw.lazy()
        if self.coerce:
            lf = lf.with_columns(self.coerce)
        typed = lf.select(
            pl.int_range(first_row, first_row + raw.height, dtype=pl.Int64).alias("row"), pl.all()
        ).collect()
        normalized = typed.lazy().with_columns(self.normalize).collect()
        bad = emptied(typed, normalized)
        if bad is None:
            lf = normalized.lazy().with_columns(pl.lit(False).alias("_bad"))
        else:
            lf = normalized.with_columns(bad).lazy()
        for stage in self.stages:
            lf = lf.with_columns(stage)
        lf = lf.with_columns(self.clean_results if bad is None else self.results).with_columns(self.next_q)
        for stage in self.codes:
            lf = lf.with_columns(stage)
        df = self._reached(lf.select(pl.exclude("^_z.*$")).collect())
        return df, self._messages(typed, df if bad is not None else None)

    def _messages(self, typed: pl.DataFrame, df: pl.DataFrame | None) -> pl.DataFrame:
        """`row`, `id` (when the input has it) and `_errors` (the messages, from the same raw cells) of the bad rows."""
        ident = pl.col("id").cast(pl.String) if "id" in typed.columns else pl.lit(None, dtype=pl.String)
        if df is None:
            return pl.DataFrame(schema={"row": pl.Int64, "id": pl.String, "_errors": pl.List(pl.String)})
        rows = df.filter(pl.col("_bad")).select("row")
        return (
            typed.lazy()
            .join(rows.lazy(), on="row", how="semi")
            .select("row", ident.alias("id"), self.errors.alias("_errors"))
            .sort("row")
            .collect()
        )


def _batches(
    path: Path, fmt: str, excel: pl.DataFrame | None, known: list[str], rows: int, total: int
) -> Iterator[pl.DataFrame]:
    """The input's known columns, `rows` rows at a time, as read (CSV cells as text; normalize parses them).

    Parquet is read one slice at a time (`scan_parquet(...).slice(...)`: only the row groups it needs, and memory
    does not grow with the file; a streaming read ahead of a slower evaluation buffers the whole file)."""
    if fmt == ".xlsx":
        assert excel is not None
        for start in range(0, excel.height, rows):
            yield excel.select(known).slice(start, rows)
    elif fmt == ".parquet":
        for start in range(0, total, rows):
            yield pl.scan_parquet(path).select(known).slice(start, rows).collect()
    else:
        yield from pl.scan_csv(path, infer_schema=False).select(known).collect_batches(chunk_size=rows)


def _first_pass(
    src,
    fmt,
    excel,
    known,
    kinds,
    base,
    reg,
    as_of,
    ladder,
    gaps,
    batch_rows,
    total,
    out,
    err_tmp,
    summary,
    report,
) -> pl.DataFrame | None:
    """Evaluate every batch; write results (`out`) and errors; keep the `gaps` rows closest to their next tier."""
    top: pl.DataFrame | None = None
    done = 0
    pipelines: dict[tuple, _Pipeline] = {}

    def evaluate(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, _Pipeline]:
        complete = complete_columns(raw)  # batches of one registry mostly share it: one pipeline each
        key = (tuple(raw.schema.items()), complete)
        if key not in pipelines:
            pipelines[key] = _Pipeline(raw.schema, kinds, base, reg, as_of, ladder, gaps, complete)
        p = pipelines[key]
        df, errors = p(raw, done + 1)
        return df, errors, p

    report("筛查", 0, total)
    with err_tmp.open("wb") as err_fh:  # with a BOM, so that Excel shows the Chinese messages
        pl.DataFrame(
            schema={"row": pl.Int64, "id": pl.String, "field": pl.String, "message": pl.String}
        ).write_csv(err_fh, include_bom=True)
        try:
            empty = pl.DataFrame(schema={c: pl.String for c in known})
            for raw in itertools.chain(
                _guarded(_batches(src, fmt, excel, known, batch_rows, total), src), [empty]
            ):
                if raw.height == 0 and (out.started or raw is not empty):
                    continue  # an empty table still goes through once, so that the output has every column
                df, errors, p = evaluate(raw)
                keys = [c for c in OUTPUT_KEYS if c in df.columns]
                _count(df, errors, base, summary)
                _write_errors(errors, err_fh)
                out.write(
                    df.select(
                        [
                            "row",
                            *keys,
                            *p.result_cols,
                            "next_tier",
                            "gap_missing",
                            pl.col("_distance").alias("gap_distance"),
                        ]
                    )
                )
                if gaps:
                    top = _closest(df, top, gaps, p.result_cols, summary)
                done += raw.height
                report("筛查", done, total)
        except (
            pl.exceptions.PolarsError
        ) as exc:  # a column type the checks cannot take (e.g. a list in Parquet)
            raise ScreenError(f"{src}: 第 {done + 1} 行起的一批数据无法处理（{_first_line(exc)}）") from None
    return top


def _closest(
    df: pl.DataFrame, top: pl.DataFrame | None, gaps: int, result_cols: list[str], summary: dict
) -> pl.DataFrame | None:
    """The `gaps` rows closest to their next tier so far (ties by row number), with their normalized facts."""
    dist = df["_distance"]
    summary["gap_candidates"] += dist.len() - dist.null_count()
    keep = pl.col("_distance").is_not_null()
    if top is not None and top.height >= gaps:  # a later row beats a kept one only by being strictly closer
        keep = keep & (pl.col("_distance") < top["_distance"].max())
    order = (
        df.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"), "_distance", "row")
        .filter(keep)
        .sort(["_distance", "row"])
        .head(gaps)
    )
    if order.height == 0:
        return top
    # every tier's outcome stays: a plan asks first for a title whose tier the row already meets
    cand = df[order["_i"]].drop([*(c for c in result_cols if not c.endswith("_qualified")), "_bad"])
    return (
        cand
        if top is None
        else pl.concat([top, cand], how="diagonal_relaxed").sort(["_distance", "row"]).head(gaps)
    )


def _guarded(batches: Iterator[pl.DataFrame], src: Path) -> Iterator[pl.DataFrame]:
    """The batches, with a reading failure (a malformed CSV line, a damaged Parquet page) as a ScreenError."""
    done = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            raise ScreenError(f"{src}: 第 {done + 1} 行起的数据无法读取（{_first_line(exc)}）") from None
        done += batch.height
        yield batch


def _result_columns(names: list[str], base) -> list[str]:
    out = ["size"]
    ladder = list(base.ladder or tuple(base.tiers))
    for tid in ladder + [t for t in base.tiers if t not in ladder]:
        out += [
            c
            for c in (
                f"{tid}_qualified",
                f"{tid}_score",
                f"{tid}_score_min",
                f"{tid}_score_max",
                f"{tid}_route",
            )
            if c in names
        ]
    return out + ["highest_tier"]


def _count(df: pl.DataFrame, errors: pl.DataFrame, base, summary: dict) -> None:
    good = ~pl.col("_bad")
    exprs = [good.sum().alias("good")]
    for tid in base.tiers:
        q = pl.col(f"{tid}_qualified")
        exprs += [
            (q & good).sum().alias(f"{tid}:true"),
            (q.is_null() & good).sum().alias(f"{tid}:undetermined"),
        ]
    counts = df.select(exprs).row(0, named=True)
    summary["rows"] += df.height
    summary["error_rows"] += errors.height
    summary["error_cells"] += int(errors["_errors"].list.len().sum() or 0)
    highest = df.select(pl.col("highest_tier").filter(good)).to_series().value_counts()
    for value, n in highest.iter_rows():
        summary["highest_tier"][value] = summary["highest_tier"].get(value, 0) + n
    for tid in base.tiers:
        t, undetermined = int(counts[f"{tid}:true"]), int(counts[f"{tid}:undetermined"])
        summary["tiers"][tid]["true"] += t
        summary["tiers"][tid]["undetermined"] += undetermined
        summary["tiers"][tid]["false"] += int(counts["good"]) - t - undetermined


def _write_errors(errors: pl.DataFrame, fh) -> None:
    if errors.height == 0:
        return
    rows = (
        errors.select("row", "id", pl.col("_errors").alias("message"))
        .explode("message")
        .with_columns(pl.col("message").str.split_exact(": ", 1).struct.field("field_0").alias("field"))
        .select("row", "id", "field", "message")
    )
    rows.write_csv(fh, include_header=False)


def _plans(
    top: pl.DataFrame | None, kinds, base, reg, as_of, summary, report, pool=None
) -> dict[int, tuple[str, bool]]:
    """Gap plans (text, reaches) for the candidate rows, by the single-profile engine, on every core (`screen_plans`).

    A row where the single path does not agree that the next tier is missed gets no plan (`gap_mismatches`).
    """
    from zjtx.screen_plans import plan_rows

    if top is None or top.height == 0:
        return {}
    report("差距分析", 0, top.height)
    stats: dict[str, int] = {}
    found = plan_rows(
        list(top.iter_rows(named=True)),
        reg,
        base.id,
        kinds,
        as_of,
        progress=lambda done: report("差距分析", done, top.height),
        stats=stats,
        pool=pool,
    )
    plans = {row: plan for row, plan in found.items() if plan is not None}
    summary["gap_mismatches"] += len(found) - len(plans)
    summary["gaps"] = len(plans)
    summary["gaps_reaching"] = sum(1 for _t, ok in plans.values() if ok)
    summary["gap_helper_rows"] = stats.get("helper_rows", 0)
    return plans


def _write_output(
    results: _Results, dst: Path, fmt: str, plans: dict[int, tuple[str, bool]], rules: RuleSet
) -> None:
    """The results with the gap plans joined on by row number, in the output's format (Excel: with a column guide)."""
    frame = pl.DataFrame(
        {
            "row": list(plans),
            "gap": [v[0] for v in plans.values()],
            "gap_reaches": [v[1] for v in plans.values()],
        },
        schema={"row": pl.Int64, "gap": pl.String, "gap_reaches": pl.Boolean},
    )

    def joined(df: pl.LazyFrame | pl.DataFrame):
        return df.join(
            frame.lazy() if isinstance(df, pl.LazyFrame) else frame,
            on="row",
            how="left",
            maintain_order="left",
        ).with_columns(pl.col("gap_missing").cast(pl.String))

    def batches() -> Iterator[pl.DataFrame]:
        for df in results.batches():
            yield joined(df)

    part = dst.with_name(dst.name + ".part")
    try:
        if fmt == ".parquet" and results.spilled:
            # streamed from the spilled batches' files: half the time of writing them one batch at a time
            joined(results.lazy()).sink_parquet(part, compression="zstd")
        elif fmt == ".parquet":
            pl.concat(list(batches())).write_parquet(part, compression="zstd")
        elif fmt == ".csv":
            with part.open("wb") as fh:
                for i, df in enumerate(batches()):
                    df.write_csv(fh, include_header=i == 0)
        else:
            from zjtx.screen_guide import write_workbook

            write_workbook(pl.concat(list(batches())), part, rules)
        part.replace(dst)
    finally:
        part.unlink(missing_ok=True)


@contextmanager
def _reporter(progress: bool | ProgressFn):
    """progress=True: a rich bar on a terminal's stderr; a callable: called with (phase, done, total)."""
    if callable(progress):
        yield progress
        return
    if not progress:
        yield lambda phase, done, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda phase, done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield report

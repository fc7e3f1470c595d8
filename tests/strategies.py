"""Hypothesis strategies: plausible enterprise profiles (and arbitrary JSON) for property tests."""

from hypothesis import strategies as st

YEARS = ("2021", "2022", "2023")
INDUSTRIES = ("C3484", "C3985", "C2761", "I6513", "F5123", "E4710", "K7010", "M7320", "A0111", "G5411")
REGIONS = ("330106", "320505", "440305", "510104", "110108")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)

money = st.integers(0, 2_000_000_000)


@st.composite
def financial_year(draw):
    revenue = draw(st.integers(0, 800_000_000))
    employees = draw(st.integers(1, 1500))
    return {
        "employees": employees,
        "rd_staff": draw(st.integers(0, employees)),
        "revenue": revenue,
        "main_revenue": draw(st.integers(0, revenue)),
        "total_assets": draw(st.integers(1, 900_000_000)),
        "total_liabilities": draw(st.integers(0, 700_000_000)),
        "net_profit": draw(st.integers(-50_000_000, 100_000_000)),
        "rd_expense": draw(st.integers(0, max(revenue // 4, 1))),
    }


ip_item = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["invention_patent", "utility_model", "software_copyright", "design_patent"]),
        "related_to_main_product": st.booleans(),
        "self_developed": st.booleans(),
        "high_value": st.booleans(),
        "applied_with_benefit": st.booleans(),
        "granted": st.sampled_from(["2015-06-01", "2020-05-01", "2023-01-10"]),
    }
)


@st.composite
def profiles(draw, complete=True):
    p = {
        "schema": "zjtx.profile/1",
        "region": draw(st.sampled_from(REGIONS)),
        "industry": draw(st.sampled_from(INDUSTRIES)),
        "niche_since": draw(
            st.sampled_from(["2010-01-01", "2019-07-01", "2021-01-01", "2022-06-30", "2023-02-01"])
        ),
        "financials": {y: draw(financial_year()) for y in YEARS},
        "equity_financing": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "date": st.sampled_from(["2021-05-01", "2022-03-15", "2023-11-30"]),
                        "amount": st.integers(0, 100_000_000),
                        "qualified_investor": st.booleans(),
                    }
                ),
                max_size=2,
            )
        ),
        "ip": draw(st.lists(ip_item, max_size=6)),
        "rd_institutions": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"level": st.sampled_from(["national", "provincial", "municipal", "below_municipal"])}
                ),
                max_size=1,
            )
        ),
        "awards": draw(
            st.lists(
                st.one_of(
                    st.fixed_dictionaries(
                        {
                            "kind": st.just("science_award"),
                            "level": st.sampled_from(["national", "provincial"]),
                            "rank": st.integers(1, 8),
                            "year": st.integers(2019, 2023),
                        }
                    ),
                    st.fixed_dictionaries(
                        {
                            "kind": st.just("maker_china"),
                            "group": st.sampled_from(["top50", "top500"]),
                            "year": st.integers(2019, 2023),
                        }
                    ),
                ),
                max_size=2,
            )
        ),
        "honours": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "kind": st.sampled_from(["high_tech_enterprise", "ip_demo"]),
                        "valid_until": st.sampled_from(["2023-12-31", "2026-12-31"]),
                    }
                ),
                max_size=1,
            )
        ),
        "quality": {
            k: draw(st.booleans()) for k in ("management_system_cert", "own_brand", "standards_participation")
        },
        "main_product": {
            "strategic_emerging": draw(st.booleans()),
            "field": draw(
                st.sampled_from(
                    ["chain_breakthrough", "six_bases_or_laozihao_or_chain_leader_supplier", None]
                )
            ),
            "key_field": draw(st.sampled_from(["six_bases", "cyber_power", None])),
            "supports_key_chain": draw(st.booleans()),
            "national_market_share": draw(st.sampled_from([0.02, 0.1, 0.3])),
            "domestic_rank": draw(st.integers(1, 20)),
        },
        "digital_level": draw(st.integers(1, 4)),
        "core_business_on_information_system": draw(st.booleans()),
        "compliance": {
            "abnormal_operation_list": draw(st.booleans().filter(lambda _: True))
            and draw(st.booleans())
            and draw(st.booleans()),
            "seriously_dishonest": False,
            "prohibited_products": False,
            "major_incident_last_3_years": False,
        },
        "recognitions": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "tier": st.sampled_from(["innovative", "specialized"]),
                        "since": st.just("2022-01-01"),
                        "until": st.just("2025-12-31"),
                    }
                ),
                max_size=1,
            )
        ),
        "local_indicators": {"featured_score": draw(st.integers(0, 15))},
    }
    if not complete:
        for key in draw(
            st.lists(
                st.sampled_from(
                    ["ip", "awards", "main_product", "quality", "digital_level", "niche_since", "compliance"]
                ),
                max_size=3,
            )
        ):
            p.pop(key, None)
        if draw(st.booleans()):
            p["financials"]["2023"].pop(draw(st.sampled_from(list(p["financials"]["2023"]))))
    return p


# ---------------------------------------------------------------------------
# The same profiles in bulk: a seeded plain-Python generator for the 10,000-profile parity run
# (Hypothesis draws are too slow for that many, and one example cannot hold them). Integers lean
# towards their bounds as Hypothesis's do: zero revenue, zero R&D, equal years, exact band edges.


def _int(rnd, lo: int, hi: int) -> int:
    r = rnd.random()
    if r < 0.06:
        return lo
    if r < 0.10:
        return hi
    if r < 0.14:
        return min(hi, lo + rnd.randint(0, 3))
    return rnd.randint(lo, hi)


def _financial_year(rnd) -> dict:
    revenue = _int(rnd, 0, 800_000_000)
    employees = _int(rnd, 1, 1500)
    return {
        "employees": employees,
        "rd_staff": _int(rnd, 0, employees),
        "revenue": revenue,
        "main_revenue": _int(rnd, 0, revenue),
        "total_assets": _int(rnd, 1, 900_000_000),
        "total_liabilities": _int(rnd, 0, 700_000_000),
        "net_profit": _int(rnd, -50_000_000, 100_000_000),
        "rd_expense": _int(rnd, 0, max(revenue // 4, 1)),
    }


def _edges(rnd, fin: dict) -> None:
    """Now and then put a ratio exactly on a band edge the rules use (R&D 1/2/3/5/10 %, debt 50/55/60/70/75 %, …)."""
    y = fin["2023"]
    if rnd.random() < 0.15 and y["revenue"]:
        y["rd_expense"] = y["revenue"] * rnd.choice([1, 2, 3, 4, 5, 6, 8, 10]) // 100
    if rnd.random() < 0.15:
        y["total_liabilities"] = y["total_assets"] * rnd.choice([50, 55, 60, 70, 75]) // 100
    if rnd.random() < 0.15 and y["revenue"]:
        y["main_revenue"] = y["revenue"] * rnd.choice([50, 55, 60, 70, 80]) // 100
    if rnd.random() < 0.15 and fin["2022"]["main_revenue"]:
        y["main_revenue"] = min(
            fin["2022"]["main_revenue"] * rnd.choice([100, 104, 105, 106, 108, 110, 115]) // 100, y["revenue"]
        )


def random_profile(rnd, complete: bool = True) -> dict:
    """One profile from the same space as `profiles()` (rnd: a random.Random)."""
    c = rnd.choice
    financials = {y: _financial_year(rnd) for y in YEARS}
    _edges(rnd, financials)
    p = {
        "schema": "zjtx.profile/1",
        "region": c(REGIONS),
        "industry": c(INDUSTRIES),
        "niche_since": c(["2010-01-01", "2019-07-01", "2021-01-01", "2022-06-30", "2023-02-01"]),
        "financials": financials,
        "equity_financing": [
            {
                "date": c(["2021-05-01", "2022-03-15", "2023-11-30"]),
                "amount": _int(rnd, 0, 100_000_000),
                "qualified_investor": c([True, False]),
            }
            for _ in range(rnd.randint(0, 2))
        ],
        "ip": [
            {
                "type": c(["invention_patent", "utility_model", "software_copyright", "design_patent"]),
                "related_to_main_product": c([True, False]),
                "self_developed": c([True, False]),
                "high_value": c([True, False]),
                "applied_with_benefit": c([True, False]),
                "granted": c(["2015-06-01", "2020-05-01", "2023-01-10"]),
            }
            for _ in range(rnd.randint(0, 6))
        ],
        "rd_institutions": [
            {"level": c(["national", "provincial", "municipal", "below_municipal"])}
            for _ in range(rnd.randint(0, 1))
        ],
        "awards": [
            c(
                [
                    {
                        "kind": "science_award",
                        "level": c(["national", "provincial"]),
                        "rank": _int(rnd, 1, 8),
                        "year": _int(rnd, 2019, 2023),
                    },
                    {"kind": "maker_china", "group": c(["top50", "top500"]), "year": _int(rnd, 2019, 2023)},
                ]
            )
            for _ in range(rnd.randint(0, 2))
        ],
        "honours": [
            {"kind": c(["high_tech_enterprise", "ip_demo"]), "valid_until": c(["2023-12-31", "2026-12-31"])}
            for _ in range(rnd.randint(0, 1))
        ],
        "quality": {
            k: c([True, False]) for k in ("management_system_cert", "own_brand", "standards_participation")
        },
        "main_product": {
            "strategic_emerging": c([True, False]),
            "field": c(["chain_breakthrough", "six_bases_or_laozihao_or_chain_leader_supplier", None]),
            "key_field": c(["six_bases", "cyber_power", None]),
            "supports_key_chain": c([True, False]),
            "national_market_share": c([0.02, 0.1, 0.3]),
            "domestic_rank": _int(rnd, 1, 20),
        },
        "digital_level": _int(rnd, 1, 4),
        "core_business_on_information_system": c([True, False]),
        "compliance": {
            "abnormal_operation_list": rnd.random() < 0.125,
            "seriously_dishonest": False,
            "prohibited_products": False,
            "major_incident_last_3_years": False,
        },
        "recognitions": [
            {"tier": c(["innovative", "specialized"]), "since": "2022-01-01", "until": "2025-12-31"}
            for _ in range(rnd.randint(0, 1))
        ],
        "local_indicators": {"featured_score": _int(rnd, 0, 15)},
    }
    if not complete:
        for key in rnd.sample(
            ["ip", "awards", "main_product", "quality", "digital_level", "niche_since", "compliance"],
            rnd.randint(0, 3),
        ):
            p.pop(key, None)
        if rnd.random() < 0.5:
            p["financials"]["2023"].pop(c(list(p["financials"]["2023"])))
    return p

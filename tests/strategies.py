"""Hypothesis strategies: plausible enterprise profiles (and arbitrary JSON) for property tests."""

from hypothesis import strategies as st

YEARS = ("2021", "2022", "2023")
INDUSTRIES = ("C3484", "C3985", "C2761", "I6513", "F5123", "E4710", "K7010", "M7320", "A0111", "G5411")
REGIONS = ("330106", "320505", "440305", "510104", "110108")

json_scalars = st.none() | st.booleans() | st.integers(-10**15, 10**15) | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)

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


ip_item = st.fixed_dictionaries({
    "type": st.sampled_from(["invention_patent", "utility_model", "software_copyright", "design_patent"]),
    "related_to_main_product": st.booleans(),
    "self_developed": st.booleans(),
    "high_value": st.booleans(),
    "applied_with_benefit": st.booleans(),
    "granted": st.sampled_from(["2015-06-01", "2020-05-01", "2023-01-10"]),
})


@st.composite
def profiles(draw, complete=True):
    p = {
        "schema": "zjtx.profile/1",
        "region": draw(st.sampled_from(REGIONS)),
        "industry": draw(st.sampled_from(INDUSTRIES)),
        "niche_since": draw(st.sampled_from(["2010-01-01", "2019-07-01", "2021-01-01", "2022-06-30", "2023-02-01"])),
        "financials": {y: draw(financial_year()) for y in YEARS},
        "equity_financing": draw(st.lists(st.fixed_dictionaries({
            "date": st.sampled_from(["2021-05-01", "2022-03-15", "2023-11-30"]),
            "amount": st.integers(0, 100_000_000), "qualified_investor": st.booleans()}), max_size=2)),
        "ip": draw(st.lists(ip_item, max_size=6)),
        "rd_institutions": draw(st.lists(st.fixed_dictionaries({"level": st.sampled_from(["national", "provincial", "municipal", "below_municipal"])}), max_size=1)),
        "awards": draw(st.lists(st.one_of(
            st.fixed_dictionaries({"kind": st.just("science_award"), "level": st.sampled_from(["national", "provincial"]),
                                   "rank": st.integers(1, 8), "year": st.integers(2019, 2023)}),
            st.fixed_dictionaries({"kind": st.just("maker_china"), "group": st.sampled_from(["top50", "top500"]), "year": st.integers(2019, 2023)}),
        ), max_size=2)),
        "honours": draw(st.lists(st.fixed_dictionaries({"kind": st.sampled_from(["high_tech_enterprise", "ip_demo"]),
                                                         "valid_until": st.sampled_from(["2023-12-31", "2026-12-31"])}), max_size=1)),
        "quality": {k: draw(st.booleans()) for k in ("management_system_cert", "own_brand", "standards_participation")},
        "main_product": {"strategic_emerging": draw(st.booleans()),
                         "field": draw(st.sampled_from(["chain_breakthrough", "six_bases_or_laozihao_or_chain_leader_supplier", None])),
                         "key_field": draw(st.sampled_from(["six_bases", "cyber_power", None])),
                         "supports_key_chain": draw(st.booleans()),
                         "national_market_share": draw(st.sampled_from([0.02, 0.1, 0.3])),
                         "domestic_rank": draw(st.integers(1, 20))},
        "digital_level": draw(st.integers(1, 4)),
        "core_business_on_information_system": draw(st.booleans()),
        "compliance": {"abnormal_operation_list": draw(st.booleans().filter(lambda _: True)) and draw(st.booleans()) and draw(st.booleans()),
                       "seriously_dishonest": False, "prohibited_products": False, "major_incident_last_3_years": False},
        "recognitions": draw(st.lists(st.fixed_dictionaries({"tier": st.sampled_from(["innovative", "specialized"]),
                                                             "since": st.just("2022-01-01"), "until": st.just("2025-12-31")}), max_size=1)),
        "local_indicators": {"featured_score": draw(st.integers(0, 15))},
    }
    if not complete:
        for key in draw(st.lists(st.sampled_from(["ip", "awards", "main_product", "quality", "digital_level", "niche_since", "compliance"]), max_size=3)):
            p.pop(key, None)
        if draw(st.booleans()):
            p["financials"]["2023"].pop(draw(st.sampled_from(list(p["financials"]["2023"]))))
    return p

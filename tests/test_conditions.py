"""Policy conditions (rulebook.conditions): checked with messages naming the condition, explained
three-valued with the gap, and the same answers from the table compiler as from one profile."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from conftest import ROOT
from rulebook import conditions as C

AS_OF = dt.date(2026, 11, 27)  # last fiscal year 2025


def example(name: str = "manufacturer") -> dict:
    return json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))


def profile(**changes) -> dict:
    """The manufacturer example (杭州西湖区, C3484, 2025 revenue 16,800 万元, R&D 960 万元)."""
    doc = example()
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def verdict(conditions, doc, issuer=""):
    checked = C.check(conditions, as_of=AS_OF, issuer_region=issuer)
    return C.explain(checked, C.facts_for(doc, AS_OF))


def refused(conditions, issuer="") -> str:
    with pytest.raises(C.ConditionError) as err:
        C.check(conditions, as_of=AS_OF, issuer_region=issuer)
    return str(err.value)


# --- building and checking ----------------------------------------------------------------------


def test_triples_become_expressions_with_readable_labels():
    checked = C.check(
        [
            {"fact": "revenue", "year": "y0", "op": ">=", "value": "2000万"},
            {"fact": "title", "op": "held", "value": ["little_giant"]},
            {"fact": "industry", "op": "prefix", "value": ["C34", "C"]},
            {"fact": "size_class", "op": "in", "value": ["small", "micro"]},
            {"expr": "rd_ratio >= 4%", "label": "上年度研发投入占比超过 4%"},
        ],
        as_of=AS_OF,
        issuer_region="440100",
    )
    assert [i.text for i in checked.items] == [
        'region_city in ("4401",)',
        "revenue[y0] >= 20000000",
        "held(recognition_little_giant_until)",
        '(industry_section in ("C",) or industry_division in ("C34",))',
        'size_class in ("small", "micro",)',
        "rd_ratio >= 4%",
    ]
    assert [i.label for i in checked.items] == [
        "注册地在发布机关辖区内（广东省广州市）",
        "上年度营业收入 ≥ 2,000 万元",
        "持有专精特新“小巨人”企业称号（有效期内）",
        "所属行业属于制造业、通用设备制造业",
        "企业规模属于 小型、微型",
        "上年度研发投入占比超过 4%",
    ]
    assert checked.issuer_prefix == "4401"
    assert len(checked.conditions) == 5  # the issuer's area is implicit, not stored


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        (
            [{"fact": "revenue", "op": ">=", "value": "很多"}],
            "条件 1（revenue >= 很多）：取值 “很多” 不是数字",
        ),
        ([{"fact": "turnover", "op": ">=", "value": 1}], "条件 1（turnover >= 1）：未知的指标 “turnover”"),
        (
            [{"expr": "revenue >= 5"}],
            "条件 1（revenue >= 5）：“revenue”按年度取值，须写年份，例如 revenue[y0]",
        ),
        ([{"expr": "region >= 5"}], "条件 1（region >= 5）：不能比较文字与数值"),
        ([{"expr": "revenue[y0] +"}], "条件 1（revenue[y0] +）：表达式语法错误"),
        ([{"expr": "revenue[y0]"}], "条件须为一个判断"),
        (
            [{"fact": "size_class", "op": "in", "value": ["huge"]}],
            "取值须为 micro、small、medium、large 之一，而不是 “huge”",
        ),
        ([{"fact": "region", "op": "prefix", "value": ["12345"]}], "“12345”不是有效代码"),
        ([{"fact": "industry", "op": "prefix", "value": ["Z99"]}], "“Z99”不是有效代码"),
        ([{"fact": "title", "op": "held", "value": ["unicorn"]}], "未知的称号 “unicorn”"),
        ([{"fact": "national_market_share", "op": ">=", "value": 30}], "比例须在 0 到 1 之间"),
        # over 0 nothing is defined: the condition silently failed for every enterprise
        ([{"expr": "revenue[y0] / 0 > 1"}], "条件 1（revenue[y0] / 0 > 1）：除数不能为 0"),
        ([{"expr": "rd_expense[y0] / -0.0 >= 1"}], "除数不能为 0"),
    ],
)
def test_malformed_conditions_are_refused_naming_the_condition(conditions, message):
    assert message in refused(conditions)


def test_every_bad_condition_is_named_not_only_the_first():
    text = refused(
        [
            {"fact": "revenue", "year": "y0", "op": ">=", "value": 1},
            {"fact": "employees", "year": "y0", "op": ">=", "value": "x"},
            {"expr": "nonsense(1)"},
        ]
    )
    assert "条件 2（employees >= x）" in text and "条件 3（nonsense(1)）：未知的函数 “nonsense”" in text
    assert "条件 1" not in text


def test_contradictions_are_refused_naming_both_conditions():
    text = refused(
        [
            {"fact": "revenue", "year": "y0", "op": ">=", "value": "2000万"},
            {"fact": "revenue", "year": "y0", "op": "<", "value": "1000万"},
        ]
    )
    assert text == (
        "条件 2（上年度营业收入 < 1,000 万元）：与条件 1（上年度营业收入 ≥ 2,000 万元）互相矛盾："
        "“营业收入”没有能同时满足的取值"
    )
    assert "互相矛盾" in refused(
        [
            {"fact": "size_class", "op": "in", "value": ["small", "micro"]},
            {"fact": "size_class", "op": ">=", "value": "medium"},
        ]
    )
    assert "没有同时属于两者的行业" in refused(
        [
            {"fact": "industry", "op": "prefix", "value": ["C34"]},
            {"fact": "industry", "op": "prefix", "value": ["I65"]},
        ]
    )
    # the same fact in different years is not a contradiction
    C.check(
        [
            {"fact": "revenue", "year": "y0", "op": ">=", "value": 100},
            {"fact": "revenue", "year": "y1", "op": "<", "value": 50},
        ],
        as_of=AS_OF,
    )


def test_region_conditions_must_lie_in_the_issuers_area():
    assert refused([{"fact": "region", "op": "prefix", "value": ["440100"]}], issuer="330000") == (
        "条件 1（注册地属于广东省广州市）：地区 广东省广州市 不在发布机关辖区（浙江省）内"
    )
    assert "没有同时属于两者的地区" in refused(
        [
            {"fact": "region", "op": "prefix", "value": ["330100"]},
            {"fact": "region", "op": "prefix", "value": ["330200"]},
        ]
    )
    assert "排除了发布机关的整个辖区" in refused(
        [{"fact": "region", "op": "not prefix", "value": ["33"]}], issuer="330100"
    )
    # narrower or wider than the issuer's area is fine (the wider one is simply redundant)
    C.check([{"fact": "region", "op": "prefix", "value": ["330106"]}], as_of=AS_OF, issuer_region="330100")
    C.check([{"fact": "region", "op": "prefix", "value": ["33"]}], as_of=AS_OF, issuer_region="330100")


def test_builder_offers_facts_metrics_and_titles():
    fields = {f["fact"]: f for f in C.builder_fields(AS_OF)}
    assert fields["revenue"]["yearly"] and fields["revenue"]["kind"] == "money"
    assert fields["rd_ratio"]["group"] == "指标" and fields["rd_ratio"]["kind"] == "ratio"
    assert ("little_giant", "专精特新“小巨人”企业") in fields["title"]["choices"]
    assert fields["size_class"]["choices"][0] == ("micro", "微型")
    assert "honour_high_tech_enterprise_until" not in fields and "is_review" not in fields


# --- explaining on one profile ------------------------------------------------------------------


def test_eligible_with_the_values_read():
    v = verdict(
        [
            {"fact": "revenue", "year": "y0", "op": ">=", "value": "2000万"},
            {"fact": "title", "op": "held", "value": ["specialized"]},
        ],
        profile(),
        issuer="330000",
    )
    assert v.status == "eligible"
    assert [(o.label, o.status) for o in v.outcomes] == [
        ("注册地在发布机关辖区内（浙江省）", "met"),
        ("上年度营业收入 ≥ 2,000 万元", "met"),
        ("持有专精特新中小企业称号（有效期内）", "met"),
    ]
    assert v.outcomes[1].values == [("营业收入（2025 年）", "16,800 万元")]
    assert v.outcomes[2].values == [("专精特新中小企业", "有效期至 2029-11-07")]


def test_not_eligible_says_which_condition_failed_and_by_how_much():
    v = verdict(
        [
            {"fact": "revenue", "year": "y0", "op": ">=", "value": "2亿".replace("2亿", "20000万")},
            {"expr": "rd_ratio >= 6%", "label": "上年度研发投入占比不低于 6%"},
            {"fact": "digital_level", "op": ">=", "value": 2},
        ],
        profile(),
    )
    assert v.status == "not_eligible"
    failed = {o.label: o.gap for o in v.failed}
    assert failed == {
        "上年度营业收入 ≥ 20,000 万元": "营业收入（2025 年）需增加 3,200 万元（由 16,800 万元 增至 20,000 万元）",
        "上年度研发投入占比不低于 6%": "研发费用（2025 年）需增加 48 万元（由 960 万元 增至 1,008 万元）",
    }


def test_out_of_region_and_wrong_industry_are_explained_with_names():
    v = verdict([{"fact": "industry", "op": "prefix", "value": ["I65"]}], profile(), issuer="440100")
    assert v.status == "not_eligible"
    assert [o.gap for o in v.failed] == [
        "注册地为 330106（浙江省杭州市西湖区），不在适用范围内：广东省广州市",
        "所属行业为 C3484（机械零部件加工），不在适用范围内：软件和信息技术服务业",
    ]


def test_undetermined_lists_the_facts_to_fill_in():
    doc = profile(recognitions=None, digital_level=None, digital_score=None)
    v = verdict(
        [
            {"fact": "title", "op": "held", "value": ["little_giant"]},
            {"fact": "digital_level", "op": ">=", "value": 2},
            {"fact": "revenue", "year": "y0", "op": ">=", "value": 1},
        ],
        doc,
    )
    assert v.status == "undetermined"
    assert [o.status for o in v.outcomes] == ["unknown", "unknown", "met"]
    assert v.missing == [
        ("recognitions", "专精特新“小巨人”称号有效期至"),
        ("digital_level", "数字化水平等级"),
    ]


def test_a_failed_condition_decides_even_when_others_are_unknown():
    v = verdict(
        [
            {"fact": "cluster", "op": "in", "value": ["hz-robotics"]},
            {"fact": "employees", "year": "y0", "op": "<=", "value": 10},
        ],
        profile(),
    )
    assert v.status == "not_eligible"
    assert [o.status for o in v.outcomes] == ["unknown", "not_met"]


def test_titles_expired_held_and_first_year():
    doc = profile(
        recognitions=[{"tier": "little_giant", "since": "2025-07-01", "until": "2028-06-30"}],
        honours=[{"kind": "high_tech_enterprise", "valid_until": "2026-01-31"}],
    )
    checked = C.check(
        [
            {"fact": "title", "op": "held", "value": ["little_giant"]},
            {"fact": "recognition_little_giant_since_year", "op": ">=", "value": 2025},
        ],
        as_of=AS_OF,
    )
    assert C.explain(checked, C.facts_for(doc, AS_OF)).status == "eligible"
    expired = C.explain(
        C.check([{"fact": "title", "op": "held", "value": ["high_tech_enterprise"]}], as_of=AS_OF),
        C.facts_for(doc, AS_OF),
    )
    assert expired.status == "not_eligible"
    assert expired.outcomes[0].values == [("高新技术企业", "有效期至 2026-01-31（已过期）")]
    assert expired.outcomes[0].gap == "需取得（并在有效期内）：高新技术企业"
    none_held = C.explain(
        C.check([{"fact": "title", "op": "not held", "value": ["little_giant"]}], as_of=AS_OF),
        C.facts_for(profile(), AS_OF),
    )
    assert none_held.status == "eligible"


YUHANG = "杭州市余杭区新能源汽车关键零部件产业集群"
MOLDS = "宁波市北仑区模具、压铸产业集群"  # a name with “、” is one name, never split


def test_cluster_membership_is_a_set_given_by_the_caller():
    checked = C.check([{"fact": "cluster", "op": "in", "value": [YUHANG, MOLDS]}], as_of=AS_OF)
    assert checked.items[0].text == f'cluster in ("{YUHANG}", "{MOLDS}",)'
    assert checked.items[0].label == f"为产业集群“{YUHANG}”或“{MOLDS}”的成员企业"
    assert C.clusters_named(checked) == [(1, checked.items[0].label, [YUHANG, MOLDS])]

    def status(clusters, conditions=checked):
        return C.explain(conditions, C.facts_for(profile(), AS_OF, clusters=clusters))

    member = status(["其他集群", MOLDS])  # a member of several: one named is enough
    assert member.status == "eligible"
    assert member.outcomes[0].values == [("所属产业集群", f"“其他集群”、“{MOLDS}”")]  # sorted
    none = status([])  # a member of none is known: not eligible, not undetermined
    assert none.status == "not_eligible" and none.missing == []
    assert none.outcomes[0].values == [("所属产业集群", "未加入任何产业集群")]
    assert none.outcomes[0].gap == (
        f"尚未列为产业集群“{YUHANG}”或“{MOLDS}”的成员企业（成员由集群的认定部门登记）"
    )
    assert status(["宁波市北仑区模具"]).status == "not_eligible"  # exact names only
    unknown = status(None)  # only a caller without a registry leaves it unknown
    assert unknown.status == "undetermined" and unknown.missing == [("cluster", "所属产业集群")]
    # the profile has no cluster field any more: an old document's value is ignored
    old = C.facts_for(profile(cluster=YUHANG), AS_OF)
    assert C.explain(checked, old).status == "undetermined"

    outside = C.check([{"fact": "cluster", "op": "not in", "value": [YUHANG]}], as_of=AS_OF)
    assert status([], outside).status == "eligible"
    assert status([MOLDS], outside).status == "eligible"
    refused_member = status([YUHANG, MOLDS], outside)
    assert refused_member.status == "not_eligible"
    assert refused_member.outcomes[0].gap == f"已是产业集群“{YUHANG}”的成员企业，不适用本政策"


def test_cluster_conditions_contradict_only_when_every_named_cluster_is_excluded():
    both = [
        {"fact": "cluster", "op": "in", "value": [YUHANG]},
        {"fact": "cluster", "op": "in", "value": [MOLDS]},
    ]
    C.check(both, as_of=AS_OF)  # a member of two clusters fits both: no contradiction
    C.check(
        [
            {"fact": "cluster", "op": "in", "value": [YUHANG, MOLDS]},
            {"fact": "cluster", "op": "not in", "value": [YUHANG]},
        ],
        as_of=AS_OF,
    )
    assert refused(
        [
            {"fact": "cluster", "op": "in", "value": [YUHANG, MOLDS]},
            {"fact": "cluster", "op": "not in", "value": [YUHANG]},
            {"fact": "cluster", "op": "not in", "value": [MOLDS]},
        ]
    ) == (
        f"条件 3（不是产业集群“{MOLDS}”的成员企业）：与条件 1、2（为产业集群“{YUHANG}”或“{MOLDS}”的成员企业）"
        "互相矛盾：“所属产业集群”没有能同时满足的取值"
    )
    assert "至少要选择一个产业集群" in refused([{"fact": "cluster", "op": "in", "value": []}])
    assert "产业集群条件只能用“属于/不属于”" in refused([{"fact": "cluster", "op": ">=", "value": ["A"]}])
    assert "文字只能比较相等或不等" in refused([{"expr": 'cluster < "A"'}])
    assert "产业集群只能与集群名称比较" in refused([{"expr": "cluster == region"}])


def test_exact_boundaries():
    # 960 / 16,800 = 5.714285…%: exactly 960/16800 passes, one fen less of R&D does not
    doc = profile()
    doc["financials"]["2025"]["rd_expense"] = 1008000 * 10  # 1,008 万元 = exactly 6% of 16,800 万元
    v = verdict([{"expr": "rd_ratio >= 6%"}], doc)
    assert v.status == "eligible"
    doc["financials"]["2025"]["rd_expense"] = 10079999.99
    assert verdict([{"expr": "rd_ratio >= 6%"}], doc).status == "not_eligible"


def test_no_conditions_and_national_issuer_fit_everybody():
    checked = C.check([], as_of=AS_OF)
    assert checked.items == () and checked.text == "True"
    assert C.explain(checked, C.facts_for(profile(), AS_OF)).status == "eligible"


# --- tables: the same engine, vectorised --------------------------------------------------------

POLICIES = {
    "revenue": [{"fact": "revenue", "year": "y0", "op": ">=", "value": "5000万"}],
    "giant": [{"fact": "title", "op": "held", "value": ["little_giant", "specialized"]}],
    "hightech_mfg": [
        {"fact": "title", "op": "held", "value": ["high_tech_enterprise"]},
        {"fact": "industry", "op": "prefix", "value": ["C"]},
    ],
    "small": [{"fact": "size_class", "op": "in", "value": ["small", "micro"]}],
    "digital": [{"fact": "digital_level", "op": ">=", "value": 3}, {"expr": "rd_ratio >= 3%"}],
    "cluster": [{"fact": "cluster", "op": "in", "value": [YUHANG]}],
    "clusters": [{"fact": "cluster", "op": "in", "value": [MOLDS, "杭州市智能传感集群"]}],
    "not_cluster": [
        {"fact": "cluster", "op": "not in", "value": [YUHANG]},
        {"expr": f'cluster == "{MOLDS}" or revenue[y0] >= 1'},
    ],
    "new_giant": [{"fact": "recognition_little_giant_since_year", "op": ">=", "value": 2025}],
    "not_software": [
        {"fact": "industry", "op": "not prefix", "value": ["I65"]},
        {"fact": "employees", "year": "y0", "op": "<=", "value": 300},
    ],
    "growth": [{"expr": "revenue_cagr_2y >= 10% and debt_ratio <= 60%"}],
}
ISSUERS = {"revenue": "330000", "small": "330100", "cluster": "3301"}


MEMBERSHIPS = (None, [], [YUHANG], [MOLDS, YUHANG], [MOLDS], ["另一个集群"])


def _profiles() -> list[tuple[dict, list[str] | None]]:
    """(profile, cluster memberships) pairs: every example, in and out of Zhejiang, with every kind
    of membership (unknown, none, one named, several, others only)."""
    docs = []
    for name in (
        "manufacturer",
        "software-firm",
        "biotech-startup",
        "wholesaler",
        "large-enterprise",
        "missing-facts",
    ):
        doc = example(name)
        variant = copy.deepcopy(doc)
        variant["region"] = "440106"
        for i, clusters in enumerate(MEMBERSHIPS):
            docs.append((doc, clusters))
            docs.append((variant, MEMBERSHIPS[(i + 1) % len(MEMBERSHIPS)]))
    return docs


def test_table_matching_agrees_with_one_profile_at_a_time():
    checked = {k: C.check(v, as_of=AS_OF, issuer_region=ISSUERS.get(k, "")) for k, v in POLICIES.items()}
    facts = [C.facts_for(doc, AS_OF, clusters=clusters) for doc, clusters in _profiles()]
    lf = C.prepare_frame(C.frame_from_rows([C.row_for(f) for f in facts]), AS_OF)
    table = C.match_frame(lf, checked, AS_OF).select(list(checked)).collect()
    seen: dict[str, set] = {key: set() for key in checked}
    for row, f in zip(table.iter_rows(named=True), facts, strict=True):
        ctx = C.context_for(f)
        for key, ch in checked.items():
            single = C.decide(ch, ctx)
            expected = None if single is C.UNKNOWN else single
            assert row[key] == expected, (key, f.values.get("region"), f.values.get("cluster"), row[key])
            assert (
                C.explain(ch, f).status
                == {True: "eligible", False: "not_eligible", None: "undetermined"}[expected]
            )
            seen[key].add(expected)
    assert set().union(*seen.values()) == {True, False, None}  # the data exercise all three outcomes
    for key in ("cluster", "clusters", "not_cluster"):  # and so do the membership conditions
        assert seen[key] == {True, False, None}, key


def test_a_cluster_text_column_in_an_extract_names_one_cluster():
    checked = {"cluster": C.check(POLICIES["cluster"], as_of=AS_OF)}
    rows = [C.row_for(C.facts_for(profile(), AS_OF)) for _ in range(3)]
    for row, cell in zip(rows, [YUHANG, MOLDS, None], strict=True):
        row["cluster"] = cell
    lf = C.prepare_frame(C.frame_from_rows(rows), AS_OF)
    assert C.match_frame(lf, checked, AS_OF).collect()["cluster"].to_list() == [True, False, None]

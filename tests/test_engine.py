"""The engine on a small rule set written for these tests (real YAML files in a temporary criteria folder)."""

import datetime as dt
import shutil
import textwrap
from fractions import Fraction

import pytest

from conftest import ROOT
from rulebook import RuleDataError, assess
from rulebook.expr import UNKNOWN, Context, Vocabulary, evaluate, parse
from rulebook.registry import Registry

AS_OF = dt.date(2024, 6, 30)

TOY = """
id: toy
kind: measures
title: {zh: 测试办法, en: Test measures}
document: 《测试办法》
effective: {from: 2020-01-01}
uses: [cn-sme-size-2011]
metrics:
  rd_ratio: {zh: 研发占比, en: R&D ratio, expr: "ratio(rd_expense[y0], revenue[y0])", unit: percent}
  main_share: {zh: 主营占比, en: main share, expr: "ratio(main_revenue[y0], revenue[y0])", unit: percent}
criteria:
  rd:
    zh: 研发费用不低于100万元且占比不低于3%
    en: R&D at least 1m and 3%
    clause: {item: 第一条, grade: A}
    test: rd_expense[y0] >= 1000000 and rd_ratio >= 3%
  share_pts:
    zh: 主营占比
    en: main share
    clause: {item: 第二条, grade: A}
    value: main_share
    unit: percent
    bands:
      - {from: 80%, points: 30, zh: A, en: A}
      - {from: 70%, points: 20, zh: B, en: B}
      - {points: 0, zh: C, en: C}
  ip_pts:
    zh: 知识产权
    en: IP
    clause: {item: 第三条, grade: A}
    options:
      - {when: ip_I_main >= 2, points: 40, zh: A, en: A}
      - {when: ip_I_main >= 1, points: 20, zh: B, en: B}
      - {points: 0, zh: C, en: C}
  growth:
    zh: 复合增长率不低于5%
    en: CAGR at least 5%
    clause: {item: 第四条, grade: C}
    test: cagr(revenue, 2) >= 5%
  niche:
    zh: 细分市场满3年
    en: 3 years in the niche
    clause: {item: 第五条, grade: A}
    test: full_years(niche_since, y0) >= 3
tiers:
  basic:
    zh: 基础层
    en: Basic
    clause: {item: 第六条, grade: A}
    require: [rd, niche]
  scored:
    zh: 评分层
    en: Scored
    clause: {item: 第七条, grade: A}
    score:
      threshold: 50
      indicators: [share_pts, ip_pts]
    require: [{any: [score, growth]}]
"""


def toy_registry(root, ruleset: str = TOY, **files: str) -> Registry:
    """A registry in `root` of the toy rule set (its ruleset.yaml, and other files of its folder by name: procedure.yaml)
    beside the size rules it uses."""
    shutil.copytree(ROOT / "criteria" / "common", root / "common")
    shutil.copytree(
        ROOT / "criteria" / "cn-sme-size-2011",
        root / "cn-sme-size-2011",
        ignore=shutil.ignore_patterns("cases"),
    )
    (root / "toy").mkdir()
    (root / "toy" / "ruleset.yaml").write_text(textwrap.dedent(ruleset), encoding="utf-8")
    for name, text in files.items():
        (root / "toy" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return Registry(root)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return toy_registry(tmp_path_factory.mktemp("criteria"))


def profile(**fin):
    base = {"employees": 50, "revenue": 20_000_000, "main_revenue": 15_000_000, "rd_expense": 600_000}
    base.update(fin)
    return {
        "industry": "C3484",
        "niche_since": "2019-01-01",
        "financials": {"2023": base, "2022": {"revenue": 19_000_000}, "2021": {"revenue": 18_140_589}},
        "ip": [],
    }


def run(registry, p, **kw):
    return assess(p, as_of=AS_OF, rules="toy", registry=registry, **kw)


def crit(a, cid):
    return a.criteria[cid]


def test_threshold_passes_at_exactly_the_number(registry):
    a = run(registry, profile(rd_expense=1_000_000, revenue=Fraction(1_000_000) / Fraction(3, 100)))
    assert crit(a, "rd").passed is True
    a = run(registry, profile(rd_expense=1_000_000, revenue=33_333_334))
    assert crit(a, "rd").passed is False


def test_gap_is_the_exact_amount_in_wan_yuan(registry):
    a = run(registry, profile(rd_expense=1_000_000, revenue=40_000_000))  # needs 1,200,000
    [fix] = crit(a, "rd").gap[:1]
    assert [c.zh for c in fix.changes] == ["研发费用（2023 年）需增加 20 万元（由 100 万元 增至 120 万元）"]


def test_a_conjunction_needs_both_parts(registry):
    a = run(registry, profile(rd_expense=500_000, revenue=40_000_000))
    changes = crit(a, "rd").gap[0].changes
    assert [c.target for c in changes] == [Fraction(1_200_000)]  # the larger of 1,000,000 and 3% of revenue


def test_band_edges_go_to_the_higher_band(registry):
    assert crit(run(registry, profile(main_revenue=16_000_000)), "share_pts").points == 30  # exactly 80%
    assert crit(run(registry, profile(main_revenue=15_999_999)), "share_pts").points == 20


def test_raising_main_revenue_raises_revenue_too(registry):
    a = run(
        registry, profile(main_revenue=13_000_000)
    )  # 65% → needs 70%: (13m+x)/(20m+x) >= 0.7 → x ≥ 3,333,333.34, planned in whole 0.01 万元: 16,333,400
    fix = next(f for f in crit(a, "share_pts").gap if f.gain == 20)
    assert fix.changes[0].target == Fraction(16_333_400)
    assert "增至 1,633.34 万元" in fix.changes[0].zh


# Two more tiers on the toy rules, whose plans need the coupled facts and a second round
PLANS = """
  share_min:
    zh: 主营占比不低于70%
    en: main share at least 70%
    clause: {item: 第六条, grade: A}
    test: main_share >= 70%
  revenue_min:
    zh: 营业收入不低于2200万元
    en: revenue at least 22m
    clause: {item: 第七条, grade: A}
    test: revenue[y0] >= 22000000
tiers:
  rd_and_share:
    zh: 研发与主营
    en: R&D and main share
    clause: {item: 第八条, grade: A}
    require: [rd, share_min]
  revenue_and_share:
    zh: 收入与主营
    en: revenue and main share
    clause: {item: 第九条, grade: A}
    require: [revenue_min, share_min]
"""


@pytest.fixture(scope="module")
def plan_registry(tmp_path_factory):
    with_plans = textwrap.dedent(TOY).replace("tiers:\n", textwrap.dedent(PLANS).lstrip("\n"), 1)
    return toy_registry(tmp_path_factory.mktemp("criteria-plans"), with_plans)


def test_a_fact_moved_again_in_a_later_round_is_one_change_from_the_figure_entered(plan_registry):
    """Round 1 raises R&D to 3 % of revenue and main revenue to 70 % (revenue rises along); round 2 finds R&D below 3 %
    of the larger revenue and raises it again. The plan says one R&D change, from the figure entered to the final
    target, and reaches. (It used to keep round 1's bigger move, 60 → 120 万元, and stop short of the tier.)"""
    a = run(plan_registry, profile(revenue=40_000_000, main_revenue=26_000_000, rd_expense=600_000))
    plan = a.tiers["rd_and_share"].plan
    assert plan.reaches is True
    changes = {c.key: c for c in plan.changes}
    assert set(changes) == {"main_revenue_2023", "rd_expense_2023"}
    main, rd = changes["main_revenue_2023"], changes["rd_expense_2023"]
    revenue = 40_000_000 + (main.target - main.current)  # revenue rises with main revenue
    assert rd.current == 600_000 and rd.target == -(-revenue * 3 // 100 // 100) * 100  # 3 %, up to 0.01 万元
    assert rd.zh.startswith("研发费用（2023 年）需增加") and "（由 60 万元 增至" in rd.zh


def test_a_revenue_line_is_left_out_where_raising_main_revenue_gets_there(plan_registry):
    """Main revenue +3.34 million raises revenue from 20 to 23.34 million, past the 22 million asked for: a separate
    "营业收入增至 2,200 万元" would read as a second increase."""
    a = run(plan_registry, profile(revenue=20_000_000, main_revenue=13_000_000))
    plan = a.tiers["revenue_and_share"].plan
    assert plan.reaches is True
    assert [c.key for c in plan.changes] == ["main_revenue_2023"]
    from rulebook.whatif import apply_plan

    after = run(
        plan_registry, apply_plan(profile(revenue=20_000_000, main_revenue=13_000_000), plan.changes, AS_OF)
    )
    assert after.tiers["revenue_and_share"].qualified is True


def test_compound_growth_is_compared_exactly(registry):
    # 18,140,589 × 1.05² = 19,999,999.37 → revenue 20,000,000 passes; 19,999,999 does not
    assert crit(run(registry, profile()), "growth").passed is True
    assert crit(run(registry, profile(revenue=19_999_999, main_revenue=15_000_000)), "growth").passed is False


def test_full_years_count_to_the_end_of_the_last_fiscal_year(registry):
    p = profile()
    p["niche_since"] = "2021-01-01"  # to 2023-12-31: exactly 3 years
    assert crit(run(registry, p), "niche").passed is True
    p["niche_since"] = "2021-01-02"
    a = run(registry, p)
    assert crit(a, "niche").passed is False
    assert "2024 年末方可满足" in crit(a, "niche").gap[0].changes[0].zh


def test_missing_fact_is_undetermined_not_zero(registry):
    p = profile()
    del p["financials"]["2023"]["rd_expense"]
    a = run(registry, p)
    assert crit(a, "rd").status == "undetermined"
    assert a.tiers["basic"].qualified is UNKNOWN
    assert a.as_json()["tiers"]["basic"]["missing"] == ["financials.2023.rd_expense"]


def test_a_failed_gate_decides_the_tier_despite_missing_facts(registry):
    p = profile()
    del p["financials"]["2023"]["rd_expense"]
    p["niche_since"] = "2023-01-01"
    assert run(registry, p).tiers["basic"].qualified is False


def test_score_clearing_the_threshold_with_unknowns_at_zero_decides(registry):
    p = profile(main_revenue=16_000_000)  # 30 points
    p["ip"] = [
        {"type": "invention_patent", "related_to_main_product": True}
    ]  # 20 points → 50 without the growth route
    p["financials"]["2021"].pop("revenue")
    a = run(registry, p)
    assert a.tiers["scored"].qualified is True and a.tiers["scored"].route == "score"
    del p["ip"]
    a = run(registry, p)
    assert a.tiers["scored"].qualified is UNKNOWN  # 30 + 0..40 and the growth route unknown


def test_a_no_that_rests_on_a_grade_c_criterion_is_flagged(registry):
    a = run(registry, profile(revenue=19_000_000, main_revenue=10_000_000))
    tier = a.as_json()["tiers"]["scored"]
    assert tier["qualified"] is False and tier["unverified"] is True


def test_tier_plan_takes_the_cheapest_route_and_is_verified(registry):
    p = profile(main_revenue=10_000_000, revenue=19_000_000)
    a = run(registry, p)
    plan = a.tiers["scored"].plan
    # 5% more revenue (the growth route) is cheaper than 1,100 万元 more main revenue plus a patent
    assert plan.reaches is True and plan.via == "growth"
    assert [c.key for c in plan.changes] == ["revenue_2023"]
    from rulebook.whatif import apply_plan

    assert run(registry, apply_plan(p, plan.changes, AS_OF)).tiers["scored"].qualified is True


def test_three_valued_logic():
    vocab = Vocabulary(timeless={"a", "b"})
    ctx = Context({"a": Fraction(1)}, 2023, AS_OF)
    assert evaluate(parse("a >= 1 or b >= 1", vocab, "t"), ctx) is True
    assert evaluate(parse("a >= 2 and b >= 1", vocab, "t"), ctx) is False
    assert evaluate(parse("a >= 1 and b >= 1", vocab, "t"), ctx) is UNKNOWN
    assert evaluate(parse("ratio(a, 0) >= 0", vocab, "t"), ctx) is False


@pytest.mark.parametrize(
    "text, message",
    [
        ("revenue >= 1", "per-year fact 'revenue' needs a year"),
        ("nonsense_fact > 1", "unknown name 'nonsense_fact'"),
        ("__import__('os')", "unknown function '__import__'"),
        ("rd_institution_level >= 'galactic'", "'galactic' is not one of"),
        ("a >=", "cannot parse expression"),
    ],
)
def test_rule_expressions_are_checked_when_loaded(text, message):
    from rulebook.ruleset import vocabulary

    with pytest.raises(RuleDataError, match=message):
        parse(text, vocabulary({}, set()), "toy.yaml: criteria.x.test")


def test_a_broken_rule_file_names_file_and_key(tmp_path):
    shutil.copytree(ROOT / "criteria" / "common", tmp_path / "common")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "ruleset.yaml").write_text(
        TOY.replace("id: toy", "id: bad").replace("ratio(rd_expense[y0]", "ratio(rd_expenses[y0]"),
        encoding="utf-8",
    )
    shutil.copytree(ROOT / "criteria" / "cn-sme-size-2011", tmp_path / "cn-sme-size-2011")
    with pytest.raises(RuleDataError, match=r"bad: metrics.rd_ratio: unknown name 'rd_expenses'"):
        Registry(tmp_path)


@pytest.mark.parametrize(
    "confers, message",
    [
        ("[revenue]", r"tiers.basic.confers: 'revenue' is not a title fact"),
        ("[niche_since]", r"tiers.basic.confers: 'niche_since' is not a title fact"),
        ("recognition_innovative_until", r"tiers.basic.confers: must be a list of title facts"),
    ],
)
def test_a_tier_confers_only_title_facts(tmp_path, confers, message):
    text = textwrap.dedent(TOY).replace("    en: Basic\n", f"    en: Basic\n    confers: {confers}\n")
    with pytest.raises(RuleDataError, match=message):
        toy_registry(tmp_path, text)


def test_the_titles_a_tier_confers_are_the_titles_policies_ask_for():
    """A policy condition "holds the X title" and a plan's "需申请取得：X" mean the same title facts."""
    from rulebook import default_registry
    from rulebook.conditions import TITLES

    conferred: dict[str, set[str]] = {}
    for rid in ("cn-miit-2022", "cn-miit-2026"):
        for tid, tier in default_registry().get(rid).tiers.items():
            conferred.setdefault(tid, set()).update(tier.confers)
    assert conferred["tech_sme"] == {"recognition_tech_sme_until", "honour_tech_sme_until"}
    assert conferred.pop("tech_innovative") == set()  # either title of its two routes, each its own tier
    assert {tid: set(TITLES[tid][0]) for tid in conferred} == conferred


PROCEDURE = """
procedure:
  recognition_years: {value: 3, clause: {item: 第八条, grade: A}}
  change_report_months: {value: 3, clause: {item: 第九条, grade: B}}
  notice_days: {value: 5, clause: {item: 第七条, grade: C, note: 本平台默认值}}
"""


def _toy_with_procedure(tmp_path, procedure: str):
    return toy_registry(tmp_path, **{"procedure.yaml": procedure})


def test_procedure_periods_are_read_with_clause_and_grade(tmp_path):
    proc = _toy_with_procedure(tmp_path, PROCEDURE).get("toy").procedure
    assert (proc.ruleset, proc.recognition_years.value, proc.recognition_years.unit) == ("toy", 3, "years")
    assert proc.change_report_months.clause.cite() == "《测试办法》第九条"
    assert (proc.notice_days.value, proc.notice_days.unverified, proc.recognition_years.unverified) == (
        5,
        True,
        False,
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ("value: 3, clause: {item: 第八条", "value: 0, clause: {item: 第八条"),
            r"toy/procedure.yaml: procedure.recognition_years.value: must be a whole number of years, at least 1 \(got 0\)",
        ),
        (
            ("{value: 3, clause: {item: 第九条", "{value: '3', clause: {item: 第九条"),
            r"procedure.change_report_months.value: must be a whole number of months",
        ),
        (
            ("grade: C", "grade: D"),
            r"toy/procedure.yaml: procedure.notice_days.clause: grade must be A, B or C \(got 'D'\)",
        ),
        (("{item: 第七条, grade: C", "{grade: C"), r"procedure.notice_days.clause: needs 'item'"),
        (("  notice_days:", "  notice_dayz:"), r"procedure.notice_dayz: unknown period"),
    ],
)
def test_a_bad_procedure_entry_names_file_and_key(tmp_path, change, message):
    with pytest.raises(RuleDataError, match=message):
        _toy_with_procedure(tmp_path, PROCEDURE.replace(*change))


def test_the_measures_give_their_procedure_periods():
    from rulebook import default_registry

    old, new = (
        default_registry().get("cn-miit-2022").procedure,
        default_registry().get("cn-miit-2026").procedure,
    )
    assert (old.recognition_years.value, old.recognition_years.clause.grade) == (3, "A")
    assert (new.recognition_years.value, new.recognition_years.clause.grade) == (3, "C")
    assert (old.change_report_months.clause.grade, new.change_report_months.clause.grade) == ("A", "B")
    assert (old.notice_days.value, old.notice_days.unverified, new.notice_days.unverified) == (5, True, True)


def test_a_score_plan_is_the_same_when_every_point_is_a_quarter(registry, tmp_path):
    """Whole points take a faster path through the cheapest-upgrades search; quarter points must choose alike."""
    quarter = (
        TOY.replace("id: toy", "id: toyq")
        .replace("points: 30,", "points: 7.5,")
        .replace(
            "points: 20, zh: B, en: B}\n      - {points: 0, zh: C, en: C}\n  ip_pts",
            "points: 5, zh: B, en: B}\n      - {points: 0, zh: C, en: C}\n  ip_pts",
        )
        .replace("points: 40,", "points: 10,")
        .replace("{when: ip_I_main >= 1, points: 20,", "{when: ip_I_main >= 1, points: 5,")
        .replace("threshold: 50", "threshold: 12.5")
    )
    assert quarter.count("7.5") == 1 and "12.5" in quarter and "points: 20" not in quarter
    root = tmp_path / "criteria"
    shutil.copytree(registry.root, root)
    (root / "toyq").mkdir()
    (root / "toyq" / "ruleset.yaml").write_text(textwrap.dedent(quarter), encoding="utf-8")
    both = Registry(root)
    cases = [
        profile(main_revenue=10_000_000, revenue=19_000_000),
        profile(main_revenue=14_500_000, revenue=19_000_000),
        profile(main_revenue=13_500_000, revenue=19_000_000),
    ]
    cases[1]["ip"] = [{"type": "invention_patent", "related_to_main_product": True}]
    for p in cases:
        whole = assess(p, as_of=AS_OF, rules="toy", registry=both).tiers["scored"]
        quarters = assess(p, as_of=AS_OF, rules="toyq", registry=both).tiers["scored"]
        assert whole.qualified is False and quarters.qualified is False
        assert [(c.key, c.target, c.zh) for c in quarters.plan.changes] == [
            (c.key, c.target, c.zh) for c in whole.plan.changes
        ]
        assert quarters.plan.reaches is whole.plan.reaches is True


def test_a_missing_title_list_is_asked_for_by_every_title_the_tier_accepts():
    """小巨人 (2026) accepts a 专精特新 or a 小巨人 title, both read from `recognitions`: the fill-in line names both,
    not only the one that sorts first ("小巨人称号" alone told a 专精特新 applicant to fill in the wrong title)."""
    import json

    p = json.loads((ROOT / "examples" / "manufacturer.json").read_text(encoding="utf-8"))
    p.pop("recognitions", None)
    a = assess(p, as_of=dt.date(2026, 11, 28))
    lines = [c.zh for c in a.tiers["little_giant"].plan.changes if c.kind == "provide"]
    titles = [t for t in lines if "（recognitions）" in t]
    assert titles == ["补充填报：专精特新“小巨人”称号有效期至、专精特新中小企业称号有效期至（recognitions）"]


def test_the_2026_measures_keep_the_2022_standard_for_the_2026_little_giant_re_reviews():
    """review_under (criteria/cn-miit-2026/ruleset.yaml): only 小巨人, only the 2026 batches, only under the 2026 measures."""
    import datetime as dt

    from rulebook import default_registry

    reg = default_registry()
    rule = reg.review_under("little_giant", 2026, dt.date(2026, 5, 10))
    assert (rule.rules, rule.clause.grade, rule.clause.unverified) == ("cn-miit-2022", "C", True)
    assert "117号" in rule.clause.cite()
    assert reg.review_under("specialized", 2026, dt.date(2026, 5, 10)) is None
    assert reg.review_under("little_giant", 2027, dt.date(2027, 5, 10)) is None
    assert (
        reg.review_under("little_giant", 2026, dt.date(2026, 3, 10)) is None
    )  # the 2022 measures are in force


def test_a_review_under_naming_a_rule_set_without_the_tier_is_refused(tmp_path):
    import shutil

    from rulebook.codes import criteria_root
    from rulebook.registry import Registry

    root = tmp_path / "criteria"
    shutil.copytree(criteria_root(), root, ignore=shutil.ignore_patterns("cases"))
    path = root / "cn-miit-2026" / "ruleset.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "    rules: cn-miit-2022\n", "    rules: cn-sme-size-2011\n"
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        RuleDataError, match=r"review_under names 'cn-sme-size-2011', which is not a rule set"
    ):
        Registry(root)

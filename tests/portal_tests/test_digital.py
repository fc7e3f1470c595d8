"""The digital self-test as data and as a stored result: the item tables hold together, answers score
exactly, levels change at the 2022 boundaries, the result reaches the profile and 专精特新 indicator 5,
and the solutions suggested follow the weakest dimension. Real tables from criteria/, no mocks.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from portal.accounts.roles import Role
from portal.actions import InvalidInput, NotAllowed
from portal.assessments import engine
from portal.assessments.actions import run_assessment
from portal.audit.models import AuditEntry
from portal.digital import actions, scoring, suggest
from portal.digital.models import DigitalSelfTest

from .factories import example_profile, make_enterprise, make_user
from .test_services import approve, credit_code, register

pytestmark = pytest.mark.django_db

MFG = "manufacturing"


def variant():
    return scoring.tables().variants[MFG]


def answers(top: set[str] = frozenset(), partial: dict | None = None, scenarios: dict | None = None) -> dict:
    """Form data: items in `top` get every point, `partial` maps item → option ids, the rest score 0."""
    data: dict = {}
    for item in variant().items:
        if item.id in (partial or {}):
            data[item.id] = list(partial[item.id])
        elif item.id in top or "all" in top:
            best = (
                [o.id for o in item.options if not o.none]
                if item.kind == "multi"
                else [max(item.options, key=lambda o: o.points).id]
            )
            data[item.id] = best
        else:
            data[item.id] = [next(o.id for o in item.options if o.points == 0)]
    for s in variant().scenarios:
        data[f"scenario_{s.id}"] = [str((scenarios or {}).get(s.id, (scenarios or {}).get("*", 0)))]
    return data


FOUNDATION = {
    "network",
    "equipment_digital",
    "equipment_networked",
    "data_collection",
    "information_systems",
    "network_security",
    "data_security",
}
MANAGEMENT = {"planning", "mechanisms", "talent", "funding"}
OUTCOMES = {"green", "quality_rate", "revenue_per_head", "cost_ratio"}


# ---------------------------------------------------------------------------------------------- the data


def test_tables_hold_together_and_say_where_they_come_from():
    t = scoring.tables()
    mfg = t.variants[MFG]
    assert mfg.available and mfg.grade == "C" and mfg.edition == "2024"
    assert [d.zh for d in mfg.dimensions] == ["数字化基础", "数字化经营", "数字化管理", "数字化成效"]
    assert [(d.id, d.max) for d in mfg.dimensions if d.scored] == [
        ("foundation", Decimal(50)),
        ("management", Decimal(30)),
        ("outcomes", Decimal(20)),
    ]
    assert mfg.max_score == 100
    assert len(mfg.items) == 15 and all(i.grade == "C" for i in mfg.items)
    assert len(mfg.scenarios) == 16 and sum(s.binding for s in mfg.scenarios) == 10
    data_collection = next(i for i in mfg.items if i.id == "data_collection")
    assert [str(o.points) for o in data_collection.options][-2:] == ["0.7", "0.9"]
    assert "另一第三方工具按 14 项均分" in data_collection.disputed
    for vid in ("producer_services", "other"):
        v = t.variants[vid]
        assert not v.available and v.items == [] and "不编造题目和分值" in v.unavailable_reason
    assert t.meta["edition_2022"]["tables_found"] is False


@pytest.mark.parametrize(
    ("industry", "sector"),
    [
        ("C3484", MFG),
        ("C", MFG),
        ("I6511", "producer_services"),
        ("F5171", "producer_services"),
        ("A0111", "other"),
        ("F5211", "other"),
        ("", None),
    ],
)
def test_sector_by_industry(industry, sector):
    found = scoring.sector_for(industry)
    assert (found.id if found else None) == sector


def test_every_scored_item_reaches_its_maximum():
    result = scoring.score(variant(), scoring.parse_answers(variant(), answers({"all"}))[0])
    assert result["total"] == Decimal(100)
    assert [(d["id"], d["score"], d["max"]) for d in result["dimensions"]] == [
        ("foundation", "50", "50"),
        ("operations", "0", "64"),
        ("management", "30", "30"),
        ("outcomes", "20", "20"),
    ]


# ---------------------------------------------------------------------------------------------- levels


@pytest.mark.parametrize(
    ("label", "form", "total", "level"),
    [
        ("nothing", answers(), "0", 0),
        (
            "19.2: below level 1",
            answers({"information_systems", "green"}, {"revenue_per_head": "B", "data_collection": "B"}),
            "19.2",
            0,
        ),
        ("20: level 1", answers({"information_systems", "green", "revenue_per_head"}), "20", 1),
        (
            "39.3: still level 1",
            answers(
                {"information_systems", "network", "equipment_digital", "equipment_networked"},
                {"data_collection": list("BCDEFGHIJKLMO")},
            ),
            "39.3",
            1,
        ),
        (
            "40: level 2",
            answers(
                {
                    "information_systems",
                    "network",
                    "equipment_digital",
                    "equipment_networked",
                    "data_collection",
                }
            ),
            "40",
            2,
        ),
        ("58.5: still level 2", answers(FOUNDATION | {"green"}, {"revenue_per_head": "B"}), "58.5", 2),
        ("60: level 3", answers(FOUNDATION | {"green", "revenue_per_head"}), "60", 3),
        ("78.125: still level 3", answers(FOUNDATION | MANAGEMENT, {"mechanisms": "BCD"}), "78.125", 3),
        ("80: level 4", answers(FOUNDATION | MANAGEMENT), "80", 4),
        ("100: level 4", answers({"all"}), "100", 4),
    ],
)
def test_level_boundaries(hz_owner, label, form, total, level):
    test = actions.submit_self_test(hz_owner, hz_owner.enterprise, form)
    assert scoring._fmt(test.total_score) == total, label
    assert test.level == level, label
    assert test.level_label == ["未达一级（20 分以下）", "一级", "二级", "三级", "四级"][level]
    assert test.level_ruleset == "cn-digital-level-2022"


def test_level_mapping_goes_through_the_rule_set():
    assert [
        engine.digital_level_for_score(s)["level"]
        for s in ("19.99", "20", "39.99", "40", "59.99", "60", "79.99", "80")
    ] == [0, 1, 1, 2, 2, 3, 3, 4]
    info = engine.digital_level_for_score("61")
    assert (info["label"], info["grade"], info["document"]) == (
        "三级",
        "A",
        "《中小企业数字化水平评测指标（2022年版）》（工信厅企业〔2022〕32号）",
    )


def test_provisional_2024_level_needs_scenarios_too(hz_owner):
    full = actions.submit_self_test(hz_owner, hz_owner.enterprise, answers({"all"}, scenarios={"*": 4}))
    assert (full.level, full.level_2024) == (4, 4)
    no_scenarios = actions.submit_self_test(hz_owner, hz_owner.enterprise, answers({"all"}))
    assert (no_scenarios.level, no_scenarios.level_2024) == (4, 0)
    assert scoring.level_2024_label(0) == "未达一级"
    # 8 scenarios at level 3 of which 5 binding → 三级 by the third-party rule when the score is ≥ 60.
    binding = [s.id for s in variant().scenarios if s.binding][:5]
    guiding = [s.id for s in variant().scenarios if not s.binding][:3]
    some = actions.submit_self_test(
        hz_owner,
        hz_owner.enterprise,
        answers(FOUNDATION | {"green", "revenue_per_head"}, scenarios={k: 3 for k in binding + guiding}),
    )
    assert (some.level, some.level_2024) == (3, 3)
    assert some.scenario_summary["reached"]["3"] == 8 and some.scenario_summary["binding_reached"]["3"] == 5


# ---------------------------------------------------------------------------------------------- answers


def test_missing_and_contradictory_answers_are_named(hz_owner):
    form = answers()
    del form["network"]
    form["data_security"] = ["A", "B"]
    form["planning"] = ["Z"]
    del form["scenario_quality"]
    with pytest.raises(InvalidInput) as exc:
        actions.submit_self_test(hz_owner, hz_owner.enterprise, form)
    assert exc.value.problems == [
        ("items.network", "第 1 题 网络建设：请至少选择一项（没有请选“无”）"),
        ("items.data_security", "第 7 题 数据安全：“无”不能与其他选项同时选择"),
        ("items.planning", "第 8 题 规划实施：选项无效，请重新选择"),
        ("scenarios.quality", "经营场景“质量管理”：请选择 0–4 级（未开展选 0）"),
    ]
    assert not DigitalSelfTest.objects.exists()


def test_who_may_take_the_test(gov, hz_owner):
    with pytest.raises(NotAllowed):
        actions.submit_self_test(gov["xh_county"], hz_owner.enterprise, answers())
    software = make_enterprise(
        name="杭州软件有限公司",
        region="330106",
        credit_code=credit_code("91330106MA0000077"),
        example="software-firm",
    )
    owner = make_user("soft-owner", Role.ENTERPRISE, enterprise=software)
    with pytest.raises(NotAllowed) as exc:
        actions.submit_self_test(owner, software, answers())
    assert exc.value.message.startswith("本平台尚未收录生产性服务业评测表")
    blank = copy.deepcopy(example_profile())
    blank.pop("industry")
    no_industry = make_enterprise(
        name="无行业企业", region="330106", credit_code=credit_code("91330106MA0000078"), profile=blank
    )
    owner2 = make_user("blank-owner", Role.ENTERPRISE, enterprise=no_industry)
    with pytest.raises(InvalidInput) as exc:
        actions.submit_self_test(owner2, no_industry, answers())
    assert exc.value.problems == [("industry", "请在企业画像中填写国民经济行业代码")]


# ---------------------------------------------------------------------------------------------- profile & indicator 5


def _spec_digital(assessment) -> dict:
    crit = assessment.result["zh"]["tiers"]["specialized"]["criteria"]
    return next(c for c in crit if c["id"] == "spec_digital")


@pytest.mark.parametrize(
    ("form", "level", "points"),
    [
        (
            answers(
                {
                    "information_systems",
                    "network",
                    "equipment_digital",
                    "equipment_networked",
                    "data_collection",
                }
            ),
            2,
            3,
        ),
        (answers(FOUNDATION | MANAGEMENT), 4, 5),
        (answers({"information_systems"}), 0, 0),
    ],
)
def test_result_reaches_the_profile_and_indicator_5(hz_owner, form, level, points):
    enterprise = hz_owner.enterprise
    assert enterprise.profile["digital_level"] == 3  # the example profile says 三级
    before = run_assessment(hz_owner, enterprise, as_of=dt.date(2025, 6, 30), rules="cn-miit-2022")
    assert _spec_digital(before)["points"] == 5
    test = actions.submit_self_test(hz_owner, enterprise, form)
    enterprise.refresh_from_db()
    assert test.apply_error == "" and test.profile_applied_at is not None
    assert test.profile_version == enterprise.version
    assert Decimal(str(enterprise.profile["digital_score"])) == test.total_score
    assert enterprise.profile.get("digital_level") == (level or None)
    after = run_assessment(hz_owner, enterprise, as_of=dt.date(2025, 6, 30), rules="cn-miit-2022")
    spec = _spec_digital(after)
    assert (spec["value"], spec["points"]) == (level, points)
    audit = AuditEntry.objects.filter(action="enterprise.profile_updated").latest("id")
    assert audit.data["source"] == "digital_self_test"
    assert AuditEntry.objects.filter(action="digital.self_test_applied", target_id=str(test.pk)).exists()


def test_profile_problem_keeps_the_result_and_the_old_profile(hz_enterprise, hz_owner):
    broken = copy.deepcopy(hz_enterprise.profile)
    broken["established"] = "去年"
    type(hz_enterprise).objects.filter(pk=hz_enterprise.pk).update(profile=broken)
    hz_enterprise.refresh_from_db()
    version = hz_enterprise.version
    test = actions.submit_self_test(hz_owner, hz_enterprise, answers({"all"}))
    hz_enterprise.refresh_from_db()
    assert test.pk and test.level == 4 and test.profile_applied_at is None
    assert "established" in test.apply_error
    assert hz_enterprise.version == version and hz_enterprise.profile["digital_level"] == 3
    broken["established"] = "2015-03-01"
    type(hz_enterprise).objects.filter(pk=hz_enterprise.pk).update(profile=broken)
    actions.apply_self_test(hz_owner, test)
    hz_enterprise.refresh_from_db()
    assert hz_enterprise.profile["digital_level"] == 4 and hz_enterprise.profile["digital_score"] == 100


def test_only_the_latest_test_is_written(hz_owner):
    old = actions.submit_self_test(hz_owner, hz_owner.enterprise, answers({"all"}))
    actions.submit_self_test(hz_owner, hz_owner.enterprise, answers())
    with pytest.raises(NotAllowed):
        actions.apply_self_test(hz_owner, old)


# ---------------------------------------------------------------------------------------------- solutions


@pytest.fixture
def catalogue(gov):
    """Solutions from an approved provider, plus one from a provider still waiting for review."""
    user, inst = register("sol-prov", "杭州轻量化数字服务商", "city", "330100")
    approve(gov["hz_city"], inst)
    pending_user, _pending = register("sol-pending", "待审核方案商", "city", "330100")
    make = lambda who, title, dim, ind, days=30: actions.save_solution(  # noqa: E731
        who,
        title=title,
        description=f"{title}介绍",
        dimension=dim,
        industries=ind,
        price_band="1_5",
        deployment_days=days,
        contact="王经理 13800001111",
    )
    return {
        "mgmt_c34": make(user, "设备企业数字化管理制度包", "management", "C34"),
        "mgmt_all": make(user, "通用数字化人才培训", "management", "全部", days=7),
        "mgmt_i65": make(user, "软件企业管理咨询", "management", "I65"),
        "found_c": make(user, "车间设备联网套件", "foundation", "C"),
        "ops_c3484": make(user, "零部件企业轻量化 MES", "operations", "C3484", days=20),
        "out_c": make(user, "能耗监测小程序", "outcomes", "C"),
        "pending": make(pending_user, "未审核机构的管理方案", "management", "C34"),
    }


def test_suggestions_follow_the_weakest_dimension(hz_owner, catalogue):
    # Foundation and outcomes full, operations half (level 2 everywhere), management 12/30 → management weakest.
    form = answers(FOUNDATION | OUTCOMES, {"planning": "E", "talent": "BCDE"}, scenarios={"*": 2})
    test = actions.submit_self_test(hz_owner, hz_owner.enterprise, form)
    assert [(d["id"], d["score"], d["max"]) for d in test.dimensions] == [
        ("foundation", "50", "50"),
        ("operations", "32", "64"),
        ("management", "12", "30"),
        ("outcomes", "20", "20"),
    ]
    assert test.weakest == ["management"]
    got = suggest.suggestions(test)
    assert [s["solution"].title for s in got] == ["设备企业数字化管理制度包", "通用数字化人才培训"]
    assert got[0]["why"] == "您的数字化管理得分 12/30，为最弱维度；该方案面向 C34 通用设备制造业"
    assert got[1]["why"].endswith("该方案面向全部行业")


def test_weakest_operations_brings_operations_solutions(hz_owner, catalogue):
    test = actions.submit_self_test(hz_owner, hz_owner.enterprise, answers({"all"}, scenarios={"*": 1}))
    assert test.weakest == ["operations"]
    got = suggest.suggestions(test)
    assert [s["solution"].title for s in got] == ["零部件企业轻量化 MES"]
    assert (
        got[0]["why"]
        == "您的数字化经营场景等级合计 16/64（该维度不计分），为最弱维度；该方案面向 C3484 机械零部件加工"
    )


def test_tied_weakest_dimensions_are_all_suggested(hz_owner, catalogue):
    test = actions.submit_self_test(hz_owner, hz_owner.enterprise, answers())
    assert test.weakest == ["foundation", "operations", "management", "outcomes"]
    titles = [s["solution"].title for s in suggest.suggestions(test)]
    assert titles == [
        "车间设备联网套件",
        "零部件企业轻量化 MES",
        "设备企业数字化管理制度包",
        "通用数字化人才培训",
        "能耗监测小程序",
    ]
    assert "为并列最弱维度" in suggest.suggestions(test)[0]["why"]
    assert "未审核机构的管理方案" not in titles and "软件企业管理咨询" not in titles


def test_solution_input_is_checked(gov, hz_owner):
    user, _inst = register("sol-bad", "某方案商", "city", "330100")
    with pytest.raises(InvalidInput) as exc:
        actions.save_solution(
            user,
            title="",
            description="",
            dimension="speed",
            industries="C99 X1",
            price_band="",
            deployment_days="两周",
            contact="",
        )
    fields = dict(exc.value.problems)
    assert [m[:14] for f, m in exc.value.problems if f == "industries"] == [
        "未知的行业代码 C99（应为",
        "未知的行业代码 X1（应为 ",
    ]
    assert fields["deployment_days"] == "部署周期应为 1–365 之间的整数（天）"
    assert list(fields) == [
        "title",
        "description",
        "dimension",
        "industries",
        "price_band",
        "deployment_days",
        "contact",
    ]
    with pytest.raises(NotAllowed):
        actions.save_solution(
            hz_owner,
            title="x",
            description="x",
            dimension="management",
            industries="C",
            price_band="free",
            deployment_days=3,
            contact="x",
        )

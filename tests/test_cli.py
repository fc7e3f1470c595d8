"""The `zjtx` command as a user runs it: real process, real files, exit codes and the exact lines shown."""

import datetime as dt
import json
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLE


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "zjtx", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"},
    )


def write(tmp_path, data, name="p.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_json_output_follows_the_exchange_contract(tmp_path):
    r = run("assess", write(tmp_path, SAMPLE), "--as-of", "2024-06-30", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["schema"] == "zjtx.assessment/1"
    assert out["rules"] == "cn-miit-2022"
    assert out["as_of"] == "2024-06-30"
    assert out["size"] == {**out["size"], "class": "small", "sector": "industry"}
    inn = out["tiers"]["innovative"]
    assert (inn["qualified"], inn["score"], inn["route"]) == (True, 100, "score")
    rd = next(c for c in inn["criteria"] if c["id"] == "inn_rd_ratio")
    assert rd["inputs"] == {"financials.2023.rd_expense": 7200000, "financials.2023.revenue": 120000000}
    assert rd["points"] == 20 and rd["band"] == "A. 5%以上" and rd["value_display"] == "6.00%"
    assert rd["clause"]["annex"] == "附件1" and rd["clause"]["grade"] == "A"


def test_as_of_chooses_the_rules_in_force(tmp_path):
    path = write(tmp_path, SAMPLE)
    old = json.loads(run("assess", path, "--as-of", "2026-03-31", "--json").stdout)
    assert old["rules"] == "cn-miit-2022" and old["fiscal_year"] == 2025


def test_rules_asked_for_on_a_day_they_were_not_in_force_are_said_to_be_so(tmp_path):
    """`--rules cn-miit-2026 --as-of 2025-06-30` ran silently: the report read like the verdict of that day."""
    path = write(tmp_path, SAMPLE)
    r = run("assess", path, "--rules", "cn-miit-2026", "--as-of", "2025-06-30", "--json")
    notes = json.loads(r.stdout)["notes"]
    assert notes[0] == (
        "按指定的《优质中小企业梯度培育管理办法》评估：该办法自 2026-04-01 起施行，2025-06-30 时并不施行；"
        "结果仅供对照或复核口径参考"
    )
    old = json.loads(run("assess", path, "--rules", "cn-miit-2022", "--as-of", "2026-06-30", "--json").stdout)
    assert "施行期为 2022-08-01 至 2026-03-31，2026-06-30 时并不施行" in old["notes"][0]
    same = json.loads(
        run("assess", path, "--rules", "cn-miit-2022", "--as-of", "2024-06-30", "--json").stdout
    )
    assert not [n for n in same["notes"] if "并不施行" in n]  # in force that day: nothing to say


def test_human_report_is_in_chinese_and_names_clauses(tmp_path):
    r = run("assess", write(tmp_path, SAMPLE), "--as-of", "2024-06-30")
    assert r.returncode == 0, r.stderr
    assert "优质中小企业梯度培育自评报告" in r.stdout
    assert "企业规模：小型企业" in r.stdout
    assert "创新型中小企业" in r.stdout and "✔ 符合" in r.stdout
    assert "附件1" in r.stdout


def test_report_gives_the_gap_in_wan_yuan(tmp_path):
    profile = json.loads(json.dumps(SAMPLE))
    profile["financials"]["2023"]["rd_expense"] = 3588000  # 2.99% of 120,000,000
    r = run("assess", write(tmp_path, profile), "--as-of", "2024-06-30", "--json")
    rd = next(c for c in json.loads(r.stdout)["tiers"]["innovative"]["criteria"] if c["id"] == "inn_rd_ratio")
    assert rd["points"] == 10
    texts = [ch["text"] for f in rd["gap"] for ch in f["changes"]]
    assert "研发费用（2023 年）需增加 1.2 万元（由 358.8 万元 增至 360 万元）" in texts


@pytest.mark.parametrize(
    "mutate, expected_line",
    [
        (lambda p: p["financials"]["2023"].update(revenue=-5), "financials.2023.revenue: 必须为非负数"),
        (lambda p: p["financials"]["2023"].update(revenue="很多"), "financials.2023.revenue: 必须为数字"),
        (lambda p: p["financials"]["2023"].update(revenue="12,00,0"), "financials.2023.revenue: 必须为数字"),
        (  # 400 digits: it crashed the gap search (float overflow) before it was refused
            lambda p: p["financials"]["2023"].update(revenue=int("1" + "0" * 400)),
            "financials.2023.revenue: 数值过大（绝对值不能超过 10^15）；请检查单位与位数",
        ),
        (
            lambda p: p["financials"]["2023"].update(net_profit=-(10**16)),
            "financials.2023.net_profit: 数值过大（绝对值不能超过 10^15）；请检查单位与位数",
        ),
        (
            lambda p: p["main_product"].update(national_market_share=1.5),
            "main_product.national_market_share: 比例须在 0 到 1 之间（如 0.035 表示 3.5%）",
        ),
        (
            lambda p: p.update(industry="Z9999"),
            "industry: 未知的行业代码（应为 GB/T 4754-2017 代码，如 C3484）",
        ),
        (
            lambda p: p.update(region="999999"),
            "region: 未知的行政区划代码（应为 GB/T 2260 六位代码，如 330106）",
        ),
        (lambda p: p.update(established="2999-01-01"), "established: 日期不能晚于今天"),
        (  # a title may start after today (a re-review renews from the old end), but not after it ends
            lambda p: p.update(
                recognitions=[{"tier": "specialized", "since": "2999-01-01", "until": "2998-12-31"}]
            ),
            "recognitions[0].since: 开始日期不能晚于有效期截止日期（2998-12-31）",
        ),
        (
            lambda p: p.update(
                honours=[{"kind": "high_tech_enterprise", "since": "2999-01-01", "valid_until": "2998-12-31"}]
            ),
            "honours[0].since: 开始日期不能晚于有效期截止日期（2998-12-31）",
        ),
        (
            lambda p: p.update(credit_code="91330106MA2B3C4D12"),
            "credit_code: 统一社会信用代码无效（应为 18 位且校验位正确）",
        ),
        (lambda p: p["financials"]["2023"].update(employees=12.5), "financials.2023.employees: 必须为整数"),
        (lambda p: p.update(ip=[{"type": "patent?"}]), "ip[0].type: 取值须为"),
        (lambda p: p.update(digital_level=7), "digital_level: 不能大于 4"),
    ],
)
def test_bad_profile_exits_2_naming_the_field(tmp_path, mutate, expected_line):
    profile = json.loads(json.dumps(SAMPLE))
    mutate(profile)
    r = run("assess", write(tmp_path, profile), "--as-of", "2024-06-30")
    assert r.returncode == 2
    assert expected_line in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_a_title_starting_after_today_is_valid_and_held_only_from_its_start(tmp_path):
    # The platform writes a re-review's title from the day after the old one ends, before that day comes.
    start = dt.date.today() + dt.timedelta(days=12)
    end = start + dt.timedelta(days=3 * 365 - 1)
    profile = json.loads(json.dumps(SAMPLE))
    profile["recognitions"] = [{"tier": "specialized", "since": start.isoformat(), "until": end.isoformat()}]
    path = write(tmp_path, profile)

    def little_giant_title(as_of: dt.date):
        r = run("assess", path, "--as-of", as_of.isoformat(), "--json")
        assert r.returncode == 0, r.stderr
        criteria = json.loads(r.stdout)["tiers"]["little_giant"]["criteria"]
        title = next(c for c in criteria if c["id"] == "lg_title")
        return title["status"], title["inputs_display"]["recognitions:recognition_specialized_until"]

    assert little_giant_title(dt.date.today()) == ("not_met", "无")
    assert little_giant_title(start - dt.timedelta(days=1)) == ("not_met", "无")
    assert little_giant_title(start) == ("met", end.isoformat())


def test_every_problem_is_listed_at_once(tmp_path):
    profile = json.loads(json.dumps(SAMPLE))
    profile["financials"]["2023"]["revenue"] = -1
    profile["financials"]["2022"]["rd_expense"] = "x"
    profile["region"] = "12"
    r = run("assess", write(tmp_path, profile))
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 3
    assert [line.split(":")[0] for line in lines] == [
        "region",
        "financials.2023.revenue",
        "financials.2022.rd_expense",
    ]


def test_malformed_json_says_where(tmp_path):
    r = run("assess", write(tmp_path, '{"name": "某公司",\n "region": }'))
    assert r.returncode == 2
    assert "不是有效的 JSON（第 2 行第 12 列" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("content", ["[]", "42", '"text"', "null"])
def test_profile_that_is_not_an_object(tmp_path, content):
    r = run("assess", write(tmp_path, content))
    assert r.returncode == 2 and "(profile): 企业档案必须是 JSON 对象" in r.stderr


def test_unknown_rule_set_and_bad_dates(tmp_path):
    path = write(tmp_path, SAMPLE)
    r = run("assess", path, "--rules", "cn-miit-1999")
    assert r.returncode == 2 and "未知的规则集 'cn-miit-1999'" in r.stderr
    r = run("assess", path, "--as-of", "2024-13-01")
    assert r.returncode == 2 and "--as-of: 日期格式应为 YYYY-MM-DD" in r.stderr
    r = run("assess", path, "--as-of", "2020-01-01")
    assert r.returncode == 2 and "2020-01-01 没有现行的梯度培育办法" in r.stderr


def test_missing_file(tmp_path):
    r = run("assess", str(tmp_path / "nope.json"))
    assert r.returncode == 2 and "文件不存在" in r.stderr


def test_unknown_extra_field_is_accepted_with_a_warning(tmp_path):
    profile = {**SAMPLE, "favourite_colour": "red"}
    r = run("assess", write(tmp_path, profile), "--as-of", "2024-06-30", "--json")
    assert r.returncode == 0
    assert "favourite_colour: 未知字段，已忽略" in r.stderr
    assert json.loads(r.stdout)["warnings"] == ["favourite_colour: 未知字段，已忽略"]


def test_rules_list_and_show():
    r = run("rules", "list")
    assert r.returncode == 0 and "cn-miit-2022" in r.stdout and "2022-08-01" in r.stdout
    r = run("rules", "show", "cn-miit-2022")
    assert r.returncode == 0 and "inn_rd_ratio" in r.stdout and "附件1" in r.stdout
    assert (
        "称号有效期：3 年" in r.stdout and "公示期：5 天" in r.stdout and "（待核实）" in r.stdout
    )  # notice days: [C]
    r = run("rules", "show", "nope")
    assert r.returncode == 2 and "未知的规则集 'nope'" in r.stderr


def test_the_digital_level_derived_from_a_score_is_noted_in_the_reports_language(tmp_path):
    profile = json.loads(json.dumps(SAMPLE))
    profile.pop("digital_level", None)
    profile["digital_score"] = 52
    path = write(tmp_path, profile)
    zh = run("assess", path, "--as-of", "2024-06-30")
    assert (
        "digital_level 由 digital_score=52 按《中小企业数字化水平评测指标（2022年版）等级划分》折算为 二级"
        in zh.stdout
    )
    en = run("assess", path, "--as-of", "2024-06-30", "--lang", "en")
    assert (
        "digital_level derived from digital_score=52 by SME digital-level evaluation (2022 edition), levels: level 2"
        in en.stdout
    )
    assert "折算" not in en.stdout


def test_an_english_plan_names_the_title_to_obtain(tmp_path):
    profile = json.loads(json.dumps(SAMPLE))
    profile.pop("recognitions", None)
    profile["recognitions"] = []
    r = run("assess", write(tmp_path, profile), "--as-of", "2024-06-30", "--lang", "en", "--json")
    changes = [
        c["text"]
        for t in json.loads(r.stdout)["tiers"].values()
        for c in (t.get("plan") or {}).get("changes", [])
        if "specialised SME title" in c["text"]
    ]
    assert changes and all(" valid until" not in c for c in changes), changes
    assert any(
        c.startswith(("obtain and hold: the specialised SME title", "apply for: the specialised SME title"))
        for c in changes
    )


def test_a_profile_reaching_no_tier_says_so_plainly():
    # "最高可达 尚未达到任何层次" ("the highest reachable is: not reached any tier") read as nonsense.
    r = run("assess", "examples/large-enterprise.json", "--as-of", "2026-06-30")
    assert r.returncode == 0, r.stderr
    assert "结论：目前尚未达到任何层次" in r.stdout
    assert "最高可达 尚未" not in r.stdout
    en = run("assess", "examples/large-enterprise.json", "--as-of", "2026-06-30", "--lang", "en")
    assert "Highest tier reached: none yet" in en.stdout

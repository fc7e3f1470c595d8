"""Exploratory QA findings on the policy library, each pinned by a test: what an official or an
enterprise could do or see that they should not."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from django.db.models import F
from django.urls import reverse

from portal.actions import InvalidInput
from portal.audit.models import AuditEntry
from portal.enterprises.models import Enterprise
from portal.policies import actions, importer, matching, push
from portal.policies.models import Grant, Policy, PushRecord, Status

from .test_policies import login, policy_data, published

COUNTY_CATALOGUE = """
policies:
  - key: {key}
    title: 西湖区改写的政策
    level: county
    region: "330106"
    department: 西湖区经信局
    benefit: {{type: reward, basis: fixed, amount: 1万}}
    eligibility:
      - {{fact: title, op: held, value: [specialized]}}
"""


@pytest.mark.django_db
def test_an_import_cannot_overwrite_another_authoritys_policy_by_its_key(gov):
    """A county official re-using the key of the province's policy must not move it into their
    county and rewrite it: the key belongs to a policy they do not manage."""
    importer.import_texts(
        gov["zj_province"],
        [
            (
                "zj.yaml",
                COUNTY_CATALOGUE.replace("level: county", "level: province")
                .replace('"330106"', '"330000"')
                .replace("西湖区经信局", "浙江省经信厅")
                .format(key="zj-reward"),
            )
        ],
    )
    before = Policy.objects.get(key="zj-reward")
    with pytest.raises(importer.CatalogueError) as err:
        importer.import_texts(gov["xh_county"], [("xh.yaml", COUNTY_CATALOGUE.format(key="zj-reward"))])
    assert err.value.problems == [
        "xh.yaml: policies[0]（zj-reward）.key: 已被省级主管部门（浙江省）维护的政策"
        "“西湖区改写的政策”使用，您无权修改；请换一个导入标识"
    ]
    after = Policy.objects.get(key="zj-reward")
    assert (after.level, after.region_prefix, after.version) == ("province", "33", before.version)
    assert not AuditEntry.objects.filter(action="policies.imported", actor=gov["xh_county"]).exists()


@pytest.mark.django_db
def test_an_import_may_still_update_the_officials_own_policy(gov):
    importer.import_texts(gov["xh_county"], [("xh.yaml", COUNTY_CATALOGUE.format(key="xh-reward"))])
    again = importer.import_texts(gov["xh_county"], [("xh.yaml", COUNTY_CATALOGUE.format(key="xh-reward"))])
    assert [p.key for p in again.updated] == ["xh-reward"]
    assert Policy.objects.get(key="xh-reward").status == Status.PUBLISHED


@pytest.mark.django_db
def test_a_source_that_is_not_a_web_address_is_refused_and_never_linked(client, gov):
    """A source “javascript:…” was saved and rendered as a link on the public policy page: one
    click ran script in the platform's origin (an official's session included)."""
    with pytest.raises(InvalidInput) as err:
        actions.save_policy(
            gov["xh_county"], policy_data(sources=["https://www.gov.cn/a.html", "javascript:alert(1)"])
        )
    assert err.value.problems == [
        (
            "sources",
            "来源网址：第 2 行“javascript:alert(1)”不是网址，请填写以 http:// 或 https:// 开头的完整网址",
        )
    ]
    policy = published(gov["xh_county"], sources=["https://www.gov.cn/a.html"])
    Policy.objects.filter(pk=policy.pk).update(sources=["https://www.gov.cn/a.html", "javascript:alert(1)"])
    page = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert 'href="https://www.gov.cn/a.html"' in page
    assert 'href="javascript' not in page and "javascript:alert(1)" in page


@pytest.mark.django_db(transaction=True)
def test_a_policy_whose_application_window_has_closed_is_not_pushed(gov, hz_enterprise, hz_owner):
    """Enterprises were told “您符合…的条件 … 申报截止：<a past date>” for policies they can no
    longer apply to, on publishing and on every later profile change."""
    yesterday = matching.today() - dt.timedelta(days=1)
    closed = published(gov["hz_city"], apply_from=yesterday.replace(day=1), apply_until=yesterday)
    assert not PushRecord.objects.filter(policy=closed).exists()
    assert push.push_enterprise(hz_enterprise.pk) == 0
    assert push.push_enterprises([hz_enterprise.pk], "cluster_state") == 0
    still_open = published(gov["hz_city"], title="杭州仍在申报的奖励", apply_until=matching.today())
    assert list(PushRecord.objects.values_list("policy_id", flat=True)) == [still_open.pk]


@pytest.mark.django_db
def test_the_eligible_list_of_a_withdrawn_policy_offers_no_confirmation(client, gov, hz_enterprise):
    """The page kept showing “待确认” and the 确认兑现名单 button after the policy was withdrawn;
    pressing it only produced an error."""
    policy = published(gov["xh_county"], no_application=True)
    login(client, gov["xh_county"])
    url = reverse("policies:eligible", args=[policy.pk])
    button = '<button type="submit">确认兑现名单</button>'
    assert button in client.get(url).content.decode()
    actions.withdraw_policy(gov["xh_county"], policy, expected_version=policy.version, reason="被新政策替代")
    page = client.get(url).content.decode()
    assert button not in page and "待确认" not in page
    assert "该政策已撤回或已过有效期，不能再确认兑现名单。" in page


@pytest.mark.django_db
def test_impossible_dates_are_refused_naming_the_field(gov):
    """A policy could expire before its application window opened or before it was issued, and
    one already expired could be published — the official was told enterprises would be pushed,
    and nobody ever was."""
    with pytest.raises(InvalidInput) as err:
        actions.save_policy(
            gov["xh_county"],
            policy_data(
                publish_date=dt.date(2026, 6, 1),
                apply_from=dt.date(2026, 7, 1),
                apply_until=dt.date(2026, 8, 31),
                expires_on=dt.date(2026, 5, 31),
            ),
        )
    assert err.value.problems == [
        ("expires_on", "有效期至：不能早于发布日期（2026-06-01）"),
        ("expires_on", "有效期至：不能早于申报截止（2026-08-31）"),
    ]
    yesterday = matching.today() - dt.timedelta(days=1)
    draft = actions.save_policy(gov["xh_county"], policy_data(expires_on=yesterday))
    with pytest.raises(InvalidInput) as err:
        actions.publish_policy(gov["xh_county"], draft, expected_version=draft.version)
    assert err.value.problems == [
        (
            "expires_on",
            f"有效期至：{yesterday.isoformat()} 已过，过期的政策不能发布；如政策仍然有效，请先修改有效期",
        )
    ]
    assert Policy.objects.get(pk=draft.pk).status == Status.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1e999999", "Infinity", "inf", "NaN", "-1e-999999"])
def test_a_number_the_builder_cannot_use_is_named_not_a_server_error(client, gov, typed):
    """Typing 1e999999, inf or NaN as a condition's value crashed the live preview and the save
    (500) instead of naming the condition."""
    login(client, gov["xh_county"])
    rows = {
        "cond_fact": ["revenue"],
        "cond_year": ["y0"],
        "cond_op": [">="],
        "cond_value": [typed],
        "cond_expr": [""],
        "cond_label": [""],
    }
    preview = client.post(reverse("policies:preview"), rows)
    assert preview.status_code == 200
    assert f"条件 1：取值须为数字（万元），而不是 “{typed}”" in preview.content.decode()
    form = {
        "title": "西湖区营收奖励",
        "department": "西湖区经信局",
        "benefit_type": "reward",
        "benefit_basis": "none",
        "grade": "A",
        **rows,
    }
    response = client.post(reverse("policies:new"), form)
    assert response.status_code == 200 and not Policy.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("condition", "why"),
    [
        ({"expr": "revenue[y0] >= 10**999999"}, "乘方的指数须为不超过 10 的整数常数"),
        ({"expr": "revenue[y0] >= 2 ** 2 ** 2 ** 2 ** 2"}, "乘方的指数须为不超过 10 的整数常数"),
        ({"expr": "revenue[y0] >= (1 + 0.1) ** (1 / 3)"}, "乘方的指数须为不超过 10 的整数常数"),
        ({"expr": "revenue[y0] >= 1e300"}, "该表达式无法用于批量匹配（数值过大"),
        (
            {"fact": "revenue", "year": "y0", "op": ">=", "value": 10**30},
            "该表达式无法用于批量匹配（数值过大",
        ),
    ],
    ids=["huge-power", "power-tower", "fractional-power", "huge-float", "huge-value"],
)
def test_a_number_the_engine_cannot_handle_is_refused_naming_the_condition(gov, condition, why):
    """A huge number or an odd power in a condition (typed as an expression, or in a YAML
    catalogue) crashed the preview, saving and importing (OverflowError, polars, NonLinear)."""
    with pytest.raises(InvalidInput) as err:
        actions.save_policy(gov["xh_county"], policy_data(conditions=[condition]))
    [(field, message)] = err.value.problems
    assert field == "conditions" and message.startswith("条件 1（") and why in message


def test_a_tower_of_powers_is_refused_at_once_not_computed():
    """“revenue[y0] >= 10**10**10” in the live preview never finished: the request (and a worker)
    hung computing the number. Run apart, so that the old behaviour fails instead of hanging."""
    code = (
        "import datetime as dt\n"
        "from rulebook import conditions\n"
        "try:\n"
        "    conditions.check([{'expr': 'revenue[y0] >= 10**10**10'}], as_of=dt.date(2026, 11, 28))\n"
        "except conditions.ConditionError as exc:\n"
        "    print(exc.problems[0][2])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "乘方的指数须为不超过 10 的整数常数" in done.stdout, done.stderr


@pytest.mark.django_db
def test_a_garbled_version_field_is_a_message_not_a_server_error(client, gov):
    """A form posted with version=abc (an old cached page, a proxy mangling the body) gave 500 on
    publishing and saving."""
    draft = actions.save_policy(gov["xh_county"], policy_data())
    login(client, gov["xh_county"])
    response = client.post(reverse("policies:publish", args=[draft.pk]), {"version": "abc"}, follow=True)
    assert response.status_code == 200 and "请求无效，请刷新页面后重试。" in response.content.decode()
    assert Policy.objects.get(pk=draft.pk).status == Status.DRAFT
    form = {
        "title": "西湖区改名的奖励",
        "department": "西湖区经信局",
        "benefit_type": "reward",
        "benefit_basis": "none",
        "grade": "A",
        "version": "abc",
    }
    response = client.post(reverse("policies:edit", args=[draft.pk]), form)
    assert response.status_code == 200 and "请求无效，请刷新页面后重试。" in response.content.decode()
    assert Policy.objects.get(pk=draft.pk).title == "西湖区专精特新企业奖励"


@pytest.mark.django_db
def test_two_officials_confirming_the_same_enterprise_at_once_do_not_crash(gov, hz_enterprise, monkeypatch):
    """The city and the county confirming the same 免申即享 list at the same moment: the second
    hit the one-grant-per-enterprise constraint and got a server error."""
    policy = published(gov["hz_city"], no_application=True)
    real = matching.eligible_list

    def racing(checked, enterprises, as_of=None):
        result = real(checked, enterprises, as_of)
        # the county confirms between this official's check and their write
        Grant.objects.create(policy=policy, enterprise=hz_enterprise, region=hz_enterprise.region)
        return result

    monkeypatch.setattr(matching, "eligible_list", racing)
    confirmation = actions.confirm_grants(gov["hz_city"], policy, [hz_enterprise.pk])
    assert list(confirmation) == [] and confirmation.already == [hz_enterprise]
    assert Grant.objects.filter(policy=policy).count() == 1
    assert not AuditEntry.objects.filter(action="policies.grants_confirmed").exists()


@pytest.mark.django_db
def test_an_enterprise_whose_profile_has_errors_still_sees_its_payouts(client, gov, hz_enterprise, hz_owner):
    """我的政策 hid the 免申即享 payouts whenever the profile could not be read, so a granted
    enterprise lost sight of its payout status until it fixed an unrelated profile field."""
    policy = published(gov["xh_county"], no_application=True)
    actions.confirm_grants(gov["xh_county"], policy, [hz_enterprise.pk])
    Enterprise.objects.filter(pk=hz_enterprise.pk).update(
        profile=["not", "a", "profile"], version=F("version") + 1
    )
    page = login(client, hz_owner).get(reverse("policies:mine")).content.decode()
    assert "企业画像有需要修改的地方，暂时无法匹配政策。" in page
    assert "免申即享兑现" in page and policy.title in page and "待兑付" in page


@pytest.mark.django_db
def test_my_policies_names_the_profile_fields_that_stop_matching(client, gov, hz_enterprise, hz_owner):
    """The official's list said which field was wrong (“营业收入（2025）：必须为非负数”); the
    enterprise's own page only said “企业画像有需要修改的地方”, without naming it."""
    doc = hz_enterprise.profile
    year = max(doc["financials"])
    doc["financials"][year]["revenue"] = -5
    Enterprise.objects.filter(pk=hz_enterprise.pk).update(profile=doc, version=F("version") + 1)
    policy = published(gov["xh_county"])
    result = matching.eligible_list(matching.checked(policy), Enterprise.objects.filter(pk=hz_enterprise.pk))
    reason = result.reason(hz_enterprise)
    page = login(client, hz_owner).get(reverse("policies:mine")).content.decode()
    assert "企业画像有需要修改的地方，暂时无法匹配政策。" in page
    named = reason.split("画像有误，无法判断：")[1].split("（请企业按提示修改画像）")[0]
    assert "营业收入" in named and named in page

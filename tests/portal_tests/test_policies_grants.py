"""Eligible lists that count every enterprise, and 免申即享 payouts re-checked when they are paid.

What a bureau official notices: an enterprise whose stored profile has errors is listed as
“cannot be judged” with the reason (not silently missing from both numbers); a payout cannot be
marked paid once the policy was withdrawn or the enterprise no longer meets its conditions (the
page warns and says which condition); confirming a list that adds nobody says so and names them.
"""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from portal.actions import NotAllowed
from portal.assessments import engine
from portal.audit.models import AuditEntry
from portal.enterprises.models import Enterprise
from portal.policies import actions, matching
from portal.policies.models import Grant, GrantStatus

from .factories import example_profile, make_enterprise
from .test_cultivation_helpers import credit_code
from .test_policies import SPECIALIZED, login, policy_data, published, without_specialized

LITTLE_GIANT = [{"fact": "title", "op": "held", "value": ["little_giant"]}]


@pytest.fixture(autouse=True)
def _back_to_chinese():
    """A page read in English activates English in this thread; later tests start in Chinese."""
    yield
    translation.deactivate()


def broken_enterprise():
    """An enterprise whose stored profile the engine refuses (a bad date, a negative revenue)."""
    doc = example_profile()
    doc["established"] = "2012-13-01"
    doc["financials"]["2025"]["revenue"] = -5
    return make_enterprise(
        "杭州档案有误科技有限公司", "330106", credit_code("91330106MA2B3C4F5"), profile=doc
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---------------------------------------------------------------- 1. every enterprise is counted


@pytest.mark.django_db
def test_an_enterprise_with_a_broken_profile_is_listed_as_undetermined_with_the_reason(
    client, gov, hz_enterprise
):
    broken = broken_enterprise()
    policy = published(gov["xh_county"], no_application=True)
    login(client, gov["xh_county"])
    page = client.get(reverse("policies:eligible", args=[policy.pk])).content.decode()
    assert "浙江省杭州市西湖区：符合条件 1 家，信息不全或画像有误、无法判断 1 家。" in page
    assert broken.name in page
    assert "成立日期：必须为 YYYY-MM-DD 格式的有效日期" in page and "营业收入（2025）：必须为非负数" in page
    # it can be judged by nobody, so it is never offered for confirmation
    assert f'name="enterprises" value="{broken.pk}"' not in page

    wb = load_workbook(io.BytesIO(client.get(reverse("policies:export", args=[policy.pk])).content))
    ws = wb["待补充信息"]
    assert "暂无法判断的企业 1 家" in ws["A1"].value
    assert [c.value for c in ws[2]][-1] == "原因"
    row = [c.value for c in ws[3]]
    assert row[1] == broken.name and row[-1].startswith("画像有误，无法判断：成立日期：")


@pytest.mark.django_db
def test_a_profile_that_is_not_a_document_is_counted_not_crashed_on(gov, hz_enterprise):
    odd = make_enterprise("杭州异常档案有限公司", "330106", credit_code("91330106MA2B3C4G6"))
    Enterprise.objects.filter(pk=odd.pk).update(profile=["不是对象"])
    policy = published(gov["xh_county"])
    result = matching.eligible_list(
        matching.checked(policy), Enterprise.objects.filter(region="330106").order_by("name")
    )
    assert (result.eligible, result.undetermined, result.evaluated) == ([hz_enterprise], [odd], 2)
    assert result.reason(odd) == "画像有误，无法判断：企业档案必须是 JSON 对象（请企业按提示修改画像）"


@pytest.mark.django_db
def test_the_live_preview_counts_broken_profiles_as_undetermined(client, gov, hz_enterprise):
    broken_enterprise()
    login(client, gov["xh_county"])
    html = client.post(
        reverse("policies:preview"),
        {"cond_fact": ["title"], "cond_op": ["held"], "cond_value": ["specialized"], "cond_year": [""]},
    ).content.decode()
    assert "另有 1 家信息不全或画像有误、无法判断；共判断 2 家" in html


# ---------------------------------------------------------------- 2. paying re-checks


def confirmed(gov, hz_enterprise, **changes):
    policy = published(gov["xh_county"], no_application=True, **changes)
    [grant] = actions.confirm_grants(gov["xh_county"], policy, [hz_enterprise.pk])
    return policy, grant


def decide(client, grant, status, reason=""):
    return client.post(
        reverse("policies:decide_grant", args=[grant.pk]),
        {"status": status, "reason": reason, "version": grant.version},
        follow=True,
    )


@pytest.mark.django_db
def test_a_payout_cannot_be_paid_after_the_threshold_was_raised_but_can_be_refused(
    client, gov, hz_enterprise
):
    policy, grant = confirmed(gov, hz_enterprise)
    policy = actions.save_policy(
        gov["xh_county"],
        policy_data(no_application=True, conditions=SPECIALIZED + LITTLE_GIANT),
        policy=policy,
        expected_version=policy.version,
    )
    [(_n, unmet)] = [
        (n, label) for n, label in engine.policy_condition_labels(matching.checked(policy)) if n == 2
    ]
    login(client, gov["xh_county"])
    detail = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    warning = f"杭州精工减速机有限公司目前已不符合“{policy.title}”的条件：“{unmet}”"
    assert warning in detail
    assert 'value="paid"' not in detail  # the paid button is gone for this payout

    response = decide(client, grant, "paid")
    [message] = messages_of(response)
    assert message.startswith(warning) and "可标记为“不予兑付”" in message
    grant.refresh_from_db()
    assert (grant.status, grant.version) == (GrantStatus.PENDING, 1)
    assert not AuditEntry.objects.filter(action="policies.grant_decided").exists()

    response = decide(client, grant, "refused", "已不再持有“小巨人”称号")
    assert messages_of(response) == [
        f"杭州精工减速机有限公司的“{policy.title}”兑付已标记为“不予兑付”，企业已收到通知。"
    ]
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REFUSED
    audit = AuditEntry.objects.get(action="policies.grant_decided")
    assert (audit.to_state, audit.reason, audit.data["check"]) == (
        "refused",
        "已不再持有“小巨人”称号",
        "not_eligible",
    )


@pytest.mark.django_db
def test_a_payout_of_a_withdrawn_policy_cannot_be_paid(client, gov, hz_enterprise):
    policy, grant = confirmed(gov, hz_enterprise)
    actions.withdraw_policy(gov["xh_county"], policy, expected_version=policy.version, reason="文件废止")
    with pytest.raises(NotAllowed) as err:
        actions.decide_grant(
            gov["xh_county"], Grant.objects.get(), status=GrantStatus.PAID, expected_version=1
        )
    assert err.value.message == (
        f"政策“{policy.title}”已撤回，杭州精工减速机有限公司的兑付不能再标记为“已兑付”；"
        "请标记为“不予兑付”并写明理由（如“政策已撤回”）。"
    )
    login(client, gov["xh_county"])
    assert err.value.message in client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    actions.decide_grant(
        gov["xh_county"],
        Grant.objects.get(),
        status=GrantStatus.REFUSED,
        reason="政策已撤回",
        expected_version=1,
    )
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REFUSED


@pytest.mark.django_db
def test_a_payout_cannot_be_paid_after_the_enterprise_lost_its_title(client, gov, hz_enterprise):
    policy, grant = confirmed(gov, hz_enterprise)
    ent = Enterprise.objects.get(pk=hz_enterprise.pk)
    ent.profile = {
        **ent.profile,
        "recognitions": [r for r in ent.profile["recognitions"] if r["tier"] != "specialized"],
    }
    ent.save()  # what the cultivation app does when a title is revoked
    login(client, gov["xh_county"])
    [message] = messages_of(decide(client, grant, "paid"))
    assert message.startswith(f"杭州精工减速机有限公司目前已不符合“{policy.title}”的条件：")
    assert "专精特新" in message and "未持有" in message
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PENDING


@pytest.mark.django_db
def test_a_payout_still_fitting_is_paid_and_named(client, gov, hz_enterprise):
    policy, grant = confirmed(gov, hz_enterprise)
    login(client, gov["xh_county"])
    detail = client.get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert "⚠" not in detail and 'value="paid"' in detail
    assert messages_of(decide(client, grant, "paid")) == [
        f"杭州精工减速机有限公司的“{policy.title}”兑付已标记为“已兑付”，企业已收到通知。"
    ]
    audit = AuditEntry.objects.get(action="policies.grant_decided")
    assert (audit.to_state, audit.data["check"]) == ("paid", "")


# ---------------------------------------------------------------- 3. confirming nobody


@pytest.mark.django_db
def test_confirming_only_ineligible_enterprises_says_nothing_was_confirmed_and_names_them(
    client, gov, hz_enterprise
):
    a = without_specialized("杭州无称号机械有限公司", "330106", credit_code("91330106MA2B3C4E2"))
    b = without_specialized("杭州无称号电子有限公司", "330106", credit_code("91330106MA2B3C4H7"))
    policy = published(gov["xh_county"], no_application=True)
    login(client, gov["xh_county"])
    response = client.post(
        reverse("policies:confirm_grants", args=[policy.pk]), {"enterprises": [a.pk, b.pk]}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("policies:eligible", args=[policy.pk])
    assert messages_of(response) == [
        f"未确认任何企业：“{policy.title}”的兑现名单没有变化。",
        "未列入（目前不符合条件或信息不全）：杭州无称号机械有限公司、杭州无称号电子有限公司。"
        "请核对其企业画像，符合条件后可再次确认。",
    ]
    assert not Grant.objects.exists()
    assert not AuditEntry.objects.filter(action="policies.grants_confirmed").exists()


@pytest.mark.django_db
def test_confirming_again_names_those_already_on_the_list(client, gov, hz_enterprise):
    policy, _grant = confirmed(gov, hz_enterprise)
    login(client, gov["xh_county"])
    response = client.post(
        reverse("policies:confirm_grants", args=[policy.pk]), {"enterprises": [hz_enterprise.pk]}, follow=True
    )
    assert messages_of(response)[1] == "已在兑现名单中，未重复列入：杭州精工减速机有限公司。"
    assert AuditEntry.objects.filter(action="policies.grants_confirmed").count() == 1


@pytest.mark.django_db
def test_confirmed_and_skipped_are_separate_sentences_in_english(client, gov, hz_enterprise):
    other = without_specialized("杭州无称号机械有限公司", "330106", credit_code("91330106MA2B3C4E2"))
    policy = published(gov["xh_county"], no_application=True)
    login(client, gov["xh_county"]).cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("policies:confirm_grants", args=[policy.pk]),
        {"enterprises": [hz_enterprise.pk, other.pk]},
        follow=True,
    )
    shown = messages_of(response)
    assert len(shown) == 2 and other.name in shown[1] and other.name not in shown[0]
    assert "notified.Another" not in response.content.decode()
    audit = AuditEntry.objects.get(action="policies.grants_confirmed")
    assert (audit.data["count"], audit.data["skipped"]) == (1, [other.pk])


# ---------------------------------------------------------------- 5. messages name their object


@pytest.mark.django_db
def test_publish_and_withdraw_messages_name_the_policy(client, gov):
    policy = actions.save_policy(gov["xh_county"], policy_data())
    login(client, gov["xh_county"])
    response = client.post(
        reverse("policies:publish", args=[policy.pk]), {"version": policy.version}, follow=True
    )
    assert messages_of(response) == [f"政策“{policy.title}”已发布；符合条件的企业将收到推送。"]
    response = client.post(
        reverse("policies:withdraw", args=[policy.pk]), {"version": 2, "reason": "文件废止"}, follow=True
    )
    assert messages_of(response) == [f"政策“{policy.title}”已撤回，不再向企业推送和匹配。"]


@pytest.mark.django_db
def test_a_list_longer_than_the_request_field_limit_can_be_confirmed(client, gov, hz_enterprise, settings):
    """Django refuses a request of more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields: with one
    field per enterprise a province could not confirm its 免申即享 list at all (Bad Request)."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    for i in range(3):
        code = credit_code(f"91330106MA2B3C7{i}X")
        doc = example_profile()
        doc["credit_code"] = code
        make_enterprise(f"杭州免申{i}号有限公司", "330106", credit_code=code, profile=doc)
    policy = published(gov["xh_county"], no_application=True)
    login(client, gov["xh_county"])
    page = client.get(reverse("policies:eligible", args=[policy.pk])).content.decode()
    form = page.split('action="' + reverse("policies:confirm_grants", args=[policy.pk]))[1].split("</form>")[
        0
    ]
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    response = client.post(reverse("policies:confirm_grants", args=[policy.pk]), data)
    assert response.status_code == 302
    assert Grant.objects.filter(policy=policy).count() == 4


@pytest.mark.django_db
def test_the_eligible_page_lists_the_first_rows_and_confirms_them_all(
    client, gov, hz_enterprise, monkeypatch
):
    """A provincial policy fits 13,000 enterprises: the page shows the first rows and says how many
    more the export holds, and 确认兑现名单 still covers every one of them."""
    from portal.policies import views_official

    monkeypatch.setattr(views_official, "ELIGIBLE_SHOWN", 2, raising=False)
    for i in range(2):
        code = credit_code(f"91330106MA2B3C8{i}X")
        doc = example_profile()
        doc["credit_code"] = code
        make_enterprise(f"杭州免申展示{i}号有限公司", "330106", credit_code=code, profile=doc)
    policy = published(gov["xh_county"], no_application=True)
    page = (
        login(client, gov["xh_county"]).get(reverse("policies:eligible", args=[policy.pk])).content.decode()
    )
    assert "符合条件 3 家" in page
    assert page.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") == 2
    assert "另有 1 家未列出，完整名单请导出 Excel。" in page
    [ids] = re.findall(r'name="enterprises" value="([^"]*)"', page)
    assert len(ids.split(",")) == 3

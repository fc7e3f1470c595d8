"""The policy library through the action functions and pages, as officials and enterprises use it.

transaction=True where pushes and 免申即享 notifications matter: they are written on commit.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from portal.accounts.roles import Role
from portal.actions import InvalidInput, NotAllowed, StaleObject
from portal.audit.models import AuditEntry
from portal.enterprises.models import Enterprise
from portal.inbox.models import Notification
from portal.policies import actions, importer, matching, push
from portal.policies.models import Grant, GrantStatus, Policy, PushRecord, Status, Subscription
from portal.web.demo.files import make_pdf

from .factories import PASSWORD, example_profile, make_enterprise, make_user
from .test_cultivation_helpers import credit_code, png_bytes

SPECIALIZED = [{"fact": "title", "op": "held", "value": ["specialized"]}]


def policy_data(**changes) -> dict:
    data = {
        "title": "西湖区专精特新企业奖励",
        "department": "西湖区经信局",
        "document_number": "西经信〔2026〕1号",
        "benefit_type": "reward",
        "benefit_basis": "fixed",
        "benefit_amount": Decimal("100000.00"),
        "benefit_text": "一次性奖励 10 万元",
        "summary": "",
        "full_text": "",
        "sources": [],
        "topics": ["specialized"],
        "conditions": copy.deepcopy(SPECIALIZED),
        "no_application": False,
        "grade": "A",
        "is_example": False,
    }
    data.update(changes)
    return data


def published(official, **changes) -> Policy:
    policy = actions.save_policy(official, policy_data(**changes))
    return actions.publish_policy(official, policy, expected_version=policy.version)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def without_specialized(name, region, code):
    doc = example_profile()
    doc["recognitions"] = [r for r in doc["recognitions"] if r["tier"] != "specialized"]
    doc["credit_code"] = code
    return make_enterprise(name, region, credit_code=code, profile=doc)


# ---------------------------------------------------------------- authoring and checking


@pytest.mark.django_db
def test_malformed_and_contradictory_conditions_are_refused_naming_the_condition(gov):
    with pytest.raises(InvalidInput) as err:
        actions.save_policy(
            gov["xh_county"],
            policy_data(
                conditions=[
                    {"fact": "revenue", "year": "y0", "op": ">=", "value": "2000万"},
                    {"fact": "revenue", "year": "y0", "op": "<", "value": "1000万"},
                ]
            ),
        )
    assert err.value.problems == [
        (
            "conditions",
            "条件 2（上年度营业收入 < 1,000 万元）：与条件 1（上年度营业收入 ≥ 2,000 万元）"
            "互相矛盾：“营业收入”没有能同时满足的取值",
        )
    ]
    with pytest.raises(InvalidInput) as err:
        actions.save_policy(
            gov["hz_city"], policy_data(conditions=[{"fact": "region", "op": "prefix", "value": ["510100"]}])
        )
    assert err.value.problems == [
        (
            "conditions",
            "条件 1（注册地属于四川省成都市）：地区 四川省成都市 不在发布机关辖区（浙江省杭州市）内",
        )
    ]
    assert Policy.objects.count() == 0


@pytest.mark.django_db
def test_only_the_issuing_level_and_area_may_edit_and_stale_edits_are_refused(gov):
    policy = actions.save_policy(gov["xh_county"], policy_data())
    assert (policy.level, policy.region_prefix, policy.status) == ("county", "330106", Status.DRAFT)
    assert policy.expression == '(region in ("330106",)) and (held(recognition_specialized_until))'
    for intruder in (gov["yh_county"], gov["hz_city"], gov["sc_province"]):
        with pytest.raises(NotAllowed):
            actions.save_policy(
                intruder, policy_data(title="改"), policy=policy, expected_version=policy.version
            )
    actions.save_policy(
        gov["xh_county"],
        policy_data(title="西湖区专精特新企业奖励（修订）"),
        policy=policy,
        expected_version=1,
    )
    with pytest.raises(StaleObject):
        actions.save_policy(
            gov["xh_county"],
            policy_data(title="旧版本上的修改"),
            policy=Policy.objects.get(pk=policy.pk),
            expected_version=1,
        )
    assert Policy.objects.get(pk=policy.pk).title == "西湖区专精特新企业奖励（修订）"
    assert list(
        AuditEntry.objects.filter(target_id=str(policy.pk)).values_list("action", flat=True).order_by("id")
    ) == ["policies.created", "policies.updated"]


@pytest.mark.django_db
def test_condition_builder_page_saves_and_live_preview_counts_matches(client, gov, hz_enterprise):
    without_specialized("杭州无称号机械有限公司", "330106", credit_code("91330106MA2B3C4E2"))
    login(client, gov["xh_county"])
    page = client.get(reverse("policies:new"))
    assert "申报条件（全部满足才符合）" in page.content.decode()
    rows = {
        "cond_fact": ["title", "revenue", ""],
        "cond_year": ["y0", "y0", "y0"],
        "cond_op": ["held", ">=", ">="],
        "cond_value": ["专精特新中小企业", "2000", ""],
        "cond_expr": ["", "", ""],
        "cond_label": ["", "", ""],
    }
    preview = client.post(reverse("policies:preview"), rows).content.decode()
    assert (
        "浙江省杭州市西湖区目前符合条件的企业：" in preview and '<span class="pol-count">1</span>' in preview
    )
    assert "杭州精工减速机有限公司" in preview and "杭州无称号机械有限公司" not in preview
    assert "上年度营业收入 ≥ 2,000 万元" in preview  # 2000 typed in 万元
    bad = client.post(
        reverse("policies:preview"), {**rows, "cond_value": ["专精特新中小企业", "很多", ""]}
    ).content.decode()
    assert "条件 2：取值须为数字（万元），而不是 “很多”" in bad
    form = {
        "title": "西湖区研发投入奖励",
        "department": "西湖区经信局",
        "benefit_type": "reward",
        "benefit_basis": "cap",
        "benefit_amount_wan": "20",
        "grade": "A",
        **rows,
    }
    response = client.post(reverse("policies:new"), form)
    policy = Policy.objects.get(title="西湖区研发投入奖励")
    assert response.status_code == 302 and response["Location"] == reverse(
        "policies:detail", args=[policy.pk]
    )
    assert policy.conditions == [
        {"fact": "title", "op": "held", "value": ["specialized"]},
        {"fact": "revenue", "op": ">=", "year": "y0", "value": 20000000},
    ]
    assert str(policy.benefit_amount) == "200000.00"
    edit = client.get(reverse("policies:edit", args=[policy.pk])).content.decode()
    assert 'value="专精特新中小企业"' in edit and 'value="2000"' in edit


# ---------------------------------------------------------------- matching for an enterprise


@pytest.mark.django_db
def test_enterprise_sees_eligible_maybe_and_why_not_ranked_by_benefit(client, gov, hz_enterprise, hz_owner):
    big = published(gov["zj_province"], title="浙江省大额奖励", benefit_amount=Decimal("5000000"))
    small = published(gov["xh_county"], title="西湖区小额奖励")
    rich = published(
        gov["hz_city"],
        title="杭州市营收十亿企业奖励",
        conditions=[{"fact": "revenue", "year": "y0", "op": ">=", "value": "100000万"}],
    )
    maybe_policy = published(
        gov["hz_city"],
        title="杭州市国际市场开拓奖励",
        conditions=[{"fact": "international_market_share", "op": ">=", "value": "10%"}],
    )
    published(gov["sc_province"], title="四川省奖励")  # another province: not even listed
    page = login(client, hz_owner).get(reverse("policies:mine")).content.decode()
    assert page.index("浙江省大额奖励") < page.index("西湖区小额奖励")  # larger benefit first
    assert (
        "符合条件的政策（2 项）" in page
        and "可能符合的政策（1 项）" in page
        and "暂不符合的政策（1 项）" in page
    )
    assert "需补充填报：主导产品国际细分市场占有率" in page and "四川省奖励" not in page
    why = client.get(reverse("policies:why", args=[rich.pk])).content.decode()
    assert (
        "✗ 不满足" in why
        and "营业收入（2025 年）需增加 83,200 万元（由 16,800 万元 增至 100,000 万元）" in why
    )
    assert "✓ 满足" in why and "注册地在发布机关辖区内（浙江省杭州市）" in why
    maybe = client.get(reverse("policies:why", args=[maybe_policy.pk])).content.decode()
    assert (
        "? 无法判断" in maybe
        and "请补充填报：主导产品国际细分市场占有率（main_product.international_market_share）" in maybe
    )
    detail = client.get(reverse("policies:detail", args=[small.pk])).content.decode()
    assert "符合全部条件" in detail
    assert [m.policy.pk for m in matching.matches_for(hz_enterprise) if m.state] == [big.pk, small.pk]
    assert "以下政策需要您补充企业画像中的信息才能判断。" in page
    # none left undetermined: the page does not ask for more information about nothing
    maybe_policy.delete()
    page = client.get(reverse("policies:mine")).content.decode()
    assert "可能符合的政策（0 项）" in page and "没有因缺少信息而无法判断的政策。" in page
    assert "以下政策需要您补充企业画像中的信息才能判断。" not in page


# ---------------------------------------------------------------- 免申即享


@pytest.mark.django_db(transaction=True)
def test_no_application_flow_end_to_end(client, gov, hz_enterprise, hz_owner):
    other = without_specialized("杭州无称号机械有限公司", "330106", credit_code("91330106MA2B3C4E2"))
    policy = published(gov["xh_county"], no_application=True)
    login(client, gov["xh_county"])
    page = client.get(reverse("policies:eligible", args=[policy.pk])).content.decode()
    assert "浙江省杭州市西湖区：符合条件 1 家" in page and "确认兑现名单" in page
    assert "杭州精工减速机有限公司" in page and other.name not in page
    # the official confirms what was shown (including an enterprise that does not fit: it is left out)
    response = client.post(
        reverse("policies:confirm_grants", args=[policy.pk]), {"enterprises": [hz_enterprise.pk, other.pk]}
    )
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert (grant.enterprise, grant.status, grant.amount, grant.confirmed_by) == (
        hz_enterprise,
        GrantStatus.PENDING,
        policy.benefit_amount,
        gov["xh_county"],
    )
    audit = AuditEntry.objects.get(action="policies.grants_confirmed")
    assert (audit.actor, audit.data["enterprises"], audit.data["skipped"]) == (
        gov["xh_county"],
        [hz_enterprise.pk],
        [other.pk],
    )
    assert (
        Notification.objects.filter(enterprise=hz_enterprise, title=f"免申即享：{policy.title}").count() == 1
    )
    # confirming again adds nobody
    assert actions.confirm_grants(gov["xh_county"], policy, [hz_enterprise.pk]) == []
    mine = login(client, hz_owner).get(reverse("policies:mine")).content.decode()
    assert "兑付状态：<strong>待兑付</strong> · 10 万元" in mine
    with pytest.raises(InvalidInput):
        actions.decide_grant(
            gov["xh_county"], grant, status=GrantStatus.REFUSED, reason=" ", expected_version=1
        )
    login(client, gov["xh_county"]).post(
        reverse("policies:decide_grant", args=[grant.pk]), {"status": "paid", "reason": "", "version": 1}
    )
    grant.refresh_from_db()
    assert (grant.status, grant.decided_by, grant.version) == (GrantStatus.PAID, gov["xh_county"], 2)
    assert AuditEntry.objects.filter(action="policies.grant_decided", to_state="paid").count() == 1
    mine = login(client, hz_owner).get(reverse("policies:mine")).content.decode()
    assert "兑付状态：<strong>已兑付</strong>" in mine
    with pytest.raises(NotAllowed):
        actions.decide_grant(
            gov["xh_county"], grant, status=GrantStatus.REFUSED, reason="重复", expected_version=2
        )


@pytest.mark.django_db(transaction=True)
def test_refusal_needs_a_reason_and_is_shown_to_the_enterprise(client, gov, hz_enterprise, hz_owner):
    policy = published(gov["hz_city"], no_application=True)
    [grant] = actions.confirm_grants(
        gov["xh_county"], policy, [hz_enterprise.pk]
    )  # a county inside the city confirms its own
    actions.decide_grant(
        gov["xh_county"],
        grant,
        status=GrantStatus.REFUSED,
        reason="已享受同类奖励，不重复兑付",
        expected_version=1,
    )
    mine = login(client, hz_owner).get(reverse("policies:mine")).content.decode()
    assert "兑付状态：<strong>不予兑付</strong>" in mine and "（已享受同类奖励，不重复兑付）" in mine
    assert Notification.objects.filter(
        enterprise=hz_enterprise, body="不予兑付，理由：已享受同类奖励，不重复兑付"
    ).exists()


# ---------------------------------------------------------------- pushes


@pytest.mark.django_db(transaction=True)
def test_push_is_sent_exactly_once_per_policy_and_enterprise(gov, hz_enterprise, hz_owner):
    hz_owner.email = "zhou@example.com"
    hz_owner.save()
    later = without_specialized("杭州后来者科技有限公司", "330110", credit_code("91330110MA2B3C4E2"))
    policy = published(gov["hz_city"])
    title = f"新政策匹配：{policy.title}"
    assert list(PushRecord.objects.values_list("enterprise_id", "trigger")) == [
        (hz_enterprise.pk, "published")
    ]
    assert Notification.objects.filter(enterprise=hz_enterprise, title=title).count() == 1
    assert [(m.subject, m.to) for m in mail.outbox] == [(title, ["zhou@example.com"])]
    # the same triggers again: the publish job, an edit of the published policy, a profile save
    push.push_policy(policy.pk)
    actions.save_policy(
        gov["hz_city"],
        policy_data(title=policy.title),
        policy=Policy.objects.get(pk=policy.pk),
        expected_version=2,
    )
    hz_enterprise.refresh_from_db()
    hz_enterprise.save()
    assert Notification.objects.filter(enterprise=hz_enterprise, title__startswith="新政策匹配").count() == 1
    assert len(mail.outbox) == 1
    # an enterprise that newly fits (the cultivation app writes its new title into the profile) hears once
    assert not Notification.objects.filter(enterprise=later).exists()
    doc = copy.deepcopy(later.profile)
    doc["recognitions"].append({"tier": "specialized", "since": "2026-11-20", "until": "2029-11-19"})
    later.profile, later.version = doc, later.version + 1
    later.save(update_fields=["profile", "version", "updated_at"])
    later.save(update_fields=["profile", "version", "updated_at"])
    assert list(PushRecord.objects.filter(enterprise=later).values_list("trigger", flat=True)) == [
        "profile_changed"
    ]
    assert Notification.objects.filter(enterprise=later, title=title).count() == 1


@pytest.mark.django_db(transaction=True)
def test_subscriptions_and_unverified_policies_limit_pushes(gov, hz_enterprise, hz_owner):
    actions.set_subscription(hz_owner, hz_enterprise, topics=["digital"], levels=[], email=False)
    published(gov["hz_city"], topics=["specialized"])
    assert not PushRecord.objects.exists()
    digital = published(gov["hz_city"], title="杭州数字化奖励", topics=["digital"])
    assert list(PushRecord.objects.values_list("policy_id", flat=True)) == [digital.pk]
    assert mail.outbox == []  # email switched off
    Subscription.objects.all().delete()
    published(gov["hz_city"], title="待核实的奖励", grade="C")
    assert PushRecord.objects.count() == 1


# ---------------------------------------------------------------- search


@pytest.mark.django_db
def test_search_finds_specialized_policies_by_little_giant_and_rd_in_chinese(client, gov):
    importer.load_demo_catalogue()
    page = client.get(reverse("policies:search"), {"q": "小巨人"}).content.decode()
    assert "广州市促进专精特新中小企业发展壮大若干措施（新认定“小巨人”奖励）" in page
    assert "关于进一步支持专精特新中小企业高质量发展的通知" in page
    assert "小型微利企业" not in page
    rd = client.get(reverse("policies:search"), {"q": "研发"}).content.decode()
    assert "研发费用税前加计扣除" in rd and "北京市“小巨人”企业高质量发展资金" in rd
    both = client.get(reverse("policies:search"), {"q": "小巨人 研发"}).content.decode()
    assert "北京市“小巨人”企业高质量发展资金" in both and "先进制造业企业增值税加计抵减" not in both
    county = client.get(
        reverse("policies:search"), {"q": "小巨人", "level": "county", "region": "310000"}
    ).content.decode()
    assert "黄浦区" in county and "浦东新区" in county and "广州市" not in county
    opened = client.get(
        reverse("policies:search"), {"open_now": "on", "benefit_type": "voucher"}
    ).content.decode()
    assert "共 1 项政策。" in opened and "【示例】西湖区中小企业数字化改造服务券" in opened
    bad = client.get(reverse("policies:search"), {"region": "12"}).content.decode()
    assert "地区代码：须为 2、4 或 6 位数字行政区划代码" not in bad  # 12 is a valid 2-digit prefix (天津)
    assert "地区代码：须为" in client.get(reverse("policies:search"), {"region": "abc"}).content.decode()


# ---------------------------------------------------------------- region scope


@pytest.mark.django_db
def test_out_of_region_officials_cannot_see_or_confirm_another_regions_list(client, gov, hz_enterprise):
    yh = make_enterprise("余杭精密制造有限公司", "330110", credit_code=credit_code("91330110MA2B3C4D1"))
    policy = published(gov["hz_city"], no_application=True)
    for url in (reverse("policies:eligible", args=[policy.pk]), reverse("policies:export", args=[policy.pk])):
        assert login(client, gov["sc_province"]).get(url).status_code == 403
    response = login(client, gov["cd_city"]).post(
        reverse("policies:confirm_grants", args=[policy.pk]), {"enterprises": [hz_enterprise.pk]}
    )
    assert response.status_code == 302 and not Grant.objects.exists()
    with pytest.raises(NotAllowed):
        actions.confirm_grants(gov["sc_province"], policy, [hz_enterprise.pk])
    # a county official of the city sees and confirms only its own county's enterprises
    page = (
        login(client, gov["yh_county"]).get(reverse("policies:eligible", args=[policy.pk])).content.decode()
    )
    assert yh.name in page and hz_enterprise.name not in page
    with pytest.raises(NotAllowed):
        actions.confirm_grants(gov["yh_county"], policy, [hz_enterprise.pk])
    assert not Grant.objects.exists()
    # the city sees both; drafts are visible only to those who manage them
    page = login(client, gov["hz_city"]).get(reverse("policies:eligible", args=[policy.pk])).content.decode()
    assert yh.name in page and hz_enterprise.name in page
    draft = actions.save_policy(gov["xh_county"], policy_data(title="西湖区草稿"))
    assert login(client, gov["yh_county"]).get(reverse("policies:detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("policies:search"), {"q": "草稿"}).content.decode().count("西湖区草稿") == 0


@pytest.mark.django_db
def test_eligible_list_exports_to_excel(client, gov, hz_enterprise):
    policy = published(gov["zj_province"])
    response = login(client, gov["hz_city"]).get(reverse("policies:export", args=[policy.pk]))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["符合条件"]
    assert ws["A1"].value.startswith(
        f"{policy.title}（西经信〔2026〕1号） · 浙江省杭州市 · 符合条件的企业 1 家"
    )
    assert [c.value for c in ws[2]] == [
        "序号",
        "企业名称",
        "统一社会信用代码",
        "注册地代码",
        "注册地",
        "行业代码",
    ]
    assert [c.value for c in ws[3]] == [
        1,
        "杭州精工减速机有限公司",
        hz_enterprise.credit_code,
        "330106",
        "浙江省杭州市西湖区",
        "C3484",
    ]
    assert wb.sheetnames == ["符合条件", "待补充信息"]
    # a name that looks like a formula stays text (it would run in the official's spreadsheet program)
    Enterprise.objects.filter(pk=hz_enterprise.pk).update(name='=HYPERLINK("http://evil.example","杭州精工")')
    response = client.get(reverse("policies:export", args=[policy.pk]))
    cell = load_workbook(io.BytesIO(response.content))["符合条件"]["B3"]
    assert (cell.data_type, cell.value) == ("s", '=HYPERLINK("http://evil.example","杭州精工")')


# ---------------------------------------------------------------- demo catalogue and import


@pytest.mark.django_db
def test_demo_catalogue_covers_four_levels_and_labels_examples_and_unverified(client):
    result = importer.load_demo_catalogue()
    assert len(result.created) >= 20 and not result.updated
    levels = set(Policy.objects.values_list("level", flat=True))
    assert levels == {"national", "province", "city", "county"}
    assert all(p.title.startswith("【示例】") for p in Policy.objects.filter(is_example=True))
    real = Policy.objects.get(key="gz-suifubangui-2025-13")
    assert (real.document_number, real.no_application, real.region_prefix, str(real.benefit_amount)) == (
        "穗府办规〔2025〕13号",
        True,
        "4401",
        "1000000.00",
    )
    assert Policy.objects.get(key="cn-caijian-2021-2").status == Status.EXPIRED  # 2021—2025
    unverified = Policy.objects.get(key="gd-little-giant-award")
    page = client.get(reverse("policies:detail", args=[unverified.pk])).content.decode()
    assert "待核实" in page and "不作为可申报的承诺" in page
    example = client.get(
        reverse("policies:detail", args=[Policy.objects.filter(is_example=True).first().pk])
    ).content.decode()
    assert "示例：这是为演示虚构的政策，不是真实政策。" in example
    again = importer.load_demo_catalogue()
    assert not again.created and len(again.updated) == len(result.created)


@pytest.mark.django_db
def test_import_is_all_or_nothing_and_names_file_policy_and_condition(client, gov):
    text = """
policies:
  - key: zj-good
    title: 浙江省好政策
    level: province
    region: "330000"
    department: 浙江省经信厅
    benefit: {type: reward, basis: cap, amount: 100万}
    eligibility:
      - {fact: title, op: held, value: [little_giant]}
  - key: zj-bad
    title: 浙江省坏政策
    level: province
    region: "330000"
    department: 浙江省经信厅
    benefit: {type: bonus}
    published: 2026-13-01
    eligibility:
      - {fact: revenue, year: y0, op: ">=", value: 很多}
"""
    with pytest.raises(importer.CatalogueError) as err:
        importer.import_texts(gov["zj_province"], [("zj.yaml", text)])
    assert err.value.problems == [
        "zj.yaml: policies[1]（zj-bad）.published: 须为 YYYY-MM-DD 格式的日期，而不是 '2026-13-01'",
        "zj.yaml: policies[1]（zj-bad）.benefit.type: 须为 subsidy、reward、loan_interest、tax、voucher、title、other 之一",
        "zj.yaml: policies[1]（zj-bad）.eligibility: 条件 1（revenue >= 很多）：取值 “很多” 不是数字（金额以元为单位，或写作“2000万”）",
    ]
    assert not Policy.objects.exists()
    with pytest.raises(importer.CatalogueError) as err:
        importer.import_texts(gov["hz_city"], [("zj.yaml", text.split("  - key: zj-bad")[0])])
    assert err.value.problems == [
        "zj.yaml: policies[0]（zj-good）: 您只能导入本级、本地区的政策（该政策为 province 级，地区 330000）"
    ]
    upload = io.BytesIO(text.split("  - key: zj-bad")[0].encode())
    upload.name = "zj.yaml"
    response = login(client, gov["zj_province"]).post(reverse("policies:import"), {"file": upload})
    assert response.status_code == 302
    assert Policy.objects.get(key="zj-good").status == Status.PUBLISHED


@pytest.mark.django_db
def test_withdrawn_and_expired_policies_leave_the_matches(gov, hz_enterprise, hz_owner):
    policy = published(gov["xh_county"])
    assert [m.policy for m in matching.matches_for(hz_enterprise)] == [policy]
    with pytest.raises(InvalidInput):
        actions.withdraw_policy(gov["xh_county"], policy, expected_version=policy.version, reason="")
    actions.withdraw_policy(gov["xh_county"], policy, expected_version=policy.version, reason="被新政策替代")
    assert matching.matches_for(hz_enterprise) == []
    other = published(gov["xh_county"], expires_on=matching.today())  # an expired one cannot be published
    tomorrow = matching.today() + dt.timedelta(days=1)
    assert actions.expire_policies(tomorrow) == 1 and Policy.objects.get(pk=other.pk).status == Status.EXPIRED
    assert actions.expire_policies(tomorrow) == 0


@pytest.mark.django_db
def test_attachments_are_checked_by_content(client, gov):
    from django.core.files.uploadedfile import SimpleUploadedFile

    policy = actions.save_policy(gov["xh_county"], policy_data())
    with pytest.raises(InvalidInput) as err:
        actions.add_attachment(
            gov["xh_county"], policy, SimpleUploadedFile("通知.pdf", b"MZ\x90\x00 not a pdf")
        )
    assert err.value.problems == [
        ("file", "附件：只接受 PDF、Word、Excel、OFD、PNG、JPEG 文件（按文件内容判断）")
    ]
    att = actions.add_attachment(
        gov["xh_county"], policy, SimpleUploadedFile("通知.pdf", make_pdf("通知", []))
    )
    assert att.content_type == "application/pdf"
    hidden = login(client, gov["yh_county"]).get(reverse("policies:attachment", args=[att.pk]))
    assert hidden.status_code == 404  # a draft: looks like any missing page, nothing about the file
    assert "您要找的页面不存在" in hidden.content.decode() and "通知.pdf" not in hidden.content.decode()
    response = login(client, gov["xh_county"]).get(reverse("policies:attachment", args=[att.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_an_attachment_name_must_agree_with_its_content_and_a_pdf_must_open(gov):
    """Attachments are downloaded by the public under their names: a PNG named .pdf would not open."""
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    policy = actions.save_policy(gov["xh_county"], policy_data())

    def problems(name: str, data: bytes):
        with pytest.raises(InvalidInput) as err:
            actions.add_attachment(gov["xh_county"], policy, SimpleUploadedFile(name, data))
        return err.value.problems

    assert problems("通知.pdf", png_bytes()) == [
        (
            "file",
            "附件“通知.pdf”的扩展名 .pdf 与文件内容不符（按内容应为 .png）；请上传原始文件，或改正扩展名后重新上传",
        )
    ]
    assert problems("通知.exe", make_pdf("通知", [])) == [
        (
            "file",
            "附件“通知.exe”的扩展名 .exe 不在接受之列：只接受 "
            ".pdf/.docx/.xlsx/.ofd/.zip/.doc/.xls/.wps/.et/.png/.jpg/.jpeg 文件，"
            "且扩展名须与文件内容相符；请另存为这些格式之一后重新上传",
        )
    ]
    html = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF"
    assert problems("通知.pdf", html) == [
        ("file", "附件“通知.pdf”内容不完整或已损坏，无法打开；请重新导出或从原处重新下载后再上传")
    ]
    assert not policy.attachments.exists()
    form = io.BytesIO()
    with zipfile.ZipFile(form, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    att = actions.add_attachment(gov["xh_county"], policy, SimpleUploadedFile("申报表.docx", form.getvalue()))
    assert (att.original_name, att.content_type) == ("申报表.docx", "application/zip")


@pytest.mark.django_db
def test_an_attachment_downloads_under_its_chinese_name_and_is_never_sniffed_or_cached(client, gov, caplog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    policy = published(gov["xh_county"])
    att = actions.add_attachment(
        gov["xh_county"], policy, SimpleUploadedFile("申报通知（2026）.pdf", make_pdf("通知", []))
    )
    url = reverse("policies:attachment", args=[att.pk])
    response = client.get(url)  # a published policy's attachment is public
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E7%94%B3%E6%8A%A5%E9%80%9A%E7%9F%A5%EF%BC%882026%EF%BC%89.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    att.file.storage.delete(att.file.name)
    with caplog.at_level("WARNING", logger="portal.downloads"):
        gone = client.get(url)
    assert gone.status_code == 404  # not a server error
    assert (
        "文件不存在或已被删除：申报通知（2026）.pdf；请联系上传人重新上传" in gone.content.decode()
    )  # shown on the not-found page
    assert att.file.name in caplog.text


@pytest.mark.django_db
def test_pages_are_role_checked(client, gov, hz_owner):
    assert login(client, hz_owner).get(reverse("policies:list")).status_code == 403
    assert client.get(reverse("policies:new")).status_code == 403
    assert login(client, gov["hz_city"]).get(reverse("policies:mine")).status_code == 403
    assert client.get(reverse("policies:list")).status_code == 200
    provider = make_user("svc", Role.PROVIDER, "330100")
    assert login(client, provider).get(reverse("policies:list")).status_code == 403
    assert client.get(reverse("policies:search")).status_code == 200  # public


@pytest.mark.django_db(transaction=True)
def test_a_catalogue_import_pushes_all_its_policies_through_the_batch_engine(gov, hz_enterprise):
    other = without_specialized("杭州无称号机械有限公司", "330110", credit_code("91330110MA2B3C4E2"))
    text = """
defaults: {level: city, region: "330100", department: 杭州市经信局, benefit: {type: reward}}
policies:
  - {key: hz-a, title: 杭州甲政策, eligibility: [{fact: title, op: held, value: [specialized]}]}
  - {key: hz-b, title: 杭州乙政策, eligibility: [{fact: title, op: held, value: [high_tech_enterprise]}]}
  - {key: hz-c, title: 杭州丙政策（草稿）, status: draft}
"""
    importer.import_texts(gov["hz_city"], [("hz.yaml", text)])
    pushed = set(PushRecord.objects.values_list("policy__key", "enterprise__name"))
    assert pushed == {("hz-a", hz_enterprise.name), ("hz-b", hz_enterprise.name), ("hz-b", other.name)}
    importer.import_texts(gov["hz_city"], [("hz.yaml", text)])  # re-import: nobody is told twice
    assert PushRecord.objects.count() == 3
    assert Notification.objects.filter(title__startswith="新政策匹配").count() == 3


@pytest.mark.django_db
def test_a_title_the_enterprise_cannot_enter_is_not_asked_of_it(client, gov):
    """An enterprise with no recognition on record may or may not hold a title; only an official records one (the
    profile's 已获认定 section is read-only). The page says so instead of "请补充填报 … (recognitions)"."""
    doc = example_profile()
    doc.pop("recognitions", None)
    code = credit_code("91330106MA2QAQ017")
    ent = make_enterprise("杭州无称号记录有限公司", "330106", credit_code=code, profile=doc)
    owner = make_user("no-title", Role.ENTERPRISE, enterprise=ent)
    policy = published(gov["xh_county"])
    assert [m.state for m in matching.matches_for(ent) if m.policy.pk == policy.pk] == [None]
    mine = login(client, owner).get(reverse("policies:mine")).content.decode()
    why = client.get(reverse("policies:why", args=[policy.pk])).content.decode()
    for page in (mine, why):
        assert "称号由主管部门认定后记入企业画像，不能自行填报：" in page
        assert "在本平台以外取得的，请联系主管部门登记" in page
        assert "（recognitions）" not in page and "需补充填报：专精特新" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "source",
    [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil",
    ],
)
def test_a_source_must_be_a_web_address(gov, source):
    """A source link is clicked by every visitor of the public policy page: before, any official could save
    `javascript:…` there and run script in the platform's origin as whoever clicked it (stored XSS)."""
    with pytest.raises(InvalidInput) as refused:
        actions.save_policy(gov["xh_county"], policy_data(sources=["https://www.miit.gov.cn/", source]))
    assert [f for f, _m in refused.value.problems] == ["sources"]
    policy = actions.save_policy(gov["xh_county"], policy_data(sources=["https://www.miit.gov.cn/a.html"]))
    assert policy.sources == ["https://www.miit.gov.cn/a.html"]


@pytest.mark.django_db
def test_a_stored_script_source_is_shown_but_never_a_link(client, gov, hz_owner):
    """A policy saved before sources were checked (or imported by an older version) keeps its text, not a link."""
    policy = published(gov["xh_county"])
    Policy.objects.filter(pk=policy.pk).update(sources=["javascript:alert(1)", "https://www.miit.gov.cn/"])
    page = login(client, hz_owner).get(reverse("policies:detail", args=[policy.pk])).content.decode()
    assert 'href="javascript:' not in page and "javascript:alert(1)" in page
    assert 'href="https://www.miit.gov.cn/"' in page


def test_an_area_larger_than_the_facts_cache_is_judged_on_every_profile(gov, monkeypatch):
    """A province has more enterprises than the cache holds: hits evicted while the misses are
    computed must still be judged on their profiles (the second view said 0 eligible, all undetermined)."""
    for i in range(4):
        code = credit_code(f"91330106MA2B3C5{i}X")
        doc = example_profile()
        doc["credit_code"] = code
        make_enterprise(f"杭州缓存测试{i}号有限公司", "330106", credit_code=code, profile=doc)
    monkeypatch.setattr(matching, "FACTS_CACHE", 3)
    matching._FACTS.clear()
    checked = matching.checked(published(gov["zj_province"]))
    first = matching.eligible_list(checked, Enterprise.objects.order_by("pk"))
    again = matching.eligible_list(checked, Enterprise.objects.order_by("pk"))
    assert (len(first.eligible), len(first.undetermined)) == (4, 0)
    assert (len(again.eligible), len(again.undetermined)) == (4, 0)


@pytest.mark.django_db
def test_the_eligible_page_lists_the_first_undetermined_and_counts_them_all(client, gov, monkeypatch):
    """A province has tens of thousands of enterprises a policy cannot judge: the page lists a few
    and says how many more the export holds, instead of every one of them."""
    from portal.policies import views_official

    for i in range(3):
        code = credit_code(f"91330106MA2B3C6{i}X")
        make_enterprise(f"杭州信息不全{i}号有限公司", "330106", credit_code=code, profile={"name": "x"})
    monkeypatch.setattr(views_official, "UNDETERMINED_SHOWN", 2, raising=False)
    policy = published(gov["zj_province"])
    page = login(client, gov["hz_city"]).get(reverse("policies:eligible", args=[policy.pk])).content.decode()
    assert "信息不全或画像有误、无法判断 3 家。" in page
    assert page.count("杭州信息不全") == 2
    assert "另有 1 家未列出，完整名单请导出 Excel。" in page


@pytest.mark.django_db
def test_a_large_area_reads_memberships_and_profiles_in_one_query_each(gov):
    """A province's eligible list (and its preview, export and pushes) read the cluster memberships
    and the uncached profiles of 50,000 enterprises 500 at a time: 200 queries, ~1 s per view."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    doc = example_profile()
    Enterprise.objects.bulk_create(
        Enterprise(name=f"杭州批量{i}号有限公司", credit_code=f"T{i:017d}", region="330106", profile=doc)
        for i in range(1200)
    )
    matching._FACTS.clear()
    checked = matching.checked(published(gov["zj_province"]))
    with CaptureQueriesContext(connection) as ctx:
        result = matching.eligible_list(checked, Enterprise.objects.order_by("pk"))
    assert (len(result.eligible), len(result.undetermined)) == (1200, 0)
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert len([q for q in sqls if "clusters_clustermembership" in q]) == 1
    assert len([q for q in sqls if '"enterprises_enterprise"."profile"' in q]) == 1

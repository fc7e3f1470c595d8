"""The procedure periods (validity, change-report deadline, 公示 days) come from the criteria data.

The rule data is copied to a temporary criteria folder (ZJTX_CRITERIA, as a deployer would point it)
with the 2022 periods changed, so a recognition under the 2022 measures can only get its validity, and
a change its deadline, from the 2022 data; grade-C periods show 待核实 where people read them.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.urls import reverse

import rulebook
from portal.assessments import engine
from portal.audit.models import AuditEntry
from portal.cultivation import actions
from portal.cultivation.models import ChangeKind, Recognition, Tier

from .test_cultivation_helpers import media, open_batch, recognised, submitted  # noqa: F401  (media: fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

DAY = dt.timedelta(days=1)
UNDER_2022 = dt.date(2025, 9, 1)  # the 2022 interim measures are in force
UNDER_2026 = dt.date(2026, 9, 1)  # the 2026 measures are in force


def _clear_registry():
    engine.registry.cache_clear()
    rulebook.default_registry.cache_clear()


@pytest.fixture
def criteria_2022_changed(tmp_path, monkeypatch):
    """A copy of criteria/ where the 2022 measures give 2 years' validity and 1 month for a change report."""
    root = tmp_path / "criteria"
    shutil.copytree(engine.registry().root, root, ignore=shutil.ignore_patterns("cases"))
    path = root / "cn-miit-2022" / "procedure.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in (
        ("recognition_years:\n    value: 3", "recognition_years:\n    value: 2"),
        ("change_report_months:\n    value: 3", "change_report_months:\n    value: 1"),
    ):
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("ZJTX_CRITERIA", str(root))
    _clear_registry()
    yield root
    monkeypatch.delenv("ZJTX_CRITERIA")
    _clear_registry()


def test_validity_and_change_deadline_follow_the_measures_in_force(
    criteria_2022_changed, gov, hz_enterprise, hz_owner
):
    old = recognised(gov, hz_owner, hz_enterprise, open_batch(gov, day=UNDER_2022), day=UNDER_2022)
    assert old.valid_until == old.valid_from.replace(year=old.valid_from.year + 2) - DAY  # the 2022 data
    issued = AuditEntry.objects.get(action="cultivation.issue_recognition", target_id=str(old.pk))
    assert (issued.data["validity_years"], issued.data["validity_grade"]) == (2, "A")

    # A change under the 2022 measures is late after one month; one under the 2026 measures after three.
    change_2022 = actions.report_change(
        hz_owner,
        old,
        kind=ChangeKind.RENAME,
        occurred_on=dt.date(2026, 1, 10),
        description="企业名称变更",
        today=dt.date(2026, 2, 11),
    )
    change_2026 = actions.report_change(
        hz_owner,
        old,
        kind=ChangeKind.RELOCATION,
        occurred_on=dt.date(2026, 5, 10),
        description="迁至江苏",
        today=dt.date(2026, 7, 11),
    )
    assert (change_2022.late, change_2026.late) == (True, False)

    # Another tier, once the 专精特新 title is revoked (while in force it stands above 科技和创新型: no new
    # application below it, and a title in force is kept by re-review, not anew).
    actions.revoke_recognition(gov["zj_province"], old, expected_version=old.version, reason="迁出本省")
    tech = open_batch(gov, Tier.TECH_INNOVATIVE, day=UNDER_2026)
    new = recognised(gov, hz_owner, hz_enterprise, tech, day=UNDER_2026)
    assert new.valid_until == new.valid_from.replace(year=new.valid_from.year + 3) - DAY


def test_grade_c_periods_read_as_unverified(client, gov, hz_enterprise, hz_owner):
    old = recognised(
        gov, hz_owner, hz_enterprise, open_batch(gov, Tier.INNOVATIVE, day=UNDER_2022), day=UNDER_2022
    )
    new = recognised(gov, hz_owner, hz_enterprise, open_batch(gov, day=UNDER_2026), day=UNDER_2026)
    # The day a title was issued decides which measures' validity it rests on (2022: grade A, 2026: C).
    for rec, day in ((old, UNDER_2022), (new, UNDER_2026)):
        Recognition.objects.filter(pk=rec.pk).update(created_at=dt.datetime.combine(day, dt.time(12), dt.UTC))

    def validity_tag(url: str) -> bool:
        page = client.get(url).content.decode()
        validity = page.split("有效期</dt>", 1)[1].split("</dd>", 1)[0]
        return "待核实" in validity

    assert validity_tag(reverse("cultivation:certificate", args=[old.verification_code])) is False
    assert validity_tag(reverse("cultivation:certificate", args=[new.verification_code])) is True
    client.force_login(hz_owner)
    assert validity_tag(reverse("cultivation:recognition", args=[old.pk])) is False
    assert validity_tag(reverse("cultivation:recognition", args=[new.pk])) is True
    page = client.get(reverse("cultivation:my_recognitions")).content.decode()
    assert "发生重大变化后应在 3 个月内报告，逾期将被记录。</p>" in page  # grade B today: no 待核实
    # a 2022 title loaded (or received through the exchange) after 2026-04-01: its own first day decides, not the
    # day the record was made here
    Recognition.objects.filter(pk=old.pk).update(
        created_at=dt.datetime.combine(UNDER_2026, dt.time(12), dt.UTC)
    )
    assert validity_tag(reverse("cultivation:recognition", args=[old.pk])) is False

    client.force_login(gov["zj_province"])
    page = client.get(reverse("cultivation:batches")).content.decode()
    assert 'name="notice_days" value="5"' in page
    assert (
        "待核实</span> 默认 5 天是本平台的默认值：所读材料未见官方规定的公示天数，请按当年申报通知填写。"
        in page
    )


def test_a_batch_without_notice_days_takes_the_data(gov):
    batch = actions.open_batch(
        gov["zj_province"],
        tier=Tier.SPECIALIZED,
        year=UNDER_2026.year,
        name="2026 年度专精特新批次",
        opens_on=UNDER_2026,
        closes_on=UNDER_2026 + dt.timedelta(days=30),
    )
    assert batch.notice_days == engine.procedure_on(UNDER_2026).notice_days.value == 5


def test_a_2026_little_giant_re_review_is_assessed_under_the_2022_standard(gov, hz_enterprise, hz_owner):
    """工信厅企业函〔2026〕117号 (criteria/cn-miit-2026 `review_under`): the 2026 re-reviews of 小巨人 keep the 2022
    standard, while a new application in the same batch and a 专精特新 re-review follow the 2026 measures."""
    day = dt.date(2026, 5, 10)
    held = {}
    for n, tier in enumerate((Tier.LITTLE_GIANT, Tier.SPECIALIZED)):
        held[tier] = Recognition.objects.create(
            enterprise=hz_enterprise,
            tier=tier,
            certificate_no=f"ZJTX-2023-T{n}-330106-000001",
            verification_code=f"REVIEW{n}CODE",
            valid_from=dt.date(2023, 9, 1),
            valid_until=dt.date(2026, 8, 31),
            issued_by_level="national" if tier == Tier.LITTLE_GIANT else "province",
            issued_by_region="" if tier == Tier.LITTLE_GIANT else "330000",
        )
    giant_batch = open_batch(gov, Tier.LITTLE_GIANT, day=day)
    giant = submitted(hz_owner, hz_enterprise, giant_batch, day=day, renews=held[Tier.LITTLE_GIANT])
    assert (giant.assessment.ruleset_id, giant.assessment.is_review) == ("cn-miit-2022", True)
    assert giant.assessment.as_of == day  # 上年度 = 2025, whichever measures

    specialized = submitted(
        hz_owner, hz_enterprise, open_batch(gov, day=day), day=day, renews=held[Tier.SPECIALIZED]
    )
    assert (specialized.assessment.ruleset_id, specialized.assessment.is_review) == ("cn-miit-2026", True)

    # A 2027 batch: the notice was for the 2026 re-reviews only.
    assert engine.review_rules(Tier.LITTLE_GIANT, 2027, dt.date(2027, 5, 10)) is None
    assert engine.review_rules(Tier.LITTLE_GIANT, 2026, day) == "cn-miit-2022"


def test_a_2022_innovative_title_is_told_it_counts_as_tech_innovative_under_the_2026_measures(
    client, hz_enterprise, hz_owner
):
    day = dt.date.today()
    titles = {
        tier: Recognition.objects.create(
            enterprise=hz_enterprise,
            tier=tier,
            certificate_no=f"ZJTX-2025-{code}-330106-000001",
            verification_code=f"LADDER{code}00",
            valid_from=dt.date(2025, 10, 15),
            valid_until=max(dt.date(2028, 10, 14), day + dt.timedelta(days=300)),
            issued_by_level="province",
            issued_by_region="330000",
        )
        for tier, code in ((Tier.INNOVATIVE, "IN"), (Tier.SPECIALIZED, "SP"))
    }
    note = (
        "《优质中小企业梯度培育管理办法》自 2026-04-01 起施行，将有效期内的创新型中小企业与科技型中小企业统称为"
        "“科技和创新型中小企业”：本证书有效期内，持证企业即属于科技和创新型中小企业（如申报专精特新中小企业时作为"
        "已获得的称号）；期满前请在“科技和创新型中小企业”批次中申请复核。"
    )
    from portal.cultivation.views_common import ladder_note

    assert ladder_note(titles[Tier.INNOVATIVE], dt.date(2026, 4, 1)) == note
    assert ladder_note(titles[Tier.INNOVATIVE], dt.date(2026, 3, 31)) == ""  # the 2022 ladder has 创新型
    assert ladder_note(titles[Tier.SPECIALIZED], dt.date(2026, 4, 1)) == ""  # on both ladders

    client.force_login(hz_owner)
    page = client.get(reverse("cultivation:my_recognitions")).content.decode()
    assert page.count(note) == 1
    page = client.get(reverse("cultivation:recognition", args=[titles[Tier.INNOVATIVE].pk])).content.decode()
    assert note in page

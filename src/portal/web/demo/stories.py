"""Batches and applications in every workflow state, made only through portal.cultivation.actions.

Each story is one enterprise's path through one batch: "submitted and waiting for the city",
"in public notice with an objection", "recognised three years ago, expiring in twelve days".
The actions get the story's dates as `today` (notice periods and validity follow from them);
clock.StoryClock then moves the rows' wall-clock timestamps to the same dates. Who acts at each
step is not hard-wired: the demo asks cultivation.actions.allowed_actions which official may.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.models import User
from portal.accounts.scope import enterprise_in_scope
from portal.assessments import engine
from portal.cultivation import actions
from portal.cultivation.certificates import add_years
from portal.cultivation.models import Application, ApplicationState, Recognition, Tier

from . import catalogue
from .clock import StoryClock
from .files import make_pdf, make_png
from .people import DemoEnterprise

S = ApplicationState
ARCHETYPE_FOR = {
    "innovative": "tech_innovative",
    "tech_innovative": "tech_innovative",
    "specialized": "specialized",
    "little_giant": "little_giant",
}
COUNTIES_WITH_OFFICIAL = {o.region for o in catalogue.OFFICIALS if o.role == "county"}

RETURN_REASON = "研发费用明细与审计报告不一致，请补充 {year} 年度研发费用专项审计报告后重新提交"
REJECT_REASON = "主导产品国内细分市场占有率的佐证材料不足，经集体研究，本批次不予通过"
WITHDRAW_REASON = "企业决定完善知识产权布局后参加下一批次申报"
APPROVE_REASON = "经审核，符合认定条件，同意进入公示"
OBJECTION = ("实名来信 王先生", "反映该企业主导产品市场占有率数据与行业协会统计口径不一致，请核实。")


@dataclass(frozen=True)
class BatchSpec:
    key: str
    tier: str
    opener: str  # username in catalogue.OFFICIALS
    name: str
    year: int
    opens_on: dt.date
    closes_on: dt.date
    review_level: str = "city"
    ruleset_id: str = ""


@dataclass(frozen=True)
class Story:
    batch: str
    province: str  # "33" 浙江, "51" 四川
    end: str  # draft submitted returned rejected withdrawn recommended in_notice notice_ended recognised
    note: str
    objection: bool = False
    recognised_on: dt.date | None = None  # historic recognitions: the day of the decision


@dataclass
class Told:
    """What a story produced, for the accounts table and the summary."""

    story: Story
    enterprise: DemoEnterprise
    application: Application
    recognition: Recognition | None = None
    extra: list[str] = field(default_factory=list)


def batch_specs(today: dt.date) -> list[BatchSpec]:
    """This year's batches (open now), last year's (closed) and those of three years ago (closed)."""
    y, last, old = today.year, today.year - 1, today.year - 3
    opens = today - dt.timedelta(days=60)
    closes = today + dt.timedelta(days=25)
    last_rules = engine.rules_in_force(dt.date(last, 5, 15))
    old_rules = engine.rules_in_force(dt.date(old, 5, 15))
    small_last = "innovative" if "innovative" in last_rules.ladder else "tech_innovative"
    small_now = (
        "tech_innovative" if "tech_innovative" in engine.rules_in_force(opens).ladder else "innovative"
    )
    small_name = {"innovative": "创新型中小企业评价", "tech_innovative": "科技和创新型中小企业评价"}
    lp = (dt.date(last, 5, 15), dt.date(last, 6, 30))
    op = (dt.date(old, 5, 15), dt.date(old, 6, 30))
    return [
        BatchSpec(
            "now-zj-small",
            small_now,
            "gov-zj",
            f"{y}年浙江省{small_name[small_now]}（第二批）",
            y,
            opens,
            closes,
            review_level="county",
        ),
        BatchSpec(
            "now-sc-small", small_now, "gov-sc", f"{y}年四川省{small_name[small_now]}", y, opens, closes
        ),
        BatchSpec(
            "now-zj-sp",
            "specialized",
            "gov-zj",
            f"{y}年浙江省专精特新中小企业认定",
            y,
            opens + dt.timedelta(days=7),
            closes,
        ),
        BatchSpec(
            "now-sc-sp",
            "specialized",
            "gov-sc",
            f"{y}年四川省专精特新中小企业认定",
            y,
            opens + dt.timedelta(days=7),
            closes,
        ),
        BatchSpec(
            "now-lg",
            "little_giant",
            "gov-national",
            f"第{y - 2018}批专精特新“小巨人”企业培育",
            y,
            opens + dt.timedelta(days=10),
            closes - dt.timedelta(days=10),
        ),
        BatchSpec(
            "last-zj-small",
            small_last,
            "gov-zj",
            f"{last}年浙江省{small_name[small_last]}",
            last,
            *lp,
            ruleset_id=last_rules.id,
        ),
        BatchSpec(
            "last-zj-sp",
            "specialized",
            "gov-zj",
            f"{last}年浙江省专精特新中小企业认定",
            last,
            *lp,
            ruleset_id=last_rules.id,
        ),
        BatchSpec(
            "last-sc-sp",
            "specialized",
            "gov-sc",
            f"{last}年四川省专精特新中小企业认定",
            last,
            *lp,
            ruleset_id=last_rules.id,
        ),
        BatchSpec(
            "last-lg",
            "little_giant",
            "gov-national",
            f"第{last - 2018}批专精特新“小巨人”企业培育",
            last,
            *lp,
            ruleset_id=last_rules.id,
        ),
        BatchSpec(
            "old-zj-sp",
            "specialized",
            "gov-zj",
            f"{old}年浙江省专精特新中小企业认定",
            old,
            *op,
            ruleset_id=old_rules.id,
        ),
        BatchSpec(
            "old-sc-sp",
            "specialized",
            "gov-sc",
            f"{old}年四川省专精特新中小企业认定",
            old,
            *op,
            ruleset_id=old_rules.id,
        ),
    ]


def story_list(today: dt.date) -> list[Story]:
    three_years_ago = add_years(today, -3)
    return [
        # Three years ago: two titles about to expire (one will be re-reviewed), one already expired.
        Story(
            "old-zj-sp",
            "33",
            "recognised",
            "专精特新认定 12 天后到期，已申请复核",
            recognised_on=three_years_ago + dt.timedelta(days=12),
        ),
        Story(
            "old-zj-sp",
            "33",
            "recognised",
            "专精特新认定已过期",
            recognised_on=three_years_ago - dt.timedelta(days=20),
        ),
        Story(
            "old-sc-sp",
            "51",
            "recognised",
            "专精特新认定 20 天后到期",
            recognised_on=three_years_ago + dt.timedelta(days=20),
        ),
        # Last year, under the rules then in force.
        Story("last-zj-small", "33", "recognised", "去年认定（创新型），有效期内"),
        Story("last-zj-small", "33", "recognised", "去年认定（创新型），有效期内"),
        Story("last-zj-small", "33", "rejected", "去年申报未通过"),
        Story("last-zj-sp", "33", "recognised", "去年认定专精特新；已报告更名，待省级确认"),
        Story("last-zj-sp", "33", "recognised", "去年认定专精特新"),
        Story("last-zj-sp", "33", "withdrawn", "去年申报后撤回"),
        Story("last-sc-sp", "51", "recognised", "去年认定专精特新"),
        Story("last-sc-sp", "51", "recognised", "去年认定专精特新，后被撤销"),
        Story("last-lg", "33", "recognised", "去年认定“小巨人”"),
        Story("last-lg", "51", "recognised", "去年认定“小巨人”"),
        # This year, open now: every state of the workflow.
        Story("now-zj-small", "33", "submitted", "待区县审核（科技和创新型）"),
        Story("now-zj-small", "33", "in_notice", "公示中（科技和创新型）"),
        Story("now-zj-small", "33", "recognised", "已认定（科技和创新型）"),
        Story("now-zj-small", "33", "draft", "草稿（科技和创新型）"),
        Story("now-zj-sp", "33", "submitted", "待市级审核（专精特新）"),
        Story("now-zj-sp", "33", "returned", "被退回修改（专精特新）"),
        Story("now-zj-sp", "33", "rejected", "未通过（专精特新）"),
        Story("now-zj-sp", "33", "in_notice", "公示中，有异议待处理（专精特新）", objection=True),
        Story("now-zj-sp", "33", "notice_ended", "公示期满，待省级认定（专精特新）"),
        Story("now-zj-sp", "33", "recognised", "已认定（专精特新）"),
        Story("now-zj-sp", "33", "withdrawn", "已撤回（专精特新）"),
        Story("now-zj-sp", "33", "draft", "草稿（专精特新）"),
        Story("now-sc-small", "51", "submitted", "待市级审核（科技和创新型）"),
        Story("now-sc-small", "51", "notice_ended", "公示期满，待省级认定（科技和创新型）"),
        Story("now-sc-sp", "51", "submitted", "待市级审核（专精特新）"),
        Story("now-sc-sp", "51", "returned", "被退回修改（专精特新）"),
        Story("now-sc-sp", "51", "in_notice", "公示中（专精特新）"),
        Story("now-sc-sp", "51", "recognised", "已认定（专精特新）"),
        Story("now-lg", "33", "recommended", "省级已推荐，待国家级审核（小巨人）"),
        Story("now-lg", "51", "submitted", "待省级审核（小巨人）"),
        Story("now-lg", "33", "in_notice", "公示中（小巨人）"),
        Story("now-lg", "51", "notice_ended", "公示期满，待国家级认定（小巨人）"),
    ]


class Teller:
    """Runs the stories: opens the batches, picks the enterprises, walks each application."""

    def __init__(self, today: dt.date, staff: dict[str, User], enterprises: list[DemoEnterprise], log):
        self.today = today
        self.staff = staff
        self.enterprises = enterprises
        self.officials = [staff[o.username] for o in catalogue.OFFICIALS]
        self.clock = StoryClock(today)
        self.log = log
        self.used: set[int] = set()
        self.batches = {}
        self.specs = {spec.key: spec for spec in batch_specs(today)}
        self.told: list[Told] = []
        self._seq: dict[str, int] = {}

    # ------------------------------------------------------------------------------------------ batches

    def open_batches(self) -> None:
        for spec in self.specs.values():
            with self.clock.on(spec.opens_on - dt.timedelta(days=10)):
                self.batches[spec.key] = actions.open_batch(
                    self.staff[spec.opener],
                    tier=spec.tier,
                    year=spec.year,
                    name=spec.name,
                    opens_on=spec.opens_on,
                    closes_on=spec.closes_on,
                    notice_days=5,
                    review_level=spec.review_level,
                    ruleset_id=spec.ruleset_id,
                )

    # ------------------------------------------------------------------------------------------ choosing

    def _qualifies(self, ent: DemoEnterprise, tier: str, rules: str, day: dt.date) -> bool:
        result, _ = engine.assess(ent.enterprise.profile, day, rules or None)
        tiers = result.tiers
        return tier in tiers and tiers[tier].qualified is True

    def pick(self, story: Story, submit_on: dt.date) -> DemoEnterprise:
        spec = self.specs[story.batch]

        def fits(ent: DemoEnterprise, archetype_must_match: bool) -> bool:
            e = ent.enterprise
            if e.pk in self.used or not e.region.startswith(story.province):
                return False
            if spec.review_level == "county" and e.region not in COUNTIES_WITH_OFFICIAL:
                return False
            if archetype_must_match and ent.archetype != ARCHETYPE_FOR[spec.tier]:
                return False
            if story.end == "draft":
                return True
            return self._qualifies(ent, spec.tier, spec.ruleset_id, submit_on)

        for strict in (True, False):
            for ent in self.enterprises:
                if fits(ent, strict):
                    self.used.add(ent.enterprise.pk)
                    return ent
        raise RuntimeError(
            f"演示数据：找不到可用于“{spec.name} · {story.note}”的企业；请增加 demo/people.py 的 PLAN"
        )

    # ------------------------------------------------------------------------------------------ acting

    def official_for(self, app: Application, action: str, day: dt.date) -> User:
        for user in self.officials:
            if enterprise_in_scope(user, app.enterprise) and action in actions.allowed_actions(
                user, app, today=day
            ):
                return user
        raise RuntimeError(f"演示数据：没有可以对“{app}”办理“{action}”的主管部门账户")

    def _evidence(self, ent: DemoEnterprise, app: Application, count: int) -> None:
        e = ent.enterprise
        year = self.specs_for(app).year - 1
        fin = (e.profile.get("financials") or {}).get(str(year)) or {}

        def wan(key):
            value = fin.get(key)
            return "—" if value is None else f"{value / 10000:,.0f} 万元"

        pdf = make_pdf(
            f"{e.name}",
            [
                f"{year} 年度审计报告（摘要）",
                f"统一社会信用代码：{e.credit_code}",
                f"营业收入：{wan('revenue')}",
                f"主营业务收入：{wan('main_revenue')}",
                f"研发费用：{wan('rd_expense')}",
                f"净利润：{wan('net_profit')}",
                "本摘要由 zjtx 演示数据生成，不是真实的审计报告。",
            ],
        )
        actions.attach_evidence(
            ent.user,
            app,
            SimpleUploadedFile(f"{year}年度审计报告（摘要）.pdf", pdf, "application/pdf"),
            description=f"{year} 年度财务审计报告",
        )
        if count > 1:
            patents = [i for i in e.profile.get("ip") or [] if i.get("type") == "invention_patent"]
            if patents:
                title, lines = (
                    "发明专利证书",
                    [
                        f"发明名称：{patents[0].get('name') or e.profile['main_product']['name'] + '相关技术'}",
                        f"专利权人：{e.name}",
                        f"授权公告日：{patents[0].get('granted', '')}",
                    ],
                )
            else:
                title, lines = "营业执照（副本）", [f"名称：{e.name}", f"统一社会信用代码：{e.credit_code}"]
            actions.attach_evidence(
                ent.user,
                app,
                SimpleUploadedFile(f"{title}.png", make_png(title, lines), "image/png"),
                description=title,
            )

    def specs_for(self, app: Application) -> BatchSpec:
        return next(s for k, s in self.specs.items() if self.batches[k].pk == app.batch_id)

    def _fresh(self, app: Application) -> Application:
        return Application.objects.select_related("enterprise", "batch").get(pk=app.pk)

    def _decide(self, app: Application, action: str, day: dt.date, **kw) -> Application:
        app = self._fresh(app)
        actor = self.official_for(app, action, day)
        fn = {
            "approve": actions.approve_application,
            "return": actions.return_application,
            "reject": actions.reject_application,
        }[action]
        if action == "approve":
            kw["today"] = day
        with self.clock.on(day):
            fn(actor, app, expected_version=app.version, **kw)
        return self._fresh(app)

    def _dates(self, story: Story, index: int) -> dict[str, dt.date]:
        """The story's calendar: creation, submission, decisions, end of notice, recognition.

        This year's stories end around today (in notice since yesterday, recognised two weeks ago);
        last year's were decided in the autumn; old ones on the day given in the story.
        """
        spec = self.specs[story.batch]
        submit = spec.opens_on + dt.timedelta(days=3 + index)
        decide = submit + dt.timedelta(days=20)
        t = self.today
        if story.batch.startswith("now"):
            days_ago = {"recognised": 25, "notice_ended": 9}.get(story.end, 1)
            approve = t - dt.timedelta(days=days_ago)
            rec = t - dt.timedelta(days=15)
            decide = max(submit + dt.timedelta(days=1), t - dt.timedelta(days=3))
        elif story.recognised_on:
            rec = story.recognised_on
            approve = rec - dt.timedelta(days=20)
        else:
            approve = dt.date(spec.year, 9, 10) + dt.timedelta(days=index)
            rec = dt.date(spec.year, 10, 15) + dt.timedelta(days=index)
        return {
            "create": submit - dt.timedelta(days=2),
            "submit": submit,
            "decide": decide,
            "recommend": approve - dt.timedelta(days=12),
            "approve": approve,
            "close": approve + dt.timedelta(days=6),
            "recognise": rec,
        }

    def cast(self, stories: list[Story]) -> list[tuple[Story, dict[str, dt.date], DemoEnterprise]]:
        """Give each story its dates and an enterprise; the pickiest stories (county review) choose first."""
        planned = []
        for story in stories:
            index = self._seq.get(story.batch, 0)
            self._seq[story.batch] = index + 1
            planned.append((story, self._dates(story, index)))
        cast: dict[int, DemoEnterprise] = {}
        order = sorted(
            range(len(planned)), key=lambda i: self.specs[planned[i][0].batch].review_level != "county"
        )
        for i in order:
            story, when = planned[i]
            cast[i] = self.pick(story, when["submit"])
        return [(story, when, cast[i]) for i, (story, when) in enumerate(planned)]

    def tell(self, story: Story, when: dict[str, dt.date], ent: DemoEnterprise) -> Told:
        spec = self.specs[story.batch]
        batch = self.batches[story.batch]
        with self.clock.on(when["create"]):
            app = actions.create_application(ent.user, ent.enterprise, batch, today=when["create"])
            self._evidence(ent, app, 1 if story.end == "draft" else 2)
        told = Told(story, ent, app)
        self.told.append(told)
        if story.end == "draft":
            return told
        app = self._fresh(app)
        with self.clock.on(when["submit"]):
            actions.submit_application(
                ent.user, app, expected_version=app.version, declaration_accepted=True, today=when["submit"]
            )
        app = self._fresh(app)
        if story.end == "withdrawn":
            with self.clock.on(when["submit"] + dt.timedelta(days=2)):
                actions.withdraw_application(
                    ent.user, app, expected_version=app.version, reason=WITHDRAW_REASON
                )
        elif story.end == "returned":
            app = self._decide(app, "return", when["decide"], reason=RETURN_REASON.format(year=spec.year - 1))
        elif story.end == "rejected":
            app = self._decide(app, "reject", when["decide"], reason=REJECT_REASON)
        elif story.end != "submitted":
            if spec.tier == Tier.LITTLE_GIANT:  # the province recommends, then the national level decides
                recommend = when["recommend"] if story.end != "recommended" else when["decide"]
                app = self._decide(app, "approve", recommend, reason="同意推荐")
            if story.end != "recommended":
                app = self._decide(app, "approve", when["approve"], reason=APPROVE_REASON)
                if story.objection:
                    actor = self.official_for(app, "record_objection", self.today)
                    with self.clock.on(self.today):
                        actions.record_objection(actor, app, objector=OBJECTION[0], text=OBJECTION[1])
                if story.end in ("notice_ended", "recognised"):
                    with self.clock.on(when["close"]):
                        if not actions.close_notice(app, today=when["close"]):
                            raise RuntimeError(f"演示数据：“{app}”的公示未能在 {when['close']} 结束")
                    app = self._fresh(app)
                if story.end == "recognised":
                    actor = self.official_for(app, "recognise", when["recognise"])
                    with self.clock.on(when["recognise"]):
                        told.recognition = actions.recognise_application(
                            actor, app, expected_version=app.version, today=when["recognise"]
                        )
        told.application = self._fresh(app)
        if told.application.state != story.end:
            raise RuntimeError(
                f"演示数据：“{told.application}”停在“{told.application.get_state_display()}”，"
                f"应为 {story.end}"
            )
        return told

    # ------------------------------------------------------------------------------------------ after

    def epilogue(self) -> None:
        """Re-review of an expiring title, a change report, a revocation, and the daily expiry job."""
        t = self.today
        for told in self.told:
            note, rec = told.story.note, told.recognition
            if rec is None:
                continue
            user = told.enterprise.user
            if "已申请复核" in note:
                with self.clock.on(t - dt.timedelta(days=4)):
                    app = actions.start_re_review(
                        user, rec, self.batches["now-zj-sp"], today=t - dt.timedelta(days=4)
                    )
                    self._evidence(told.enterprise, app, 2)
                app = self._fresh(app)
                with self.clock.on(t - dt.timedelta(days=3)):
                    actions.submit_application(
                        user,
                        app,
                        expected_version=app.version,
                        declaration_accepted=True,
                        today=t - dt.timedelta(days=3),
                    )
                told.extra.append("复核申报待市级审核")
            elif "已报告更名" in note:
                occurred = t - dt.timedelta(days=40)
                with self.clock.on(t - dt.timedelta(days=10)):
                    actions.report_change(
                        user,
                        rec,
                        kind="rename",
                        occurred_on=occurred,
                        description=f"企业名称拟变更为“{told.enterprise.enterprise.name.replace('有限公司', '股份有限公司')}”，"
                        "营业执照已换发。",
                        today=t - dt.timedelta(days=10),
                    )
            elif "后被撤销" in note:
                rec.refresh_from_db()
                actor = next(
                    u
                    for u in self.officials
                    if u.role == rec.issued_by_level and enterprise_in_scope(u, rec.enterprise)
                )
                with self.clock.on(t - dt.timedelta(days=30)):
                    actions.revoke_recognition(
                        actor,
                        rec,
                        expected_version=rec.version,
                        reason="企业被列入严重违法失信名单，依据办法第二十七条撤销认定",
                    )
        with self.clock.on(t):
            expired = actions.expire_recognitions(today=t)
        self.log(f"到期处理：{expired} 项认定已过期")

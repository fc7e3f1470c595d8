"""Forms of the cultivation pages: they only parse input; every decision is made in actions.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApplicationState, Batch, ChangeKind, Level, Objection, RecognitionStatus, Tier

S = ApplicationState

# States an application can be in while it waits for someone in an official's queue.
QUEUE_STATES = [S.SUBMITTED, S.RECOMMENDED, S.IN_NOTICE, S.NOTICE_ENDED]

SORTS = [
    ("submitted", _("提交时间（早→晚）")),
    ("-submitted", _("提交时间（晚→早）")),
    ("name", _("企业名称")),
    ("-score", _("评价得分（高→低）")),
    ("score", _("评价得分（低→高）")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class VersionForm(forms.Form):
    """The version of the object the user saw; a concurrent change makes the action refuse."""

    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ApplyForm(forms.Form):
    batch = forms.IntegerField(label=_("申报批次"), widget=forms.HiddenInput)


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("选择文件"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
    description = forms.CharField(
        label=_("说明（可选，如“2025 年度审计报告”）"), max_length=200, required=False
    )


class SubmitForm(VersionForm):
    declaration = forms.BooleanField(label=_("我已阅读并同意以上声明"), required=False)


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label=_("意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class ObjectionForm(VersionForm):
    objector = forms.CharField(label=_("异议人（可选）"), max_length=200, required=False)
    text = forms.CharField(
        label=_("异议内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("异议内容：请填写异议内容。")},
    )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=Objection.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("处理结果：请选择“异议成立”或“异议不成立”。")},
    )
    resolution = forms.CharField(
        label=_("处理说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("处理说明：请填写处理说明。")},
    )


class BatchForm(forms.Form):
    tier = forms.ChoiceField(label=_("层级"), choices=Tier.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2020, max_value=2100)
    name = forms.CharField(label=_("批次名称"), max_length=200)
    opens_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    closes_on = forms.DateField(label=_("截止日期"), widget=DateInput())
    # The default comes from the procedure data of the measures in force (views_official.batches).
    notice_days = forms.IntegerField(label=_("公示天数"), min_value=1, max_value=60)
    review_level = forms.ChoiceField(
        label=_("初审层级"),
        choices=[(Level.CITY, Level.CITY.label), (Level.COUNTY, Level.COUNTY.label)],
        initial=Level.CITY,
    )

    def __init__(self, *args, tiers: list[str] | None = None, ask_review_level: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if tiers:
            self.fields["tier"].choices = [(t, Tier(t).label) for t in tiers]
        if not ask_review_level:  # 小巨人: the province reviews, nothing to choose
            del self.fields["review_level"]

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("不能早于开始日期。"))
        return data


class ReReviewForm(forms.Form):
    batch = forms.IntegerField(label=_("复核批次"), widget=forms.HiddenInput)


class ChangeReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("变化类型"), choices=ChangeKind.choices)
    occurred_on = forms.DateField(label=_("变化发生日期"), widget=DateInput())
    description = forms.CharField(
        label=_("变化情况说明"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )


class DecideChangeForm(forms.Form):
    accept = forms.ChoiceField(choices=[("1", _("确认，认定继续有效")), ("0", _("撤销认定"))])
    note = forms.CharField(
        label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("企业名称"), required=False, max_length=100)
    tier = forms.ChoiceField(label=_("层级"), required=False)
    batch = forms.ChoiceField(label=_("批次"), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False)
    region = forms.ChoiceField(label=_("地区"), required=False)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORTS)

    def __init__(self, data, *, batches, regions):
        super().__init__(data)
        everything = [("", _("全部"))]
        self.fields["tier"].choices = everything + list(Tier.choices)
        self.fields["batch"].choices = everything + [(str(b.pk), str(b)) for b in batches]
        self.fields["state"].choices = everything + [(s.value, s.label) for s in QUEUE_STATES]
        self.fields["region"].choices = everything + regions

    def value(self, name: str) -> str:
        return (self.cleaned_data.get(name) or "") if self.is_valid() else ""


class RecognitionFilterForm(forms.Form):
    tier = forms.ChoiceField(label=_("层级"), required=False, choices=[("", _("全部"))] + list(Tier.choices))
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部"))] + list(RecognitionStatus.choices)
    )
    expiring = forms.IntegerField(label=_("多少天内到期"), required=False, min_value=0, max_value=3650)
    q = forms.CharField(label=_("企业名称"), required=False, max_length=100)


def batch_label(batch: Batch) -> str:
    return f"{batch.name}（{batch.get_tier_display()}，{batch.opens_on:%Y-%m-%d}—{batch.closes_on:%Y-%m-%d}）"

"""Forms of the pairing pages: they only parse what was typed; pairing.actions decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NeedKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class VersionForm(forms.Form):
    expected_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


TITLE_CHOICES = [
    ("little_giant", _("专精特新“小巨人”企业")),
    ("specialized", _("专精特新中小企业")),
    ("tech_innovative", _("科技和创新型中小企业")),
    ("innovative", _("创新型中小企业")),
]


class NeedForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("需求类型"), choices=NeedKind.choices, widget=forms.RadioSelect, required=False
    )
    title = forms.CharField(label=_("需求标题"), max_length=200, required=False)
    description = forms.CharField(
        label=_("需求描述（要做什么、技术指标、数量、交付要求）"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    industry_codes = forms.CharField(
        label=_("期望行业代码（GB/T 4754，多个用逗号分隔，如 C34, C3484）"), max_length=200, required=False
    )
    regions = forms.CharField(
        label=_("偏好地区代码（6 位，多个用逗号分隔，如 330000 或 330100；不填则按与本企业的距离计分）"),
        max_length=200,
        required=False,
    )
    titles = forms.MultipleChoiceField(
        label=_("偏好称号（可多选；不选则不限）"),
        choices=TITLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    deadline = forms.DateField(
        label=_("响应截止日期"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("请按“年-月-日”填写日期")},
    )

    @staticmethod
    def initial_from(need) -> dict:
        return {
            "kind": need.kind,
            "title": need.title,
            "description": need.description,
            "industry_codes": ", ".join(need.industry_codes),
            "regions": ", ".join(need.regions),
            "titles": list(need.titles),
            "deadline": need.deadline,
        }


class CapabilityForm(VersionForm):
    text = forms.CharField(
        label=_("能力描述（主要产品、工艺、设备、产能、可承接的配套或技术攻关方向）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class ProposalForm(forms.Form):
    proposal = forms.CharField(  # its limit: pairing.actions (a refusal keeps the text)
        label=_("响应方案（能提供什么、交付周期、报价区间等）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NoteForm(VersionForm):
    note = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FlagForm(forms.Form):
    enterprise = forms.CharField(
        label=_("企业（统一社会信用代码或企业全称）"), max_length=200, required=False
    )
    reason = forms.CharField(label=_("标记理由（如“列入省级链主企业名单”）"), required=False)

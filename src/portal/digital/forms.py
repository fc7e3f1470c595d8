"""Forms of the digital app: they shape input; digital.actions decides what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.services.models import PriceBand

from .models import Dimension

BLANK = [("", _("—— 请选择 ——"))]


class SolutionForm(forms.Form):
    title = forms.CharField(label=_("方案名称"), max_length=200)
    dimension = forms.ChoiceField(
        label=_("提升的维度"),
        choices=BLANK + Dimension.choices,
        help_text=_("对应数字化水平评测的四个维度；企业自测后按最弱维度推荐"),
    )
    industries = forms.CharField(
        label=_("适用行业"),
        max_length=500,
        help_text=_(
            "GB/T 4754-2017 代码，多个用空格分隔：门类（C）、大类（C34）、中类或小类（C3484）；适用所有行业填“全部”"
        ),
    )
    description = forms.CharField(
        label=_("方案介绍"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("解决什么问题、包含什么、交付方式和效果"),
    )
    price_band = forms.ChoiceField(label=_("收费区间"), choices=BLANK + PriceBand.choices)
    deployment_days = forms.CharField(
        label=_("部署周期（天）"), max_length=4, help_text=_("从签约到上线使用的天数（小快轻准：越短越好）")
    )
    contact = forms.CharField(label=_("联系方式"), max_length=200)
    active = forms.BooleanField(label=_("上架（企业可以看到）"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deployment_days"].widget.attrs.update({"inputmode": "numeric"})


class SolutionFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    dimension = forms.ChoiceField(
        label=_("提升的维度"), required=False, choices=[("", _("全部维度"))] + Dimension.choices
    )
    industry = forms.CharField(
        label=_("行业代码"),
        required=False,
        max_length=5,
        help_text=_("GB/T 4754-2017 代码，如 C3484；只看适用该行业的方案"),
    )

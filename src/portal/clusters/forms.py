"""Forms of the cluster pages: they only parse what was typed; clusters.actions decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ClusterLevel, ClusterState, MemberRole


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class VersionForm(forms.Form):
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ClusterForm(forms.Form):
    name = forms.CharField(label=_("集群名称"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("集群层级"), choices=ClusterLevel.choices, required=False)
    year_recognised = forms.CharField(
        label=_("认定年度"),
        max_length=4,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    region_code = forms.CharField(
        label=_("所在县（区）代码（6 位，如 330106）"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    industry_code = forms.CharField(
        label=_("主导产业行业代码（GB/T 4754，如 C34 或 C3484）"), max_length=5, required=False
    )
    industry_text = forms.CharField(label=_("主导产业（如“精密减速器”）"), max_length=200, required=False)
    operator_name = forms.CharField(label=_("运营管理机构"), max_length=200, required=False)
    operator_contact = forms.CharField(label=_("运营管理机构联系方式"), max_length=200, required=False)
    description = forms.CharField(
        label=_("集群简介"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, levels: list[str] | None = None, fixed_level: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_level:
            del self.fields["level"]
        elif levels is not None:
            self.fields["level"].choices = [(v, label) for v, label in ClusterLevel.choices if v in levels]


class MemberForm(VersionForm):
    enterprise = forms.CharField(
        label=_("企业（统一社会信用代码或企业全称）"), max_length=200, required=False
    )
    role = forms.ChoiceField(label=_("成员角色"), choices=MemberRole.choices, initial=MemberRole.SUPPORTING)
    joined = forms.DateField(label=_("加入日期（默认今天）"), required=False, widget=DateInput())


class RemoveMemberForm(VersionForm):
    reason = forms.CharField(label=_("移出理由"), required=False)  # its limit: clusters.actions


class StateForm(VersionForm):
    state = forms.ChoiceField(choices=ClusterState.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("统计年度"), coerce=int, required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]

"""Forms of the service network: they collect and shape input; services.actions decides what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, InstitutionKind, Level, PriceBand, Urgency

BLANK = [("", _("—— 请选择 ——"))]


class ProviderRegistrationForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=150, help_text=_("登录时使用，可用字母、数字和 @ . + - _")
    )
    password = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("至少 8 位，不要只用数字，不要与用户名相近"),
    )
    full_name = forms.CharField(label=_("您的姓名"), max_length=150)
    name = forms.CharField(label=_("机构名称"), max_length=200, help_text=_("与营业执照或法人登记证书一致"))
    kind = forms.ChoiceField(label=_("机构类型"), choices=BLANK + InstitutionKind.choices)
    level = forms.ChoiceField(
        label=_("所在层级"),
        choices=BLANK + Level.choices,
        help_text=_("由同一层级、同一地区的主管部门审核入驻"),
    )
    region_code = forms.CharField(
        label=_("所在地区代码"),
        max_length=6,
        required=False,
        help_text=_("6 位行政区划代码：省级如 330000，市级如 330100，县级如 330106；国家级不填"),
    )
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=40)
    contact_name = forms.CharField(label=_("联系人"), max_length=100)
    contact_phone = forms.CharField(
        label=_("联系电话"), max_length=20, help_text=_("11 位手机号或带区号的固定电话")
    )
    contact_email = forms.CharField(label=_("电子邮箱（可不填）"), max_length=254, required=False)
    description = forms.CharField(
        label=_("机构简介（可不填）"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "new-password"
        self.fields["region_code"].widget.attrs.update(
            {"inputmode": "numeric", "placeholder": _("如 330100")}
        )
        self.fields["contact_phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})


class InstitutionForm(forms.Form):
    """Correcting a rejected registration (the credit code and the account stay)."""

    name = ProviderRegistrationForm.base_fields["name"]
    kind = ProviderRegistrationForm.base_fields["kind"]
    level = ProviderRegistrationForm.base_fields["level"]
    region_code = ProviderRegistrationForm.base_fields["region_code"]
    contact_name = ProviderRegistrationForm.base_fields["contact_name"]
    contact_phone = ProviderRegistrationForm.base_fields["contact_phone"]
    contact_email = ProviderRegistrationForm.base_fields["contact_email"]
    description = ProviderRegistrationForm.base_fields["description"]
    version = forms.IntegerField(widget=forms.HiddenInput)


class OfferingForm(forms.Form):
    category = forms.ChoiceField(label=_("服务类别"), choices=BLANK + Category.choices)
    title = forms.CharField(label=_("服务名称"), max_length=200)
    description = forms.CharField(
        label=_("服务内容"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("服务对象、内容、流程和交付成果"),
    )
    price_band = forms.ChoiceField(label=_("收费区间"), choices=BLANK + PriceBand.choices)
    regions = forms.CharField(
        label=_("服务地区"),
        max_length=500,
        help_text=_(
            "6 位行政区划代码，多个用空格分隔（如 330000 表示浙江全省，330100 表示杭州市）；服务全国填“全国”"
        ),
    )
    contact = forms.CharField(label=_("联系方式"), max_length=200, help_text=_("联系人和电话"))
    active = forms.BooleanField(label=_("上架（企业可以看到）"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DemandForm(forms.Form):
    category = forms.ChoiceField(label=_("诉求类别"), choices=BLANK + Category.choices)
    title = forms.CharField(
        label=_("标题"), max_length=200, help_text=_("一句话说明需要什么，如“申请知识产权质押融资”")
    )
    text = forms.CharField(
        label=_("具体情况"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("背景、希望得到的帮助、时间要求"),
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("approve", _("审核通过")), ("reject", _("不予通过")), ("suspend", _("暂停"))],
    )
    reason = forms.CharField(
        label=_("理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("不予通过或暂停时必须填写，机构会看到这段文字"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RespondForm(forms.Form):
    text = forms.CharField(
        label=_("回复内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("能提供的帮助、办理方式和联系人"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CloseForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("满意度"),
        choices=[
            ("5", _("★★★★★ 非常满意")),
            ("4", _("★★★★ 满意")),
            ("3", _("★★★ 一般")),
            ("2", _("★★ 不满意")),
            ("1", _("★ 很不满意")),
        ],
    )
    comment = forms.CharField(
        label=_("评价（可不填）"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("服务类别"), choices=[("", _("全部类别"))] + Category.choices, required=False
    )
    region = forms.CharField(
        label=_("地区代码"),
        required=False,
        max_length=6,
        help_text=_("6 位行政区划代码，只看服务该地区的机构"),
    )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("未办结（待响应和已响应）")),
            ("open", _("待响应")),
            ("overdue", _("已逾期未响应")),
            ("answered", _("已响应")),
            ("closed", _("已办结")),
            ("withdrawn", _("已撤回")),
            ("all", _("全部")),
        ],
    )
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部类别"))] + Category.choices, required=False
    )
    mine = forms.BooleanField(label=_("只看由本级负责的"), required=False)

"""Registration form: it only collects and shapes input; enterprises.actions decides what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import IndustryField, RegionField


class RegistrationForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=150, help_text=_("登录时使用，可用字母、数字和 @ . + - _")
    )
    password = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("至少 8 位，不要只用数字，不要与用户名相近"),
    )
    full_name = forms.CharField(label=_("联系人姓名"), max_length=150)
    phone = forms.CharField(label=_("联系电话"), max_length=20, help_text=_("11 位手机号或带区号的固定电话"))
    name = forms.CharField(label=_("企业名称"), max_length=200, help_text=_("与营业执照一致"))
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=40, help_text=_("营业执照上的 18 位代码")
    )
    region = RegionField(
        label=_("注册地（区县）"), help_text=_("选择省、市、区县；未启用脚本时直接填写 6 位行政区划代码")
    )
    industry = IndustryField(
        label=_("主营业务所属行业（GB/T 4754-2017）"), help_text=_("输入行业名称或代码搜索，如“齿轮”或 C3453")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "new-password"
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        for name in ("region", "industry"):
            self.fields[name].required = True

"""Forms of the screening pages: they only parse input; every decision is made in actions.py."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import actions


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("名录文件（.xlsx、.csv 或 .parquet）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.parquet"}),
    )
    as_of = forms.DateField(
        label=_("评估日期"),
        widget=DateInput(),
        help_text=_("按这一天适用的办法评估；“上年度”指评估日期所在年份的前一年。"),
    )
    rules = forms.ChoiceField(label=_("规则集"), required=False)
    output_format = forms.ChoiceField(
        label=_("结果文件格式"),
        required=False,
        choices=[("", _("与上传文件相同")), ("xlsx", _("Excel（.xlsx）")), ("csv", _("CSV（UTF-8）"))],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["as_of"].initial = timezone.localdate()
        self.fields["rules"].choices = [("", _("按评估日期自动选择现行办法"))] + actions.measures_choices()


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

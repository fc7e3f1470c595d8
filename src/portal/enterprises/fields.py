"""Form fields for profile facts: blank means unknown (None), never 0 or False.

Each field turns what a person typed into the value the document stores, or raises a
Chinese ValidationError that says what to type instead.
"""

from __future__ import annotations

import re

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import money

YES, NO = "yes", "no"
YEAR_RE = re.compile(r"^(19|20)\d\d$")


class _NumberField(forms.CharField):
    """A number typed as text (phones get the numeric keyboard); `convert` turns it into the stored value."""

    inputmode = "decimal"

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": self.inputmode, "autocomplete": "off"})

    def convert(self, value):
        raise NotImplementedError

    def to_python(self, value):
        try:
            return self.convert(value)
        except money.NumberError as exc:
            raise forms.ValidationError(str(exc), code="number") from None


class WanField(_NumberField):
    """An amount typed in 万元 (up to 6 decimals); cleans to the exact yuan JSON number, or None."""

    def convert(self, value):
        wan = money.parse_wan(value)
        return None if wan is None else money.wan_to_yuan(wan)


class CountField(_NumberField):
    """A whole number (people, a rank); the engine decides what range is allowed."""

    inputmode = "numeric"

    def convert(self, value):
        number = money.parse_decimal(value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise forms.ValidationError(gettext("必须为整数"), code="whole")
        return int(number)


class ScoreField(_NumberField):
    """A plain number such as a score (0–100 checked by the engine)."""

    def convert(self, value):
        number = money.parse_decimal(value)
        return None if number is None else money.json_number(number)


class PercentField(_NumberField):
    """A share typed in percent; cleans to the fraction the profile stores (15 → 0.15)."""

    def convert(self, value):
        share = money.parse_percent(value)
        return None if share is None else money.json_number(share)


class YearField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "maxlength": "4", "autocomplete": "off"})

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        if not YEAR_RE.match(text):
            raise forms.ValidationError(gettext("必须为四位年份（如 2025）"), code="year")
        return text


class TriStateField(forms.ChoiceField):
    """是 / 否 / 未填写 → True / False / None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("choices", [("", _("未填写")), (YES, _("是")), (NO, _("否"))])
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return {YES: True, NO: False}.get(value)


def tri_initial(value) -> str:
    return YES if value is True else NO if value is False else ""


class DateField(forms.DateField):
    """An ISO date (YYYY-MM-DD) with the browser's date picker; cleans to the ISO text."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"])
        kwargs.setdefault("error_messages", {"invalid": _("必须为 YYYY-MM-DD 格式的有效日期")})
        super().__init__(**kwargs)

    def clean(self, value):
        day = super().clean(value)
        return day.isoformat() if day else None


class RegionField(forms.CharField):
    """A county-level code: a 6-digit text box that pickers.js turns into three cascading selects."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "inputmode": "numeric",
                "pattern": r"\d{6}",
                "maxlength": "6",
                "autocomplete": "off",
                "data-region-picker": "",
                "data-children-url": reverse_lazy("regions:children"),
                "placeholder": _("如 330106"),
            }
        )


class IndustryField(forms.CharField):
    """A GB/T 4754-2017 code: a text box that pickers.js turns into a search by name or code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "pattern": r"[A-Za-z]\d{0,4}",
                "maxlength": "5",
                "autocomplete": "off",
                "data-industry-search": "",
                "data-search-url": reverse_lazy("regions:industries"),
                "placeholder": _("如 C3484"),
            }
        )

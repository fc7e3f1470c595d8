"""The "重新评价" form: as-of date, rule set (default: the one in force on that date), re-review."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from . import engine
from .actions import today_in_china


def ruleset_choices() -> list[tuple[str, str]]:
    en = (get_language() or "").startswith("en")
    today = today_in_china()
    current = engine.rules_in_force(today)
    name = current.en if en else f"《{current.zh}》"
    choices = [("", _("自动：按评价基准日当天施行的办法（今天为%(name)s）") % {"name": name})]
    for rs in engine.measures_rulesets():
        name = rs["en"] if en else f"《{rs['zh']}》"
        start = rs["effective_from"].isoformat()
        if rs["effective_until"]:
            until = rs["effective_until"].isoformat()
            when = _("%(start)s 至 %(until)s 施行，用于过去的日期和复核") % {"start": start, "until": until}
        else:
            when = _("%(start)s 起施行") % {"start": start}
        choices.append((rs["id"], _("%(name)s（%(when)s）") % {"name": name, "when": when}))
    return choices


class RunAssessmentForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("评价基准日"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("请填写评价基准日"),
            "invalid": gettext_lazy("日期格式应为 年-月-日，例如 2026-11-27"),
        },
        help_text=gettext_lazy("按这一天施行的办法、以这一天的上一年度数据评价；一般用今天。"),
    )
    rules = forms.ChoiceField(
        label=gettext_lazy("依据的办法"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("请从列表中选择办法")},
    )
    is_review = forms.BooleanField(
        label=gettext_lazy("按复核口径评价（已获称号、有效期满申请复核时勾选）"), required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("as_of", today_in_china())
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = ruleset_choices()

    def clean_as_of(self):
        """A day to come has no assessment yet: its "上一年度" figures may not exist, and the run would be kept in the
        history as if it had been made."""
        day = self.cleaned_data["as_of"]
        today = today_in_china()
        if day > today:
            raise forms.ValidationError(
                _("评价基准日不能晚于今天（%(today)s）；要看数据变化后的结论，请修改企业画像后按今天评价。")
                % {"today": today.isoformat()}
            )
        return day

"""`result|as_result_display`: lets assessments/_result.html take a display dict or a raw stored JSON."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from ..display import display_result

register = template.Library()


@register.filter
def as_result_display(result):
    """A display dict passes through; a zjtx.assessment/1 JSON (one language) is converted on the spot."""
    if not isinstance(result, dict):
        return result
    if isinstance(result.get("tiers"), dict):
        return display_result(result, get_language() or "zh-hans")
    return result

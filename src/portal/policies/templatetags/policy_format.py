"""Template filters of the policy pages: money stored in yuan is shown in 万元; only web addresses are linked."""

from django import template

from ..actions import is_web_address
from ..views_common import wan as _wan

register = template.Library()


@register.filter
def wan(amount) -> str:
    """Yuan → “100 万元” (exact, no float); '—' when there is no amount."""
    return _wan(amount) or "—"


@register.filter
def web_address(text) -> bool:
    """True for an http(s) address: a source stored before sources were checked is shown, not linked."""
    return is_web_address(text)

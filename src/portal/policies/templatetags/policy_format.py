"""Template filters of the policy pages: money stored in yuan is shown in 万元."""

from django import template

from ..views_common import wan as _wan

register = template.Library()


@register.filter
def wan(amount) -> str:
    """Yuan → “100 万元” (exact, no float); '—' when there is no amount."""
    return _wan(amount) or "—"

"""What every action function shares: the error tree and the optimistic-lock step.

Errors (all carry a stable `code` and a Chinese message naming the object and the next step):

    ActionError
    ├── NotAllowed      the actor's role, region or the object's state does not allow this action
    ├── StaleObject     someone else changed the object first (optimistic lock lost): reload and retry
    └── InvalidInput    the input is wrong; `problems` lists (field path, message) pairs

An action function is `do_*`-style: one state change, inside `transaction.atomic()`, checks the
actor via portal.accounts.scope, claims the row with `claim()`, writes an audit row with
portal.audit.record.record(), and notifies with portal.inbox.send (delivered on commit).
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext


class ActionError(Exception):
    code = "action_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotAllowed(ActionError):
    code = "not_allowed"


class StaleObject(ActionError):
    code = "stale"


class InvalidInput(ActionError):
    code = "invalid"

    def __init__(
        self,
        message: str,
        problems: list[tuple[str, str]] | None = None,
        *,
        message_en: str = "",
        problems_en: list[tuple[str, str]] | None = None,
    ):
        super().__init__(message)
        self.problems = problems or []
        # English beside the page's language, where the action can say it (the API's message_en)
        self.message_en, self.problems_en = message_en, problems_en or []


def posted_version(data, minimum: int = 1) -> int | None:
    """The hidden `expected_version` of a posted page, or None when missing or not a whole number.

    None is a refusal (reload the page), never "use the current version": that would let a page left
    open overwrite a colleague's change without the concurrency check.
    """
    raw = str(data.get("expected_version") or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < minimum:
        return None
    return int(raw)


def too_long(what: str, text: str, limit: int, field: str, label: str) -> InvalidInput:
    """The refusal of a text over its limit: the message says what it is, the limit, its length and what to do; the
    field's own line names the limit (the page keeps the text, so it can be shortened)."""
    return InvalidInput(
        gettext("%(what)s不能超过 %(limit)s 个字（现有 %(n)s 个字），请删减后再提交。")
        % {"what": what, "limit": limit, "n": len(text)},
        [(field, gettext("%(label)s不能超过 %(limit)s 个字") % {"label": label, "limit": limit})],
    )


def stale(label: str, expected_version: int) -> StaleObject:
    """The refusal of an action on a page older than the object: whoever changed it (a colleague, or the same official
    clicking twice or in another tab), the page must be reloaded."""
    return StaleObject(
        gettext(
            "%(label)s已有更新（您看到的是第 %(version)s 版；可能已由他人处理，或您已在别处提交过），请刷新页面后再操作。"
        )
        % {"label": label, "version": expected_version}
    )


def claim(obj, expected_version: int, label: str, **changes) -> None:
    """Apply `changes` to obj's row only if its version is still `expected_version`, bumping the version.

    A conditional UPDATE … WHERE version = expected: of two officials acting at once, exactly one wins;
    the other gets StaleObject and must reload. `obj` is updated in memory to match the row.
    """
    model = type(obj)
    updated = model.objects.filter(pk=obj.pk, version=expected_version).update(
        version=F("version") + 1, **changes
    )
    if updated != 1:
        raise stale(label, expected_version)
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.version = expected_version + 1

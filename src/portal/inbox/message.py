"""Inbox text as a msgid plus parameters, rendered in the reader's language when it is shown.

Why: a notification is written when an official or a task acts and read later by someone else,
whose page may be in another language. Formatting the text at the action fixed it in the actor's
language (or always in Chinese). A Message keeps the Chinese msgid (marked with gettext_noop so
makemessages finds it) and typed parameters, stored as JSON on the Notification:

- verbatim text (`str`): names, titles, reasons typed by people; never translated;
- numbers (`int`, `Decimal`, `float`): formatted for the language when shown;
- labels (`label(...)`): a choice's or level's msgid, translated when shown;
- messages (`Message`): a translated piece inside another one;
- lines (`Lines`): messages shown one per line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import formats, numberformat, translation
from django.utils.translation import gettext

# Grouping the site's Chinese texts already use ("共筛查 12,345 行"); Django's zh_Hans has none.
NUMBER_STYLE = {"zh-hans": {"thousand_sep": ",", "grouping": 3}}


@dataclass(frozen=True)
class Label:
    """A translatable label stored as its msgid (the Chinese text)."""

    msgid: str


def label(text) -> Label:
    """A choice label (lazy or not) or a gettext_noop'd name, kept as its Chinese msgid."""
    with translation.override(settings.LANGUAGE_CODE):
        return Label(str(text))


@dataclass(frozen=True)
class Message:
    msgid: str
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        for name, value in self.params.items():
            _check(name, value)

    def render(self, language: str | None = None) -> str:
        if language:
            with translation.override(language):
                return self.render()
        values = {name: _show(value) for name, value in self.params.items()}
        if not values:
            return gettext(self.msgid)
        try:
            return gettext(self.msgid) % values
        except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder: the msgid
            return self.msgid % values

    def to_json(self) -> dict:
        return {"msgid": self.msgid, "params": {k: _dump(v) for k, v in self.params.items()}}


def msg(msgid: str, **params) -> Message:
    return Message(msgid, params)


@dataclass(frozen=True)
class Lines:
    """Several messages (or verbatim texts), one per line."""

    parts: tuple

    def __post_init__(self):
        for i, part in enumerate(self.parts):
            _check(str(i), part)

    def render(self, language: str | None = None) -> str:
        return "\n".join(render(p, language) for p in self.parts)

    def to_json(self) -> dict:
        return {"lines": [_dump(p) for p in self.parts]}


def render(text, language: str | None = None) -> str:
    """A message, lines or a plain string in `language` (default: the active one)."""
    if isinstance(text, Message | Lines):
        return text.render(language)
    return str(text)


def dump(text) -> dict:
    return _dump(text)


def load(data):
    """What dump() stored, back as Message / Lines / Label / str / number."""
    if isinstance(data, dict):
        if "msgid" in data:
            return Message(data["msgid"], {k: load(v) for k, v in (data.get("params") or {}).items()})
        if "lines" in data:
            return Lines(tuple(load(p) for p in data["lines"]))
        if "label" in data:
            return Label(data["label"])
        if "num" in data:
            try:
                return Decimal(data["num"])
            except (InvalidOperation, TypeError):
                return str(data["num"])
        if "text" in data:
            return str(data["text"])
    if isinstance(data, int | float) and not isinstance(data, bool):
        return data
    return "" if data is None else str(data)


def format_number(value) -> str:
    """Thousands grouping and decimal mark of the active language (NUMBER_STYLE overrides Django's)."""
    style = NUMBER_STYLE.get(translation.get_language() or settings.LANGUAGE_CODE, {})
    return numberformat.format(
        value,
        style.get("decimal_sep") or formats.get_format("DECIMAL_SEPARATOR"),
        grouping=style.get("grouping") or formats.get_format("NUMBER_GROUPING"),
        thousand_sep=style.get("thousand_sep") or formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
        use_l10n=True,
    )


def _check(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(
        value, str | int | float | Decimal | dt.date | Label | Message | Lines
    ):
        raise TypeError(
            f"notification parameter {name!r}: {type(value).__name__} is not text, a number, "
            "a label(...) or a Message (a lazy label must go through label())"
        )


def _dump(value):
    if isinstance(value, Message | Lines):
        return value.to_json()
    if isinstance(value, Label):
        return {"label": value.msgid}
    if isinstance(value, int | float | Decimal):
        return {"num": str(value)}
    if isinstance(value, dt.date):
        return {"text": value.isoformat()}
    return {"text": str(value)}


def _show(value) -> str:
    if isinstance(value, Message | Lines):
        return value.render()
    if isinstance(value, Label):
        return gettext(value.msgid) if value.msgid else ""  # gettext("") is the catalogue header
    if isinstance(value, int | float | Decimal):
        return format_number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)

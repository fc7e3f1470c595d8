"""Request parsing that refuses NUL characters up front: PostgreSQL text cannot hold them, so they would
otherwise surface as a server error deep inside a query or a save."""

from __future__ import annotations

import json

from ninja.parser import Parser

from .errors import ApiError, field_error


def nul_path(value, path: str = "") -> str | None:
    """The dotted path of the first string (or key) containing U+0000, or None."""
    if isinstance(value, str):
        return (path or "(body)") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return sub
            found = nul_path(item, sub)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = nul_path(item, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


def nul_error(field: str) -> ApiError:
    return ApiError(
        422,
        "invalid",
        "输入含有不允许的空字符（U+0000）：请删除后重试。",
        "Input contains a NUL character (U+0000).",
        [field_error(field, "含有不允许的空字符（U+0000）", "contains a NUL character")],
    )


class StrictParser(Parser):
    def parse_body(self, request):
        data = json.loads(request.body)
        found = nul_path(data)
        if found:
            raise nul_error(found)  # ninja wraps it in HttpError(400); errors.install unwraps it again
        return data

    def parse_querydict(self, data, list_fields, request):
        # Also called with request.FILES: uploaded files are not text (`in` would read them line by line);
        # Django already drops non-printable characters from their names.
        for key, values in data.lists():
            if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
                raise nul_error(key.replace("\x00", ""))
        return super().parse_querydict(data, list_fields, request)

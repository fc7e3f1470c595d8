"""Checks of the facts that identify an enterprise: credit code, registered region, industry.

Shared by registration, the profile editor and the Excel import so each says the same thing
about the same mistake. The GB 32100 check character itself is the engine's (one implementation).
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from portal.assessments import engine

LEVEL_ZH = {
    "province": gettext_noop("省级"),
    "city": gettext_noop("地市级"),
    "county": gettext_noop("区县级"),
}
CREDIT_CHARS = set("0123456789ABCDEFGHJKLMNPQRTUWXY")


def normalise_code(value) -> str:
    """Upper-case, without spaces, full-width letters and digits folded to ASCII."""
    text = "" if value is None else str(value)
    text = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in text)
    return "".join(text.split()).upper()


def credit_code_problem(code: str) -> str | None:
    """Why this 统一社会信用代码 is not acceptable, or None."""
    if not code:
        return gettext("请填写统一社会信用代码")
    if len(code) != 18:
        return gettext("统一社会信用代码应为 18 位（现为 %(n)s 位）") % {"n": len(code)}
    if any(c not in CREDIT_CHARS for c in code):
        return gettext("统一社会信用代码含有不允许的字符（只用数字和大写字母，不含 I、O、S、V、Z）")
    if not engine.credit_code_valid(code):
        return gettext("统一社会信用代码校验位不正确，请核对营业执照上的 18 位代码")
    return None


def region_problem(code: str) -> str | None:
    """Why this is not a county-level GB/T 2260 code an enterprise can be registered in, or None."""
    if not code:
        return gettext("请选择注册地（到区县一级）")
    if len(code) != 6 or not code.isdigit():
        return gettext("应为 6 位数字的行政区划代码（如 330106）")
    found = engine.region(code)
    if found is None:
        return gettext("未知的行政区划代码 %(code)s") % {"code": code}
    name, level = found
    if level != "county":
        return gettext("请选择到区县一级（%(name)s为%(level)s行政区）") % {
            "name": name,
            "level": gettext(LEVEL_ZH.get(level, level)),
        }
    return None


def industry_problem(code: str) -> str | None:
    if not code:
        return gettext("请填写国民经济行业代码")
    if engine.industry_name(code) is None:
        return gettext("未知的行业代码 %(code)s（应为 GB/T 4754-2017 代码，如 C3484）") % {"code": code}
    return None


def region_name(code: str) -> str:
    found = engine.region(code or "")
    return found[0] if found else (code or "")


def industry_label(code: str) -> str:
    name = engine.industry_name(code or "")
    return f"{code} {name}" if name else (code or "")

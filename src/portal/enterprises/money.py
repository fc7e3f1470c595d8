"""Money and ratios between what people type (万元, %) and what the profile stores (yuan, fractions).

Why a module: a finance manager enters 1234.5678 万元 and the document must hold exactly
12345678 yuan, never 12345677.999999998. Everything goes through Decimal; the JSON number is an
int when whole, else a float whose shortest text is the exact decimal (checked, not assumed).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext

WAN = Decimal(10000)
MAX_WAN_PLACES = 6  # 0.000001 万元 = 0.01 元: exact to the fen


class NumberError(ValueError):
    """A typed value that cannot become a number; the message is Chinese and says what to type."""


def parse_decimal(value, *, unit: str = "") -> Decimal | None:
    """A number from a form or a spreadsheet cell; None when blank (unknown, never 0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NumberError(gettext("必须为数字"))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        if unit:
            text = text.removesuffix(unit).strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            message = (
                gettext("必须为数字（单位：%(unit)s）") % {"unit": gettext(unit)}
                if unit
                else gettext("必须为数字")
            )
            raise NumberError(message) from None
    if not number.is_finite():
        raise NumberError(gettext("必须为数字"))
    return number


def places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_wan(value) -> Decimal | None:
    """An amount in 万元 with at most 6 decimals (to the fen); None when blank."""
    number = parse_decimal(value, unit="万元")
    if number is not None and places(number) > MAX_WAN_PLACES:
        raise NumberError(
            gettext("最多保留 %(places)s 位小数（单位：万元，精确到分）") % {"places": MAX_WAN_PLACES}
        )
    return number


def json_number(number: Decimal) -> int | float:
    """The JSON form of an exact decimal: int when whole, else a float that prints back as the same decimal."""
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    if Decimal(repr(as_float)) != number:
        raise NumberError(gettext("数值位数过多，无法精确保存，请减少有效数字"))
    return as_float


def wan_to_yuan(wan: Decimal) -> int | float:
    """万元 × 10000, exactly: 1234.5678 → 12345678."""
    return json_number(wan * WAN)


def to_decimal(value) -> Decimal | None:
    """A stored JSON number as the exact Decimal it stands for (None when it is not a number)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    try:
        number = (
            value if isinstance(value, Decimal) else Decimal(value if isinstance(value, int) else str(value))
        )
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def plain(number: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros: 1E+3 → 1000, 1.50 → 1.5."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def yuan_to_wan(yuan) -> str:
    """Stored yuan as the 万元 text the editor shows back ('' when unknown)."""
    amount = to_decimal(yuan)
    return "" if amount is None else plain(amount / WAN)


def number_text(value) -> str:
    """A stored plain number as people type it ('' when unknown)."""
    number = to_decimal(value)
    return "" if number is None else plain(number)


def parse_percent(value) -> Decimal | None:
    """A share typed in percent (15 = 15%), 0 to 100, as the fraction the profile stores (0.15)."""
    number = parse_decimal(value, unit="%")
    if number is None:
        return None
    if number < 0 or number > 100:
        raise NumberError(gettext("须在 0 到 100 之间（单位：%）"))
    if places(number) > 4:
        raise NumberError(gettext("最多保留 4 位小数"))
    return number / 100


def percent_text(fraction) -> str:
    """A stored fraction (0.15) as the percent text people type (15)."""
    value = to_decimal(fraction)
    return "" if value is None else plain(value * 100)

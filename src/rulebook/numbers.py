"""Exact numbers: money, ratios and band edges are Fractions, never floats.

Why: "研发费用占比不低于 3%" must pass at exactly 3%; a float epsilon would let
2.9999999% pass or 3% fail. JSON numbers are read through their decimal text.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

# no figure of an enterprise comes near it in yuan, people or items; beyond it a number is a typo (a unit entered twice,
# digits repeated), would overflow the float costs of the gap search and the integer columns of screening
MAX_MAGNITUDE = 10**15
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")  # "12,000,000.50"


def to_fraction(value) -> Fraction | None:
    """Turn a JSON/YAML number or numeric string into an exact Fraction; None if it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Fraction(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    if isinstance(value, str):
        text = value.strip()
        if "," in text and not THOUSANDS.fullmatch(text.removesuffix("%")):
            return None  # "12,00,0" is no number: a separator in the wrong place is a typo, not a thousand
        text = text.replace(",", "")
        percent = text.endswith("%")
        if percent:
            text = text[:-1]
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        if not number.is_finite():
            return None
        return Fraction(number) / (100 if percent else 1)
    return None


def total(values) -> Fraction:
    """The exact sum of Fractions, whole ones added as integers (points are mostly whole: a score is summed
    thousands of times in a screening's gap plans, and Fraction addition reduces by a gcd at every step)."""
    whole, rest = 0, Fraction(0)
    for v in values:
        if v.denominator == 1:
            whole += v.numerator
        else:
            rest += v
    return rest + whole


def to_json_number(value: Fraction):
    """An int when whole, else a float rounded to 6 decimals for display in JSON."""
    if value.denominator == 1:
        return value.numerator
    return round(float(value), 6)


def fmt_percent(value: Fraction, digits: int = 2) -> str:
    return f"{float(value) * 100:.{digits}f}%"


def fmt_wan(value: Fraction) -> str:
    """Yuan shown as 万元, the unit officials and finance managers use; exact (a figure entered to the fen keeps it)."""
    wan = Decimal(value.numerator) / Decimal(value.denominator) / Decimal(10000)
    text = f"{wan:,.6f}".rstrip("0").rstrip(".")  # exact to the fen: 1 yuan is 0.0001 万元, never "0 万元"
    return f"{text} 万元"


def fmt_yuan(value: Fraction) -> str:
    """Yuan for English text: 3,333,333.34 yuan."""
    amount = Decimal(value.numerator) / Decimal(value.denominator)
    text = f"{amount:,.2f}".removesuffix(".00")
    return f"{text} yuan"


def fmt_number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.4g}"


def ceil_fraction(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)

"""Unified social credit codes (统一社会信用代码) that pass every check a real one does.

GB 32100-2015: 1 registration authority + 1 organisation type + 6 region digits (GB/T 2260)
+ 9 organisation-code characters (GB 11714, its last character a check digit) + 1 check
character over the first 17. The demo writes codes that a registry clerk, the rules engine
(rulebook.profile.credit_code_valid) and the enterprises app's validator all accept.

This is the demo's own implementation, kept in the demo package on purpose: the demo must
not depend on how another app validates, and the test compares the two.
"""

from __future__ import annotations

import random

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 character set (no I O S V Z)
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^(i) mod 31

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997 organisation code


def check_character(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 whose first 17 characters are given."""
    if len(first17) != 17 or any(c not in CHARSET for c in first17):
        raise ValueError(f"统一社会信用代码前 17 位须由 GB 32100 字符组成：{first17!r}")
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def organisation_check(body8: str) -> str:
    """The 9th character of a GB 11714 organisation code (digits and A–Z count 0–35)."""
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def is_valid(code: str) -> bool:
    """True when `code` is 18 characters of the GB 32100 set with the right check character."""
    return len(code) == 18 and all(c in CHARSET for c in code) and check_character(code[:17]) == code[17]


def make_credit_code(rng: random.Random, region: str) -> str:
    """A company's code ('9' 工商, '1' 企业) registered in `region`, with both check characters right.

    Newer codes carry organisation codes starting 'MA' (assigned since 2015); the body draws
    only characters that are valid in both standards, so the whole code stays in the charset.
    """
    if len(region) != 6 or not region.isdigit():
        raise ValueError(f"行政区划代码须为 6 位数字：{region!r}")
    body_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        body = "MA" + "".join(rng.choice(body_chars) for _ in range(6))
        org_check = organisation_check(body)
        if org_check in CHARSET:  # 'X' and digits always are; kept explicit for clarity
            break
    first17 = "91" + region + body + org_check
    return first17 + check_character(first17)


def make_institution_code(rng: random.Random, region: str, *, public: bool) -> str:
    """A service institution's code: '12' (机构编制, 事业单位) for a public agency, else a company's ('91')."""
    if not public:
        return make_credit_code(rng, region)
    if len(region) != 6 or not region.isdigit():
        raise ValueError(f"行政区划代码须为 6 位数字：{region!r}")
    body = "4" + "".join(rng.choice("0123456789") for _ in range(7))  # pre-2015 organisation codes: digits
    first17 = "12" + region + body + organisation_check(body)
    return first17 + check_character(first17)

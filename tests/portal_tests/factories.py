"""Named personas and enterprises for the portal tests (real models, real database, no mocks).

Two provincial hierarchies: 浙江 330000 → 杭州 330100 → 西湖区 330106 / 余杭区 330110, and
四川 510000 → 成都 510100 → 武侯区 510107; 德阳 510600 → 旌阳区 510603.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.enterprises.models import Enterprise

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PASSWORD = "zjtx-test-pass-1"


def example_profile(name: str = "manufacturer") -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def make_enterprise(
    name: str = "杭州精工减速机有限公司",
    region: str = "330106",
    credit_code: str | None = None,
    profile: dict | None = None,
    example: str = "manufacturer",
) -> Enterprise:
    doc = copy.deepcopy(profile if profile is not None else example_profile(example))
    doc["name"] = name
    doc["region"] = region
    if credit_code:
        doc["credit_code"] = credit_code
    code = doc.get("credit_code") or credit_code
    return Enterprise.objects.create(
        name=name, credit_code=code, region=region, industry=doc.get("industry", ""), profile=doc
    )


def make_user(
    username: str,
    role: Role,
    region_code: str = "",
    enterprise: Enterprise | None = None,
    full_name: str = "",
) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        region_code=region_code,
        enterprise=enterprise,
        first_name=full_name,
    )
    return user


def officials() -> dict[str, User]:
    """An official at every level of the Zhejiang hierarchy, plus out-of-region peers in Sichuan."""
    return {
        "national": make_user("gov-national", Role.NATIONAL, "", full_name="工信部中小企业局 王处长"),
        "zj_province": make_user("gov-zj", Role.PROVINCE, "330000", full_name="浙江省经信厅 李科长"),
        "hz_city": make_user("gov-hz", Role.CITY, "330100", full_name="杭州市经信局 张科员"),
        "xh_county": make_user("gov-xh", Role.COUNTY, "330106", full_name="西湖区经信局 陈科员"),
        "yh_county": make_user("gov-yh", Role.COUNTY, "330110", full_name="余杭区经信局 刘科员"),
        "sc_province": make_user("gov-sc", Role.PROVINCE, "510000", full_name="四川省经信厅 赵科长"),
        "cd_city": make_user("gov-cd", Role.CITY, "510100", full_name="成都市经信局 孙科员"),
    }

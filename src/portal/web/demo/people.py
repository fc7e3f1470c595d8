"""Demo officials, the admin, ~60 enterprises with one user each, and the chain leader.

Enterprises are written with the ORM (plus the same "enterprise.registered" audit row that
enterprises.actions.register_enterprise writes), not through register_enterprise itself: that
function hashes each password with PBKDF2, and 60 hashes would add a minute to `make run`.
All demo accounts share one password, hashed once.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from faker import Faker

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.assessments import engine
from portal.audit.record import record
from portal.enterprises.models import Enterprise

from . import catalogue, profiles
from .credit import make_credit_code

# Archetype counts per province (浙江, 四川, the rest): enough of each for every story in stories.py.
PLAN = {
    "33": {"little_giant": 4, "specialized": 13, "tech_innovative": 7, "none": 2, "missing": 2},
    "51": {"little_giant": 4, "specialized": 7, "tech_innovative": 4, "none": 3, "missing": 2},
    "": {"little_giant": 1, "specialized": 2, "tech_innovative": 3, "none": 4, "missing": 2},
}
# Words Faker puts in company prefixes that would clash with our industry word.
_NOT_A_TRADE_NAME = ("科技", "电子", "软件", "网络", "信息", "计算机", "数码", "数字", "传媒", "通讯", "时代")


@dataclass
class DemoEnterprise:
    enterprise: Enterprise
    user: User
    archetype: str


def _province_key(county: str) -> str:
    return county[:2] if county[:2] in PLAN else ""


def _trade_name(fake: Faker, rng: random.Random, used: set[str]) -> str:
    for _ in range(50):
        if rng.random() < 0.5:
            word = fake.company_prefix()
            if (
                len(word) != 2
                or any(w in word for w in _NOT_A_TRADE_NAME)
                or not all("\u4e00" <= c <= "\u9fff" for c in word)
            ):
                continue
        else:
            word = rng.choice(catalogue.TRADE_NAME_FIRST) + rng.choice(catalogue.TRADE_NAME_SECOND)
        if word not in used:
            used.add(word)
            return word
    raise RuntimeError("演示数据：字号已用尽，请增加 catalogue.TRADE_NAME_FIRST / SECOND")


def _check_codes() -> None:
    regions, industries = engine.regions(), engine.industries()
    for county in catalogue.COUNTIES:
        if regions.get(county, (None, None))[1] != "county":
            raise RuntimeError(
                f"演示数据：行政区划代码 {county} 不是现行的区县代码，请修改 demo/catalogue.py"
            )
    for lines in catalogue.LINES.values():
        for line in lines:
            if line.code not in industries:
                raise RuntimeError(
                    f"演示数据：行业代码 {line.code} 不在 GB/T 4754-2017 中，请修改 demo/catalogue.py"
                )


def _staff_user(person: catalogue.Official, password_hash: str) -> User:
    is_admin = person.role == Role.ADMIN
    user = User(
        username=person.username,
        role=person.role,
        region_code=person.region,
        first_name=person.name,
        organisation=person.organisation,
        is_staff=is_admin,
        is_superuser=is_admin,
        password=password_hash,
    )
    user.save()
    return user


def make_staff(password_hash: str, *, include_admin: bool = True) -> dict[str, User]:
    """Officials (and the admin), keyed by username; providers register themselves (network.py)."""
    people = (*catalogue.OFFICIALS, *((catalogue.ADMIN,) if include_admin else ()))
    return {p.username: _staff_user(p, password_hash) for p in people}


def make_admin(password_hash: str) -> User:
    return _staff_user(catalogue.ADMIN, password_hash)


def make_enterprises(
    rng: random.Random, fake: Faker, today: dt.date, password_hash: str
) -> list[DemoEnterprise]:
    """The enterprises of catalogue.COUNTIES, each with a validated profile and one user (ent-01 …)."""
    _check_codes()
    # Deal each province's archetypes out over its counties in a seeded order.
    decks: dict[str, list[str]] = {}
    for key, counts in PLAN.items():
        deck = [arch for arch, n in counts.items() for _ in range(n)]
        rng.shuffle(deck)
        decks[key] = deck
    used_names: set[str] = set()
    used_codes: set[str] = set()
    out: list[DemoEnterprise] = []
    number = 0
    for county, count in catalogue.COUNTIES.items():
        for _ in range(count):
            number += 1
            archetype = decks[_province_key(county)].pop()
            line = rng.choice(catalogue.LINES[archetype])
            city = catalogue.CITY_SHORT[county[:4]]
            name = f"{city}{_trade_name(fake, rng, used_names)}{line.word}{line.suffix}"
            code = make_credit_code(rng, county)
            while code in used_codes:
                code = make_credit_code(rng, county)
            used_codes.add(code)
            doc = profiles.make_profile(
                rng, archetype, today, name=name, credit_code=code, region=county, line=line
            )
            try:
                engine.validate(doc, today=today)
            except engine.ProfileInvalid as exc:
                raise RuntimeError(f"演示数据：企业“{name}”的画像未通过校验：{exc}") from None
            enterprise = Enterprise.objects.create(
                name=name, credit_code=code, region=county, industry=line.code, profile=doc
            )
            user = User(
                username=f"ent-{number:02d}",
                role=Role.ENTERPRISE,
                enterprise=enterprise,
                first_name=fake.name(),
                phone=fake.phone_number(),
                organisation=name,
                password=password_hash,
            )
            user.save()
            record(
                user,
                "enterprise.registered",
                enterprise,
                to_state="registered",
                region_code=county,
                credit_code=code,
                username=user.username,
                source="demo",
            )
            out.append(DemoEnterprise(enterprise, user, archetype))
    for key, deck in decks.items():
        if deck:
            raise RuntimeError(
                f"演示数据：PLAN[{key!r}] 与 catalogue.COUNTIES 的企业数不一致（余 {len(deck)} 家）"
            )
    return out


def make_leader(rng: random.Random, fake: Faker, today: dt.date, password_hash: str) -> DemoEnterprise:
    """The chain leader (catalogue.LEADER): a large manufacturer with one purchasing user."""
    spec = catalogue.LEADER
    county = spec.county
    name = f"{catalogue.CITY_SHORT[county[:4]]}{spec.trade_name}{spec.line.word}{spec.line.suffix}"
    taken = set(Enterprise.objects.values_list("credit_code", flat=True))
    code = make_credit_code(rng, county)
    while code in taken:
        code = make_credit_code(rng, county)
    doc = profiles.leader(rng, today, name, code, county, spec.line)
    try:
        engine.validate(doc, today=today)
    except engine.ProfileInvalid as exc:
        raise RuntimeError(f"演示数据：链主企业“{name}”的画像未通过校验：{exc}") from None
    enterprise = Enterprise.objects.create(
        name=name, credit_code=code, region=county, industry=spec.line.code, profile=doc
    )
    user = User(
        username=spec.username,
        role=Role.ENTERPRISE,
        enterprise=enterprise,
        first_name=spec.contact,
        phone=fake.phone_number(),
        organisation=name,
        password=password_hash,
    )
    user.save()
    record(
        user,
        "enterprise.registered",
        enterprise,
        to_state="registered",
        region_code=county,
        credit_code=code,
        username=user.username,
        source="demo",
    )
    return DemoEnterprise(enterprise, user, "leader")


def password_hash(password: str) -> str:
    return make_password(password)

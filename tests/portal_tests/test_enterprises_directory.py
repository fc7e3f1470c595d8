"""The officials' directory: only their region, searchable, filterable, paginated; out of scope is 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.roles import Role

from .factories import make_enterprise, make_user
from .test_enterprises import with_check

DETAIL_LINK = re.compile(r'href="/enterprise/\d+/"')


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def three(hz_enterprise):
    yh = make_enterprise(
        "余杭云栖软件有限公司",
        region="330110",
        credit_code=with_check("91330110MA2H8K9L3"),
        example="software-firm",
    )
    cd = make_enterprise(
        "成都锦江精密机械有限公司", region="510107", credit_code=with_check("91510107MA6C3X1Y2")
    )
    return hz_enterprise, yh, cd


def names(response) -> str:
    return response.content.decode()


def test_each_official_sees_only_their_region(gov, three):
    hz, yh, cd = three
    url = reverse("enterprises:directory")
    xh = names(client_for(gov["xh_county"]).get(url))
    assert hz.name in xh and yh.name not in xh and cd.name not in xh
    city = names(client_for(gov["hz_city"]).get(url))
    assert hz.name in city and yh.name in city and cd.name not in city
    assert "管辖范围：浙江省杭州市" in city and "共 2 家企业" in city
    sc = names(client_for(gov["sc_province"]).get(url))
    assert cd.name in sc and hz.name not in sc
    national = names(client_for(gov["national"]).get(url))
    assert all(e.name in national for e in three) and "管辖范围：全国" in national


def test_out_of_region_detail_is_404_not_403(gov, three):
    hz, _yh, cd = three
    yh_official = client_for(gov["yh_county"])
    assert yh_official.get(reverse("enterprises:detail", args=[hz.pk])).status_code == 404
    assert hz.name not in names(yh_official.get(reverse("enterprises:directory"), {"q": "精工"}))
    assert client_for(gov["cd_city"]).get(reverse("enterprises:detail", args=[hz.pk])).status_code == 404
    assert client_for(gov["hz_city"]).get(reverse("enterprises:detail", args=[cd.pk])).status_code == 404
    response = client_for(gov["hz_city"]).get(reverse("enterprises:detail", args=[hz.pk]))
    assert response.status_code == 200 and hz.name in names(response)


def test_an_enterprise_sees_only_its_own_detail(hz_owner, three):
    hz, yh, _cd = three
    c = client_for(hz_owner)
    assert c.get(reverse("enterprises:detail", args=[hz.pk])).status_code == 200
    assert c.get(reverse("enterprises:detail", args=[yh.pk])).status_code == 404
    assert c.get(reverse("enterprises:directory")).url == reverse("enterprises:profile")


def test_search_by_name_or_credit_code(gov, three):
    hz, yh, _cd = three
    c = client_for(gov["zj_province"])
    url = reverse("enterprises:directory")
    by_name = names(c.get(url, {"q": "云栖"}))
    assert yh.name in by_name and hz.name not in by_name
    by_code = names(c.get(url, {"q": hz.credit_code[:10].lower()}))
    assert hz.name in by_code and yh.name not in by_code


def test_filter_by_area_and_industry_section(gov, three):
    hz, yh, _cd = three
    c = client_for(gov["zj_province"])
    url = reverse("enterprises:directory")
    county = names(c.get(url, {"area": "330110"}))
    assert yh.name in county and hz.name not in county
    city = names(c.get(url, {"area": "330100"}))
    assert yh.name in city and hz.name in city
    software = names(c.get(url, {"section": "I"}))
    assert yh.name in software and hz.name not in software
    page = names(c.get(url))
    assert '<option value="330100">浙江省杭州市</option>' in page
    assert '<option value="330106">浙江省杭州市西湖区</option>' in page
    assert 'value="510100"' not in page


def test_an_area_outside_scope_shows_nothing(gov, three):
    _hz, _yh, cd = three
    page = names(client_for(gov["hz_city"]).get(reverse("enterprises:directory"), {"area": "510107"}))
    assert cd.name not in page and "没有符合条件的企业。" in page


def test_directory_is_paginated(gov, hz_enterprise):
    for i in range(24):
        make_enterprise(
            f"西湖测试企业{i:02d}有限公司", region="330106", credit_code=with_check(f"91330106MA2T{i:05d}")
        )
    c = client_for(gov["xh_county"])
    first = names(c.get(reverse("enterprises:directory")))
    assert "共 25 家企业" in first and "第 1 / 2 页" in first and len(DETAIL_LINK.findall(first)) == 20
    second = names(c.get(reverse("enterprises:directory"), {"page": 2}))
    assert "第 2 / 2 页" in second and len(DETAIL_LINK.findall(second)) == 5


def test_enterprise_users_without_an_enterprise_and_providers_are_refused(db):
    provider = make_user("provider-1", Role.PROVIDER)
    response = client_for(provider).get(reverse("enterprises:directory"))
    assert response.status_code == 403 and "企业名录仅供主管部门使用。" in response.content.decode()


@pytest.mark.django_db
def test_the_directory_order_has_an_index():
    """The directory pages by (name, id): without an index each page sorts the region's whole table."""
    from django.db import connection

    from portal.enterprises.models import Enterprise

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Enterprise._meta.db_table)
    assert any(c["index"] and c["columns"][:2] == ["name", "id"] for c in found.values())

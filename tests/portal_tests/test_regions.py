"""The picker endpoints answer from the engine's code lists: children, search by name, industries."""

from pathlib import Path

from django.urls import reverse


def test_no_parent_lists_the_provinces(client):
    items = client.get(reverse("regions:children")).json()["items"]
    names = {i["code"]: i["name"] for i in items}
    assert names["330000"] == "浙江省" and names["110000"] == "北京市"
    assert all(i["level"] == "province" for i in items)
    assert len(items) == 34


def test_children_of_a_province_and_a_city(client):
    cities = client.get(reverse("regions:children"), {"parent": "330000"}).json()["items"]
    assert {
        "code": "330100",
        "name": "杭州市",
        "full_name": "浙江省杭州市",
        "level": "city",
        "leaf": False,
    } in cities
    counties = client.get(reverse("regions:children"), {"parent": "330100"}).json()["items"]
    assert {
        "code": "330106",
        "name": "西湖区",
        "full_name": "浙江省杭州市西湖区",
        "level": "county",
        "leaf": True,
    } in counties
    assert all(c["code"].startswith("3301") for c in counties)


def test_municipality_districts_hang_directly_under_it(client):
    items = client.get(reverse("regions:children"), {"parent": "110000"}).json()["items"]
    assert {
        "code": "110108",
        "name": "海淀区",
        "full_name": "北京市海淀区",
        "level": "county",
        "leaf": True,
    } in items


def test_unknown_parent_is_404_with_a_message(client):
    response = client.get(reverse("regions:children"), {"parent": "999999"})
    assert response.status_code == 404
    assert response.json()["error"] == "未知的行政区划代码 999999"


def test_region_search_by_name_gives_full_names(client):
    items = client.get(reverse("regions:search"), {"q": "西湖区"}).json()["items"]
    full = {i["code"]: i["full_name"] for i in items}
    assert full["330106"] == "浙江省杭州市西湖区"
    assert full["360103"] == "江西省南昌市西湖区"
    assert client.get(reverse("regions:search"), {"q": ""}).json()["items"] == []


def test_industry_search_by_code_and_name_all_levels(client):
    by_code = client.get(reverse("regions:industries"), {"q": "c348"}).json()["items"]
    codes = [i["code"] for i in by_code]
    assert codes[0] == "C348" and "C3484" in codes
    c3484 = next(i for i in by_code if i["code"] == "C3484")
    assert c3484["name"] == "机械零部件加工" and c3484["level"] == 4 and c3484["section"] == "C"
    by_name = client.get(reverse("regions:industries"), {"q": "软件开发"}).json()["items"]
    assert {
        "code": "I651",
        "name": "软件开发",
        "level": 3,
        "section": "I",
        "label": "I651 软件开发",
    } in by_name
    sections = client.get(reverse("regions:industries"), {"q": "C"}).json()["items"]
    assert sections[0] == {"code": "C", "name": "制造业", "level": 1, "section": "C", "label": "C 制造业"}


def test_htmx_request_gets_option_fragment(client):
    response = client.get(reverse("regions:children"), {"parent": "330100"}, headers={"HX-Request": "true"})
    text = response.content.decode()
    assert '<option value="330106" data-leaf="1">西湖区</option>' in text


def test_pickers_script_is_served_without_cdn(client):
    from django.contrib.staticfiles import finders

    path = finders.find("portal/pickers.js")
    text = Path(path).read_text(encoding="utf-8")
    assert "data-region-picker" in text and "data-industry-search" in text
    assert "http://" not in text and "https://" not in text

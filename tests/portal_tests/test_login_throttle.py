"""Repeated wrong passwords lock the user name for a while, on the site's login page and on /admin/login/."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from portal.accounts.roles import Role

from .factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def login(client, username, password, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_name_even_for_the_right_password(client):
    make_user("gov-xh", Role.COUNTY, region_code="330106")
    for _ in range(5):
        assert login(client, "gov-xh", "guess").status_code == 200
    resp = login(client, "gov-xh", PASSWORD)
    assert not signed_in(client)
    assert "登录失败次数过多" in resp.content.decode()
    # Another name is not affected.
    make_user("gov-yh", Role.COUNTY, region_code="330110")
    login(client, "gov-yh", PASSWORD)
    assert signed_in(client)


def test_the_lock_ends_and_a_success_resets_the_count(client):
    make_user("gov-xh", Role.COUNTY, region_code="330106")
    for _ in range(4):
        login(client, "gov-xh", "guess")
    login(client, "gov-xh", PASSWORD)
    assert signed_in(client)
    client.logout()
    for _ in range(4):  # counting starts again after a success
        login(client, "gov-xh", "guess")
    login(client, "gov-xh", PASSWORD)
    assert signed_in(client)
    client.logout()
    for _ in range(5):
        login(client, "GOV-XH", "guess")  # the case of the name does not make a new count
    cache.clear()  # the lock has expired
    login(client, "gov-xh", PASSWORD)
    assert signed_in(client)


def test_the_admin_login_is_locked_too(client):
    admin = make_user("admin", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    for _ in range(5):
        login(client, "admin", "guess", url="/admin/login/")
    resp = login(client, "admin", PASSWORD, url="/admin/login/")
    assert resp.status_code == 200 and not signed_in(client)

"""Repeated wrong passwords lock the user name for a while, on the site's login page and on /admin/login/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from portal.accounts.models import LoginFailure
from portal.accounts.roles import Role

from .factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


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
    cache.clear()  # the count is not in a process's cache: every gunicorn worker sees it
    login(client, "gov-xh", PASSWORD)
    assert not signed_in(client) and LoginFailure.objects.get(name="gov-xh").count == 5
    expired = timezone.now() - dt.timedelta(minutes=16)
    LoginFailure.objects.filter(name="gov-xh").update(last_at=expired)  # the lock has expired
    login(client, "gov-xh", PASSWORD)
    assert signed_in(client) and not LoginFailure.objects.exists()


def test_the_admin_login_is_locked_too(client):
    admin = make_user("admin", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    for _ in range(5):
        login(client, "admin", "guess", url="/admin/login/")
    resp = login(client, "admin", PASSWORD, url="/admin/login/")
    assert resp.status_code == 200 and not signed_in(client)


def test_a_user_changes_their_password_and_other_sessions_end(client):
    """Before, there was no way to replace the initial password an administrator handed out, nor to end a
    session someone else had obtained: the old password and every session stayed valid."""
    from django.test import Client

    user = make_user("gov-xh", Role.COUNTY, region_code="330106")
    elsewhere = Client()
    elsewhere.force_login(user)
    assert elsewhere.get("/cultivation/queue/").status_code == 200
    client.force_login(user)
    assert client.get("/accounts/password/").status_code == 200
    refused = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "Xh-new-pass-2026", "new_password2": "Xh-new-pass-2026"},
    )
    assert refused.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    done = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Xh-new-pass-2026", "new_password2": "Xh-new-pass-2026"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Xh-new-pass-2026")
    assert client.get("/cultivation/queue/").status_code == 200  # this session goes on
    assert elsewhere.get("/cultivation/queue/").status_code == 302  # the other one is signed out


def test_visitors_cannot_change_a_password(client):
    assert client.get("/accounts/password/").status_code == 302


def test_a_right_password_refused_by_the_admin_does_not_count(client):
    """An official who is not staff and tries /admin/ with the right password is refused there, but is not
    locked out of the site for it."""
    make_user("gov-xh", Role.COUNTY, region_code="330106")
    for _ in range(6):
        login(client, "gov-xh", PASSWORD, url="/admin/login/")
    assert not signed_in(client)
    login(client, "gov-xh", PASSWORD)
    assert signed_in(client)


def test_an_administrator_lifts_a_lock_in_the_admin(client):
    make_user("gov-xh", Role.COUNTY, region_code="330106")
    for _ in range(5):
        login(client, "gov-xh", "guess")
    admin = make_user("admin-2", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get("/admin/accounts/loginfailure/").content.decode()
    assert "gov-xh" in page
    row = LoginFailure.objects.get()
    client.post(f"/admin/accounts/loginfailure/{row.pk}/delete/", {"post": "yes"})
    client.logout()
    login(client, "gov-xh", PASSWORD)
    assert signed_in(client)


def test_old_counts_do_not_pile_up(client):
    """Every guess at a made-up user name left a row for good."""
    for n in range(3):
        login(client, f"nobody-{n}", "guess")
    LoginFailure.objects.update(last_at=timezone.now() - dt.timedelta(minutes=16))
    login(client, "nobody-new", "guess")
    assert list(LoginFailure.objects.values_list("name", flat=True)) == ["nobody-new"]


def test_a_deactivated_account_is_told_so_only_with_its_right_password(client):
    """A deactivated user was told the password was wrong (and each try counted towards the lock)."""
    user = make_user("ent-left", Role.ENTERPRISE)
    user.is_active = False
    user.save()
    page = login(client, "ent-left", PASSWORD).content.decode()
    assert "该账户已停用，不能登录" in page and not signed_in(client)
    assert not LoginFailure.objects.exists()
    wrong = login(client, "ent-left", "guess").content.decode()
    assert "该账户已停用" not in wrong  # a guesser learns nothing

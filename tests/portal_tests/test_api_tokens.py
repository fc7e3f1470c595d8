"""API tokens: created on the page (secret shown once, only its hash stored), used as Bearer, revoked → 401.

Also home of the small `Api` client the other test_api_* files use.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.roles import Role
from portal.api.actions import issue_token
from portal.api.models import ApiToken, hash_secret
from portal.audit.models import AuditEntry

from .factories import PASSWORD, make_user


class Api:
    """A test client speaking JSON with one user's bearer token (or none)."""

    def __init__(self, user=None, secret: str | None = None):
        self.client = Client()
        self.secret = secret
        if user is not None and secret is None:
            _token, self.secret = issue_token(user, "测试")

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"} if self.secret else {}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self._headers())

    def post(self, path, data=None, params=""):
        return self.client.post(
            path + params,
            json.dumps(data if data is not None else {}),
            content_type="application/json",
            **self._headers(),
        )

    def put(self, path, data):
        return self.client.put(path, json.dumps(data), content_type="application/json", **self._headers())

    def delete(self, path):
        return self.client.delete(path, **self._headers())

    def upload(self, path, file=None, description: str | None = None):
        """multipart/form-data, as `curl -F file=@… -F description=…` sends it."""
        data = {}
        if file is not None:
            data["file"] = file
        if description is not None:
            data["description"] = description
        return self.client.post(path, data, **self._headers())


def test_page_creates_token_shows_secret_once_and_stores_only_its_hash(hz_owner):
    c = Client()
    c.login(username=hz_owner.username, password=PASSWORD)
    page = c.get(reverse("api:tokens"))
    assert page.status_code == 200
    assert "您还没有创建任何令牌。" in page.content.decode()

    created = c.post(reverse("api:tokens"), {"name": "财务系统对接"})
    html = created.content.decode()
    assert created.status_code == 200
    assert "此令牌只显示这一次" in html
    token = ApiToken.objects.get(user=hz_owner)
    secret = html.split('id="api-secret" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("zjtx_") and secret.startswith(token.prefix)
    assert token.key_hash == hash_secret(secret)
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert AuditEntry.objects.filter(action="api.token_created", target_id=str(token.pk)).exists()

    again = c.get(reverse("api:tokens")).content.decode()
    assert "财务系统对接" in again and secret not in again and f"{token.prefix}…" in again

    me = Api(secret=secret).get("/api/me")
    assert me.status_code == 200
    assert me.json()["username"] == hz_owner.username
    assert me.json()["enterprise_id"] == hz_owner.enterprise_id
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_page_rejects_an_empty_name_naming_the_field(hz_owner):
    c = Client()
    c.login(username=hz_owner.username, password=PASSWORD)
    r = c.post(reverse("api:tokens"), {"name": "  "})
    assert r.status_code == 422
    assert "名称（用途）：必填：请填写令牌名称" in r.content.decode()
    assert not ApiToken.objects.exists()


def test_page_requires_login():
    r = Client().get(reverse("api:tokens"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_revoked_token_gets_401_telling_what_to_do(hz_owner):
    api = Api(hz_owner)
    assert api.get("/api/me").status_code == 200
    token = ApiToken.objects.get(user=hz_owner)

    c = Client()
    c.login(username=hz_owner.username, password=PASSWORD)
    r = c.post(reverse("api:revoke_token", args=[token.pk]), follow=True)
    assert "已撤销，使用它的请求将被拒绝" in r.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="api.token_revoked", target_id=str(token.pk)).exists()

    denied = api.get("/api/me")
    assert denied.status_code == 401
    body = denied.json()
    assert body["code"] == "token_revoked"
    assert "已于" in body["message"] and "撤销" in body["message"] and "/api/tokens/" in body["message"]
    assert denied["WWW-Authenticate"].startswith("Bearer")


def test_someone_elses_token_cannot_be_revoked(hz_owner, gov):
    token, _secret = issue_token(hz_owner, "企业的令牌")
    c = Client()
    c.login(username=gov["hz_city"].username, password=PASSWORD)
    assert c.post(reverse("api:revoke_token", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    "header, code",
    [
        (None, "token_missing"),
        ("Bearer zjtx_not-a-real-token", "token_invalid"),
        ("Bearer ", "token_missing"),
        ("Basic dXNlcjpwYXNz", "token_missing"),
    ],
)
def test_missing_or_unknown_token_is_401_with_json(db, header, code):
    c = Client()
    r = c.get("/api/me", **({"HTTP_AUTHORIZATION": header} if header else {}))
    assert r.status_code == 401
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["code"] == code
    assert "/api/tokens/" in body["message"] and "Authorization: Bearer" in body["message"]


def test_token_of_a_disabled_account_is_refused(db):
    user = make_user("left-the-company", Role.CITY, "330100")
    api = Api(user)
    user.is_active = False
    user.save()
    r = api.get("/api/me")
    assert r.status_code == 401 and r.json()["code"] == "user_inactive"

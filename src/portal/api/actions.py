"""Issuing and revoking API tokens: the only place ApiToken rows change, each change audited."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from portal.actions import InvalidInput, NotAllowed
from portal.audit.record import record

from .models import ApiToken, hash_secret

SECRET_PREFIX = "zjtx_"
MAX_ACTIVE_TOKENS = 20
NAME_MAX = 100


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def issue_token(user, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns (row, secret). The secret is never stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(
            gettext("请填写令牌名称。"), [("name", gettext("必填：请填写令牌名称，例如“财务系统对接”"))]
        )
    if len(name) > NAME_MAX:
        raise InvalidInput(
            gettext("令牌名称过长。"), [("name", gettext("最多 %(n)s 个字符") % {"n": NAME_MAX})]
        )
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed(gettext("请先登录后再创建接口令牌。"))
    with transaction.atomic():
        if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
            raise NotAllowed(
                gettext("您已有 %(n)s 个有效令牌：请先撤销不再使用的令牌，再创建新令牌。")
                % {"n": MAX_ACTIVE_TOKENS}
            )
        secret = new_secret()
        token = ApiToken.objects.create(
            user=user, name=name, key_hash=hash_secret(secret), prefix=secret[: len(SECRET_PREFIX) + 6]
        )
        record(user, "api.token_created", token, to_state="active", region_code=user.region_code)
    return token, secret


def revoke_token(actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once; requests carrying it get 401 from now on."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise NotAllowed(gettext("令牌“%(name)s”不属于您，不能撤销。") % {"name": token.name})
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated != 1:
            raise NotAllowed(gettext("令牌“%(name)s”已撤销，无需重复操作。") % {"name": token.name})
        token.refresh_from_db()
        record(
            actor,
            "api.token_revoked",
            token,
            from_state="active",
            to_state="revoked",
            region_code=getattr(actor, "region_code", ""),
        )
    return token

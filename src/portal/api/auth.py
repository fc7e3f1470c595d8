"""Bearer-token authentication: the token names a user, and from then on the user's own role and scope apply."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja.security import HttpBearer

from .errors import ApiError
from .models import ApiToken, hash_secret

# last_used_at is written at most this often per token, so a busy client does not write on every request.
TOUCH_EVERY = dt.timedelta(minutes=1)

_WHAT_TO_DO = "请登录平台，在 /api/tokens/ 创建新令牌，并在请求头中发送 Authorization: Bearer <令牌>。"
_WHAT_TO_DO_EN = "Create a new token at /api/tokens/ and send it as 'Authorization: Bearer <token>'."


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        token = (token or "").strip()
        if not token:
            return None  # → 401 token_missing
        row = ApiToken.objects.select_related("user").filter(key_hash=hash_secret(token)).first()
        if row is None:
            raise ApiError(
                401, "token_invalid", "接口令牌无效。" + _WHAT_TO_DO, "Unknown API token. " + _WHAT_TO_DO_EN
            )
        if row.revoked_at is not None:
            raise ApiError(
                401,
                "token_revoked",
                f"接口令牌“{row.name}”（{row.prefix}…）已于 {timezone.localtime(row.revoked_at):%Y-%m-%d %H:%M} 撤销。"
                + _WHAT_TO_DO,
                "This API token has been revoked. " + _WHAT_TO_DO_EN,
            )
        if not row.user.is_active:
            raise ApiError(
                401,
                "user_inactive",
                "该令牌所属账号已停用，请联系平台管理员。",
                "The account owning this token is disabled; contact the platform administrator.",
            )
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        # Downstream code (history middleware, action functions) sees the token's user as the requester.
        request.user = row.user
        return row.user


token_auth = TokenAuth()

"""The NinjaAPI instance: token auth on every operation unless it says otherwise, one error shape everywhere."""

from __future__ import annotations

import functools

from django.utils import translation
from ninja import NinjaAPI, Router

from portal.accounts.roles import Role

from . import applications, assessment, errors, evidence, profiles
from .auth import token_auth
from .parser import StrictParser
from .schemas import Error, Me

DESCRIPTION = """\
专精特新一站式服务平台的 JSON 接口。认证：在 /api/tokens/ 创建个人令牌，请求头发送 `Authorization: Bearer <令牌>`。
权限与网页一致：企业用户只能访问本企业；主管部门只能访问本辖区；越权的对象一律返回 404。

错误格式：`{"code": "...", "message": "中文说明", "message_en": "...", "errors": [{"field": "...", "message": "..."}]}`。
401 令牌缺失、无效或已撤销；403 角色或当前状态不允许；404 不存在或不在管辖范围内；409 版本冲突（请重新读取后重试）；
413 请求体过大；422 输入有误（errors 逐字段列出）。不存在的路径和不支持的方法同样返回这种 JSON（404、405）。
上传佐证材料用 multipart/form-data（字段 file 和 description），其余请求体都是 JSON。
"""

# What each status means here, shown in the OpenAPI document instead of the bare HTTP phrase.
STATUS_TEXT = {
    "400": "请求体不是有效的 JSON 或 multipart/form-data，或操作无法完成 (bad request)",
    "401": "令牌缺失、无效或已撤销：在 /api/tokens/ 创建令牌 (missing, unknown or revoked token)",
    "403": "您的角色或对象当前状态不允许此操作 (not allowed for your role or in this state)",
    "404": "对象不存在或不在您的管辖范围内 (not found, or outside your scope)",
    "409": "版本冲突：他人已修改，请重新读取后用新版本号重试 (stale version)",
    "413": "请求体过大：超过平台的上限 (request body too large)",
    "422": "输入有误：errors 逐字段列出问题 (invalid input, one entry per field)",
}


class PortalAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for ops in schema["paths"].values():
            for op in ops.values():
                if "requestBody" in op:  # errors.too_large: Django refuses to read an oversized body
                    op["responses"].setdefault(
                        413,
                        {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    )
                for status, response in op.get("responses", {}).items():
                    if str(status) in STATUS_TEXT:  # ninja keys responses by int
                        response["description"] = STATUS_TEXT[str(status)]
        return schema


api = PortalAPI(
    title="专精特新一站式服务平台 API (zjtx)",
    version="1",
    description=DESCRIPTION,
    auth=token_auth,
    urls_namespace="api:v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=StrictParser(),
)
errors.install(api)


def _chinese(view):
    """The JSON API answers in one language whatever Accept-Language says: `message` and the *_label
    fields are Chinese (the contract), `message_en` is English; only the web pages follow the language switch."""

    @functools.wraps(view)
    def in_chinese(request, *args, **kwargs):
        with translation.override("zh-hans"):
            return view(request, *args, **kwargs)

    return in_chinese


api.add_decorator(_chinese, mode="view")

me_router = Router(tags=["账户 account"])


@me_router.get("/me", response={200: Me, 401: Error}, summary="当前令牌所属的用户")
def me(request):
    user = request.auth
    return {
        "username": user.username,
        "display_name": user.display_name(),
        "role": user.role,
        "role_label": str(Role(user.role).label) if user.role in Role.values else user.role,
        "region_code": user.region_code,
        "enterprise_id": user.enterprise_id,
    }


api.add_router("", me_router)
api.add_router("", assessment.router)
api.add_router("", profiles.router)
api.add_router("", applications.router)
api.add_router("", evidence.router)
api.add_router("", applications.public)

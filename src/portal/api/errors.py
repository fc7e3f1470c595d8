"""One error shape for every failure of the API, and the mapping from the portal's errors onto HTTP statuses.

Body: {"code", "message" (中文), "message_en", "errors": [{"field", "message", "message_en"}]}.
NotAllowed → 403, OutOfScope → 404, StaleObject → 409, InvalidInput / ProfileInvalid → 422.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthenticationError, HttpError, ValidationError

from portal.accounts.scope import OutOfScope
from portal.actions import ActionError, InvalidInput, NotAllowed, StaleObject
from portal.assessments import engine


class ApiError(Exception):
    """Raised by endpoints for a response in the common error shape."""

    def __init__(
        self, status: int, code: str, message: str, message_en: str = "", errors: list[dict] | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.message_en = status, code, message, message_en
        self.errors = errors or []


def body(code: str, message: str, message_en: str = "", errors: list[dict] | None = None) -> dict:
    return {"code": code, "message": message, "message_en": message_en, "errors": errors or []}


def field_error(field: str, message: str, message_en: str = "") -> dict:
    return {"field": field, "message": message, "message_en": message_en}


def not_found(what: str, what_en: str) -> ApiError:
    return ApiError(
        404,
        "not_found",
        f"{what}不存在或不在您的管辖范围内。请核对编号，或用列表接口查看您可访问的对象。",
        f"{what_en} does not exist or is outside your scope; check the id or use the list endpoint.",
    )


# Chinese for the pydantic error types the request schemas can raise (query, path, JSON body, form). A type
# missing here still answers in Chinese (_pydantic_problem's fallback), only less precisely.
_DATE = ("必须为 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD")
_DATE_TEXT = (
    '必须为 YYYY-MM-DD 格式的日期字符串，如 "2026-11-27"（不能是数字或带时间）',
    'must be a date string YYYY-MM-DD such as "2026-11-27" (not a number, no time)',
)
_OBJECT = ("必须为 JSON 对象", "must be a JSON object")
_INTEGER = ("必须为整数", "must be an integer")
_JSON_INTEGER = (
    "必须为 JSON 整数，如 3（不加引号，不用小数点或科学计数法）",
    "must be a JSON integer such as 3 (no quotes, no decimal point or exponent)",
)
_BOOLEAN = ("必须为 true 或 false", "must be true or false")
_JSON_BOOLEAN = (
    "必须为 JSON 布尔值 true 或 false（不加引号）",
    "must be the JSON boolean true or false (no quotes)",
)
_PYDANTIC_ZH = {
    "missing": ("必填字段缺失", "field required"),
    "dict_type": _OBJECT,
    "mapping_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "int_parsing": _INTEGER,
    "int_type": _JSON_INTEGER,
    "int_from_float": _JSON_INTEGER,
    "int_parsing_size": ("数值过大", "number too large"),
    "bool_parsing": _BOOLEAN,
    "bool_type": _JSON_BOOLEAN,
    "string_type": ("必须为字符串", "must be a string"),
    "string_unicode": ("必须为 UTF-8 文本", "must be UTF-8 text"),
    "date_type": _DATE_TEXT,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE_TEXT,
    "greater_than_equal": ("取值过小", "value too small"),
    "greater_than": ("取值过小", "value too small"),
    "less_than_equal": ("取值过大", "value too large"),
    "less_than": ("取值过大", "value too large"),
    "string_too_long": ("内容过长", "too long"),
    "string_too_short": ("内容过短", "too short"),
    "string_pattern_mismatch": ("格式不正确", "wrong format"),
    "literal_error": ("取值不在允许范围内", "value not allowed"),
    "enum": ("取值不在允许范围内", "value not allowed"),
    "list_type": ("必须为数组", "must be a list"),
    "none_required": ("必须为 null", "must be null"),
    "json_invalid": ("不是有效的 JSON", "invalid JSON"),
    "is_instance_of": ("类型不正确", "wrong type"),
    "value_error": ("取值无效", "invalid value"),
}


def _loc_to_field(loc) -> str:
    parts = [str(p) for p in loc]
    # ("body", "payload", "expected_version") → "expected_version"; ("query", "as_of") → "as_of"
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    return ".".join(parts) or "(body)"


def _pydantic_problem(err: dict) -> dict:
    # Every message is Chinese: an error type not listed still says so, with pydantic's English beside it.
    zh, en = _PYDANTIC_ZH.get(err.get("type", ""), ("取值无效", err.get("msg", "")))
    ctx = err.get("ctx") or {}
    if err.get("type") in ("literal_error", "enum") and "expected" in ctx:
        zh = f"取值不在允许范围内，应为 {ctx['expected']}"
    if err.get("type") in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next((ctx[k] for k in ("ge", "le", "gt", "lt") if k in ctx), None)
        if bound is not None:
            zh = f"{zh}（界限 {bound}）"
    if err.get("type") == "string_too_long" and "max_length" in ctx:
        zh = f"{zh}（最多 {ctx['max_length']} 个字符）"
    if err.get("type") == "string_too_short" and "min_length" in ctx:
        zh = f"{zh}（至少 {ctx['min_length']} 个字符）"
    return field_error(_loc_to_field(err.get("loc", ())), zh, en)


def size_label(size: int) -> str:
    """10485760 → "10 MB", 1536 → "1.5 KB"."""
    for unit, bytes_ in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= bytes_:
            value = (Decimal(size) / Decimal(bytes_)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            return f"{value.normalize():f} {unit}"
    return f"{size} B"


def too_large() -> ApiError:
    """Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE (for multipart: the fields besides
    the files), whatever its content type: say so, and name the limit."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    label = size_label(limit) if limit else ""
    return ApiError(
        413,
        "too_large",
        f"请求体过大：超过平台 {label} 的上限，请检查发送的内容，减小后重试（佐证材料请逐个文件上传）。",
        f"The request body is too large: the limit is {label}.",
        [field_error("(body)", f"超过 {label} 的上限", f"exceeds the {label} limit")],
    )


def profile_problems(problems) -> list[dict]:
    return [field_error(p.path, p.message_zh, p.message_en) for p in problems]


def install(api) -> None:
    """Register the handlers on a NinjaAPI: everything leaves as the common error shape."""

    def respond(request, status: int, data: dict, **headers):
        response = api.create_response(request, data, status=status)
        for key, value in headers.items():
            response[key.replace("_", "-")] = value
        return response

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        extra = {"WWW_Authenticate": 'Bearer realm="zjtx"'} if exc.status == 401 else {}
        return respond(request, exc.status, body(exc.code, exc.message, exc.message_en, exc.errors), **extra)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return respond(
            request,
            401,
            body(
                "token_missing",
                "缺少接口令牌：请登录平台，在 /api/tokens/ 创建令牌，并在请求头中发送 Authorization: Bearer <令牌>。",
                "Missing API token: create one at /api/tokens/ and send it as 'Authorization: Bearer <token>'.",
            ),
            WWW_Authenticate='Bearer realm="zjtx"',
        )

    @api.exception_handler(ValidationError)
    def _invalid(request, exc: ValidationError):
        problems = [_pydantic_problem(e) for e in exc.errors]
        return respond(
            request,
            422,
            body(
                "invalid",
                "输入有误：请按 errors 中列出的字段逐项修改后重试。",
                "Invalid input: fix the fields listed in errors and retry.",
                problems,
            ),
        )

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, ApiError):  # raised by our parser, wrapped by ninja
            return _api_error(request, exc.__cause__)
        if exc.status_code == 400:
            return respond(
                request,
                400,
                body(
                    "bad_request",
                    "请求体不是有效的 JSON：请检查格式（UTF-8 编码的 JSON 对象）。",
                    "The request body is not valid JSON.",
                ),
            )
        return respond(request, exc.status_code, body("http_error", str(exc), str(exc)))

    def _bad_form(request, exc):
        # A broken multipart body (or one Django refuses to parse) is the client's mistake: 400, not a crash.
        return respond(
            request,
            400,
            body(
                "bad_request",
                "请求体不是有效的 multipart/form-data，或字段、文件过多：上传文件请用 curl -F "
                '"file=@文件名" 等方式发送，每次一个文件。',
                "The multipart/form-data body could not be parsed (malformed, or too many parts).",
            ),
        )

    for exc_class in (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        api.add_exception_handler(exc_class, _bad_form)

    @api.exception_handler(RequestDataTooBig)
    def _too_large(request, exc):
        return _api_error(request, too_large())

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return respond(
            request,
            404,
            body("not_found", "对象不存在或不在您的管辖范围内。", "Not found, or outside your scope."),
        )

    @api.exception_handler(OutOfScope)
    def _out_of_scope(request, exc):
        # Out of scope looks exactly like absent: the API never confirms that another region's object exists.
        return respond(
            request,
            404,
            body("not_found", "对象不存在或不在您的管辖范围内。", "Not found, or outside your scope."),
        )

    @api.exception_handler(NotAllowed)
    def _not_allowed(request, exc: NotAllowed):
        return respond(
            request, 403, body(exc.code, exc.message, "Not allowed for your role or in this state.")
        )

    @api.exception_handler(StaleObject)
    def _stale(request, exc: StaleObject):
        return respond(
            request,
            409,
            body(
                exc.code,
                exc.message,
                "Someone changed this object first: GET it again and retry with the new version.",
            ),
        )

    @api.exception_handler(InvalidInput)
    def _invalid_input(request, exc: InvalidInput):
        english = exc.problems_en if len(exc.problems_en) == len(exc.problems) else []
        problems = [
            field_error(f, m, english[i][1] if english and english[i][0] == f else "")
            for i, (f, m) in enumerate(exc.problems)
        ]
        said = exc.message_en or "Invalid input; see errors."
        return respond(request, 422, body(exc.code, exc.message, said, problems))

    @api.exception_handler(engine.ProfileInvalid)
    def _profile_invalid(request, exc):
        return respond(
            request,
            422,
            body(
                "profile_invalid",
                "企业画像有误：请按 errors 中列出的字段逐项修改后重试。",
                "The profile is invalid: fix every field listed in errors.",
                profile_problems(exc.problems),
            ),
        )

    @api.exception_handler(ActionError)
    def _action_error(request, exc: ActionError):
        return respond(
            request, 400, body(exc.code, exc.message, "The action could not be done; see message.")
        )

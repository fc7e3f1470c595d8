"""Request and response shapes of the API, as they appear in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Field, Path, Query, Schema
from pydantic import BeforeValidator, model_validator
from pydantic_core import PydanticCustomError

# Ids and versions beyond a signed 64-bit integer cannot exist: refuse them as input (422), not in SQL (500).
MAX_DB_INT = 2**63 - 1
MAX_OFFSET = 10**9

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_text(value):
    """Dates are "YYYY-MM-DD" strings and nothing else: pydantic's lax mode would also read a number as a
    Unix timestamp and a datetime at midnight as its date, which a client never means by a day."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value  # still checked as a calendar date (2026-02-30 is refused) by the date type
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # a default
    raise PydanticCustomError("date_type", "Input should be a date string YYYY-MM-DD")


def _blank_is_absent(value):
    """An empty filter (`?region=`, as a form or a URL template leaves it) means no filter."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


# Body fields are JSON: a boolean is true/false and an integer a JSON integer, never "yes", "4", 1e2 or
# true (pydantic's lax mode would take them all). Query and path values are text, parsed as before.
StrictBool = Annotated[bool, Field(strict=True)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]
DbId = Annotated[int, Field(strict=True, ge=1, le=MAX_DB_INT)]
PathId = Annotated[int, Path(ge=1, le=MAX_DB_INT)]
Limit = Annotated[int, Query(ge=1, le=200, description="每页条数（1–200）")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="跳过的条数")]
# (A filter with a validator names its default in Query too: ninja's default from the signature alone is
# lost when pydantic merges the annotations, and the filter would become required.)
BatchFilter = Annotated[
    int | None, BeforeValidator(_blank_is_absent), Query(None, ge=1, le=MAX_DB_INT, description="批次编号")
]
Version = Annotated[int, Field(strict=True, ge=1, le=MAX_DB_INT)]
RegionPrefix = Annotated[
    str | None,
    BeforeValidator(_blank_is_absent),
    Query(None, pattern=r"^[0-9]{1,6}$", description="地区代码前缀，如 3301 = 杭州市"),
]
SearchText = Annotated[
    str | None,
    BeforeValidator(_blank_is_absent),
    Query(None, max_length=100, description="企业名称或统一社会信用代码的一部分"),
]
RulesParam = Annotated[
    str | None, Query(max_length=64, description="规则集编号，如 cn-miit-2026；默认为基准日有效的规则")
]
AsOfParam = Annotated[IsoDate | None, Query(None, description="评价基准日 YYYY-MM-DD，默认今天")]

Lang = Literal["zh", "en"]
TierName = Literal["innovative", "tech_innovative", "specialized", "little_giant"]
StateName = Literal[
    "draft",
    "submitted",
    "returned",
    "rejected",
    "recommended",
    "in_notice",
    "notice_ended",
    "recognised",
    "withdrawn",
]
StateFilter = Annotated[
    StateName | None, BeforeValidator(_blank_is_absent), Query(None, description="申报状态")
]
TierFilter = Annotated[
    TierName | None, BeforeValidator(_blank_is_absent), Query(None, description="申报层级")
]


class JsonObjectIn(Schema):
    """A request body: a JSON object. ninja's Schema reads any value attribute by attribute (for ORM
    objects), so a body of [], "hello" or 42 would pass as an object whose fields all take their defaults."""

    @model_validator(mode="wrap")
    @classmethod
    def _json_object(cls, data, handler):
        if not isinstance(data, dict):
            raise PydanticCustomError("dict_type", "Input should be a JSON object")
        return handler(data)


class FieldError(Schema):
    field: str = Field(description="出错字段的路径，如 financials.2023.revenue")
    message: str = Field(description="中文说明")
    message_en: str = Field("", description="English")


class Error(Schema):
    code: str = Field(
        description="稳定的错误代码：token_missing / token_invalid / token_revoked / user_inactive / forbidden / "
        "not_allowed / not_found / method_not_allowed / stale / too_large / invalid / profile_invalid / bad_request"
    )
    message: str = Field(description="中文说明，含下一步该做什么")
    message_en: str = ""
    errors: list[FieldError] = Field(default_factory=list, description="逐字段的问题（422 时）")


class Me(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    region_code: str
    enterprise_id: int | None


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    region: str = Field(description="县级行政区划代码（6 位）")
    region_name: str
    industry: str
    industry_name: str
    version: int = Field(description="画像版本；PUT 画像时作为 expected_version 传回")
    updated_at: dt.datetime


class EnterpriseList(Schema):
    count: int
    limit: int
    offset: int
    items: list[EnterpriseOut]


class ProfileOut(Schema):
    enterprise_id: int
    version: int
    profile: dict[str, Any] = Field(description="zjtx.profile/1 文档（金额单位：元）")


class ProfileIn(JsonObjectIn):
    expected_version: Version = Field(description="您读取画像时看到的版本号（乐观锁）")
    profile: dict[str, Any] = Field(description="完整的 zjtx.profile/1 文档（金额单位：元）")


class AssessmentRunIn(JsonObjectIn):
    as_of: IsoDate | None = Field(None, description="评价基准日 YYYY-MM-DD，默认今天")
    rules: str | None = Field(
        None, max_length=64, description="规则集编号，如 cn-miit-2026；默认为基准日有效的规则"
    )
    is_review: StrictBool = Field(False, description="复核口径（true 或 false）")


class AssessmentSummary(Schema):
    id: int
    enterprise_id: int
    created_at: dt.datetime
    ruleset_id: str
    ruleset_label: str
    engine_version: str
    as_of: dt.date
    is_review: bool
    profile_version: int
    highest_tier: str
    highest_tier_label: str


class AssessmentOut(AssessmentSummary):
    result: dict[str, Any] = Field(description="zjtx.assessment/1 文档（lang 指定的语言）")


class AssessmentList(Schema):
    count: int
    limit: int
    offset: int
    items: list[AssessmentSummary]


class RecognitionBrief(Schema):
    certificate_no: str
    verification_code: str
    status: str
    valid_from: dt.date
    valid_until: dt.date


class ApplicationOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    region: str
    batch_id: int
    batch_name: str
    tier: str
    tier_label: str
    kind: str
    state: str
    state_label: str
    version: int = Field(description="乐观锁版本号；提交、审核时作为 expected_version 传回")
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    last_reason: str
    notice_starts: dt.date | None
    notice_ends: dt.date | None
    assessment_id: int | None
    allowed_actions: list[str] = Field(description="当前用户此刻可执行的操作")
    recognition: RecognitionBrief | None


class ApplicationList(Schema):
    count: int
    limit: int
    offset: int
    items: list[ApplicationOut]


class ApplicationCreateIn(JsonObjectIn):
    enterprise_id: DbId
    batch_id: DbId
    renews_id: DbId | None = Field(None, description="复核申报：被复核的认定编号")


class SubmitIn(JsonObjectIn):
    expected_version: Version
    declaration_accepted: StrictBool = Field(
        description="是否同意真实性声明（见 GET /api/applications/{id} 的 declaration_text）"
    )


class DecisionIn(JsonObjectIn):
    action: Literal["approve", "return", "reject", "recognise"]
    reason: str = Field("", max_length=2000, description="审核意见；退回、不通过时必填")
    expected_version: Version


class WithdrawIn(JsonObjectIn):
    expected_version: Version
    reason: str = Field("", max_length=2000, description="撤回原因（可不填），会通知到企业的站内信")


class EvidenceOut(Schema):
    id: int
    application_id: int
    original_name: str = Field(description="上传时的文件名（仅用于显示；平台以随机文件名保存）")
    content_type: str = Field(description="按文件内容识别的类型：application/pdf、image/jpeg 或 image/png")
    size: int = Field(description="字节数")
    sha256: str = Field(description="文件内容的 SHA-256（十六进制），可用于核对")
    description: str
    uploaded_at: dt.datetime
    download_url: str = Field(description="下载文件：GET 此地址（须带令牌）")


class EvidenceList(Schema):
    count: int
    limit: int
    offset: int
    items: list[EvidenceOut]


class ApplicationDetail(ApplicationOut):
    declaration_text: str = Field(description="提交时须同意的真实性声明（已提交的申报：提交时签署的文本）")


class CertificateOut(Schema):
    valid: bool = Field(description="证书当前是否有效")
    status: str
    status_label: str
    certificate_no: str
    enterprise_name: str
    credit_code: str
    tier: str
    tier_label: str
    valid_from: dt.date
    valid_until: dt.date
    issued_by_level: str

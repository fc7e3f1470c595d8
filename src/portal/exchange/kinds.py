"""The record kinds an installation exchanges, in one registry.

Why a registry: the feed, the receiver, the pages and the schemas must agree on the kinds. Three
kinds have their own code (application, decision, recognition: payloads.py, apply.py). The others
are "model kinds": rows of another app's model, published as they are and kept by the parent as
replicas. Their model is looked up lazily, so a kind whose app has no such model yet is skipped
cleanly (available() is False) instead of breaking start-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.utils.translation import gettext_noop

APPLICATION = "application"
DECISION = "decision"
RECOGNITION = "recognition"

# Chinese (plain str: quarantine reasons are records); pages show gettext(label(kind)).
LABELS = {
    APPLICATION: gettext_noop("推荐申报"),
    DECISION: gettext_noop("上级决定"),
    RECOGNITION: gettext_noop("认定"),
    "service_institution": gettext_noop("服务机构"),
    "policy": gettext_noop("政策"),
}


def label(kind: str) -> str:
    return LABELS.get(kind, kind)


@dataclass(frozen=True)
class ModelKind:
    name: str
    model_label: str  # "services.ServiceInstitution"
    region_field: str
    include: Callable[[object], bool] = lambda obj: True
    exclude_fields: frozenset = field(default_factory=frozenset)

    @property
    def label_lower(self) -> str:
        return self.model_label.lower()

    def model(self):
        try:
            return apps.get_model(self.model_label)
        except (LookupError, ValueError):
            return None

    def available(self) -> bool:
        return self.model() is not None

    def region_of(self, obj) -> str:
        return str(getattr(obj, self.region_field, "") or "")

    def payload(self, obj) -> dict:
        return {
            "region": self.region_of(obj),
            "model": self.label_lower,
            "record": record_fields(obj, self.exclude_fields),
        }


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def record_fields(obj, exclude=frozenset()) -> dict:
    """An object's own columns (no relations to other rows) as JSON-ready values."""
    out = {}
    for f in obj._meta.concrete_fields:
        if f.is_relation or f.name in exclude:
            continue
        out[f.name] = _plain(getattr(obj, f.attname))
    return out


MODEL_KINDS: tuple[ModelKind, ...] = (
    ModelKind(
        "service_institution",
        "services.ServiceInstitution",
        region_field="region_code",
        # Only institutions an official has reviewed are announced upward.
        include=lambda obj: getattr(obj, "state", "approved") != "pending",
    ),
    ModelKind(
        "policy",
        "policies.Policy",
        region_field="region_code",
        include=lambda obj: getattr(obj, "status", "published") != "draft",
        exclude_fields=frozenset({"search_text", "full_text"}),
    ),
)


def model_kind(name: str) -> ModelKind | None:
    return next((k for k in MODEL_KINDS if k.name == name), None)


def model_kind_for_label(label_lower: str) -> ModelKind | None:
    return next((k for k in MODEL_KINDS if k.label_lower == label_lower), None)


def known(kind: str) -> bool:
    return kind in (APPLICATION, DECISION, RECOGNITION) or model_kind(kind) is not None

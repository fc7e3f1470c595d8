"""Public certificate check: anyone with a verification code sees whether a title is real and valid.

Shown: enterprise name, tier, certificate number, validity and status. Nothing else (no
financials, no region detail, no application data).
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext, gettext_noop

from . import actions
from .views_common import recognition_status, tier_label, validity_unverified

NOT_FOUND = gettext_noop("未找到该验证码对应的证书，请核对后重试")
MAX_CODE = 32


def _card(rec) -> dict:
    css, status = recognition_status(rec)
    return {
        "enterprise": rec.certified()[0],  # as certified, whatever the profile says now
        "tier": tier_label(rec.tier),
        "certificate_no": rec.certificate_no,
        "valid_from": rec.valid_from,
        "valid_until": rec.valid_until,
        "validity_unverified": validity_unverified(rec),
        "css": css,
        "status": status,
        "code": rec.verification_code,
    }


def _lookup(code: str):
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE:
        return None
    return actions.verify_certificate(code)


def certificate(request, code: str):
    rec = _lookup(code)
    if rec is None:
        return render(
            request,
            "cultivation/certificate.html",
            {"card": None, "not_found": gettext(NOT_FOUND), "code": code[:MAX_CODE]},
            status=404,
        )
    return render(
        request, "cultivation/certificate.html", {"card": _card(rec), "code": rec.verification_code}
    )


def verify(request):
    code = (request.GET.get("code") or "").strip()
    ctx = {"code": code[:MAX_CODE], "card": None, "not_found": ""}
    if code:
        rec = _lookup(code)
        if rec is None:
            ctx["not_found"] = gettext(NOT_FOUND)
        else:
            ctx["card"] = _card(rec)
    return render(request, "cultivation/verify.html", ctx)

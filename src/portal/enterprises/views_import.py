"""Excel import: download the template, upload, see every problem or a preview, then confirm.

Nothing is saved until the upload is clean and the person confirms; the parsed document waits
in the session (never in the web root) together with the profile version it was based on, so
a confirm after someone else's edit is refused as stale by update_profile.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from portal.accounts.roles import Role
from portal.actions import InvalidInput, NotAllowed, StaleObject
from portal.assessments import engine
from portal.downloads import XLSX_MIME

from . import actions, excel, present
from .money import percent_text, to_decimal

SESSION_KEY = "enterprises.pending_import"


def _own_enterprise(request):
    user = request.user
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return user.enterprise
    return None


def _local_fields(enterprise) -> list[dict]:
    """The region's own indicators (地方特色指标) the workbook lists and reads by kind."""
    return engine.local_fact_fields(enterprise.region, timezone.localdate()) if enterprise else []


def _refuse(request):
    return render(
        request,
        "enterprises/message.html",
        {"title": gettext("导入企业画像"), "text": gettext("只有企业账户可以导入本企业的画像。")},
        status=403,
    )


@login_required
def import_template(request):
    """The blank template, or (?current=1) the enterprise's current profile in the same layout."""
    enterprise = _own_enterprise(request)
    if request.GET.get("current") and enterprise is not None:
        data = excel.export_profile_xlsx(enterprise.profile, _local_fields(enterprise))
        name = f"企业画像-{enterprise.credit_code}-{timezone.localdate():%Y%m%d}.xlsx"
    else:
        data = excel.template_xlsx(_local_fields(enterprise))
        name = "企业画像导入模板.xlsx"
    response = HttpResponse(data, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
def import_upload(request):
    enterprise = _own_enterprise(request)
    if enterprise is None:
        return _refuse(request)
    if request.method != "POST":
        return render(request, "enterprises/import.html", _page(enterprise))
    request.session.pop(SESSION_KEY, None)
    upload = request.FILES.get("file")
    if upload is None:
        return _upload_error(request, enterprise, gettext("请选择要上传的 Excel 文件（.xlsx）。"))
    if upload.size > excel.MAX_UPLOAD_BYTES:
        return _upload_error(request, enterprise, gettext("文件超过 5 MB，请删除多余内容后再上传。"))
    try:
        parsed = excel.parse_workbook(upload.read(), _local_fields(enterprise))
    except excel.NotAWorkbook as exc:
        return _upload_error(request, enterprise, exc.message)
    doc = excel.merge(enterprise.profile, parsed.profile, parsed.covered, parsed.financial_fields)
    errors = excel.combine(parsed.errors, excel.locate(parsed, actions.profile_problems(doc)))
    context = {"enterprise": enterprise, "file_name": upload.name}
    if errors:
        errors = excel.sort_errors(errors)
        return render(request, "enterprises/import_preview.html", {**context, "errors": errors}, status=400)
    request.session[SESSION_KEY] = {
        "enterprise": enterprise.pk,
        "version": enterprise.version,
        "profile": doc,
        "file_name": upload.name,
    }
    return render(
        request,
        "enterprises/import_preview.html",
        {
            **context,
            "sections": present.present(doc),
            "changed": [gettext(s) for s in actions.changed_sections(enterprise.profile, doc)],
            "removed_years": gettext("、").join(_removed_years(enterprise.profile, doc)),
            "tiny_shares": _tiny_shares(parsed, doc),
        },
    )


SHARES = (
    ("national_market_share", gettext_noop("主导产品：全国细分市场占有率")),
    ("international_market_share", gettext_noop("主导产品：国际细分市场占有率")),
)


def _tiny_shares(parsed, doc: dict) -> list[dict]:
    """Market shares the workbook gives below 1 %: the column is in percent (15 = 15%), so 0.02 typed for 2% reads
    as 0.02%. Said before confirming, with the cell, since a share that small can also be right."""
    product = doc.get("main_product") or {}
    out = []
    for key, label in SHARES:
        path = f"main_product.{key}"
        share = to_decimal(product.get(key))
        if path in parsed.cells and share is not None and 0 < share < Decimal("0.01"):
            out.append(
                {
                    "label": gettext(label),
                    "typed": percent_text(share),
                    "meant": percent_text(share * 100),  # 0.02 typed for 2 %
                    "cell": parsed.cells[path].where(),
                }
            )
    return out


def _removed_years(old: dict, new: dict) -> list[str]:
    """Years of 财务数据 the profile has and the workbook does not: confirming deletes them (an older file, such as
    one kept from 2022, would silently drop the recent years the assessment reads)."""
    had = (old or {}).get("financials") or {}
    kept = new.get("financials") or {}
    return sorted((y for y in had if y not in kept), reverse=True)


def _page(enterprise, error: str = "") -> dict:
    """The upload page's context; the sheet list comes from the template itself, so the text stays true."""
    return {"enterprise": enterprise, "error": error, "sheets": gettext("、").join(excel.template_sheets())}


def _upload_error(request, enterprise, message):
    return render(request, "enterprises/import.html", _page(enterprise, message), status=400)


@login_required
@require_POST
def import_confirm(request):
    enterprise = _own_enterprise(request)
    if enterprise is None:
        return _refuse(request)
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("enterprise") != enterprise.pk:
        messages.error(request, gettext("没有待确认的导入，请重新上传 Excel 文件。"))
        return redirect("enterprises:import")
    try:
        actions.update_profile(
            request.user, enterprise, pending["profile"], expected_version=pending["version"], source="excel"
        )
    except StaleObject as exc:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, exc.message)
        return redirect("enterprises:import")
    except (InvalidInput, NotAllowed) as exc:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, exc.message)
        return redirect("enterprises:import")
    request.session.pop(SESSION_KEY, None)
    messages.success(
        request,
        gettext("已从“%(file)s”导入企业画像（第 %(version)s 版）。")
        % {"file": pending.get("file_name", "Excel"), "version": enterprise.version},
    )
    return redirect("enterprises:profile")

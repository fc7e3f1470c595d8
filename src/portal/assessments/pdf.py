"""The printable report of a stored assessment (WeasyPrint, A4, Noto CJK fonts from fonts-noto-cjk).

Why a PDF: enterprises attach it to paper files and send it to their county office; it must show
exactly the stored result, so it is rendered from the same display dict as the detail page.
"""

from __future__ import annotations

import logging

from django.template.loader import render_to_string
from django.utils import timezone, translation

from .display import result_for_display

# WeasyPrint reports every layout step at INFO; keep the server log for requests.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def pdf_filename(assessment) -> str:
    """杭州某某有限公司-梯度培育自评-2026-11-27-12.pdf (sent RFC 5987-encoded by the view)."""
    name = "".join(ch for ch in assessment.enterprise.name if ch not in '\\/:*?"<>|\r\n\t').strip() or "企业"
    return f"{name}-梯度培育自评-{assessment.as_of.isoformat()}-{assessment.pk}.pdf"


def render_html(assessment, lang: str) -> str:
    """The printable report in `lang` throughout: the result's words and the template's own (a caller outside a
    request in that language, e.g. a background job, gets the same document)."""
    with translation.override(lang):
        return _render(assessment, lang)


def _render(assessment, lang: str) -> str:
    return render_to_string(
        "assessments/print.html",
        {
            "a": assessment,
            "enterprise": assessment.enterprise,
            "result": result_for_display(assessment, lang),
            "generated_at": timezone.localtime(),
            "print": True,
        },
    )


def render_pdf(assessment, lang: str = "zh") -> bytes:
    from weasyprint import HTML  # imported here: loading pango/cairo is slow and only PDFs need it

    return HTML(string=render_html(assessment, lang)).write_pdf()

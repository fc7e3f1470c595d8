"""A Content-Security-Policy on the platform's pages: scripts only from the site's own static files.

Why: every page shows text that enterprises and officials typed (names, reasons, policy texts). Templates
escape it, but one mistake — or a stored link such as `javascript:…` — would run script as whoever reads the
page; with this policy the browser refuses inline and foreign script. The pages carry no inline script or
event handler (portal/page.js handles the confirm and print buttons through data attributes). Django's admin
and the API's interactive docs bring their own scripts and are left to their own headers.
"""

from __future__ import annotations

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # ECharts and htmx set element styles
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
EXEMPT_PREFIXES = ("/admin/", "/api/docs")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        html = response.get("Content-Type", "").startswith("text/html")
        if (
            html
            and "Content-Security-Policy" not in response
            and not request.path_info.startswith(EXEMPT_PREFIXES)
        ):
            response["Content-Security-Policy"] = POLICY
        return response

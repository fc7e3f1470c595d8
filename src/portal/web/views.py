from django.shortcuts import redirect, render

from portal.accounts.roles import OFFICIAL_ROLES, Role


def home(request):
    """Signed-in users go to their daily page; visitors see what the platform is for."""
    user = request.user
    if user.is_authenticated:
        if user.role == Role.ENTERPRISE and user.enterprise_id:
            return redirect("assessments:self")
        if user.role in OFFICIAL_ROLES:
            return redirect("cultivation:queue")
        if user.role == Role.PROVIDER:
            return redirect("services:provider_home")
    return render(request, "web/home.html")


def healthz(request):
    """{"status": "ok"} once the database answers: for load balancers and monitoring."""
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class HealthCheckMiddleware:
    """Answers /healthz ahead of the host check and the HTTPS redirect (first in MIDDLEWARE).

    A load balancer or `curl http://127.0.0.1:8000/healthz` probes the local port over plain HTTP with its own
    Host header: ALLOWED_HOSTS would answer 400 and SECURE_SSL_REDIRECT 301, though the site is healthy.
    Every other path still goes through both checks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


def not_found(request, exception=None):
    """The not-found page; a download whose file is gone says which file and what to do (other 404s stay plain:
    an out-of-region object must look like a missing one)."""
    from portal.downloads import FileMissing

    missing = str(exception.args[0]) if isinstance(exception, FileMissing) and exception.args else ""
    return render(request, "404.html", {"file_missing": missing}, status=404)

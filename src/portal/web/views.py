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
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request, exception=None):
    """The not-found page; a download whose file is gone says which file and what to do (other 404s stay plain:
    an out-of-region object must look like a missing one)."""
    from portal.downloads import FileMissing

    missing = str(exception.args[0]) if isinstance(exception, FileMissing) and exception.args else ""
    return render(request, "404.html", {"file_missing": missing}, status=404)

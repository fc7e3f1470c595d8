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

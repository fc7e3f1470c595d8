"""The page where a signed-in user creates, lists and revokes their API tokens (the secret is shown once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal.actions import ActionError

from .actions import issue_token, revoke_token
from .models import ApiToken


@login_required
def tokens(request):
    context = {"secret": None, "new_token": None, "name_error": "", "name": ""}
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            token, secret = issue_token(request.user, name)
        except ActionError as exc:
            problems = getattr(exc, "problems", None) or []
            context["name_error"] = gettext("；").join(m for _f, m in problems) or exc.message
            context["name"] = name
        else:
            # Rendered, not redirected: the secret must not travel through a session or a URL.
            context.update(secret=secret, new_token=token)
    context["tokens"] = ApiToken.objects.filter(user=request.user)
    response = render(request, "api/tokens.html", context, status=422 if context["name_error"] else 200)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        revoke_token(request.user, token)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("令牌“%(name)s”（%(prefix)s…）已撤销，使用它的请求将被拒绝。")
            % {"name": token.name, "prefix": token.prefix},
        )
    return redirect("api:tokens")

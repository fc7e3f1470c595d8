from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .send import inbox_for


@login_required
def index(request):
    items = inbox_for(request.user)[:200]
    return render(request, "inbox/index.html", {"items": items})


@login_required
@require_POST
def mark_read(request, pk: int):
    item = get_object_or_404(inbox_for(request.user), pk=pk)
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return redirect(item.url or "inbox:index")

"""Template context every page gets: the navigation for the user's role and the unread count."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from portal.accounts.roles import OFFICIAL_ROLES, Role

# (label, url name) per role; an entry whose URL is not (yet) routed is left out.
NAV = {
    Role.ENTERPRISE: [("企业画像", "enterprises:profile"), ("自评", "assessments:self"),
                      ("申报", "cultivation:my_applications"), ("认定证书", "cultivation:my_recognitions")],
    "official": [("审核队列", "cultivation:queue"), ("申报批次", "cultivation:batches"),
                 ("企业", "enterprises:directory"), ("认定", "cultivation:recognitions"),
                 ("主动发现", "screening:index"), ("培育库", "screening:pool")],
    Role.ADMIN: [("管理后台", "admin:index")],
}


def _links(items):
    out = []
    for label, name in items:
        try:
            out.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return out


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    key = "official" if user.role in OFFICIAL_ROLES else user.role
    from portal.inbox.send import inbox_for

    return {
        "nav": _links(NAV.get(key, [])),
        "unread_count": inbox_for(user).filter(read_at__isnull=True).count(),
    }

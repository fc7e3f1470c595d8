"""Template context every page gets: the navigation for the user's role and the unread count."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_noop

from portal.accounts.roles import OFFICIAL_ROLES, Role

# (label, url name) per role; an entry whose URL is not (yet) routed is left out.
# Labels are msgids (gettext_noop marks them for makemessages); base.html translates them.
NAV = {
    Role.ENTERPRISE: [
        (gettext_noop("企业画像"), "enterprises:profile"),
        (gettext_noop("自评"), "assessments:self"),
        (gettext_noop("申报"), "cultivation:my_applications"),
        (gettext_noop("认定证书"), "cultivation:my_recognitions"),
    ],
    "official": [
        (gettext_noop("审核队列"), "cultivation:queue"),
        (gettext_noop("申报批次"), "cultivation:batches"),
        (gettext_noop("企业"), "enterprises:directory"),
        (gettext_noop("认定"), "cultivation:recognitions"),
        (gettext_noop("主动发现"), "screening:index"),
        (gettext_noop("培育库"), "screening:pool"),
    ],
    Role.ADMIN: [(gettext_noop("管理后台"), "admin:index")],
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

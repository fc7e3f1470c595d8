"""Template context every page gets: the navigation for the user's role and the unread count."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_noop, pgettext, pgettext_lazy

from portal.accounts.roles import OFFICIAL_ROLES, Role

# (label, url name) per role; an entry whose URL is not (yet) routed is left out.
# Labels are msgids (gettext_noop marks them for makemessages); base.html translates them.
NAV = {
    Role.ENTERPRISE: [
        (gettext_noop("企业画像"), "enterprises:profile"),
        (gettext_noop("自评"), "assessments:self"),
        (gettext_noop("申报"), "cultivation:my_applications"),
        (gettext_noop("认定证书"), "cultivation:my_recognitions"),
        (gettext_noop("政策"), "policies:mine"),
        (gettext_noop("数字化自测"), "digital:self_test"),
        (gettext_noop("小快轻准方案"), "digital:solutions"),
        (gettext_noop("服务目录"), "services:catalogue"),
        (gettext_noop("我的诉求"), "services:my_demands"),
        (gettext_noop("融通对接"), "pairing:index"),
    ],
    "official": [
        (gettext_noop("统计看板"), "dashboard:index"),
        (gettext_noop("审核队列"), "cultivation:queue"),
        (gettext_noop("申报批次"), "cultivation:batches"),
        (gettext_noop("企业"), "enterprises:directory"),
        (gettext_noop("认定"), "cultivation:recognitions"),
        (gettext_noop("主动发现"), "screening:index"),
        (gettext_noop("培育库"), "screening:pool"),
        (gettext_noop("政策"), "policies:list"),
        (gettext_noop("企业诉求"), "services:queue"),
        (gettext_noop("服务机构"), "services:institutions"),
        (gettext_noop("产业集群"), "clusters:index"),
        (gettext_noop("融通对接"), "pairing:overview"),
        (gettext_noop("互联互通"), "exchange:index"),
        (gettext_noop("向上级推荐"), "exchange:forward_list"),
    ],
    Role.PROVIDER: [
        (gettext_noop("本机构"), "services:provider_home"),
        (gettext_noop("派送的诉求"), "services:provider_demands"),
        (gettext_noop("服务目录"), "services:catalogue"),
        (gettext_noop("方案目录"), "digital:solutions"),
    ],
    Role.ADMIN: [(gettext_noop("管理后台"), "admin:index")],
}


# Menu words whose English differs from the same word elsewhere: 企业 is "Enterprise" as a field but
# "Enterprises" as a menu entry. Listed here so makemessages collects them with their context.
MENU_WORDS = (
    pgettext_lazy("navigation", "企业"),
    pgettext_lazy("navigation", "申报"),
    pgettext_lazy("navigation", "认定"),
)


def _menu_word(label: str) -> str:
    """The label's "navigation" translation when it has one; else the msgid (base.html translates it)."""
    return pgettext("navigation", label)


def _links(items):
    out = []
    for label, name in items:
        try:
            out.append((_menu_word(label), reverse(name)))
        except NoReverseMatch:
            continue
    return out


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    key = "official" if user.role in OFFICIAL_ROLES else user.role
    from portal.exchange import node
    from portal.inbox.send import inbox_for

    items = NAV.get(key, [])
    if (
        node.current() is None
    ):  # one installation: recommending upward happens in the review queue, not by exchange
        items = [(label, name) for label, name in items if name != "exchange:forward_list"]
    return {
        "nav": _links(items),
        "unread_count": inbox_for(user).filter(read_at__isnull=True).count(),
    }

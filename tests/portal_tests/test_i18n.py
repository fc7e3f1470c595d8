"""English for the whole portal: the catalogue is complete and the pages really switch language.

Msgids are 简体中文 (docs/decisions/0002); src/portal/locale/en/LC_MESSAGES/django.po is the only
translation. These tests read the .po with a tiny parser (no extra dependency), check it against the
compiled .mo and against the code (every msgid a template or a Python file under src/portal marks must
be in it, translated), and then look at real pages as an enterprise user and as officials with the
language cookie set to English; without the cookie every page stays Chinese.
"""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation.template import templatize

from portal.audit.models import AuditEntry
from portal.cultivation import actions
from portal.cultivation.models import Application, Tier

from .test_cultivation_pages import tiny_pdf

PORTAL = Path(settings.LOCALE_PATHS[0]).parent
LOCALE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"

# Python %-placeholders (with %% for a literal percent in blocktranslate strings) and {}-placeholders.
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%%|\{[A-Za-z0-9_]*\}")
CJK = re.compile(r"[\u3400-\u9fff]")

# Placeholders whose English keeps Chinese on purpose: example search words for Chinese policy texts.
KEEPS_CHINESE = {"如：小巨人、研发费用、免申即享"}

# Navigation words of each role in Chinese: none of them may be left in the English header.
ENTERPRISE_NAV_ZH = ("企业画像", "自评", "申报", "认定证书", "站内信", "接口令牌", "退出")
OFFICIAL_NAV_ZH = ("审核队列", "申报批次", "企业", "认定", "主动发现", "培育库", "站内信", "接口令牌", "退出")


# ------------------------------------------------------------------------------------------ the catalogue


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def read_po(path: Path) -> list[dict]:
    """Entries as {"flags": set, "msgctxt"?: str, "msgid": str, "msgid_plural"?: str, "msgstr" | "msgstr[n]": str}."""
    entries, entry, key = [], {"flags": set()}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = _unquote(value)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    entries = read_po(PO)
    assert entries and entries[0]["msgid"] == "", "the .po starts with its header"
    return entries


def _translations(entry: dict) -> list[str]:
    return [v for k, v in entry.items() if k.startswith("msgstr")]


def test_header_says_english_and_is_not_fuzzy(catalogue):
    header = catalogue[0]
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]


def test_every_msgid_is_chinese_and_translated_and_none_is_fuzzy(catalogue):
    messages = catalogue[1:]
    assert len(messages) > 1000  # the whole portal, not a sample
    untranslated = [e["msgid"] for e in messages if any(not s.strip() for s in _translations(e))]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    # English is the translation: no msgstr is still mostly Chinese (a quoted Chinese example is fine).
    chinese = [
        e["msgid"]
        for e in messages
        for s in _translations(e)
        if len(CJK.findall(s)) > len(s) / 4 and e["msgid"] not in KEEPS_CHINESE
    ]
    assert not chinese, chinese[:5]


def test_placeholders_are_identical_in_msgid_and_msgstr(catalogue):
    wrong = []
    for e in catalogue[1:]:
        wanted = sorted(PLACEHOLDER.findall(e["msgid"]))
        if "msgid_plural" in e:
            assert sorted(PLACEHOLDER.findall(e["msgid_plural"])) == wanted, e["msgid"]
        wrong += [(e["msgid"], s) for s in _translations(e) if sorted(PLACEHOLDER.findall(s)) != wanted]
    assert not wrong, wrong[:5]


def test_compiled_catalogue_matches_the_po(catalogue):
    """django.mo was compiled after the last edit of django.po (run manage.py compilemessages)."""
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for e in catalogue[1:]:
        if "msgid_plural" in e:
            got = [compiled.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
            want = [e["msgstr[0]"], e["msgstr[1]"]]
        elif "msgctxt" in e:
            got, want = compiled.pgettext(e["msgctxt"], e["msgid"]), e["msgstr"]
        else:
            got, want = compiled.gettext(e["msgid"]), e["msgstr"]
        if got != want:
            stale.append(e["msgid"])
    assert not stale, f"django.mo is out of date for {len(stale)} messages, e.g. {stale[:3]}"


def test_terms_follow_the_glossary(catalogue):
    table = {e["msgid"]: e.get("msgstr") for e in catalogue[1:] if "msgctxt" not in e}
    in_context = {(e["msgctxt"], e["msgid"]): e["msgstr"] for e in catalogue[1:] if "msgctxt" in e}
    assert table["创新型中小企业"] == "Innovative SME"
    assert table["科技和创新型中小企业"] == "Tech-based and innovative SME"
    assert table["专精特新中小企业"] == "Specialised, refined, distinctive and innovative (SRDI) SME"
    assert table["专精特新“小巨人”企业"] == "SRDI “little giant” enterprise"
    assert table["培育库"] == "Cultivation pool"
    assert table["主动发现"] == "Proactive screening"
    assert table["佐证材料"] == "Supporting evidence"
    assert table["统一社会信用代码"] == "Unified social credit code"
    assert table["待核实"] == "To be verified"
    assert table["万元"] == "10k yuan"
    assert table["营业收入（万元）"] == "Operating revenue (10k yuan)"
    # One Chinese word, two English ones: the context keeps the menu, the field and the button apart.
    assert (table["企业"], in_context["navigation", "企业"]) == ("Enterprise", "Enterprises")
    assert (table["认定"], in_context["workflow", "认定"]) == ("Recognition", "Recognise")
    assert (table["退回修改"], in_context["workflow", "退回修改"]) == (
        "Returned for correction",
        "Return for correction",
    )


# ------------------------------------------------------------------------------------------ the code

# What `manage.py makemessages` hands to xgettext: keyword → positions of (context, msgid, plural).
KEYWORDS = {
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "_": (None, 0, None),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
# In the output of Django's templatize(): a keyword call and its arguments (string literals or names).
CALL = re.compile(r"\b(" + "|".join(KEYWORDS) + r")\(")
ARG = re.compile(r"""\s*(?:(u?'(?:[^'\\\n]|\\.)*'|u?"(?:[^"\\\n]|\\.)*")|(\w+))\s*(,|\))""")


def _message(keyword: str, args: list) -> tuple | None:
    """(context, msgid, plural) when every part is a literal string, else None (makemessages skips it too)."""
    ctx_at, id_at, plural_at = KEYWORDS[keyword]
    wanted = [i for i in (ctx_at, id_at, plural_at) if i is not None]
    if len(args) <= max(wanted) or not all(isinstance(args[i], str) for i in wanted):
        return None
    pick = lambda i: args[i] if i is not None else None  # noqa: E731
    return pick(ctx_at), pick(id_at), pick(plural_at)


def python_messages(text: str) -> list[tuple[tuple, int]]:
    """Messages of a Python file: calls of the keywords (also as attributes: translation.gettext) with literals."""
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in KEYWORDS:
                args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
                if (message := _message(name, args)) is not None:
                    out.append((message, node.lineno))
    return out


def template_messages(text: str, origin: str) -> list[tuple[tuple, int]]:
    """Messages of a template, read from the same templatize() output makemessages gives xgettext, so
    blocktranslate variables become %(name)s, literal % becomes %%, plurals and contexts are kept."""
    code = templatize(text, origin)
    out = []
    for call in CALL.finditer(code):
        args, pos = [], call.end()
        while (arg := ARG.match(code, pos)) is not None:
            args.append(ast.literal_eval(arg.group(1)) if arg.group(1) else None)
            pos = arg.end()
            if arg.group(3) == ")":
                break
        if (message := _message(call.group(1), args)) is not None:
            out.append((message, code.count("\n", 0, call.start()) + 1))
    return out


@pytest.fixture(scope="module")
def code_messages() -> dict[tuple, str]:
    """Every (context, msgid, plural) marked in src/portal (.py, .html, .txt as makemessages scans), → where."""
    found: dict[tuple, str] = {}
    for path in sorted(PORTAL.rglob("*")):
        rel = path.relative_to(PORTAL)
        if "locale" in rel.parts or "__pycache__" in rel.parts or not path.is_file():
            continue
        if path.suffix == ".py":
            items = python_messages(path.read_text(encoding="utf-8"))
        elif path.suffix in (".html", ".txt"):
            items = template_messages(path.read_text(encoding="utf-8"), str(path))
        else:
            continue
        for message, line in items:
            found.setdefault(message, f"{rel}:{line}")
    return found


def test_the_code_scan_finds_what_makemessages_finds(code_messages):
    """The scan itself works: tags, blocktranslate with variables and plurals, contexts, gettext_noop."""
    assert len(code_messages) > 2000
    assert (None, "统计看板", None) in code_messages  # gettext_noop in web/context.py
    assert ("navigation", "企业", None) in code_messages  # pgettext_lazy
    assert ("level", "层级", None) in code_messages  # {% translate … context … %} and pgettext_lazy
    # blocktranslate with a variable
    assert (None, "%(at)s 重新读取后已通过校验并应用", None) in code_messages
    assert (None, "（%%）", None) in code_messages  # a literal % in a template is doubled
    assert (None, "共 %(n)s 项政策。", "共 %(n)s 项政策。") in code_messages  # blocktranslate count
    found = python_messages('x = _("甲") + gettext("乙%s" % 1) + pgettext("c", "丙")\ny = gettext(label)')
    assert {m for m, _line in found} == {(None, "甲", None), ("c", "丙", None)}
    sample = (
        '{% load i18n %}<p title="{% translate "甲" %}">{% blocktranslate with n=x %}乙 {{ n }} 成%{% endblocktranslate %}'
        '{{ y|default:_("丙") }}{% translate "丁" context "c" %}</p>'
    )
    assert {m for m, _line in template_messages(sample, "sample.html")} == {
        (None, "甲", None),
        (None, "乙 %(n)s 成%%", None),
        (None, "丙", None),
        ("c", "丁", None),
    }


def test_every_message_in_the_code_is_in_the_catalogue_and_translated(catalogue, code_messages):
    """A msgid added to a template or a .py file fails here until makemessages ran and English was written."""
    entries = {(e.get("msgctxt"), e["msgid"]): e for e in catalogue[1:]}
    missing, untranslated, plural = [], [], []
    for (ctx, msgid, msgid_plural), where in sorted(code_messages.items(), key=lambda kv: kv[1]):
        entry = entries.get((ctx, msgid))
        label = f"{where}: {msgid!r}" + (f" (context {ctx!r})" if ctx else "")
        if entry is None:
            missing.append(label)
        elif "fuzzy" in entry["flags"] or any(not s.strip() for s in _translations(entry)):
            untranslated.append(label)
        elif msgid_plural is not None and entry.get("msgid_plural") != msgid_plural:
            plural.append(label)
    # gettext("") returns the catalogue's header, never a text
    assert (None, "", None) not in code_messages, code_messages.get((None, "", None))
    hint = "run the procedure in src/portal/locale/README.md (makemessages, English, compilemessages)"
    assert not missing, f"{len(missing)} msgids not in django.po ({hint}), e.g. {missing[:8]}"
    assert not untranslated, (
        f"{len(untranslated)} msgids untranslated or fuzzy ({hint}), e.g. {untranslated[:8]}"
    )
    assert not plural, f"plural forms differ from django.po: {plural[:8]}"


# ------------------------------------------------------------------------------------------ the pages


needs_db = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client, url: str) -> str:
    resp = client.get(url, follow=True)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.content.decode("utf-8")


def nav_of(html: str) -> str:
    """The header (brand, navigation, account links) as text."""
    header = html.split('<header class="top">', 1)[1].split("</header>", 1)[0]
    return re.sub(r"<[^>]+>", " ", header)


@pytest.fixture
def submitted(gov, hz_enterprise, hz_owner) -> Application:
    """A 专精特新 application awaiting the city's review (province batch, real PDF, signed declaration)."""
    today = timezone.localdate()
    batch = actions.open_batch(
        gov["zj_province"],
        tier="specialized",
        year=today.year,
        name=f"{today.year}年浙江省专精特新中小企业认定",
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=30),
        review_level="city",
    )
    app = actions.create_application(hz_owner, hz_enterprise, batch)
    actions.attach_evidence(
        hz_owner, app, SimpleUploadedFile("营业执照.pdf", tiny_pdf(), content_type="application/pdf")
    )
    app.refresh_from_db()
    return actions.submit_application(hz_owner, app, expected_version=app.version, declaration_accepted=True)


@needs_db
def test_visitor_home_switches_with_the_cookie(client):
    chinese = page(client, reverse("web:home"))
    assert "<h1>专精特新一站式服务平台</h1>" in chinese and '<html lang="zh-hans">' in chinese
    assert ">English</button>" in chinese

    text = page(english(client), reverse("web:home"))
    assert '<html lang="en">' in text
    assert "<h1>SRDI one-stop service platform</h1>" in text
    assert "Verify a certificate" in text and "Enterprise registration" in text
    assert ">中文</button>" in text  # the way back is always in the other language
    assert "专精特新一站式服务平台" not in text


@needs_db
def test_enterprise_pages_in_english(client, hz_owner, submitted):
    client.force_login(hz_owner)
    english(client)

    home = page(client, reverse("web:home"))  # redirects to the self-assessment
    assert "<h1>Cultivation self-assessment</h1>" in home
    nav = nav_of(home)
    for label in (
        "Enterprise profile",
        "Self-assessment",
        "Applications",
        "Certificates",
        "Inbox",
        "Log out",
    ):
        assert label in nav
    assert not [w for w in ENTERPRISE_NAV_ZH if w in nav], nav
    assert "Assess again" in home

    profile = page(client, reverse("enterprises:profile"))
    assert "<h1>Enterprise profile</h1>" in profile
    assert "<h2>Financial data</h2>" in profile and "<h2>Basic information</h2>" in profile
    assert "Operating revenue (10k yuan)" in profile  # a field label
    assert "Unified social credit code" in profile
    assert "Save enterprise profile" in profile
    assert ">Yes</option>" in profile and ">Not filled in</option>" in profile  # choices, via gettext_lazy
    assert ">invention patent</option>" in profile  # names from the rule data's own English

    mine = page(client, reverse("cultivation:my_applications"))
    assert "My applications" in mine
    assert "Specialised, refined, distinctive and innovative (SRDI) SME" in mine  # TextChoices label
    assert "Awaiting review" in mine  # ApplicationState label
    assert "待审核" not in mine


@needs_db
def test_city_official_queue_in_english(client, gov, submitted):
    client.force_login(gov["hz_city"])
    english(client)

    queue = page(client, reverse("web:home"))  # officials land on their review queue
    assert "<h1>Review queue</h1>" in queue
    assert "Bulk approval" in queue
    assert "杭州精工减速机有限公司" in queue  # names are data, never translated
    nav = nav_of(queue)
    for label in ("Review queue", "Application rounds", "Enterprises", "Recognitions", "Cultivation pool"):
        assert label in nav
    assert not [w for w in OFFICIAL_NAV_ZH if w in nav], nav

    review = page(client, reverse("cultivation:review", args=[submitted.pk]))
    assert "Approve and start public notice" in review  # the workflow's button label
    assert "<summary>Return for correction</summary>" in review and "<summary>Reject</summary>" in review
    assert "Awaiting review" in review  # the state, a different English word than the action

    directory = page(client, reverse("enterprises:directory"))
    assert "Enterprise directory" in directory


@needs_db
def test_without_the_cookie_everything_stays_chinese(client, gov, hz_owner, submitted):
    client.force_login(hz_owner)
    home = page(client, reverse("web:home"))
    assert "<h1>梯度培育自评</h1>" in home
    nav = nav_of(home)
    assert "企业画像" in nav and "认定证书" in nav and "退出" in nav
    assert "Enterprise profile" not in nav
    assert "专精特新中小企业" in page(client, reverse("cultivation:my_applications"))

    client.force_login(gov["hz_city"])
    queue = page(client, reverse("web:home"))
    assert "<h1>审核队列</h1>" in queue and "待审核" in queue


@needs_db
def test_action_errors_follow_the_page_language(gov, submitted):
    """A refusal from an action function is shown in the reader's language (same words in Chinese)."""
    with translation.override("en"), pytest.raises(actions.NotAllowed) as refused:
        actions.approve_application(gov["xh_county"], submitted, expected_version=submitted.version)
    assert refused.value.message.startswith("County authority cannot Approve and start public notice")
    assert "this is done by the City authority" in refused.value.message

    with pytest.raises(actions.NotAllowed) as refused:
        actions.approve_application(gov["xh_county"], submitted, expected_version=submitted.version)
    assert refused.value.message.startswith("县级主管部门不能审核通过并公示申报“")
    assert refused.value.message.endswith("：此操作由市级主管部门办理。")


@needs_db
def test_stored_texts_stay_chinese_when_the_actor_reads_english(
    gov, hz_enterprise, hz_owner, submitted, django_capture_on_commit_callbacks
):
    """Audit rows and inbox messages are records other people read later: always in Chinese."""
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        actions.approve_application(gov["hz_city"], submitted, expected_version=submitted.version)
    entry = AuditEntry.objects.filter(action="cultivation.approve").get()
    assert str(Tier.SPECIALIZED.label) in entry.target_label  # evaluated here, outside: the Chinese label
    assert "专精特新中小企业" in entry.target_label and "SRDI" not in entry.target_label
    note = hz_enterprise.notifications.order_by("-id").first()
    assert note.title == "申报已通过审核，进入公示：专精特新中小企业"


@needs_db
def test_json_api_answers_in_chinese_whatever_accept_language_says(client, hz_owner, submitted):
    from portal.api.actions import issue_token

    _token, secret = issue_token(hz_owner, "i18n")
    resp = client.get(
        f"/api/applications/{submitted.pk}",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["tier_label"] == "专精特新中小企业" and body["state_label"] == "待审核"

    missing = client.get(
        "/api/applications/999999", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert missing.status_code == 404
    assert missing.json()["message"].startswith("申报（编号 999999）不存在或不在您的管辖范围内。")
    assert missing.json()["message_en"].isascii()


# ------------------------------------------------------------------------------------------ more pages


def visible_text(html: str) -> str:
    """The text a reader sees in <main> (no scripts, no tags), with attribute texts users also read."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<script\b.*?</script>", " ", main, flags=re.S)
    shown = " ".join(re.findall(r'(?:title|placeholder|aria-label|data-map-failed)="([^"]*)"', main))
    return re.sub(r"<[^>]+>", " ", main) + " " + shown


def chinese_left(text: str, data: tuple[str, ...]) -> list[str]:
    """Runs of Chinese still on an English page once names that are data (regions, enterprises …) are removed."""
    for name in sorted(data, key=len, reverse=True):
        text = text.replace(name, " ")
    return re.findall(r"[\u3400-\u9fff][^<>\n]{0,20}", text)


@needs_db
def test_official_dashboard_in_english(client, gov):
    from portal.dashboard.models import RefreshState
    from portal.dashboard.tasks import refresh_stats

    from .test_dashboard import application, enterprise, title

    xh = enterprise("西湖精密传动有限公司", "330106", industry="C3484", digital=3)
    yh = enterprise("余杭新材料有限公司", "330110", industry="C2651", digital=2)
    title(xh, "specialized", 2025)
    title(yh, "little_giant", 2025)
    application(xh, "little_giant", "recommended", review_days=4)
    assert refresh_stats.call()["state"] == RefreshState.DONE

    client.force_login(gov["hz_city"])
    html = page(english(client), reverse("dashboard:index"))
    assert "<h1>Statistics dashboard · 浙江省杭州市</h1>" in html  # the region's name is data
    nav = nav_of(html)
    assert "Statistics dashboard" in nav and "Policy" in nav and "Data exchange" in nav
    assert not [w for w in (*OFFICIAL_NAV_ZH, "统计看板", "政策", "互联互通", "向上级推荐") if w in nav], nav
    for text in (
        "Refresh statistics",
        "Enterprises in total",
        "Cultivation recognitions (by year of recognition)",
        "Digitalisation levels",
        "Applications by status",
        "Export data",
        "View data table",
        'data-map-failed="The map data could not be loaded; please see the data table below."',
    ):
        assert text in html, text
    names = ("浙江省杭州市", "西湖区", "余杭区", "制造业")  # GB/T 2260 and GB/T 4754 names stay Chinese
    left = chinese_left(visible_text(html), names)
    assert not left, left
    # the charts' own words (series, axes) come as JSON from the same translated labels
    charts = json.loads(
        re.search(r'<script id="dash-data" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    words = json.dumps(charts, ensure_ascii=False)
    assert "Enterprises" in words
    assert not chinese_left(words, names), words[:500]


@needs_db
def test_policy_search_in_english(client, gov):
    from portal.policies import actions as policy_actions

    from .test_policies import policy_data

    policy = policy_actions.save_policy(gov["xh_county"], policy_data())
    policy_actions.publish_policy(gov["xh_county"], policy, expected_version=policy.version)

    html = page(english(client), reverse("policies:search"))
    assert "<h1>Policies</h1>" in html
    for text in (
        ">Keywords</label>",
        ">Level</label>",  # the policy's issuing level, not a cultivation tier
        ">All levels</option>",
        ">National</option>",
        ">Type of support</label>",
        ">Subsidy</option>",
        "Open for applications only",
        ">Search</button>",
        "Reward · 10 × 10k yuan",  # the benefit line: type and amount
    ):
        assert text in html, text
    assert "西湖区专精特新企业奖励" in html and "西湖区经信局" in html  # titles and issuers are data
    data = (
        "西湖区专精特新企业奖励",
        "西湖区经信局",
        "西经信〔2026〕1号",
        "一次性奖励 10 万元",
        "浙江省杭州市西湖区",
    )
    data += ("小巨人", "研发费用", "免申即享")  # the search box's example words (KEEPS_CHINESE)
    left = chinese_left(visible_text(html), data)
    assert not left, left

    assert "<p>1 policy.</p>" in html  # blocktranslate count: the English plural
    none = page(client, reverse("policies:search") + "?q=小巨人&level=national")
    assert "<p>0 policies.</p>" in none
    assert "No matching policies found. Try another keyword or fewer filters." in none
    bad = page(client, reverse("policies:search") + "?region=9")
    assert "Region code: must be a 2-, 4- or 6-digit administrative division code" in bad  # a form error


def test_policy_issuer_levels_read_alike_in_english():
    """A policy card said "county level · …" beside "City · …": the county's label was the region kind's."""
    from portal.policies.models import Level

    with translation.override("en"):
        assert [str(choice.label) for choice in Level] == ["National", "Provincial", "City", "County"]
    with translation.override("zh-hans"):
        assert str(Level.COUNTY.label) == "区县级"

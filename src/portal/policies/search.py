"""Full-text search over policies in Chinese: words segmented with rjieba, indexed by the database.

Why segment ourselves: neither SQLite FTS5 nor PostgreSQL's parser splits Chinese into words.
Each policy's text is cut in search mode (a word and its parts: 专精特新 → 专精, 专精特新) with
the programme's own terms added to the dictionary (小巨人, 免申即享, 加计扣除…), and stored as
space-separated tokens in `Policy.search_text`. A query is cut the same way (precise mode) and
every word must occur.

Backends: SQLite keeps the tokens in an FTS5 table `policies_policy_fts` (rowid = policy id),
ranked by bm25; PostgreSQL matches `array_to_tsvector` of the tokens against a tsquery built
from the query's words (exact lexemes, no stemming), with a GIN index (migration 0002).
"""

from __future__ import annotations

import re
from functools import cache

from django.db import connection

# Terms of the programme that a general dictionary splits into meaningless parts.
DOMAIN_WORDS = (
    "专精特新",
    "小巨人",
    "专精特新小巨人",
    "免申即享",
    "单项冠军",
    "隐形冠军",
    "加计扣除",
    "加计抵减",
    "高新技术企业",
    "科技型中小企业",
    "创新型中小企业",
    "中小企业",
    "小型微利企业",
    "小规模纳税人",
    "数字化转型",
    "数字化改造",
    "贷款贴息",
    "服务券",
    "研发费用",
    "研发投入",
    "产业集群",
    "先进制造业",
    "工业六基",
    "首台套",
    "瞪羚企业",
    "独角兽",
    "一般纳税人",
    "六税两费",
)
_WORD = re.compile(r"\w", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]+")


@cache
def _jieba():
    try:
        import rjieba
    except ImportError:  # segmentation falls back to characters and pairs of characters
        return None
    j = rjieba.Jieba()
    for word in DOMAIN_WORDS:
        j.add_word(word, 2000000, None)
    return j


def _fallback(text: str) -> list[str]:
    out: list[str] = []
    for part in re.findall(r"\w+", text):
        for run in _CJK.findall(part) or [part]:
            out += [run[i : i + 2] for i in range(max(len(run) - 1, 1))]
        out += re.sub(r"[\u3400-\u9fff]", " ", part).split()
    return out


def _clean(tokens) -> list[str]:
    return [t.lower() for t in (t.strip() for t in tokens) if t and _WORD.search(t)]


def index_tokens(text: str) -> list[str]:
    """Words of a document, each with its parts, for the index."""
    j = _jieba()
    return _clean(j.cut_for_search(text) if j else _fallback(text))


def query_tokens(text: str) -> list[str]:
    """Words a query asks for (every one must occur), without repeats."""
    j = _jieba()
    seen: list[str] = []
    for t in _clean(j.cut(text) if j else _fallback(text)):
        if t not in seen:
            seen.append(t)
    return seen


def document(policy) -> str:
    """The indexed text of a policy: title, document number, issuer, benefit, summary, full text, conditions."""
    labels = " ".join(str(c.get("label") or "") for c in policy.conditions or [] if isinstance(c, dict))
    parts = [
        policy.title,
        policy.document_number,
        policy.department,
        policy.benefit_text,
        policy.summary,
        policy.full_text,
        labels,
    ]
    return " ".join(index_tokens("\n".join(p for p in parts if p)))


def reindex(policy) -> None:
    """Store the policy's tokens (the field, and the FTS5 row on SQLite); call after saving the policy."""
    text = document(policy)
    type(policy).objects.filter(pk=policy.pk).update(search_text=text)
    policy.search_text = text
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("DELETE FROM policies_policy_fts WHERE rowid = %s", [policy.pk])
            cur.execute("INSERT INTO policies_policy_fts (rowid, body) VALUES (%s, %s)", [policy.pk, text])


def unindex(policy_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("DELETE FROM policies_policy_fts WHERE rowid = %s", [policy_id])


def matching_ids(query: str) -> list[int] | None:
    """Ids of policies containing every word of `query`, best first; None when the query has no words."""
    words = query_tokens(query)
    if not words:
        return None
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            match = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
            cur.execute(
                "SELECT rowid FROM policies_policy_fts WHERE policies_policy_fts MATCH %s ORDER BY bm25(policies_policy_fts)",
                [match],
            )
        elif connection.vendor == "postgresql":
            tsquery = " & ".join("'" + w.replace("'", "''").replace("\\", "") + "'" for w in words)
            cur.execute(
                "SELECT id FROM policies_policy WHERE "
                "array_to_tsvector(array_remove(string_to_array(search_text, ' '), '')) @@ %s::tsquery "
                "ORDER BY ts_rank(array_to_tsvector(array_remove(string_to_array(search_text, ' '), '')), %s::tsquery) DESC, id",
                [tsquery, tsquery],
            )
        else:  # another backend: the tokens are still there to match
            padded = [f" {w} " for w in words]
            from .models import Policy

            ids = Policy.objects.values_list("id", "search_text")
            return [pk for pk, text in ids if all(p in f" {text} " for p in padded)]
        return [row[0] for row in cur.fetchall()]

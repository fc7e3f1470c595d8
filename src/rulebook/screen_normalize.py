"""`rulebook.flat.normalize` with the cell checks read from the cells as given.

Why this module: `flat.normalize` builds the scaled value columns and the `_errors`
checks from the same raw columns, but applies them in two `with_columns` steps, so the
checks run on the already converted columns. The result: every enum cell is reported
("取值须为 … 之一", the cell now holds its order number), every ratio above one millionth
is reported ("比例须在 0 到 1 之间", the cell now holds millionths), and the real problems
(negative amounts, "abc" in a number column, bad dates) are not reported at all because
the converted cell is already null. The values themselves are right.

`normalize_checked` reuses normalize's own expressions unchanged and only puts both
lists into one `with_columns`, where every expression reads the input columns. Once
`flat.normalize` does the same, this module can go (the test in tests/test_screen.py
compares the two).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .flat import normalize


class _Capture:
    """Stands in for a LazyFrame while normalize builds its expressions; records them instead of applying."""

    def __init__(self, lf: pl.LazyFrame):
        self._lf = lf
        self.steps: list[list[pl.Expr]] = []

    def collect_schema(self):
        return self._lf.collect_schema()

    def with_columns(self, *exprs: Any, **named: Any) -> _Capture:
        flat: list[pl.Expr] = []
        for e in exprs:
            flat.extend(e if isinstance(e, list | tuple) else [e])
        flat.extend(v.alias(k) for k, v in named.items())
        self.steps.append(flat)
        return self


def normalize_checked(lf: pl.LazyFrame, kinds: dict[str, str] | None = None) -> pl.LazyFrame:
    """As `flat.normalize`, with `_errors` computed from the raw cells."""
    capture = _Capture(lf)
    result = normalize(capture, kinds)  # type: ignore[arg-type]
    if result is not capture or len(capture.steps) != 2:
        return normalize(lf, kinds)  # normalize changed shape: trust it as it is
    values, errors = capture.steps
    return lf.with_columns([*values, *errors])

"""The shapes of test the gap search solves, per rule set: what a vectorised cheapest-change search must cover.

Usage: .venv/bin/python benchmarks/gap_shapes.py [RULE_SET …]   (default: cn-miit-2022 cn-miit-2026)
Each criterion's test (or each option's test) is printed as its shape: metrics expanded, facts by kind
(`/lever` where a plan may move them), constants as `const`. See docs/decisions/0004-screening-gap-plans.md.
"""

import collections
import sys

from rulebook import expr as E
from rulebook.facts import CATALOGUE
from rulebook.registry import default_registry

reg = default_registry()


def shape(n, metrics, depth=0) -> str:
    t = type(n).__name__
    if isinstance(n, E.Ref):
        return shape(metrics[n.name], metrics, depth)
    if isinstance(n, E.Fact):
        spec = CATALOGUE.get(n.name)
        if spec is None:  # a province's own indicator (local_…), scored by the enterprise's self-assessment
            return "fact:local"
        return f"fact:{spec.kind}{'/lever' if spec.lever else ''}"
    if isinstance(n, E.Const):
        return "const"
    if isinstance(n, E.Call):
        if n.fn in ("held", "full_years"):
            return n.fn
        inner = sorted({shape(a, metrics, depth + 1) for a in n.args if not isinstance(a, E.Const)})
        return f"{n.fn}({','.join(inner)})"
    if isinstance(n, E.BinOp):
        return f"({shape(n.left, metrics, depth + 1)}{n.op}{shape(n.right, metrics, depth + 1)})"
    if isinstance(n, E.Neg | E.Not):
        return f"{t}({shape(n.operand, metrics, depth + 1)})"
    if isinstance(n, E.Compare):
        return f"{shape(n.left, metrics, depth + 1)} {n.op} {shape(n.right, metrics, depth + 1)}"
    if isinstance(n, E.BoolOp):
        return f"{n.op}[" + "; ".join(sorted({shape(v, metrics, depth + 1) for v in n.values})) + "]"
    return t


for rid in sys.argv[1:] or ("cn-miit-2022", "cn-miit-2026"):
    rs = reg.get(rid)
    c = collections.Counter()
    for _cid, crit in rs.criteria.items():
        tests = [crit.test] if crit.test is not None else [o.test for o in crit.options if o.test is not None]
        for tnode in tests:
            c[shape(tnode, rs.metrics)] += 1
    print(rid, len(c), "distinct shapes over", sum(c.values()), "tests")
    for k, v in c.most_common(60):
        print(f"  {v:3d}  {k[:150]}")

"""Time every tier of the 2022 rules over N normalised synthetic rows: python benchmarks/evaluate_all_tiers.py N."""

import datetime as dt
import sys
import time

from rulebook import default_registry
from rulebook.flat import evaluate_frame, local_kinds, normalize
from zjtx.synth import generate_chunk

REGISTRY = default_registry()
AS_OF = dt.date(2024, 6, 30)


def main(n: int) -> None:
    kinds = local_kinds(REGISTRY, "cn-miit-2022")
    frame = normalize(generate_chunk(0, n, 1, AS_OF.year - 1).lazy(), kinds).collect()
    best = None
    for _ in range(3):
        start = time.perf_counter()
        evaluate_frame(frame.lazy(), AS_OF, "cn-miit-2022", REGISTRY).collect()
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    print(f"{n} rows, every tier of cn-miit-2022: best of 3 = {best:.3f} s ({n / best:,.0f} rows/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

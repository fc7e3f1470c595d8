"""The gap plans of a screening's candidate rows, on every core.

Why: a plan is the single-profile gap search (`rulebook.screen_gaps`), pure Python at several
milliseconds a row, so a thousand plans would keep one core busy for seconds while the other
idles. Helper processes (`python -m zjtx.screen_plans`, fed through a pipe by a thread of this
process: nothing of this process is copied or re-imported in them — no Polars thread pool, no
database connection, no caller's script) take chunks of rows from the front of the list while
this process takes them from the back. A helper that cannot start or dies leaves its chunks to
this process: the plans are the same either way.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from rulebook.registry import Registry

PARALLEL_MIN = 100  # fewer plans are done in this process alone (starting a helper costs about half a second)
CHUNK_ROWS = 20  # rows a helper takes at a time
MAX_HELPERS = (
    3  # each helper holds its own interpreter (≈ 100 MB); a container may see more cores than it may use
)

# row number → (plan text, reaches the tier); None where the single path does not agree that the tier is missed
Plans = dict[int, tuple[str, bool] | None]
Rows = Sequence[dict[str, Any]]


class _Planner:
    """Plans rows one by one with one `PlanCache` (in this process, or in a helper)."""

    def __init__(self, registry: Registry, base_id: str, kinds: dict[str, str], as_of: dt.date):
        from rulebook.screen_gaps import PlanCache

        self.registry, self.base, self.kinds, self.as_of = registry, registry.get(base_id), kinds, as_of
        self.cache = PlanCache()

    def plan(self, row: dict[str, Any]) -> tuple[str, bool] | None:
        from rulebook.screen_gaps import (
            cached_plan_for,
            facts_from_row,
            plan_text,
            single_path_for,
            tier_outcomes,
        )

        facts = facts_from_row(row, self.as_of, self.kinds)
        tier = row["next_tier"]
        sp = single_path_for(facts, self.base, self.registry, tier, self.cache, tier_outcomes(row))
        if sp.qualified(tier) is not False:
            return None
        found = cached_plan_for(sp, tier, self.cache)
        return plan_text(found), found.reaches is True

    def chunk(self, rows: Rows) -> Plans:
        return {row["row"]: self.plan(row) for row in rows}


def _spawn() -> subprocess.Popen | None:
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "zjtx.screen_plans"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
    except OSError:
        return None  # no helper: the main thread does every chunk


def _close(proc: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        assert proc.stdin is not None
        proc.stdin.close()  # the helper reads the end of its input and exits
    proc.wait()


def helpers_for(rows: int) -> int:
    """Helper processes for `rows` plans: one per other core, at most MAX_HELPERS, at least PARALLEL_MIN rows each."""
    return max(min(cores() - 1, MAX_HELPERS, rows // PARALLEL_MIN), 0)


class HelperPool:
    """Helpers started ahead of their work (a screening starts them before reading the file), so that their
    interpreter and imports are ready when the plans begin; `plan_rows` takes what it needs, the rest is closed."""

    def __init__(self, count: int):
        self.procs = [p for p in (_spawn() for _ in range(count)) if p is not None]

    def take(self, count: int) -> list[subprocess.Popen]:
        taken, rest = self.procs[:count], self.procs[count:]
        self.procs = []
        for proc in rest:
            _close(proc)
        return taken

    def __enter__(self) -> HelperPool:
        return self

    def __exit__(self, *exc) -> None:
        self.take(0)


class _Helper(threading.Thread):
    """Feeds one helper process chunks from the front of `queue` and gathers its plans in `done`."""

    def __init__(
        self,
        setup: bytes,
        queue: collections.deque,
        lock: threading.Lock,
        proc: subprocess.Popen | None = None,
    ):
        super().__init__(daemon=True)
        self.setup, self.queue, self.lock, self.proc = setup, queue, lock, proc
        self.done: list[tuple[int, Plans]] = []  # (rows, plans) per finished chunk; read by the main thread

    def run(self) -> None:
        proc = self.proc or _spawn()
        if proc is None:
            return
        assert proc.stdin is not None and proc.stdout is not None
        try:
            try:
                proc.stdin.write(self.setup)
            except OSError:  # the helper exited at once
                return
            while True:
                with self.lock:
                    if not self.queue:
                        break
                    chunk = self.queue.popleft()
                try:
                    pickle.dump(chunk, proc.stdin)
                    proc.stdin.flush()
                    plans = pickle.load(proc.stdout)
                except (OSError, EOFError, pickle.UnpicklingError):  # the helper died: the chunk goes back
                    with self.lock:
                        self.queue.appendleft(chunk)
                    return
                self.done.append((len(chunk), plans))
        finally:
            _close(proc)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_rows(
    rows: list[dict[str, Any]],
    registry: Registry,
    base_id: str,
    kinds: dict[str, str],
    as_of: dt.date,
    progress: Callable[[int], None] = lambda done: None,
    helpers: int | None = None,
    stats: dict[str, int] | None = None,
    pool: HelperPool | None = None,
) -> Plans:
    """Each row's plan (normalized screening rows with `row` and `next_tier`); `progress(rows done)` as chunks finish.

    `helpers`: processes besides this one (default: one per other core, at most MAX_HELPERS; 0 = this process
    alone); never more than one per PARALLEL_MIN rows; `pool`: helpers already started (none is started then).
    `progress` is only ever called from the calling thread. `stats["helper_rows"]`: how many rows the helpers
    planned.
    """
    here = _Planner(registry, base_id, kinds, as_of)
    count = helpers_for(len(rows)) if helpers is None else max(min(helpers, len(rows) // PARALLEL_MIN), 0)
    queue = collections.deque(rows[i : i + CHUNK_ROWS] for i in range(0, len(rows), CHUNK_ROWS))
    lock = threading.Lock()
    setup = pickle.dumps((registry, base_id, kinds, as_of))
    procs: list[subprocess.Popen | None] = pool.take(count) if pool is not None else [None] * count
    threads = [_Helper(setup, queue, lock, proc) for proc in procs]
    for t in threads:
        t.start()
    out: Plans = {}
    mine = 0
    try:
        while True:
            with lock:
                chunk = queue.pop() if queue else None
            if chunk is None:
                for t in threads:  # a helper's last chunk, or one it gave back on dying
                    t.join()
                with lock:
                    if not queue:
                        break
                continue
            out.update(here.chunk(chunk))
            mine += len(chunk)
            progress(mine + sum(n for t in threads for n, _p in list(t.done)))
    finally:  # on an error here, the helpers stop after their current chunk
        with lock:
            queue.clear()
    for t in threads:
        for _n, plans in t.done:
            out.update(plans)
    if stats is not None:
        stats["helper_rows"] = sum(n for t in threads for n, _p in t.done)
    progress(len(rows))
    return out


def _serve() -> None:
    """The helper process: a setup, then chunks of rows in, their plans out (pickles on stdin/stdout)."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed by accident may corrupt the pipe
    import rulebook.screen_gaps  # noqa: F401  (imported while a screening that started this helper early reads)

    try:
        registry, base_id, kinds, as_of = pickle.load(stdin)
    except EOFError:  # started ahead, then not needed
        return
    planner = _Planner(registry, base_id, kinds, as_of)
    while True:
        try:
            chunk = pickle.load(stdin)
        except EOFError:
            return
        pickle.dump(planner.chunk(chunk), stdout)
        stdout.flush()


if __name__ == "__main__":
    try:
        _serve()
    except (
        KeyboardInterrupt,
        BrokenPipeError,
    ):  # Ctrl-C reaches the whole process group; the parent reports it
        sys.exit(1)

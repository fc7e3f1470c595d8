"""Runs rulebook screening exactly as `zjtx screen` does (zjtx.screen.screen), printing progress lines.

Usage: python screen_child.py INPUT OUTPUT AS_OF GAPS
Used for the 20,000,000-row memory run: the parent polls this process's peak RSS (VmHWM) and reads
the progress lines, so a run stopped by the time budget still says how far it got. Prints the
summary as one JSON line at the end, with this program's own peak RSS (`peak_rss_kib`, from VmHWM).
"""

import datetime as dt
import json
import sys
import time
from pathlib import Path

from zjtx.screen import screen

src, dst, as_of, gaps = sys.argv[1], sys.argv[2], dt.date.fromisoformat(sys.argv[3]), int(sys.argv[4])
started = time.perf_counter()


def progress(phase: str, done: int, total: int) -> None:
    print(f"progress\t{phase}\t{done}\t{total}\t{time.perf_counter() - started:.1f}", flush=True)


summary = screen(src, dst, as_of=as_of, gaps=gaps, progress=progress)
out = {k: v for k, v in summary.items() if k not in ("unknown_columns", "unread_columns")}
# this program's own peak RSS, to the end: VmHWM (ru_maxrss would also count the parent's pages this process
# shared between fork and exec — the driver's 1e6-row frames, 3.4 GB in a full run)
status = Path("/proc/self/status").read_text().splitlines()
out["peak_rss_kib"] = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps(out, ensure_ascii=False), flush=True)

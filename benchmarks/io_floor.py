"""The I/O floor of screening: read the input Parquet and write an output of the same size.

Usage: python io_floor.py INPUT.parquet LIKE.parquet DEST.parquet [COLUMNS]
LIKE is the output `zjtx screen` wrote for INPUT; it is loaded before the clock starts, so the timed
part is exactly: read every column of INPUT into memory + write a table of LIKE's rows and columns
(zstd, as screen does). COLUMNS (comma-separated): read only these (the columns screen itself reads).
Prints one JSON line {read_s, write_s, total_s}.
"""

import json
import sys
import time

import polars as pl

src, like, dest = sys.argv[1:4]
columns = sys.argv[4].split(",") if len(sys.argv) > 4 else None
out = pl.read_parquet(like)
t0 = time.perf_counter()
df = pl.read_parquet(src, columns=columns)
t1 = time.perf_counter()
out.write_parquet(dest, compression="zstd")
t2 = time.perf_counter()
print(json.dumps({"rows": df.height, "read_s": t1 - t0, "write_s": t2 - t1, "total_s": t2 - t0}))

"""Where every bench's table goes: printed, and appended to bench/RESULTS.md unless BENCH_WRITE=0
(a trial run that should leave the record as it is)."""
from __future__ import annotations

import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def publish(table: str) -> None:
    print(table)
    if os.environ.get("BENCH_WRITE", "1") != "0":
        with open(RESULTS, "a") as out:
            out.write(table)

"""How fast is the functional core? Assessments per second per profile, 45-working-day sums per
second, and peak memory of a batch. Results are written down in bench/RESULTS.md, never asserted."""
from __future__ import annotations

import platform
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from protocol import Facts, assess, load_profile, profile_names  # noqa: E402
from scheduling.calendar import calendar_for  # noqa: E402

FACTS = Facts(
    received_at="2026-12-23T16:30:00+00:00",
    concerns=["serious_physical_injury", "organised_abuse", "sexual_abuse"],
    in_education=True, looked_after=True, medical_implications=True, in_hospital=True, inpatient=True,
    adult_services_involved=True, referrer_agency="school", child_age_years=9,
)


def rate(fn, seconds: float = 1.0) -> float:
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            fn()
        count += 100
    return count / elapsed


def main() -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.processor() or 'cpu'}")
    for name in profile_names():
        profile = load_profile(name)
        calendar = calendar_for(profile)
        assess(profile, FACTS, calendar)  # warm the holiday table
        print(f"assess[{name}]: {rate(lambda: assess(profile, FACTS, calendar)):,.0f} per second")
    calendar = calendar_for(load_profile("hackney"))
    print(f"add_working_days(45): {rate(lambda: calendar.add_working_days(date(2026, 12, 23), 45)):,.0f} per second")
    start = time.perf_counter()
    load_profile("hackney")
    print(f"load_profile(hackney): {(time.perf_counter() - start) * 1000:.1f} ms")
    profile = load_profile("hackney")
    tracemalloc.start()
    results = [assess(profile, FACTS, calendar) for _ in range(1000)]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"1,000 assessments held in memory: peak {peak / 1024:.0f} KiB ({len(results)} kept)")


if __name__ == "__main__":
    main()

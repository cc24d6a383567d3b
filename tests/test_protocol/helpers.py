from __future__ import annotations

from functools import lru_cache

from protocol import Facts, assess, load_profile
from scheduling.calendar import calendar_for

PROFILES = ("hackney", "bristol", "triborough", "walsall", "darlington")
MONDAY_10AM = "2026-11-23T10:00:00+00:00"  # an ordinary working Monday, GMT


@lru_cache
def profile(name: str):
    return load_profile(name)


def run(profile_name: str, *, received_at: str = MONDAY_10AM, region: str | None = None, **facts):
    loaded = profile(profile_name)
    return assess(loaded, Facts(received_at=received_at, **facts), calendar_for(loaded, subdivision=region))

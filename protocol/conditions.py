"""Does a profile rule's `when` hold for these facts?"""
from __future__ import annotations

from .facts import Facts
from .profile import Condition


def holds(condition: Condition, facts: Facts, *, out_of_hours: bool) -> bool:
    tests = (
        not condition.concerns_any or any(c in facts.concerns for c in condition.concerns_any),
        all(facts.is_true(f) for f in condition.facts),
        not condition.facts_any or any(facts.is_true(f) for f in condition.facts_any),
        condition.age_under is None
        or (facts.child_age_years is not None and facts.child_age_years < condition.age_under),
        condition.has_referrer is None or (facts.referrer_agency is not None) == condition.has_referrer,
        condition.out_of_hours is None or out_of_hours == condition.out_of_hours,
    )
    return all(tests)

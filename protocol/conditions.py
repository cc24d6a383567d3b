"""Does a profile rule's `when` hold for these facts?"""
from __future__ import annotations

from .facts import Facts
from .profile import Condition

# Compulsory school age in England: from 5 to 16 (Education Act 1996 s.8; the term after the fifth
# birthday to the end of year 11, read here from the age in years).
SCHOOL_AGE = (5, 16)


def school_age(facts: Facts) -> bool | None:
    age = facts.child_age_years
    return None if age is None else SCHOOL_AGE[0] <= age < SCHOOL_AGE[1]


def other_child_school_age(facts: Facts) -> bool:
    return any(SCHOOL_AGE[0] <= age < SCHOOL_AGE[1] for age in facts.other_children_ages)


def asked_facts(profile) -> frozenset[str]:
    """Every yes/no fact a rule of the profile asks about (`facts`, `facts_any`, `facts_not_denied` in any rule's `when`,
    wherever the rule is). A walk of the whole profile (0.6 ms): worked out once, by whoever holds the
    profile (bot.convene), for `unheeded`."""
    asked: set[str] = set()

    def collect(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("facts", "facts_any", "facts_not_denied") and isinstance(value, (list, tuple)):
                    asked.update(value)
                else:
                    collect(value)
        elif isinstance(node, (list, tuple)):
            for item in node:
                collect(item)

    collect(profile.model_dump())
    return frozenset(asked)


def unheeded(asked: frozenset[str], facts: Facts) -> tuple[str, ...]:
    """The yes/no facts said of this case (BooleanFact) that no rule of the profile asks about (`asked`:
    asked_facts): a tick that changes nothing here, said to the chair rather than taken silently (a
    procedures trial ticked "another local authority is involved" in four profiles whose seeds name no
    one for it)."""
    from typing import get_args

    from .vocabulary import BooleanFact

    return tuple(name for name in get_args(BooleanFact) if getattr(facts, name) is True and name not in asked)


def required_parts(rules, facts: Facts, *, out_of_hours: bool | None) -> set[str]:
    """The parts of this discussion's record that must be filled in: the profile's always, and those
    its `required_when` asks of a case like this one (safe discharge, for a child in hospital)."""
    return set(rules.required) | {r.field for r in rules.required_when if holds(r.when, facts, out_of_hours=out_of_hours)}


def holds(condition: Condition, facts: Facts, *, out_of_hours: bool | None) -> bool:
    """`out_of_hours`: whether the discussion is (to be) held out of hours, by the Emergency Duty Team;
    None where that is not known yet (a timescale, which decides it), and a rule may not test it."""
    tests = (
        not condition.concerns_any or any(c in facts.concerns for c in condition.concerns_any),
        all(facts.is_true(f) for f in condition.facts),
        not condition.facts_any or any(facts.is_true(f) for f in condition.facts_any),
        all(getattr(facts, f) is not False for f in condition.facts_not_denied),
        condition.age_under is None
        or (facts.child_age_years is not None and facts.child_age_years < condition.age_under),
        condition.age_at_least is None
        or (facts.child_age_years is not None and facts.child_age_years >= condition.age_at_least),
        condition.school_age is None or school_age(facts) is condition.school_age,
        condition.other_child_school_age is None or other_child_school_age(facts) is condition.other_child_school_age,
        condition.age_known is None or (facts.child_age_years is not None) == condition.age_known,
        condition.has_referrer is None or (facts.referrer_agency is not None) == condition.has_referrer,
        condition.out_of_hours is None or out_of_hours == condition.out_of_hours,
    )
    return all(tests)

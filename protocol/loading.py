"""Reading profiles: the one place the protocol package touches files (its own data)."""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from .errors import ProfileError, describe
from .profile import Baseline, ClockRule, Profile, WorkingDays

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A shipped profile by name (`hackney`) or any profile file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        if str(name_or_path) not in profile_names():
            raise ProfileError(f"unknown profile {str(name_or_path)!r}; choose one of {', '.join(profile_names())}")
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except yaml.YAMLError as error:
        raise ProfileError(f"{path}: not valid YAML ({error.__class__.__name__}: {error})".replace("\n", " ")) from None
    return parse_profile(raw, origin=str(path))


BASELINE_DIR = Path(__file__).resolve().parent / "baselines"


def load_baseline(name: str) -> Baseline:
    path = BASELINE_DIR / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in BASELINE_DIR.glob("*.yaml")))
        raise ProfileError(f"extends: unknown baseline {name!r}; choose one of {known}")
    try:
        return Baseline.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        raise ProfileError(f"{path}: {describe(error)}") from None


def parse_profile(raw: object, *, origin: str = "profile") -> Profile:
    if not isinstance(raw, dict):
        raise ProfileError(f"{origin}: a profile must be a mapping of fields")
    if isinstance(raw.get("extends"), str):
        raw = _extended(raw, load_baseline(raw["extends"]), origin=origin)
    try:
        return Profile.model_validate(raw)
    except ValidationError as error:
        raise ProfileError(f"{origin}: {describe(error)}") from None


def _extended(raw: dict, baseline: Baseline, *, origin: str) -> dict:
    """The local profile on top of its baseline: the baseline's clocks stand unless the profile
    states the same clock, which it may only tighten; its reading of "same day" unless it has one."""
    try:
        local_clocks = [ClockRule.model_validate(c) for c in raw.get("clocks") or ()]
    except (ValidationError, TypeError):
        local_clocks = []  # the whole profile's validation below names the field that is wrong
    stated = {c.clock: c for c in local_clocks}
    for national in baseline.clocks:
        local = stated.get(national.clock)
        if local is not None and _looseness(local.within) > _looseness(national.within):
            raise ProfileError(f"{origin}: clocks: {national.clock} may only be tightened from the baseline's "
                               f"({national.source}), not loosened")
    inherited = [c.model_dump() for c in baseline.clocks if c.clock not in stated]
    national_reminders = {c.clock: {"remind_working_days_before": c.remind_working_days_before, "remind_source": c.remind_source}
                          for c in baseline.clocks if c.remind_working_days_before}
    # A clock restated to tighten it keeps the baseline's own reminder unless it states one.
    clocks = [{**national_reminders.get(c.get("clock"), {}), **c} if isinstance(c, dict) else c for c in raw.get("clocks") or ()]
    invitees = raw.get("invitees")
    if isinstance(invitees, list):  # (anything else is left for the validation below to name)
        invited = {rule.get("agency") for rule in invitees if isinstance(rule, dict)}  # a local rule for an agency stands instead
        invitees = invitees + [r.model_dump() for r in baseline.invitees if r.agency not in invited]
    return {**raw, "same_day": raw.get("same_day") or baseline.same_day.model_dump(),
            **({"invitees": invitees} if "invitees" in raw else {}),
            "clocks": clocks + inherited}  # the profile's own first: errors keep their index


def _looseness(within) -> float:
    """How long a `within` allows, for comparison only: sooner ranks lower."""
    if isinstance(within, WorkingDays):
        return within.working_days
    return {"immediately": -2, "same_day": -1, "next_working_day_start": 0.5, "as_soon_as_practicable": float("inf")}[within]

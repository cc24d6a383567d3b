"""`python -m protocol check PROFILE_OR_FILE` and `python -m protocol assess --profile NAME --facts FILE`.

Exit codes: 0 fine, 2 bad input (an unknown key or value, a broken profile), each with one line
on stderr that names what is wrong.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from pydantic import ValidationError

from . import FactsError, Outcome, ProtocolError, assess, clocks_owed, load_profile
from .errors import describe
from .facts import Facts


def _no_duplicate_keys(pairs: list) -> dict:
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise FactsError(f"facts: {', '.join(repeated)} given twice")
    return dict(pairs)


def _read_facts(source: str) -> Facts:
    try:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
    except OSError as error:
        raise FactsError(f"facts: cannot read {source}: {error.strerror}") from None
    try:
        raw = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise FactsError(f"facts: not valid JSON ({error})") from None
    except RecursionError:
        raise FactsError("facts: nested too deeply to be case facts") from None
    if not isinstance(raw, dict):
        raise FactsError("facts: expected one JSON object")
    try:
        return Facts.model_validate(raw)
    except ValidationError as error:
        raise FactsError(f"facts: {describe(error)}") from None


def _read_outcome(source: str) -> Outcome:
    try:
        raw = json.loads(open(source, encoding="utf-8").read(), object_pairs_hook=_no_duplicate_keys)
        return Outcome(held_at=datetime.fromisoformat(raw["held_at"]), s47_started=raw.get("s47_started", False) is True,
                       not_researched=tuple(str(a) for a in raw.get("not_researched", ())), quorate=raw.get("quorate", True) is not False)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise FactsError(f"outcome: {type(error).__name__}: {error}") from None


def _owed_json(clock) -> dict:
    return {"clock": clock.clock, "due": clock.due.isoformat() if clock.due else None, "text": clock.text, "source": clock.source}


def main(argv: list[str] | None = None) -> int:
    # Imported here: the calendar is the shell's (it wraps the `holidays` package).
    from scheduling.calendar import calendar_for

    parser = argparse.ArgumentParser(prog="python -m protocol", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate a profile (a shipped name or a YAML file)")
    check.add_argument("profile")
    run = commands.add_parser("assess", help="assess case facts (JSON) against a profile")
    run.add_argument("--profile", required=True)
    run.add_argument("--facts", required=True, help="a JSON file, or - for standard input")
    run.add_argument("--holiday-region", default=None, help="ENG, WLS, SCT or NIR (default: the profile's)")
    run.add_argument("--outcome", default=None,
                     help='how the discussion went (JSON: {"held_at": ISO time, "s47_started": bool, "not_researched": '
                          '[agencies], "quorate": bool}): adds "owed", the clocks the finalised record leaves running')
    args = parser.parse_args(argv)
    try:
        profile = load_profile(args.profile)
        if args.command == "check":
            print(f"{profile.id}: ok ({len(profile.timescales.rules)} timescale rules, "
                  f"{len(profile.invitees)} invitee rules, {len(profile.clocks)} clocks)")
            return 0
        facts = _read_facts(args.facts)
        calendar = calendar_for(profile, subdivision=args.holiday_region)
        out = assess(profile, facts, calendar).to_json()
        if args.outcome:
            outcome = _read_outcome(args.outcome)
            out["owed"] = [_owed_json(c) for c in clocks_owed(profile, facts, outcome, calendar)]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    except (ProtocolError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

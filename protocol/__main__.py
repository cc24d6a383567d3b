"""`python -m protocol check PROFILE_OR_FILE` and `python -m protocol assess --profile NAME --facts FILE`.

Exit codes: 0 fine, 2 bad input (an unknown key or value, a broken profile), each with one line
on stderr that names what is wrong.
"""
from __future__ import annotations

import argparse
import json
import sys

from pydantic import ValidationError

from . import FactsError, ProtocolError, assess, load_profile
from .errors import describe
from .facts import Facts


def _read_facts(source: str) -> Facts:
    try:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
    except OSError as error:
        raise FactsError(f"facts: cannot read {source}: {error.strerror}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise FactsError(f"facts: not valid JSON ({error})") from None
    if not isinstance(raw, dict):
        raise FactsError("facts: expected one JSON object")
    try:
        return Facts.model_validate(raw)
    except ValidationError as error:
        raise FactsError(f"facts: {describe(error)}") from None


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
    args = parser.parse_args(argv)
    try:
        profile = load_profile(args.profile)
        if args.command == "check":
            print(f"{profile.id}: ok ({len(profile.timescales.rules)} timescale rules, "
                  f"{len(profile.invitees)} invitee rules, {len(profile.clocks)} clocks)")
            return 0
        facts = _read_facts(args.facts)
        calendar = calendar_for(profile, subdivision=args.holiday_region)
        print(json.dumps(assess(profile, facts, calendar).to_json(), indent=2, ensure_ascii=False))
        return 0
    except (ProtocolError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

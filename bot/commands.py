"""What a person typed, as a command. Works the same in a personal chat ("help", "/help") and in
a channel or group chat ("<at>Strategy Bot</at> help"), where Teams includes the mention text."""
from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from .inbound import visible

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Command:
    name: str
    args: str


_SAID_WITH_A_COLON = re.compile(r"^(/?[A-Za-z]+\d*)\s*:\s*(.*)$", re.DOTALL)


def parse(text: str | None) -> Command:
    """'<at>Bot</at>&nbsp;/Help me' -> Command('help', 'me'). Empty text -> Command('', '')."""
    cleaned = html.unescape(_TAG.sub(" ", _MENTION.sub(" ", text or ""))).replace("\xa0", " ").strip()
    if said := _SAID_WITH_A_COLON.match(cleaned):  # "update: ..." and "A3: done" are how people write (a walk lost both)
        return Command(said.group(1).lstrip("/").lower(), said.group(2).strip())
    word, _, rest = cleaned.partition(" ")
    return Command(word.lstrip("/").lower(), rest.strip())


def closest(name: str, known: list[str]) -> str | None:
    """A known command the person probably meant ("hlep" -> "help"), or None."""
    matches = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return matches[0] if matches else None


_SNOOZE = re.compile(r"^(?P<case>\S+)\s+(?P<what>a\d+|[a-z_ ]+?)\s+(?P<n>\d{1,3})\s*(?P<unit>hours?|h|days?|d)\s*[:\-–]\s*(?P<reason>.+)$",
                     re.IGNORECASE)


def parse_snooze(args: str):
    """'CR-555 A1 2 days: reason' -> {case, what, for, reason}; or how to write it."""
    from datetime import timedelta

    match = _SNOOZE.match(args.strip())
    if not match or not visible(match.group("reason")):
        return "Write it like this: `snooze CR-555 A1 2 days: waiting for the court date` (a reason is required)."
    amount = int(match.group("n"))
    span = timedelta(hours=amount) if match.group("unit").lower().startswith("h") else timedelta(days=amount)
    if span > timedelta(days=30):
        return "Snooze for 30 days at the most; escalate or close the obligation instead."
    if not span:  # a walk: "0 days" was taken, and said as "no chasing until" this very minute
        return "Snooze for at least 1 hour, e.g. `snooze CR-555 A1 2 days: waiting for the court date`."
    what = match.group("what").strip().lower()
    return {"case": match.group("case").upper(), "what": what, "said": what.upper() if re.fullmatch(r"a\d+", what) else what, "for": span,
            "reason": visible(match.group("reason"))}


# Shorter names a chair may use for what `overdue` lists (a walk typed "review" and was told it was not found).
ALSO_CALLED = {"icpc": ("icpc", "conference"), "review_discussion": ("review",), "lado_notification": ("lado",),
               "s47_review": ("s47 review",), "out_of_hours_not_quorate": ("quorate meeting",), "not_quorate": ("quorate meeting",),
               "record_distribution": ("distribution",)}


def names(obligation, what: str) -> bool:
    """Does `what` name this obligation: 'a1'; its kind as `overdue` lists it ('information update',
    'initial child protection conference') or a shorter name ('review', 'lado'); either with the owing
    agency ('information update police', 'police information update')?"""
    from cards.words import agency, owed

    what = _plain(what)
    if obligation.kind == "action":
        return what == f"a{obligation.subject_id}"
    called = {_plain(obligation.kind), _plain(owed(obligation.kind, obligation.subject_id)), *ALSO_CALLED.get(obligation.kind, ())}
    said = agency(obligation.owner_agency) if obligation.owner_agency else ""
    whose = {w for w in (_plain(obligation.owner_agency or ""), _plain(said), _plain(said.split("(")[0])) if w}
    return what in called or any(what in (f"{name} {a}", f"{a} {name}") for name in called for a in whose)


def _plain(words: str) -> str:
    """'Information update (Designated Safeguarding Lead)' -> 'information update designated safeguarding lead'."""
    return " ".join(words.lower().replace("_", " ").replace("(", " ").replace(")", " ").split())

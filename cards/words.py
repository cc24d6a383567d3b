"""Dates and deadlines in the words a social care manager uses."""
from __future__ import annotations

from datetime import datetime, timedelta

from protocol.vocabulary import AGENCY_NAMES


def when(moment: datetime, *, now: datetime) -> str:
    """'17:00 today', '17:00 tomorrow (Tue 24 Nov)', '17:00 Thu 26 Nov'."""
    moment, now = moment.astimezone(now.tzinfo), now
    clock = moment.strftime("%H:%M")
    day = moment.date()
    if day == now.date():
        return f"{clock} today"
    if day == now.date() + timedelta(days=1):
        return f"{clock} tomorrow ({moment.strftime('%a')} {day.day} {moment.strftime('%b')})"
    # The year, when it is not this one or the day is five months off or more: "14 Dec" read on 12 January looked past.
    far = day.year != now.year or abs((day - now.date()).days) > 150
    return f"{clock} {moment.strftime('%a')} {day.day} {moment.strftime('%b %Y') if far else moment.strftime('%b')}"


def agency(agency_id: str) -> str:
    return AGENCY_NAMES.get(agency_id, agency_id.replace("_", " "))


OWED_NAMES = {"icpc": "initial child protection conference", "s47_review": "s47 review discussion",
              "lado_notification": "LADO notification", "rsvp": "invitation reply", "quorum_at_risk": "quorum",
              "assessment": "assessment's decision on next steps",
              "out_of_hours_not_quorate": "quorate strategy discussion (the out-of-hours one was not quorate)",
              "not_quorate": "quorate strategy discussion (the one held was not quorate)"}


def owed(kind: str, subject_id: str) -> str:
    """What an obligation is, in the lists of what is owed: "A3" for an agreed action, else its kind in words."""
    return f"A{subject_id}" if kind == "action" else OWED_NAMES.get(kind, kind.replace("_", " "))


def capital(text: str) -> str:
    """The first letter a capital, the rest as it is ("LADO notification", never str.capitalize's "Lado notification")."""
    return text[:1].upper() + text[1:]


def subject(case_reference: str, initials: str) -> str:
    """The only identifying words that ever go into a chat, a meeting title or an email subject. A draft
    not yet given its child is said as such (a trial's press on a fresh draft read "Strategy discussion  ()")."""
    if not case_reference:
        return "Strategy discussion (no case reference yet)"
    return f"Strategy discussion {case_reference} ({initials})"


def listing(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


NO_DISAGREEMENT = "none"  # the record card's choice for "no professional disagreement"
TOLD = {"agency_lead": "the agency's lead", "chair_manager": "the chair's manager"}


def escalation(policy: str | None, source: str, tell: tuple[str, ...]) -> str:
    """Where a professional disagreement goes (PROTOCOL.md §7), and who the bot tells of it."""
    route = f"it goes to {policy} ({source})" if policy else \
        "these procedures name no escalation policy: follow your safeguarding partnership's"
    if not tell:
        return f"{capital(route)}."
    return f"{capital(route)}; {listing([TOLD[role] for role in tell])} {'are' if len(tell) > 1 else 'is'} told once the record is finalised."

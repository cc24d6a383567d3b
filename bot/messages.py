"""The bot's words. Chat messages never carry more than a case reference and initials."""
from __future__ import annotations

from protocol import Profile

from .recording import AGREED

# (command, what it does): the help text and, later, the manifest's command list.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("strategy", "convene a strategy discussion: the deadline, the format, who to invite, the Teams meeting"),
    ("record", "write the record of a convened discussion on the agenda's cards (chairs only)"),
    ("actions", "in a discussion's thread: its actions and their states"),
    ("mine", "your open actions across discussions"),
    ("overdue", "everything overdue or breached on your discussions, most urgent first, and how each was chased (chairs only)"),
    ("snooze", "pause the chasing of one obligation with a reason, e.g. `snooze CR-555 A1 2 days: court date` (chairs)"),
    ("contacts", "the agency contacts directory (chairs only)"),
    ("help", "what I do and the commands I understand"),
)



def item(words: str) -> str:
    """One line of a list in a text message. A bullet character, not Markdown's "- ": Markdown lists
    are shown as bare "- " lines on Teams mobile, a bullet reads the same on every client."""
    return f"• {words}"


def paragraphs(lines: list[str]) -> str:
    """A text message's lines, each its own paragraph: Teams' Markdown runs lines joined by a single
    line break into one paragraph, so a list of bullets would read as one run-on line."""
    return "\n\n".join(line for line in lines if line)

def help_text(profile: Profile, *, local_mode: bool) -> str:
    lines = [
        "**Strategy Bot** convenes and follows through child protection strategy discussions: "
        "it works out the statutory deadline, the format and who must be invited from the "
        f"partnership's procedures, and keeps the clock in view. Rules in use: **{profile.name}** "
        f"(profile `{profile.id}`).",
        "",
        "Commands (type them here, or mention me in a channel, with or without a leading `/`):",
        *[item(f"**{name}**: {summary}") for name, summary in COMMANDS],
        "",
        "Reporting back on an action (reply in the discussion's thread, or use the buttons on its card):",
        item("`A1 done` · `A3 by 14/12` (the date it will be done by, day first) · `A4 not required: the reason` · "
             "`A5 further discussion`"),
        item("`update …`: your agency's information update after the discussion"),
        item("`record export`: the record as DOCX and PDF, offered in your personal chat with me (chairs)"),
        item("`record CR-123` in your personal chat with me, once its record is finalised: the discussion's card, with the "
             "agencies' updates and **Case clocks** (when the conference, the review and the other clocks were met) (chairs)"),
    ]
    if local_mode:
        lines += ["", "_Running in local mode: no Azure credentials, nothing is sent outside this machine._"]
    return paragraphs(lines)


# Words typed that are no command but have an answer (a walk typed `cancel` mid-wizard and was not understood).
NOT_COMMANDS = {
    "cancel": "Nothing is cancelled by typing. To cancel a draft, press **Cancel** on its card (it asks first); "
              "to cancel a meeting, use **Cancel the meeting** on the discussion's card.",
}


def unknown_text(suggestion: str | None) -> str:
    # Never quote what was typed: it may be a child's name typed into a channel by mistake.
    if suggestion:
        return f"Sorry, I don't understand that. Did you mean **{suggestion}**? Type **help** to see what I can do."
    return "Sorry, I don't understand that. Type **help** to see what I can do."


def empty_text() -> str:
    return "Hello. Type **help** to see what I can do."


WELCOME = "Hello, I'm Strategy Bot. I help convene and follow through child protection strategy discussions. Type **help** to start."
WELCOME_SHARED = ("Hello, I'm Strategy Bot. I help convene and follow through child protection strategy discussions. "
                  "Here, @mention me before a command (e.g. @Strategy Bot help); replies in a discussion's thread, "
                  "such as `A1 done`, work without a mention where your administrator has allowed it.")

REPORT_WHERE = ("That looks like a report on an agreed action, but there is no recorded discussion here. Reply in the "
                "thread where the discussion's action cards were posted (or press a card's buttons).")
UPDATE_WHERE = ("That looks like an information update, but there is no recorded discussion here. Send it in the thread "
                "where the discussion's action cards were posted (or use the link in the bot's email).")
# Not "nothing was changed": a failure may come after a change was saved (a crash trial found it said of a report that was).
TURN_FAILED = ("Sorry, something went wrong on my side, and this may not have been done. Please check (the card, or `actions`) "
               "before trying again; if it keeps happening, tell your administrator (reference {reference}).")


def contacts_text(directory) -> str:
    from cards.words import agency

    lines = [f"**Contacts directory** ({len(directory.contacts)} people, from `{directory.source.rsplit('/', 1)[-1]}`):"]
    hours = {"in_hours": "in hours", "out_of_hours": "out of hours", "on_call": "on call"}
    for contact in sorted(directory.contacts, key=lambda c: (c.agency, not c.lead, c.name)):
        lead = " · agency lead" if contact.lead else ""
        lines.append(item(f"**{agency(contact.agency)}**: {contact.name}, {contact.role} ({hours[contact.availability]}{lead}) {contact.email}"))
    return paragraphs(lines)


# A chase's stage and channel in words (a walk read "last chased: escalate manager ... by teams" as jargon).
CHASE_WORDS = {"reminder": "the reminder", "due": "the chase on the day", "escalate_lead": "escalated to the agency's lead",
               "escalate_chair": "escalated to the chair", "escalate_manager": "escalated to the chair's manager"}
CHANNEL_WORDS = {"teams": "Teams", "email": "email", "file": "email (local mode: written to a file, not sent)"}


def overdue_line(obligation, *, discussion, chases, calendar, local_now, shared: bool = False) -> str:
    """`shared`: the list is asked for in a channel or group chat, where nothing anyone typed is repeated."""
    from cards.words import agency, owed

    due = obligation.due_at.astimezone(local_now.tzinfo)
    late = local_now - due
    days, hours, minutes = late.days, late.seconds // 3600, late.seconds // 60 % 60
    lateness = f"{days} d {hours} h late" if days else f"{hours} h late" if hours else f"{minutes} min late"  # not "0 d 23 h"
    if days:  # the procedures count working days: "3 d 21 h late" over New Year is one working day (the holiday trial)
        working = calendar.working_days_passed(due, local_now)
        lateness += f" ({working} working day{'s' if working != 1 else ''})"
    what = owed(obligation.kind, obligation.subject_id)
    owner = f" ({agency(obligation.owner_agency)})" if obligation.owner_agency else ""
    state = " · BREACHED, ladder exhausted" if obligation.state == "breached" else ""
    from .chasers import for_this_date

    sent = [c for c in chases if c.status == "sent" and for_this_date(c, obligation)]
    to = "" if shared else f" to {sent[-1].recipient}" if sent else ""  # people's addresses stay in the chair's own chat
    last = (f"; last chased: {CHASE_WORDS.get(sent[-1].stage, sent[-1].stage.replace('_', ' '))}{to} "
            f"by {CHANNEL_WORDS.get(sent[-1].channel, sent[-1].channel)}") if sent else "; not chased yet"
    snoozed = ""
    if obligation.snoozed_until and obligation.snoozed_until > local_now:
        snoozed = "; snoozed (the reason is in your personal chat with me)" if shared else f"; snoozed: {obligation.snooze_reason}"
    # An action's new date, given since the discussion, says so: the agreed one beside it (bot.recording.action_due_source).
    moved = f" ({obligation.rule_source})" if obligation.kind == "action" and obligation.rule_source != AGREED else ""
    return item(f"{discussion.case_reference} ({discussion.child_initials}): **{what}**{owner}, due "
                f"{obligation.due_at.astimezone(local_now.tzinfo):%d/%m/%Y %H:%M}{moved}, {lateness}{state}{last}{snoozed}")

"""The record cards: the agenda of PROTOCOL.md §5, one card per step, then the finalised
summary and one card per action. Pure: record data in, card out."""
from __future__ import annotations

from datetime import datetime, timezone

from protocol.vocabulary import OWED_ACTION_STATUSES, OWED_OBLIGATION_STATES

from . import words
from .elements import (card, choices, container, date_input, error, execute, facts, heading, refreshing, shown, text, text_input,
                       time_input, toggle)

TITLES = {"attendance": "Introductions and apologies", "household": "Family and household", "purpose": "Reason and purpose",
          "concerns": "Causes of concern and threshold", "background": "Background, risk and protective factors",
          "decisions": "Decisions", "plan": "Plan of the enquiries", "actions": "Action plan", "distribution": "Distribution",
          "next": "Next or review discussion"}
STATUS_WORDS = {"open": "open", "completed": "completed", "will_complete_by": "not completed yet, will be by",
                "not_required": "not completed and no longer required", "needs_discussion": "needs a further strategy discussion"}


def status_words(action, zone, *, now=None) -> str:
    """Where an action stands, in words; "will be by" with its date, which is the action's new due date (bot/actions.py).
    With `now`: an action still owed past its due time says so (a walk: escalated to the manager, listed as "open")."""
    said = STATUS_WORDS.get(action.status, action.status)
    said = f"{said} {action.due_at.astimezone(zone):%d/%m/%Y}" if action.status == "will_complete_by" else said
    return f"{said}, OVERDUE" if now is not None and action.status in OWED_ACTION_STATUSES and now > action.due_at else said


def step_card(*, discussion, record: dict, steps: tuple, text_fields: dict, decisions: dict, attendance_words: dict,
              children: list[str], agencies: list[tuple[str, str]], not_quorate_text: str, quorate: bool, disagreement) -> dict:
    """`disagreement`: the profile's rules for a professional disagreement (protocol.profile.DisagreementRules)."""
    step, errors = record["step"], record.get("errors", {})
    typed = shown(record, step, {})  # what was on this card when it was last pressed (bot.wizard.keep)
    version = record.get("version", 0)  # a press carries the card's version: an older card's press changes nothing
    number = steps.index(step) + 1
    body = [heading(f"Record: {words.subject(discussion.case_reference, discussion.child_initials)}"),
            text(f"{number} of {len(steps)} · {TITLES[step]}", subtle=True)]
    if step == "attendance":
        if not quorate:
            body.append(text(f"⚠ As things stand this is {not_quorate_text}.", color="Attention"))
        for index, row in enumerate(record["attendance"]):
            items = [text(f"**{words.agency(row['agency'])}**: {row['name']}"
                          + (f", sending {row['delegate']} in their place" if row.get("delegate") else "")),
                     *choices(f"attendance_{index}", "Attendance", list(attendance_words.items()), row.get("attendance") or "",
                              problem=errors.get(f"attendance_{index}"))]
            # How a missing agency's information will come: asked only of those marked as not there (the card is
            # drawn again after each press), so that a long list stays under Teams' message size limit.
            if row.get("attendance") not in ("", None, "attended") or row.get("route") or errors.get(f"route_{index}"):
                items += text_input(f"route_{index}", "Not attended: how their information will be obtained", row.get("route", ""),
                                    problem=errors.get(f"route_{index}"))
            items += toggle(f"researched_{index}", "Records fully researched", row.get("researched", True))
            body.append(container(items, separator=True))
    elif step in text_fields:
        saved = shown(record, step, record.get(step, {}))
        for field, label in text_fields[step]:
            body += text_input(field, label, saved.get(field, ""), multiline=True, problem=errors.get(field))
        if step == "plan":
            body += toggle("cp_medical", "CP medical to be arranged", str(saved.get("cp_medical")).lower() == "true")
            body += toggle("abe_interview", "Achieving-best-evidence interview", str(saved.get("abe_interview")).lower() == "true")
            body += text_input("no_medical_reason", "If no CP medical: why", saved.get("no_medical_reason", ""),
                               problem=errors.get("no_medical_reason"))
            body += text_input("medical_advice", "If no CP medical: medical advice given", saved.get("medical_advice", ""))
    elif step == "decisions":
        listed = record.get("decisions", [])
        body += [_listed(f"**{d['child']}: {decisions[d['kind']]}**: {d['reasoning']}",
                         [execute("Remove", "record.remove_decision", {"discussion_id": discussion.id, "step": step,
                                                                       "version": version, "index": index})])
                 for index, d in enumerate(listed)] or [text("Decisions: none yet")]
        body += [*choices("decision_child", "Child", [(c, c) for c in children], typed.get("decision_child", children[0]),
                          problem=errors.get("decision_child")),
                 *choices("decision_kind", "Decision", list(decisions.items()), typed.get("decision_kind", ""),
                          problem=errors.get("decision_kind")),
                 *text_input("decision_reasoning", "Reasoning", typed.get("decision_reasoning", ""), multiline=True,
                             problem=errors.get("decision_reasoning")),
                 {"type": "ActionSet", "actions": [execute("Add decision", "record.add_decision", {"discussion_id": discussion.id,
                                                                                                      "step": step, "version": version})]}]
        saved = record.get("disagreement") or {}
        saved = shown(record, step, {"disagreement_agency": saved.get("agency", ""),
                                     "disagreement_about": saved.get("about", "")})
        body.append(container([
            text("**Professional disagreement**, if an agency disagrees with a decision: it is recorded and does not stop "
                 "the discussion. " + words.escalation(disagreement.policy, disagreement.source, disagreement.tell)),
            *choices("disagreement_agency", "Agency that disagrees", [(words.NO_DISAGREEMENT, "No disagreement"), *agencies],
                     saved["disagreement_agency"], problem=errors.get("disagreement_agency")),
            *text_input("disagreement_about", "What is disagreed, and each view (on the record only)", saved["disagreement_about"],
                        multiline=True, problem=errors.get("disagreement_about"))], separator=True))
    elif step == "actions":
        listed = record.get("actions", [])
        body += [_listed(f"**A{a['number']} ({a['child']})**: {a['what']}: {words.agency(a['agency'])}, {a['owner']}, "
                         f"by {datetime.fromisoformat(a['due']).strftime('%d/%m/%Y')}"
                         + "".join(f" ({a[note]})" for note in ("due_note", "reach_note") if a.get(note)),
                         [execute(title, verb, {"discussion_id": discussion.id, "step": step, "version": version,
                                                "number": a["number"]})
                          for title, verb in (("Edit", "record.edit_action"), ("Remove", "record.remove_action"))])
                 for a in listed] or [text("Actions: none yet")]
        editing = record.get("editing")
        if editing:  # the action is in the form below, out of the list (a walk: Edit looked like Remove)
            body.append(text(f"**Editing A{editing}**: change it below and press Save A{editing}. Clear the form to keep "
                             "it as it was."))
        body += [*choices("action_child", "Child", [(c, c) for c in children], typed.get("action_child", children[0]),
                          problem=errors.get("action_child")),
                 *text_input("action_what", "Action", typed.get("action_what", ""), problem=errors.get("action_what")),
                 *choices("action_agency", "Owning agency", agencies, typed.get("action_agency", ""), problem=errors.get("action_agency")),
                 *text_input("action_owner", "Person and role responsible", typed.get("action_owner", ""),
                             problem=errors.get("action_owner")),
                 *text_input("action_email", "Their email (to reach them in Teams)", typed.get("action_email", ""),
                             problem=errors.get("action_email")),
                 *text_input("action_due", "Due: a date (14/12/2026) or working days (3 working days)", typed.get("action_due", ""),
                             problem=errors.get("action_due")),
                 {"type": "ActionSet", "actions": [execute(f"Save A{editing}" if editing else "Add action", "record.add_action",
                                                           {"discussion_id": discussion.id, "step": step, "version": version})]}]
    elif step == "distribution":
        body += text_input("distribution", "Who receives the record (one per line)",
                           typed.get("distribution", record.get("distribution", "")), multiline=True, problem=errors.get("distribution"))
    elif step == "next":
        saved = record.get("next") or {}
        saved = shown(record, step, {"next_date": (saved.get("next") or "")[:10], "next_time": (saved.get("next") or "")[11:16],
                                     "next_venue": saved.get("venue", "")})
        body += [*date_input("next_date", "Next or review discussion: date (leave empty if none)", saved["next_date"],
                             problem=errors.get("next_date")),
                 *time_input("next_time", "Time", saved["next_time"], problem=errors.get("next_time")),
                 *text_input("next_venue", "Venue", saved["next_venue"])]
    last = step == steps[-1]
    if last:  # the whole record at a glance before it is finalised; Back reaches any part of it
        body.append(container([text("**Review before finalising**"), facts([
            ("Attendance", ", ".join(f"{words.agency(r['agency'])}: {attendance_words.get(r['attendance']) or 'not marked yet'}"
                                     for r in record["attendance"])),
            ("Quorate", "yes" if quorate else f"no: {not_quorate_text}"),
            ("Decisions", "; ".join(f"{d['child']}: {decisions[d['kind']]}" for d in record.get("decisions", [])) or "none"),
            ("Disagreement", words.agency(record["disagreement"]["agency"]) if record.get("disagreement") else "none"),
            ("Actions", "; ".join(f"A{a['number']} {a['what']} ({words.agency(a['agency'])})" for a in record.get("actions", []))
             or "none"),
            ("Distribution", f"{len([line for line in record.get('distribution', '').splitlines() if line.strip()])} recipients"),
        ])], style="emphasis", separator=True))
    body += error(errors.get("_card"))
    data = {"discussion_id": discussion.id, "step": step, "version": version}
    actions = [execute("Finalise the record" if last else "Next", "record.finalise" if last else "record.next", data, style="positive")]
    if number > 1:
        actions.append(execute("Back", "record.back", data))
    return card(body, actions)


def _listed(line: str, buttons: list) -> dict:
    """One decision or action already added, with what can be done to it."""
    return container([text(line), {"type": "ActionSet", "actions": buttons}], separator=True)


def disagreement_words(noted: dict) -> str:
    """A professional disagreement as the record keeps it (bot.record): whose, where it goes and who was
    told; never what it is about, which is on the record alone."""
    route = f"it goes to {noted['policy']} ({noted['source']})" if noted.get("policy") else \
        "these procedures name no escalation policy: it goes to the safeguarding partnership's"
    told = (f"{words.capital(words.listing(noted['told']))} {'have' if len(noted['told']) > 1 else 'has'} been told."
            if noted.get("told") else "Nobody in the directory to tell: the chair raises it.")
    return f"⚠ Professional disagreement recorded ({words.agency(noted['agency'])}): {route}. {told}"


def summary_card(discussion, *, quorate: bool, not_quorate_text: str, action_count: int, distributed: str = "") -> dict:
    """Posted in the discussion's thread: case reference and initials only, no names or details.
    `distributed`: the note that the record was distributed, in place of its button (the rest stays:
    a walk saw the not-quorate warning and how to report back vanish when it was pressed)."""
    noted = (getattr(discussion, "record", None) or {}).get("disagreement")
    lines = [heading(f"Record finalised: {words.subject(discussion.case_reference, discussion.child_initials)}"),
             text("Quorate strategy discussion." if quorate else f"⚠ Recorded as {not_quorate_text}.",
                  color=None if quorate else "Attention"),
             *([text(disagreement_words(noted), color="Attention")] if noted and "told" in noted else []),
             # Not "each owner has a card": one known by email alone is emailed, one with no address has a stand-in (a walk).
             text("No actions were agreed." if action_count == 0 else
                  f"{action_count} action{'s' if action_count > 1 else ''} agreed, each on its own card below. Report back "
                  "with the buttons or by replying here, e.g. `A2 done`, `A3 by 14/12`, `A4 not required: reason`, "
                  "`A5 further discussion`.")]
    data = {"discussion_id": discussion.id}
    if distributed:
        return card([*lines, text(distributed, subtle=True)], [execute("Open", "discussion.open", data)])
    return card(lines, [execute("Open", "discussion.open", data),
                        execute("Mark the record as distributed", "record.distributed", data)])


def clocks_card(discussion, *, owed: list, now: datetime, problem: dict | None = None, typed: dict | None = None,
                note: str = "") -> dict:
    """The chair's card of the case's clocks this record left owed (the conference, the assessment's
    decision...): each with its due time, and the form to say one was met, on the day it happened, or
    is not needed, with why. Until then the chasers chase it, up to the manager."""
    problem, typed = problem or {}, typed or {}
    data = {"discussion_id": discussion.id}
    body = [heading(f"Case clocks: {words.subject(discussion.case_reference, discussion.child_initials)}"),
            text("What the record left owed. When one is met, say so here with the day it happened (or that it is not "
                 "needed, and why): its chasing stops.", subtle=True)]
    if note:
        body.append(text(note, color="Good" if not note.startswith("⚠") else "Attention"))
    still = [o for o in owed if o.state in OWED_OBLIGATION_STATES]
    closed = [o for o in owed if o.state in ("satisfied", "cancelled")]
    body.append(facts([(words.capital(words.owed(o.kind, o.subject_id)),
                        f"due {words.when(o.due_at, now=now)} ({o.rule_source})" + (", BREACHED" if o.state == "breached" else ""))
                       for o in still]) if still else text("Nothing is owed now."))
    if closed:
        body += [heading("Closed", size="Default"), facts([
            (words.capital(words.owed(o.kind, o.subject_id)),
             f"met on {o.met_at.astimezone(now.tzinfo):%d/%m/%Y}" if o.state == "satisfied" and o.met_at
             else "met" if o.state == "satisfied" else "not needed") for o in closed])]
    if still:
        body.append(container([
            *error(problem.get("_card")),
            # With its due day: two of a kind (the review agreed, and one an agency asked for) told apart (a walk).
            *choices("clock", "Which", [(o.id, f"{words.capital(words.owed(o.kind, o.subject_id))}, due {o.due_at.astimezone(now.tzinfo):%d/%m}")
                                        for o in still],
                     typed.get("clock", "") if typed.get("clock") in {o.id for o in still} else "", problem=problem.get("clock")),
            *date_input("met_on", "Met on (the day it happened)", typed.get("met_on", now.date().isoformat()), problem=problem.get("met_on")),
            *text_input("reason", "If not needed: why (kept in the audit trail, not shown in chats)", typed.get("reason", ""),
                        problem=problem.get("reason")),
            {"type": "ActionSet", "actions": [execute("Met on that day", "clock.met", data, style="positive"),
                                              execute("Not needed", "clock.not_needed", data)]},
        ], separator=True))
    return card(body, [execute("Back to the discussion", "discussion.open", data)])


def due_words(action, *, now: datetime, closed: str | None = None) -> str:
    """When an action is due; where a new date was given since, the one agreed at the discussion stays in view
    beside it (a walk: the card said "due Thu 10 Dec" as if that had been agreed). `closed`: why its day is
    not a working day (bot.recording.not_a_working_day), said as the record card said it when it was agreed."""
    due = words.when(action.due_at, now=now) + (f" (⚠ {closed})" if closed else "")
    if action.agreed_due_at and action.agreed_due_at != action.due_at:
        due += f" (agreed at the discussion: {words.when(action.agreed_due_at, now=now)})"
    return due


def agreed_beside(action, zone) -> str:
    """" (agreed at the discussion: 07/12/2026)" beside a date given since, for the lists that say dates alone
    (`actions`, `mine`: a walk read a slipped date there as the one agreed); "" otherwise."""
    if action.agreed_due_at and action.agreed_due_at != action.due_at:
        return f" (agreed at the discussion: {action.agreed_due_at.astimezone(zone):%d/%m/%Y})"
    return ""


def seen_state(action) -> str:
    """An action's state as a card shows it, carried by the card's buttons (bot/actions.py checks it)."""
    return f"{action.status}@{action.due_at.astimezone(timezone.utc).isoformat()}"  # in UTC, as the database gives it back


def action_card(discussion, action, *, mention: str | None, now: datetime, typed: dict | None = None,
                private: bool = False, closed: str | None = None, problem: dict | None = None) -> dict:
    """One action, for its owner to report on. What is posted (in the thread, an update of it, a chase)
    carries the reference, initials, owner, due date and state, never the task the chair typed, which
    may name the family: `private` (the card answered to the owner, their agency, the chair or an
    invitee, who press Open or see it refreshed) shows it. `typed`: a refused report comes back with
    the date and reason as they were typed. `closed`: as for `due_words`."""
    typed = typed or {}
    due = due_words(action, now=now, closed=closed)
    status = status_words(action, now.tzinfo, now=now)
    # Posted copies: the directory's @mention, or the agency alone; the name the chair typed, only privately.
    owner = action.owner_name if private else mention
    task = text(action.description) if private else text("The task is for its owner, their agency, the chair and the invitees: "
                                                            "they press Open to see it.", subtle=True)
    agency = words.agency(action.owner_agency)
    if owner and agency.lower() not in owner.lower():  # not "DS Shah (police) (Police)" (a walk): a name that says it, once
        owner = f"{owner} ({agency})"
    body = [heading(f"A{action.number} · {discussion.case_reference} ({action.child_initials})", size="Default"),
            task, facts([("Owner", owner or agency),
                         ("Due", due), ("Status", status)])]
    data = {"discussion_id": discussion.id, "action_id": action.id}
    opening = [] if private else [execute("Open", "action.open", data)]
    # Every copy shows the action as it now is (a closed one offers no buttons). The owner's Teams id
    # is not known (the directory holds their Entra id), so a channel of more than 60 gives them a refresh button.
    viewers = [discussion.chair_user_id]
    if action.status in ("completed", "not_required"):  # closed: nothing more to report on it
        return refreshing(card(body, opening), "action.open", data, viewers)
    # The buttons carry the state they were drawn from (status and due): a double-click's second press,
    # or a press on an older copy, finds it changed and changes nothing.
    pressed = {**data, "seen": seen_state(action)}
    actions = [*opening,
               execute("Completed", "action.completed", pressed, style="positive"),
               execute("Will be done by…", "action.will_complete_by", pressed),
               execute("No longer required", "action.not_required", pressed),
               execute("Needs a further discussion", "action.needs_discussion", pressed)]
    problem = problem or {}
    body += [*date_input("by", "Will be done by (date)", str(typed.get("by") or ""), problem=problem.get("by")),
             *text_input("reason", "No longer required because (agency manager's reason)", str(typed.get("reason") or ""),
                         problem=problem.get("reason"))]
    return refreshing(card(body, actions), "action.open", data, viewers)


def not_held_yet_card(discussion_id: str, words: str, *, typed: str = "", problem: str | None = None) -> dict:
    """The record asked for before its meeting's time, and when it began if it was held earlier today (a walk: the
    advice to move the meeting to when it was held led nowhere, as a move to a time passed is refused)."""
    return card([heading("Not held yet"), text(words),
                 *time_input("held_at", "If it was held earlier today: when it began (HH:MM)", typed, problem=problem)],
                [execute("It was held then: write the record", "record.held_earlier", {"discussion_id": discussion_id}),
                 execute("Open the discussion", "discussion.open", {"discussion_id": discussion_id})])

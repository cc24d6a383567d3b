"""The convene wizard's cards, one per step, each with Back / Next / Cancel and the errors of the
last attempt shown beside the inputs they concern. Pure: draft in, card out."""
from __future__ import annotations

from datetime import date, datetime

from protocol.vocabulary import AGENCIES, CONCERN_LABELS

from . import words
from .elements import (card, choices, container, date_input, error, execute, facts, heading, notice, shown, text, text_input,
                       time_input, toggle)

STEP_TITLES = {"child": "1 of 5 · The child", "concern": "2 of 5 · The concern", "invitees": "3 of 5 · Assessment and invitees",
               "when": "4 of 5 · When", "confirm": "5 of 5 · Confirm"}


# The yes/no facts' words on the cards (the child card's, then the concern card's), once: a tick no rule
# of the profile asks about is said in the same words on the invitees card (protocol.conditions.unheeded).
TICKED = {
    "looked_after": "Looked after",
    "in_hospital": "In hospital",
    "inpatient": "In-patient",
    "forensic_evidence_needed": "Forensic evidence needs securing",
    "immediate_protective_action": "Immediate protective action taken (police protection, EPO)",
    "medical_implications": "Significant medical implications / paediatric examination may be needed",
    "complex_disability_or_medical": "Complex disability or medical background",
    "adult_services_involved": "Adult services support the parents or carers",
    "other_authority_involved": "Another local authority or health trust is involved",
    "sarc_referral": "Referred to the Sexual Assault Referral Centre (SARC)",
}


def _frame(draft: dict, discussion_id: str, body: list, *, next_title: str = "Next", next_verb: str = "convene.next",
           back: bool = True) -> dict:
    step = draft["step"]
    data = {"discussion_id": discussion_id, "step": step, "version": draft.get("version", 0)}
    actions = [execute(next_title, next_verb, data, style="positive")]
    if back:
        actions.append(execute("Back", "convene.back", data))
    actions.append(execute("Cancel", "convene.cancel", data, style="destructive"))
    top = [heading("Convene a strategy discussion"), text(STEP_TITLES[step], subtle=True)]
    problem = draft.get("errors", {}).get("_card")
    return card(top + error(problem) + body, actions)


def child_card(draft: dict, discussion_id: str) -> dict:
    values, errors = shown(draft, "child", _child_values(draft.get("child") or {})), draft.get("errors", {})
    body = [
        # No maxLength on any box: what is typed reaches the bot's check and is refused with a reason, never
        # cut short by the client (a case reference cut to 20 characters is another case's; a name cut to 4
        # letters passes as initials).
        *text_input("case_reference", "Case reference", values.get("case_reference", ""), placeholder="e.g. CR-104233",
                    problem=errors.get("case_reference")),
        *text_input("initials", "Child's initials (never the name)", values.get("initials", ""), placeholder="e.g. JS",
                    problem=errors.get("initials")),
        *date_input("dob", "Date of birth", values.get("dob", ""), problem=errors.get("dob")),
        *toggle("unborn", "Unborn", values.get("unborn") == "true"),
        *text_input("education_setting", "Education setting (school, college, nursery)", values.get("education_setting", ""),
                    problem=errors.get("education_setting")),
        *toggle("not_in_education", "Not in education", values.get("not_in_education") == "true"),
        *toggle("looked_after", TICKED["looked_after"], values.get("looked_after") == "true"),
        *toggle("in_hospital", TICKED["in_hospital"], values.get("in_hospital") == "true"),
        *toggle("inpatient", TICKED["inpatient"], values.get("inpatient") == "true"),
        *text_input("other_children", "Siblings or other children in the household: one per line, initials and date of birth",
                    values.get("other_children", ""), placeholder="CD 02/04/2017", multiline=True,
                    problem=errors.get("other_children")),
    ]
    return _frame(draft, discussion_id, body, back=False)


def _child_values(child: dict) -> dict:
    if not child:
        return {}
    flags = {k: "true" if child.get(k) else "false" for k in ("unborn", "not_in_education", "looked_after", "in_hospital", "inpatient")}
    # Back in the box as the chair typed them: day first (saved as ISO dates).
    others = "\n".join(f"{c['initials']} {_day_first(c.get('dob') or '')}".rstrip() for c in child.get("other_children", []))
    return {"case_reference": child["case_reference"], "initials": child["initials"], "dob": child.get("dob") or "",
            "education_setting": child.get("education_setting", ""), "other_children": others, **flags}


def _same_case(draft: dict) -> list[dict]:
    others = draft.get("same_case") or []
    if not others:
        return []
    which = "; ".join(f"started {o['created']} by {o['chair'] or 'another chair'}, now {o['status']}" for o in others)
    return [notice(f"⚠ {(draft.get('child') or {}).get('case_reference', 'This case')} already has "
                   f"{'a strategy discussion' if len(others) == 1 else 'strategy discussions'} ({which}). Carry on if this "
                   "is a new concern. For a review, cancel this draft and press Start a review discussion on that "
                   "discussion's card: a review keeps to the case's clocks, where this counts as a new referral.")]


def concern_card(draft: dict, discussion_id: str, *, now: datetime) -> dict:
    saved = draft.get("concern") or {}
    values = shown(draft, "concern", {
        **{k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in saved.items() if k != "concerns"},
        "concerns": ",".join(saved.get("concerns", [])),
    })
    errors = draft.get("errors", {})
    body = [
        *_same_case(draft),
        # Now, until answered: a box emptied stays empty (a walk: refilled with the time of the redraw, and a second Next
        # took it, the deadline counted from a time nobody typed).
        *date_input("received_date", "Concern received: date", values.get("received_date", now.date().isoformat()),
                    problem=errors.get("received_date")),
        *time_input("received_time", "Concern received: time (24-hour, e.g. 09:05)", values.get("received_time", now.strftime("%H:%M")),
                    problem=errors.get("received_time")),
        *choices("concerns", "Concerns (choose all that apply)", list(CONCERN_LABELS.items()), values.get("concerns", ""),
                 multi=True, problem=errors.get("concerns")),
        *toggle("forensic_evidence_needed", TICKED["forensic_evidence_needed"], values.get("forensic_evidence_needed") == "true"),
        *toggle("immediate_protective_action", TICKED["immediate_protective_action"],
                values.get("immediate_protective_action") == "true"),
        *toggle("medical_implications", TICKED["medical_implications"],
                values.get("medical_implications") == "true"),
        *toggle("complex_disability_or_medical", TICKED["complex_disability_or_medical"],
                values.get("complex_disability_or_medical") == "true"),
        *toggle("adult_services_involved", TICKED["adult_services_involved"], values.get("adult_services_involved") == "true"),
        *toggle("allegation_against_staff", "Allegation against someone who works with children",
                values.get("allegation_against_staff") == "true"),
        *toggle("other_authority_involved", TICKED["other_authority_involved"],
                values.get("other_authority_involved") == "true"),
        *toggle("sarc_referral", TICKED["sarc_referral"], values.get("sarc_referral") == "true"),
        *text_input("referrer_agency", "Referring agency (no personal names)", values.get("referrer_agency", ""),
                    placeholder="e.g. school, GP, police", problem=errors.get("referrer_agency")),
    ]
    return _frame(draft, discussion_id, body)


def assessment_block(assessment: dict, *, now: datetime) -> list:
    deadline = datetime.fromisoformat(assessment["deadline"])
    rule = assessment["deadline_rule"]
    lines = [text(f"**Deadline: by {words.when(deadline, now=now)}**: {rule['text']} ({rule['source']})",
                  color="Attention" if deadline.date() <= now.date() else None)]
    if deadline < now:  # a concern entered late (a walk: nothing said until the time step had no slots to offer)
        lines.append(text("⚠ This deadline has already passed: convene as soon as you can, and record why it was missed.",
                          color="Attention"))
    if assessment.get("target"):
        target = assessment["target"]
        lines.append(text(f"Aim: by {words.when(datetime.fromisoformat(target['due']), now=now)}: {target['text']} ({target['source']})",
                          subtle=True))
    fmt = assessment["format_rule"]
    lines.append(text(("**Meeting required** (face to face or video): " if assessment["format"] == "meeting"
                       else "**Meeting or telephone**: ") + f"{fmt['text']} ({fmt['source']})"))
    if assessment.get("convened_by") == "Emergency Duty Team" and rule.get("rule") == "review":
        lines.append(notice("The review was agreed for a time outside working hours: the Emergency Duty Team convenes it."))
    elif assessment.get("convened_by") == "Emergency Duty Team":
        lines.append(notice("Received out of hours, and due before the working day: the Emergency Duty Team convenes."
                            if assessment.get("out_of_hours") else
                            "Too late today to convene in working hours: the Emergency Duty Team convenes, by 23:59."))
    elif assessment.get("out_of_hours"):  # at night or a weekend, with working days to run
        lines.append(text("Received out of hours, with working days to run: the day team convenes, in working hours.", subtle=True))
    for clock in assessment.get("clocks", []):  # what is owed before the discussion itself (triborough 6)
        if clock.get("applies_when", "").startswith("before the discussion") and clock.get("due"):
            lines.append(text(f"Also by {words.when(datetime.fromisoformat(clock['due']), now=now)}: {clock['text']} ({clock['source']})"))
    return lines


def invitees_card(draft: dict, discussion_id: str, *, now: datetime, missing_quorum: list[str]) -> dict:
    errors, typed = draft.get("errors", {}), shown(draft, "invitees", {})
    rows = []
    for index, row in enumerate(draft["invitees"]):
        label = f"**{words.agency(row['agency'])}**" + (" (required)" if row["required"] else " (recommended)")
        contact = ", ".join(part for part in (row["name"], row["role"], row["email"]) if part)
        who = (contact or ("the referring agency: not invited until you enter an email address and tick Invite"
                           if row["agency"] == "referrer" else "no contact on duty in the directory"))
        # One block of words per row, and no fallback on the row's button: a list of many stays under Teams' size limit.
        why = row["reason"] if row["source"] == "chair" else f"{row['reason']} ({row['source']})"  # not "added by the chair (chair)"
        items = [text(f"{label}: {who}\n\n{why}", size="Small")]
        items += toggle(f"invite_{index}", "Invite", row["invite"])
        if row.get("source") == "chair":  # someone the chair added can be taken off again
            items.append({"type": "ActionSet", "actions": [execute("Remove", "convene.remove_person", {
                "discussion_id": discussion_id, "step": "invitees", "version": draft.get("version", 0), "index": index},
                fallback=False)]})
        if not row["email"] or typed.get(f"email_{index}"):  # an address the chair typed stays there to correct
            items += text_input(f"email_{index}", "Email address", typed.get(f"email_{index}", ""), problem=errors.get(f"email_{index}"))
            items += text_input(f"name_{index}", "Name", typed.get(f"name_{index}", ""))
        else:
            items += error(errors.get(f"email_{index}"))
        # The reason box only where a required agency is left out (the card is drawn again after each press),
        # not an empty box under every agency: step 3 was about 2,000 px tall.
        if row["required"] and (not row["invite"] or errors.get(f"reason_{index}")):
            items += text_input(f"reason_{index}", "Not invited: why (required)", typed.get(f"reason_{index}", row.get("removal_reason", "")),
                                problem=errors.get(f"reason_{index}"))
        rows.append(container(items, separator=True))
    warning = []
    unheeded = [TICKED[name] for name in draft.get("unheeded", []) if name in TICKED]
    if unheeded:  # ticked, and no rule of these procedures asks about it: said, not taken silently
        warning.append(notice(f"You said: {'; '.join(unheeded)}. These procedures do not ask about "
                              f"{'it' if len(unheeded) == 1 else 'them'}, so it changed nothing here: add anyone it calls for below."))
    if missing_quorum:
        names = ", ".join(words.agency(a) for a in missing_quorum)
        warning.append(text(f"⚠ Without {names} this will **not be a quorate strategy discussion**.", color="Attention"))
    add = [
        text("Add someone", weight="Bolder"),
        *choices("add_agency", "Agency", [(a, words.agency(a)) for a in AGENCIES], typed.get("add_agency", ""),
                 problem=errors.get("add_agency")),
        *text_input("add_name", "Name", typed.get("add_name", ""), problem=errors.get("add_name")),
        *text_input("add_email", "Email", typed.get("add_email", ""), problem=errors.get("add_email")),
        {"type": "ActionSet", "actions": [execute("Add person", "convene.add_person",
                                                  {"discussion_id": discussion_id, "step": "invitees",
                                                   "version": draft.get("version", 0)})]},
    ]
    body = [*assessment_block(draft["assessment"], now=now), heading("Invitees", size="Default"), *warning, *rows,
            container(add, style="emphasis", separator=True)]
    return _frame(draft, discussion_id, body)


def when_card(draft: dict, discussion_id: str, *, now: datetime) -> dict:
    errors = draft.get("errors", {})
    options = [(slot["start"], words.when(datetime.fromisoformat(slot["start"]), now=now)
                + ("" if slot.get("suits_paediatrician", True) else " (short notice for the paediatrician)"))
               for slot in draft.get("slots", [])]
    deadline = datetime.fromisoformat(draft["assessment"]["deadline"])
    chosen = (draft.get("slot") or {}).get("start")
    typed = shown(draft, "when", {"slot": chosen if chosen in {o[0] for o in options} else
                                  "other" if chosen else options[0][0] if options else "other"})
    body = [
        text(f"Deadline: by **{words.when(deadline, now=now)}**."),
        *([notice("No time is left before the deadline inside working hours: choose your own time below.")]
          if not options else []),
        *choices("slot", "Proposed times", options + [("other", "Another time (below)")], typed.get("slot", ""), expanded=True,
                 problem=errors.get("slot")),
        *date_input("other_date", "Another time: date", typed.get("other_date", ""), problem=errors.get("other_date")),
        *time_input("other_time", "Another time: start", typed.get("other_time", ""), problem=errors.get("other_time")),
        *text_input("late_reason", "If after the deadline: why it cannot be sooner", typed.get("late_reason", ""),
                    problem=errors.get("late_reason")),
    ]
    return _frame(draft, discussion_id, body)


def confirm_card(draft: dict, discussion_id: str, *, now: datetime, provider_sends: bool, missing_quorum: list[str],
                 chair_invited: bool = True) -> dict:
    child, slot = draft["child"], draft["slot"]
    invited = [r for r in draft["invitees"] if r["invite"]]
    left_out = [r for r in draft["invitees"] if not r["invite"] and not r["required"]]  # required ones get a ⚠ line below
    start = datetime.fromisoformat(slot["start"])
    summary = [
        ("Case", f"{child['case_reference']} ({child['initials']})"),
        ("Born", born(child.get("dob"), now.date()) if child.get("dob") else "unborn"),
        ("Other children", ", ".join(f"{c['initials']} ({born(c['dob'], now.date())})" for c in child["other_children"]) or "none"),
        ("Meeting", words.when(start, now=now) + (f" (⚠ {slot['closed']}, not a working day)" if slot.get("closed") else "")),
        ("Format", "meeting (face to face or video)" if draft["assessment"]["format"] == "meeting" else "meeting or telephone"),
        ("Invitees", "; ".join(f"{words.agency(r['agency'])}: {r['name'] or r['email']}" for r in invited if r.get("email"))),
        *([("Not invited: no contact", ", ".join(words.agency(r["agency"]) for r in invited if not r.get("email")))]
          if any(not r.get("email") for r in invited) else []),
        *([("Not invited", ", ".join(words.agency(r["agency"]) for r in left_out))] if left_out else []),
    ]
    summary.append(("Your calendar", "you are invited too" if chair_invited else
                    "you are not on the invitation: your email is not in the contacts directory"))
    body = [*assessment_block(draft["assessment"], now=now), facts(summary)]
    if missing_quorum:
        body.append(text("⚠ Not quorate: " + ", ".join(words.agency(a) for a in missing_quorum) + " not invited.", color="Attention"))
    for row in draft["invitees"]:  # every departure from the rules, with the chair's reason, before anything is sent
        if row["required"] and not row["invite"]:
            body.append(text(f"⚠ {words.agency(row['agency'])} (required) not invited: {row.get('removal_reason', '')}",
                             color="Attention"))
    deadline = datetime.fromisoformat(draft["assessment"]["deadline"])
    if datetime.fromisoformat(slot["end"]) > deadline:
        body.append(text(f"⚠ After the statutory deadline ({words.when(deadline, now=now)}): {slot.get('late_reason', '')}",
                         color="Attention"))
    body.append(text("Creating the meeting sends Teams invitations to everyone above.") if provider_sends else
                notice("Local mode: the meeting is written as an .ics file and **no invitation is sent**."))
    meeting_error = draft.get("meeting_error")
    if meeting_error and draft.get("meeting_refused"):  # asking again unchanged is refused the same way
        body.append(text(f"⚠ The calendar refused the meeting: {meeting_error}. Retry will be refused the same way until "
                         "your IT team has fixed this. Nothing you entered is lost.", color="Attention"))
    elif meeting_error:
        body.append(text(f"⚠ The meeting could not be created: {meeting_error}. Nothing you entered is lost; try again.",
                         color="Attention"))
    return _frame(draft, discussion_id, body, next_title="Retry creating the meeting" if meeting_error else "Create the meeting",
                  next_verb="convene.confirm")


def cancel_card(discussion_id: str, *, version: int, step: str, in_doubt: bool = False) -> dict:
    """`in_doubt`: a try at the meeting went unanswered, so it may have been made and its invitations sent."""
    data = {"discussion_id": discussion_id, "step": step, "version": version}
    sent = ("The meeting an earlier try asked for may have been made and its invitations sent (the calendar's answer never "
            "came back): cancelling cancels it too, and anyone it invited is told." if in_doubt else "Nothing has been sent to anyone.")
    return card([heading("Cancel this draft?"), text(f"Everything entered so far is discarded. {sent}")],
                [execute("Yes, cancel the draft", "convene.cancel_confirmed", data, style="destructive"),
                 execute("No, go back to it", "convene.open", data)])


def _day_first(iso: str) -> str:
    try:
        return f"{date.fromisoformat(iso):%d/%m/%Y}"
    except ValueError:
        return iso


def born(dob: str, today) -> str:
    """The date of birth read back, day first, with the age, for the chair to check."""
    day = datetime.fromisoformat(dob).date()
    years = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
    return f"{day:%d/%m/%Y}, {years} year{'s' if years != 1 else ''} old" if years else f"{day:%d/%m/%Y}, under a year old"


def message_card(title: str, message: str, *, color: str | None = None, actions: list | None = None) -> dict:
    return card([heading(title), text(message, color=color)], actions)


def no_such_discussion() -> dict:
    """The answer to a press naming a discussion that does not exist (a forged id, or a card's discussion gone)."""
    return message_card("Not found", "This strategy discussion no longer exists.")

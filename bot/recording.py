"""The record of a strategy discussion (PROTOCOL.md §5): the agenda's steps, their checks, and the
obligations a finalised record creates. Pure: values in, clean values, errors and due times out."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from cards.words import NO_DISAGREEMENT, capital
from protocol.vocabulary import AGENCIES, S47_DECISIONS
from storage.directory import is_email

from .inbound import visible
from .wizard import flag, text, time_of_day, uk_date

STEPS = ("attendance", "household", "purpose", "concerns", "background", "decisions", "plan", "actions",
         "distribution", "next")
ATTENDANCE = {"attended": "Attended", "apologies": "Apologies", "no_response": "No response"}
DECISIONS = {
    "no_further_action": "No further action",
    "s47_single": "Section 47 enquiries: single agency",
    "s47_joint": "Section 47 enquiries: joint with police",
    "police_investigation": "Police investigation",
    "s17_assessment": "Section 17 child-in-need assessment",
    "icpc": "Initial child protection conference",
    "inform_lado": "Inform the LADO",
    "referral_other_agency": "Referral to another agency (e.g. early help)",
    "medical_assessment": "Medical assessment",
    "other": "Other (civil orders, disruption)",
}
# Free-text sections of the agenda: step -> (field id, label). Which must be filled is the profile's
# `record.required`.
TEXT_FIELDS = {
    "household": [("household", "Family and household: names, aliases, dates of birth, addresses (one person per line)"),
                  ("other_children", "Other children (in the household or in contact)")],
    "purpose": [("reason", "Reason for the discussion"), ("purpose", "Purpose of the discussion")],
    "concerns": [("concerns", "Causes of concern"), ("duration", "Threshold: duration"),
                 ("frequency", "Threshold: frequency"), ("severity", "Threshold: severity"),
                 ("intent", "Threshold: intent"), ("impact", "Threshold: impact on the child")],
    "background": [("background", "Relevant background"), ("risk", "Risk analysis: risk factors"),
                   ("protective", "Protective and complicating factors"),
                   ("whereabouts", "Where the child is now, and immediate protective steps")],
    "plan": [("seen_alone", "When the child is seen alone; how wishes and feelings are gathered"),
             ("interpreter", "Interpreter needed; the child's race and ethnicity"),
             ("others_affected", "Other children affected"),
             ("shared_with_family", "What is shared with the family (nothing that endangers the child or an investigation)"),
             ("legal_action", "Legal action"), ("safe_discharge", "Safe discharge (if in hospital)")],
}
_WORKING_DAYS = re.compile(r"^\s*(\d{1,2})\s*(working days?|wd)\s*$", re.IGNORECASE)
Errors = dict[str, str]


def part_named(label: str) -> str:
    """A record box's part in words: "Threshold: impact on the child" is the impact, not "Threshold" (a walk)."""
    return capital(label.split(":")[-1].strip())


# What the chair always knows: "none known" is no answer to them (a walk was offered it for the reason and the purpose).
ALWAYS_KNOWN = frozenset({"reason", "purpose", "concerns", "whereabouts"})


def parse_text_step(step: str, values: dict, *, required: set[str]) -> tuple[dict, Errors]:
    clean, errors = {}, {}
    for field, label in TEXT_FIELDS[step]:
        clean[field] = text(values, field)
        if field in required and not clean[field]:
            # "X: part of the record", never "X is": many parts are lists ("Names, aliases, dates of birth... is", a walk).
            errors[field] = (f"{part_named(label)}: part of the record, to fill in"
                             + ("." if field in ALWAYS_KNOWN else " (or write 'none known')."))
        elif len(clean[field]) > 4000:
            errors[field] = "Keep each answer under 4,000 characters."
    return clean, errors


def parse_attendance(values: dict, invitations: list[dict]) -> tuple[list[dict], Errors]:
    rows, errors = [], {}
    for index, invitation in enumerate(invitations):
        state = text(values, f"attendance_{index}") or invitation.get("attendance") or ""
        route = text(values, f"route_{index}") or invitation.get("route", "")
        if state not in ATTENDANCE:
            errors[f"attendance_{index}"] = "Mark attended, apologies or no response."
        elif state != "attended" and not route:
            errors[f"route_{index}"] = "Say how this agency's information will be obtained."
        rows.append({**invitation, "attendance": state, "route": route,
                     "researched": flag(values, f"researched_{index}") if f"researched_{index}" in values
                     else invitation.get("researched", True)})
    return rows, errors


def quorate(rows: list[dict], quorum: list[str], counts_as: dict | None = None) -> bool:
    """Social care chairs; police and health (the rest of the quorum) must have attended, each in
    person or through an agency that counts as it (a paediatrician for health: Quorum.counts_as)."""
    counts_as = counts_as or {}
    attended = {counts_as.get(r["agency"], r["agency"]) for r in rows if r["attendance"] == "attended"} | {"social_care"}
    return all(agency in attended for agency in quorum)


def parse_decision(values: dict, children: list[str]) -> tuple[dict | None, Errors]:
    child, kind, reasoning = text(values, "decision_child"), text(values, "decision_kind"), text(values, "decision_reasoning")
    errors = {}
    if child not in children:
        errors["decision_child"] = "Choose the child this decision is for."
    if kind not in DECISIONS:
        errors["decision_kind"] = "Choose the decision."
    if len(reasoning) < 10:
        errors["decision_reasoning"] = "Record the reasoning behind the decision (a sentence or more)."
    return (None, errors) if errors else ({"child": child, "kind": kind, "reasoning": reasoning}, {})


def at_odds(decisions: list[dict]) -> list[str]:
    """Each child recorded with No further action beside another decision (a walk finalised "JS: s47 joint" and
    "JS: No further action" without a word, and the s47 clocks ran): said before Next, kept if pressed again."""
    found = []
    for child in dict.fromkeys(d["child"] for d in decisions):
        kinds = list(dict.fromkeys(d["kind"] for d in decisions if d["child"] == child))
        if "no_further_action" in kinds and len(kinds) > 1:
            others = ", ".join(DECISIONS[k] for k in kinds if k != "no_further_action")
            found.append(f"{child}: No further action, and {others}")
    return found


def parse_disagreement(values: dict) -> tuple[dict | None, Errors]:
    """A professional disagreement at the discussion (PROTOCOL.md §7): the agency that disagrees and
    what, in the chair's words (on the record only: the managers told hear the agency, not the words).
    None when there is none; half of one is refused, so that neither half is lost or taken alone."""
    agency, about = text(values, "disagreement_agency"), text(values, "disagreement_about")
    agency = "" if agency == NO_DISAGREEMENT else agency
    if not agency and not about:
        return None, {}
    if agency not in AGENCIES:
        return None, {"disagreement_agency": "Choose the agency that disagrees (or No disagreement, and clear what is typed below)."}
    if len(about) < 10:
        return None, {"disagreement_about": "Record what is disagreed, and each view (a sentence or more)."}
    if len(about) > 4000:
        return None, {"disagreement_about": "Keep it under 4,000 characters."}
    return {"agency": agency, "about": about}, {}


def parse_plan(values: dict, *, required: set[str]) -> tuple[dict, Errors]:
    plan, errors = parse_text_step("plan", values, required=required)
    plan["cp_medical"] = flag(values, "cp_medical")
    plan["abe_interview"] = flag(values, "abe_interview")
    plan["no_medical_reason"] = text(values, "no_medical_reason")
    plan["medical_advice"] = text(values, "medical_advice")
    if not plan["cp_medical"] and not plan["no_medical_reason"]:
        errors["no_medical_reason"] = "No CP medical: record why, and whether medical advice was given."
    return plan, errors


def parse_due(value: str, *, start: datetime, calendar) -> datetime | None:
    """'2026-12-14', '14/12/2026', '14/12' or '5 working days' -> the close of that working day."""
    match = _WORKING_DAYS.match(value)
    if match:
        return calendar.end_of_working_day(calendar.add_working_days(calendar.local(start).date(), int(match.group(1))))
    day = uk_date(value, today=calendar.local(start).date())
    return calendar.end_of_working_day(day) if day else None


def parse_action(values: dict, *, children: list[str], start: datetime, calendar, now: datetime | None = None
                 ) -> tuple[dict | None, Errors]:
    """`start`: when the discussion was held, where the timescales agreed at it count from ("3 working
    days"), and the earliest a due date may be; `now`: when the record is typed, often days later (a
    procedures expert's trial: the date agreed on the Friday was refused as passed on the Tuesday).
    A date agreed that has passed since is taken, and said: it is overdue from the start."""
    now = now or start
    errors: Errors = {}
    child, what, agency = text(values, "action_child"), text(values, "action_what"), text(values, "action_agency")
    owner, email, due_text = text(values, "action_owner"), text(values, "action_email"), text(values, "action_due")
    if child not in children:
        errors["action_child"] = "Choose the child this action is for."
    if len(what) < 5:
        errors["action_what"] = "Say what is to be done."
    if agency not in AGENCIES:
        errors["action_agency"] = "Choose the agency that owns the action."
    if not owner:
        errors["action_owner"] = "Name the person responsible (and their role)."
    if email and not is_email(email):
        errors["action_email"] = "That is not an email address."
    due = parse_due(due_text, start=start, calendar=calendar) if due_text else None
    if due is None:  # a date that is none (31/11) said as such, as the concern card does (a walk: told to give a date)
        errors["action_due"] = ("That is not a real date: write it day first, e.g. 14/12/2026." if _A_DATE.search(due_text) else
                                "Give a date (e.g. 14/12/2026) or a number of working days (e.g. 3 working days).")
    elif due < start:
        errors["action_due"] = ("That date has passed." if calendar.local(start).date() == calendar.local(now).date()
                                else f"That date is before the discussion ({calendar.local(start):%d/%m/%Y}).")
    elif due > now + FURTHEST:
        errors["action_due"] = "That is more than a year away: give the date agreed."
    if errors:
        return None, errors
    notes = [note for note in (not_a_working_day(due, calendar), "already passed: overdue from the start" if due < now else None) if note]
    return {"child": child, "what": what, "agency": agency, "owner": owner, "email": email, "due": due.isoformat(),
            **({"due_note": "⚠ " + "; ".join(notes)} if notes else {})}, {}


def not_a_working_day(due: datetime, calendar) -> str | None:
    """Beside a due date someone chose on a day the offices are closed: accepted (it may be meant), never silently."""
    closed = calendar.closed_because(calendar.local(due).date())
    return f"{closed}, not a working day" if closed else None


_A_DATE = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}")  # typed as a date, whether or not it is one
ACTION_FORM = ("action_child", "action_what", "action_agency", "action_owner", "action_email", "action_due")
DECISION_FORM = ("decision_child", "decision_kind", "decision_reasoning")
ACTION_BOXES = ("action_what", "action_owner", "action_email", "action_due")  # its choices always hold a value


def with_action(record: dict, action: dict) -> dict:
    """The record with `action` added: under the number it had if it is being edited back, else the next
    (after `numbered_after`, the last of the discussions recorded in the same thread before it)."""
    numbers = {a["number"] for a in record["actions"]}
    number = record.get("editing")
    if number is None or number in numbers:
        number = max(numbers, default=record.get("numbered_after", 0)) + 1
    added = sorted([*record["actions"], {**action, "number": number}], key=lambda a: a["number"])
    return {k: v for k, v in {**record, "actions": added}.items() if k not in ("editing", "editing_was")}


def kept_edit(record: dict) -> dict:
    """An action taken out to edit and not added back (its form cleared, then Next, Back or another Edit)
    is kept as it was: only Remove removes one (a walk cleared the form, as the card asked, and the
    agreed action was gone)."""
    was, number = record.get("editing_was"), record.get("editing")
    if not was or number is None:
        return record
    actions = sorted([*record["actions"], {**was, "number": number}], key=lambda a: a["number"])
    return {k: v for k, v in {**record, "actions": actions}.items() if k not in ("editing", "editing_was")}


def half_typed_action(values: dict) -> bool:
    """Something typed in the Add action form (only the boxes count: its choices always hold a value)."""
    return any(str(values.get(f) or "").strip() for f in ACTION_BOXES)


def without_action(record: dict, number: int | None, *, edit: bool, zone) -> dict:
    """The record without action `number`. Removed: those after it move up one. `edit`: its fields go
    back into the Add action form, to be changed and added again under the same number (a walk saw an
    edit renumber every action, so the numbers said at the meeting no longer matched)."""
    if edit:
        record = kept_edit(record)  # one being edited already, its form cleared: back in the list first
    found = next((a for a in record["actions"] if a["number"] == number), None)
    if found is None:
        return record
    others = [a for a in record["actions"] if a["number"] != number]
    if edit:
        record = {**record, "actions": others, "editing": number, "editing_was": found}
    else:
        editing = record.get("editing")
        record = {**record, "actions": [{**a, "number": a["number"] - (a["number"] > number)} for a in others],
                  **({"editing": editing - (editing > number)} if editing else {})}
    if edit:
        due = datetime.fromisoformat(found["due"]).astimezone(zone)
        form = dict(zip(ACTION_FORM, (found["child"], found["what"], found["agency"], found["owner"], found["email"],
                                      f"{due:%d/%m/%Y}")))
        # The form's boxes are exactly ACTION_FORM, so the action's fields replace whatever was in them.
        record["values"] = {**(record.get("values") or {}), "actions": form}
    return record


def default_distribution(invitations: list[dict], *, in_education: bool, school_age: bool | None = None) -> str:
    """Everyone invited, attended or not (PROTOCOL.md 5: the record is circulated to everyone invited),
    each once; then the child's GP, the named nurse and the education setting's DSL (unless invited
    already) or, for a child of school age (or whose age is not known) not in education, the Education
    Welfare Service: never for a baby, an unborn child or a toddler, whom it has no part in (bristol,
    dissemination: a child "not in education")."""
    from cards.words import agency

    people, seen = [], set()
    for invitation in invitations:
        addressed = [(invitation["name"], invitation.get("email") or "")]
        if invitation.get("delegate"):  # and the delegate sent in their place
            addressed.append((invitation["delegate"], invitation.get("delegate_email") or ""))
        for name, email in addressed:
            if email and email.lower() not in seen:
                seen.add(email.lower())
                people.append(f"{name}, {agency(invitation['agency'])} <{email}>")
    always = ["Child's GP", "Named nurse"]
    if not in_education:
        if school_age is not False:
            always.append("Education Welfare Service (the child is not in education)")
    elif not any(i["agency"] == "education_dsl" for i in invitations):
        always.append("Designated Safeguarding Lead, education setting")
    return "\n".join(people + always)


def parse_next(values: dict, *, now: datetime, calendar, seen_closed: str | None = None) -> tuple[dict, Errors]:
    """The next or review discussion: none, or a date and time in the future and a venue. A time or venue
    without a date is refused, never dropped, and a date without a time asked for, never made up (a walk:
    10:00 was recorded, and owed, without a word): finalising cannot be undone.
    On a day the offices are closed it may be meant, but finalising cannot be undone: the first press
    is told, and `seen_closed` (the moment so told, kept in the record) lets the same one through
    (a procedures expert's trial: a review on New Year's Day was finalised without a word)."""
    zone = calendar.zone
    day, at = text(values, "next_date"), text(values, "next_time")
    if not day:
        if at or text(values, "next_venue"):
            return {"next": None}, {"next_date": "Give the date of the next discussion, or clear its time and venue."}
        return {"next": None}, {}
    errors: Errors = {}
    when_day, when_time = uk_date(day), time_of_day(at)
    if when_day is None:
        errors["next_date"] = "Enter the date as a date, e.g. 14/12/2026."
    if not at:
        errors["next_time"] = "Give the time of the next discussion too, e.g. 10:00."
    elif when_time is None:
        errors["next_time"] = "Enter the time as HH:MM on the 24-hour clock, e.g. 14:30."
    if errors:
        return {"next": None}, errors
    when = datetime.combine(when_day, when_time, tzinfo=zone)
    if when < now:
        return {"next": None}, {"next_date": "The next discussion must be in the future."}
    if (closed := not_a_working_day(when, calendar)) and seen_closed != when.isoformat():
        return {"next": None, "seen_closed": when.isoformat()}, {
            "next_date": f"{when_day:%d/%m/%Y} is {closed}. Press Finalise again to keep it, or choose another date."}
    return {"next": when.isoformat(), "venue": text(values, "next_venue")}, {}


# The case's own clocks, owed once whichever discussion starts them: a review discussion does not start
# them again (the ICPC runs from the discussion "at which it was decided to initiate the enquiry (if
# there were more than one strategy meetings)", triborough 16; the assessment from the referral).
CASE_CLOCKS = frozenset({"icpc", "s47_review", "assessment", "lado_notification"})
# What only the chair can say is met (nothing the bot sees meets it): on the discussion's clocks card (bot/clocks.py).
CLOSED_BY_THE_CHAIR = CASE_CLOCKS | {"out_of_hours_not_quorate", "not_quorate", "review_discussion"}
# The clocks the chair's "Mark the record as distributed" meets (bot/export.py).
RECORD_DISTRIBUTED = frozenset({"record_distribution", "out_of_hours_record"})

AGREED = "agreed at the discussion"


def action_due_source(agreed_due_at: datetime | None, due_at: datetime, zone) -> str:
    """Why an action is owed by when it is, as its chases and the chair's lists say it: the date agreed at the
    discussion, or a new one given since, the agreed date beside it (a walk: a CP medical moved from 03/12
    to 10/12 was chased as "due Thu 10 Dec (agreed at the discussion)"). Within the obligation's 120 characters."""
    if agreed_due_at is None or agreed_due_at == due_at:  # (None: an action from before the agreed date was kept)
        return AGREED
    return f"a new date given since; {AGREED}: {agreed_due_at.astimezone(zone):%d/%m/%Y}"


def obligations(*, discussion_id: str, held_at: datetime, facts: dict, record: dict, actions: list[dict], profile,
                calendar, already_owed: frozenset[str] = frozenset()) -> list[dict]:
    """What the finalised record leaves owed, with due times: the chasers' work list. The clocks are
    the profile's alone (protocol.clocks_owed, its baseline included): a clock the profile does not
    state, or states without a fixed end ("as soon as practicable") and no reading of it (`chased_after`), is not chased. `already_owed`:
    the kinds the discussion this one reviews left owed; the case's clocks among them run on from it."""
    from protocol import Facts, Outcome, clocks_owed

    out = []
    out_of_hours = not calendar.in_working_hours(held_at)  # an EDT discussion's follow-up is chased at any hour

    def owe(key, kind, due, source, *, agency=None, subject=("discussion", discussion_id)):
        out.append({"key": f"{discussion_id}:{key}", "kind": kind, "due_at": due, "rule_source": source,
                    "owner_agency": agency, "subject_type": subject[0], "subject_id": subject[1],
                    "out_of_hours": out_of_hours})

    for action in actions:
        owe(f"action:{action['number']}", "action", datetime.fromisoformat(action["due"]), AGREED,
            agency=action["agency"], subject=("action", str(action["number"])))
    not_researched = [row for row in record["attendance"] if not row.get("researched", True)]
    outcome = Outcome(held_at=held_at, s47_started=any(d["kind"] in S47_DECISIONS for d in record.get("decisions", [])),
                      not_researched=tuple(row["agency"] for row in not_researched), quorate=record.get("quorate", True))
    for clock in clocks_owed(profile, Facts.model_validate(facts), outcome, calendar):
        if clock.due is None or (clock.clock in CASE_CLOCKS and clock.clock in already_owed):
            continue
        if clock.clock == "information_updates":  # one for each agency (and person) still researching
            for row in not_researched:
                owe(f"information_update:{row['agency']}:{row['email']}", "information_update", clock.due, clock.source,
                    agency=row["agency"])
        else:
            owe(clock.clock, clock.clock, clock.due, clock.source, agency="social_care")
    if record.get("next", {}).get("next"):
        owe("review_discussion", "review_discussion", datetime.fromisoformat(record["next"]["next"]), "date agreed at the discussion",
            agency="social_care")
    return out


REPORT_EXAMPLES = ("A2 done · A3 by 14/12 · A4 not required: child moved out of area · "
                   "A5 further discussion · update, then what your agency found")  # no <...>: Teams takes it for HTML and drops it
_REPORT = re.compile(r"^\s*a ?(\d{1,3})(?:\s*:\s*|\s+)(.+?)\s*$", re.IGNORECASE | re.DOTALL)  # "A3 done", "A3: done", "A 3 done"
_UPDATE = re.compile(r"^update(?:\s*:\s*|\s+)", re.IGNORECASE)


FURTHEST = timedelta(days=366)  # a date further off is a slip (01/01/9999 stopped the chasing, the hostile trial)


# A reason (an action no longer required, a clock not needed) is a sentence or two: it goes on the action's card
# and into the audit trail whole (a hostile trial stored one of 200,000 characters from the emailed link).
REASON_LIMIT = 500


def reason_problem(reason: str) -> str | None:
    """What is wrong with a reason given, once one is given: too long."""
    return f"Keep the reason under {REASON_LIMIT} characters." if len(reason) > REASON_LIMIT else None


def date_problem(day: date, *, today: date) -> str | None:
    """What is wrong with a date something will be done by: passed, or more than a year away."""
    if day < today:
        return f"{day:%d/%m/%Y} has passed: give the date it will be done by."
    if day > today + FURTHEST:
        return f"{day:%d/%m/%Y} is more than a year away: give the date it will really be done by."
    return None


def parse_report(message: str, *, today: date) -> dict | str:
    """An agency's reply in the thread, as {action, status, ...}; or the help text when unclear."""
    message = message.strip()
    if said := _UPDATE.match(message):
        if not (update := visible(message[said.end():])):
            return "Write the update after the word, e.g. `update: GP records show two earlier A&E attendances`."
        return {"update": update}
    match = _REPORT.match(message)
    if not match:
        return f"I didn't understand that. Reply like this: {REPORT_EXAMPLES}"
    number, rest = int(match.group(1)), match.group(2)
    # "A3 DONE." or "A2 done please" (a walk) mean "A3 done": a full stop, and the courtesies, are not the report
    rest = re.sub(r"[\s.!]*(?:,?\s*(?:please|thanks|thank you))?[\s.!]*$", "", rest, flags=re.IGNORECASE) or rest
    lowered = rest.lower()
    if lowered in ("done", "completed", "complete"):
        return {"action": number, "status": "completed"}
    if lowered.startswith("by "):
        day = uk_date(rest[3:], today=today)
        if day is None:
            return f"I couldn't read that date. Write it the UK way, e.g. `A{number} by 14/12` or `A{number} by 14/12/2026`."
        if problem := date_problem(day, today=today):
            return problem
        return {"action": number, "status": "will_complete_by", "by": day.isoformat()}
    if lowered.startswith("not required"):
        reason = visible(rest[len("not required"):].lstrip(" :-–"))
        if not reason:
            return f"Say why it is no longer required, e.g. `A{number} not required: child moved out of area`."
        if problem := reason_problem(reason):
            return problem
        return {"action": number, "status": "not_required", "reason": reason}
    if lowered in ("further discussion", "needs further discussion", "further strategy discussion"):
        return {"action": number, "status": "needs_discussion"}
    return f"I didn't understand that. Reply like this: {REPORT_EXAMPLES}"

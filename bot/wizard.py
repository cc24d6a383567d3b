"""The convene wizard's answers: card inputs (always strings) in, clean values and friendly
errors out. Pure: no I/O, no botbuilder; the flow in bot/convene.py does the talking."""
from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from protocol.conditions import SCHOOL_AGE
from protocol.vocabulary import AGENCIES, CONCERNS
from storage.directory import is_email

STEPS = ("child", "concern", "invitees", "when", "confirm")
ADD_PERSON = ("add_agency", "add_name", "add_email")  # the invitees card's Add someone: one form
_CASE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_-]{2,19}$")
# The case reference is shown in the channel, the meeting's title and every email, so a name typed there
# (a privacy trial: JAYDEN-SMITH, JaydenSmith2016, Smith_Jayden) is refused: a case system's reference has
# a digit, and its letters come in runs no longer than a prefix (CR-104233, MOS12345, LCS-2024-0001).
_A_WORD = re.compile(r"[A-Za-z]{5,}")
_INITIALS = re.compile(r"^[A-Za-z]{1,4}$")
# A date of birth with a two-digit year ("2/4/18"): asked for in full, not called unreal (a walk).
_SHORT_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")
# A short first name typed as a name is (Mia, Leo, Ella): a capital and then small letters. Initials are
# typed in capitals, or all small in a hurry (mb); only the name's own shape is refused.
_A_NAME = re.compile(r"^[A-Z][a-z]{1,3}$")
CHILD_FLAGS = ("unborn", "not_in_education", "looked_after", "in_hospital", "inpatient")
CONCERN_FLAGS = ("forensic_evidence_needed", "immediate_protective_action", "medical_implications",
                 "complex_disability_or_medical", "adult_services_involved", "allegation_against_staff",
                 "other_authority_involved", "sarc_referral")
Errors = dict[str, str]


CARD_DATA = frozenset({"verb", "discussion_id", "step", "version", "action_id", "invitation_id"})  # not typed by anyone


def as_on_card(data: dict, drawn: frozenset[str]) -> dict:
    """What the pressed card holds: the press's values, and as empty every input the card drew
    (`drawn`: cards.elements.input_ids) that the press left out. A client leaves an emptied box out
    of what a press sends (the Playground does); taken as "not changed", the old text, or a saved
    answer, came back on the next redraw and was used."""
    return {**{name: "" for name in drawn if name not in data}, **data}


def keep(draft: dict, data: dict) -> dict:
    """Every press first keeps everything on its card (as_on_card), valid or not, under the card's
    step: the card is drawn again from the draft (cards.elements.shown), so Back, Add, a refused Next
    or a press of any other button never loses what was typed or ticked. The one way cards keep
    their inputs, for the wizard and the record alike."""
    # A number must be finite: NaN or 1e400 (valid JSON to Python) made PostgreSQL refuse the draft (a hostile trial).
    typed = {k: v for k, v in data.items() if k not in CARD_DATA and (isinstance(v, (str, bool)) or
                                                                       isinstance(v, (int, float)) and math.isfinite(v))}
    values = draft.get("values") or {}
    return {**draft, "values": {**values, draft["step"]: {**values.get(draft["step"], {}), **typed}}}


def _typed_since(data: dict, draft: dict, step: str) -> dict:
    """What a press on `step`'s card carries that the draft does not keep: a box filled in differently (an emptied
    box is no news)."""
    kept = (draft.get("values") or {}).get(step) or {}
    return {k: v for k, v in data.items() if k not in CARD_DATA and isinstance(v, str) and v.strip() and v != kept.get(k)}


def _news(data: dict, draft: dict, step: str) -> dict:
    """`_typed_since`, less what the last Add on that card took into its list (`forget`): a double-click's second Add."""
    added = (draft.get("just_added") or {}).get(step) or {}
    return {k: v for k, v in _typed_since(data, draft, step).items() if v != added.get(k)}


def typed_on_an_older_card(data: dict, draft: dict, steps: tuple[str, ...]) -> bool:
    """A stale press (convene.stale_press) carrying something typed since: from a copy of another step's card
    than the one the draft (or record) is at, or from an older copy of this step's card (`strategy` typed again
    draws a second copy, and a press of the first was dropped without a word: a re-check). A double-click's
    second press carries what its first did, and is no news: a second Add too, whose boxes hold what the
    first took into the list (a re-check: an Add on an older copy, with other typing, was dropped without a word)."""
    step = data.get("step")
    return step in steps and bool(_news(data, draft, step))


def keep_from_an_older_card(draft: dict, data: dict, forms: tuple[tuple[str, ...], ...] = ()) -> dict:
    """What was typed on an older card (typed_on_an_older_card), kept under that card's step, the draft staying
    where it is: Back reaches it (walks typed on an out-of-date card, and it was gone). From an older copy of
    the step the draft is at, only what is news: a box it shows empty leaves what the newer copy saved; but a
    form (`forms`: an Add's boxes, a person or an action) is taken whole from the copy that has news for it,
    never mixed (a walk: the older copy's task, under the newer copy's owner and date, made one action of two)."""
    if data["step"] == draft["step"]:
        news = _typed_since(data, draft, data["step"])
        for form in forms:
            if news.keys() & set(form):
                news |= {name: str(data.get(name) or "") for name in form}
        data = {**news, "step": data["step"]}
    return {**keep({**draft, "step": data["step"]}, data), "step": draft["step"]}


def older_card_note(data: dict, steps: tuple[str, ...], where: str, *, at: str) -> str:
    """Said on the card drawn for a press of an older card (`at`: the step the draft or record is at)."""
    if data["step"] == at:
        return ("⚠ That was an older copy of this card: nothing it asked was done. What you typed on it is kept here: "
                "check it, and press the button again.")
    return (f"⚠ That card ({steps.index(data['step']) + 1} of {len(steps)}) was out of date: this is where {where} is now. "
            "Nothing it asked was done; what you typed on it is kept there (press Back to reach it).")


def forget(draft: dict, *names: str) -> dict:
    """Clear fields of the current card once what they held is in the draft proper (an added person,
    decision or action), so the card is ready for the next one; what they held is remembered as just
    added, so that a double-click's second Add, carrying it again, is known for one (`_news`)."""
    values = draft.get("values") or {}
    step_values = values.get(draft["step"], {})
    added = {k: v for k, v in step_values.items() if k in names}
    return {**draft, "values": {**values, draft["step"]: {k: v for k, v in step_values.items() if k not in names}},
            "just_added": {draft["step"]: added}}


def as_int(value) -> int | None:
    """A number a card sent back (an index, an action's number), or None for anything else."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e400 is valid JSON, and int(inf) raises
        return None


def age_in_years(born: date, *, on: date) -> float:
    """Completed years, and the part of the year since the last birthday, cut (never rounded) to
    hundredths: the day before the 13th birthday is 12.99, so a rule for the under-13s holds until
    the birthday itself and not a day earlier or later (a count of days over 365.25 was a day out
    either side of some birthdays). Born on 29 February: the birthday is 1 March in other years."""
    def birthday(year: int) -> date:
        try:
            return born.replace(year=year)
        except ValueError:
            return date(year, 3, 1)

    years = on.year - born.year - (on < birthday(on.year))
    last, following = birthday(born.year + years), birthday(born.year + years + 1)
    return years + (on - last).days * 100 // (following - last).days / 100


def same_person(agency_a: str, email_a: str, agency_b: str, email_b: str) -> bool:
    """One person for an agency, whatever the case or spacing of the email typed."""
    return agency_a == agency_b and (email_a or "").strip().lower() == (email_b or "").strip().lower()


def flag(values: dict, name: str) -> bool:
    return str(values.get(name, "")).strip().lower() == "true"


def text(values: dict, name: str) -> str:
    """A box's text as a card sends it; anything but text (a list, a number: no Teams client sends one for a
    box) is no answer, not its Python spelling (a re-check stored ['a', 'b'] as a disagreement)."""
    value = values.get(name)
    return value.strip() if isinstance(value, str) else ""


def uk_date(value: str, *, today: date | None = None) -> date | None:
    """A date as the card's date picker sends it (2017-04-02) or as people write it in the UK, day
    first (02/04/2017, 2/4/2017, 02-04-2017): read one way everywhere. With `today` (a due date), a
    two-digit year is this century and a day and month alone mean the nearest such date, last year's,
    this year's or next (one gone is then said to have passed: walks found 01/12 typed on 2 December,
    and 31/12 on 8 January, taken as a year away, and the chasing with them); without `today` (a
    birth, a meeting), the year must be written in full."""
    value = value.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    year_form = r"(\d{2}|\d{4})" if today else r"(\d{4})"
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-]" + year_form + r")" + ("?" if today else ""), value)
    if not match:
        return None
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    years = [int(year) + (2000 if len(year) == 2 else 0)] if year else [today.year - 1, today.year, today.year + 1]
    candidates = []
    for each in years:
        try:
            candidates.append(date(each, month, day))
        except ValueError:  # 31/02, or 29/02 in a year without it
            pass
    if not candidates:
        return None
    return min(candidates, key=lambda c: (abs((c - today).days), c < today)) if today else candidates[0]


def time_of_day(value: str) -> time | None:
    # 9:05 is 09:05, and 9.30 (as many in the UK write it) is 09:30
    value = re.sub(r"^(\d{1,2})[.:](\d\d)$", lambda m: f"{m[1]:0>2}:{m[2]}", value)
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def initials_of(typed: str) -> str:
    """'J.S.', 'j s' and 'JS' are the same initials; anything else is kept as typed, for the check to refuse."""
    parts = [p for p in re.split(r"[.\s]+", typed.strip()) if p]
    return ("".join(parts) if parts and all(len(p) == 1 for p in parts) else typed.strip()).upper()


# A person by their title ("Mrs Jones", "Dr. Patel"): the referrer box is for an agency (it goes into the invitees' reasons).
_A_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+[A-Z][a-z'’-]+", re.IGNORECASE)

# Someone who is not an agency: the referrer box is read as an agency to invite (hackney: "the referring agency"), and
# a strategy discussion is for professionals (a walk typed "parent" and was offered to invite them). Family, friends,
# neighbours, the public and the child themselves are said to be no agency; who referred goes in the record.
# Said anywhere in the box ("a concerned neighbour", "Parent/carer", "mum (by phone)": a re-check), unless an agency is
# named too ("the child's school", "Family Support Service", "parenting team").
_NOT_AN_AGENCY = re.compile(
    r"\b(?:parents?|mother|mum|mom|father|dad|step-?(?:mother|father|parent)|grand(?:parent|mother|father|ma|pa|mum|dad)s?|"
    r"relatives?|family|aunt|auntie|uncle|cousin|siblings?|brother|sister|neighbou?rs?|friends?|(?:ex-?)?partner|"
    r"member\s+of\s+(?:the\s+)?public|public|mop|anonymous|anon|caller|self|self-referral|child|young\s+person)\b", re.IGNORECASE)
_AN_AGENCY = re.compile(
    r"\b(?:school|college|nursery|academy|gp|surgery|nhs|health|hospital|police|constabulary|council|service|services|team|unit|"
    r"clinic|practice|visitor|nurse|midwife|midwifery|camhs|social|probation|housing|charity|ambulance|department|agency|"
    r"authority|trust|centre|center|safeguarding|dsl|officer|worker|paediatric\w*|a&e|ed|nspcc|barnardo'?s|early\s+help|"
    r"youth|education|welfare|mash|edt|lado|yot|cafcass|refuge|idva)\b",
    re.IGNORECASE)

# The oldest concern the concern card takes: a child 17 when it came may be 18 by the day of the discussion (a
# hostile trial: refused on the child card, judged against today), so the age is judged on the day it was received.
OLDEST_CONCERN = timedelta(days=30)


def parse_child(values: dict, *, today: date) -> tuple[dict, Errors]:
    errors: Errors = {}
    case_reference = text(values, "case_reference").upper()
    if not case_reference:
        errors["case_reference"] = "Enter the case reference."
    elif _A_WORD.search(case_reference) or not re.search(r"\d", case_reference):  # before the form: "Jayden Smith" too
        errors["case_reference"] = ("Give the case reference from your case system (e.g. CR-104233): it is shown in the "
                                    "channel, so never a name.")
    elif not _CASE_REFERENCE.match(case_reference):
        errors["case_reference"] = "A case reference is 3 to 20 letters, digits, '/', '-' or '_'."
    initials = initials_of(text(values, "initials"))
    if _A_NAME.match(text(values, "initials")):
        errors["initials"] = ("That looks like a name: enter the child's initials only, in capitals (e.g. MB). "
                              "The record keeps initials, never a name.")
    elif re.search(r"\d", initials):  # a walk put the case reference here, and was told it looked like a name
        errors["initials"] = ("Initials are letters only (e.g. JS): a reference with digits, such as the case reference, "
                              "goes in its own box above.")
    elif not _INITIALS.match(initials):
        errors["initials"] = ("That looks like a name: enter the child's initials only (up to four letters, e.g. JS). "
                              "The record keeps initials, never a name." if re.search(r"[A-Za-z]{2,}", initials) and len(initials) > 4
                              else "Enter the child's initials: 1 to 4 letters, e.g. JS.")
    unborn = flag(values, "unborn")
    dob_text = text(values, "dob")
    dob = uk_date(dob_text) if dob_text else None
    if unborn and dob_text:
        errors["dob"] = "Leave the date of birth empty for an unborn child."
    elif not unborn and not dob_text:
        errors["dob"] = "Enter the date of birth, or tick 'Unborn'."
    elif dob_text and dob is None:
        errors["dob"] = ("Write the year in full, e.g. 04/05/2016." if _SHORT_YEAR.fullmatch(dob_text)
                         else "Enter the date of birth as a real date, day first, e.g. 04/05/2016.")
    elif dob and dob > today:
        errors["dob"] = "The date of birth is in the future; for an unborn child tick 'Unborn'."
    elif dob and age_in_years(dob, on=today - OLDEST_CONCERN) >= 18:  # not today.replace(year=...): on 29 February it raised
        errors["dob"] = "That child would be 18 or over; strategy discussions are for children."
        # 18 since a concern the next card may still accept: judged there, on the day it was received.
    setting = text(values, "education_setting")
    not_in_education = flag(values, "not_in_education")
    if setting and not_in_education:
        errors["education_setting"] = "Either name the education setting or tick 'Not in education', not both."
    elif setting and unborn:  # otherwise the school's safeguarding lead would be invited for a child not yet born
        errors["education_setting"] = "An unborn child has no education setting: clear it, or untick 'Unborn'."
    elif not setting and not not_in_education and dob and "dob" not in errors \
            and SCHOOL_AGE[0] <= age_in_years(dob, on=today) < SCHOOL_AGE[1]:
        # Left empty, a school-age child was read as not in education: no school invited, and the record sent to the
        # Education Welfare Service (a procedures expert's trial, walsall: "must also be invited ... in nursery or school").
        errors["education_setting"] = ("A child of school age: name their school or college (its safeguarding lead is "
                                       "invited), or tick 'Not in education'.")
    if len(setting) > 120:
        errors["education_setting"] = "Keep the setting's name under 120 characters."
    others, other_errors = _other_children(text(values, "other_children"), today)
    if other_errors:
        errors["other_children"] = other_errors
    child = {
        "case_reference": case_reference, "initials": initials, "dob": dob.isoformat() if dob else None,
        "unborn": unborn, "education_setting": setting, "not_in_education": not_in_education,
        "looked_after": flag(values, "looked_after"), "in_hospital": flag(values, "in_hospital") or flag(values, "inpatient"),
        "inpatient": flag(values, "inpatient"), "other_children": others,
    }
    return child, errors


MAX_OTHER_CHILDREN = 20  # as protocol.Facts takes them; a hostile trial's 21 crashed the next card


def _other_children(raw: str, today: date) -> tuple[list[dict], str]:
    """One child per line: initials and date of birth, e.g. 'CD 2017-04-02'."""
    children = []
    lines = [(number, line) for number, line in enumerate((l.strip() for l in raw.splitlines()), start=1) if line]
    if len(lines) > MAX_OTHER_CHILDREN:
        return [], f"List at most {MAX_OTHER_CHILDREN} other children; for more, say so in the record."
    for number, line in lines:
        parts = line.replace(",", " ").split()
        if len(parts) == 2 and _A_NAME.match(parts[0]):
            return [], f"Line {number}: that looks like a name: write the child's initials, in capitals, e.g. 'CD 02/04/2017'."
        if len(parts) != 2 or not _INITIALS.match(parts[0]):
            return [], f"Line {number}: write initials and date of birth, day first, e.g. 'CD 02/04/2017'."
        born = uk_date(parts[1])
        if born is None and _SHORT_YEAR.fullmatch(parts[1]):
            return [], f"Line {number}: write the year in full, e.g. 02/04/2018."
        if born is None:
            return [], f"Line {number}: that date of birth is not a real date; write it day first, e.g. 02/04/2017."
        if born > today:
            return [], f"Line {number}: that date of birth is in the future."
        if age_in_years(born, on=today - OLDEST_CONCERN) >= 18:  # under 18 when the concern came: facts_from judges
            return [], f"Line {number}: that would be someone 18 or over; list the children under 18."
        children.append({"initials": parts[0].upper(), "dob": born.isoformat()})
    return children, ""


def parse_concern(values: dict, *, now: datetime, zone: ZoneInfo, child: dict) -> tuple[dict, dict, Errors]:
    """The concern step, and the protocol facts it makes together with the child step."""
    errors: Errors = {}
    received_date, received_time = uk_date(text(values, "received_date")), time_of_day(text(values, "received_time"))
    received_at = None
    local_now = now.astimezone(zone)
    in_future = f"That is in the future (it is {local_now:%H:%M} now): when was the concern received?"
    # A date after today: said as a date (a walk: "it is 22:32 now" read as if the time were wrong).
    future_day = f"That date is in the future (today is {local_now:%d/%m/%Y}): when was the concern received?"
    if received_date is None:  # said as it is wrong (a walk: 31/02 and a two-digit year were told to enter the date)
        typed = text(values, "received_date")
        errors["received_date"] = ("Enter the date the concern was received." if not typed else
                                   "Write the year in full, e.g. 02/12/2026." if _SHORT_YEAR.fullmatch(typed) else
                                   "That is not a real date: write it day first, e.g. 02/12/2026.")
    elif received_date > local_now.date():  # said at once, not only after the time is put right
        errors["received_date"] = future_day
    if received_time is None:  # each box says what is wrong with it, both at once
        errors["received_time"] = ("Enter the time as HH:MM on the 24-hour clock, e.g. 09:05." if text(values, "received_time")
                                   else "Enter the time the concern was received (HH:MM).")
    if not errors:
        received_at = datetime.combine(received_date, received_time, tzinfo=zone)
        if received_at > now + timedelta(minutes=5):  # a later day was refused above: today's date, so the time is wrong
            errors["received_time"] = in_future
        elif received_at < now - OLDEST_CONCERN:
            errors["received_date"] = "That is over 30 days ago; convene for new information received now."
        elif child.get("dob") and age_in_years(date.fromisoformat(child["dob"]), on=received_date) >= 18:
            errors["received_date"] = (f"The child was 18 by {received_date:%d/%m/%Y}; strategy discussions are for children. "
                                       "Check this date, or the date of birth (Back).")
    concerns = [c for c in text(values, "concerns").split(",") if c]
    unknown = [c for c in concerns if c not in CONCERNS]
    if unknown:
        errors["concerns"] = "Choose the concerns from the list."
    elif not concerns and not flag(values, "allegation_against_staff"):
        errors["concerns"] = "Choose at least one concern."
    referrer = text(values, "referrer_agency")
    if len(referrer) > 80:
        errors["referrer_agency"] = "Name the referring agency in under 80 characters (no personal details)."
    elif _A_TITLED_NAME.search(referrer):  # it goes into the invitees' reasons (a walk: "Mrs Jones at school" was repeated)
        errors["referrer_agency"] = "Name the agency only (e.g. 'the child's school', 'GP surgery'), not a person."
    elif _NOT_AN_AGENCY.search(referrer) and not _AN_AGENCY.search(referrer):
        errors["referrer_agency"] = ("A strategy discussion is for professionals, so a referral from family, a neighbour, the "
                                     "public or the child brings no one to invite: leave this empty, and say who referred "
                                     "in the record.")
    concern = {"received_date": text(values, "received_date"), "received_time": text(values, "received_time"),
               "concerns": concerns, "referrer_agency": referrer, **{f: flag(values, f) for f in CONCERN_FLAGS}}
    if errors:
        return concern, {}, errors
    return concern, facts_from(child, concern, received_at), {}


def facts_from(child: dict, concern: dict, received_at: datetime) -> dict:
    concerns = list(dict.fromkeys(concern["concerns"]))
    if concern["allegation_against_staff"] and "allegation_against_staff" not in concerns:
        concerns.append("allegation_against_staff")
    born = date.fromisoformat(child["dob"]) if child["dob"] else None
    # Born since the concern came (a hostile trial: a negative age crashed the card): a pre-birth concern, as it was received.
    if (child["unborn"] or born and born > received_at.date()) and "unborn_child" not in concerns:
        concerns.append("unborn_child")
    facts = {
        "received_at": received_at.isoformat(), "concerns": concerns,
        "in_education": bool(child["education_setting"]) and not child["not_in_education"],
        "looked_after": child["looked_after"], "in_hospital": child["in_hospital"], "inpatient": child["inpatient"],
        **{f: concern[f] for f in CONCERN_FLAGS if f != "allegation_against_staff"},
    }
    if born and born <= received_at.date():
        facts["child_age_years"] = age_in_years(born, on=received_at.date())
    ages = [age_in_years(date.fromisoformat(c["dob"]), on=received_at.date()) for c in child.get("other_children") or []]
    if ages := [a for a in ages if 0 <= a < 18]:  # born since the concern, or an adult in the household: not a child the discussion is about
        facts["other_children_ages"] = ages
    if concern["referrer_agency"]:
        facts["referrer_agency"] = concern["referrer_agency"]
    return facts


def invitee_rows(assessment: dict, directory, *, in_hours: bool, quorum: list[str]) -> list[dict]:
    """The assessment's invitees with the contact on duty at the meeting time filled in."""
    rows = []
    for invitee in assessment["invitees"]:
        if invitee["agency"] == "referrer":
            # Not ticked until the chair has a contact for them: a tick that invites nobody misleads.
            rows.append({**invitee, "name": "", "email": "", "role": "", "aad_object_id": None, "invite": False,
                         "quorum": False, "removal_reason": ""})
            continue
        on_duty = directory.on_duty(invitee["agency"], in_hours=in_hours)
        contact = on_duty[0] if on_duty else None
        rows.append({**invitee, "name": contact.name if contact else "", "email": contact.email if contact else "",
                     "role": contact.role if contact else "", "aad_object_id": contact.aad_object_id if contact else None,
                     "invite": True, "quorum": invitee["agency"] in quorum, "removal_reason": ""})
    return rows


def apply_invitee_choices(rows: list[dict], values: dict) -> tuple[list[dict], Errors]:
    """Keep/remove ticks from the card: a required agency needs a reason to be left out."""
    errors: Errors = {}
    updated = []
    for index, row in enumerate(rows):
        keep = flag(values, f"invite_{index}") if f"invite_{index}" in values else row["invite"]
        reason = text(values, f"reason_{index}")
        if not keep and row["required"] and not reason:
            errors[f"reason_{index}"] = "Say why this required agency is not invited."
        # A box on the card says what the row holds, emptied too (as_on_card); a row shown without one keeps its own.
        email = text(values, f"email_{index}") if f"email_{index}" in values else row["email"]
        if keep and not email:
            errors[f"email_{index}"] = ("Enter the referrer's email address to invite them, or untick." if row["agency"] == "referrer"
                                        else "No contact on duty in the directory: enter an email address, or untick.")
        elif email and not is_email(email):
            errors[f"email_{index}"] = "That is not an email address."
        updated.append({**row, "invite": keep, "removal_reason": reason if not keep else "", "email": email,
                        "name": text(values, f"name_{index}") if f"name_{index}" in values else row["name"]})
    return updated, errors


RULE_FIELDS = ("agency", "required", "reason", "source", "quorum")  # what an assessment decides about a row


def carry_over(rows: list[dict], earlier: list[dict], typed: dict) -> tuple[list[dict], dict]:
    """The invitees worked out afresh (after Back to the concern and Next again), keeping the chair's
    work on the earlier list: ticks, contacts and reasons for each agency still invited by the rules,
    and everyone the chair added. `typed`, the step's boxes as left (keyed by row number), follows its
    row to its new number; the boxes of a row the new assessment no longer lists go with it."""
    before = {row["agency"]: (index, row) for index, row in enumerate(earlier) if row.get("source") != "chair"}
    moved, result = {}, []
    for row in rows:
        if row["agency"] in before:
            index, old = before[row["agency"]]
            moved[index] = len(result)
            row = {**old, **{field: row[field] for field in RULE_FIELDS}}
        result.append(row)
    for index, row in enumerate(earlier):
        if row.get("source") == "chair":
            moved[index] = len(result)
            result.append(row)
    kept = {}
    for key, value in typed.items():
        field, _, number = key.rpartition("_")
        if not field or as_int(number) is None:  # not a row's box (the Add person form)
            kept[key] = value
        elif as_int(number) in moved:
            kept[f"{field}_{moved[as_int(number)]}"] = value
    return result, kept


def without_person(rows: list[dict], index) -> list[dict]:
    """The invitees without the one at `index`, if the chair added them (the profile's are unticked, with a reason)."""
    index = as_int(index)
    return [row for i, row in enumerate(rows) if i != index or row.get("source") != "chair"]


def apply_invitee_edits(rows: list[dict], values: dict) -> list[dict]:
    """The invitees card's ticks, names and reasons as the chair left them, whichever button was
    pressed; an email that is not (yet) an email address stays on the card, not in the row."""
    updated, _ = apply_invitee_choices(rows, values)
    return [row if is_email(row["email"]) or not row["email"] else {**row, "email": before["email"]}
            for row, before in zip(updated, rows)]


# At most this many people on one discussion: the invitees card and the record's attendance card list
# them all, and Teams refuses a message over 100 KB (UTF-16). 50 people with the longest names and
# emails accepted stay under it (tests/test_cards/test_card_size.py). Universal Actions refresh names 60 at most.
MAX_INVITEES = 50
TOO_MANY = (f"A strategy discussion's cards can list at most {MAX_INVITEES} people (Teams limits a card's size). "
            "Invite anyone else from the meeting in Outlook.")


def added_person(values: dict) -> tuple[dict | None, Errors]:
    agency, name, email = text(values, "add_agency"), text(values, "add_name"), text(values, "add_email")
    errors: Errors = {}
    if agency not in AGENCIES:
        errors["add_agency"] = "Choose the person's agency."
    if not name or len(name) > 120:
        errors["add_name"] = "Enter the person's name."
    if not email:
        errors["add_email"] = "Enter the person's email address."
    elif not is_email(email):
        errors["add_email"] = "That is not an email address: check it (e.g. name@agency.gov.uk)."
    if errors:
        return None, errors
    return {"agency": agency, "required": False, "reason": "added by the chair", "source": "chair", "name": name,
            "email": email, "role": "", "aad_object_id": None, "invite": True, "quorum": False, "removal_reason": ""}, {}


def with_person(rows: list[dict], person: dict) -> list[dict]:
    """The invitees with `person` added; someone already there (same agency and email, in any case)
    is merged, not listed twice: ticked to be invited again if they had been unticked."""
    for index, row in enumerate(rows):
        if same_person(row["agency"], row.get("email"), person["agency"], person["email"]):
            return [*rows[:index], {**row, "invite": True, "removal_reason": "", "name": row.get("name") or person["name"]},
                    *rows[index + 1:]]
    return [*rows, person]


def not_quorate(rows: list[dict], quorum: list[str], counts_as: dict | None = None) -> list[str]:
    """Quorum agencies that nobody invited will represent (in person, or through an agency that counts as it)."""
    counts_as = counts_as or {}
    invited = {counts_as.get(r["agency"], r["agency"]) for r in rows if r["invite"]}
    return [agency for agency in quorum if agency not in invited]


BAD_START = "Enter the start as HH:MM on the 24-hour clock, e.g. 14:30."


def parse_when(values: dict, *, slots: list[dict], now: datetime, deadline: datetime, zone: ZoneInfo,
               minutes: int) -> tuple[dict | None, Errors]:
    choice = text(values, "slot")
    if choice and choice != "other":
        slot = next((s for s in slots if s["start"] == choice), None)
        return (slot, {}) if slot else (None, {"slot": "That time is no longer offered; choose again."})
    day, at = uk_date(text(values, "other_date")), time_of_day(text(values, "other_time"))
    if text(values, "other_time") and at is None:  # typed, but not a time: say so beside it
        return None, {"other_time": BAD_START}
    if day is None or at is None:
        return None, {"slot": "Choose a proposed time, or enter a date and time of your own."}
    start = datetime.combine(day, at, tzinfo=zone)
    if start < now:
        return None, {"other_date": "That time has passed."}
    late_reason = text(values, "late_reason")
    if start + timedelta(minutes=minutes) > deadline and not late_reason:
        return None, {"late_reason": "That is after the statutory deadline: record why it cannot be sooner."}
    return {"start": start.isoformat(), "end": (start + timedelta(minutes=minutes)).isoformat(), "late_reason": late_reason}, {}


def refill_contacts(rows: list[dict], directory, *, in_hours: bool) -> list[dict]:
    """Once the time is known, swap directory contacts for whoever is on duty then (the chair's own
    additions and typed-in addresses stay as they are)."""
    refilled = []
    for row in rows:
        contact = directory.by_email(row["email"]) if row.get("email") else None
        if contact and not contact.available(in_hours=in_hours):
            on_duty = directory.on_duty(row["agency"], in_hours=in_hours)
            if on_duty:
                row = {**row, "name": on_duty[0].name, "email": on_duty[0].email, "role": on_duty[0].role,
                       "aad_object_id": on_duty[0].aad_object_id}
        refilled.append(row)
    return refilled


def meets_out_of_hours(assessment: dict | None) -> bool:
    """Whether the Emergency Duty Team convenes, as the assessment says (protocol.assess: only when the deadline
    itself falls out of hours; protocol.as_review: when the review was agreed for a time out of hours)."""
    return (assessment or {}).get("convened_by") == "Emergency Duty Team"


def meeting_day_closed(assessment: dict | None, start: datetime, calendar) -> str | None:
    """Why the meeting's day is not a working day, said beside it on the cards (a weekend or bank holiday may be
    meant, but never silently); None when the Emergency Duty Team convenes, which meets out of hours by its rule
    (a procedures expert's trial: "21:00 today (⚠ a Sunday, not a working day)" on the EDT's own meeting)."""
    return None if meets_out_of_hours(assessment) else calendar.closed_because(calendar.local(start).date())

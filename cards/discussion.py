"""A convened discussion's cards. The message in the chat (`base_card`) carries only the case
reference and initials; the chair and each invitee open their own view of it."""
from __future__ import annotations

from datetime import datetime, timezone

from . import words
from .elements import card, choices, container, execute, facts, heading, notice, refreshing, text, text_input

RECORD_CHECKS = (("shared", "Checks done and shared with the chair"), ("nothing_known", "Nothing known"),
                 ("researching", "Still researching"))  # what an agency can answer, on its card and on the emailed link
CHECK_WORDS = {"shared": "records checked and shared", "nothing_known": "records checked: nothing known",
               "researching": "still researching records", "none": "records check not yet answered"}
RSVP_WORDS = {"none": "no reply yet", "accepted": "accepted", "tentativelyAccepted": "tentative", "tentative": "tentative",
              "declined": "declined", "delegated": "sending a delegate", "share_only": "attending to share information only",
              "notResponded": "no reply yet", "organizer": "organiser"}
CONFIRMED = {"accepted", "delegated", "share_only"}  # coming
# Coming to stand for their agency: someone attending to share information only cannot decide for it (a walk: a
# paediatrician sharing information only showed Health "✓ confirmed" while the health nurse had declined).
STANDS_FOR_THE_AGENCY = {"accepted", "delegated"}


def base_card(*, discussion_id: str, case_reference: str, initials: str, status_line: str, viewers: list[str]) -> dict:
    return card(
        [heading(words.subject(case_reference, initials)), text(status_line),
         text("Only the chair and the people invited can open the details.", subtle=True, size="Small")],
        [execute("Open", "discussion.open", {"discussion_id": discussion_id})],
        refresh_verb="discussion.open", refresh_data={"discussion_id": discussion_id}, user_ids=viewers,
    )


def attendance_state(invitations: list, quorum: list[str], counts_as: dict | None = None) -> dict[str, str]:
    """Per quorum agency, once recorded: 'attended' (the chair is social care, and was there) or 'absent'."""
    counts_as = counts_as or {}
    came = {counts_as.get(i.agency, i.agency) for i in invitations if getattr(i, "attendance", None) == "attended"}
    return {agency: "attended" if agency == "social_care" or agency in came else "absent" for agency in quorum}


def quorum_state(invitations: list, quorum: list[str], counts_as: dict | None = None) -> dict[str, str]:
    """Per quorum agency: 'confirmed', 'information only' (coming only to share information), 'invited' (no
    confirmation yet), 'declined' or 'missing'. An invitee from an agency that counts as it (a paediatrician
    for health) stands for it."""
    counts_as, state = counts_as or {}, {}
    for agency in quorum:
        mine = [i for i in invitations if counts_as.get(i.agency, i.agency) == agency]
        if agency == "social_care":
            state[agency] = "confirmed"  # the chair is children's social care, and is there
        elif any(i.rsvp in STANDS_FOR_THE_AGENCY for i in mine):
            state[agency] = "confirmed"
        elif any(i.rsvp == "share_only" for i in mine):
            state[agency] = "information only"
        elif mine and all(i.rsvp == "declined" for i in mine):
            state[agency] = "declined"
        else:
            state[agency] = "invited" if mine else "missing"
    return state


def _change_meeting(discussion_id: str, version: int, problem: dict, typed: dict) -> dict:
    """The chair's changes after the invitations went out: add someone, move it, or cancel it. The
    buttons carry the discussion's version, so a press repeated from this card (a double-click's
    second) is told from a new one."""
    from protocol.vocabulary import AGENCIES

    from .elements import choices, date_input, error, time_input

    data = {"discussion_id": discussion_id, "version": version}
    return container([
        text("**Change the meeting**", size="Small"),
        *error(problem.get("_card")),
        *choices("add_agency", "Invite someone else: agency", [(a, words.agency(a)) for a in AGENCIES], typed.get("add_agency", ""),
                 problem=problem.get("add_agency")),
        *text_input("add_name", "Name", typed.get("add_name", ""), problem=problem.get("add_name")),
        *text_input("add_email", "Email", typed.get("add_email", ""), problem=problem.get("add_email")),
        {"type": "ActionSet", "actions": [execute("Invite", "discussion.invite", data)]},
        *date_input("move_date", "Move to: date", typed.get("move_date", ""), problem=problem.get("move_date")),
        *time_input("move_time", "Move to: time", typed.get("move_time", ""), problem=problem.get("move_time")),
        *text_input("move_reason", "If after the deadline: why it cannot be sooner", typed.get("move_reason", ""),
                    problem=problem.get("move_reason")),
        {"type": "ActionSet", "actions": [execute("Move the meeting", "discussion.move", data)]},
        *text_input("cancel_reason", "Cancel: why (kept on the record; invitees are told only that it is cancelled)",
                    typed.get("cancel_reason", ""), problem=problem.get("cancel_reason")),
        {"type": "ActionSet", "actions": [execute("Cancel the meeting", "discussion.cancel", data, style="destructive")]},
    ], separator=True)


def chair_card(discussion, *, now: datetime, quorum: list[str], provider_sends: bool, next_contacts: dict[str, str],
               problem: dict | None = None, typed: dict | None = None, counts_as: dict | None = None,
               meeting_closed: str | None = None, attendance_words: dict | None = None) -> dict:
    """`problem`: a refused change comes back with its reason. `typed`: what is on the card's boxes,
    refused or not, comes back (a press of one change never loses what was typed for another).
    Once recorded, the card tells who came, as the record says, not the replies before it (a walk: a
    quorate, recorded discussion still read "Quorum not yet confirmed", everyone "awaiting reply")."""
    invitations = list(discussion.invitations)
    status = getattr(discussion, "status", "convened")
    held = status == "recorded" and attendance_words is not None
    state = attendance_state(invitations, quorum, counts_as) if held else quorum_state(invitations, quorum, counts_as)
    marks = {"confirmed": "✓ confirmed", "information only": "⚠ sharing information only, not deciding for it",
             "invited": "… awaiting reply", "declined": "✗ declined", "missing": "✗ not invited",
             "attended": "✓ attended", "absent": "✗ not there"}
    quorate = ((getattr(discussion, "record", None) or {}).get("quorate", True) if held
               else all(v == "confirmed" for v in state.values()))
    body = [heading(words.subject(discussion.case_reference, discussion.child_initials)),
            *([text(f"Deadline: by {words.when(discussion.deadline, now=now)}")] if discussion.deadline else [])]
    if discussion.meeting_start:
        end = getattr(discussion, "meeting_end", None)
        length = f" ({int((end - discussion.meeting_start).total_seconds() // 60)} min)" if end else ""
        closed = f" (⚠ {meeting_closed}, not a working day)" if meeting_closed else ""  # set or moved to one: said, not refused
        body.append(text(f"**Meeting: {words.when(discussion.meeting_start, now=now)}**{length}{closed}"))
        if discussion.deadline and end and end > discussion.deadline:
            body.append(text("⚠ The meeting is after the statutory deadline (the reason is in the audit trail).",
                             color="Attention"))
    if not provider_sends:
        body.append(notice("Local mode: invitation written as an .ics file; **nothing was sent**."))
    elif discussion.meeting_join_url:
        body.append(text("Teams invitations sent.", subtle=True))
    elif discussion.meeting_start:  # Graph made a calendar event, but no Teams meeting (no Teams licence on the organiser)
        body.append(notice("Calendar invitations were sent, but **no Teams meeting was created**: the organiser mailbox "
                           "cannot host Teams meetings (it needs a Teams licence). Add a join link or a room, or meet by phone."))
    missing = [words.agency(a) for a, s in state.items() if s == "missing"]
    if held:
        body.append(text("**Quorate**, as recorded" if quorate else "**Not quorate**, as recorded", color="Good" if quorate else "Attention"))
    else:
        body.append(text("**Quorum confirmed**" if quorate else
                         f"**Not quorate**: {', '.join(missing)} not invited" if missing else "**Quorum not yet confirmed**",
                         color="Good" if quorate else "Attention"))
    body.append(facts([(words.agency(a), marks[s]) for a, s in state.items()]))
    for agency, suggestion in next_contacts.items():
        body.append(text(f"⚠ {words.agency(agency)} declined. {suggestion}", color="Attention"))
    rows = []
    for invitation in invitations:
        if held:  # the record's word on each: attended, apologies, no response
            rows.append((words.agency(invitation.agency), f"{invitation.name or invitation.email}: "
                         f"{attendance_words.get(getattr(invitation, 'attendance', None) or '', 'not recorded').lower()}"))
            continue
        reply = RSVP_WORDS.get(invitation.rsvp, invitation.rsvp)
        if invitation.rsvp == "delegated":
            reply += f": {invitation.delegate_name}"
        if invitation.rsvp == "declined" and invitation.apologies:
            reply += f" ({invitation.apologies})"
        if invitation.rsvp == "declined" and invitation.information_route:
            reply += f"; information: {invitation.information_route}"
        reply += f"; {CHECK_WORDS.get(getattr(invitation, 'record_check', 'none'), 'records check not yet answered')}"
        rows.append((f"{words.agency(invitation.agency)}", f"{invitation.name or invitation.email}: {reply}"))
    body += [heading("Invitees", size="Default"), facts(rows)]
    updates = (getattr(discussion, "record", None) or {}).get("updates", [])
    if updates:  # the chair's own card: what agencies sent after the discussion, in their words
        body += [heading("Information updates", size="Default"),
                 facts([(u["from"], f"{u['text']} (received {words.when(datetime.fromisoformat(u['at']), now=now)})")
                        for u in updates])]
    actions = [execute("Refresh", "discussion.open", {"discussion_id": discussion.id})]
    if status == "convened":
        actions.append(execute("Write the record", "record.open", {"discussion_id": discussion.id}))
        # What was typed for another change comes back whatever the press (bot/meetings.py leaves out what it used).
        body.append(_change_meeting(discussion.id, discussion.version, problem or {}, typed or {}))
    elif status == "recorded":
        actions.append(execute("Export the record", "record.export", {"discussion_id": discussion.id}))
        actions.append(execute("Case clocks", "clock.open", {"discussion_id": discussion.id}))  # the conference held...
        # The review agreed at the discussion, or one needed since (s47 not concluded): started from here, it keeps to
        # the case's clocks and the date agreed (a procedures trial convened it with /strategy, as a new referral).
        actions.append(execute("Start a review discussion", "convene.review", {"discussion_id": discussion.id}))
        from .record import disagreement_words, due_words, status_words

        noted = (getattr(discussion, "record", None) or {}).get("disagreement")
        if noted and "told" in noted:  # as the thread's summary says it: whose, where it goes, who was told
            body.append(text(disagreement_words(noted), color="Attention"))

        agreed = sorted(getattr(discussion, "actions", None) or [], key=lambda a: a.number)
        # After the meeting what matters is the actions: each with its owner, due date and where it stands.
        body += [heading("Actions", size="Default"), facts([
            (f"A{a.number}", f"{a.description}: {a.owner_name or words.agency(a.owner_agency)}, due "
                             f"{due_words(a, now=now)}, {status_words(a, now.tzinfo, now=now)}") for a in agreed]
            or [("Actions", "none agreed")])]
    if discussion.meeting_join_url:
        actions.insert(0, {"type": "Action.OpenUrl", "title": "Join the meeting", "url": discussion.meeting_join_url})
    if "child_on_child" in (discussion.facts or {}).get("concerns", []) and not discussion.linked_discussion_id:
        body.append(notice("Child-on-child concern: the other child needs a separate discussion."))
        actions.append(execute("Start the other child's discussion", "convene.link", {"discussion_id": discussion.id}))
    return card(body, actions)


# An invitation with nothing left to answer, by the discussion's status: (title, why, what else to do).
_SINCE = "Anything your agency has found since: reply `update` and what it is in the discussion's thread."
NOTHING_TO_ANSWER = {
    "cancelled": ("Cancelled", "this strategy discussion was cancelled, so there is nothing to answer.", ""),
    **dict.fromkeys(("recording", "recorded"), ("Already held", "the discussion has taken place, so this answer is not needed now.", _SINCE)),
}
MEETING_OVER = ("Meeting over", "the meeting has ended, so this answer is not needed now.", _SINCE)


def nothing_to_answer(discussion, now: datetime) -> tuple[str, str, str] | None:
    """Why an invitation can no longer be answered, if it cannot: the discussion cancelled or held, or
    its meeting over though the record is not started (a hostile trial: an Accept at 15:00 for 11:00 was recorded)."""
    status = getattr(discussion, "status", None)  # an older row without a status is convened
    if status in NOTHING_TO_ANSWER:
        return NOTHING_TO_ANSWER[status]
    end = getattr(discussion, "meeting_end", None)
    return MEETING_OVER if end is not None and now >= end else None


def drawn_for(discussion) -> str:
    """The meeting time an invitation card is drawn for, as its buttons carry it: the instant in UTC, however the
    time was read (a re-check: drawn at convening with +01:00, compared with the database's +00:00, every answer in
    summer was refused as if the meeting had moved)."""
    return discussion.meeting_start.astimezone(timezone.utc).isoformat() if discussion.meeting_start else ""


def same_time(pressed, drawn: str) -> bool:
    """Whether a card's `at` is the meeting time now: the same instant, whatever offset either was written with (a
    card from before `at` was written as UTC carries the partnership's offset)."""
    try:
        return (pressed or "") == drawn or datetime.fromisoformat(str(pressed)) == datetime.fromisoformat(drawn)
    except ValueError:
        return False


def rsvp_card(discussion, invitation, *, now: datetime, problem: dict | None = None, typed: dict | None = None) -> dict:
    """`typed`: what was on the card when a button was pressed; it comes back whatever the button (an
    answer sent with something typed for another one, a refused answer: nothing is lost)."""
    if closed := nothing_to_answer(discussion, now):
        # Redrawn without its buttons (a walk: a cancelled meeting's card still offered Accept until pressed).
        title, why, hint = closed
        body = [heading(f"{title}: {words.subject(discussion.case_reference, discussion.child_initials)}"), text(f"{why} {hint}".strip())]
        return refreshing(card(body), "discussion.open", {"discussion_id": discussion.id}, [])
    problem = problem or {}
    check = getattr(invitation, "record_check", "none")
    saved = {"apologies": invitation.apologies, "information_route": invitation.information_route,
             "delegate_name": invitation.delegate_name, "delegate_email": invitation.delegate_email,
             "record_check": check if check != "none" else ""}
    values = {**saved, **{k: str(v) for k, v in (typed or {}).items() if k in saved}}
    # `seen`: the answer the card was drawn with; a press from before the last answer (a double-click's second) changes nothing.
    # `at`: the meeting time it was drawn for; a press from before the meeting moved answers nothing (the answer was to the old time).
    data = {"discussion_id": discussion.id, "invitation_id": invitation.id, "seen": invitation.rsvp or "", "at": drawn_for(discussion)}
    body = [heading(words.subject(discussion.case_reference, discussion.child_initials)),
            text(f"You are invited for **{words.agency(invitation.agency)}**."),
            text(f"Meeting: **{words.when(discussion.meeting_start, now=now)}**" if discussion.meeting_start else "Time to be confirmed"),
            text(f"Your reply: **{RSVP_WORDS.get(invitation.rsvp, invitation.rsvp)}**")]
    if problem.get("_card"):
        body.append(text(f"⚠ {problem['_card']}", color="Attention"))
    body.append(container([
        *text_input("apologies", "If declining: apologies", values["apologies"], problem=problem.get("apologies")),
        *text_input("information_route", "If declining: how your agency's information will reach the chair",
                    values["information_route"], problem=problem.get("information_route")),
        *text_input("delegate_name", "Delegate's name", values["delegate_name"], problem=problem.get("delegate_name")),
        *text_input("delegate_email", "Delegate's email", values["delegate_email"], problem=problem.get("delegate_email")),
    ], separator=True))
    body.append(container([
        text("**Records check**: research your agency's records on the case before the meeting.", size="Small"),
        # Said either way: a choice left chosen on the card looks the same sent or not (a walk).
        text(f"Sent to the chair: **{CHECK_WORDS[check]}**." if check in CHECK_WORDS and check != "none"
             else "Not sent to the chair yet: choose, then press Send records check (or answer: it goes with your answer).",
             size="Small"),
        *choices("record_check", "What your agency holds", list(RECORD_CHECKS), values["record_check"],
                 problem=problem.get("record_check")),
        {"type": "ActionSet", "actions": [execute("Send records check", "rsvp.records", data)]},
    ], separator=True))
    actions = [execute("Accept", "rsvp.accept", data, style="positive"),
               execute("Decline", "rsvp.decline", data, style="destructive"),
               execute("Send a delegate", "rsvp.delegate", data),
               execute("Attend to share information only", "rsvp.share_only", data)]
    if discussion.meeting_join_url:
        actions.insert(0, {"type": "Action.OpenUrl", "title": "Join", "url": discussion.meeting_join_url})
    # An older copy in the invitee's personal chat (two people: refreshed for both) redraws as the
    # invitation now is: moved, cancelled, answered.
    return refreshing(card(body, actions), "discussion.open", {"discussion_id": discussion.id}, [])

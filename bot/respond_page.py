"""The page an emailed link opens: answer an action (the four statuses of PROTOCOL.md §6) or send
an information update, without Teams and without JavaScript. It shows the case reference, the
action and the due date only, and records the answer exactly as a reply in Teams would."""
from __future__ import annotations

import html
import logging

from aiohttp import web

from cards import discussion as discussion_cards
from cards import record as record_cards
from cards.words import agency as agency_name
from storage.unit_of_work import RepeatedDelivery, answering

from . import recording
from .actions import UPDATE_LIMIT
from .inbound import clean_text
from .links import LinkError

log = logging.getLogger(__name__)
STATUS_CHOICES = (("completed", "Completed"), ("will_complete_by", "Not completed yet, will be done by the date below"),
                  ("not_required", "Not completed and no longer required (give the agency manager's reason)"),
                  ("needs_discussion", "Needs a further strategy discussion"))


# No script, no framing, no other origin: the page is a form that posts to itself.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                           "frame-ancestors 'none'; base-uri 'none'",
                "X-Frame-Options": "DENY"}
USED = ("Already answered", "<p>This link has been used. Each link answers once; the chair has your answer.</p>")


def _page(title: str, body: str, *, status: int = 200) -> web.Response:
    document = (f"<!doctype html><html lang='en-GB'><head><meta charset='utf-8'><meta name='viewport' "
                f"content='width=device-width'><title>{html.escape(title)}</title><meta name='robots' content='noindex'>"
                "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:2em auto;padding:0 1em}"
                "label{display:block;margin:.5em 0}</style></head>"
                f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")
    return web.Response(text=document, content_type="text/html", status=status, headers=PAGE_HEADERS)


class RespondPage:
    def __init__(self, services, *, actions_flow):
        self.s = services
        self.actions = actions_flow

    def routes(self) -> list:
        return [web.get("/respond/{token}", self.show), web.post("/respond/{token}", self.answer)]

    async def _load(self, token: str):
        claim = self.s.links.read(token)
        async with self.s.uow() as uow:
            obligation = await uow.obligations.get(claim.obligation_id)
            if obligation is None:
                raise LinkError("This link is for something that no longer exists.")
            discussion = await uow.discussions.get(obligation.discussion_id)
        action = next((a for a in discussion.actions if str(a.number) == obligation.subject_id), None) \
            if obligation.kind == "action" else None
        return claim, obligation, discussion, action

    async def show(self, request: web.Request) -> web.Response:
        try:
            claim, obligation, discussion, action = await self._load(request.match_info["token"])
        except LinkError as error:
            return _page("Link not valid", f"<p>{html.escape(str(error))}</p>", status=410)
        async with self.s.uow() as uow:
            if await uow.chases.link_used(claim.digest):
                return _page(*USED)  # shown, not an error: the answer was received
            if claim.purpose == "action" and action:  # the task the chair typed, shown: a view of the record, as on the card
                uow.audit.record(actor=claim.actor, action="action.viewed", subject_type="action", subject_id=action.id,
                                 details={"discussion_id": discussion.id, "number": action.number, "via": "emailed link"})
                await uow.commit()  # every time: a page opened again (a refresh, another day) is another view
        if claim.purpose == "record_check" and self._check_not_needed(discussion):  # said before asking (a security trial)
            return _page("Strategy discussion: nothing to answer", f"<p>{html.escape(self._not_needed(discussion))}</p>")
        return _page("Strategy discussion: your answer", self._form(claim, obligation, discussion, action))

    def _form(self, claim, obligation, discussion, action, typed: dict | None = None, problem: str = "") -> str:
        """The page's form; after a refused answer, with what was typed in it and what to put right above it."""
        typed = typed or {}
        due = obligation.due_at.astimezone(self.s.calendar.zone).strftime("%d/%m/%Y %H:%M")
        initials = action.child_initials if action and action.child_initials else discussion.child_initials  # an action may be a sibling's
        head = f"<p>Case <strong>{html.escape(discussion.case_reference)} ({html.escape(initials)})</strong>, due {due}.</p>"
        if problem:
            head += f"<p role='alert'><strong>Please check your answer:</strong> {html.escape(problem)}</p>"
        if claim.purpose == "action" and action:
            options = "".join(f"<label><input type='radio' name='status' value='{v}' required"
                              f"{' checked' if typed.get('status') == v else ''}> {html.escape(t)}</label>" for v, t in STATUS_CHOICES)
            # Where it stands now (a walk: a late answer from the link reopened an action the chair had marked done, unseen).
            now = self.s.calendar.local(self.s.clock.now())
            stands = record_cards.status_words(action, now.tzinfo, now=now)
            # The state the page showed goes back with the answer: one opened before another report is not applied blind.
            seen = html.escape(record_cards.seen_state(action), quote=True)
            return head + (f"<p>A{action.number}: {html.escape(action.description)}</p>"
                           f"<p>It now stands as: <strong>{html.escape(stands)}</strong>.</p><form method='post'>"
                           f"<input type='hidden' name='seen' value='{seen}'>{options}"
                           f"<label>Date (DD/MM/YYYY) <input name='by' value='{html.escape(typed.get('by', ''), quote=True)}'></label>"
                           f"<label>Reason <input name='reason' value='{html.escape(typed.get('reason', ''), quote=True)}'></label>"
                           "<button type='submit'>Send</button></form>")
        if claim.purpose == "record_check":  # an agency not in Teams (another tenant) answers its records check here
            options = "".join(f"<label><input type='radio' name='record_check' value='{v}' required"
                              f"{' checked' if typed.get('record_check') == v else ''}> {html.escape(t)}</label>" for v, t in discussion_cards.RECORD_CHECKS)
            return head + ("<p>Your agency's records check on the case, before the strategy discussion.</p>"
                           f"<form method='post'>{options}<button type='submit'>Send</button></form>")
        return head + ("<p>Your agency's information update for the chair.</p><form method='post'>"
                       "<label>Update <textarea name='update' rows='6' cols='40' required>"
                       f"{html.escape(typed.get('update', ''))}</textarea></label><button type='submit'>Send</button></form>")

    async def answer(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            claim, obligation, discussion, action = await self._load(token)
        except LinkError as error:
            return _page("Link not valid", f"<p>{html.escape(str(error))}</p>", status=410)
        try:  # a body that does not decode is refused: a corrupt gzip, a broken form, a charset nobody knows (LookupError)
            posted = await request.post()
        except (web.RequestPayloadError, ValueError, LookupError):
            return _page("Please check your answer", "<p>Your answer could not be read. Please go back and send it again.</p>", status=400)
        form = {k: clean_text(str(v)) for k, v in posted.items()}  # as every activity's text is
        if claim.purpose == "action" and action and form.get("seen") and form["seen"] != record_cards.seen_state(action):
            # Opened before the action last changed (a page left open, another report, the chair's): the answer was to
            # what the page said then, so it is shown where the action stands now and sent again only if still meant.
            now = self.s.calendar.local(self.s.clock.now())
            changed = (f"A{action.number} has changed since this page was opened: it now stands as "
                       f"{record_cards.status_words(action, now.tzinfo, now=now)}. Nothing was recorded: send your answer "
                       "again if you still mean it.")
            return _page("Please check your answer", self._form(claim, obligation, discussion, action, form, changed), status=409)
        today = self.s.calendar.local(self.s.clock.now()).date()
        report = self._report(claim.purpose, form, action, today)
        if isinstance(report, str):  # the form again, as it was filled in (a walk lost a typed reason to a bare Back link)
            return _page("Please check your answer", self._form(claim, obligation, discussion, action, form, report), status=400)
        async with self.s.uow() as uow:
            if await uow.chases.link_used(claim.digest):
                return _page(*USED, status=409)
        # The answer first, the link marked used after it. The answer's own transaction records its delivery
        # as handled (`answering`), so a second sending of the form changes nothing; a process killed between
        # the two leaves a link that can be sent again and is answered as the repeat it is. (Marked first, in
        # a transaction of its own, a kill in between lost the answer and the link said "the chair has it".)
        actor, delivery = claim.actor, f"link:{claim.digest[:32]}"
        try:
            with answering(delivery):
                if claim.purpose == "record_check":
                    said = await self._records_check(obligation, discussion, report["record_check"], actor)
                elif claim.purpose == "action":
                    said, _ = await self.actions.apply(actor, f"{agency_name(action.owner_agency)} (by emailed link)",
                                                       delivery, discussion.id, number=action.number, report=report, trusted=True)
                else:
                    said = await self.actions.information_update(actor, agency_name(obligation.owner_agency), delivery, discussion,
                                                                 report["update"], {obligation.owner_agency})
        except RepeatedDelivery:
            return _page(*USED, status=409)
        async with self.s.uow() as uow:
            first = await uow.chases.use_link(claim.digest, self.s.clock.now())
            await uow.commit()
        if not first or not said:  # another sending of this form got there first ("" : an update already kept)
            return _page(*USED, status=409)
        return _page("Thank you", f"<p>{html.escape(said)}</p>")

    async def _records_check(self, obligation, discussion, check: str, actor: str) -> str:
        """As the invitation card's records check: kept on the invitation; the chair's card shows it when next drawn."""
        async with self.s.uow() as uow:
            stored = await uow.discussions.get(discussion.id, for_update=True)
            invitation = next((i for i in stored.invitations if i.id == obligation.subject_id), None)
            if invitation is None or self._check_not_needed(stored):
                return self._not_needed(stored)
            invitation.record_check = check
            uow.audit.record(actor=actor, action=f"record_check.{check}", subject_type="invitation", subject_id=invitation.id,
                             details={"discussion_id": stored.id, "agency": invitation.agency, "by": "emailed link"})
            await uow.commit()
        return f"Thank you: your agency's records check on {discussion.case_reference} is recorded for the chair."

    def _check_not_needed(self, discussion) -> bool:
        """A records check is for a meeting still ahead: not one cancelled, held or recorded."""
        return discussion.status not in ("convened", "convening") or discussion_cards.nothing_to_answer(discussion, self.s.clock.now())

    @staticmethod
    def _not_needed(discussion) -> str:
        return f"{discussion.case_reference}: the meeting is no longer ahead, so the records check is not needed now."

    @staticmethod
    def _report(purpose: str, form, action, today) -> dict | str:
        if purpose == "record_check":
            check = str(form.get("record_check", ""))
            return {"record_check": check} if check in dict(discussion_cards.RECORD_CHECKS) else "Choose one of the three answers."
        if purpose != "action":
            update = str(form.get("update", "")).strip()
            if len(update) > UPDATE_LIMIT:  # refused here, before the link is used up
                return f"Keep the update under {UPDATE_LIMIT:,} characters: send the rest to the chair another way."
            return {"update": update} if update else "Write your agency's update."
        status = str(form.get("status", ""))
        if status not in dict(STATUS_CHOICES) or action is None:
            return "Choose one of the four answers."
        if status == "will_complete_by":  # the form's own words, not the thread's `A1 by 14/12` (a walk found those here)
            written = str(form.get("by", "")).strip()
            by = recording.uk_date(written, today=today) if written else None
            if by is None:
                return ("That date could not be read: write it day first, e.g. 14/12/2026." if written
                        else "Give the date it will be done by (DD/MM/YYYY).")
            if problem := recording.date_problem(by, today=today):
                return problem
            return {"action": action.number, "status": status, "by": by.isoformat()}
        if status == "not_required":
            reason = str(form.get("reason", "")).strip()
            if not reason:
                return "Give the agency manager's reason it is no longer required."
            return recording.reason_problem(reason) or {"action": action.number, "status": status, "reason": reason}
        return {"action": action.number, "status": status}

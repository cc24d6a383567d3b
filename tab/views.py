"""What the oversight tab shows, and to whom: the imperative shell around storage/oversight.py
(queries), tab/figures.py (timeliness) and tab/census.py (the statutory return).

A chair sees their own discussions; a manager (MANAGER_AAD_IDS / MANAGERS_GROUP_ID) sees the
service's; anyone else sees no case data, and the attempt goes to the audit trail. Every view names
a child by case reference and initials only, as the chat does.
"""
from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from urllib.parse import quote

from cards.discussion import attendance_state, quorum_state
from cards.words import agency as agency_name
from cards.words import owed
from protocol import load_profile
from protocol.facts import EARLIEST, LATEST
from protocol.deadlines import limit_words

from . import census, figures
from .charts import bars

MANAGER, CHAIR, NOBODY = "manager", "chair", "none"
MAX_PERIOD = timedelta(days=400)  # a census year and a little: longer is not a question anyone asks of this tab
SNOOZE_MOST = timedelta(days=30)  # as `snooze` in the chat


def _a_year_before(day: date) -> date:
    """The same day a year earlier; 29 February's is 28 February (a view ending on 29 Feb 2028 was a 400)."""
    return day.replace(year=day.year - 1) if (day.month, day.day) != (2, 29) else date(day.year - 1, 2, 28)


class Refused(Exception):
    """The viewer may not see or do this: said in words, and audited by the caller."""


def deep_link(row: dict, app_id: str) -> str | None:
    """The discussion's card in Teams: its channel thread, or else the personal chat with the bot; None
    where there is neither (local mode has no bot id: a walk's link went to a chat with "28:", nobody)."""
    conversation = row.get("conversation_id") or ""
    channel, _, message = conversation.partition(";messageid=")
    if message:
        return (f"https://teams.microsoft.com/l/message/{quote(channel, safe='')}/{message}"
                f"?tenantId={quote(row.get('tenant_id') or '')}&parentMessageId={message}")
    return f"https://teams.microsoft.com/l/chat/0/0?users={quote('28:' + app_id)}" if app_id else None


class OversightViews:
    def __init__(self, services, *, is_manager, app_id: str, la_code: str, local_mode: bool = False):
        self.s = services
        self.local_mode = local_mode  # the page is open on a developer's machine: it shows the (example) service
        self.is_manager = is_manager  # async (aad object id) -> bool
        self.app_id = app_id
        self.la_code = la_code
        self._limits: dict[tuple[str, str], str] = {}

    async def role(self, viewer) -> str:
        if self.local_mode or await self.is_manager(viewer.oid):
            return MANAGER
        if await self.s.access.may_convene(viewer.oid):
            return CHAIR
        return NOBODY

    async def scope(self, viewer, what: str) -> str | None:
        """The chair filter for the viewer's role (None: a manager sees all); refused and audited otherwise."""
        role = await self.role(viewer)
        if role == MANAGER:
            return None
        if role == CHAIR:
            return viewer.oid
        async with self.s.uow() as uow:
            uow.audit.record(actor=viewer.oid, action="tab.refused", subject_type="tab", subject_id=what,
                             details={"tenant": viewer.tenant_id})
            await uow.commit()
        raise Refused("This page is for chairs and managers of strategy discussions. Your visit has been recorded; "
                      "if you need it, ask your service manager to add you.")

    def _local(self, moment: datetime | None) -> str | None:
        return self.s.calendar.local(moment).isoformat(timespec="minutes") if moment else None

    def _agreed(self, owed: dict) -> str | None:
        """An action whose owner gave a new date since: the date agreed at the discussion, to show beside the new one."""
        return self._local(owed["agreed_due_at"]) if owed["agreed_due_at"] not in (None, owed["due_at"]) else None

    async def mine(self, viewer) -> dict:
        chair = await self.scope(viewer, "discussions")
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            rows = await uow.oversight.open_discussions(chair)
        out = []
        for row in rows:
            invited = [SimpleNamespace(**i) for i in row["invitations"]]
            counts_as = self.s.profile.quorum.counts_as  # a paediatrician is the health in the room, as on the chair's card
            agencies = list(dict.fromkeys(counts_as.get(i.agency, i.agency) for i in invited if i.quorum or i.agency in counts_as))
            # The chair's card's rule (the chair is social care, and is there): replies till the record is finalised, then
            # who attended (a trial read "1 of 3 coming" on a recorded, quorate discussion).
            held = row["status"] == "recorded"
            state = (attendance_state if held else quorum_state)(invited, agencies, counts_as)
            out.append({
                "case_reference": row["case_reference"], "initials": row["child_initials"], "status": row["status"],
                "deadline": self._local(row["deadline"]),
                # Till the meeting is held: once it is, the deadline has been met or missed (a walk read "3 days" on one recorded).
                "time_left_hours": round((row["deadline"] - now).total_seconds() / 3600, 1)
                if row["deadline"] and row["status"] in ("draft", "convening", "convened") else None,
                "meeting": self._local(row["meeting_start"]),
                "quorum": {"agencies": [agency_name(a) for a in agencies], "held": held,
                           "coming": [agency_name(a) for a in agencies if state[a] in ("confirmed", "attended")]},
                "records_checks": [{"agency": agency_name(i["agency"]), "state": i["record_check"]} for i in row["invitations"]
                                   if i["record_check"] != "none"],
                "obligations": [{"what": owed(o["kind"], o["subject_id"]),
                                 "agency": agency_name(o["owner_agency"]) if o["owner_agency"] else "",
                                 "due": self._local(o["due_at"]), "agreed": self._agreed(o),
                                 "overdue": o["due_at"] < now, "state": o["state"]}
                                for o in row["obligations"]],
                "link": deep_link(row, self.app_id),
            })
        return {"discussions": out, "scope": "service" if chair is None else "mine"}

    async def overdue(self, viewer) -> dict:
        chair = await self.scope(viewer, "overdue")
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            rows = await uow.oversight.overdue(chair, now)
        groups: dict[str, dict[str, list]] = {}
        for row in rows:
            # Whose, as the directory names them, else their address: never the "person and role responsible" the chair
            # typed, which may name anyone and is for the owner, their agency, the chair and the invitees (a privacy trial).
            email = row["owner_email"] or (row["key"].rsplit(":", 1)[-1] if row["kind"] == "information_update" else "")
            listed = self.s.directory.by_email(email) if email else None
            person = listed.name if listed else email
            item = {"id": row["id"], "case_reference": row["case_reference"], "initials": row["child_initials"],
                    "what": owed(row["kind"], row["subject_id"]),
                    "due": self._local(row["due_at"]), "late_hours": round((now - row["due_at"]).total_seconds() / 3600, 1),
                    "late_working_days": self.s.calendar.working_days_passed(row["due_at"], now),
                    "agreed": self._agreed(row),
                    "breached": row["state"] == "breached",
                    "snoozed_until": self._local(row["snoozed_until"]) if row["snoozed_until"] and row["snoozed_until"] > now else None,
                    "chases": [{"stage": c["stage"].replace("_", " "), "to": c["recipient"], "by": c["channel"], "status": c["status"],
                                "at": self._local(c["at"])} for c in row["chases"]]}
            agency = agency_name(row["owner_agency"]) if row["owner_agency"] else "Unassigned"
            groups.setdefault(agency, {}).setdefault(person or "(no named person)", []).append(item)
        return {"agencies": [{"agency": a, "people": [{"person": p, "items": items} for p, items in people.items()]}
                             for a, people in sorted(groups.items())], "count": len(rows)}

    async def snooze(self, viewer, obligation_id: str, *, days: int, reason: str) -> dict:
        """A chair pauses chasing one obligation of their own discussions, with a reason (as `snooze` in the chat)."""
        chair = await self.scope(viewer, "snooze")
        reason = reason.strip()
        if not reason:
            raise ValueError("Give the reason for pausing the chasing (it goes on the record).")
        if not 1 <= days <= SNOOZE_MOST.days:
            raise ValueError("Snooze for 1 to 30 days; escalate or close the obligation instead.")
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            if not await uow.oversight.is_owed(chair, obligation_id):
                raise Refused("That is not an open obligation on a discussion you can see.")
            obligation = await uow.obligations.snooze(obligation_id, until=now + timedelta(days=days), reason=reason, now=now)
            uow.audit.record(actor=viewer.oid, action="obligation.snoozed", subject_type="obligation", subject_id=obligation_id,
                             details={"until": obligation.snoozed_until.isoformat(), "reason": reason, "from": "tab"})
            await uow.commit()
        return {"snoozed_until": self._local(obligation.snoozed_until)}

    def period(self, start: str | None, end: str | None) -> tuple[date, date]:
        """[start, end] as dates (end included); by default the last 12 months to today."""
        today = self.s.calendar.local(self.s.clock.now()).date()
        try:
            last = date.fromisoformat(end) if end else today
            first = date.fromisoformat(start) if start else None
        except ValueError:
            raise ValueError("Give the dates as YYYY-MM-DD.") from None
        if not all(EARLIEST <= day.year <= LATEST for day in (first, last) if day):  # 9999-12-31 has no day after it
            raise ValueError(f"Give dates between {EARLIEST} and {LATEST}.")
        first = first or _a_year_before(last) + timedelta(days=1)
        if first > last:
            raise ValueError("The period starts after it ends.")
        if last - first > MAX_PERIOD:
            raise ValueError("Choose a period of at most 13 months.")
        return first, last

    def _bounds(self, first: date, last: date) -> tuple[datetime, datetime]:
        zone = self.s.calendar.zone
        return datetime.combine(first, time(0), tzinfo=zone), datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)

    async def _read(self, query):
        async with self.s.uow() as uow:
            return await query(uow.oversight)

    def _time_limit(self, profile: str, rule: str | None) -> str:
        if rule == "review":  # (protocol.assessment.as_review, as_owed_review)
            return figures.REVIEW
        key = (profile, rule or "")
        if key not in self._limits:
            timescales = load_profile(profile).timescales
            found = next((r for r in (timescales.default, *timescales.rules) if r.rule == rule), None)
            self._limits[key] = limit_words(found.within) if found else "rule not recorded"
        return self._limits[key]

    async def timeliness(self, viewer, start: str | None, end: str | None) -> dict:
        chair = await self.scope(viewer, "timeliness")
        first, last = self.period(start, end)
        since, until = self._bounds(first, last)
        now = self.s.clock.now()
        # Three read-only queries over a year of rows, each on a connection of its own at the same time
        # (PostgreSQL, and SQLite's readers in WAL mode, run them side by side): the view's time is the
        # slowest query's, not their sum.
        held_rows, answered, (decided, in_time) = await asyncio.gather(
            self._read(lambda o: o.held_between(chair, since, until)),
            self._read(lambda o: o.response_hours(chair, since, until)),
            self._read(lambda o: o.conferences_in_time(chair, since, until, now)))
        named = {agency: agency_name(agency or "") for agency in {row[0] for row in answered}}
        responses = [figures.Response(named[agency], kind, hours) for agency, kind, hours in answered]
        held = [figures.Held(self._time_limit(profile, rule), bool(on_time), hours, quorate)
                for profile, rule, on_time, hours, quorate in held_rows if hours is not None]
        shares = figures.within_deadline(held)
        quorate = figures.quorate(held)
        icpc = figures.conferences_in_time(decided, in_time)
        times = figures.response_times(responses)

        def words(share):
            return f"{share.percent} % ({share.met} of {share.count})" if share.count else "no data"

        return {
            "period": {"from": first.isoformat(), "to": last.isoformat()},
            "within_deadline": [asdict(s) | {"percent": s.percent} for s in shares],
            "median_hours_to_discussion": figures.median_hours_to_discussion(held),
            "quorate": asdict(quorate) | {"percent": quorate.percent},
            "conferences": asdict(icpc) | {"percent": icpc.percent},
            "response_times": [asdict(t) for t in times],
            "charts": {
                "within_deadline": bars("Held within the statutory deadline, by time limit",
                                        [(s.label, s.percent, words(s)) for s in shares], maximum=100),
                "shares": bars("Quorate, and initial conferences in time",
                               [("quorate", quorate.percent, words(quorate)), ("ICPC within 15 working days", icpc.percent, words(icpc))],
                               maximum=100),
                "response_times": bars("Agencies' median response, hours",
                                       [(f"{t.agency}: {t.kind}", t.median_hours, f"{t.median_hours} h (90 %: {t.p90_hours} h)")
                                        for t in times]),
            },
        }

    async def statutory_return(self, viewer, start: str | None, end: str | None) -> tuple[list[census.S47Row], list[census.Problem], date]:
        chair = await self.scope(viewer, "census")
        today = self.s.calendar.local(self.s.clock.now()).date()
        # By default the census year so far: the census's own period, as at today (a trial: the last 12 months
        # put earlier conferences outside "the census year" the rules judge by).
        first, last = self.period(start, end) if start or end else (census.census_year(today)[0], today)
        since, until = self._bounds(first, last)
        async with self.s.uow() as uow:
            started = await uow.oversight.section_47(chair, since, until)
        calendar = self.s.calendar
        rows, siblings = [], []
        for s in started:
            start_day = calendar.local(s["meeting_start"]).date()
            # As at the period's end: a conference held, or found not needed, after it is not yet known then (a trial's
            # return to 31 March carried April's conferences, each outside the census year).
            decided = s["icpc_state"] in ("satisfied", "cancelled") and s["icpc_changed_at"] < until
            not_required = decided and s["icpc_state"] == "cancelled"
            held_on = calendar.local(s["icpc_changed_at"]).date() if decided and s["icpc_state"] == "satisfied" else None
            reference = s["case_reference"]
            if s["initials"] != s["child_initials"]:  # a sibling: the bot holds no case reference of their own
                reference = f"{reference}/{s['initials']}"
                siblings.append(census.Problem(reference, "sibling", "LAchildID", (
                    f"{s['initials']}, another child of the discussion for {s['case_reference']}, had section 47 enquiries too. "
                    "The bot holds no case reference of their own: put their LA child ID here before the return is sent."), "error"))
            rows.append(census.S47Row(child_reference=reference, s47_start=start_day,
                                      icpc_target=None if not_required else calendar.add_working_days(start_day, 15),
                                      icpc_date=held_on, icpc_not_required=not_required))
        problems = siblings + census.problems(rows, reference_date=last, working_days_after=calendar.add_working_days)
        return rows, problems, last

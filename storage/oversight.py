"""Read-only queries for the oversight tab: only the columns each view shows, in a few statements
whatever the number of discussions (the tab answers in well under 200 ms with 10,000 discussions
and 100,000 obligations: bench/tab_bench.py). `chair`: the viewer's own discussions; None: all
(a manager). Nothing here writes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select

from .models import Action, ActionUpdate, Chase, Decision, Discussion, Invitation, Obligation

OPEN = ("convened", "held", "recorded")  # a discussion with work still to do
S47 = ("s47_single", "s47_joint")


def _scope(query, chair: str | None):
    return query.where(Discussion.chair_aad_id == chair) if chair is not None else query


class Oversight:
    def __init__(self, session):
        self.session = session

    async def open_discussions(self, chair: str | None, *, limit: int = 300) -> list[dict]:
        """Open discussions, most urgent deadline first, each with its invitees and open obligations."""
        query = _scope(select(Discussion.id, Discussion.case_reference, Discussion.child_initials, Discussion.status,
                              Discussion.deadline, Discussion.meeting_start, Discussion.conversation_id,
                              Discussion.card_activity_id, Discussion.tenant_id)
                       .where(Discussion.status.in_(OPEN)), chair).order_by(Discussion.deadline, Discussion.id).limit(limit)
        rows = [dict(r._mapping) for r in await self.session.execute(query)]
        ids = [r["id"] for r in rows]
        if not ids:
            return []
        invited = await self.session.execute(
            select(Invitation.discussion_id, Invitation.agency, Invitation.rsvp, Invitation.quorum, Invitation.record_check,
                   Invitation.attendance).where(Invitation.discussion_id.in_(ids)))
        owed = await self.session.execute(
            select(Obligation.discussion_id, Obligation.id, Obligation.kind, Obligation.due_at, Obligation.owner_agency,
                   Obligation.subject_id, Obligation.state, Obligation.snoozed_until)
            .where(Obligation.discussion_id.in_(ids), Obligation.state.in_(("open", "breached", "snoozed")))
            .order_by(Obligation.due_at, Obligation.key))
        by_id = {r["id"]: {**r, "invitations": [], "obligations": []} for r in rows}
        for i in invited:
            by_id[i.discussion_id]["invitations"].append(dict(i._mapping))
        for o in owed:
            by_id[o.discussion_id]["obligations"].append(dict(o._mapping))
        return list(by_id.values())

    async def overdue(self, chair: str | None, now: datetime, *, limit: int = 500) -> list[dict]:
        """Open or breached obligations past due, with who owes them and every chase sent."""
        query = _scope(select(Obligation.id, Obligation.kind, Obligation.key, Obligation.due_at, Obligation.owner_agency,
                              Obligation.subject_id, Obligation.state, Obligation.snoozed_until, Obligation.snooze_reason,
                              Discussion.id.label("discussion_id"), Discussion.case_reference, Discussion.child_initials,
                              Action.owner_name)
                       .join(Discussion, Discussion.id == Obligation.discussion_id)
                       .outerjoin(Action, and_(Obligation.kind == "action", Action.discussion_id == Obligation.discussion_id,
                                               Obligation.subject_id == Action.number.cast(Obligation.subject_id.type)))
                       .where(Obligation.state.in_(("open", "breached")), Obligation.due_at < now), chair)
        rows = [dict(r._mapping) for r in await self.session.execute(query.order_by(Obligation.due_at, Obligation.key).limit(limit))]
        if rows:
            chases = await self.session.execute(
                select(Chase.obligation_id, Chase.stage, Chase.recipient, Chase.channel, Chase.status, Chase.at)
                .where(Chase.obligation_id.in_([r["id"] for r in rows])).order_by(Chase.at))
            by_id = {r["id"]: {**r, "chases": []} for r in rows}
            for c in chases:
                by_id[c.obligation_id]["chases"].append(dict(c._mapping))
            rows = list(by_id.values())
        return rows

    async def held_between(self, chair: str | None, start: datetime, end: datetime) -> list[dict]:
        """Discussions whose meeting started in [start, end) and took place (not cancelled or still a draft)."""
        query = _scope(select(Discussion.id, Discussion.profile, Discussion.deadline, Discussion.meeting_start,
                              Discussion.case_reference, Discussion.child_initials,
                              Discussion.facts["received_at"].as_string().label("received_at"),
                              Discussion.assessment["deadline_rule"]["rule"].as_string().label("rule"),
                              Discussion.record["quorate"].as_boolean().label("quorate"))
                       .where(Discussion.meeting_start >= start, Discussion.meeting_start < end,
                              Discussion.status.in_(("held", "recorded", "closed"))), chair)
        return [dict(r._mapping) for r in await self.session.execute(query.order_by(Discussion.meeting_start, Discussion.id))]

    async def answered_updates(self, chair: str | None, start: datetime, end: datetime) -> list[dict]:
        """Information updates given, for discussions held in the period: owed from the obligation's creation."""
        query = _scope(select(Obligation.owner_agency, Obligation.created_at, Obligation.updated_at)
                       .join(Discussion, Discussion.id == Obligation.discussion_id)
                       .where(Obligation.kind == "information_update", Obligation.state == "satisfied",
                              Discussion.meeting_start >= start, Discussion.meeting_start < end), chair)
        return [dict(r._mapping) for r in await self.session.execute(query)]

    async def completed_actions(self, chair: str | None, start: datetime, end: datetime) -> list[dict]:
        query = _scope(select(Action.owner_agency, Action.created_at, ActionUpdate.at)
                       .join(Discussion, Discussion.id == Action.discussion_id)
                       .join(ActionUpdate, ActionUpdate.action_id == Action.id)
                       .where(ActionUpdate.status == "completed", Discussion.meeting_start >= start, Discussion.meeting_start < end),
                       chair)
        return [dict(r._mapping) for r in await self.session.execute(query)]

    async def conferences(self, chair: str | None, start: datetime, end: datetime) -> list[dict]:
        """The initial conference clock of each discussion held in the period that started section 47."""
        query = _scope(select(Discussion.id.label("discussion_id"), Discussion.case_reference, Discussion.meeting_start,
                              Obligation.due_at, Obligation.state, Obligation.updated_at)
                       .join(Obligation, and_(Obligation.discussion_id == Discussion.id, Obligation.kind == "icpc"))
                       .where(Discussion.meeting_start >= start, Discussion.meeting_start < end), chair)
        return [dict(r._mapping) for r in await self.session.execute(query.order_by(Discussion.meeting_start, Discussion.id))]

    async def section_47(self, chair: str | None, start: datetime, end: datetime) -> list[dict]:
        """Discussions held in the period that decided section 47 enquiries (the census's s47 start)."""
        started = select(Decision.discussion_id).where(Decision.kind.in_(S47))
        query = _scope(select(Discussion.id, Discussion.case_reference, Discussion.meeting_start)
                       .where(Discussion.id.in_(started), Discussion.meeting_start >= start, Discussion.meeting_start < end), chair)
        return [dict(r._mapping) for r in await self.session.execute(query.order_by(Discussion.meeting_start, Discussion.id))]

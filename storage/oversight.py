"""Read-only queries for the oversight tab: only the columns each view shows, in a few statements
whatever the number of discussions (the tab answers in well under 200 ms with 10,000 discussions
and 100,000 obligations: bench/tab_bench.py). `chair`: the viewer's own discussions; None: all
(a manager). Nothing here writes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, literal, or_, select

from protocol.vocabulary import OWED_OBLIGATION_STATES, S47_DECISIONS

from .models import Action, ActionUpdate, Chase, Decision, Discussion, Invitation, Obligation
from .types import hours_between

OPEN = ("convened", "held", "recorded")  # a discussion with work still to do


def _scope(query, chair: str | None):
    return query.where(Discussion.chair_aad_id == chair) if chair is not None else query


def _with_its_action(query):
    """An action's obligation joined to its action (for its owner and the date agreed at the discussion); others to nothing."""
    return query.outerjoin(Action, and_(Obligation.kind == "action", Action.discussion_id == Obligation.discussion_id,
                                        Obligation.subject_id == Action.number.cast(Obligation.subject_id.type)))


class Oversight:
    def __init__(self, session):
        self.session = session

    async def _rows(self, query) -> list[dict]:
        """Plain rows through the session's connection: these are read-only columns, so the ORM's
        per-row loading machinery (a third of the time on a year's figures) has nothing to add."""
        return [dict(r._mapping) for r in await self._tuples(query)]

    async def _tuples(self, query) -> list:
        connection = await self.session.connection()
        return (await connection.execute(query)).all()  # one fetch of every row, not a call for each

    async def open_discussions(self, chair: str | None, *, limit: int = 300) -> list[dict]:
        """Open discussions, most urgent deadline first, each with its invitees and open obligations."""
        query = _scope(select(Discussion.id, Discussion.case_reference, Discussion.child_initials, Discussion.status,
                              Discussion.deadline, Discussion.meeting_start, Discussion.conversation_id,
                              Discussion.card_activity_id, Discussion.tenant_id)
                       .where(Discussion.status.in_(OPEN)), chair).order_by(Discussion.deadline, Discussion.id).limit(limit)
        rows = await self._rows(query)
        ids = [r["id"] for r in rows]
        if not ids:
            return []
        invited = await self._tuples(
            select(Invitation.discussion_id, Invitation.agency, Invitation.rsvp, Invitation.quorum, Invitation.record_check,
                   Invitation.attendance).where(Invitation.discussion_id.in_(ids)))
        owed = await self._tuples(
            _with_its_action(select(Obligation.discussion_id, Obligation.id, Obligation.kind, Obligation.due_at,
                                    Obligation.owner_agency, Obligation.subject_id, Obligation.state, Obligation.snoozed_until,
                                    Action.agreed_due_at))
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
        query = _with_its_action(
            select(Obligation.id, Obligation.kind, Obligation.key, Obligation.due_at, Obligation.owner_agency,
                   Obligation.subject_id, Obligation.state, Obligation.snoozed_until, Obligation.snooze_reason,
                   Discussion.id.label("discussion_id"), Discussion.case_reference, Discussion.child_initials,
                   Action.owner_email, Action.agreed_due_at)
            .join(Discussion, Discussion.id == Obligation.discussion_id))
        query = _scope(query.where(Obligation.state.in_(OWED_OBLIGATION_STATES), Obligation.due_at < now), chair)
        rows = await self._rows(query.order_by(Obligation.due_at, Obligation.key).limit(limit))
        if rows:
            chases = await self._tuples(
                select(Chase.obligation_id, Chase.stage, Chase.recipient, Chase.channel, Chase.status, Chase.at)
                .where(Chase.obligation_id.in_([r["id"] for r in rows])).order_by(Chase.at))
            by_id = {r["id"]: {**r, "chases": []} for r in rows}
            for c in chases:
                by_id[c.obligation_id]["chases"].append(dict(c._mapping))
            rows = list(by_id.values())
        return rows

    async def is_owed(self, chair: str | None, obligation_id: str) -> bool:
        """The obligation is still open (or breached) on a discussion the viewer sees: one a chair may snooze."""
        query = _scope(select(Obligation.id).join(Discussion, Discussion.id == Obligation.discussion_id)
                       .where(Obligation.id == obligation_id, Obligation.state.in_(OWED_OBLIGATION_STATES)), chair)
        return bool(await self._tuples(query))

    async def held_between(self, chair: str | None, start: datetime, end: datetime) -> list:
        """Discussions whose meeting started in [start, end) and took place (not cancelled or still a
        draft): (profile, rule, in_time, hours from the concern, quorate) each, worked out by the database."""
        query = _scope(select(Discussion.profile, Discussion.assessment["deadline_rule"]["rule"].as_string(),
                              Discussion.meeting_start <= Discussion.deadline,
                              hours_between(Discussion.meeting_start, Discussion.facts["received_at"].as_string()),
                              Discussion.record["quorate"].as_boolean())
                       .where(Discussion.meeting_start >= start, Discussion.meeting_start < end, Discussion.deadline.is_not(None),
                              Discussion.status.in_(("held", "recorded", "closed"))), chair)
        return await self._tuples(query.order_by(Discussion.meeting_start, Discussion.id))

    async def response_hours(self, chair: str | None, start: datetime, end: datetime) -> list:
        """(agency, kind, hours) of each information update given and each action reported done, for
        discussions held in the period: an update from when it was owed, an action from when it was agreed."""
        updates = _scope(select(Obligation.owner_agency, literal("information update"),
                                hours_between(Obligation.updated_at, Obligation.created_at))
                         .join(Discussion, Discussion.id == Obligation.discussion_id)
                         .where(Obligation.kind == "information_update", Obligation.state == "satisfied",
                                Discussion.meeting_start >= start, Discussion.meeting_start < end), chair)
        actions = _scope(select(Action.owner_agency, literal("action"), hours_between(ActionUpdate.at, Action.created_at))
                         .join(Discussion, Discussion.id == Action.discussion_id)
                         .join(ActionUpdate, ActionUpdate.action_id == Action.id)
                         .where(ActionUpdate.status == "completed", Discussion.meeting_start >= start, Discussion.meeting_start < end),
                         chair)
        return await self._tuples(updates) + await self._tuples(actions)

    async def conferences_in_time(self, chair: str | None, start: datetime, end: datetime, now: datetime) -> tuple[int, int]:
        """(decided, in time) initial conferences for discussions held in the period: decided = held, or
        past their 15 working days; those still within them are not counted yet; not required is not counted.
        In time by the day it was held (met_at), not the day the chair said so (a trial: one held on 20 April for a
        21 April target, said on the 23rd, was counted late)."""
        held = Obligation.state == "satisfied"
        query = _scope(select(func.count().filter(or_(held, Obligation.due_at < now)),
                              func.count().filter(and_(held, func.coalesce(Obligation.met_at, Obligation.updated_at)
                                                       <= Obligation.due_at)))
                       .select_from(Discussion)
                       .join(Obligation, and_(Obligation.discussion_id == Discussion.id, Obligation.kind == "icpc"))
                       .where(Discussion.meeting_start >= start, Discussion.meeting_start < end, Obligation.state != "cancelled"),
                       chair)
        [row] = await self._tuples(query)
        return int(row[0]), int(row[1])

    async def section_47(self, chair: str | None, start: datetime, end: datetime) -> list[dict]:
        """Each child of a discussion held in the period whose section 47 enquiries it decided, where it
        started the initial conference's clock (the census's s47 start), with that clock's state and last
        change. A review that decided s47 again starts no clock of its own (bot.recording.CASE_CLOCKS): the
        case is counted once, from the discussion that started its enquiries. Each child its own row
        (`initials`; the discussion's child's are `child_initials`): a trial's sibling with s47 was missing."""
        started = (select(Decision.discussion_id, Decision.child_initials.label("initials"))
                   .where(Decision.kind.in_(S47_DECISIONS)).distinct().subquery())
        query = _scope(select(Discussion.id, Discussion.case_reference, Discussion.child_initials, started.c.initials,
                              Discussion.meeting_start, Obligation.state.label("icpc_state"),
                              func.coalesce(Obligation.met_at, Obligation.updated_at).label("icpc_changed_at"))
                       .join(started, started.c.discussion_id == Discussion.id)
                       .join(Obligation, and_(Obligation.discussion_id == Discussion.id, Obligation.kind == "icpc"))
                       .where(Discussion.meeting_start >= start, Discussion.meeting_start < end), chair)
        # The discussion's own child first, then the others by their initials.
        first = (started.c.initials != Discussion.child_initials)
        return await self._rows(query.order_by(Discussion.meeting_start, Discussion.id, first, started.c.initials))

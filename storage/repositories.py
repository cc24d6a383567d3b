"""Repositories: the only code that writes SQL for each concept. None of them commits; the unit
of work does, so a bot turn or a job run succeeds or fails as a whole."""
from __future__ import annotations

import functools
import importlib
from datetime import datetime

from sqlalchemy import and_, any_, bindparam, case, delete, func, insert, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from protocol.vocabulary import OWED_ACTION_STATUSES, OWED_OBLIGATION_STATES

from .models import (
    new_id, Action, ActionUpdate, AuditEvent, Boot, Chase, Contact, ConversationReference, Discussion, Effect, HandledActivity, LinkUse, Obligation,
)


# "history": the actions with every report on them. Asked for apart: an action's card and a report
# on it need only the action, and the history grows with each report (a long-running action's
# hundreds of rows were read on every reply in its thread).
CHILDREN = ("invitations", "decisions", "actions", "history")


@functools.cache  # built once for each combination: building loader options was 2 % of a card step (issue 19)
def _children(load: tuple[str, ...]) -> tuple:
    loaders = {"invitations": selectinload(Discussion.invitations), "decisions": selectinload(Discussion.decisions),
               "actions": selectinload(Discussion.actions), "history": selectinload(Discussion.actions).selectinload(Action.history)}
    return tuple(loaders[name] for name in load)


REVIEWS_AT_MOST = 100


def _reviewed(discussion: Discussion) -> str | None:
    return ((discussion.draft or {}).get("review") or {}).get("of")


class DiscussionRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    def add(self, discussion: Discussion) -> Discussion:
        discussion.id = discussion.id or new_id()  # known now, so the audit trail can name it before the flush
        self.session.add(discussion)
        return discussion

    async def lock(self, discussion: Discussion) -> Discussion:
        """`discussion`, found without a lock, read again with one (as `get(..., for_update=True)`): what another turn
        committed meanwhile is seen, and turns that change it wait for each other (a two-replica trial: `record`
        delivered to both at once started the record twice, and the second failed with a traceback)."""
        await self.session.connection()
        await self.session.refresh(discussion, with_for_update=True)
        return discussion

    async def get(self, discussion_id: str, *, load: tuple[str, ...] = CHILDREN, for_update: bool = False) -> Discussion | None:
        """The discussion and the children named in `load` (each costs a query; a turn on a card
        asks only for what it shows). Touching a child not loaded raises, it is never fetched silently.
        `for_update`: the turn will change it; turns that do wait for each other (a row lock on
        PostgreSQL, the writer queue on SQLite) instead of reading the same version and colliding."""
        if for_update:
            await self.session.connection()  # the transaction begins first: a lock taken for it ends with it
        return (await self.session.execute(_discussion_by_id(load, for_update), {"discussion_id": discussion_id})).scalar_one_or_none()

    async def reviewed_by(self, discussion: Discussion) -> list[str]:
        """The discussions `discussion` is a review of: the one it reviews, the one that one reviews, and so
        back to the discussion that began the case's enquiries (a procedures trial: a review of a review
        started the conference's clock again, counted from the second review)."""
        chain, seen = [], {discussion.id}
        of = _reviewed(discussion)
        while of and of not in seen and len(chain) < REVIEWS_AT_MOST:  # a cycle or a runaway chain is data gone wrong: stop
            chain.append(of)
            seen.add(of)
            earlier = await self.get(of, load=())
            of = _reviewed(earlier) if earlier is not None else None
        return chain

    async def save(self, discussion: Discussion) -> None:
        """Write what this turn changed on the discussion's own row in one UPDATE that checks and moves
        its version, as the ORM's flush would (StaleDataError if another turn moved it first), without
        the flush's machinery: that was 40 % of a wizard step (issue 19). The discussion then leaves
        the session: still readable, nothing more is written for it, and a child not loaded still
        raises. A change to its children, or nothing changed, is left to the ORM's flush."""
        state = inspect(discussion)
        if state.session is not self.session.sync_session or state.key is None:
            return  # new, or not this session's: the flush writes it
        changed = set(state.manager).difference(state.unmodified)
        if not changed or not changed <= _DISCUSSION_COLUMNS:
            return
        values = {key: state.dict[key] for key in changed}
        read_version = discussion.version
        with self.session.no_autoflush:  # or the flush this replaces would run first, moving the version
            result = await self.session.execute(_discussion_saved(), {
                **values, "version": read_version + 1, "saved_id": discussion.id, "read_version": read_version})
        if result.rowcount != 1:
            raise StaleDataError(f"discussion {discussion.id} was changed by another turn (version {read_version})")
        self.session.expunge(discussion)
        set_committed_value(discussion, "version", read_version + 1)  # the object in hand tells the row's version

    async def get_many(self, discussion_ids, *, load: tuple[str, ...]) -> dict[str, Discussion]:
        """These discussions by id, with the children named in `load` (a query each, for all of them)."""
        query = select(Discussion).where(Discussion.id.in_(sorted(set(discussion_ids)))).options(*_children(load))
        return {d.id: d for d in (await self.session.execute(query)).scalars()}

    async def others_for_case(self, case_reference: str, *, excluding: str, limit: int = 3) -> list[Discussion]:
        """The case's other discussions, convened or being convened (a draft too: a walk started a second draft
        for a child already being convened, with no word), not cancelled, newest first."""
        query = (select(Discussion)
                 .where(Discussion.case_reference == case_reference, Discussion.id != excluding,
                        Discussion.status != "cancelled")
                 .order_by(Discussion.created_at.desc()).limit(limit))
        return list((await self.session.execute(query)).scalars())

    async def drafts_started_from(self, discussion_id: str) -> list[Discussion]:
        """The unfinished drafts started from this discussion (a review, the other child's), newest first."""
        query = (select(Discussion).where(Discussion.linked_discussion_id == discussion_id, Discussion.status == "draft")
                 .order_by(Discussion.created_at.desc()))
        return list((await self.session.execute(query)).scalars())

    async def open_draft(self, *, chair_aad_id: str, conversation_id: str) -> Discussion | None:
        """The chair's unfinished draft in this conversation: /strategy again resumes it."""
        query = (
            select(Discussion)
            .where(Discussion.chair_aad_id == chair_aad_id, Discussion.conversation_id == conversation_id,
                   Discussion.status == "draft")
            .order_by(Discussion.updated_at.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def drafts_elsewhere(self, *, chair_aad_id: str, conversation_id: str) -> list[Discussion]:
        """The chair's unfinished drafts in other chats and threads that have a case reference (a new
        channel post is a conversation of its own, so /strategy there starts afresh)."""
        query = (
            select(Discussion)
            .where(Discussion.chair_aad_id == chair_aad_id, Discussion.conversation_id != conversation_id,
                   Discussion.status == "draft", Discussion.case_reference != "")
            .order_by(Discussion.updated_at.desc())
            .limit(5)
        )
        return list((await self.session.execute(query)).scalars())

    async def claim(self, discussion_id: str, *, from_status: str, to_status: str) -> bool:
        """Move a discussion between states only if it is still in `from_status`: of two
        deliveries of the same card action, exactly one wins (on SQLite and PostgreSQL alike)."""
        result = await self.session.execute(
            update(Discussion).where(Discussion.id == discussion_id, Discussion.status == from_status).values(status=to_status)
        )
        return result.rowcount == 1

    async def of_chair(self, *, chair_aad_id: str, statuses: tuple[str, ...], limit: int = 10) -> list[tuple]:
        """(case reference, initials, meeting start) of a chair's discussions in these statuses, soonest first."""
        query = (select(Discussion.case_reference, Discussion.child_initials, Discussion.meeting_start)
                 .where(Discussion.chair_aad_id == chair_aad_id, Discussion.status.in_(statuses))
                 .order_by(Discussion.meeting_start, Discussion.case_reference).limit(limit))
        return list((await self.session.execute(query)).all())

    async def latest_for_chair(self, *, chair_aad_id: str, case_reference: str | None, statuses: tuple[str, ...]) -> Discussion | None:
        query = select(Discussion).where(Discussion.chair_aad_id == chair_aad_id, Discussion.status.in_(statuses))
        if case_reference:
            query = query.where(Discussion.case_reference == case_reference)
        query = query.order_by(Discussion.updated_at.desc()).limit(1).options(
            selectinload(Discussion.invitations), selectinload(Discussion.decisions), selectinload(Discussion.actions))
        return (await self.session.execute(query)).scalar_one_or_none()

    async def recorded_in(self, conversation_id: str, *, load: tuple[str, ...] = ("actions", "invitations")) -> Discussion | None:
        """The discussion whose record lives in this conversation or thread (the latest one)."""
        return (await self.session.execute(_discussion_recorded_in(load), _conversations(conversation_id))).scalar_one_or_none()

    async def all_recorded_in(self, conversation_id: str) -> list[Discussion]:
        """Every discussion whose record lives in this conversation or thread, the latest first, with its actions."""
        query = (select(Discussion).where(*_recorded_here()).order_by(Discussion.finalised_at.desc())
                 .options(*_children(("actions",))))
        return list((await self.session.execute(query, _conversations(conversation_id))).scalars())

    async def last_action_number_in(self, conversation_id: str | None, *, excluding: str) -> int:
        """The highest action number of the discussions recorded in this conversation or its channel's threads,
        whose replies could be taken for theirs (`_recorded_in`); 0 when there are none."""
        if not conversation_id:
            return 0
        base = _conversations(conversation_id)["base"]
        query = (select(func.max(Action.number)).join(Discussion, Action.discussion_id == Discussion.id)
                 .where(Discussion.id != excluding, Discussion.status == "recorded",
                        or_(Discussion.conversation_id == base, Discussion.conversation_id.startswith(base + ";messageid=", autoescape=True))))
        return (await self.session.execute(query)).scalar() or 0

    async def with_action(self, *, discussion_id: str | None = None, conversation_id: str | None = None,
                          action_id: str | None = None, number: int | None = None) -> tuple[Discussion | None, Action | None]:
        """A discussion (by id, or the one recorded in `conversation_id`) and one of its actions (by id or
        number) in one query, reading none of its other actions and none of its documents (record,
        draft, facts: touching one raises): (discussion, None) when it has no such action, (None, None)
        when there is no such discussion."""
        which = {"action_id": action_id, "number": number}
        if discussion_id is not None:
            row = (await self.session.execute(_discussion_with_action(by_conversation=False), {"discussion_id": discussion_id, **which})).first()
        else:
            row = (await self.session.execute(_discussion_with_action(by_conversation=True),
                                              {**_conversations(conversation_id), **which})).first()
        return (row[0], row[1]) if row else (None, None)

    async def report(self, **values) -> bool:
        """Adds a report on an action (an ActionUpdate's columns), reading none of its history. False
        when its delivery (`activity_id`) is already recorded: nothing is added."""
        inserted = await _insert_once(self.session, ActionUpdate, {"id": new_id(), **values}, key="activity_id", returning="id")
        return inserted.first() is not None

    async def reported(self, activity_id: str) -> bool:
        """Whether a report came with this delivery already (Teams delivering the same activity again)."""
        found = await self.session.execute(select(ActionUpdate.id).where(ActionUpdate.activity_id == activity_id).limit(1))
        return found.first() is not None

    async def change_action(self, action: Action, *, unless_changed_from: tuple | None = None, **values) -> None:
        """Change an action's own columns in one UPDATE; the object in hand then says the same, with
        nothing left for the ORM's flush (whose machinery was a fifth of a reply in a thread, issue 19).
        `unless_changed_from` (status, due): only if the action still stands so (else StaleDataError:
        a double-click's second press, applied at the same moment, changes nothing)."""
        if unless_changed_from is None:
            await self.session.execute(_action_by_id(), {"changed_id": action.id, **values})
        elif (await self.session.execute(_action_unchanged(), {"changed_id": action.id, "seen_status": unless_changed_from[0],
                                                                "seen_due": unless_changed_from[1], **values})).rowcount != 1:
            raise StaleDataError(f"action {action.id} changed since its card was drawn")
        for key, value in values.items():
            set_committed_value(action, key, value)

    async def open_actions_of(self, *, aad_object_id: str | None, emails: list[str], leads: tuple[str, ...] = (),
                              agencies_with_leads: tuple[str, ...] = ()) -> list[Action]:
        """Someone's actions still owed, across every discussion: those they own, and those whose reminders
        reach them because the bot has no address for the owner (bot.chasers: the agency's lead, of the
        `leads` agencies; or, where the agency has no lead in the directory, the discussion's chair)."""
        owners = [Action.owner_email.in_(emails)] if emails else []
        if aad_object_id:
            owners.append(Action.owner_aad_object_id == aad_object_id)
        unaddressed = and_(Action.owner_email == "", func.coalesce(Action.owner_aad_object_id, "") == "")  # not Action.owner_reachable, in SQL
        if leads:
            owners.append(and_(unaddressed, Action.owner_agency.in_(leads)))
        if aad_object_id:
            owners.append(and_(unaddressed, Action.owner_agency.not_in(agencies_with_leads),
                               Action.discussion_id.in_(select(Discussion.id).where(Discussion.chair_aad_id == aad_object_id))))
        if not owners:
            return []
        query = (select(Action).where(or_(*owners), Action.status.in_(OWED_ACTION_STATUSES))
                 .options(selectinload(Action.discussion)).order_by(Action.due_at))
        return list((await self.session.execute(query)).scalars())

    async def awaiting_meeting(self, now: datetime) -> list[Discussion]:
        """Convened discussions whose meeting has not ended: their replies still matter."""
        query = (
            select(Discussion)
            .where(Discussion.status == "convened", Discussion.meeting_end > now)
            .options(selectinload(Discussion.invitations))
            .order_by(Discussion.meeting_start)
        )
        return list((await self.session.execute(query)).scalars())

    async def by_case_reference(self, case_reference: str) -> list[Discussion]:
        query = select(Discussion).where(Discussion.case_reference == case_reference).order_by(Discussion.created_at)
        return list((await self.session.execute(query)).scalars())


class ContactRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    def add(self, contact: Contact) -> Contact:
        self.session.add(contact)
        return contact

    async def for_agency(self, agency: str, *, hours: str) -> list[Contact]:
        """Active contacts for an agency who answer at these hours ('any' answers always)."""
        query = (
            select(Contact)
            .where(Contact.agency == agency, Contact.active.is_(True), Contact.hours.in_((hours, "any")))
            .order_by(Contact.agency_lead.desc(), Contact.name)
        )
        return list((await self.session.execute(query)).scalars())


class ObligationRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add_once(self, obligation: Obligation) -> tuple[Obligation, bool]:
        """Add unless an obligation with the same key exists; (obligation, created?)."""
        existing = await self.by_key(obligation.key)
        if existing is not None:
            return existing, False
        self.session.add(obligation)
        await self.session.flush()
        return obligation, True

    async def get(self, obligation_id: str) -> Obligation | None:
        return await self.session.get(Obligation, obligation_id)

    async def get_many(self, obligation_ids: list[str]) -> list[Obligation]:
        """These obligations, in the order asked (one query: a sweep's batch)."""
        found = {o.id: o for o in (await self.session.execute(select(Obligation).where(Obligation.id.in_(obligation_ids)))).scalars()}
        return [found[i] for i in obligation_ids if i in found]

    async def claim_due(self, now: datetime, *, until: datetime, limit: int) -> list[str]:
        """Take the obligations whose next look is due, most urgent first, for this sweeper only:
        claiming pushes their next look to `until`, so another sweeper (or this one after a crash)
        sees them again only if the work was never finished. One statement: on PostgreSQL rows
        another sweeper has locked are skipped (FOR UPDATE SKIP LOCKED); SQLite has one writer."""
        due = (
            select(Obligation.id)
            .where(Obligation.state == "open", Obligation.next_attempt_at <= now)
            .order_by(Obligation.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if self.session.bind.dialect.name == "postgresql":
            # = ANY(ARRAY(...)): the 1,000 ids found once, then looked up on the primary key. With IN (...)
            # PostgreSQL's planner chose a hash join over a scan of every obligation (86 ms against 39).
            chosen = Obligation.id == any_(func.array(due.scalar_subquery()))
        else:
            chosen = Obligation.id.in_(due.scalar_subquery())
        claim = (
            update(Obligation).where(chosen).values(next_attempt_at=until)
            .returning(Obligation.id, Obligation.due_at)
            .execution_options(synchronize_session=False)
        )
        claimed = (await self.session.execute(claim)).all()
        return [row.id for row in sorted(claimed, key=lambda row: row.due_at)]

    async def overdue_for_chair(self, chair_aad_id: str, now: datetime) -> list[Obligation]:
        """Open or breached obligations due before `now` on the chair's discussions, most urgent first."""
        query = (
            select(Obligation).join(Discussion, Discussion.id == Obligation.discussion_id)
            .where(Discussion.chair_aad_id == chair_aad_id, Obligation.state.in_(OWED_OBLIGATION_STATES), Obligation.due_at < now)
            .order_by(Obligation.due_at, Obligation.key)  # ties in a stable order, the same on both databases
        )
        return list((await self.session.execute(query)).scalars())

    async def change(self, key: str, **values) -> bool:
        """Change the obligation with this key, if there is one, in one statement (no read first)."""
        # The SET clause is the values' names: one statement, its compiled form cached for each set of names.
        result = await self.session.execute(_obligation_by_key(), {"obligation_key": key, **values})
        return result.rowcount == 1

    async def close(self, obligation: Obligation, *, state: str, met_at: datetime | None, now: datetime) -> bool:
        """Close an obligation still owed (open or breached) as `state` ("satisfied": met on `met_at`;
        "cancelled": not needed), in one statement; the object in hand then says the same. False when it
        is no longer owed (a double-click's second press, a redelivery, another turn a moment before)."""
        table = Obligation.__table__
        values = {"state": state, "met_at": met_at, "updated_at": now}
        result = await self.session.execute(
            update(table).where(table.c.id == obligation.id, table.c.state.in_(OWED_OBLIGATION_STATES)).values(**values))
        if result.rowcount != 1:
            return False
        for key, value in values.items():
            set_committed_value(obligation, key, value)
        return True

    async def snooze(self, obligation_id: str, *, until: datetime, reason: str, now: datetime) -> Obligation:
        """No chasing of this obligation until `until`, for `reason` (the chat's `snooze` and the tab's button)."""
        target = await self.session.get(Obligation, obligation_id)
        target.snoozed_until, target.snooze_reason, target.updated_at = until, reason, now
        target.next_attempt_at = max(target.next_attempt_at, until)  # the sweep leaves it alone till then
        return target

    async def by_key(self, key: str) -> Obligation | None:
        return (await self.session.execute(select(Obligation).where(Obligation.key == key))).scalar_one_or_none()

    async def due(self, now: datetime, *, limit: int = 500) -> list[Obligation]:
        query = (
            select(Obligation)
            .where(Obligation.state == "open", Obligation.due_at <= now)
            .order_by(Obligation.due_at)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def for_discussion(self, discussion_id: str) -> list[Obligation]:
        query = select(Obligation).where(Obligation.discussion_id == discussion_id).order_by(Obligation.due_at)
        return list((await self.session.execute(query)).scalars())


class ConversationReferenceRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def save(self, *, scope: str, key: str, tenant_id: str | None, service_url: str, reference: dict, now: datetime) -> None:
        query = select(ConversationReference).where(ConversationReference.scope == scope, ConversationReference.key == key)
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            row = ConversationReference(scope=scope, key=key)
            self.session.add(row)
        row.tenant_id, row.service_url, row.reference, row.updated_at = tenant_id, service_url, reference, now

    async def get(self, *, scope: str, key: str) -> ConversationReference | None:
        query = select(ConversationReference).where(ConversationReference.scope == scope, ConversationReference.key == key)
        return (await self.session.execute(query)).scalar_one_or_none()


class AuditTrail:
    """Every read of a child's record and every change lands here; nothing here is ever edited.
    Events recorded in a transaction are written as it commits (UnitOfWork.commit), all in one
    statement, outside the ORM's unit of work: they are never read back or changed, and flushing
    each as an object was a fifth of a reply's time in a thread (issue 19)."""

    def __init__(self, session: AsyncSession, clock):
        self.session = session
        self.clock = clock
        self._recorded: list[dict] = []

    def record(self, *, actor: str, action: str, subject_type: str, subject_id: str,
               details: dict | None = None, correlation_id: str | None = None) -> None:
        self._recorded.append({"at": self.clock.now(), "actor": actor, "action": action, "subject_type": subject_type,
                               "subject_id": subject_id, "details": details or {}, "correlation_id": correlation_id})

    async def write(self, *, activity_id: str | None = None) -> None:
        """The events recorded so far, in the order recorded (their ids keep it), in this transaction. Those
        without a correlation id take `activity_id`, the Teams activity (a card press) they answer, so an
        auditor can tie each change to the press that made it."""
        if self._recorded:
            events, self._recorded = self._recorded, []
            if activity_id is not None:
                for event in events:
                    event["correlation_id"] = event["correlation_id"] or activity_id
            await self.session.execute(insert(AuditEvent.__table__), events)

    async def for_subject(self, subject_type: str, subject_id: str) -> list[AuditEvent]:
        await self.write()  # this transaction's own events too
        query = (
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
            .order_by(AuditEvent.id)
        )
        return list((await self.session.execute(query)).scalars())


class ChaseRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def get(self, key: str) -> Chase | None:
        return (await self.session.execute(select(Chase).where(Chase.key == key))).scalar_one_or_none()

    async def for_obligation(self, obligation_id: str) -> list[Chase]:
        query = select(Chase).where(Chase.obligation_id == obligation_id).order_by(Chase.at)
        return list((await self.session.execute(query)).scalars())

    async def use_link(self, digest: str, now: datetime) -> bool:
        """Mark a signed link used; False when it already was, also by an answer committed meanwhile
        (the insert waits for it, then does nothing: the loser of two at once is told, not failed)."""
        result = await _insert_once(self.session, LinkUse, {"digest": digest, "used_at": now}, key="digest")
        return result.rowcount == 1

    async def link_used(self, digest: str) -> bool:
        return await self.session.get(LinkUse, digest) is not None


def _conversations(conversation_id: str) -> dict:
    """The parameters of `_recorded_in`: a thread's conversation id, and its channel's (a reply's id
    names its thread: ";messageid=")."""
    return {"conversation": conversation_id, "base": conversation_id.split(";messageid=")[0]}


def _recorded_here() -> tuple:
    return Discussion.status == "recorded", Discussion.conversation_id.in_((bindparam("conversation"), bindparam("base")))


def _recorded_in(query, *first):
    """`query` narrowed to the discussion whose record lives in a conversation or thread: the latest, after
    any ordering `first` puts before that."""
    return query.where(*_recorded_here()).order_by(*first, Discussion.finalised_at.desc()).limit(1)


# Statements on the everyday paths (a card step, a reply in a thread), built once and run with each
# call's parameters: building one (its clauses, operators and cache key) cost more than running it.

@functools.cache
def _discussion_recorded_in(load: tuple[str, ...]):
    return _recorded_in(select(Discussion).options(*_children(load)))


@functools.cache
def _discussion_by_id(load: tuple[str, ...], for_update: bool):
    query = select(Discussion).where(Discussion.id == bindparam("discussion_id")).options(*_children(load))
    return query.with_for_update(of=Discussion) if for_update else query


_DISCUSSION_COLUMNS = frozenset(Discussion.__mapper__.column_attrs.keys()) - {"id", "version"}


@functools.cache
def _discussion_saved():
    table = Discussion.__table__
    return update(table).where(table.c.id == bindparam("saved_id"), table.c.version == bindparam("read_version"))


@functools.cache
def _action_by_id():
    return update(Action.__table__).where(Action.__table__.c.id == bindparam("changed_id"))


@functools.cache
def _action_unchanged():
    table = Action.__table__
    return update(table).where(table.c.id == bindparam("changed_id"), table.c.status == bindparam("seen_status"),
                               table.c.due_at == bindparam("seen_due"))


@functools.cache
def _obligation_by_key():
    return update(Obligation.__table__).where(Obligation.__table__.c.key == bindparam("obligation_key"))


@functools.cache
def _discussion_with_action(*, by_conversation: bool):
    which = and_(Action.discussion_id == Discussion.id, or_(Action.id == bindparam("action_id"), Action.number == bindparam("number")))
    # A report needs the discussion's names and addresses, not its documents: the record, the draft
    # and the facts were a third of reading the row (JSON decoded on every reply in a thread).
    documents = [defer(column, raiseload=True) for column in (Discussion.record, Discussion.draft, Discussion.facts,
                                                               Discussion.assessment, Discussion.children)]
    query = select(Discussion, Action).outerjoin(Action, which).options(*documents)
    if by_conversation:  # the discussion here that has the action (numbers run on across a thread's discussions)
        return _recorded_in(query, Action.id.is_(None))
    return query.where(Discussion.id == bindparam("discussion_id"))


def _dialect_insert(dialect: str, target):
    """The database's own INSERT, which knows ON CONFLICT. Its module is the one the engine has
    already loaded: importing PostgreSQL's dialect in a SQLite service costs 2 MB (issue 19)."""
    return importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert(target)


def _new_effect(fields: dict, now: datetime, *, next_attempt_at: datetime, started: bool, claimed_by: str | None) -> dict:
    """A new effect's row: `fields` (key, kind, payload, discussion_id), pending; its attempt marked
    as started now when `started` (the caller delivers it at once); claimed by `claimed_by`, if any."""
    return {"id": new_id(), "discussion_id": None, **fields, "state": "pending", "next_attempt_at": next_attempt_at,
            "uncertain": False, "last_error": "", "created_at": now, "updated_at": now, "claimed_by": claimed_by,
            **({"attempts": 1, "started_at": now} if started else {"attempts": 0, "started_at": None})}


async def _insert_once(session: AsyncSession, model, values: dict, *, key: str, returning: str | None = None):
    """INSERT ... ON CONFLICT (key) DO NOTHING, on either database: a duplicate is dropped as it is
    inserted, without an error that would spoil the rest of the transaction. `returning`: a column
    to return from the row inserted (none when it was a duplicate)."""
    statement = _insert_once_statement(session.bind.dialect.name, model.__table__, key, returning)
    return await session.execute(statement, values)


@functools.cache  # built once, then run with each call's values (issue 19: building it cost more than running it)
def _insert_once_statement(dialect: str, table, key: str, returning: str | None):
    # On the table, not the mapped class: one row's INSERT needs none of the ORM's bulk machinery.
    statement = _dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=[key])
    return statement.returning(table.c[returning]) if returning else statement


class EffectRepository:
    """The outbox table. Effects are added by the flows inside their transaction and claimed by the
    outbox worker; nothing else writes them."""

    def __init__(self, session: AsyncSession, clock, boot_id: str | None = None):
        self.session = session
        self.clock = clock
        self.boot_id = boot_id  # the process whose claims these are (bot/boots.py); None: named by no process
        self.added = 0  # effects this transaction added: the unit of work wakes the worker after commit

    async def add(self, *, key: str, kind: str, payload: dict, discussion_id: str | None = None,
                  not_before: datetime | None = None, claimed_until: datetime | None = None) -> Effect | None:
        """Add an effect unless one with this key exists (then None: nothing changes). With
        `claimed_until` the caller claims it as it adds it, to deliver it itself straight after the
        commit (the sweep does, for its chases); otherwise the outbox worker is woken for it."""
        now = self.clock.now()
        values = _new_effect({"key": key, "kind": kind, "discussion_id": discussion_id, "payload": payload}, now,
                             next_attempt_at=claimed_until or not_before or now, started=claimed_until is not None,
                             claimed_by=self.boot_id if claimed_until else None)
        result = await _insert_once(self.session, Effect, values, key="key")
        if result.rowcount != 1:
            return None
        self.added += claimed_until is None
        return Effect(**values)  # not attached to the session: for the caller to deliver

    async def add_many(self, effects: list[dict], *, claimed_until: datetime, started=lambda effect: True) -> list[Effect]:
        """`add` for several effects at once (one statement), each claimed by the caller to deliver
        itself; those whose key exists already are left out, as `add` leaves them. Those for which
        `started(effect)` is false are not yet marked as attempted: the caller marks each (`start`)
        as it delivers it, so a crash before then leaves it certain not to have happened."""
        if not effects:
            return []
        now = self.clock.now()
        rows = [_new_effect(effect, now, next_attempt_at=claimed_until, started=started(effect), claimed_by=self.boot_id)
                for effect in effects]
        statement = _dialect_insert(self.session.bind.dialect.name, Effect).values(rows).on_conflict_do_nothing(index_elements=["key"]).returning(Effect.key)
        added = set((await self.session.execute(statement)).scalars())
        return [Effect(**row) for row in rows if row["key"] in added]

    async def claim_next(self, now: datetime, *, until: datetime) -> Effect | None:
        """Take the oldest pending effect that is due, for this worker only: the claim pushes its next
        attempt to `until` (another worker, or this one after a crash, sees it again only if the
        attempt never finished) and marks the attempt started. One at a time, so `started_at` is
        set only on what is really being attempted, and `uncertain` comes out true exactly when the
        previous attempt had started and never finished: the process died during it."""
        due = (select(Effect.id).where(Effect.state == "pending", Effect.next_attempt_at <= now)
               .order_by(Effect.next_attempt_at).limit(1).with_for_update(skip_locked=True))
        claim = (
            update(Effect).where(Effect.id.in_(due.scalar_subquery()))
            # SET expressions read the row as it was: `uncertain` is whether an attempt was already under way.
            .values(next_attempt_at=until, attempts=Effect.attempts + 1, started_at=now, updated_at=now, claimed_by=self.boot_id,
                    uncertain=case((Effect.started_at.is_(None), False), else_=True))
            .returning(Effect)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(claim)).scalars().first()

    async def settle(self, effect_id: str, **outcome) -> bool:
        """Record an attempt's outcome (done, failed, or when to try again) on an effect still pending,
        in one statement; False if it was not pending (another worker recorded it first)."""
        result = await self.session.execute(
            update(Effect).where(Effect.id == effect_id, Effect.state == "pending")
            .values(**{"started_at": None, "claimed_by": None, "updated_at": self.clock.now(), **outcome})
            .execution_options(synchronize_session=False))
        return result.rowcount == 1

    async def hold(self, effect: Effect, *, until: datetime, start: bool) -> bool:
        """Keep the claim on `effect` until `until` and, with `start`, mark an attempt on it started now (on
        `effect`, the caller's copy, too). False, changing nothing, when it is no longer the caller's to deliver:
        its claim ran out and another worker took it, or this process's own outbox did (every claim counts an
        attempt, so the attempts the caller knows of say whether the claim is still its own), or it was recorded
        (a two-replica trial: a sweep delivering for longer than its claims' two minutes sent chases twice)."""
        now = self.clock.now()
        values = {"next_attempt_at": until, "updated_at": now, **({"started_at": now, "attempts": Effect.attempts + 1} if start else {})}
        result = await self.session.execute(update(Effect).where(*self._still_ours(effect)).values(**values)
                                            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            return False
        effect.next_attempt_at = until
        if start:
            effect.started_at, effect.attempts = now, effect.attempts + 1
        return True

    async def release(self, effects: list[Effect]) -> None:
        """Give up claims not yet attempted (a graceful stop, between two deliveries): due again now, for
        whichever worker is next, and not in doubt, since no attempt on them began here."""
        now = self.clock.now()
        for effect in effects:
            await self.session.execute(
                update(Effect).where(*self._still_ours(effect)).values(next_attempt_at=now, claimed_by=None, started_at=None,
                                                                       updated_at=now)
                .execution_options(synchronize_session=False))

    def _still_ours(self, effect: Effect) -> tuple:
        """The effect, only while the claim the caller made on it stands: pending, claimed by this process, and
        claimed by no one since (every claim counts an attempt)."""
        return (Effect.id == effect.id, Effect.state == "pending", Effect.claimed_by == self.boot_id,
                Effect.attempts == effect.attempts)

    async def settle_many(self, effect_ids: list[str], **outcome) -> set[str]:
        """`settle` for several effects with the same outcome, in one statement: the ids it recorded."""
        result = await self.session.execute(
            update(Effect).where(Effect.id.in_(effect_ids), Effect.state == "pending")
            .values(started_at=None, claimed_by=None, updated_at=self.clock.now(), **outcome).returning(Effect.id)
            .execution_options(synchronize_session=False))
        return set(result.scalars())

    async def get(self, effect_id: str) -> Effect | None:
        return await self.session.get(Effect, effect_id)

    async def by_key(self, key: str) -> Effect | None:
        return (await self.session.execute(select(Effect).where(Effect.key == key))).scalar_one_or_none()

    async def for_discussion(self, discussion_id: str) -> list[Effect]:
        query = select(Effect).where(Effect.discussion_id == discussion_id).order_by(Effect.created_at)
        return list((await self.session.execute(query)).scalars())


class Boots:
    """The service's running processes (storage.models.Boot), for handing back what a dead one had
    claimed. Which are dead is bot/boots.py's to judge; this only reads and writes."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def register(self, boot: Boot) -> None:
        self.session.add(boot)

    async def seen(self, boot_id: str, now: datetime) -> None:
        await self.session.execute(update(Boot).where(Boot.id == boot_id).values(seen_at=now))

    async def all(self) -> list[Boot]:
        return list((await self.session.execute(select(Boot))).scalars())

    async def hand_back(self, gone: list[str], now: datetime) -> int:
        """Make what the `gone` processes had claimed due now (its attempt still marked started, so
        the next claim knows it may have happened: `uncertain`), and forget those processes. How
        many effects were handed back."""
        if not gone:
            return 0
        result = await self.session.execute(
            update(Effect).where(Effect.claimed_by.in_(gone), Effect.state == "pending", Effect.next_attempt_at > now)
            .values(next_attempt_at=now, claimed_by=None).execution_options(synchronize_session=False))
        await self.session.execute(delete(Boot).where(Boot.id.in_(gone)))
        return result.rowcount

    async def forget(self, boot_id: str) -> None:
        await self.session.execute(delete(Boot).where(Boot.id == boot_id))


class HandledActivities:
    """Teams activities whose changes are committed (a retried delivery is recognised by its id)."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def mark(self, activity_id: str, now: datetime) -> bool:
        """Record the activity as handled in this transaction; False when it already was."""
        return (await _insert_once(self.session, HandledActivity, {"activity_id": activity_id, "at": now}, key="activity_id")).rowcount == 1

    async def forget_before(self, moment: datetime) -> int:
        """Teams retries an invoke within seconds: ids older than a week are never needed again."""
        result = await self.session.execute(delete(HandledActivity).where(HandledActivity.at < moment))
        return result.rowcount

"""The tables. One module: the schema is small enough to read in one sitting and the Alembic
migration mirrors it. Children's details live only here, never in chat messages."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UTCDateTime


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON(), list: JSON()}


class Discussion(Base):
    __tablename__ = "discussions"
    # The oversight tab: a chair's open discussions, and those held in a period.
    __table_args__ = (Index("ix_discussions_chair_status", "chair_aad_id", "status"),
                      Index("ix_discussions_meeting_start", "meeting_start"),
                      Index("ix_discussions_conversation_status", "conversation_id", "status"))  # a thread's replies

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_reference: Mapped[str] = mapped_column(String(40), index=True)
    child_initials: Mapped[str] = mapped_column(String(8))
    profile: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft, convened, held, recorded, closed, cancelled
    facts: Mapped[dict] = mapped_column(default=dict)
    assessment: Mapped[dict | None] = mapped_column(default=None)
    deadline: Mapped[datetime | None] = mapped_column(default=None)
    chair_aad_id: Mapped[str] = mapped_column(String(64))
    chair_name: Mapped[str] = mapped_column(String(200), default="")
    tenant_id: Mapped[str | None] = mapped_column(String(64), default=None)
    conversation_id: Mapped[str | None] = mapped_column(String(300), default=None)
    meeting_start: Mapped[datetime | None] = mapped_column(default=None)
    meeting_end: Mapped[datetime | None] = mapped_column(default=None)
    meeting_event_id: Mapped[str | None] = mapped_column(String(200), default=None)
    meeting_join_url: Mapped[str | None] = mapped_column(Text, default=None)
    meeting_provider: Mapped[str | None] = mapped_column(String(20), default=None)
    # The convene wizard's answers while status is draft (bot/wizard.py gives them their shape).
    draft: Mapped[dict | None] = mapped_column(default=None)
    children: Mapped[list] = mapped_column(default=list)
    chair_user_id: Mapped[str | None] = mapped_column(String(200), default=None)
    conversation_reference: Mapped[dict | None] = mapped_column(default=None)
    card_activity_id: Mapped[str | None] = mapped_column(String(200), default=None)
    linked_discussion_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # The record of the discussion while it is being written (bot/recording.py gives its shape).
    record: Mapped[dict | None] = mapped_column(default=None)
    finalised_at: Mapped[datetime | None] = mapped_column(default=None)
    finalised_by: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Optimistic lock: every UPDATE of a discussion names the version it read, so of two turns that
    # read the same draft (a double-click, a retried invoke on another replica) only one writes.
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    invitations: Mapped[list[Invitation]] = relationship(back_populates="discussion", cascade="all, delete-orphan")
    decisions: Mapped[list[Decision]] = relationship(back_populates="discussion", cascade="all, delete-orphan")
    actions: Mapped[list[Action]] = relationship(back_populates="discussion", cascade="all, delete-orphan")


class Contact(Base):
    """The contacts directory: who answers for an agency, and when (in hours / out of hours)."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("agency", "email", name="uq_contact_agency_email"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    agency: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str] = mapped_column(String(40), default="")
    aad_object_id: Mapped[str | None] = mapped_column(String(64), default=None)
    tenant_id: Mapped[str | None] = mapped_column(String(64), default=None)
    hours: Mapped[str] = mapped_column(String(20), default="in_hours")  # in_hours, out_of_hours, any
    agency_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Invitation(Base):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("discussion_id", "agency", "email", name="uq_invitation_person"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    discussion_id: Mapped[str] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), default=None)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(120), default="")
    aad_object_id: Mapped[str | None] = mapped_column(String(64), default=None)
    quorum: Mapped[bool] = mapped_column(Boolean, default=False)
    # none, accepted, tentative, declined, delegated, share_only
    rsvp: Mapped[str] = mapped_column(String(20), default="none")
    apologies: Mapped[str] = mapped_column(Text, default="")
    information_route: Mapped[str] = mapped_column(Text, default="")
    delegate_name: Mapped[str] = mapped_column(String(200), default="")
    delegate_email: Mapped[str] = mapped_column(String(320), default="")
    rsvp_at: Mapped[datetime | None] = mapped_column(default=None)
    attendance: Mapped[str | None] = mapped_column(String(20), default=None)  # attended, apologies, no_response
    records_researched: Mapped[bool] = mapped_column(Boolean, default=True)
    # Before the meeting each agency researches its records: none (not yet), shared, nothing_known, researching
    record_check: Mapped[str] = mapped_column(String(20), default="none")
    record_check_note: Mapped[str] = mapped_column(Text, default="")

    discussion: Mapped[Discussion] = relationship(back_populates="invitations")


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    discussion_id: Mapped[str] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), index=True)
    child_initials: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(40))
    reasoning: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    discussion: Mapped[Discussion] = relationship(back_populates="decisions")


class Action(Base):
    __tablename__ = "actions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    discussion_id: Mapped[str] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=0)  # "A3" in the thread
    child_initials: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text)
    owner_email: Mapped[str] = mapped_column(String(320), default="")
    owner_aad_object_id: Mapped[str | None] = mapped_column(String(64), default=None)
    card_activity_id: Mapped[str | None] = mapped_column(String(200), default=None)
    owner_agency: Mapped[str] = mapped_column(String(40))
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    owner_contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), default=None)
    due_at: Mapped[datetime]
    # As agreed at the discussion; due_at moves with "will be done by" (and the chasing with it).
    agreed_due_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(30), default="open")  # open, completed, will_complete_by, not_required, needs_discussion
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    discussion: Mapped[Discussion] = relationship(back_populates="actions")
    history: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionUpdate.at"
    )

    @property
    def owner_reachable(self) -> bool:
        """Whether the bot has an address for its owner (an email or a Teams id). If not, its reminders go to
        a stand-in (bot.chasers: the agency's lead, else the chair); `open_actions_of` reads the same in SQL."""
        return bool(self.owner_email or self.owner_aad_object_id)


class ActionUpdate(Base):
    """Status history of an action (PROTOCOL.md §6): one row per report back, never rewritten."""

    __tablename__ = "action_updates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    action_id: Mapped[str] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    # The Teams activity that carried the report: a redelivery of it is recognised and applied once.
    activity_id: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    new_due_at: Mapped[datetime | None] = mapped_column(default=None)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]

    action: Mapped[Action] = relationship(back_populates="history")


class Obligation(Base):
    """Something owed by a time: the one table the chasers sweep. `key` makes creation idempotent,
    so a retried Teams delivery cannot create a second chase for the same thing."""

    __tablename__ = "obligations"
    __table_args__ = (Index("ix_obligations_open_due", "state", "due_at"),
                      Index("ix_obligations_open_next", "state", "next_attempt_at"),
                      Index("ix_obligations_kind", "kind", "state"),  # the tab: a year's conferences, updates given
                      # ... and a discussion's obligations of one kind, found in the index without reading the rest
                      Index("ix_obligations_discussion_kind", "discussion_id", "kind", "state"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    discussion_id: Mapped[str | None] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    owner_agency: Mapped[str | None] = mapped_column(String(40), default=None)
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="open")  # open, satisfied, snoozed, breached, cancelled
    rule_source: Mapped[str] = mapped_column(String(120), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the sweep should next look at it: at once for a new one (its creation time); pushed on
    # while a sweeper works it (the claim), while snoozed, and to the time of the next chase.
    # Never empty, so "what is due" is one range on an index, at any number of open obligations.
    next_attempt_at: Mapped[datetime] = mapped_column(default=lambda context: context.get_current_parameters()["created_at"])
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    snoozed_until: Mapped[datetime | None] = mapped_column(default=None)
    snooze_reason: Mapped[str] = mapped_column(Text, default="")
    # When the chair says it was met (the conference held, the decision made): the day it happened, which may
    # be days before they say so (the census's DateOfInitialCPC is this, not when the row changed).
    met_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ConversationReference(Base):
    """Where to reach a person or a conversation proactively. The tenant is stored separately
    because botbuilder's get_conversation_reference drops it (PLATFORM_NOTES.md)."""

    __tablename__ = "conversation_references"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_conversation_reference"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    scope: Mapped[str] = mapped_column(String(20))  # user, conversation
    key: Mapped[str] = mapped_column(String(300))
    tenant_id: Mapped[str | None] = mapped_column(String(64), default=None)
    service_url: Mapped[str] = mapped_column(String(500))
    reference: Mapped[dict]
    updated_at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only: database triggers (see the migration) refuse UPDATE and DELETE."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict] = mapped_column(default=dict)
    correlation_id: Mapped[str | None] = mapped_column(String(200), default=None)


class Chase(Base):
    """One chase sent (or tried): to whom, by which channel, at which stage of the ladder. The key
    (obligation and stage) is unique, so a stage is sent once even with two sweepers."""

    __tablename__ = "chases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(260), unique=True)
    obligation_id: Mapped[str] = mapped_column(ForeignKey("obligations.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(20), default="")  # teams, email, file
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued (in the outbox), sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class LinkUse(Base):
    """A signed response link that has been used: each link answers once."""

    __tablename__ = "link_uses"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime]


class Effect(Base):
    """The outbox: one thing the bot does outside its database (create, change or cancel a meeting;
    post or update a Teams message or card; send an email). It is written in the same transaction
    as the change that causes it and delivered afterwards by bot/outbox.py, so a crash between the
    two loses nothing, and `key` makes a repeated cause (a retried invoke, a double-click) add it once."""

    __tablename__ = "effects"
    __table_args__ = (Index("ix_effects_due", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    discussion_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    payload: Mapped[dict] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    # Set when an attempt starts, cleared when its outcome is known. Still set when the effect is
    # claimed again: the process died mid-attempt, so it may have happened (`uncertain`).
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    # The process (Boot) holding the claim: a restart hands back at once what a dead one held.
    claimed_by: Mapped[str | None] = mapped_column(String(32), default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Boot(Base):
    """A running process of the service, as its claims on effects name it. `host` names the process
    namespace its `pid` is in, so a process can tell a dead sibling or predecessor from a live one;
    `seen_at` is renewed on every outbox tick, so one on another machine is known gone by silence."""

    __tablename__ = "boots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]


class HandledActivity(Base):
    """A Teams activity (a card press) whose changes are committed: the same activity delivered again
    is recognised by its id, changes nothing, and is answered with the current card."""

    __tablename__ = "handled_activities"

    activity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime]

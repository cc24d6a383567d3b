"""The outbox worker: delivers the effects (storage.models.Effect) that flows wrote in the same
transaction as the change that caused them. The one path by which anything leaves the bot outside
a turn's own answer: meetings, Teams messages and cards, email.

- An effect is claimed (FOR UPDATE SKIP LOCKED on PostgreSQL, the writer queue on SQLite), then
  delivered, then marked done in one transaction with its consequences (`on_done`), so a crash
  at any point leaves it pending and it is tried again: at start-up, on the scheduler's tick,
  and whenever a commit adds new ones (`wake`).
- A transient failure (throttled, 5xx, no answer) is tried again with backoff, honouring
  Retry-After; a permanent one (another 4xx, a meeting the provider refuses), or a transient one
  that never clears, fails the effect and its kind decides who is told (`on_failed`).
- An attempt cut short by a crash, or sent without an answer coming back (a timeout), is `uncertain`
  on its next try: each kind says what that means (the email is looked for before it is sent
  again; a Teams post is sent again and counted).
"""
from __future__ import annotations

import asyncio
import json
import sys
import logging
from datetime import timedelta
from typing import Protocol

import aiohttp
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from scheduling.meetings import MeetingError, TransientMeetingError

from .boots import gone
from .connector import ConnectorError

log = logging.getLogger(__name__)
CLAIM_FOR = timedelta(minutes=2)  # longer than any one delivery takes (Graph and connector time out sooner)
MAX_ATTEMPTS = 6
FIRST_WAIT, MAX_WAIT = 5.0, 600.0  # seconds: 5, 10, 20, 40, 80 between the six attempts, unless told otherwise
TRANSIENT_STATUSES = {408, 412, 429, 500, 502, 503, 504}  # Teams' and Graph's "try again" answers


class EffectKind(Protocol):
    async def deliver(self, effect) -> dict: ...

    async def on_done(self, uow, effect, result: dict) -> None: ...

    async def on_failed(self, uow, effect, reason: str) -> None: ...


class DeliveryRefused(Exception):
    """Final and expected: there is nobody to deliver to, or nowhere (the message is for the chair)."""


def transient(error: BaseException) -> tuple[bool, float | None]:
    """(worth trying again?, the wait the service asked for). The one classification of failures."""
    if isinstance(error, TransientMeetingError):
        return True, error.retry_after
    if isinstance(error, MeetingError):
        return False, None
    if isinstance(error, ConnectorError):
        return error.status is None or error.status in TRANSIENT_STATUSES, error.retry_after
    status = getattr(error, "response_status_code", None)  # Graph (kiota) APIError, from sendMail
    if status is not None:
        headers = {k.lower(): v for k, v in (getattr(error, "response_headers", None) or {}).items()}
        wait = headers.get("retry-after")
        return status in TRANSIENT_STATUSES, float(wait) if wait and str(wait).strip().isdigit() else None
    # An httpx error can only exist once Graph's client (httpx) is loaded: not importing it here keeps
    # httpx, and the command-line tools it pulls in, out of a service that does not use Graph.
    httpx = sys.modules.get("httpx")
    if isinstance(error, (asyncio.TimeoutError, aiohttp.ClientError, ConnectionError, *((httpx.TransportError,) if httpx else ()))):
        return True, None
    return False, None


def refused_by_the_other_end(error: BaseException) -> bool:
    """The service answered no (a 403, a meeting it will not make), as opposed to giving up on one that kept
    failing or a fault in the bot: asking again unchanged gets the same answer until someone changes something
    there (a Graph trial: a 403 told the chair only "try again")."""
    if isinstance(error, TransientMeetingError):
        return False
    return isinstance(error, (MeetingError, DeliveryRefused)) or (isinstance(error, ConnectorError) and error.status is not None) \
        or getattr(error, "response_status_code", None) is not None


def unanswered(error: BaseException) -> bool:
    """Sent, but no answer came (a timeout, the connection dropped mid-request): the other end may have
    acted on it (a crash trial: a post the connector took, answered after the time limit, went twice
    uncounted). Not so when nothing was sent: a connection refused, or the bot's own token not fetched."""
    if getattr(error, "unanswered", False):  # said so by the call itself (scheduling.meetings' errors: a quick try unanswered)
        return True
    cause = error.__cause__ if isinstance(error, ConnectorError) and error.status is None else error
    if isinstance(error, ConnectorError) and (error.status is not None or error.method == "token"):
        return False
    if isinstance(cause, aiohttp.ClientConnectorError):
        return False
    httpx = sys.modules.get("httpx")  # Graph's client, loaded only where Graph is used
    if httpx and isinstance(cause, httpx.ConnectError):
        return False
    return isinstance(cause, (asyncio.TimeoutError, aiohttp.ClientConnectionError, ConnectionError,
                              *((httpx.TransportError,) if httpx else ())))


def describe(error: BaseException) -> str:
    return (str(error) or type(error).__name__)[:500]


class Outbox:
    def __init__(self, uow, clock, *, spawn, boot=None):
        self.uow = uow
        self.clock = clock
        self.spawn = spawn  # runs a coroutine in the background (BotServices.in_background)
        self.boot = boot  # this process (bot/boots.py), named on its claims; None: claims only lapse
        self._registered = False
        self._registering = asyncio.Lock()
        self.kinds: dict[str, EffectKind] = {}
        self._running: asyncio.Task | None = None
        self._again = False
        self._stopping = False  # a graceful stop: nothing more is taken on, and what is under way finishes

    def register(self, kind: str, handler: EffectKind) -> None:
        self.kinds[kind] = handler

    def wake(self) -> None:
        """A commit added effects: deliver them now, in the background (one run at a time)."""
        if self._running is not None and not self._running.done():
            self._again = True
            return
        self._running = self.spawn(self._until_quiet(), name="outbox")

    async def _until_quiet(self) -> None:
        while True:
            self._again = False
            await self.run()
            if not self._again:
                return

    async def settle(self) -> int:
        """Deliver everything due now, after any run already under way (the sweep ends with this, so
        what it queued has been tried before it returns)."""
        running = self._running
        if running is not None and not running.done():
            await asyncio.wait([running])
        return await self.run()

    async def start(self) -> None:
        """At start-up: this process is known to the others, and what a dead one (this one's killed
        predecessor) was delivering is handed back to be delivered now, not when its claim lapses.
        A database not ready yet (down, or not migrated) is not a reason to stop serving: each
        tick tries again, and meanwhile this process's claims only lapse, as they always could."""
        if self.boot is None:
            return
        async with self._registering:  # the app's start and the scheduler's first tick may both come here at once
            if self._registered:
                return
            try:
                async with self.uow() as uow:
                    await uow.boots.register(self.boot)
                    await self._hand_back(uow)
                    await uow.commit()
                self._registered = True
            except SQLAlchemyError as error:
                log.warning("this process could not register itself in the database yet (%s); trying again on the "
                            "outbox's next tick", type(error).__name__)

    async def tick(self) -> int:
        """The scheduler's tick: this process is still alive, a gone one's claims are handed back,
        and what is due (a retry's time come) is delivered."""
        if self.boot is not None and not self._registered:
            await self.start()
        elif self.boot is not None:
            try:
                async with self.uow() as uow:
                    await uow.boots.seen(self.boot.id, self.clock.now())
                    await self._hand_back(uow)
                    await uow.commit()
            except SQLAlchemyError as error:  # the database busy or down: the next tick tries again; one line, no traceback
                log.warning("the outbox's tick could not reach the database (%s); trying again on the next", type(error).__name__)
                return 0
        return await self.run()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def stop_taking(self) -> None:
        """A graceful stop begins: each run finishes the delivery under way and takes no other, and a list
        being delivered (a sweep's chases) gives the rest back (a re-check: a SIGTERM during a sweep of a slow
        connector's chases outran the stop's 20 s, and the one cut short went twice)."""
        self._stopping = True

    async def stop(self) -> None:
        """At a graceful stop, once deliveries under way have finished: this process is gone."""
        if self.boot is not None:
            async with self.uow() as uow:
                await uow.boots.forget(self.boot.id)
                await uow.commit()

    async def _hand_back(self, uow) -> None:
        now = self.clock.now()
        dead = gone(await uow.boots.all(), self.boot, now)
        handed = await uow.boots.hand_back(dead, now)
        if handed:
            log.warning("%d effect(s) left under way by a process that is gone: delivering them again now", handed)

    async def run(self) -> int:
        """Deliver every effect that is due now, one claim at a time; returns how many were delivered."""
        delivered = 0
        while not self._stopping:
            now = self.clock.now()
            async with self.uow() as uow:
                effect = await uow.effects.claim_next(now, until=now + CLAIM_FOR)
                await uow.commit()
            if effect is None:
                return delivered
            delivered += await self.deliver([effect])
        return delivered

    async def deliver(self, claimed: list) -> int:
        """Deliver effects their creator claimed as it added them (EffectRepository.add or add_many
        with claimed_until). What a restart would recognise as delivered (an email is looked for by
        its Message-ID before it is sent again: `recognisable`) is recorded together, in one
        transaction at the end; anything else (a Teams message) as soon as it has gone, so a crash
        leaves at most one of those in doubt."""
        delivered, recognisable = 0, []
        for index, effect in enumerate(claimed):
            if self._stopping:  # the rest are given back, not attempted: whoever is next delivers them, not in doubt
                async with self.uow() as uow:
                    await uow.effects.release(claimed[index:])
                    await uow.commit()
                break
            now = self.clock.now()
            # Queued without its attempt marked (EffectRepository.add_many), or with less of its claim left than one
            # delivery may take (a long list): held again first, and left alone if another worker has it now.
            if effect.started_at is None or effect.next_attempt_at < now + CLAIM_FOR / 2:
                async with self.uow() as uow:
                    held = await uow.effects.hold(effect, until=now + CLAIM_FOR, start=effect.started_at is None)
                    await uow.commit()
                if not held:
                    log.info("effect %s: no longer this process's to deliver (its claim ran out)", effect.id)
                    continue
            kind, result = await self._delivered(effect)
            if result is None:
                continue
            delivered += 1
            if getattr(kind, "recognisable", lambda _: False)(result):
                recognisable.append((effect, kind, result))
            else:
                await self._record(effect, kind, result)
        await self._record_together(recognisable)
        return delivered

    async def _delivered(self, effect) -> tuple:
        """(its kind, what delivering it returned), or (kind, None) when it failed: then the failure
        is already recorded (to try again, or told)."""
        kind = self.kinds.get(effect.kind)
        try:
            if kind is None:
                raise LookupError(f"no delivery for effects of kind {effect.kind!r}")
            return kind, await kind.deliver(effect) or {}
        except Exception as error:  # every failure is classified and recorded: retried, or told
            await self._failed(effect, kind, error)
            return kind, None

    async def _record(self, effect, kind, result: dict) -> None:
        await self._finish(effect, {"state": "done", "result": result, "last_error": ""},
                           lambda uow: self._done(uow, effect, kind, result))

    async def _record_together(self, delivered: list) -> None:
        """Record delivered effects and their consequences in one transaction (one UPDATE for each
        distinct result); if it meets a concurrent change, each is recorded on its own."""
        if not delivered:
            return
        by_result: dict[str, list] = {}
        for item in delivered:
            by_result.setdefault(json.dumps(item[2], sort_keys=True), []).append(item)
        try:
            async with self.uow() as uow:
                for items in by_result.values():
                    settled = await uow.effects.settle_many([effect.id for effect, _, _ in items],
                                                            state="done", result=items[0][2], last_error="")
                    for effect, kind, result in items:
                        if effect.id in settled:  # else recorded already, by another worker
                            await self._done(uow, effect, kind, result)
                await uow.commit()
        except StaleDataError:
            for effect, kind, result in delivered:
                await self._record(effect, kind, result)

    async def _finish(self, effect, outcome: dict, consequences=None) -> None:
        """Record an attempt's outcome with its consequences, in one transaction. A consequence that
        meets a concurrent change (a chair's press on the same discussion) is applied again on top."""
        for _ in range(3):
            try:
                async with self.uow() as uow:
                    if not await uow.effects.settle(effect.id, **outcome):
                        return  # recorded already, by another worker
                    if consequences is not None:
                        await consequences(uow)
                    await uow.commit()
                    return
            except StaleDataError:
                log.info("effect %s: its discussion changed meanwhile; recording the outcome again", effect.key)
        log.error("effect %s: outcome not recorded after 3 tries; it will be delivered again", effect.key)

    async def _done(self, uow, effect, kind, result: dict) -> None:
        # Counted: a message the process may have sent already, sent again (a meeting, a card update
        # or an email found in Sent Items is not: those are recognised, not repeated).
        if effect.uncertain and (effect.kind in ("teams.post", "teams.personal") or result.get("channel") == "teams"):
            after = "no_answer" if (effect.result or {}).get("no_answer") else "crash"
            uow.audit.record(actor="strategy-bot", action=f"effect.repeated_after_{after}", subject_type="effect",
                             subject_id=effect.id, details={"key": effect.key, "kind": effect.kind, **result})
        await kind.on_done(uow, effect, result)

    async def _failed(self, effect, kind, error: Exception) -> None:
        retry, asked = transient(error)
        reason = describe(error)
        # Whether any attempt so far may have happened (a crash during it, or no answer): kept in its result until the
        # end, so that a final failure is never told as "nothing was made" (a Graph trial: the meeting was made, its
        # answer lost, then 503 to the end, and the chair was told nothing had been sent).
        in_doubt = {"in_doubt": True} if effect.uncertain or unanswered(error) or (effect.result or {}).get("in_doubt") else {}
        if retry and effect.attempts < MAX_ATTEMPTS:
            wait = min(asked if asked is not None else FIRST_WAIT * 2 ** (effect.attempts - 1), MAX_WAIT)
            log.warning("effect %s (attempt %d) failed: %s; trying again in %.0f s", effect.key, effect.attempts, reason, wait)
            outcome = {"last_error": reason, "next_attempt_at": self.clock.now() + timedelta(seconds=wait)}
            if unanswered(error):  # it may have happened: the next attempt is uncertain, as after a crash (kept started)
                outcome.update(started_at=effect.started_at, result={"no_answer": True, **in_doubt})
            elif in_doubt:
                outcome.update(result={**(effect.result or {}), **in_doubt})
            await self._finish(effect, outcome)
            return
        if in_doubt:
            effect.result = {**(effect.result or {}), **in_doubt}
        if not retry and refused_by_the_other_end(error):  # the same request will be refused the same way: said so
            effect.result = {**(effect.result or {}), "refused": True}
        if not retry and not isinstance(error, (MeetingError, ConnectorError, DeliveryRefused)) and \
                getattr(error, "response_status_code", None) is None:
            log.error("effect %s: a fault in the bot itself", effect.key, exc_info=error)  # the traceback, for a developer
        log.error("effect %s failed for good after %d attempt(s): %s", effect.key, effect.attempts, reason)

        async def tell(uow):
            uow.audit.record(actor="strategy-bot", action="effect.failed", subject_type="effect", subject_id=effect.id,
                             details={"key": effect.key, "kind": effect.kind, "attempts": effect.attempts, "reason": reason})
            if kind is not None:
                await kind.on_failed(uow, effect, reason)

        await self._finish(effect, {"state": "failed", "last_error": reason, "result": effect.result}, tell)

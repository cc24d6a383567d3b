"""The record document: DOCX and PDF for the chair, delivered in Teams with the file consent
flow (Teams asks the chair where to save it; the bot uploads there), and its distribution tracked."""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from cards import record as record_cards
from cards import record_document
from cards import wizard as cards
from cards.words import subject
from protocol.vocabulary import OWED_OBLIGATION_STATES
from storage.files import write_privately

from . import recording
from .convene import actor_of, delivery_of, personal_chat
from .inbound import postable_url
from .services import BotServices

log = logging.getLogger(__name__)
KINDS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}
# Where Teams puts a file the chair accepts: their OneDrive for Business, in each Microsoft cloud.
ONEDRIVE_HOSTS = (".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.de", ".sharepoint.cn")
UPLOAD_SECONDS = 60.0
OFFERED_A_MOMENT_AGO = timedelta(seconds=60)  # an export within this is the same press again, not a new one


class ExportFlow:
    def __init__(self, services: BotServices, *, directory: Path):
        self.s = services
        self.directory = directory

    def render(self, discussion) -> dict[str, bytes]:
        title, sections = record_document.outline(
            discussion=discussion, record=discussion.record, decisions=recording.DECISIONS,
            attendance_words=recording.ATTENDANCE, text_fields=recording.TEXT_FIELDS, profile_name=self.s.profile.name,
            not_quorate_text=self.s.profile.quorum.not_quorate_text, zone=self.s.calendar.zone)
        return {"docx": record_document.docx_bytes(title, sections), "pdf": record_document.pdf_bytes(title, sections)}

    def _path(self, discussion, kind: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9-]", "-", discussion.case_reference)
        return self.directory / discussion.id / f"{safe}-strategy-discussion-record.{kind}"

    async def export(self, turn_context: TurnContext, case_reference: str, *, discussion_id: str | None = None) -> bool:
        """`record export [CR-123]`, or the button on one discussion's card (`discussion_id`: that one, and
        only if it is the presser's and finalised). Whether the record went (or went a moment ago)."""
        aad, _, _ = actor_of(turn_context)
        if discussion_id is None:
            async with self.s.uow() as uow:
                found = await uow.discussions.latest_for_chair(chair_aad_id=aad, case_reference=case_reference or None,
                                                               statuses=("recorded",))
            if found is None:
                await turn_context.send_activity(MessageFactory.text(
                    "There is no finalised record of yours to export. Type `record export CR-123` with its case reference."))
                return False
            discussion_id = found.id
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            # Locked: a double-click's two presses (or a message delivered twice) wait for each other, and the second
            # finds the first's export (a hostile trial: the record was offered, and audited, twice).
            discussion = await uow.discussions.get(discussion_id, for_update=True)
            if discussion is not None and not self.s.access.is_chair_of(discussion, aad):
                await self.s.access.refused(uow, discussion, aad, "record.export")
                return False
            if discussion is None or discussion.status != "recorded":
                return False
            if any(e.action == "record.exported" and now - e.at < OFFERED_A_MOMENT_AGO
                   for e in await uow.audit.for_subject("discussion", discussion.id)):
                await turn_context.send_activity(MessageFactory.text(
                    f"{subject(discussion.case_reference, discussion.child_initials)}: the record was offered in your personal "
                    "chat with me a moment ago."))
                return True
            files = self.render(discussion)
            for kind, content in files.items():
                write_privately(self._path(discussion, kind), content)
            uow.audit.record(actor=aad, action="record.exported", subject_type="discussion", subject_id=discussion.id,
                             details={kind: len(content) for kind, content in files.items()})
            consent = Activity(type="message", attachments=[self._consent_card(discussion, kind, len(content))
                                                            for kind, content in files.items()])
            personal = personal_chat(turn_context)
            if not personal:
                # Files can only be offered in a personal chat: the record goes to the chair there, never to the channel.
                await self.s.effects.personal(uow, f"{delivery_of(turn_context)}:export", user_id=discussion.chair_user_id,
                                              tenant_id=discussion.tenant_id, service_url=turn_context.activity.service_url,
                                              bot_id=turn_context.activity.recipient.id if turn_context.activity.recipient else None,
                                              activity=consent, discussion_id=discussion.id)
            await uow.commit()
        if personal:
            await turn_context.send_activity(consent)
            return True
        await turn_context.send_activity(MessageFactory.text(
            f"{subject(discussion.case_reference, discussion.child_initials)}: the record is on its way to your personal chat with me."))
        return True

    def _consent_card(self, discussion, kind: str, size: int) -> Attachment:
        name = self._path(discussion, kind).name
        context = {"discussion_id": discussion.id, "kind": kind}
        return Attachment(content_type="application/vnd.microsoft.teams.card.file.consent", name=name, content={
            "description": f"The record of {subject(discussion.case_reference, discussion.child_initials)} ({kind.upper()})",
            "sizeInBytes": size, "acceptContext": context, "declineContext": context})

    async def accepted(self, turn_context: TurnContext, response) -> None:
        """Teams gave an upload URL in the chair's OneDrive: put the file there and show it."""
        aad, _, _ = actor_of(turn_context)
        context = response.context if isinstance(response.context, dict) else {}  # ours, as the consent card gave it, or nothing
        async with self.s.uow() as uow:
            discussion = await uow.discussions.get(str(context.get("discussion_id", "")))
            if discussion is not None and not self.s.access.is_chair_of(discussion, aad):
                await self.s.access.refused(uow, discussion, aad, "fileConsent/accept")
                discussion = None
            if discussion is None or context.get("kind") not in KINDS:
                await turn_context.send_activity(MessageFactory.text("Only the chair can receive this record."))
                return
            info = response.upload_info
            if info is None or not self._onedrive(getattr(info, "upload_url", None)):
                log.warning("discussion %s: a file consent named no OneDrive upload address; the record was not sent", discussion.id)
                await turn_context.send_activity(MessageFactory.text("The record was not saved: Teams gave no OneDrive address "
                                                                     "for it. Type `record export` to try again."))
                return
            content = self._path(discussion, context["kind"]).read_bytes()
            headers = {"Content-Length": str(len(content)), "Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}"}
            try:
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=UPLOAD_SECONDS)) as http:
                    async with http.put(info.upload_url, data=content, headers=headers) as upload:
                        failed = f"OneDrive answered {upload.status}" if upload.status >= 300 else None
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:  # OneDrive out of reach: the chair is told, not a 501
                failed = f"OneDrive could not be reached: {type(error).__name__}"
            if failed:
                log.warning("discussion %s: saving the record failed (%s)", discussion.id, failed)
                await turn_context.send_activity(MessageFactory.text(f"Saving the record failed ({failed}). "
                                                                     "Type `record export` to try again."))
                return
            uow.audit.record(actor=aad, action="record.delivered", subject_type="discussion", subject_id=discussion.id,
                             details={"to": "chair", "kind": context["kind"], "file": info.name})
            await uow.commit()
        await turn_context.send_activity(Activity(type="message", attachments=[Attachment(
            content_type="application/vnd.microsoft.teams.card.file.info", content_url=info.content_url, name=info.name,
            content={"uniqueId": info.unique_id, "fileType": info.file_type})]))

    def _onedrive(self, url) -> bool:
        """The record (OFFICIAL-SENSITIVE) goes only to the chair's OneDrive, over https, wherever an invoke
        says to put it; in local mode to any http(s) address (the tests' and the Playground's stand-ins)."""
        if not isinstance(url, str) or not postable_url(url):  # a bracket left open, a port out of range, no host
            return False
        parts = urlsplit(url)
        return self.s.local_mode or (parts.scheme == "https" and parts.hostname.endswith(ONEDRIVE_HOSTS))

    async def distributed(self, turn_context: TurnContext, data: dict) -> dict:
        """The chair has sent the record to everyone on the distribution list: note who and when."""
        aad, _, name = actor_of(turn_context)
        now = self.s.clock.now()
        async with self.s.uow() as uow:
            # Locked: a double-click's two presses (two activities) wait for each other, and the second finds it noted.
            discussion, refusal = await self.s.access.chaired(
                uow, data, aad, "record.distributed", "Only the chair can record the distribution of a finalised record.", for_update=True)
            if refusal:
                return refusal
            if discussion.status != "recorded":  # the chair's, but nothing to distribute: said as it is
                return cards.message_card("No finalised record", f"{subject(discussion.case_reference, discussion.child_initials)}: "
                                          "there is no finalised record to distribute"
                                          + (" (the discussion was cancelled)." if discussion.status == "cancelled" else " yet."))
            noted = discussion.record.get("distributed")
            if noted:  # once: a second press, on this card or another copy of it, changes nothing
                return self._distribution_card(discussion, len(noted.get("to", [])), datetime.fromisoformat(noted["at"]), noted["by"])
            recipients = [line.strip() for line in discussion.record.get("distribution", "").splitlines() if line.strip()]
            discussion.record = {**discussion.record, "distributed": {"at": now.isoformat(), "by": name, "to": recipients}}
            for obligation in await uow.obligations.for_discussion(discussion.id):
                if obligation.kind in recording.RECORD_DISTRIBUTED and obligation.state in OWED_OBLIGATION_STATES:
                    obligation.state, obligation.updated_at = "satisfied", now
            uow.audit.record(actor=aad, action="record.distributed", subject_type="discussion", subject_id=discussion.id,
                             details={"to": recipients})
            await uow.commit()
        return self._distribution_card(discussion, len(recipients), now, name)

    def _distribution_card(self, discussion, recipients: int, at: datetime, by: str) -> dict:
        """The thread's summary as it was, with the note in place of its button."""
        return record_cards.summary_card(discussion, quorate=discussion.record.get("quorate", True),
                                         not_quorate_text=self.s.profile.quorum.not_quorate_text, action_count=len(discussion.actions),
                                         distributed=f"Record distribution noted: {recipients} recipients, "
                                                     f"{self.s.calendar.local(at):%d/%m/%Y %H:%M}, by {by}.")

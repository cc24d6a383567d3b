"""Email for people outside Teams: Graph sendMail from the service mailbox when Graph is set up,
otherwise .eml files under the data directory (and the log says nothing was sent)."""
from __future__ import annotations

import asyncio
import logging
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

from storage.files import write_privately

log = logging.getLogger(__name__)


def with_link(title: str, line: str, link: str | None) -> str:
    """An email's body to someone outside Teams: what it is, the signed link to answer by (bot/links.py:
    single-use, 14 days), and never more of the case than its reference and initials."""
    body = f"{title}\n\n{line}\n"
    if link:
        body += f"\nAnswer here (the link works once and expires in 14 days):\n{link}\n"
    return body + "\nThis message carries the case reference and initials only. Do not reply with personal details.\n"


def message_id(key: str) -> str:
    """The email's Message-ID, made from its outbox key: the same email always carries the same one,
    so a copy is recognisable (and can be looked for before sending again)."""
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '-', key)}@strategy-bot>"


class FileMailer:
    channel = "file"

    def __init__(self, directory: Path, *, sender: str = "strategy-bot@localhost"):
        self.directory = directory
        self.sender = sender

    async def send(self, *, to: str, subject: str, body: str, key: str) -> None:
        # Headers folded at 998, RFC 5322's own limit: at 78 the stdlib folds a long subject before its first
        # word, and a reader then shows it with a leading space (a trial read " Records check ..." in a .eml).
        message = EmailMessage(policy=policy.default.clone(max_line_length=998))
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = message_id(key)  # a re-sent copy carries the same id: clients drop it
        message.set_content(body)
        await asyncio.to_thread(self._write, key, bytes(message))

    async def was_sent(self, key: str) -> bool:
        return self._path(key).exists()

    def _path(self, key: str, copy: int = 1) -> Path:
        return self.directory / (f"{key.replace(':', '_')}.eml" if copy == 1 else f"{key.replace(':', '_')}.copy{copy}.eml")

    def _write(self, key: str, data: bytes) -> None:
        # Written whole or not at all: a file that exists is an email that was "sent". Every send is a
        # file of its own (a second copy is .copy2.eml), so an email sent twice shows, as it would in an inbox.
        copy = 1
        while self._path(key, copy).exists():
            copy += 1
        write_privately(self._path(key, copy), data)


class GraphMailer:
    channel = "email"

    def __init__(self, client, *, sender: str, timeout: float = 30.0):
        self.client = client
        self.sender = sender
        # A call Graph never answers gives up after this, as a meeting's does (a Graph trial: with the SDK's own
        # limit, one hung sendMail held the sweep of every chase in its batch for 100 s). The outbox then
        # looks in Sent Items before sending again (`was_sent`), as after a crash.
        self.timeout = timeout

    async def send(self, *, to: str, subject: str, body: str, key: str) -> None:
        from msgraph.generated.models.body_type import BodyType
        from msgraph.generated.models.email_address import EmailAddress
        from msgraph.generated.models.item_body import ItemBody
        from msgraph.generated.models.message import Message
        from msgraph.generated.models.recipient import Recipient
        from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody

        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from kiota_http.middleware.options import RetryHandlerOption

        message = Message(subject=subject, body=ItemBody(content_type=BodyType.Text, content=body),
                          to_recipients=[Recipient(email_address=EmailAddress(address=to))], internet_message_id=message_id(key))
        # No kiota retries (they sleep on the wall clock): a 429/503 fails this attempt, and the
        # outbox tries again later with backoff.
        config = RequestConfiguration(options=[RetryHandlerOption(max_retries=0)])
        await asyncio.wait_for(self.client.users.by_user_id(self.sender).send_mail.post(
            SendMailPostRequestBody(message=message, save_to_sent_items=True), request_configuration=config), self.timeout)

    async def was_sent(self, key: str) -> bool:
        """Is a copy with this Message-ID in the service mailbox's Sent Items (saved by sendMail)?"""
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from kiota_http.middleware.options import RetryHandlerOption
        from msgraph.generated.users.item.mail_folders.item.messages.messages_request_builder import MessagesRequestBuilder

        query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
            filter=f"internetMessageId eq '{message_id(key)}'", select=["id"], top=1)
        config = RequestConfiguration(query_parameters=query, options=[RetryHandlerOption(max_retries=0)])
        found = await asyncio.wait_for(self.client.users.by_user_id(self.sender).mail_folders.by_mail_folder_id("sentitems")
                                       .messages.get(request_configuration=config), self.timeout)
        return bool(found and found.value)

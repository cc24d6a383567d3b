"""Email for people outside Teams: Graph sendMail from the service mailbox when Graph is set up,
otherwise .eml files under the data directory (and the log says nothing was sent)."""
from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage
from pathlib import Path

log = logging.getLogger(__name__)


class FileMailer:
    channel = "file"

    def __init__(self, directory: Path, *, sender: str = "strategy-bot@localhost"):
        self.directory = directory
        self.sender = sender

    async def send(self, *, to: str, subject: str, body: str, key: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = f"<{key}@strategy-bot>"  # a re-sent copy carries the same id: clients drop it
        message.set_content(body)
        path = self.directory / f"{key.replace(':', '_')}.eml"
        await asyncio.to_thread(self._write, path, bytes(message))

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


class GraphMailer:
    channel = "email"

    def __init__(self, client, *, sender: str):
        self.client = client
        self.sender = sender

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
                          to_recipients=[Recipient(email_address=EmailAddress(address=to))])
        # No kiota retries (they sleep on the wall clock): a 429/503 fails this chase, and the sweep
        # retries it later with backoff.
        config = RequestConfiguration(options=[RetryHandlerOption(max_retries=0)])
        await self.client.users.by_user_id(self.sender).send_mail.post(
            SendMailPostRequestBody(message=message, save_to_sent_items=True), request_configuration=config)

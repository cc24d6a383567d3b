"""Files holding what people wrote about a child are the service user's alone (a security trial found local
mode's emails, with working answer links in them, readable by every user of the machine)."""
import os
import stat

from bot.mailer import FileMailer
from scheduling.clock import FixedClock
from scheduling.meetings.local import LocalMeetingProvider
from storage.files import write_privately
from tests.test_scheduling.test_local_provider import START, request


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_emails_invitations_and_any_file_written_are_readable_by_the_service_user_alone(tmp_path):
    was = os.umask(0)  # the most open a machine may set: nothing here may depend on it
    try:
        mail = FileMailer(tmp_path / "mail")
        await mail.send(to="a@x.org", subject="s", body="https://bot/respond/token", key="chase:ob1:due")
        await LocalMeetingProvider(tmp_path / "invitations", clock=FixedClock(START)).create(request())
        write_privately(tmp_path / "exports" / "CR-7.html", b"<p>record</p>")
        (tmp_path / "stale.txt.tmp").write_bytes(b"left by a crash")
        os.chmod(tmp_path / "stale.txt.tmp", 0o666)
        write_privately(tmp_path / "stale.txt", b"whole")
    finally:
        os.umask(was)
    written = [*(tmp_path / "mail").glob("*.eml"), *(tmp_path / "invitations").glob("*.ics"), tmp_path / "exports" / "CR-7.html",
               tmp_path / "stale.txt"]
    assert len(written) == 4 and {mode(p) for p in written} == {0o600}
    assert {mode(tmp_path / folder) for folder in ("mail", "invitations", "exports")} == {0o700}
    assert (tmp_path / "stale.txt").read_bytes() == b"whole" and not list(tmp_path.glob("*.tmp"))

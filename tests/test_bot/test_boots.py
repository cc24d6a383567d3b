"""Which processes are gone, so their claims on effects can be handed back (bot/boots.py): a claim is
taken over only from a process known to be gone, never from one that may still be delivering."""
import os
from datetime import datetime, timedelta, timezone

from bot.boots import GONE_AFTER, gone, host_key, running, this_boot
from storage.models import Boot

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=timezone.utc)
ME = Boot(id="me", host="machine/kernel/ns", pid=100, started_at=NOW, seen_at=NOW)


def boot(id: str, *, host: str = ME.host, pid: int = 200, seen: timedelta = timedelta(0)) -> Boot:
    return Boot(id=id, host=host, pid=pid, started_at=NOW - seen, seen_at=NOW - seen)


def test_on_this_machine_the_pid_decides_however_long_ago_it_was_seen():
    alive = {200}
    boots = [boot("dead", pid=300), boot("alive_but_silent", pid=200, seen=timedelta(hours=5)), boot("alive")]
    assert gone(boots, ME, NOW, running=lambda pid: pid in alive) == ["dead"]


def test_on_another_machine_only_silence_decides_and_a_minute_is_not_yet_gone():
    boots = [boot("just_now", host="other/k/ns", pid=300), boot("a_minute", host="other/k/ns", pid=300, seen=GONE_AFTER),
             boot("longer", host="other/k/ns", pid=300, seen=GONE_AFTER + timedelta(milliseconds=1))]
    assert gone(boots, ME, NOW, running=lambda pid: pid == 300) == ["longer"]  # its pid is another machine's: not asked


def test_this_process_is_never_gone_to_itself():
    assert gone([ME, boot("me", pid=999, seen=timedelta(days=1))], ME, NOW, running=lambda pid: False) == []


def test_running_asks_the_system():
    import subprocess
    import sys

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    assert running(os.getpid()) and not running(int(finished.stdout))


def test_a_boot_names_this_process_and_its_pid_namespace():
    import re
    import socket

    made = this_boot(NOW)
    assert (made.pid, made.host, made.started_at, made.seen_at) == (os.getpid(), host_key(), NOW, NOW)
    assert re.fullmatch(r"[0-9a-f]{32}", made.id) and made.id != this_boot(NOW).id  # each start a new one
    # The machine's name, this boot of its kernel, and the pid namespace (read here another way: the link's name).
    namespace = re.fullmatch(r"pid:\[(\d+)\]", os.readlink("/proc/self/ns/pid"))[1]
    kernel = open("/proc/sys/kernel/random/boot_id").read().strip()
    assert host_key() == f"{socket.gethostname()}/{kernel}/{namespace}"[:200]


def test_a_process_another_user_owns_is_running_though_it_cannot_be_signalled(monkeypatch):
    def refused(pid, signal):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "kill", refused)
    assert running(4242)  # errs towards alive: its claims are waited for, never taken

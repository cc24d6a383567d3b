"""This process, as the effects it claims name it, and the judgement of which processes are gone.

A process killed mid-delivery (SIGKILL, the OOM killer, a node lost) leaves its claims behind. They
used to be waited out (bot/outbox.py CLAIM_FOR, two minutes) with the chair's card saying "Creating
the meeting…". A claim now names its process (storage.models.Boot), and a process is known gone:
- on this machine, at once: its pid is no longer running in this process namespace (a gunicorn
  worker's restart, or `make run` started again, finds its predecessor gone at start-up);
- on another machine, by silence: it has not renewed `seen_at` (every outbox tick) for GONE_AFTER.
Either way the judgement errs towards "alive" (a reused pid, a slow tick): that only means waiting
as before, never two processes delivering the same effect at once.
"""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from storage.models import Boot, new_id

GONE_AFTER = timedelta(seconds=60)  # no renewal for this long: gone (gunicorn restarts a worker silent for 60 s)


def host_key() -> str:
    """The pid namespace this process lives in: the machine (its name and this boot of its kernel)
    and the namespace itself, so two containers on one machine never judge each other's pids."""
    def read(path: str, how) -> str:
        try:
            return str(how(path))
        except OSError:
            return "-"

    kernel = read("/proc/sys/kernel/random/boot_id", lambda p: open(p).read().strip())
    namespace = read("/proc/self/ns/pid", lambda p: os.stat(p).st_ino)
    return f"{socket.gethostname()}/{kernel}/{namespace}"[:200]


def this_boot(now: datetime) -> Boot:
    return Boot(id=new_id(), host=host_key(), pid=os.getpid(), started_at=now, seen_at=now)


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # another user's process, or a pid this system cannot ask about
        return True
    return True


def gone(boots: list[Boot], me: Boot, now: datetime, *, running=running) -> list[str]:
    """The ids of the processes in `boots` that are known to be gone, `me` never among them."""
    def dead(boot: Boot) -> bool:
        if boot.host == me.host:  # its pid says (a live but stuck one keeps its claims until they lapse)
            return not running(boot.pid)
        return boot.seen_at < now - GONE_AFTER

    return [boot.id for boot in boots if boot.id != me.id and dead(boot)]

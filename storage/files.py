"""Files that hold what people wrote about a child (local mode's emails and invitations, the record's
exports): readable by the service's own user only, written whole or not at all.

A security trial found the .eml files, which carry working answer links, readable by every user of
the machine (0644 in a 0755 folder); the link secret beside them was already 0600."""
from __future__ import annotations

import os
from pathlib import Path

FILE_MODE, FOLDER_MODE = 0o600, 0o700


def write_privately(path: Path, data: bytes) -> None:
    """`data` at `path`, created for this user alone (never widened by the umask, whatever it is), through a
    temporary file beside it so that a reader never sees half of one."""
    path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)  # a temporary left by a crash keeps its old mode through O_TRUNC
        with os.fdopen(descriptor, "wb") as file:
            descriptor = None
            file.write(data)
    finally:
        if descriptor is not None:
            os.close(descriptor)
    temporary.replace(path)

"""One way to write a file that holds something personal: readable by its owner only, written
whole or not at all, and on the disk before it takes the old one's place. The page's opener key
and file, and the calendar, all go through it."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def write_private_file(path: Path, data: bytes) -> None:
    """``data`` in ``path``, mode 0600 whatever the umask. A crash or a full disk leaves the old
    file or the new one, never half of one, and no partial file beside it."""
    # A name of its own per writer: two processes writing at once never share a partial file.
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise

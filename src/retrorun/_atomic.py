"""Atomic file writes (stdlib only, safe to import from any layer).

:func:`write_atomic` writes the whole content to a uniquely named temporary file in the target's
folder, flushes it to disk and renames it over the target, so readers see either the old file or
the new one, never a partial file. The temporary file is created with mode ``0o666`` filtered by
the process umask (as ``open(path, "w")`` would), not ``0o600`` as :func:`tempfile.mkstemp` does,
so the result is readable by the same users and tools as any other file the user writes.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *,
                 encoding: str = "utf-8") -> Path:
    """Write *data* (bytes, or text encoded with *encoding*) to *path* atomically.

    The parent folder must exist. On any error the target is left as it was and the temporary
    file is removed. Returns the target path.
    """
    p = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else bytes(memoryview(data))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = p.with_name(f".{p.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)  # the kernel applies the umask
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue
        break
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p

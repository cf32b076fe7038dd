"""One database, one bot: an advisory lock on ``<database>.lock``, held for the life of ``treaty-bot run``.

Two bots on one database each keep their own live knowledge base: an admin's edit or undo in one is
never seen by the other. ``treaty-bot run`` therefore takes an exclusive ``flock`` on ``<database>.lock``
before it touches the network, and a second one on the same database stops at once with a message that
names the holder. The read-only commands (``stats``, ``db backup``, ``db export``, ``health``, ``ask``,
``chat``, ``eval``, ``kb check``) take no lock and work alongside the bot.

The kernel releases the lock when the process ends, however it ends (SIGKILL too), so a crash never
leaves a stale lock. The file itself stays (removing it would let a third process lock a fresh file
while a second still waits on the old one); it holds the holder's pid, for the message. Should the file
be deleted while the bot runs (``rm data/*``), :func:`refresh` (called by the writer's file check)
creates and locks it again. POSIX only: without ``fcntl`` (Windows) there is no lock.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from types import TracebackType
from typing import Final

from bot.errors import StorageError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_SUFFIX", "READ_ONLY_COMMANDS", "DatabaseLock", "lock_path", "refresh"]

log = logging.getLogger("bot.storage")  # one logger for the whole package

LOCK_SUFFIX: Final = ".lock"
READ_ONLY_COMMANDS: Final = "stats, db backup, db export, health, ask, chat, eval, kb check"

_HELD: dict[Path, DatabaseLock] = {}  # the locks this process holds, by lock file


def lock_path(database: str | Path) -> Path | None:
    """Where the lock of ``database`` lives; None when there is no database file (none, ``:memory:``)."""
    where = str(database)
    if not where or where == ":memory:" or where.startswith("file:"):
        return None
    return Path(where + LOCK_SUFFIX)


class DatabaseLock:
    """The exclusive lock of one database: ``with DatabaseLock(path):`` (or ``acquire``/``release``)."""

    def __init__(self, database: str | Path) -> None:
        self.database = str(database)
        self.path = lock_path(database)
        self._fd: int | None = None
        self._lost_logged = False

    def acquire(self) -> DatabaseLock:
        """Take the lock; ``StorageError`` saying who holds it when another process does."""
        if self.path is None or fcntl is None or self._fd is not None:
            return self
        self._fd = self._lock(self.path)
        _HELD[self.path] = self
        return self

    def _lock(self, path: Path) -> int:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StorageError(f"cannot create the lock file {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise StorageError(
                f"another treaty-bot{holder} is already running on the database {self.database} (it holds "
                f"{path}); two bots on one database would not see each other's edits. Stop it first; "
                f"the read-only commands ({READ_ONLY_COMMANDS}) work alongside it"
            ) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        return fd

    def release(self) -> None:
        if self._fd is None:
            return
        if self.path is not None and _HELD.get(self.path) is self:
            del _HELD[self.path]
        with contextlib.suppress(OSError):
            os.close(self._fd)  # closing the descriptor releases the flock
        self._fd = None

    def refresh(self) -> None:
        """The lock file was deleted or replaced: create and lock it again (logged once if that fails)."""
        if self._fd is None or self.path is None:
            return
        try:
            same = os.path.samestat(os.fstat(self._fd), os.stat(self.path))
        except OSError:
            same = False
        if same:
            return
        try:
            fd = self._lock(self.path)
        except StorageError as exc:
            if not self._lost_logged:
                self._lost_logged = True
                log.error("storage: the lock file was deleted and %s", exc)
            return
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd, self._lost_logged = fd, False
        log.warning("storage: the lock file %s was deleted while the bot ran; locked again", self.path)

    def __enter__(self) -> DatabaseLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _holder(fd: int) -> str:
    """" (pid 12)" from the lock file's content, when it names one."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode("ascii", "replace").strip())
        return f" (pid {pid})"
    return ""


def refresh(database: str | Path) -> None:
    """Re-take this process's lock on ``database`` if its lock file was deleted (a no-op without one)."""
    path = lock_path(database)
    held = _HELD.get(path) if path is not None else None
    if held is not None:
        held.refresh()

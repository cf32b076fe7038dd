"""The SQLite connection: opening it, one user at a time, integrity check and backup.

:class:`Database` opens one aiosqlite connection (creating the file and its directory; WAL journal,
``synchronous = NORMAL``, foreign keys on, a busy timeout, the ``treaty_norm`` SQL function, the
migrations), hands it to one reader or one transaction at a time, and turns SQL errors into
``StorageError`` naming the file. :func:`read_schema_version` is the synchronous look at a database
file that ``treaty-bot health`` makes without opening it for the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import StorageError
from bot.storage.lock import refresh as refresh_lock
from bot.storage.records import normalise_question
from bot.storage.schema import migrate

__all__ = ["Database", "read_schema_version", "scalar"]

log = logging.getLogger("bot.storage")  # one logger for the whole package


async def scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row of ``sql``, or None when there is no row."""
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return None if row is None else row[0]


class Database:
    """The connection to the database at ``path``: ``await open()`` before use, ``await close()`` after.

    The file can be deleted or replaced under an open connection (SQLite keeps writing to the unlinked
    file, and everything written is lost): :meth:`check_file`, called by the writer before each batch,
    notices it, restores a deleted file from the still-open connection (or opens, and migrates, the file
    that replaced it) and reports it; until that succeeds the database is ``lost`` (still open, writes
    fail and are retried).
    """

    def __init__(self, path: Path, busy_timeout: float, *, read_only: bool = False) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.read_only = read_only  # the existing file, read only: never created, migrated or written
        self.conn: aiosqlite.Connection | None = None
        self.lock = asyncio.Lock()  # one user of the connection (and its transaction) at a time
        self._file_id: tuple[int, int] | None = None  # (device, inode) of the file opened
        self.lost: str | None = None  # why the connection was closed under the bot: "deleted", "replaced"
        self._reported: str | None = None  # the file problem already logged

    @property
    def is_open(self) -> bool:
        return self.conn is not None or self.lost is not None

    async def open(self) -> None:
        """Connect (creating the file and its directory if needed), set up and migrate."""
        self.conn = await self._connect()
        self._file_id = self._stat()
        self.lost = None
        self.lock = asyncio.Lock()  # asyncio primitives bind to the loop they are first awaited in

    async def _connect(self) -> aiosqlite.Connection:
        where = str(self.path)
        if self.read_only:
            return await self._connect_read_only()
        if where != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the directory for the database {where}: {exc.strerror or exc}"
                ) from None
            if self.path.is_dir():
                raise StorageError(f"the database path {where} is a directory, not a file")
        try:
            conn = await aiosqlite.connect(where, isolation_level=None, timeout=self.busy_timeout)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {where}: {exc}") from None
        try:
            await self._set_up(conn)
        except BaseException as exc:
            # Always close: an open aiosqlite connection's thread keeps the process alive at exit.
            with contextlib.suppress(sqlite3.Error):
                await conn.close()
            if not isinstance(exc, sqlite3.Error):
                raise
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StorageError(f"the database {where} is not writable: {exc}") from None
            raise StorageError(f"cannot open the database {where}: {exc}") from None
        return conn

    async def _connect_read_only(self) -> aiosqlite.Connection:
        """A connection that only reads the existing file (``mode=ro``): for the command line's look at a
        database that a running bot may be writing. No lock, no migration, no journal-mode switch."""
        if not self.path.is_file():
            raise StorageError(f"the database {self.path} does not exist")
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        try:
            conn = await aiosqlite.connect(uri, uri=True, isolation_level=None, timeout=self.busy_timeout)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {self.path}: {exc}") from None
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            await scalar(conn, "SELECT COUNT(*) FROM sqlite_master")  # a file that is not a database fails here
            await conn.create_function("treaty_norm", 1, normalise_question, deterministic=True)
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                await conn.close()
            if not isinstance(exc, sqlite3.Error):
                raise
            raise StorageError(f"cannot read the database {self.path}: {exc}") from None
        return conn

    async def _set_up(self, conn: aiosqlite.Connection) -> None:
        await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        mode = await scalar(conn, "PRAGMA journal_mode = WAL")
        if str(mode).lower() != "wal" and str(self.path) != ":memory:":
            log.warning("storage: %s: journal mode is %s, not WAL", self.path, mode)
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await migrate(conn, self.path)
        await conn.create_function("treaty_norm", 1, normalise_question, deterministic=True)

    async def close(self) -> None:
        """Close the connection once its current user is done."""
        self.lost = None
        conn = self.conn
        if conn is None:
            return
        async with self.lock:
            self.conn = None
            try:
                await conn.close()
            except sqlite3.Error as exc:  # pragma: no cover - close() rolls back; nothing left to lose
                log.error("storage: %s: error while closing: %s", self.path, exc)

    def require(self) -> aiosqlite.Connection:
        if self.conn is None:
            if self.lost is not None:
                raise StorageError(f"the database {self.path} was {self.lost} while open and is not back yet")
            raise StorageError(f"the database {self.path} is not open")
        return self.conn

    # -- the file under the connection -------------------------------------------------------------

    def _stat(self) -> tuple[int, int] | None:
        """(device, inode) of the file at ``path`` now; None when there is none (or no file is involved)."""
        where = str(self.path)
        if where == ":memory:" or where.startswith("file:"):
            return None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_dev, st.st_ino

    def file_problem(self) -> str | None:
        """"deleted" or "replaced" when the file at ``path`` is no longer the one opened, else None."""
        if self.lost is not None:
            return self.lost
        if self._file_id is None or self.conn is None:
            return None
        now = self._stat()
        if now == self._file_id:
            return None
        return "deleted" if now is None else "replaced"

    async def check_file(self) -> str | None:
        """Make sure the connection writes to the file at ``path``: when it was deleted, restore it from the
        open connection (every row kept); when another file replaced it, switch to that one (migrated).
        Returns what was repaired ("deleted"/"replaced"), None when nothing was wrong; raises
        ``StorageError`` when the repair failed (logged once; call again to retry)."""
        refresh_lock(self.path)  # ``rm data/*`` takes the lock file too
        if self.file_problem() is None:
            return None
        async with self.lock:
            problem = self.file_problem()
            if problem is None:
                return None
            if self._reported != problem:
                self._reported = problem
                log.error("storage: %s was %s while the bot had it open; %s", self.path, problem,
                          "restoring it from the open connection" if problem == "deleted" else "opening the new file")
            await self._repair(problem)
            self._reported = None
        log.warning("storage: %s is back (%s); writing resumed", self.path,
                    "restored with every row" if problem == "deleted" else "the new file, migrated")
        return problem

    async def _repair(self, problem: str) -> None:
        restored = self.path.with_name(f".{self.path.name}.restored")
        if self.conn is not None:
            if problem == "deleted":
                await self._copy(self.conn, restored)  # on failure the open connection is kept, to retry
            old, self.conn, self.lost = self.conn, None, problem
            with contextlib.suppress(sqlite3.Error, ValueError):
                await old.close()  # before anything opens the path: closing removes "<path>-wal" by name
        try:
            if self._stat() is None:
                for leftover in (Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                    leftover.unlink(missing_ok=True)  # the deleted file's, never to be applied to another
                if restored.exists():
                    restored.replace(self.path)
            self.conn = await self._connect()
        except OSError as exc:
            raise StorageError(f"cannot restore the database {self.path}: {exc.strerror or exc}") from None
        self._file_id = self._stat()
        self.lost = None

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, to this caller alone; SQL errors raised as ``StorageError``."""
        async with self.lock:
            conn = self.require()  # under the lock: check_file may have swapped it
            try:
                yield conn
            except sqlite3.Error as exc:
                raise StorageError(f"{self.path}: {exc}") from exc

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Like :meth:`reading`, inside ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on any error)."""
        async with self.lock:
            conn = self.require()
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    await conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        await conn.rollback()
                    raise
            except sqlite3.Error as exc:
                raise StorageError(f"{self.path}: {exc}") from exc

    async def dicts(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows of ``sql`` as dicts by column name."""
        async with self.reading() as conn, conn.execute(sql, params) as cur:
            names = [d[0] for d in cur.description]
            rows = await cur.fetchall()
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: "ok", or the problems found, one a line."""
        async with self.reading() as conn:
            rows = await conn.execute_fetchall("PRAGMA integrity_check")
        return "\n".join(str(r[0]) for r in rows)

    def backup_target(self, dest: str | Path) -> Path:
        """``dest`` as a path, refused when it is the database itself."""
        dest = Path(dest)
        if dest.resolve() == self.path.resolve():
            raise StorageError(f"the backup destination {dest} is the database itself")
        return dest

    async def backup(self, dest: Path) -> None:
        """A consistent copy at ``dest`` (SQLite online backup), written next to it and renamed into place."""
        async with self.reading() as conn:
            await self._copy(conn, dest)

    async def _copy(self, conn: aiosqlite.Connection, dest: Path) -> None:
        """Back up ``conn`` to ``dest`` (the caller holds ``lock``)."""
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the directory for the backup {dest}: {exc.strerror or exc}") from None
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        try:
            target = sqlite3.connect(tmp, check_same_thread=False)
            try:
                await conn.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                target.close()
            tmp.replace(dest)
        except (sqlite3.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"cannot back up {self.path} to {dest}: {exc}") from None


def read_schema_version(path: Path, timeout: float) -> int:
    """The schema version of the existing database file at ``path``, opened read-write but never created
    (for ``treaty-bot health``). Reads the catalogue too, so a file that is not a database fails here;
    raises ``sqlite3.Error``."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=timeout)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()
    return version

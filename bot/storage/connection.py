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
    """The connection to the database at ``path``: ``await open()`` before use, ``await close()`` after."""

    def __init__(self, path: Path, busy_timeout: float) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.conn: aiosqlite.Connection | None = None
        self.lock = asyncio.Lock()  # one user of the connection (and its transaction) at a time

    @property
    def is_open(self) -> bool:
        return self.conn is not None

    async def open(self) -> None:
        """Connect (creating the file and its directory if needed), set up and migrate."""
        where = str(self.path)
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
        self.conn = conn
        self.lock = asyncio.Lock()  # asyncio primitives bind to the loop they are first awaited in

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
            raise StorageError(f"the database {self.path} is not open")
        return self.conn

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, to this caller alone; SQL errors raised as ``StorageError``."""
        conn = self.require()
        async with self.lock:
            try:
                yield conn
            except sqlite3.Error as exc:
                raise StorageError(f"{self.path}: {exc}") from exc

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Like :meth:`reading`, inside ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on any error)."""
        conn = self.require()
        async with self.lock:
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
                async with self.reading() as conn:
                    await conn.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            finally:
                target.close()
            tmp.replace(dest)
        except StorageError:
            tmp.unlink(missing_ok=True)
            raise
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

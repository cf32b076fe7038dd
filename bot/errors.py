"""Exceptions shared by the core and the command line (no heavy imports here)."""

from __future__ import annotations


class StorageError(RuntimeError):
    """The database cannot be opened, read or written; the message names the file."""

"""The workshop's append-only command log in SQLite: committed (WAL, synchronous=FULL) before it is acknowledged."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterator

LOG_FILE = "workshop.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY,       -- order of acceptance; never rewritten, never deleted
    at REAL NOT NULL,              -- server wall time when accepted (timers replay from it)
    command TEXT NOT NULL          -- the command as JSON
);
CREATE TABLE IF NOT EXISTS alive (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at REAL NOT NULL               -- last time the server was known to be running
);
"""


class LogError(Exception):
    """A workshop folder that cannot be used, with one sentence saying why."""


class CommandLog:
    """One SQLite file per workshop. Appends commit with synchronous=FULL, so an acknowledged
    command survives kill -9 and power loss."""

    def __init__(self, folder: str | Path, create: bool = False):
        self.folder = Path(folder)
        self.path = self.folder / LOG_FILE
        if create:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                raise LogError(f"{self.folder}: already holds a workshop; choose another folder")
        elif not self.path.is_file():
            raise LogError(f"{self.folder}: no workshop here (create one with `gridlock workshop new {self.folder}`)")
        self.lock = threading.Lock()  # the server commits from a worker thread
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise LogError(f"{self.path}: not a workshop log ({e})") from None

    def append(self, command: dict[str, Any]) -> int:
        """Commit one command; returns its sequence number. Raises if the disk refuses."""
        text = json.dumps(command, separators=(",", ":"), allow_nan=True)  # a scenario may hold inf
        with self.lock, self.db:  # BEGIN … COMMIT; the commit is fsynced before we return
            self.db.execute("BEGIN IMMEDIATE")
            cur = self.db.execute("INSERT INTO log (at, command) VALUES (?, ?)", (float(command["at"]), text))
        return int(cur.lastrowid)

    def append_many(self, commands: list[dict[str, Any]]) -> None:
        """Commit several commands in one transaction: one fsync for all (group commit)."""
        rows = [(float(c["at"]), json.dumps(c, separators=(",", ":"), allow_nan=True)) for c in commands]
        with self.lock, self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT INTO log (at, command) VALUES (?, ?)", rows)

    def commands(self) -> Iterator[dict[str, Any]]:
        for seq, text in self.db.execute("SELECT seq, command FROM log ORDER BY seq"):
            try:
                yield json.loads(text)
            except json.JSONDecodeError:
                raise LogError(f"{self.path}: log entry {seq} is corrupt") from None

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM log").fetchone()[0])

    def mark_alive(self, at: float | None = None) -> None:
        with self.lock, self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT INTO alive (id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at", (time.time() if at is None else at,))

    def last_alive(self) -> float | None:
        row = self.db.execute("SELECT MAX(at) FROM (SELECT at FROM alive UNION ALL SELECT MAX(at) FROM log)").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def close(self) -> None:
        self.db.close()

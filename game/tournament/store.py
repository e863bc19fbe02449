"""The results store: one SQLite file (WAL), written only by the parent, one transaction per batch."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import quote

from . import TournamentError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own locking alone guards the writes
    fcntl = None  # type: ignore[assignment]

# The contract with `gridlock report`: tables and columns may be added, never changed.
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS games(
    idx INTEGER PRIMARY KEY,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK(status IN ('ok','error')),
    quarters INTEGER,
    seats TEXT NOT NULL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS results(
    idx INTEGER NOT NULL,
    company TEXT NOT NULL,
    seat INTEGER NOT NULL,
    agent TEXT NOT NULL,
    archetype TEXT NOT NULL,
    score REAL NOT NULL,
    rank INTEGER NOT NULL,
    bankrupt INTEGER NOT NULL,
    equity_musd REAL NOT NULL,
    PRIMARY KEY(idx, company)
);
"""

# What a worker sends back for one game: the games row and its results rows.
GameRow = tuple[int, int, str, "int | None", str, "str | None"]  # idx, seed, status, quarters, seats, error
ResultRow = tuple[int, str, int, str, str, float, int, int, float]


def canonical_json(x: Any) -> str:
    return json.dumps(x, sort_keys=True, separators=(",", ":"))


class Store(sqlite3.Connection):
    """The tournament's connection to its results file, holding the file's writer lock (flock, so
    a killed writer's lock goes with it) until it is closed."""

    path = ""
    lock_fd: int | None = None

    def close(self) -> None:
        super().close()
        if self.lock_fd is not None:  # only now: closing another descriptor of the file earlier would drop SQLite's own locks
            os.close(self.lock_fd)
            self.lock_fd = None

    def __del__(self) -> None:  # a connection dropped without close() must not keep the file locked
        if self.lock_fd is not None:
            try:
                self.close()
            except sqlite3.Error:
                pass


def store_error(e: sqlite3.Error | OSError, path: str | Path) -> TournamentError:
    """A store failure named for people: who else is writing, a read-only place, a full disk,
    each with what to do next; the games stored so far are always kept."""
    code = getattr(e, "sqlite_errorcode", 0) & 0xFF
    errno_ = getattr(e, "errno", None)
    text = str(e).lower()
    if code in (5, 6) or isinstance(e, sqlite3.IntegrityError) or "locked" in text:  # SQLITE_BUSY, SQLITE_LOCKED
        return TournamentError(f"{path} is being written by another gridlock tournament (or was just now): wait for that run to end, then --resume; or use another --db")
    if code == 8 or errno_ in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in text or "read-only" in text:  # SQLITE_READONLY
        return TournamentError(f"{path} cannot be written here (a read-only file, folder or mount): copy it somewhere writable and continue there with --resume, or choose another --db; `gridlock report` can still read it")
    if code == 13 or errno_ in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text:  # SQLITE_FULL
        return TournamentError(f"the disk holding {path} is full: the games stored so far are kept; free some space and continue with --resume")
    return TournamentError(f"{path}: the results database failed ({e}); the games stored so far are kept: continue with --resume")


def connect(path: str | Path) -> sqlite3.Connection:
    """The results file, opened for writing by this run alone (TournamentError if another run writes it)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise store_error(e, path) from None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise TournamentError(f"{path} is being written by another gridlock tournament that is still running: wait for it to end (then --resume continues it), or use another --db") from None
    except OSError:  # a file system without flock: SQLite's own locking still guards the writes
        pass
    try:
        db = sqlite3.connect(str(path), isolation_level=None, factory=Store)  # transactions are explicit
        db.path, db.lock_fd = str(path), fd
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a committed batch survives a killed process
        db.executescript(SCHEMA)
    except sqlite3.DatabaseError as e:
        try:
            db.close()
        except (NameError, sqlite3.Error):
            os.close(fd)
        if isinstance(e, sqlite3.OperationalError):
            raise store_error(e, path) from None
        raise TournamentError(f"{path}: cannot open it as a results database ({e})") from None
    return db


def meta(db: sqlite3.Connection) -> dict[str, str]:
    return dict(db.execute("SELECT key, value FROM meta"))


def open_store(path: str | Path, config: Mapping[str, Any], extra_meta: Mapping[str, str], resume: bool) -> sqlite3.Connection:
    """A store for this configuration: new, or (with resume) one made by exactly the same run."""
    path = Path(path)
    existed = path.exists() and path.stat().st_size > 0
    if existed and not resume:
        raise TournamentError(f"{path} already exists: pass --resume to continue that run, or choose another --db")
    db = connect(path)
    try:
        return _checked(db, path, config, extra_meta, existed)
    except BaseException:
        db.close()
        raise


def _checked(db: sqlite3.Connection, path: Path, config: Mapping[str, Any], extra_meta: Mapping[str, str], existed: bool) -> sqlite3.Connection:
    have = meta(db)
    want = canonical_json(config)
    if have.get("config") is None:
        if existed and db.execute("SELECT COUNT(*) FROM games").fetchone()[0]:
            raise TournamentError(f"{path}: holds games but no tournament configuration; not a results database of this version")
        try:
            with transaction(db):
                db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [("config", want), *extra_meta.items()])
        except sqlite3.Error as e:
            raise store_error(e, path) from None
        return db
    if have["config"] != want:
        old = json.loads(have["config"])
        diff = [k for k in sorted(set(old) | set(config)) if old.get(k) != config.get(k)]
        shown = "; ".join(f"{k}: stored {old.get(k)!r}, now {config.get(k)!r}" for k in diff[:4])
        raise TournamentError(f"{path} was made by a different tournament, so it cannot be resumed with these settings ({shown}); use the original settings or another --db")
    if have.get("engine_version") != extra_meta.get("engine_version"):
        raise TournamentError(f"{path} was made by Gridlock {have.get('engine_version')}; this is {extra_meta.get('engine_version')}, whose games may differ: use another --db")
    return db


class transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, *_):
        if not kind:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:  # (SQLite may have rolled back already, e.g. on a full disk)
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        return False


def done_indices(db: sqlite3.Connection) -> set[int]:
    return {i for (i,) in db.execute("SELECT idx FROM games")}


def write_batch(db: sqlite3.Connection, games: Sequence[GameRow], results: Iterable[ResultRow]) -> None:
    """Store a batch of finished games atomically: all of its rows or none."""
    try:
        with transaction(db):
            db.executemany("INSERT INTO games(idx, seed, status, quarters, seats, error) VALUES (?, ?, ?, ?, ?, ?)", games)
            db.executemany("INSERT INTO results(idx, company, seat, agent, archetype, score, rank, bankrupt, equity_musd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", results)
    except sqlite3.Error as e:
        raise store_error(e, getattr(db, "path", "") or "the results database") from None


def _round(x: Any) -> Any:
    return float(f"{x:.9g}") if isinstance(x, float) else x


def open_existing(path: str | Path) -> sqlite3.Connection:
    """A connection for reading a store that must already exist (never creates an empty one).
    Not `mode=ro`: a read-only last connection could not tidy the WAL files away on close."""
    try:
        return sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=rw", uri=True)
    except sqlite3.Error as e:
        raise TournamentError(f"{path}: cannot open the results database ({e})") from None


def results_digest(path: str | Path) -> str:
    """sha256 over every games and results row in index/company order, floats to 9 significant
    digits: equal for two runs exactly when they stored the same outcomes."""
    db = open_existing(path)
    try:
        h = hashlib.sha256()
        for row in db.execute("SELECT idx, seed, status, quarters, seats, error IS NOT NULL FROM games ORDER BY idx"):
            h.update(("G" + canonical_json(list(row)) + "\n").encode())
        for row in db.execute("SELECT idx, company, seat, agent, archetype, score, rank, bankrupt, equity_musd FROM results ORDER BY idx, company"):
            h.update(("R" + canonical_json([_round(v) for v in row]) + "\n").encode())
        return h.hexdigest()
    finally:
        db.close()

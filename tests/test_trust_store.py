"""Store errors are named, each with what to do next: another writer, a read-only place, a full disk;
no traceback, the games stored so far kept, and `report` reads a finished results file on a
read-only mount. The mount tests need root (a tmpfs or a read-only bind mount) and skip without it."""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from game.tournament import TournamentError
from game.tournament.store import connect, write_batch

from trust_helpers import env, gridlock, wait_for

GAMES = ["--scenario", "tutorial", "--workers", "1"]


def stored(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM games").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        con.close()


def digest(output: str) -> str:
    return re.search(r"results digest: (\w+)", output).group(1)


def test_a_second_run_on_a_results_file_still_being_written_is_refused_by_name(tmp_path):
    db = tmp_path / "r.sqlite"
    first = subprocess.Popen([sys.executable, "-m", "game", "tournament", *GAMES, "--games", "100000", "--batch-size", "1", "--db", str(db)],
                             cwd=tmp_path, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: db.exists() and stored(db) >= 2, timeout=180)
        second = gridlock("tournament", *GAMES, "--games", "100000", "--batch-size", "1", "--db", str(db), "--resume", cwd=tmp_path)
        assert second.returncode == 2, second.stderr
        assert "Traceback" not in second.stderr and "IntegrityError" not in second.stderr
        assert "being written by another gridlock tournament that is still running" in second.stderr
        assert first.poll() is None  # the first run was not disturbed
    finally:
        first.kill()
        first.wait(60)
    # the writer is gone (killed -9: its lock went with it): the file may be written again
    connect(db).close()


def test_a_full_disk_is_named_as_such_like_a_read_only_file(tmp_path):
    """Without a mount: the same SQLite errors, made by a page limit and a read-only file."""
    db = connect(tmp_path / "r.sqlite")
    db.execute("PRAGMA max_page_count = 8")  # SQLite's own 'database or disk is full' past this
    rows = [(i, 1, "ok", 8, "{}", None) for i in range(5000)]
    with pytest.raises(TournamentError, match="is full: the games stored so far are kept; free some space and continue with --resume"):
        write_batch(db, rows, [])
    db.close()


@contextlib.contextmanager
def mounted(kind: str, where: Path, source: Path | None = None):
    where.mkdir(exist_ok=True)
    if kind == "tmpfs":
        cmd = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)]
    else:
        cmd = ["mount", "--bind", str(source), str(where)]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        pytest.skip("cannot mount here (needs root)")
    try:
        if kind == "ro" and subprocess.run(["mount", "-o", "remount,bind,ro", str(where)], capture_output=True).returncode != 0:
            pytest.skip("cannot remount read-only here")
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_a_full_disk_stops_the_run_with_a_named_error_and_resume_finishes_it_exactly(tmp_path):
    whole = gridlock("tournament", *GAMES, "--games", "300", "--db", str(tmp_path / "whole.sqlite"), cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    with mounted("tmpfs", tmp_path / "small") as small:
        db = small / "r.sqlite"
        full = gridlock("tournament", *GAMES, "--games", "300", "--db", str(db), cwd=small)
        assert full.returncode == 2, full.stderr
        assert "Traceback" not in full.stderr and "the disk holding" in full.stderr and "is full" in full.stderr
        subprocess.run(["mount", "-o", "remount,size=16m", str(small)], check=True)  # the disk is grown
        done = gridlock("tournament", *GAMES, "--games", "300", "--db", str(db), "--resume", cwd=small)
        assert done.returncode == 0, done.stderr
        assert digest(done.stdout) == digest(whole.stdout)


def test_a_read_only_mount_is_named_and_report_still_reads_a_finished_file(tmp_path):
    rw = tmp_path / "rw"
    rw.mkdir()
    r = gridlock("tournament", *GAMES, "--games", "6", "--db", str(rw / "done.sqlite"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    shutil.copy(rw / "done.sqlite", rw / "partial.sqlite")
    con = sqlite3.connect(rw / "partial.sqlite")
    con.execute("DELETE FROM games WHERE idx >= 3")  # as a run killed after three games left it
    con.commit()
    con.close()
    with mounted("ro", tmp_path / "ro", rw) as ro:
        resumed = gridlock("tournament", *GAMES, "--games", "6", "--db", str(ro / "partial.sqlite"), "--resume", cwd=tmp_path)
        assert resumed.returncode == 2, resumed.stderr
        assert "Traceback" not in resumed.stderr and "cannot be written here (a read-only file, folder or mount)" in resumed.stderr
        report = gridlock("report", str(ro / "done.sqlite"), cwd=tmp_path)
        assert report.returncode == 0, report.stderr
        assert "not a Gridlock results database" not in report.stderr and report.stdout.strip()

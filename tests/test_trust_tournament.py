"""A tournament's processes die with it, and a runaway game cannot hang it.

kill -9 of the tournament leaves no worker, fork server or resource tracker behind, so
`gridlock tournament … | tee log` ends; `--game-timeout` stores a runaway game as an error row
and replaces its worker; the games stored before a kill are kept and --resume finishes the run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from trust_helpers import alive, descendants, env, gridlock, wait_for

LOOP = '''
class Loop:
    """An agent stuck in a loop from its second quarter on."""
    def __init__(self, seed, **params):
        self.name = "loop"
    def decide(self, view):
        while view.quarter >= 1:
            pass
        return []
'''


def test_kill_9_of_a_tournament_leaves_no_process_and_its_pipe_ends(tmp_path):
    db = tmp_path / "r.sqlite"
    tournament = f"{sys.executable} -m game tournament --scenario tutorial --games 400 --workers 2 --batch-size 2 --db {db}"
    shell = subprocess.Popen(["sh", "-c", f"{tournament} | cat > {tmp_path / 'log'}"], cwd=tmp_path, env=env(), stderr=subprocess.DEVNULL)
    try:
        def running():
            kids = [p for p in descendants(shell.pid) if b"tournament" in Path(f"/proc/{p}/cmdline").read_bytes()]
            return kids and len(descendants(kids[0])) >= 2 and db.exists() and kids[0]

        parent = wait_for(running, timeout=180)
        assert parent, "the tournament did not start its workers"
        assert wait_for(lambda: _stored(db) >= 4, timeout=180)  # games are being stored
        below = descendants(parent)
        assert len(below) >= 2  # two workers (and a resource tracker)
        os.kill(parent, signal.SIGKILL)  # kill -9: no handler runs, no cleanup code
        assert shell.wait(timeout=60) is not None  # `| cat` saw the end of its input: nobody holds the pipe
        assert wait_for(lambda: alive(below) == [], timeout=30), alive(below)
    finally:
        if shell.poll() is None:
            shell.kill()
    kept = _stored(db)
    r = gridlock("tournament", "--scenario", "tutorial", "--games", "400", "--workers", "2", "--batch-size", "2", "--db", str(db), "--resume", cwd=tmp_path, timeout=900)
    assert r.returncode == 0, r.stderr
    assert kept >= 4 and _stored(db) == 400
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM games WHERE status = 'error'").fetchone()[0] == 0


def _stored(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute("SELECT COUNT(*) FROM games").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_a_runaway_game_is_stored_as_an_error_and_its_worker_replaced(tmp_path):
    (tmp_path / "loop.py").write_text(LOOP)
    db = tmp_path / "r.sqlite"
    p = subprocess.Popen(
        [sys.executable, "-m", "game", "tournament", "--scenario", "tutorial", "--agents", "./loop.py:Loop,hyperscaler,neocloud", "--games", "3",
         "--workers", "2", "--batch-size", "3", "--game-timeout", "5", "--db", str(db)],
        cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err
    rows = sqlite3.connect(db).execute("SELECT idx, status, error FROM games ORDER BY idx").fetchall()
    assert [r[:2] for r in rows] == [(0, "error"), (1, "error"), (2, "error")]
    assert all("--game-timeout 5 s" in r[2] and "worker replaced" in r[2] for r in rows)
    assert "3 errors" in out


def test_game_timeout_needs_worker_processes(tmp_path):
    r = gridlock("tournament", "--scenario", "tutorial", "--games", "2", "--workers", "0", "--game-timeout", "5", "--db", str(tmp_path / "r.sqlite"), cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--game-timeout needs worker processes" in r.stderr

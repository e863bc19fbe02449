"""No process outlives its game, and a bot sees only the protocol.

Every test here runs the real `gridlock` command with real bot processes and counts the processes
that carry a unique marker in their command line before and after: a bot's setsid child and a
double-forked daemon die with the game; SIGINT, SIGTERM and SIGHUP stop a game with a hung bot
cleanly; kill -9 of Gridlock itself takes the bot's whole tree with it. A bot runs in a private
directory with a scrubbed environment, cannot read a rival's log mid-game, and finds the game
seed in no ancestor's command line or environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from trust_helpers import REPO, env, processes_with, wait_for

# A bot that plays empty orders. argv: MODE MARKER OUT LOGDIR SEED. Modes:
#  spawn - in its first quarter it starts a setsid child and a double-forked daemon (both sleep)
#  hang  - as spawn, then never answers again
#  spy   - records what it can see: environment, directory, ancestors' command lines and
#          environments, and the rivals' logs; writes that to OUT as JSON at its third quarter
#  chat  - writes a secret to stderr (the rival whose log the spy looks for)
BOT = r'''
import json, os, subprocess, sys, time
mode, marker, out, logdir, seed = sys.argv[1:6]
sleeper = [sys.executable, "-c", "import time; time.sleep(3600)", marker]

def spawn():
    subprocess.Popen(sleeper, start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:  # the classic daemon: fork, setsid, fork, and the middle one exits
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, sleeper)
        os._exit(0)

def ancestors():
    seen, pid = [], os.getppid()
    while pid > 1:
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
            environ = open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace")
            seen.append({"pid": pid, "cmdline": cmd, "environ": environ})
            pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        except OSError as e:
            seen.append({"pid": pid, "error": str(e)})
            break
    return seen

def logs():
    found = {}
    for root, _, files in os.walk(logdir):
        for f in files:
            try:
                found[f] = open(os.path.join(root, f), errors="replace").read()
            except OSError as e:
                found[f] = "unreadable: " + str(e)
    return found

hello = json.loads(sys.stdin.readline())
n = 0
for line in sys.stdin:
    msg = json.loads(line)
    if msg["type"] != "view":
        break
    n += 1
    if n == 1 and mode in ("spawn", "hang"):
        spawn()
        open(out, "w").write("spawned")
    if n == 1 and mode == "chat":
        sys.stderr.write("RIVAL-SECRET-" + marker + "\n"); sys.stderr.flush()
    if n == 2 and mode == "hang":
        time.sleep(3600)
    if n == 3 and mode == "spy":
        json.dump({"env": dict(os.environ), "cwd": os.getcwd(), "ancestors": ancestors(), "logs": logs(), "uid": os.getuid()}, open(out, "w"))
    print(json.dumps({"type": "orders", "company": msg["company"], "quarter": msg["quarter"], "orders": []}), flush=True)
'''


@pytest.fixture
def marker() -> str:
    return f"gridlock-trust-{uuid.uuid4().hex}"


@pytest.fixture
def bot(tmp_path: Path):
    script = tmp_path / "bot.py"
    script.write_text(BOT)

    def seat(company: str, mode: str, marker: str, seed: str = "0") -> str:
        words = [sys.executable, str(script), mode, marker, str(tmp_path / f"{company}.out"), str(tmp_path / "bot-logs"), seed]
        return f"{company}=cmd:" + " ".join(words)

    return seat


def _interruptible() -> None:
    # Ctrl-C must reach gridlock as it does in a terminal. A process started in the background
    # by a non-interactive shell (a CI step, `make test &`) inherits SIGINT ignored, and Python
    # then leaves it ignored, as it should: the test sets up the terminal's case itself.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def gridlock_process(*args: str, cwd: Path, **extra_env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "game", *args], cwd=cwd, env=env(**extra_env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_interruptible)


def test_a_bots_setsid_child_and_double_forked_daemon_die_with_the_game(tmp_path, bot, marker):
    assert processes_with(marker) == []
    p = gridlock_process("run", "--scenario", "tutorial", "--seat", bot("nebula", "spawn", marker), cwd=tmp_path)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    assert (tmp_path / "nebula.out").read_text() == "spawned"  # the bot did start both
    assert wait_for(lambda: processes_with(marker) == [], timeout=30), processes_with(marker)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGHUP, 128 + signal.SIGHUP)])
def test_a_signal_stops_a_game_with_a_hung_bot_and_every_process_it_started(tmp_path, bot, marker, sig, code):
    p = gridlock_process("run", "--scenario", "tutorial", "--bot-timeout", "3000", "--seat", bot("nebula", "hang", marker), cwd=tmp_path)
    try:
        # the bot process, its setsid child and its daemon: three with the marker
        assert wait_for(lambda: len(processes_with(marker)) >= 3, timeout=120), (processes_with(marker), p.poll())
        p.send_signal(sig)
        out, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == code, err
    assert "Traceback" not in err
    assert wait_for(lambda: processes_with(marker) == [], timeout=30), processes_with(marker)


def test_kill_9_of_gridlock_takes_the_bots_whole_tree_with_it(tmp_path, bot, marker):
    p = gridlock_process("run", "--scenario", "tutorial", "--bot-timeout", "3000", "--seat", bot("nebula", "hang", marker), cwd=tmp_path)
    try:
        assert wait_for(lambda: len(processes_with(marker)) >= 3, timeout=120), processes_with(marker)
        p.kill()
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert wait_for(lambda: processes_with(marker) == [], timeout=30), processes_with(marker)


SEED = "918273645"


@pytest.fixture
def spied(tmp_path, bot, marker) -> dict:
    """What a bot could see during a game: it plays nebula, a chatty rival plays aurora."""
    p = gridlock_process(
        "run", "--scenario", "tutorial", "--seed", SEED, "--json",
        "--seat", bot("nebula", "spy", marker), "--seat", bot("aurora", "chat", marker),
        cwd=tmp_path, GRIDLOCK_TRUST_TEST_SECRET="hunter2",
    )
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    assert json.loads(out)["seed"] == int(SEED)  # the game did use the seed it was given
    return json.loads((tmp_path / "nebula.out").read_text())


def test_a_bot_runs_in_a_private_directory_with_a_scrubbed_environment(spied, tmp_path):
    from game.agents.external import BOT_ENVIRONMENT

    assert Path(spied["cwd"]) != tmp_path and Path(spied["cwd"]).name.startswith("gridlock-bot-nebula-")
    assert set(spied["env"]) <= set(BOT_ENVIRONMENT) | {"HOME", "TMPDIR"}
    assert spied["env"]["HOME"] == spied["cwd"]
    assert "hunter2" not in json.dumps(spied["env"])
    assert not Path(spied["cwd"]).exists()  # removed when the game ended


def test_a_bot_cannot_read_a_rivals_log_during_the_game(spied, tmp_path, marker):
    assert not any(f"RIVAL-SECRET-{marker}" in text for text in spied["logs"].values()), spied["logs"]
    log = tmp_path / "bot-logs" / "aurora.log"
    assert f"RIVAL-SECRET-{marker}" in log.read_text()  # written once the game was over
    assert log.stat().st_mode & 0o077 == 0  # and for its owner only


def test_the_game_seed_is_in_no_command_line_or_environment_a_bot_can_read(spied):
    assert len(spied["ancestors"]) >= 2  # its keeper, Gridlock, and on up
    for a in spied["ancestors"]:
        assert SEED not in a.get("cmdline", "") and SEED not in a.get("environ", ""), a.get("cmdline")


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/python3").exists(), reason="dropping bots to another user needs root (and a python3 every user may run)")
def test_as_root_bots_can_be_dropped_to_an_unprivileged_user(tmp_path, marker):
    import pwd
    import shutil
    import tempfile

    nobody = pwd.getpwnam("nobody").pw_uid
    shared = Path(tempfile.mkdtemp(prefix="gridlock-trust-"))  # pytest's folders are root's alone
    try:
        shared.chmod(0o777)
        (shared / "bot.py").write_text(BOT)
        (shared / "bot.py").chmod(0o644)
        seat = f"nebula=cmd:/usr/bin/python3 {shared / 'bot.py'} spy {marker} {shared / 'nebula.out'} {shared / 'bot-logs'} 0"
        p = gridlock_process("run", "--scenario", "tutorial", "--bot-user", "nobody", "--seat", seat, cwd=tmp_path)
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert json.loads((shared / "nebula.out").read_text())["uid"] == nobody
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_bot_user_is_refused_cleanly_when_it_cannot_be_done(tmp_path):
    p = gridlock_process("run", "--scenario", "tutorial", "--bot-user", "no-such-user-here", cwd=tmp_path)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 2 and "Traceback" not in err and "--bot-user: no user 'no-such-user-here'" in err

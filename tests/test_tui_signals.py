"""`gridlock play` in a real terminal ends on SIGTERM, and when its terminal hangs up.

Before, the command's signal handler raised an exception that asyncio swallows when it lands
while a callback runs: the game lived on after its terminal closed, spinning on it.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX terminal (pty)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def in_a_terminal(args: list[str], shown: bytes):
    """Start `gridlock ARGS` on a new pseudo-terminal; return (pid, terminal fd) once `shown` is drawn."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, with the pty as its controlling terminal
        env = dict(os.environ, PYTHONPATH=ROOT, TERM="xterm-256color", COLUMNS="120", LINES="40")
        os.execve(sys.executable, [sys.executable, "-m", "game", *args], env)
    seen, deadline = b"", time.monotonic() + 60
    while shown not in seen:
        assert time.monotonic() < deadline, f"{shown!r} never appeared:\n{seen[-2000:]!r}"
        if select.select([fd], [], [], 0.5)[0]:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return pid, fd


def play_in_a_terminal(saves):
    """`gridlock play` on a new pseudo-terminal, once the dashboard is drawn."""
    return in_a_terminal(["play", "--scenario", "baseline", "--seed", "1", "--saves-dir", str(saves)], b"Regions")


def wait_exit(pid, fd=None, seconds: float = 20) -> tuple[int | None, bytes]:
    """The exit status (None if still running after `seconds`) and what it wrote meanwhile."""
    deadline, out = time.monotonic() + seconds, b""
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), out
        if fd is not None and select.select([fd], [], [], 0.05)[0]:
            try:
                out += os.read(fd, 65536)
            except OSError:
                fd = None
        else:
            time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None, out


def test_sigterm_ends_the_game_and_puts_the_terminal_back(tmp_path):
    pid, fd = play_in_a_terminal(tmp_path)
    try:
        os.kill(pid, signal.SIGTERM)
        code, out = wait_exit(pid, fd)
        assert code == 128 + signal.SIGTERM
        assert b"\x1b[?1049l" in out, "the terminal leaves the alternate screen: the shell is back as it was"
    finally:
        os.close(fd)


def test_a_closed_terminal_ends_the_game_and_keeps_it_for_a_restart(tmp_path):
    pid, fd = play_in_a_terminal(tmp_path)
    os.close(fd)  # the terminal window closes: the kernel hangs up the game's session
    assert wait_exit(pid)[0] == 128 + signal.SIGHUP
    assert list(tmp_path.glob("*.json")), "the autosave is there to continue from"


@pytest.mark.parametrize("command", ["join", "facilitate"])
def test_a_closed_terminal_ends_the_workshop_clients_too(command):
    # No server answers on port 9: the client shows its code screen (or its error) and waits.
    # Its terminal closing must end it, not leave it spinning on a dead terminal.
    pid, fd = in_a_terminal([command, "http://127.0.0.1:9"], b"127.0.0.1:9")
    os.close(fd)
    assert wait_exit(pid)[0] == 128 + signal.SIGHUP

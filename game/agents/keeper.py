"""A bot's keeper: starts the bot in its own session and, when the bot ends, is told to stop, or
Gridlock dies, kills every process the bot started, however it hid (setsid, double fork).

Run by agents/external.py as `python -I -S keeper.py PARENT_PID UID GID -- ARGV...` with the
bot's pipes as its stdin, stdout and stderr, its private directory as the working directory and
its scrubbed environment. Standard library only, and nothing from the game: it must start fast
and see nothing the bot may not. On Linux it is a child subreaper (prctl PR_SET_CHILD_SUBREAPER),
so every orphan in the bot's tree is re-parented to it rather than to init, and its descendants
are exactly the bot's processes. Elsewhere it kills the bot's process group (session) only: a
process that leaves it escapes (docs/bot-protocol.md says so).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
POLL_S = 0.2  # how often it checks that Gridlock is still alive (a signal wakes it at once)


class _Wake(Exception):
    def __init__(self, signum: int):
        self.signum = signum


def _on_signal(signum, _frame):
    raise _Wake(signum)


def become_subreaper() -> bool:
    """Orphans among this process's descendants come to it, not to init (Linux 3.4+)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def descendants(root: int) -> list[int]:
    """Every live process below `root`, read from /proc (empty where there is no /proc)."""
    children: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                after = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(after[1]), []).append(int(name))
    out, todo = [], [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            out.append(pid)
            todo.append(pid)
    return out


def alive(pids: list[int]) -> list[int]:
    """Those of `pids` still running (zombies count as gone): read from /proc."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(pid)
    return out


def kill_tree(bot_pid: int) -> None:
    """Kill the bot's session and every descendant of this keeper, and reap them, until none is
    left (a process forking meanwhile is re-parented here and caught on the next pass)."""
    for _ in range(500):
        try:
            os.killpg(bot_pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        left = descendants(os.getpid())
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        reaped = _reap()
        if not left and not reaped:
            return
        time.sleep(0.01)


def _reap() -> bool:
    any_ = False
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return any_
        if pid == 0:
            return any_
        any_ = True


def main(argv: list[str]) -> int:
    parent, uid, gid = int(argv[0]), int(argv[1]), int(argv[2])
    command = argv[4:]  # argv[3] is "--"
    become_subreaper()
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGCHLD):
        signal.signal(s, _on_signal)
    if os.getppid() != parent:  # Gridlock died before we got going
        return 1
    try:
        drop = {"user": uid, "group": gid, "extra_groups": []} if uid >= 0 else {}
        bot = subprocess.Popen(command, start_new_session=True, close_fds=True, **drop)
    except _Wake:
        return 1
    except (OSError, subprocess.SubprocessError) as e:
        print(f"[gridlock] cannot start {command[0]}: {getattr(e, 'strerror', None) or e}", file=sys.stderr, flush=True)
        return 127
    # the pipes are the bot's now: the keeper holds no end of them, so the bot's end is its end
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    status = None
    try:
        while status is None:
            try:
                pid, st = os.waitpid(bot.pid, os.WNOHANG)
                if pid:
                    status = st
                elif os.getppid() != parent:  # Gridlock is gone: so is the bot
                    break
                else:
                    time.sleep(POLL_S)
            except _Wake as w:
                if w.signum != signal.SIGCHLD:
                    break
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGCHLD})
        kill_tree(bot.pid)
    if status is None:
        return 128 + signal.SIGKILL
    if os.WIFSIGNALED(status):  # die as the bot died, so Gridlock can say what killed it
        sig = os.WTERMSIG(status)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Shared by the tests/test_trust_*.py files: the real `gridlock` command, and counting processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def env(**extra: str) -> dict[str, str]:
    """This checkout's code for the child, whatever is installed in the venv."""
    return {**os.environ, "PYTHONPATH": str(REPO), **extra}


def gridlock(*args: str, cwd: Path, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "game", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env(), **kw)


def processes_with(marker: str) -> list[int]:
    """Pids of live (not zombie) processes whose command line contains `marker`."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and state != "Z" and int(d.name) != os.getpid():
            out.append(int(d.name))
    return out


def wait_for(condition, timeout: float = 60.0, step: float = 0.1):
    """Poll until condition() is truthy (returns it) or the generous timeout passes (returns the last value)."""
    deadline = time.monotonic() + timeout
    value = condition()
    while not value and time.monotonic() < deadline:
        time.sleep(step)
        value = condition()
    return value


def descendants(root: int) -> list[int]:
    """Every live (not zombie) process below `root` (the bot keeper's own walk of /proc)."""
    from game.agents.keeper import descendants as below

    return alive(below(root))


from game.agents.keeper import alive  # noqa: E402  (re-exported for the trust tests)

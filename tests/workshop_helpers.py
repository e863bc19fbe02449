"""Workshop test helpers: a real server on loopback (in a thread, or as a process to kill -9)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from game.scenario import load_scenario
from game.workshop.folder import Workshop, create_workshop
from game.workshop.server import WorkshopServer

REPO = Path(__file__).resolve().parents[1]
TEAMS3 = ["aurora", "corecell", "nebula"]


def new_workshop(folder: Path, teams: list[str] = TEAMS3, agents: dict[str, str] | None = None, seed: int = 11, minutes: float | None = None) -> dict[str, Any]:
    return create_workshop(folder, load_scenario("tutorial"), seed, teams, agents or {}, minutes)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """The real aiohttp server on 127.0.0.1, run in its own thread and event loop."""

    def __init__(self, folder: Path, allow_remote_facilitator: bool = False, failed_codes_per_minute: int = 10):
        self.folder = folder
        self.allow = allow_remote_facilitator
        self.limit = failed_codes_per_minute
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.workshop = Workshop(self.folder)
        self.server = WorkshopServer(self.workshop, self.allow, failed_codes_per_minute=self.limit)
        self.runner = web.AppRunner(self.server.app)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self.started.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.workshop.close()

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        assert self.started.wait(30), "the server did not start"
        return self

    def __exit__(self, *exc: Any) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)

    def room(self):
        """The server's room, read on its own loop's thread (so no request runs meanwhile)."""
        fut = asyncio.run_coroutine_threadsafe(_value(lambda: self.workshop.room), self.loop)
        return fut.result(30)

    def call(self, fn):
        return asyncio.run_coroutine_threadsafe(_value(fn), self.loop).result(30)


async def _value(fn):
    return fn()


class ServerProcess:
    """`gridlock workshop serve` as a child process, to kill -9."""

    def __init__(self, folder: Path, port: int | None = None):
        self.folder = folder
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ServerProcess":
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen([sys.executable, "-m", "game", "workshop", "serve", str(self.folder), "--port", str(self.port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.proc.stdout.read()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start listening")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()

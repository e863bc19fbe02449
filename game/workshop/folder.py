"""A workshop folder: its command log, the room rebuilt from it, and the save written each quarter."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from ..scenario import Scenario
from .room import CommandError, Principal, Room, creation
from .store import CommandLog, LogError

SAVE_NAME = "autosave.json"  # a normal Gridlock save: `gridlock play --load DIR/autosave.json`


def create_workshop(folder: str | Path, spec: Scenario, seed: int, teams: list[str], agents: Mapping[str, str], quarter_minutes: float | None) -> dict[str, Any]:
    """Write a new workshop's log; returns the codes to hand out (they are not stored anywhere)."""
    cmd, plain = creation(spec, seed, teams, dict(agents), quarter_minutes, time.time())
    log = CommandLog(folder, create=True)
    try:
        log.append(cmd)
        Room(cmd, Path(folder)).session.autosave()
    finally:
        log.close()
    return plain


class Workshop:
    """The durable room: apply a command, commit it, then (only then) answer.

    Opening a folder replays its whole log; if the server was down, the downtime is logged as a
    command so the clock resumes with the seconds it had, now and after any later restart."""

    def __init__(self, folder: str | Path, clock: Callable[[], float] = time.time):
        self.folder = Path(folder)
        self.clock = clock
        self.log = CommandLog(self.folder)
        self.room = self._replay()
        last = self.log.last_alive()
        if last is not None and self.log.count() > 1:
            down = max(0.0, self.clock() - last)
            self.submit({"kind": "downtime", "role": "facilitator", "seconds": down})
        self.log.mark_alive(self.clock())
        self.durable_seq = self.room.seq  # events up to here are on disk and may be sent
        self._queue: list[tuple[dict[str, Any], int, asyncio.Future]] = []
        self._committer: asyncio.Future | None = None
        self.on_durable: Callable[[], None] | None = None

    def _replay(self) -> Room:
        try:
            return Room.from_log(self.log.commands(), self.folder)
        except (ValueError, KeyError, TypeError) as e:
            raise LogError(f"{self.log.path}: the log does not replay ({type(e).__name__}: {e})") from None

    def _apply(self, cmd: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """(answer, the command to commit or None for a repeat). Raises CommandError if refused."""
        cmd = {**cmd, "at": self.clock()}
        p = Principal(cmd.get("role", ""), cmd.get("team"))
        again = self.room.would_repeat(p, cmd.get("request_id"))
        if again is not None:
            return again, None
        try:
            return self.room.apply(cmd), cmd
        except CommandError:
            raise
        except Exception:
            self.room = self._replay()  # a fault part-way through a command: the log holds the truth
            raise

    def submit(self, cmd: Mapping[str, Any]) -> dict[str, Any]:
        """Carry out a command and commit it before returning. Raises CommandError if refused."""
        answer, logged = self._apply(cmd)
        if logged is not None:
            try:
                self.log.append(logged)
            except Exception:
                self.room = self._replay()  # not committed, so it did not happen
                raise
        self.durable_seq = self.room.seq
        return answer

    # ---- group commit, for the server ---------------------------------------------------------------
    async def submit_async(self, cmd: Mapping[str, Any]) -> dict[str, Any]:
        """As submit(), but commands that arrive while the disk is busy are committed together,
        in one transaction (one fsync): the answer still waits for its command to be on disk."""
        answer, logged = self._apply(cmd)
        if logged is None:
            return answer
        fut = asyncio.get_running_loop().create_future()
        self._queue.append((logged, self.room.seq, fut))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.ensure_future(self._commit_all())
        await fut
        return answer

    async def _commit_all(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await loop.run_in_executor(None, self.log.append_many, [c for c, _, _ in batch])
            except Exception as e:
                # nothing of this batch, nor what was applied after it, is on disk: undo it all
                later, self._queue = self._queue, []
                self.room = self._replay()
                self.durable_seq = self.room.seq
                for _, _, fut in batch + later:
                    if not fut.done():
                        fut.set_exception(e)
                return
            self.durable_seq = batch[-1][1]
            for _, _, fut in batch:
                if not fut.done():
                    fut.set_result(None)
            if self.on_durable is not None:
                self.on_durable()

    async def alive_async(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.alive)

    def alive(self) -> None:
        self.log.mark_alive(self.clock())

    def close(self) -> None:
        self.log.close()


__all__ = ["Workshop", "create_workshop", "CommandError", "LogError", "SAVE_NAME"]

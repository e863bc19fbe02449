"""A workshop folder: its command log, the room rebuilt from it, and the save written each quarter."""

from __future__ import annotations

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

    def _replay(self) -> Room:
        try:
            return Room.from_log(self.log.commands(), self.folder)
        except (ValueError, KeyError, TypeError) as e:
            raise LogError(f"{self.log.path}: the log does not replay ({type(e).__name__}: {e})") from None

    def submit(self, cmd: Mapping[str, Any]) -> dict[str, Any]:
        """Carry out a command and commit it. Raises CommandError if refused (nothing logged)."""
        cmd = {**cmd, "at": self.clock()}
        p = Principal(cmd.get("role", ""), cmd.get("team"))
        again = self.room.would_repeat(p, cmd.get("request_id"))
        if again is not None:
            return again
        before = self.room.seq
        try:
            answer = self.room.apply(cmd)
        except CommandError:
            raise
        except Exception:
            # a fault part-way through a command: the log still holds the truth
            self.room = self._replay()
            raise
        try:
            self.log.append(cmd)
        except Exception:
            self.room = self._replay()  # not committed, so it did not happen
            raise
        self.new_events = self.room.seq - before
        return answer

    def alive(self) -> None:
        self.log.mark_alive(self.clock())

    def close(self) -> None:
        self.log.close()


__all__ = ["Workshop", "create_workshop", "CommandError", "LogError", "SAVE_NAME"]

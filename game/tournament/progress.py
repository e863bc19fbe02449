"""Progress for people: a rich bar on a terminal, plain periodic lines otherwise (rich imported only here)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _rate_eta(done: int, total: int, start_done: int, t0: float) -> tuple[float, float | None]:
    elapsed = time.perf_counter() - t0
    rate = (done - start_done) / elapsed if elapsed > 0 else 0.0
    return rate, ((total - done) / rate if rate > 0 else None)


class PlainProgress:
    """One line every `every` seconds (and at the end): for logs, pipes and CI."""

    def __init__(self, out: TextIO = sys.stderr, every: float = 5.0, label: str = "tournament"):
        self.out, self.every, self.label = out, every, label

    def start(self, total: int, done: int, errors: int) -> None:
        self.total, self.done, self.errors, self.start_done = total, done, errors, done
        self.t0 = self.last = time.perf_counter()
        if done:
            print(f"{self.label}: resuming at {done}/{total} games already stored", file=self.out, flush=True)

    def advance(self, games: int, errors: int) -> None:
        self.done += games
        self.errors += errors
        if time.perf_counter() - self.last >= self.every:
            self._line()

    def _line(self) -> None:
        self.last = time.perf_counter()
        rate, eta = _rate_eta(self.done, self.total, self.start_done, self.t0)
        eta_text = f"{eta:.0f}s" if eta is not None else "?"
        print(f"{self.label}: {self.done}/{self.total} games, {rate:.1f} games/s, ETA {eta_text}, {self.errors} errors", file=self.out, flush=True)

    def finish(self) -> None:
        self._line()


class RichProgress:
    """A live bar with games done, games/s, ETA and errors."""

    def __init__(self, label: str = "tournament"):
        self.label = label

    def start(self, total: int, done: int, errors: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.errors, self.start_done, self.t0 = errors, done, time.perf_counter()
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.1f} games/s"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("[red]{task.fields[errors]} errors"),
            console=Console(stderr=True),  # stdout stays for the results
        )
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=total, completed=done, rate=0.0, errors=errors)

    def advance(self, games: int, errors: int) -> None:
        self.errors += errors
        done = int(self.bar.tasks[0].completed) + games
        rate, _ = _rate_eta(done, int(self.bar.tasks[0].total or 0), self.start_done, self.t0)
        self.bar.update(self.task, completed=done, rate=rate, errors=self.errors)

    def finish(self) -> None:
        self.bar.stop()


def progress_for(stream: TextIO = sys.stderr, label: str = "tournament"):
    return RichProgress(label) if stream.isatty() else PlainProgress(stream, label=label)

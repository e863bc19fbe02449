"""A tournament from request to stored results: plan the games, farm out batches, store in order, resume."""

from __future__ import annotations

import hashlib
import itertools
import time
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, wait
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol

from attrs import asdict, field, frozen

from .. import __version__
from . import TournamentError
from .executors import Job, Task, open_executor, run_batch
from .schedule import SeatPlan, check_agents, game_seed
from .store import canonical_json, done_indices, open_store, results_digest, write_batch

MAX_BATCH = 16  # ~0.8 s of baseline games: task overhead is negligible and the tail stays short


@frozen
class TournamentConfig:
    """Everything that decides a tournament's results (and nothing that does not, like workers)."""

    scenario: str
    agents: tuple[str, ...]
    games: int
    seed: int = 0
    overrides: tuple[str, ...] = field(default=(), converter=tuple)
    from_save: str | None = None
    human_agent: str | None = None
    seating: str = "random"  # schedule.SEATINGS

    @property
    def job(self) -> Job:
        return Job(self.scenario, self.overrides, self.from_save)


class Progress(Protocol):
    def start(self, total: int, done: int, errors: int) -> None: ...
    def advance(self, games: int, errors: int) -> None: ...
    def finish(self) -> None: ...


class Silent:
    def start(self, total: int, done: int, errors: int) -> None: ...
    def advance(self, games: int, errors: int) -> None: ...
    def finish(self) -> None: ...


@frozen
class Outcome:
    db: Path
    games: int
    played: int  # by this invocation (the rest were already stored)
    errors: int
    seconds: float
    digest: str


def _file_sha256(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as e:
        raise TournamentError(f"{path}: cannot read the save ({e})") from None


class Plan:
    """The checked request: the scenario, who sits where in game idx, and the stored config."""

    def __init__(self, cfg: TournamentConfig):
        from ..agents import REGISTRY
        from ..agents.catalogue import built_in
        from ..saves import SaveError, load_game
        from ..scenario import ScenarioError, load_scenario, scenario_to_dict

        if not 1 <= cfg.games <= 10**9:
            raise TournamentError(f"--games must be between 1 and 10^9, got {cfg.games}")
        self.cfg = cfg
        extra: dict[str, Any] = {}
        if cfg.from_save:
            if cfg.overrides:
                raise TournamentError("--set cannot change the scenario of a save (--from)")
            try:
                game, data = load_game(cfg.from_save)
            except SaveError as e:
                raise TournamentError(str(e)) from None
            if game.finished:
                raise TournamentError(f"{cfg.from_save}: that game is over; a what-if needs a save from before the end")
            self.spec = game.spec
            saved = data.get("seats") if isinstance(data.get("seats"), dict) else {}
            seats = {}
            for cid, c in self.spec.companies.items():
                name = saved.get(cid)
                if isinstance(name, str) and built_in(name) and name != "human":
                    seats[cid] = name  # a built-in agent sat here: it plays on (a person, or code the save names, needs --human-agent)
                elif cfg.human_agent:
                    seats[cid] = cfg.human_agent
                else:
                    raise TournamentError(f"{cfg.from_save}: company {cid} was played by {name or 'a person'}; name an agent to play it with --human-agent")
            check_agents(sorted(set(seats.values())))
            self.fixed_seats: dict[str, str] | None = seats
            # what the run was: the save's own scenario, and the agents that sit in it
            extra = {"scenario": self.spec.source, "agents": sorted(set(seats.values())), "save_sha256": _file_sha256(cfg.from_save), "save_quarter": game.quarter}
        else:
            if cfg.human_agent:
                raise TournamentError("--human-agent only applies to a what-if from a save (--from)")
            try:
                self.spec = load_scenario(cfg.scenario, cfg.overrides)
            except ScenarioError as e:
                raise TournamentError("the scenario has problems:\n" + "\n".join(f"  {p}" for p in e.problems)) from None
            # no agents named: every registered agent that has a seat in this scenario
            agents = cfg.agents or tuple(sorted(a for a, info in REGISTRY.items() if any(info.plays(c.archetype) for c in self.spec.companies.values())))
            self.seat_plan = SeatPlan(self.spec, agents, cfg.seating, cfg.seed)
            self.seat_plan.check_games(cfg.games)
            self.fixed_seats = None
            extra = {"agents": list(agents)}
        body = canonical_json(scenario_to_dict(self.spec))
        self.config = {**asdict(cfg), **extra, "scenario_sha256": hashlib.sha256(body.encode()).hexdigest()}
        self.config = {k: list(v) if isinstance(v, tuple) else v for k, v in self.config.items()}
        self.meta = {"engine_version": __version__, "scenario_name": self.spec.game.name}

    def seats(self, idx: int) -> dict[str, str]:
        return dict(self.fixed_seats) if self.fixed_seats is not None else self.seat_plan.seats(idx)

    def task(self, idx: int) -> Task:
        child = self.seat_plan.seed_index(idx) if self.fixed_seats is None else idx
        return idx, game_seed(self.cfg.seed, child), self.seats(idx)


def batches(todo: Iterable[int], left: int, slots: int, size: int | None = None) -> Iterator[list[int]]:
    """Consecutive chunks of indices, made lazily: `size` each if given, else guided — a
    quarter of a fair share of what is left per slot, at most MAX_BATCH — so batches shrink
    towards the end and no worker sits idle while another finishes a long last batch."""
    it = iter(todo)
    while True:
        n = size or max(1, min(MAX_BATCH, left // (4 * slots)))
        chunk = list(itertools.islice(it, n))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def in_order(executor, slots: int, job: Any, tasks: Iterator[list[Task]], fn=run_batch) -> Iterator[list]:
    """Each batch's results (fn(job, batch)), in submission order, with at most 2 x slots
    batches in flight or waiting; tasks are made only as they are sent, so memory does not
    grow with the games."""
    window = 2 * slots
    running: dict[Any, int] = {}
    finished: dict[int, list] = {}
    submitted = given = 0
    more = True
    while more or running or finished:
        while more and len(running) + len(finished) < window:
            batch = next(tasks, None)
            if batch is None:
                more = False
                break
            running[executor.submit(fn, job, batch)] = submitted
            submitted += 1
        if not running:
            break
        complete, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in complete:
            finished[running.pop(fut)] = fut.result()
        while given in finished:
            yield finished.pop(given)
            given += 1


def run_tournament(
    cfg: TournamentConfig,
    db_path: str | Path,
    *,
    workers: int = 2,
    backend: str = "process",
    address: str | None = None,
    resume: bool = False,
    batch_size: int | None = None,
    progress: Progress | None = None,
    game_timeout_s: float | None = None,
) -> Outcome:
    """Play every game of `cfg` not yet in the store and store it; batches are written in index order."""
    if workers < 0:
        raise TournamentError(f"--workers must be 0 or more, got {workers}")
    plan = Plan(cfg)
    progress = progress or Silent()
    created = not Path(db_path).exists()
    db = open_store(db_path, plan.config, plan.meta, resume)
    played = 0
    try:
        done = done_indices(db)
        todo = (i for i in range(cfg.games) if i not in done)
        left = cfg.games - len(done)
        errors = db.execute("SELECT COUNT(*) FROM games WHERE status = 'error'").fetchone()[0]
        t0 = time.perf_counter()
        if left:
            try:
                with open_executor(backend, workers, address, game_timeout_s) as (executor, slots):
                    progress.start(cfg.games, len(done), errors)
                    try:
                        for out in in_order(executor, slots, cfg.job, ([plan.task(i) for i in b] for b in batches(todo, left, slots, batch_size))):
                            write_batch(db, [g for g, _ in out], [r for _, rows in out for r in rows])  # one transaction
                            bad = sum(1 for g, _ in out if g[2] == "error")
                            errors += bad
                            played += len(out)
                            progress.advance(len(out), bad)
                    finally:
                        progress.finish()
            except BrokenExecutor as e:
                raise TournamentError(f"a worker process died ({e}); the {len(done) + played} games stored so far are kept: continue with --resume") from None
        seconds = time.perf_counter() - t0
    except BaseException:
        db.close()
        if created and played == 0:  # nothing to resume: leave no half-made database behind
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        raise
    db.close()
    return Outcome(Path(db_path), cfg.games, played, errors, seconds, results_digest(db_path))

"""Play batches of games in worker processes: local (concurrent.futures) or Dask, one code path.

A task is (job, batch): the job says what every game shares (scenario, overrides, save,
plug-ins) and is prepared once per worker process; a batch is a few (idx, seed, seats)
triples. A task returns compact rows, never game objects, so pickling stays cheap.
"""

from __future__ import annotations

import copy
import gc
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from multiprocessing.connection import wait
from typing import Any, Iterator, Sequence

from attrs import frozen

from . import TournamentError
from .store import GameRow, ResultRow


@frozen
class Job:
    """What every game of a tournament shares; small, hashable and picklable."""

    scenario: str
    overrides: tuple[str, ...] = ()
    from_save: str | None = None


Task = tuple[int, int, dict[str, str]]  # idx, seed, {company: agent spec}


class Prepared:
    """A job made ready in one process: the scenario loaded once, and for a what-if the saved
    position replayed once; each game then starts from a copy."""

    def __init__(self, job: Job):
        from ..saves import load_game
        from ..scenario import load_scenario

        self.save = job.from_save
        self.positions: dict[str, tuple[Any, dict]] = {}  # seats -> (saved game, agents that watched it)
        if job.from_save:
            self.spec = load_game(job.from_save)[0].spec
        else:
            self.spec = load_scenario(job.scenario, job.overrides)

    def position(self, seats: dict[str, str]) -> tuple[Any, dict]:
        """The saved game replayed with these agents watching, so stateful ones know its past."""
        from ..agents.external import in_process
        from ..runner import seat_agents
        from ..saves import load_game

        key = json.dumps(seats)
        if key not in self.positions:
            game, _ = load_game(self.save)
            agents = seat_agents(game.spec, game.seed, seats)
            game, _ = load_game(self.save, in_process(agents))  # bot processes are not shown the past
            self.spec = game.spec
            self.positions = {key: (game, agents)}
        return self.positions[key]

    def play(self, idx: int, seed: int, seats: dict[str, str]) -> tuple[GameRow, list[ResultRow]]:
        """One game, exactly as `gridlock run` plays it; a game that raises becomes an error row."""
        from ..agents.external import DEFAULT_LOG_DIR, configure_bots
        from ..runner import play, seat_agents

        seats_json = json.dumps(seats, separators=(",", ":"))
        try:
            if self.save is None:
                agents = seat_agents(self.spec, seed, seats)
                # games run side by side: each bot's stderr log goes to its game's own folder
                configure_bots(agents, log_dir=DEFAULT_LOG_DIR / f"game-{idx:06d}")
                _, result = play(self.spec, seed, agents)
            else:  # a what-if: the saved position, its agents, and a new future from `seed`
                game, agents = copy.deepcopy(self.position(seats), {id(self.spec): self.spec})
                game.reseed(seed)
                _, result = play(self.spec, seed, agents, game)
        except (Exception, SystemExit):  # an agent that calls sys.exit() ends its game, not the run
            return (idx, seed, "error", None, seats_json, traceback.format_exc()), []
        order = {cid: i for i, cid in enumerate(self.spec.companies)}
        rows = [
            (idx, r.id, order[r.id], seats[r.id], r.archetype, float(r.score), int(r.rank), int(r.bankrupt), float(r.equity_value_musd))
            for r in result.standings
        ]
        return (idx, seed, "ok", result.quarters_played, seats_json, None), rows


_PREPARED: dict[Job, Prepared] = {}
_GC_YOUNG = 10_000  # allocations between collections of the young generation in a worker


def prepared_for(job: Job) -> Prepared:
    """The job made ready in this process, once: later batches of the same job reuse it."""
    prepared = _PREPARED.get(job)
    if prepared is None:
        _PREPARED.clear()  # one tournament at a time per worker: memory stays flat across a sweep
        gc.unfreeze()  # the last job's objects may go now
        try:
            prepared = _PREPARED[job] = Prepared(job)
        except TournamentError:
            raise
        except Exception as e:  # e.g. a remote worker without the scenario file
            raise TournamentError(f"a worker could not load the tournament's scenario or save: {type(e).__name__}: {e}") from None
        # everything alive now (modules, the scenario, a what-if's position) lives as long as the
        # job: the cyclic collector need not scan it again after every few thousand games' garbage
        gc.collect()
        gc.freeze()
        # a game's garbage is nearly all freed by reference counting; collecting the young
        # generation every 700 allocations (the default) cost ~2% of a game for nothing
        gc.set_threshold(_GC_YOUNG, *gc.get_threshold()[1:])
    return prepared


def run_batch(job: Job, batch: Sequence[Task]) -> list[tuple[GameRow, list[ResultRow]]]:
    """The one task function every backend runs."""
    prepared = prepared_for(job)
    return [prepared.play(idx, seed, seats) for idx, seed, seats in batch]


# ---- the local worker pool ---------------------------------------------------------------------
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCHDOG_S = 0.5  # elsewhere, how often a worker checks that the tournament is still alive


def die_with_parent(parent: int) -> None:
    """End this process when `parent` ends, however it ends (kill -9 included): on Linux the
    kernel sends SIGKILL (PR_SET_PDEATHSIG); everywhere a watchdog thread checks the parent pid.
    Its bots' keepers see it go and kill the bots' processes in turn."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - the watchdog still works
            pass
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _serve(conn, parent: int) -> None:
    """A worker: take (fn, job, batch), say when each game starts and send what fn(job, [game])
    gives for it when it ends (run_batch for a tournament; the research lab's own task function)."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the tournament's to handle; it stops us
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        fn, job, batch = task
        try:
            for game in batch:
                conn.send(("start", game[0]))
                conn.send(("game", (game[0], fn(job, [game])[0])))
        except TournamentError as e:  # the job cannot be prepared here (a scenario or save it cannot load)
            conn.send(("failed", str(e)))
            continue
        conn.send(("done", None))


class _Batch:
    """A submitted batch: its future, the games not yet played and the rows of those that were."""

    def __init__(self, future: Future, fn, job: Any, games: list[Task]):
        self.future, self.fn, self.job, self.games, self.rows = future, fn, job, list(games), []

    def error_row(self, game: Task, why: str) -> Any:
        """A game that could not finish, in the form fn gives its games."""
        idx, seed, seats = game
        if self.fn is run_batch:
            return ((idx, seed, "error", None, json.dumps(seats, separators=(",", ":")), why), [])
        return {"idx": idx, "seed": seed, "seats": seats, "error": why}


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, os.getpid()), daemon=True, name="gridlock-worker")
        self.proc.start()
        child.close()
        self.batch: _Batch | None = None
        self.game: Task | None = None  # the game it is playing now
        self.since = 0.0  # when that game started (monotonic)

    def stop(self) -> None:
        try:
            self.proc.kill()
        except (OSError, ValueError):
            pass
        self.proc.join(10)
        self.conn.close()


class GamePool(Executor):
    """--workers N on this machine: N spawned worker processes, each given one batch at a time
    through its own pipe and reporting each game as it starts and ends. Workers die with the
    tournament (die_with_parent). A game that runs past game_timeout_s, or whose worker dies,
    is stored as an error row; its worker is replaced and the batch's other games play on."""

    def __init__(self, workers: int, game_timeout_s: float | None = None):
        self._ctx = multiprocessing.get_context("spawn")  # no fork server to outlive us, no parent threads copied
        self._size = workers
        self._timeout = game_timeout_s
        self._queue: deque[_Batch] = deque()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._closing = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gridlock-pool", daemon=True)
        self._thread.start()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """fn(job, batch) for a batch of games: a module-level function (workers import it),
        called game by game so each game's start and end are seen."""
        job, batch = args
        f: Future = Future()
        f.set_running_or_notify_cancel()
        with self._lock:
            if self._error is not None:
                raise TournamentError(f"the worker pool failed: {self._error}")
            self._queue.append(_Batch(f, fn, job, batch))
        self._wake_w.send(b"")
        return f

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closing = True
            if cancel_futures or not wait:
                for b in self._queue:
                    b.future.cancel()
                self._queue.clear()
        self._wake_w.send(b"")
        if not wait or cancel_futures:  # an interrupted run: stop the workers now, games and all
            with self._lock:
                workers, self._workers = self._workers, []
            for w in workers:
                w.stop()
        self._thread.join()
        self._wake_w.close()

    # ---- the pool's own thread ---------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._serve_batches()
        except BaseException as e:  # pragma: no cover - a bug here must not hang the tournament
            with self._lock:
                self._error = e
                queued, self._queue = list(self._queue), deque()
            for b in queued + [w.batch for w in self._workers if w.batch is not None]:
                if not b.future.done():
                    b.future.set_exception(TournamentError(f"the worker pool failed: {type(e).__name__}: {e}"))
        finally:
            for w in self._workers:
                w.stop()
            self._workers = []

    def _serve_batches(self) -> None:
        while True:
            with self._lock:
                closing = self._closing
                while self._queue and (len(self._workers) < self._size or any(w.batch is None for w in self._workers)):
                    idle = next((w for w in self._workers if w.batch is None), None)
                    if idle is None:
                        idle = _Worker(self._ctx)
                        self._workers.append(idle)
                    self._give(idle, self._queue.popleft())
                busy = [w for w in self._workers if w.batch is not None]
            if closing and not busy and not self._queue:
                for w in self._workers:
                    try:
                        w.conn.send(None)
                    except OSError:
                        pass
                    w.proc.join(30)
                return
            ready = wait([self._wake_r, *(w.conn for w in busy)], timeout=self._next_deadline(busy))
            if self._wake_r in ready:
                while self._wake_r.poll():
                    self._wake_r.recv_bytes()
            for w in busy:
                if w.conn in ready:
                    self._hear(w)
            if self._timeout is not None:
                now = time.monotonic()
                for w in busy:
                    if w.game is not None and now - w.since > self._timeout:
                        self._replace(w, f"the game ran longer than --game-timeout {self._timeout:g} s; it was stopped and its worker replaced")

    def _give(self, w: _Worker, b: _Batch) -> None:
        w.batch, w.game = b, None
        w.conn.send((b.fn, b.job, b.games))

    def _next_deadline(self, busy: list[_Worker]) -> float | None:
        if self._timeout is None:
            return None
        starts = [w.since for w in busy if w.game is not None]
        if not starts:
            return self._timeout
        return max(0.0, min(starts) + self._timeout - time.monotonic()) + 0.01

    def _hear(self, w: _Worker) -> None:
        try:
            while w.conn.poll():
                kind, value = w.conn.recv()
                b = w.batch
                assert b is not None
                if kind == "start":
                    w.game = next(g for g in b.games if g[0] == value)
                    w.since = time.monotonic()
                elif kind == "game":
                    idx, row = value
                    b.rows.append(row)
                    b.games = [g for g in b.games if g[0] != idx]
                    w.game = None
                elif kind == "done":
                    w.batch = None
                    b.future.set_result(b.rows)
                    return
                elif kind == "failed":
                    w.batch = None
                    b.future.set_exception(TournamentError(value))
                    return
        except (EOFError, OSError):
            code = w.proc.exitcode if w.proc.join(5) is None and w.proc.exitcode is not None else "unknown"
            self._replace(w, f"its worker process died (exit code {code}) while playing it; the worker was replaced")

    def _replace(self, w: _Worker, why: str) -> None:
        """Stop this worker; its current game becomes an error row; the rest of its batch goes
        back to the front of the queue, for a fresh worker."""
        w.stop()
        with self._lock:
            self._workers.remove(w)
            b, game = w.batch, w.game
            if b is None:
                return
            if game is None and b.games:
                game = b.games[0]  # died between games: the next one takes the blame, so the run cannot loop
            if game is not None:
                b.rows.append(b.error_row(game, why))
                b.games = [g for g in b.games if g[0] != game[0]]
            if b.games:
                self._queue.appendleft(b)
            else:
                b.future.set_result(b.rows)


class InlineExecutor(Executor):
    """--workers 0: every batch in this process, for debugging and profiling."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        f: Future = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:
            f.set_exception(e)
        return f


@contextmanager
def open_executor(backend: str, workers: int, address: str | None = None, game_timeout_s: float | None = None) -> Iterator[tuple[Executor, int]]:
    """An executor and the number of tasks it runs at once."""
    if game_timeout_s is not None and (backend != "process" or workers == 0):
        raise TournamentError("--game-timeout needs worker processes (--backend process, --workers 1 or more): a runaway game is stopped by replacing its worker")
    if backend == "process":
        if workers == 0:
            yield InlineExecutor(), 1
            return
        pool = GamePool(workers, game_timeout_s)
        try:
            yield pool, workers
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return
    if backend != "dask":
        raise TournamentError(f"--backend must be process or dask, got {backend!r}")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise TournamentError("--backend dask needs Dask distributed: pip install 'gridlock[cluster]'") from None
    import logging

    logging.getLogger("distributed").setLevel(logging.ERROR)  # its INFO chatter would bury the progress
    cluster = None
    try:
        if address:
            client = Client(address, timeout="10s")
        else:
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
    except (OSError, TimeoutError) as e:
        if cluster is not None:
            cluster.close()
        raise TournamentError(f"cannot reach a Dask scheduler at {address or 'a local cluster'}: {e}") from None
    try:
        slots = max(1, sum(client.nthreads().values()))
        yield client.get_executor(pure=False), slots
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

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
import traceback
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
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


def run_batch(job: Job, batch: Sequence[Task]) -> list[tuple[GameRow, list[ResultRow]]]:
    """The one task function every backend runs."""
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
    return [prepared.play(idx, seed, seats) for idx, seed, seats in batch]


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
def open_executor(backend: str, workers: int, address: str | None = None) -> Iterator[tuple[Executor, int]]:
    """An executor and the number of tasks it runs at once."""
    if backend == "process":
        if workers == 0:
            yield InlineExecutor(), 1
            return
        # forkserver: workers never inherit the parent's threads (the progress bar's) mid-fork
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            yield pool, workers
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

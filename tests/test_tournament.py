"""Tournaments: seats rotate fairly, results depend only on the settings (never on workers or
backend), a killed run resumes to exactly the uninterrupted results, and failures are stored."""

from __future__ import annotations

import json
import math
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from game.agents import REGISTRY
from game.runner import play, seat_agents
from game.tournament import TournamentError
from game.tournament.run import MAX_BATCH, TournamentConfig, batches, run_tournament
from game.tournament.schedule import SeatPlan, game_seed, split_agents
from game.tournament.store import results_digest

REPO = Path(__file__).resolve().parents[1]
PLUGINS = Path(__file__).resolve().parent / "plugins"
AGENTS = ("hyperscaler", "neocloud", "random")
TUTORIAL = TournamentConfig("tutorial", AGENTS, games=12, seed=5)


def gridlock(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "game", *args], capture_output=True, text=True, cwd=cwd, timeout=300, env=env)


def rows(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


# ---- seeds and seats --------------------------------------------------------------------------
def test_game_seeds_are_spawn_children_of_the_tournament_seed():
    seeds = [game_seed(11, i) for i in range(2000)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= s < 2**63 for s in seeds)
    # the same child, built by hand from numpy's spawn-key rule
    words = np.random.SeedSequence(11, spawn_key=(7,)).generate_state(2, np.uint32)
    assert seeds[7] == (int(words[0]) << 31) ^ int(words[1])
    assert game_seed(12, 7) != seeds[7]


def test_rotate_seats_rotate_within_each_archetype_by_the_documented_rule(baseline):
    plan = SeatPlan(baseline, ["hyperscaler", "neocloud", "random"], "rotate")
    # hyperscaler companies aurora, meridian, helix may take [hyperscaler, random];
    # neocloud companies corecell, nebula, lumen may take [neocloud, random].
    assert plan.seats(0) == {"aurora": "hyperscaler", "meridian": "random", "helix": "hyperscaler", "corecell": "neocloud", "nebula": "random", "lumen": "neocloud"}
    assert plan.seats(1) == {"aurora": "random", "meridian": "hyperscaler", "helix": "random", "corecell": "random", "nebula": "neocloud", "lumen": "random"}
    assert plan.seats(2) == plan.seats(0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["hyperscaler", "neocloud", "random", "neocloud:ambition=1.2", "hyperscaler:ambition=1.0", "random:x=1"]), min_size=1, max_size=5, unique=True), st.integers(0, 1000))
def test_rotate_seats_every_agent_in_every_seat_it_may_take_equally_often(baseline, agents, start):
    agents = [a for a in agents if a != "random:x=1"] or ["random"]
    try:
        plan = SeatPlan(baseline, agents, "rotate")
    except TournamentError:
        kinds = {a.partition(":")[0] for a in agents}
        assert "random" not in kinds and not {"hyperscaler", "neocloud"} <= kinds
        return
    window = math.lcm(*range(1, len(agents) + 1))  # a multiple of every eligible list's length
    counts: dict[tuple[str, str], int] = {}
    for idx in range(start, start + window):
        for cid, agent in plan.seats(idx).items():
            counts[cid, agent] = counts.get((cid, agent), 0) + 1
    for cid, c in baseline.companies.items():
        here = [counts.get((cid, a), 0) for a in agents if a.partition(":")[0] in (c.archetype, "random")]
        assert here and len(set(here)) == 1 and here[0] > 0, (cid, here)


def test_agent_parameters_may_contain_commas_in_the_agents_list():
    assert split_agents("hyperscaler,neocloud:ambition=1.2,borrow_fraction=0.5, random") == ["hyperscaler", "neocloud:ambition=1.2,borrow_fraction=0.5", "random"]
    assert split_agents("random,ambition=2") == ["random", "ambition=2"]  # not parameters of anything: refused later


def test_an_agent_list_that_cannot_fill_the_seats_is_refused(baseline):
    with pytest.raises(TournamentError, match="neocloud companies"):
        SeatPlan(baseline, ["hyperscaler"])
    with pytest.raises(TournamentError, match="more than once"):
        SeatPlan(baseline, ["random", "random"])
    with pytest.raises(TournamentError, match="unknown agent 'fortress9'"):
        SeatPlan(baseline, ["random", "fortress9"])


# ---- reproducible regardless of workers and backend ----------------------------------------------
def test_the_stored_results_are_the_same_with_1_worker_2_workers_and_dask(tmp_path):
    digests = {}
    for name, kw in {
        "inline": {"workers": 0},
        "1 worker": {"workers": 1, "batch_size": 5},
        "2 workers": {"workers": 2, "batch_size": 1},
        "dask": {"workers": 2, "backend": "dask"},
    }.items():
        out = run_tournament(TUTORIAL, tmp_path / f"{name}.sqlite", **kw)
        assert out.games == out.played == 12 and out.errors == 0
        digests[name] = out.digest
    # an existing scheduler, reached by its address
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        digests["dask --address"] = run_tournament(TUTORIAL, tmp_path / "address.sqlite", backend="dask", address=cluster.scheduler_address).digest
    assert len(set(digests.values())) == 1, digests
    stored = rows(tmp_path / "dask.sqlite", "SELECT COUNT(*), COUNT(DISTINCT seed) FROM games WHERE status = 'ok'")
    assert stored == [(12, 12)]
    assert rows(tmp_path / "dask.sqlite", "SELECT COUNT(*) FROM results") == [(12 * 3,)]


def test_a_stored_game_is_the_game_gridlock_run_plays_with_its_seed_and_seats(tmp_path, baseline):
    cfg = TournamentConfig("baseline", AGENTS, games=3, seed=9)
    out = run_tournament(cfg, tmp_path / "r.sqlite", workers=2)
    (seed, seats), = rows(out.db, "SELECT seed, seats FROM games WHERE idx = 2")
    seats = json.loads(seats)
    args = ["run", "--scenario", "baseline", "--seed", str(seed), "--json"] + [x for cid, a in seats.items() for x in ("--seat", f"{cid}={a}")]
    r = gridlock(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    played = {s["id"]: (s["rank"], s["score"], s["bankrupt"]) for s in json.loads(r.stdout)["standings"]}
    stored = {c: (rank, score, bool(b)) for c, rank, score, b in rows(out.db, "SELECT company, rank, score, bankrupt FROM results WHERE idx = 2")}
    assert stored == played
    # and directly through the runner, as a library user would
    _, result = play(baseline, seed, seat_agents(baseline, seed, seats))
    assert {r.id: r.rank for r in result.standings} == {c: v[0] for c, v in stored.items()}


def test_the_store_follows_the_contract_schema(tmp_path):
    out = run_tournament(TournamentConfig("tutorial", AGENTS, games=2, seed=1), tmp_path / "r.sqlite", workers=0)
    assert rows(out.db, "PRAGMA journal_mode") == [("wal",)]
    meta = dict(rows(out.db, "SELECT key, value FROM meta"))
    config = json.loads(meta["config"])
    assert (config["scenario"], config["agents"], config["games"], config["seed"], config["overrides"], config["from_save"]) == ("tutorial", list(AGENTS), 2, 1, [], None)
    assert meta["engine_version"] == "0.1.0" and meta["scenario_name"]
    (seats,) = rows(out.db, "SELECT seats FROM games WHERE idx = 0")[0]
    assert list(json.loads(seats)) == ["aurora", "corecell", "nebula"]  # scenario company order
    res = rows(out.db, "SELECT company, seat, agent, archetype, rank FROM results WHERE idx = 0 ORDER BY seat")
    assert [(c, s) for c, s, *_ in res] == [("aurora", 0), ("corecell", 1), ("nebula", 2)]
    assert sorted(r[4] for r in res) == [1, 2, 3]
    assert [r[2] for r in res] == list(json.loads(seats).values())


# ---- resume ---------------------------------------------------------------------------------------
def test_a_run_killed_with_sigkill_resumes_to_exactly_the_uninterrupted_results(tmp_path):
    cfg = TournamentConfig("tutorial", AGENTS, games=40, seed=3)
    reference = run_tournament(cfg, tmp_path / "ref.sqlite", workers=1).digest
    db = tmp_path / "killed.sqlite"
    cmd = [sys.executable, "-m", "game", "tournament", "--scenario", "tutorial", "--agents", ",".join(AGENTS), "--games", "40", "--seed", "3", "--workers", "2", "--batch-size", "1", "--db", str(db)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    stored = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and stored < 5:
            time.sleep(0.02)
            if db.exists():
                try:
                    stored = rows(db, "SELECT COUNT(*) FROM games")[0][0]
                except sqlite3.OperationalError:
                    pass  # the tables are not there yet
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the tournament and its workers, mid-run
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = rows(db, "SELECT COUNT(*) FROM games")[0][0]
    assert 5 <= partial < 40, partial
    # written in game order, whole games only: a prefix of the indices, three result rows each
    assert [i for (i,) in rows(db, "SELECT idx FROM games ORDER BY idx")] == list(range(partial))
    assert rows(db, "SELECT COUNT(*) FROM results") == [(3 * partial,)]
    r = gridlock(*cmd[3:], "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"{40 - partial} played now" in r.stdout
    assert results_digest(db) == reference
    assert f"results digest: {reference}" in r.stdout


def test_resuming_with_different_settings_is_refused(tmp_path):
    db = tmp_path / "r.sqlite"
    run_tournament(TournamentConfig("tutorial", AGENTS, games=2, seed=1), db, workers=0)
    with pytest.raises(TournamentError, match="already exists"):
        run_tournament(TournamentConfig("tutorial", AGENTS, games=2, seed=1), db, workers=0)
    with pytest.raises(TournamentError, match=r"different tournament.*seed: stored 1, now 2"):
        run_tournament(TournamentConfig("tutorial", AGENTS, games=2, seed=2), db, workers=0, resume=True)
    with pytest.raises(TournamentError, match="overrides"):
        run_tournament(TournamentConfig("tutorial", AGENTS, games=2, seed=1, overrides=("regions.ercot.queue_wait_quarters_max=9",)), db, workers=0, resume=True)
    # the same settings resume (nothing left to play) and agree
    out = run_tournament(TournamentConfig("tutorial", AGENTS, games=2, seed=1), db, workers=0, resume=True)
    assert out.played == 0 and out.games == 2


# ---- a failing agent -------------------------------------------------------------------------------
def test_a_game_that_raises_is_stored_as_an_error_and_the_run_goes_on(tmp_path):
    flaky = f"{PLUGINS / 'flaky_agent.py'}:Flaky"  # a plug-in agent, named by its file
    args = ["tournament", "--scenario", "tutorial", "--agents", f"hyperscaler,neocloud,{flaky}", "--games", "12", "--seed", "4", "--workers", "2", "--batch-size", "2"]
    r = gridlock(*args, "--db", "a.sqlite", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    db = tmp_path / "a.sqlite"
    games = rows(db, "SELECT idx, seed, status, seats, error FROM games ORDER BY idx")
    assert [g[0] for g in games] == list(range(12))
    errors = [g for g in games if g[2] == "error"]
    assert 0 < len(errors) < 12
    for idx, seed, _, seats, error in errors:
        assert seed == game_seed(4, idx)
        assert flaky in json.loads(seats).values()
        assert "Traceback" in error and "RuntimeError: flaky agent failed to start" in error
        assert rows(db, f"SELECT COUNT(*) FROM results WHERE idx = {idx}") == [(0,)]
    assert f"{len(errors)} errors" in r.stdout
    # the replay command printed for the first error plays that game again, and it fails the same way
    replay = shlex.split(r.stdout.split("Replay: ", 1)[1].splitlines()[0])
    assert replay[:2] == ["gridlock", "run"] and str(errors[0][1]) in replay
    again = gridlock(*replay[1:], cwd=tmp_path)
    assert again.returncode != 0 and "RuntimeError: flaky agent failed to start" in again.stderr
    for idx, *_ in (g for g in games if g[2] == "ok"):
        assert rows(db, f"SELECT COUNT(*) FROM results WHERE idx = {idx}") == [(3,)]
    # errors are results too: the same with one worker
    r1 = gridlock(*args, "--workers", "1", "--db", "b.sqlite", cwd=tmp_path)
    assert r1.returncode == 0, r1.stderr
    assert results_digest(tmp_path / "b.sqlite") == results_digest(db)


def test_without_agents_every_registered_agent_with_a_seat_plays(tmp_path):
    r = gridlock("tournament", "--scenario", "tutorial", "--games", "4", "--workers", "0", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    agents = json.loads(rows(tmp_path / "results.sqlite", "SELECT value FROM meta WHERE key = 'config'")[0][0])["agents"]
    assert agents == sorted(name for name, info in REGISTRY.items() if info.archetype in ("hyperscaler", "neocloud", "any"))
    assert {"hyperscaler", "neocloud", "random"} <= set(agents)


# ---- the command line --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, message",
    [
        (["--agents", "hyperscaler"], "no agent in --agents can sit at the neocloud companies"),
        (["--agents", "hyperscaler,nope"], "unknown agent 'nope'"),
        (["--agents", "neocloud:ambition=lots,hyperscaler"], "agent 'neocloud'"),
        (["--games", "0"], "--games must be between"),
        (["--workers", "-1"], "--workers must be 0 or more"),
        (["--set", "regions.atlantis.queue_wait_quarters_max=8"], "no table [regions.atlantis]"),
        (["--set", "regions.ercot.queue_wait_quarters_max=-3"], "--set: [regions.ercot] key `queue_wait_quarters_max`"),
        (["--agents", "hyperscaler,neocloud,no_such_module_here:Bot"], "no_such_module_here"),
        (["--address", "tcp://127.0.0.1:1"], "--address needs --backend dask"),
        (["--from", "missing.json"], "no such save file"),
        (["--human-agent", "random"], "--human-agent only applies"),
    ],
)
def test_bad_tournament_input_exits_2_with_one_clear_line(tmp_path, args, message):
    r = gridlock("tournament", "--scenario", "tutorial", "--games", "2", *args, cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert message in r.stderr
    assert not (tmp_path / "results.sqlite").exists() or "already" in message


def test_an_unreachable_scheduler_exits_2_and_leaves_no_database(tmp_path):
    r = gridlock("tournament", "--scenario", "tutorial", "--games", "2", "--backend", "dask", "--address", "tcp://127.0.0.1:9", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "cannot reach a Dask scheduler at tcp://127.0.0.1:9" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_database_is_not_overwritten_without_resume(tmp_path):
    ok = gridlock("tournament", "--scenario", "tutorial", "--games", "2", "--workers", "0", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "results digest:" in ok.stdout and "gridlock report results.sqlite" in ok.stdout
    again = gridlock("tournament", "--scenario", "tutorial", "--games", "2", "--workers", "0", cwd=tmp_path)
    assert again.returncode == 2 and "already exists: pass --resume" in again.stderr


def test_the_tournament_modules_import_without_textual_or_rich():
    from test_headless import ui_modules_after_importing

    # progress.py too: it imports rich only when a bar is actually drawn on a terminal
    modules = [f"game.tournament.{m}" for m in ("run", "executors", "store", "schedule", "sweep", "aggregate", "command", "progress", "lab", "facts", "balance", "meta")]
    assert ui_modules_after_importing(*modules) == []


def test_bots_in_a_tournament_keep_a_stderr_log_per_game(tmp_path):
    bot = Path(__file__).resolve().parent.parent / "examples" / "bots" / "steady.py"
    out = gridlock("tournament", "--scenario", "tutorial", "--games", "2", "--workers", "2", "--agents", f"hyperscaler,cmd:{sys.executable} {bot}", "--db", "t.sqlite", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(tmp_path / "t.sqlite") as db:
        seated = {(f"game-{idx:06d}", cid) for idx, seats in db.execute("SELECT idx, seats FROM games") for cid, agent in json.loads(seats).items() if agent.startswith("cmd:")}
    logs = {(p.parent.name, p.stem) for p in (tmp_path / "bot-logs").rglob("*.log")}
    assert {game for game, _ in seated} == {"game-000000", "game-000001"}
    assert logs == seated  # one log per bot seat, in its own game's folder


def test_guided_batches_cover_every_game_once_and_shrink_towards_the_end():
    sizes = [len(b) for b in batches(range(100), 100, 2)]
    # worked by hand: a quarter of each slot's fair share of what is left, at most MAX_BATCH
    assert sizes[:4] == [12, 11, 9, 8]  # 100//8, 88//8, 77//8, 68//8
    assert sizes[-6:] == [1] * 6  # the last games go one at a time
    assert sum(sizes) == 100 and sizes == sorted(sizes, reverse=True)
    assert [i for b in batches(range(5, 1005), 1000, 2) for i in b] == list(range(5, 1005))
    assert max(len(b) for b in batches(range(10_000), 10_000, 2)) == MAX_BATCH
    assert [len(b) for b in batches(range(12), 12, 2, size=5)] == [5, 5, 2]  # --batch-size fixes it


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 3000), st.integers(1, 64))
def test_guided_batches_partition_any_run(n, slots):
    out = list(batches(iter(range(n)), n, slots))
    assert [i for b in out for i in b] == list(range(n))
    assert all(1 <= len(b) <= MAX_BATCH for b in out)

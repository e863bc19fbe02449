"""Results files in the tournament store's schema (the contract with `gridlock tournament`), for report tests."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable, Sequence

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE games(idx INTEGER PRIMARY KEY, seed INTEGER NOT NULL, status TEXT NOT NULL CHECK(status IN ('ok','error')),
                   quarters INTEGER, seats TEXT NOT NULL, error TEXT);
CREATE TABLE results(idx INTEGER NOT NULL, company TEXT NOT NULL, seat INTEGER NOT NULL, agent TEXT NOT NULL,
                     archetype TEXT NOT NULL, score REAL NOT NULL, rank INTEGER NOT NULL, bankrupt INTEGER NOT NULL,
                     equity_musd REAL NOT NULL, PRIMARY KEY(idx, company));
"""

# (company, archetype, agent, score, rank, bankrupt) per seat, seats in scenario order
Game = Sequence[tuple[str, str, str, float, int, bool]]


def create(path: Path, config: dict, scenario_name: str = "test") -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(SCHEMA)
    con.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("config", json.dumps(config)), ("engine_version", "0.1.0"), ("scenario_name", scenario_name)],
    )
    return con


def add_games(con: sqlite3.Connection, games: Iterable[tuple[int, int, Game]], errors: Iterable[tuple[int, int, str]] = ()) -> None:
    """Store (idx, seed, seats) finished games and (idx, seed, traceback) error games in one transaction."""
    con.execute("BEGIN")
    for idx, seed, seats in games:
        con.execute(
            "INSERT INTO games VALUES (?, ?, 'ok', 8, ?, NULL)", (idx, seed, json.dumps({c: a for c, _, a, *_ in seats}))
        )
        con.executemany(
            "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(idx, c, seat, a, arch, score, rank, int(bust), 100.0 * score) for seat, (c, arch, a, score, rank, bust) in enumerate(seats)],
        )
    for idx, seed, error in errors:
        con.execute("INSERT INTO games VALUES (?, ?, 'error', NULL, ?, ?)", (idx, seed, "{}", error))
    con.execute("COMMIT")


def write(path: Path, games: Iterable[tuple[int, int, Game]], errors: Iterable[tuple[int, int, str]] = (), config: dict | None = None) -> Path:
    config = config or {"scenario": "tutorial", "overrides": [], "agents": [], "games": None, "seed": 0, "from_save": None}
    con = create(path, config)
    add_games(con, games, errors)
    con.close()
    return path


def play_real_games(path: Path, scenario: str, agents: Sequence[str], games: int, seed: int = 0, overrides: Sequence[str] = ()) -> Path:
    """Play `games` real games, rotating the agents through the seats, and store them like a tournament."""
    import numpy as np

    from game.runner import play, seat_agents
    from game.scenario import load_scenario

    spec = load_scenario(scenario)
    companies = list(spec.companies)
    config = {"scenario": scenario, "overrides": list(overrides), "agents": list(agents), "games": games, "seed": seed, "from_save": None}
    con = create(path, config, spec.game.name)
    seeds = np.random.SeedSequence(seed).generate_state(games, dtype=np.uint64) >> np.uint64(1)
    from game.agents import REGISTRY

    # each company rotates through the given agents that play its archetype
    eligible = {c: [a for a in agents if REGISTRY[a].plays(cs.archetype)] for c, cs in spec.companies.items()}
    for idx in range(games):
        seats = {c: eligible[c][(idx + i) % len(eligible[c])] for i, c in enumerate(companies)}
        game_seed = int(seeds[idx])
        _, result = play(spec, game_seed, seat_agents(spec, game_seed, seats))
        by_id = {r.id: r for r in result.standings}
        add_games(con, [(idx, game_seed, [(c, by_id[c].archetype, seats[c], by_id[c].score, by_id[c].rank, by_id[c].bankrupt) for c in companies])])
    con.close()
    return path

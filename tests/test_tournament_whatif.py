"""What-if tournaments: one saved position, many futures, each from its own seed."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from game.engine import Game
from game.runner import play, seat_agents
from game.saves import save_game
from game.tournament import TournamentError
from game.tournament.run import TournamentConfig, run_tournament
from game.tournament.schedule import game_seed


def final_scores(spec, game, seed):
    agents = seat_agents(spec, seed)
    _, result = play(spec, seed, agents, game)
    return {r.id: r.score for r in result.standings}


def test_reseed_replaces_the_future_and_only_the_future(tutorial):
    def game_at_q3(seed):
        g = Game(tutorial, seed)
        play(tutorial, seed, seat_agents(tutorial, seed), g, max_quarters=3)
        return g

    same_a, same_b = game_at_q3(1), game_at_q3(1)
    same_a.reseed(77)
    same_b.reseed(77)
    assert final_scores(tutorial, same_a, 1) == final_scores(tutorial, same_b, 1)
    # without a reseed the game is the seed's own; reseeding changes what comes next
    plain = final_scores(tutorial, game_at_q3(1), 1)
    futures = []
    for s in (5, 6, 7):
        g = game_at_q3(1)
        g.reseed(s)
        futures.append(final_scores(tutorial, g, 1))
    assert any(f != plain for f in futures)
    with pytest.raises(ValueError):
        game_at_q3(1).reseed(-1)


@pytest.fixture
def save_at_q4(tmp_path, baseline):
    seed = 3
    agents = seat_agents(baseline, seed)
    game, _ = play(baseline, seed, agents, max_quarters=4)
    path = tmp_path / "q4.json"
    save_game(game, path, {**{cid: a.name for cid, a in agents.items()}, "corecell": "human"})
    return path


def test_a_what_if_continues_the_save_once_per_seed(tmp_path, save_at_q4):
    cfg = TournamentConfig("baseline", (), games=6, seed=2, from_save=str(save_at_q4), human_agent="random")
    one = run_tournament(cfg, tmp_path / "w1.sqlite", workers=1)
    two = run_tournament(cfg, tmp_path / "w2.sqlite", workers=2, batch_size=1)
    assert one.digest == two.digest and one.errors == 0
    db = sqlite3.connect(one.db)
    games = db.execute("SELECT idx, seed, quarters, seats FROM games ORDER BY idx").fetchall()
    assert [s for _, s, _, _ in games] == [game_seed(2, i) for i in range(6)]
    assert {q for _, _, q, _ in games} == {24}  # each played on from quarter 4 to the end
    assert all(json.loads(seats)["corecell"] == "random" and json.loads(seats)["aurora"] == "hyperscaler" for *_, seats in games)
    scores = db.execute("SELECT idx, score FROM results WHERE company = 'lumen' ORDER BY idx").fetchall()
    assert len({s for _, s in scores}) > 1  # different seeds, different futures
    config = json.loads(db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()[0])
    assert config["from_save"] == str(save_at_q4) and config["save_quarter"] == 4
    db.close()


def test_a_what_if_needs_an_agent_for_the_human_seats(tmp_path, save_at_q4):
    with pytest.raises(TournamentError, match="company corecell was played by human; name an agent to play it with --human-agent"):
        run_tournament(TournamentConfig("baseline", (), games=2, from_save=str(save_at_q4)), tmp_path / "w.sqlite", workers=0)
    r = subprocess.run([sys.executable, "-m", "game", "tournament", "--from", str(save_at_q4), "--games", "3", "--human-agent", "random", "--workers", "0"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "what-if from" in r.stdout and "corecell" in r.stdout

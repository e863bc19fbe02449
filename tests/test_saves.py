"""Save, load, replay: a saved game continues exactly as if it had never stopped; a bad save file
is refused with one clear sentence; a save is written atomically."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from game.engine import Game
from game.model import orders as o
from game.report import result_json
from game.runner import play, seat_agents
from game.saves import SAVE_VERSION, SaveError, load_game, read_save, save_game, snapshot
from game.scenario import Scenario


def gridlock(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "game", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def digest(body: dict) -> str:
    """The save's checksum, computed here from its documented recipe: SHA-256 of the body as
    compact JSON with sorted keys."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def dumped(game: Game, result) -> str:
    return json.dumps(result_json(game, result), sort_keys=True)


# ---- save, load, continue ---------------------------------------------------------------------
@pytest.mark.parametrize("scenario, seed, stop_after", [("tutorial", 4, 3), ("tutorial", 7, 1), ("baseline", 2, 10)])
def test_a_saved_game_continues_exactly_as_the_uninterrupted_game(request, tmp_path, scenario, seed, stop_after):
    spec: Scenario = request.getfixturevalue(scenario)
    whole, whole_result = play(spec, seed, seat_agents(spec, seed))

    agents = seat_agents(spec, seed)
    first, _ = play(spec, seed, agents, max_quarters=stop_after)
    assert first.quarter == stop_after
    path = save_game(first, tmp_path / "g.json", {cid: a.name for cid, a in agents.items()})
    del first, agents

    fresh = seat_agents(spec, seed)  # new agent objects: the replay brings them up to date
    loaded, data = load_game(path, agents=fresh)
    assert loaded.quarter == stop_after and data["quarter"] == stop_after
    rest, rest_result = play(loaded.spec, loaded.seed, fresh, loaded)
    assert rest_result.quarters_played == spec.game.quarters
    assert dumped(rest, rest_result) == dumped(whole, whole_result)


def test_the_cli_continues_a_saved_game_to_the_same_result(tmp_path):
    save = tmp_path / "saves" / "g4.json"  # the folder is created
    r = gridlock("run", "--scenario", "tutorial", "--seed", "4", "--quarters", "3", "--save", str(save), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"Saved to {save}" in r.stdout
    assert read_save(save)["quarter"] == 3
    resumed = gridlock("run", "--load", str(save), "--json", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    whole = gridlock("run", "--scenario", "tutorial", "--seed", "4", "--json", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    assert json.loads(resumed.stdout) == json.loads(whole.stdout)
    assert json.loads(whole.stdout)["quarters_played"] == 8


def test_a_save_records_what_it_needs(tmp_path, tutorial):
    game, _ = play(tutorial, 3, seat_agents(tutorial, 3), max_quarters=2)
    data = read_save(save_game(game, tmp_path / "g.json", {"aurora": "hyperscaler"}))
    assert (data["format"], data["version"], data["seed"], data["quarter"]) == ("gridlock-save", SAVE_VERSION, 3, 2)
    assert data["seats"] == {"aurora": "hyperscaler"}
    assert len(data["orders"]) == 2
    assert data["checksum"] == digest({k: v for k, v in data.items() if k != "checksum"})


# ---- games with nonsense in their order log still save and load --------------------------------
def save_and_load(game: Game, tmp_path: Path) -> Game:
    path = save_game(game, tmp_path / "odd.json")
    loaded, _ = load_game(path)
    assert snapshot(loaded) == snapshot(game)
    return loaded


def test_a_game_with_rejected_garbage_orders_saves_and_loads(tmp_path, tutorial):
    game = Game(tutorial, 1)
    game.step({"nebula": [None, "x", {"type": "launch_rocket"}, {"type": "borrow", "musd": float("nan")}, o.Borrow(float("inf")), o.BidInterconnect("nordics", 30.0, 0.5)]})
    game.step({"nebula": "not a list", "aurora": 42})
    loaded = save_and_load(game, tmp_path)
    assert len(loaded.core.world.companies["nebula"].power) == 3  # the one good bid, replayed


@pytest.mark.parametrize("order_set", [{"type": "borrow", "musd": 10.0}, o.Borrow(10.0)], ids=["dict", "typed order"])
def test_a_game_whose_order_set_was_a_single_order_not_a_list_saves_and_loads(tmp_path, tutorial, order_set):
    # played: the whole set is rejected ("an order set must be a list"), nothing is borrowed.
    # The save must not turn it into a one-order list that the replay then accepts.
    game = Game(tutorial, 1)
    game.step({"nebula": order_set})
    assert game.core.world.companies["nebula"].debt_musd == 1500.0
    loaded = save_and_load(game, tmp_path)
    assert loaded.core.world.companies["nebula"].debt_musd == 1500.0


def test_a_typed_order_with_a_whole_float_count_replays_as_it_was_played(tmp_path, tutorial):
    # played: units=5.0 in a typed order is rejected ("units must be a whole number, got 5.0").
    # Its JSON form must not be accepted on replay as 5 units.
    game = Game(tutorial, 1)
    game.step({"nebula": [o.BidChips("b200", 5.0, 0.04)]})
    assert [r["reason"] for r in game.private_reports[-1]["nebula"].rejected] == ["units must be a whole number, got 5.0"]
    save_and_load(game, tmp_path)


@pytest.mark.parametrize("order", [o.BidChips("b200", np.int64(5), 0.04), o.Borrow(object())], ids=["numpy int", "object"])
def test_a_typed_order_with_an_unserialisable_field_does_not_break_saving(tmp_path, tutorial, order):
    # an agent's order with a numpy integer (or any object) in a field is rejected when played;
    # saving the game must not then crash on it
    game = Game(tutorial, 1)
    game.step({"nebula": [order]})
    assert len(game.private_reports[-1]["nebula"].rejected) == 1
    save_and_load(game, tmp_path)


# ---- bad save files ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_save(tmp_path_factory, tutorial) -> tuple[Path, dict]:
    game, _ = play(tutorial, 4, seat_agents(tutorial, 4), max_quarters=3)
    path = save_game(game, tmp_path_factory.mktemp("good") / "good.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    return path, data


def body_of(data: dict) -> dict:
    return json.loads(json.dumps({k: v for k, v in data.items() if k != "checksum"}))


def resealed(body: dict) -> dict:
    """A body with a checksum recomputed the way the saver does, so only later checks can fail."""
    return {**body, "checksum": digest(body)}


def first_order_with(data: dict, key: str) -> dict:
    for quarter in data["orders"]:
        for orders in quarter.values():
            for x in orders:
                if isinstance(x, dict) and key in x:
                    return x
    raise AssertionError(f"no order with {key!r} in the log")


def corruptions(data: dict) -> dict[str, tuple[bytes, str]]:
    """name -> (file contents, a phrase the error must contain)."""
    text = json.dumps(data, indent=1)
    out: dict[str, tuple[bytes, str]] = {}
    out["truncated"] = (text[: len(text) // 2].encode(), "the JSON is broken")
    out["not json"] = (b"this is my shopping list\n", "the JSON is broken")
    out["binary"] = (bytes(range(256)), "cannot read it")
    out["json but not an object"] = (b"[1, 2, 3]", "not a Gridlock save file")
    out["wrong format"] = (json.dumps(resealed({**body_of(data), "format": "chess-pgn"})).encode(), "not a Gridlock save file")
    out["no version"] = (json.dumps(resealed({k: v for k, v in body_of(data).items() if k != "version"})).encode(), "no valid version number")
    out["future version"] = (json.dumps(resealed({**body_of(data), "version": 99})).encode(), "saved by a newer Gridlock")
    out["version zero"] = (json.dumps(resealed({**body_of(data), "version": 0})).encode(), "unknown save format 0")
    # format 1 drew randomness from shared per-subsystem streams: its games cannot be replayed now
    out["old version"] = (json.dumps(resealed({**body_of(data), "version": 1})).encode(), "saved by an older Gridlock (save format 1")
    # format 2 held release shifts for one quarter only: its games cannot be replayed now either
    out["format 2"] = (json.dumps(resealed({**body_of(data), "version": 2})).encode(), "saved by an older Gridlock (save format 2")
    edited = body_of(data)
    edited["state"]["price_index"] += 1.0
    out["edited state"] = (json.dumps({**edited, "checksum": data["checksum"]}).encode(), "checksum does not match")
    edited = body_of(data)
    first_order_with(edited, "price_usd_per_h100e_hour")["price_usd_per_h100e_hour"] = 0.01
    out["edited orders"] = (json.dumps({**edited, "checksum": data["checksum"]}).encode(), "checksum does not match")
    out["no checksum"] = (json.dumps(body_of(data)).encode(), "checksum does not match")
    # resealed edits: the checksum passes, the replay catches them
    edited = body_of(data)
    edited["state"]["price_index"] += 1.0
    out["resealed edited state"] = (json.dumps(resealed(edited)).encode(), "does not replay to the saved state")
    edited = body_of(data)
    edited["orders"][0] = {}
    out["resealed edited orders"] = (json.dumps(resealed(edited)).encode(), "does not replay to the saved state")
    out["resealed bad seed"] = (json.dumps(resealed({**body_of(data), "seed": -1})).encode(), "seed or order log is malformed")
    out["resealed bad order log"] = (json.dumps(resealed({**body_of(data), "orders": "none"})).encode(), "seed or order log is malformed")
    out["resealed missing scenario"] = (json.dumps(resealed({k: v for k, v in body_of(data).items() if k != "scenario"})).encode(), "lacks its scenario")
    edited = body_of(data)
    edited["scenario"]["rules"]["tax_rate"] = 5
    out["resealed invalid scenario"] = (json.dumps(resealed(edited)).encode(), "its scenario is invalid")
    edited = body_of(data)
    edited["orders"] = edited["orders"] * 3  # 9 quarters of orders for an 8-quarter game
    out["resealed log longer than the game"] = (json.dumps(resealed(edited)).encode(), "the order log is longer than the game")
    return out


CORRUPTIONS = [
    "truncated", "not json", "binary", "json but not an object", "wrong format", "no version", "future version",
    "version zero", "old version", "format 2", "edited state", "edited orders", "no checksum", "resealed edited state", "resealed edited orders",
    "resealed bad seed", "resealed bad order log", "resealed missing scenario", "resealed invalid scenario",
    "resealed log longer than the game",
]


def test_the_checksum_recipe_here_is_the_savers(good_save):
    # the premise of the "resealed" cases: they really pass the checksum
    _, data = good_save
    assert digest(body_of(data)) == data["checksum"]
    assert sorted(corruptions(data)) == sorted(CORRUPTIONS)


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_a_bad_save_file_is_refused_with_one_clear_sentence(tmp_path, good_save, name):
    _, data = good_save
    contents, phrase = corruptions(data)[name]
    path = tmp_path / "bad.json"
    path.write_bytes(contents)
    with pytest.raises(SaveError) as e:
        load_game(path)
    message = str(e.value)
    assert phrase in message
    assert message.startswith(f"{path}: ")
    assert "\n" not in message and "Traceback" not in message


def test_a_missing_save_file_is_refused(tmp_path):
    with pytest.raises(SaveError, match=r"no such save file"):
        load_game(tmp_path / "nowhere.json")
    with pytest.raises(SaveError, match=r"cannot read it"):
        load_game(tmp_path)  # a folder, not a file


@pytest.mark.parametrize("name", CORRUPTIONS + ["missing"])
def test_the_cli_refuses_a_bad_save_with_exit_2_and_no_traceback(tmp_path, good_save, name):
    path = tmp_path / "bad.json"
    if name != "missing":
        path.write_bytes(corruptions(good_save[1])[name][0])
    r = gridlock("run", "--load", str(path), cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr[-800:])
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("gridlock: ") and str(path) in r.stderr
    assert r.stdout == ""


def test_the_cli_shows_no_traceback_for_a_save_with_odd_seats(tmp_path, good_save):
    # seats are advice for re-seating agents; a resealed save with a malformed table must either
    # be refused (exit 2) or have them ignored (exit 0), never crash
    for seats in (["aurora"], {"aurora": "no-such-agent"}, "hyperscaler"):
        path = tmp_path / "seats.json"
        path.write_text(json.dumps(resealed({**body_of(good_save[1]), "seats": seats})))
        r = gridlock("run", "--load", str(path), cwd=tmp_path)
        assert r.returncode in (0, 2) and "Traceback" not in r.stderr, (seats, r.stderr[-800:])


# ---- atomic writes ----------------------------------------------------------------------------
@pytest.fixture
def two_games(tutorial) -> tuple[Game, Game]:
    a, _ = play(tutorial, 1, seat_agents(tutorial, 1), max_quarters=2)
    b, _ = play(tutorial, 1, seat_agents(tutorial, 1), max_quarters=4)
    return a, b


def failing(what: str):
    def boom(*args, **kwargs):
        raise OSError(f"simulated failure in {what}")

    return boom


@pytest.mark.parametrize("step", ["replace", "fsync"])
def test_a_save_that_fails_midway_leaves_the_previous_save_intact(tmp_path, monkeypatch, two_games, step):
    old, new = two_games
    path = save_game(old, tmp_path / "game.json")
    before = path.read_bytes()
    monkeypatch.setattr(os, step, failing(step))  # os as game.saves uses it
    with pytest.raises(OSError, match="simulated"):
        save_game(new, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game.json"]  # no temporary file left
    loaded, _ = load_game(path)
    assert loaded.quarter == 2
    # and once the disk behaves, the new save replaces it whole
    save_game(new, path)
    assert load_game(path)[0].quarter == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["game.json"]


def test_the_cli_reports_an_unwritable_save_path_with_exit_2(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    r = gridlock("run", "--scenario", "tutorial", "--seed", "1", "--quarters", "1", "--save", str(blocker / "g.json"), cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "cannot write the save" in r.stderr

"""`--set` scenario overrides and sweeps: the same seeds and seats at every setting."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from game.scenario import ScenarioError, load_scenario
from game.tournament import TournamentError
from game.tournament.run import TournamentConfig
from game.tournament.sweep import combinations, parse_axis, run_sweep, sweep_table


def rows(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_an_override_changes_that_one_setting_before_validation(baseline):
    spec = load_scenario("baseline", ["regions.ercot.queue_wait_quarters_max=30", "game.name=Slow grid", "regions.ercot.queue_wait_quarters_max=31"])
    assert spec.regions["ercot"].queue_wait_quarters_max == 31  # later wins
    assert spec.game.name == "Slow grid"  # a bare word is a string
    assert spec.regions["pjm"] == baseline.regions["pjm"]
    assert spec.regions["ercot"].queue_wait_quarters_min == baseline.regions["ercot"].queue_wait_quarters_min
    assert load_scenario("baseline").regions["ercot"] == baseline.regions["ercot"]  # nothing cached was changed


@pytest.mark.parametrize(
    "override, message",
    [
        ("regions.ercot.queue_wait_quarters_max=2", "--set: [regions.ercot] key `queue_wait_quarters_max`: must be at least queue_wait_quarters_min"),
        ("regions.ercot.queue_wait_quarters_max=1.5", "--set: [regions.ercot] key `queue_wait_quarters_max`: expected a whole number"),
        ("regions.ercot.queue_wait_quartrs_max=9", "--set: [regions.ercot] key `queue_wait_quartrs_max`: unknown key"),
        ("regions.texas.queue_wait_quarters_max=9", "no table [regions.texas]"),
        ("regions.ercot.queue_wait_quarters_max.x=9", "no table [regions.ercot.queue_wait_quarters_max]"),
        ("=9", "expected DOTTED.KEY=VALUE"),
        ("regions.ercot", "expected DOTTED.KEY=VALUE"),
    ],
)
def test_a_bad_override_is_named_in_the_error(override, message):
    with pytest.raises(ScenarioError) as e:
        load_scenario("baseline", [override])
    assert any(message in p for p in e.value.problems), e.value.problems


def test_gridlock_run_applies_overrides_so_stored_games_replay(tmp_path):
    base = [sys.executable, "-m", "game", "run", "--scenario", "tutorial", "--seed", "2", "--json"]
    plain = json.loads(subprocess.run(base, capture_output=True, text=True, cwd=tmp_path, check=True).stdout)
    changed = json.loads(subprocess.run(base + ["--set", "game.quarters=10"], capture_output=True, text=True, cwd=tmp_path, check=True).stdout)
    assert plain["quarters_played"] == 8 and changed["quarters_played"] == 10
    bad = subprocess.run(base + ["--set", "game.quarters=x"], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "game.quarters" not in bad.stdout
    assert "--set: [game] key `quarters`" in bad.stderr


def test_sweep_axes_parse_and_combine_first_axis_slowest():
    a = parse_axis("regions.ercot.queue_wait_quarters_max=12,30")
    b = parse_axis("game.quarters = 4, 8")
    assert a.values == ("12", "30") and b.key == "game.quarters" and b.values == ("4", "8")
    assert combinations([a, b]) == [
        ("regions.ercot.queue_wait_quarters_max=12", "game.quarters=4"),
        ("regions.ercot.queue_wait_quarters_max=12", "game.quarters=8"),
        ("regions.ercot.queue_wait_quarters_max=30", "game.quarters=4"),
        ("regions.ercot.queue_wait_quarters_max=30", "game.quarters=8"),
    ]
    with pytest.raises(TournamentError, match="listed twice"):
        parse_axis("game.quarters=4,4")
    with pytest.raises(TournamentError, match="same key twice"):
        combinations([b, b])
    with pytest.raises(TournamentError, match="expected DOTTED.KEY=V1,V2"):
        parse_axis("game.quarters=4,")


def test_a_sweep_plays_the_same_seeds_and_seats_at_every_setting(tmp_path):
    base = TournamentConfig("tutorial", ("hyperscaler", "neocloud", "random"), games=6, seed=8)
    points = run_sweep(base, [parse_axis("game.quarters=8,10")], tmp_path / "sw", workers=2)
    short, full = (p.outcome.db for p in points)
    assert rows(short, "SELECT idx, seed, seats FROM games ORDER BY idx") == rows(full, "SELECT idx, seed, seats FROM games ORDER BY idx")
    # the setting really changed each tournament, and each records its own overrides
    assert {q for (q,) in rows(short, "SELECT quarters FROM games")} == {8}
    assert {q for (q,) in rows(full, "SELECT quarters FROM games")} == {10}
    assert json.loads(rows(short, "SELECT value FROM meta WHERE key = 'config'")[0][0])["overrides"] == ["game.quarters=8"]
    # the table's numbers are the stored ones: the mean score of random at 8 quarters, by hand
    (mean8,) = rows(short, "SELECT AVG(score) FROM results WHERE agent = 'random'")[0]
    table = sweep_table(points)
    line = next(l for l in table.splitlines() if l.startswith("random") and l.split()[1] == "8")
    assert f"{mean8:.3f}" in line.split()
    assert "swept: game.quarters" in table


def test_a_sweep_refuses_a_bad_value_before_playing_anything(tmp_path):
    base = TournamentConfig("tutorial", ("hyperscaler", "neocloud", "random"), games=2, seed=8)
    with pytest.raises(TournamentError, match=r"--set: \[regions.ercot\] key `queue_wait_quarters_max`: -5 is out of range"):
        run_sweep(base, [parse_axis("regions.ercot.queue_wait_quarters_max=12,-5")], tmp_path / "sw", workers=0)
    assert not (tmp_path / "sw").exists()


def test_sweep_cli_without_a_setting_exits_2(tmp_path):
    r = subprocess.run([sys.executable, "-m", "game", "sweep", "--scenario", "tutorial", "--games", "2"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "at least one --set" in r.stderr

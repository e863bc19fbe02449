"""The gridlock command: helpful text, exit 0 on success, exit 2 and one clear line for a user's
mistake — never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from game.agents import REGISTRY
from game.scenario import available_scenarios


def gridlock(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "game", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def refused(r: subprocess.CompletedProcess) -> str:
    """A refusal: exit 2, nothing on stdout, no traceback; returns the message."""
    assert r.returncode == 2, (r.returncode, r.stdout[-400:], r.stderr[-800:])
    assert "Traceback" not in r.stderr
    assert r.stdout == ""
    return r.stderr


# ---- help and listings --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, expected",
    [
        (["--help"], ["usage: gridlock", "run", "scenario", "agents", "play"]),
        (["run", "--help"], ["usage: gridlock run", "--scenario", "--seed", "--seat", "--save", "--load", "--quarters", "--json", "Example:"]),
        (["scenario", "check", "--help"], ["usage: gridlock scenario check", "path", "every problem"]),
    ],
)
def test_help_exits_0_and_explains_the_options(tmp_path, args, expected):
    r = gridlock(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for text in expected:
        assert text in r.stdout


def test_agents_lists_every_built_in_agent_with_its_archetype_and_thesis(tmp_path):
    r = gridlock("agents", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = [x for x in r.stdout.splitlines() if x[:1].strip()]  # agent rows start in column one
    for name, (_, archetype, thesis) in REGISTRY.items():
        line = next(x for x in rows if x.split()[0] == name)
        assert archetype in line and thesis in line


def test_scenario_check_passes_a_shipped_scenario_and_list_names_them_all(tmp_path):
    r = gridlock("scenario", "check", "tutorial", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "OK" in r.stdout and "8 quarters" in r.stdout and "3 companies" in r.stdout
    r = gridlock("scenario", "list", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for name in available_scenarios():
        assert name in r.stdout


def test_scenario_check_refuses_a_broken_file_listing_its_problems(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[game]\nname = "Broken"\nquarters = "many"\n', encoding="utf-8")
    message = refused(gridlock("scenario", "check", str(bad), cwd=tmp_path))
    assert "bad.toml" in message and "quarters" in message


# ---- bad input ----------------------------------------------------------------------------------
def test_an_unknown_scenario_is_refused_naming_the_shipped_ones(tmp_path):
    message = refused(gridlock("run", "--scenario", "nope", cwd=tmp_path))
    assert "nope" in message
    shipped = available_scenarios()
    assert {"baseline", "tutorial"} <= set(shipped)
    for name in shipped:
        assert name in message


def test_a_seat_for_a_company_not_in_the_scenario_is_refused(tmp_path):
    message = refused(gridlock("run", "--scenario", "tutorial", "--seat", "nobody=hyperscaler", cwd=tmp_path))
    assert "'nobody'" in message
    for cid in ("aurora", "corecell", "nebula"):
        assert cid in message


def test_an_unknown_agent_is_refused_naming_the_built_in_ones(tmp_path):
    message = refused(gridlock("run", "--scenario", "tutorial", "--seat", "aurora=nosuchagent", cwd=tmp_path))
    assert "'nosuchagent'" in message
    for name in REGISTRY:
        assert name in message


@pytest.mark.parametrize("seat", ["aurora", "=random", "aurora="])
def test_a_malformed_seat_is_refused(tmp_path, seat):
    message = refused(gridlock("run", "--scenario", "tutorial", "--seat", seat, cwd=tmp_path))
    assert "COMPANY=AGENT" in message


def test_a_company_seated_twice_is_refused(tmp_path):
    message = refused(gridlock("run", "--scenario", "tutorial", "--seat", "aurora=random", "--seat", "aurora=hyperscaler", cwd=tmp_path))
    assert "twice" in message


@pytest.mark.parametrize("seed", ["-1", "abc", "1.5", str(2**63)])
def test_a_bad_seed_is_refused(tmp_path, seed):
    message = refused(gridlock("run", "--scenario", "tutorial", "--seed", seed, cwd=tmp_path))
    assert "seed" in message


def test_negative_quarters_are_refused(tmp_path):
    assert "--quarters" in refused(gridlock("run", "--scenario", "tutorial", "--quarters", "-1", cwd=tmp_path))


def test_no_command_prints_help_and_exits_2(tmp_path):
    r = gridlock(cwd=tmp_path)
    assert r.returncode == 2 and "usage: gridlock" in r.stdout and "Traceback" not in r.stderr


# ---- a game -------------------------------------------------------------------------------------
def test_run_prints_the_standings_with_every_company(tmp_path, tutorial):
    r = gridlock("run", "--scenario", "tutorial", "--seed", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Standings" in r.stdout
    assert "seed 1: 8 quarters" in r.stdout
    for c in tutorial.companies.values():
        assert c.name in r.stdout


def test_run_json_gives_the_standings_of_every_company(tmp_path, tutorial):
    r = gridlock("run", "--scenario", "tutorial", "--seed", "1", "--seat", "nebula=random", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(data["standings"]) == len(tutorial.companies) == 3
    assert sorted(x["id"] for x in data["standings"]) == sorted(tutorial.companies)
    assert [x["rank"] for x in data["standings"]] == [1, 2, 3]
    assert next(x for x in data["standings"] if x["id"] == "nebula")["agent"] == "random"
    assert (data["seed"], data["quarters_played"]) == (1, 8)
    assert len(data["history"]) == 8


def test_run_stops_after_the_quarters_asked_for(tmp_path):
    r = gridlock("run", "--scenario", "tutorial", "--seed", "1", "--quarters", "2", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["quarters_played"] == 2


# ---- the details a new player trips over -----------------------------------------------------------
def test_a_seat_given_an_agent_of_the_other_archetype_is_refused_with_the_agents_that_fit(tmp_path):
    err = refused(gridlock("run", "--scenario", "tutorial", "--seed", "1", "--seat", "corecell=hyperscaler", cwd=tmp_path))
    assert "company 'corecell' is a neocloud; agent 'hyperscaler' plays a hyperscaler" in err
    assert "Agents for a neocloud:" in err and "neocloud" in err.split("Agents for a neocloud:")[1]


def test_zero_quarters_is_refused_cleanly(tmp_path):
    assert "--quarters must be at least 1" in refused(gridlock("run", "--scenario", "tutorial", "--quarters", "0", cwd=tmp_path))


def test_the_saves_folder_is_found_from_any_folder(tmp_path, monkeypatch):
    from game.session import SAVES_ENV, Session, default_saves_dir, unfinished_autosave

    monkeypatch.setenv(SAVES_ENV, str(tmp_path / "mine"))
    assert default_saves_dir() == tmp_path / "mine"
    s = Session.start("tutorial", 4, {"aurora": "human"})
    assert s.saves_dir == tmp_path / "mine"
    s.autosave()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    found = unfinished_autosave()
    assert found is not None and found[0] == tmp_path / "mine" / "autosave.json"
    monkeypatch.delenv(SAVES_ENV)
    # without the variable: the user's data folder, wherever Gridlock starts
    assert default_saves_dir().name == "saves" and "gridlock" in str(default_saves_dir()).lower()


def test_play_refuses_a_saves_dir_that_is_a_file(tmp_path):
    f = tmp_path / "notafolder"
    f.write_text("x")
    assert "not a folder" in refused(gridlock("play", "--saves-dir", str(f), cwd=tmp_path))

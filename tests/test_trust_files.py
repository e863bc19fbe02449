"""Only the command line may name code to run: a save's or a scenario's seats name built-in agents
only (a plug-in or bot seat there is refused with one line saying how to seat it); an explicit
--trust-file-seats allows it; a save's edited copy of a shipped scenario is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from game.saves import _digest

from trust_helpers import gridlock

EVIL = '''
from pathlib import Path
Path(__file__).with_name("PWNED").write_text("ran")

class Evil:
    def __init__(self, seed, **params):
        self.name = "evil"
    def decide(self, view):
        return []
'''


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    (tmp_path / "evil.py").write_text(EVIL)
    path = tmp_path / "g.json"
    r = gridlock("run", "--scenario", "tutorial", "--seed", "3", "--quarters", "2", "--save", str(path), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return path


def rewrite(path: Path, change) -> None:
    """Edit a save as an attacker would: change it, then recompute its checksum."""
    data = json.loads(path.read_text())
    change(data)
    body = {k: v for k, v in data.items() if k != "checksum"}
    path.write_text(json.dumps({**body, "checksum": _digest(body)}))


@pytest.mark.parametrize("seat", ["./evil.py:Evil", "evil.py", "cmd:python3 evil.py", "os.path:Evil"])
@pytest.mark.parametrize("command", ["run", "play"])
def test_a_save_naming_code_at_a_seat_is_refused_and_runs_nothing(saved, seat, command):
    rewrite(saved, lambda d: d["seats"].update(aurora=seat))
    r = gridlock(command, "--load", str(saved), cwd=saved.parent)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert not (saved.parent / "PWNED").exists()
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "not a built-in agent" in r.stderr and "--seat aurora=" in r.stderr


def test_the_person_may_seat_that_code_on_the_command_line_or_trust_the_file(saved):
    rewrite(saved, lambda d: d["seats"].update(aurora="./evil.py:Evil"))
    r = gridlock("run", "--load", str(saved), "--seat", "aurora=./evil.py:Evil", cwd=saved.parent)
    assert r.returncode == 0, r.stderr
    assert (saved.parent / "PWNED").exists()
    (saved.parent / "PWNED").unlink()
    r = gridlock("run", "--load", str(saved), "--trust-file-seats", cwd=saved.parent)
    assert r.returncode == 0, r.stderr
    assert (saved.parent / "PWNED").exists()


@pytest.mark.parametrize("agent", ["evil.py:Evil", "./evil.py", "cmd:python3 evil.py"])
def test_a_scenario_naming_code_as_a_default_agent_is_refused_and_runs_nothing(tmp_path, agent):
    (tmp_path / "evil.py").write_text(EVIL)
    (tmp_path / "s.toml").write_text(f'extends = "tutorial"\n[companies.nebula]\nagent = {json.dumps(agent)}\n')
    r = gridlock("run", "--scenario", "s.toml", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert not (tmp_path / "PWNED").exists()
    assert "not a built-in agent" in r.stderr and "--seat nebula=" in r.stderr and "Traceback" not in r.stderr
    r = gridlock("run", "--scenario", "s.toml", "--trust-file-seats", cwd=tmp_path)
    if not agent.startswith("cmd:"):  # (the cmd: one is no bot at all; it is enough that it is let through to start)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "PWNED").exists()


def test_a_tournament_what_if_does_not_run_code_its_save_names(saved):
    rewrite(saved, lambda d: d["seats"].update(aurora="./evil.py:Evil"))
    r = gridlock("tournament", "--from", str(saved), "--games", "2", "--workers", "0", "--db", str(saved.parent / "r.sqlite"), cwd=saved.parent)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert not (saved.parent / "PWNED").exists()
    assert "--human-agent" in r.stderr


def test_a_save_whose_scenario_differs_from_the_shipped_one_says_so(saved):
    r = gridlock("run", "--load", str(saved), cwd=saved.parent)
    assert r.returncode == 0 and "differs" not in r.stderr

    rewrite(saved, lambda d: d["scenario"]["game"].update(description="edited"))
    r = gridlock("run", "--load", str(saved), cwd=saved.parent)
    assert r.returncode == 0, r.stderr
    assert "its scenario differs from the shipped 'tutorial' at game.description" in r.stderr, r.stderr

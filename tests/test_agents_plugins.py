"""Plug-in agents: a user's class by module or file path, the starting template, and every way
loading one can go wrong (one clear line, exit 2 from the CLI)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from game.agents import UnknownAgent, make_agent
from game.agents.template import TemplateAgent
from game.engine.rng import agent_seed
from game.runner import play, seat_agents
from game.saves import load_game
from test_cli import gridlock, refused

AGENT = """
import numpy as np
from game.model import orders as o

class Seeded:
    def __init__(self, seed, price="1.0"):
        self.draw = float(np.random.default_rng(seed).random())
        self.seed = seed
        self.price = float(price)

    def decide(self, view):
        regions = sorted({s.region for s in view.me.sites if s.stage == "online"})
        return [o.OfferCompute(r, round(view.price_index * self.price, 4)) for r in regions]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def rejected(game, cid: str) -> list:
    return [r for reps in game.private_reports for c, rep in reps.items() if c == cid for r in rep.rejected]


# ---- loading ----------------------------------------------------------------------------------------
def test_a_file_plug_in_gets_its_seats_seed_sequence_and_its_parameters(tmp_path):
    path = write(tmp_path / "mine.py", AGENT)
    a = make_agent(f"{path}:Seeded:price=0.9", agent_seed(5, 2))
    b = make_agent(f"{path}:Seeded", agent_seed(5, 2))
    assert isinstance(a.seed, np.random.SeedSequence)
    assert a.draw == b.draw == float(np.random.default_rng(agent_seed(5, 2)).random())  # same seat, same draws
    assert a.price == 0.9 and a.name == f"{path}:Seeded:price=0.9"
    assert make_agent(str(path), agent_seed(5, 3)).draw != a.draw  # the one agent class needs no name


def test_a_module_plug_in_loads_by_dotted_name(tmp_path, monkeypatch):
    write(tmp_path / "mypkg" / "__init__.py", "")
    write(tmp_path / "mypkg" / "bots.py", AGENT)
    monkeypatch.syspath_prepend(str(tmp_path))
    a = make_agent("mypkg.bots:Seeded", agent_seed(0, 0))
    assert type(a).__name__ == "Seeded" and a.name == "mypkg.bots:Seeded"


def test_a_plug_in_plays_a_whole_game_in_process(tmp_path, tutorial):
    path = write(tmp_path / "mine.py", AGENT)
    game, result = play(tutorial, 1, seat_agents(tutorial, 1, {"corecell": f"{path}:Seeded"}))
    assert game.finished and rejected(game, "corecell") == []
    assert next(s for s in result.standings if s.id == "corecell").agent == f"{path}:Seeded"


@pytest.mark.parametrize(
    "files, spec, message",
    [
        ({}, "nothere.py:Agent", "no plug-in agent file"),
        ({}, "no_such_package.bots:Agent", "no module 'no_such_package.bots'"),
        ({"a.py": AGENT}, "a.py:Missing", "has no 'Missing'"),
        ({"a.py": AGENT + "\nNOT_AGENT = 3\nclass Plain:\n    pass\n"}, "a.py:Plain", "not an agent class"),
        ({"a.py": AGENT + "\nNOT_AGENT = 3\n"}, "a.py:NOT_AGENT", "not an agent class"),
        ({"a.py": AGENT.replace("self.price = float(price)", "raise RuntimeError('no GPUs today')")}, "a.py:Seeded", "failed while being built: RuntimeError: no GPUs today"),
        ({"a.py": AGENT}, "a.py:Seeded:colour=blue", "unexpected keyword argument 'colour'"),
        ({"a.py": "import numpy\nraise SystemExit(3)\n"}, "a.py", "failed to import: SystemExit"),
        ({"a.py": "def broken(:\n"}, "a.py", "failed to import: SyntaxError"),
        ({"a.py": "x = 1\n"}, "a.py", "defines no agent class"),
        ({"a.py": AGENT + "\nclass Other(Seeded):\n    pass\n"}, "a.py", "several agent classes (Other, Seeded)"),
        ({"pk/__init__.py": "", "pk/m.py": "import not_installed_anywhere\n"}, "pk.m:X", "needs 'not_installed_anywhere'"),
    ],
)
def test_a_broken_plug_in_is_refused_with_one_line_naming_what_is_wrong(tmp_path, files, spec, message):
    for name, text in files.items():
        write(tmp_path / name, text)
    out = refused(gridlock("run", "--scenario", "tutorial", "--seat", f"corecell={spec}", cwd=tmp_path))
    assert message in out, out
    assert len(out.strip().splitlines()) == 1


def test_a_class_without_decide_is_not_an_agent_even_in_process(tmp_path):
    path = write(tmp_path / "b.py", "class Plain:\n    def __init__(self, seed):\n        pass\n")
    with pytest.raises(UnknownAgent, match="not an agent class"):
        make_agent(f"{path}:Plain", agent_seed(0, 0))


# ---- the template ---------------------------------------------------------------------------------------
def test_agents_new_writes_a_template_that_plays_a_whole_game_via_seat_with_no_rejected_order(tmp_path):
    r = gridlock("agents", "new", "my_bot", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "my_bot.py"
    assert "class MyBotAgent" in path.read_text(encoding="utf-8")
    assert "./my_bot.py:MyBotAgent" in r.stdout
    r = gridlock("run", "--scenario", "baseline", "--seed", "4", "--seat", "corecell=./my_bot.py:MyBotAgent", "--save", "g.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "./my_bot.py" in r.stdout  # the report names the seat (cut to fit its column)
    game, data = load_game(tmp_path / "g.json")  # replays the recorded orders: the same rejections, if any
    assert game.finished and data["seats"]["corecell"] == "./my_bot.py:MyBotAgent"
    assert sum(len(q.get("corecell", [])) for q in game.order_log) > 24  # it did play
    assert rejected(game, "corecell") == []


def test_agents_new_refuses_to_overwrite_and_to_take_a_bad_name(tmp_path):
    (tmp_path / "mine.py").write_text("precious\n", encoding="utf-8")
    assert "already exists" in refused(gridlock("agents", "new", "mine", cwd=tmp_path))
    assert (tmp_path / "mine.py").read_text(encoding="utf-8") == "precious\n"
    assert "Python identifier" in refused(gridlock("agents", "new", "my-bot", cwd=tmp_path))
    assert "Python identifier" in refused(gridlock("agents", "new", "class", cwd=tmp_path))
    assert "no directory" in refused(gridlock("agents", "new", "ok", "--dir", "nowhere", cwd=tmp_path))
    (tmp_path / "sub").mkdir()
    r = gridlock("agents", "new", "ok", "--dir", "sub", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "sub" / "ok.py").is_file()


@pytest.mark.parametrize("scenario", ["baseline", "ai-winter"])
def test_the_template_agent_plays_every_seat_without_a_rejected_order(scenario):
    from game.scenario import load_scenario

    spec = load_scenario(scenario)
    for seed in range(2):
        agents = {cid: TemplateAgent(agent_seed(seed, i)) for i, cid in enumerate(spec.companies)}
        game, _ = play(spec, seed, agents)
        assert all(rejected(game, cid) == [] for cid in spec.companies)
        assert any(x.kind == "bid_chips" for q in game.order_log for orders in q.values() for x in orders)


def test_the_readme_worked_example_plays_a_whole_game_without_a_rejected_order(tmp_path, baseline):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = readme.split("A worked example:", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    path = write(tmp_path / "my_agent.py", code)
    game, _ = play(baseline, 2, seat_agents(baseline, 2, {"corecell": f"{path}:MyAgent:markup=1.5"}))
    assert game.finished and rejected(game, "corecell") == []
    kinds = {x.kind for q in game.order_log for x in q.get("corecell", [])}
    assert {"start_site", "bid_interconnect", "offer_compute"} <= kinds

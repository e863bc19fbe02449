"""The debrief: an after-action report of a saved game, its charts, and its counterfactuals."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from game.debrief import build
from game.debrief import svg
from game.debrief.command import write
from game.debrief.whatif import branch, scores
from game.engine import Game
from game.runner import play, seat_agents
from game.saves import load_game, save_game

REPO = Path(__file__).resolve().parents[1]
SECTIONS = ("cover", "results", "market", "turning-points", "what-if", "discussion", "appendix")
FUTURES = 4


@pytest.fixture(scope="module")
def tutorial_save(tmp_path_factory, tutorial):
    """The tutorial (eight quarters, six injects) played by agents, one seat marked as a person's."""
    seed = 11
    agents = seat_agents(tutorial, seed)
    game, _ = play(tutorial, seed, agents)
    path = tmp_path_factory.mktemp("debrief") / "tutorial.json"
    first = next(iter(tutorial.companies))
    save_game(game, path, {**{cid: a.name for cid, a in agents.items()}, first: "human"})
    return path


@pytest.fixture(scope="module")
def report(tutorial_save, tmp_path_factory):
    html = tmp_path_factory.mktemp("out") / "tutorial.html"
    write(str(tutorial_save), html, FUTURES, workers=0)
    return html


def test_the_report_holds_every_section(report, tutorial_save, tutorial):
    text = report.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'<section id="{section}"' in text, section
    for cid, company in tutorial.companies.items():
        assert f'id="company-{cid}"' in text and company.name in text
    data = json.loads(report.with_name("tutorial-data.json").read_text(encoding="utf-8"))
    assert list(data) == ["format", "version", "cover", "quarters", "results", "market", "companies", "turning_points", "what_if", "discussion", "appendix"]
    game, saved = load_game(tutorial_save)
    assert data["cover"]["digest"] == saved["checksum"] and data["cover"]["quarters_played"] == 8
    assert data["cover"]["teams"][0]["played_by"] == "a person"
    # the tutorial's injects fired and are on the cover, each with its measured effect
    assert len(data["cover"]["injects"]) == len(tutorial.injects)
    assert {i["event"] for i in data["turning_points"]["injects"]} == {x.event for x in tutorial.injects}
    # every order of the log is in the appendix, and in the CSV beside the page, once
    given = sum(len(v) for q in game.order_log for v in q.values() if isinstance(v, list))
    assert len(data["appendix"]["orders"]) == given
    csv_rows = report.with_name("tutorial-orders.csv").read_text(encoding="utf-8").strip().splitlines()
    assert len(csv_rows) == given + 1
    # standings carry every field the result has, whatever the score is made of
    result_fields = set(json.loads(json.dumps(data["results"]["standings"][0])))
    assert {"rank", "score", "equity_value_musd"} <= result_fields
    for cid in tutorial.companies:
        page = data["companies"][cid]
        assert [t["quarter"] for t in page["timeline"]] == data["quarters"]
        assert page["closest_to_distress"]["quarter"] in data["quarters"]
        flow = dict(page["statements"]["cash_flow"])
        # the cash-flow statement adds up: start + operating + investing + financing (+ other) = end
        total = flow["cash at the start"] + flow["operating"] + flow["investing"] + flow["financing"] + flow.get("other", 0.0)
        assert total == pytest.approx(flow["cash at the end"], abs=0.5)
        wi = data["what_if"]["by_company"][cid]
        assert wi["futures"]["games"] == FUTURES and wi["default_agent_score"] is not None and wi["idle_score"] is not None
    assert data["discussion"]["improvement_table"]["columns"] == ["issue", "action", "owner"]


def test_every_chart_is_valid_svg(report):
    text = report.read_text(encoding="utf-8")
    charts = re.findall(r"<svg\b.*?</svg>", text, flags=re.S)
    assert len(charts) >= 8  # rank, score, five market charts, two per company, the what-if
    for chart in charts:
        root = ET.fromstring(chart)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.find("{http://www.w3.org/2000/svg}title") is not None


def test_the_html_names_no_external_resource(report):
    assert_self_contained(report.read_text(encoding="utf-8"))


def assert_self_contained(text: str) -> None:
    lowered = text.lower()
    for banned in ("<script", "<link", "<iframe", "<img", "@import", "url(", "src="):
        assert banned not in lowered, banned
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', text))
    # the one address in the file is the SVG namespace, which names no resource to fetch
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) == {"http://www.w3.org/2000/svg"}


def test_the_same_save_gives_the_same_report_byte_for_byte(report, tutorial_save, tmp_path):
    again = tmp_path / "tutorial.html"
    write(str(tutorial_save), again, FUTURES, workers=2)  # other workers, same report
    for a, b in ((report, again), (report.with_name("tutorial-data.json"), again.with_name("tutorial-data.json")), (report.with_name("tutorial-orders.csv"), again.with_name("tutorial-orders.csv"))):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_do_nothing_branch_replays_the_same_seed(tutorial_save):
    game, _ = load_game(tutorial_save)
    orders = [dict(q) for q in game.order_log]
    cid, start = "nebula" if "nebula" in game.spec.companies else list(game.spec.companies)[-1], 3
    idle = branch(game.spec, game.seed, orders, cid, start, None)
    assert idle.seed == game.seed
    # the same history up to the branch, everyone else's orders after it, and none of cid's
    assert idle.order_log[:start] == orders[:start]
    for q in range(start, len(orders)):
        assert cid not in idle.order_log[q]
        assert {k: v for k, v in idle.order_log[q].items()} == {k: v for k, v in orders[q].items() if k != cid}
    # the same seed: every exogenous draw (news, events) is the one the real game drew
    assert [p.events for p in idle.public_reports] == [p.events for p in game.public_reports]
    assert [p.news[:1] for p in idle.public_reports[:start]] == [p.news[:1] for p in game.public_reports[:start]]
    # and it is the game a fresh replay of its own log gives, again and again
    assert scores(branch(game.spec, game.seed, orders, cid, start, None)) == scores(idle)
    # the report shows exactly this branch's score as "do nothing"
    data = build(tutorial_save, 0)
    wi = data["what_if"]["by_company"][cid]
    assert wi["idle_score"] == pytest.approx(scores(branch(game.spec, game.seed, orders, cid, wi["from_index"], None))[cid], abs=1e-4)


def test_a_company_played_by_its_default_agent_scores_the_same_on_the_default_branch(tutorial_save, tutorial):
    """Same seed, same agent from the start: the branch is the game itself (a check that a
    branch's agent sees exactly what the real one saw)."""
    game, _ = load_game(tutorial_save)
    orders = [dict(q) for q in game.order_log]
    cid = list(tutorial.companies)[1]
    agent = seat_agents(tutorial, game.seed)[cid].name
    assert scores(branch(tutorial, game.seed, orders, cid, 0, agent))[cid] == pytest.approx(scores(game)[cid])


def test_an_unfinished_game_gets_a_report_too(tmp_path, baseline):
    seed = 4
    game, _ = play(baseline, seed, seat_agents(baseline, seed), max_quarters=5)
    save_game(game, tmp_path / "q5.json", {})
    data = build(tmp_path / "q5.json", 2, workers=0)
    assert data["cover"]["finished"] is False and data["cover"]["quarters_played"] == 5
    assert len(data["quarters"]) == 5 and data["what_if"]["futures"]["games"] == 2


def test_a_bad_save_or_file_name_is_one_clear_line_and_exit_2(tmp_path, tutorial_save):
    run = lambda *a: subprocess.run([sys.executable, "-m", "game", "debrief", *a], capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})  # noqa: E731
    r = run(str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "no such save file" in r.stderr and "Traceback" not in r.stderr
    r = run(str(tutorial_save), "--html", str(tmp_path / "report.txt"))
    assert r.returncode == 2 and "--html must name a .html file" in r.stderr
    clash = tmp_path / "game-data.json"  # its report game.html would write its data over it
    clash.write_bytes(tutorial_save.read_bytes())
    r = run(str(clash), "--html", str(tmp_path / "game.html"))
    assert r.returncode == 2 and "is the save itself" in r.stderr and clash.read_bytes() == tutorial_save.read_bytes()
    r = run(str(tutorial_save), "--what-if-games", "-3")
    assert r.returncode == 2 and "between 0 and" in r.stderr


def test_the_svg_writer_is_byte_stable_and_escapes_text():
    a = svg.line_chart("A <chart> & more", ["2026Q1", "2026Q2", "2026Q3"], [("x & y", [1.0, None, 3.0]), ("z", [0.5, 0.25, -0.0])], markers=[(1, "inject <here>")])
    assert a == svg.line_chart("A <chart> & more", ["2026Q1", "2026Q2", "2026Q3"], [("x & y", [1.0, None, 3.0]), ("z", [0.5, 0.25, -0.0])], markers=[(1, "inject <here>")])
    root = ET.fromstring(a)
    assert root.find("{http://www.w3.org/2000/svg}title").text == "A <chart> & more"
    assert "-0.0" not in a
    assert svg.nice_ticks(0, 97) == [0, 20, 40, 60, 80, 100]


def test_a_tournament_report_draws_its_results_and_debriefs_its_extreme_games(tmp_path):
    from game.debrief import tournament
    from game.tournament.run import TournamentConfig, run_tournament

    db = tmp_path / "t.sqlite"
    run_tournament(TournamentConfig("tutorial", ("hyperscaler", "neocloud", "random"), games=6, seed=1), db, workers=0)
    page = tournament.write(str(db), tmp_path / "t.html").read_text(encoding="utf-8")
    for section in ("summary", "distributions", "wins", "pairwise", "ratings", "extremes"):
        assert f'<section id="{section}"' in page, section
    charts = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(charts) == 4 and all(ET.fromstring(c).tag == "{http://www.w3.org/2000/svg}svg" for c in charts)
    assert_self_contained(page)
    # each extreme game comes with the commands that replay it, save it and write its debrief
    commands = re.findall(r"<code>(gridlock run [^<]*)</code>", page)
    assert commands and all("--save game-" in c and "&amp;&amp; gridlock debrief game-" in c for c in commands)
    assert page == tournament.write(str(db), tmp_path / "again.html").read_text(encoding="utf-8")


def test_a_save_full_of_garbage_orders_still_gets_its_report(tmp_path, tutorial):
    """A save holds whatever a bot sent; the engine refused it, and the report says so."""
    game = Game(tutorial, 5)
    first, second = list(tutorial.companies)[:2]
    junk = [{"type": "bid_interconnect", "region": ["ercot"], "mw": "lots", "price_musd_per_mw": None}, {"type": ["nope"]}, "sell everything", 42, {"type": "bid_chips", "generation": {"a": 1}, "units": 1, "price_musd_per_unit": 1}]
    game.step({first: junk, second: "not a list"})
    play(tutorial, 5, seat_agents(tutorial, 5), game, max_quarters=2)
    save_game(game, tmp_path / "junk.json", {})
    data = build(tmp_path / "junk.json", 0)
    q1 = data["companies"][first]["timeline"][0]["orders"]
    assert [o["verdict"] for o in q1] == ["rejected"] * len(junk) and all(o["reason"] for o in q1)
    assert data["companies"][second]["timeline"][0]["orders"][0]["verdict"] == "rejected"
    write(str(tmp_path / "junk.json"), tmp_path / "junk.html", 0)
    assert "sell everything" in (tmp_path / "junk.html").read_text(encoding="utf-8")

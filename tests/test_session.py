"""The session: the one object the TUI talks to. Pending orders are judged as the engine will."""

from __future__ import annotations

import json

import pytest

from game.model.orders import BidInterconnect, Borrow, BidChips
from game.runner import seat_agents, play
from game.session import HUMAN, Session, SessionError, parse_order, unfinished_autosave
from game.engine import Game


@pytest.fixture
def session(tutorial, tmp_path):
    return Session.start(tutorial, 11, {"corecell": HUMAN}, saves_dir=tmp_path)


def test_preview_agrees_with_the_engine_on_what_it_rejects(session):
    view = session.view("corecell")
    room = view.me.borrow_headroom_musd
    orders = [BidInterconnect("ercot", 50.0, 0.2), Borrow(room + 1000.0), BidInterconnect("atlantis", 10.0, 1.0)]
    preview = session.submit("corecell", orders)
    verdicts = [c.reason is None for c in preview.checks]
    assert verdicts == [True, False, False]
    assert "lenders will lend at most" in preview.checks[1].reason
    assert "unknown region" in preview.checks[2].reason
    # a bid commits MW × price of cash: 50 × 0.2 = $10M
    assert preview.cash_out_musd == pytest.approx(10.0)
    session.advance()
    rejected = session.private_report("corecell").rejected
    assert [r["reason"] for r in rejected] == [preview.checks[1].reason, preview.checks[2].reason]


def test_preview_changes_nothing_in_the_game(session):
    before = json.dumps(session.game.core.private["corecell"].rejected)
    session.preview("corecell", [Borrow(1e9), {"type": "nonsense"}])
    assert json.dumps(session.game.core.private["corecell"].rejected) == before


def test_funds_run_out_across_the_pending_set(session):
    funds = session.preview("corecell", []).funds_musd
    # two spot bids that each fit but not together
    half = funds * 0.6
    orders = [BidChips("gb300", 1000, half / 1000), BidChips("gb300", 1000, half / 1000)]
    checks = session.preview("corecell", orders).checks
    assert checks[0].reason is None and "insufficient funds" in checks[1].reason


def test_parse_order_names_the_bad_field():
    with pytest.raises(ValueError, match="mw must be a number"):
        parse_order("bid_interconnect", {"region": "ercot", "mw": "fifty", "price_musd_per_mw": "0.2"})
    with pytest.raises(ValueError, match="units must be a whole number"):
        parse_order("bid_chips", {"generation": "gb300", "units": "2.5", "price_musd_per_unit": "0.04"})
    assert parse_order("start_site", {"power": "P1", "cooling": "liquid", "fast_track": False}).fast_track is False


def test_only_human_seats_take_orders(session):
    with pytest.raises(SessionError):
        session.submit("aurora", [])


def test_a_session_with_the_agents_plays_the_same_game_as_the_runner(tutorial, tmp_path):
    """A human who sends nothing is a company with empty order sets; agents' seeds are unchanged."""
    s = Session.start(tutorial, 4, {"nebula": HUMAN}, saves_dir=tmp_path)
    while not s.finished:
        s.advance()
    agents = {cid: a for cid, a in seat_agents(tutorial, 4).items() if cid != "nebula"}
    game, _ = play(tutorial, 4, agents, Game(tutorial, 4))
    assert s.history == game.history


def test_autosave_each_quarter_and_continue_where_it_stopped(session, tmp_path):
    session.submit("corecell", [BidInterconnect("ercot", 50.0, 0.2)])
    session.advance()
    found = unfinished_autosave(tmp_path)
    assert found is not None and "quarter 2 of 8" in found[1]
    again = Session.load(found[0], saves_dir=tmp_path)
    assert again.seats == session.seats and again.quarter == 1
    assert again.game.history == session.game.history
    # both carry on identically
    session.advance(), again.advance()
    assert again.game.history == session.game.history


def test_a_finished_game_is_not_offered_to_continue(session, tmp_path):
    while not session.finished:
        session.advance()
    assert unfinished_autosave(tmp_path) is None


@pytest.mark.parametrize("name", ["tutorial", "baseline"])
def test_looking_at_the_game_never_changes_it_so_a_save_mid_quarter_loads(name, tmp_path):
    """A player reads every view before saving; the save must still replay to the same state."""
    s = Session.start(name, 5, {"corecell": HUMAN}, saves_dir=tmp_path)
    for q in range(3):
        for cid in s.seats:
            s.game.view(cid)
        s.preview("corecell", [BidInterconnect("ercot", 10.0, 5.0)])
        path = s.save(tmp_path / f"q{q}.json")
        assert Session.load(path, saves_dir=tmp_path).game.history == s.game.history
        s.advance()


def test_cli_play_refuses_a_bad_save_or_scenario_with_exit_2(tmp_path, capsys):
    from game.cli import main

    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main(["play", "--load", str(broken)]) == 2
    assert "not a Gridlock save" in capsys.readouterr().err
    assert main(["play", "--scenario", str(tmp_path / "none.toml")]) == 2


def test_a_game_played_by_a_person_continues_headless_with_the_default_agent(tutorial, tmp_path, capsys):
    from game.cli import main

    s = Session.start(tutorial, 3, {"aurora": HUMAN}, saves_dir=tmp_path)
    s.advance()
    s.save(tmp_path / "h.json")
    assert main(["run", "--load", str(tmp_path / "h.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["quarters_played"] == 8


def test_the_session_is_headless():
    """A server could host a game through the session without any terminal UI installed."""
    import subprocess
    import sys

    code = "import sys, game.session; bad = sorted(m for m in ('textual', 'rich') if m in sys.modules); print(bad); sys.exit(1 if bad else 0)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

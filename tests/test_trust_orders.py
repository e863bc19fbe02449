"""Orders are normalised at the boundary: numpy scalars become Python numbers; a Decimal, a
non-string key or an out-of-range whole number is rejected with a reason, never a traceback;
whatever was rejected, the game still saves, and a rejection reads the same after a reload."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest

from game.engine import Game
from game.model import orders as o
from game.saves import load_game, save_game, snapshot
from game.scenario import load_scenario

from trust_helpers import gridlock

ME = "nebula"


def quarter(spec, orders) -> Game:
    game = Game(spec, 1)
    game.step({ME: orders})
    return game


def reasons(game: Game) -> list[str]:
    return [r["reason"] for r in game.private_reports[-1][ME].rejected]


def plain(x) -> bool:
    """Only Python's own types anywhere in a state tree (no numpy bool or float left behind)."""
    if isinstance(x, dict):
        return all(plain(k) and plain(v) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return all(plain(v) for v in x)
    return type(x) in (str, int, float, bool, type(None))


def test_numpy_scalars_in_a_typed_order_are_read_as_python_numbers(tutorial):
    game = quarter(tutorial, [o.Borrow(np.float64(50.0)), o.BidChips("b200", np.int64(5), np.float32(0.04))])
    assert reasons(game) == []
    from game.scenario.load import CONVERTER

    assert plain(CONVERTER.unstructure(game.core.world))  # nothing numpy reached the state


@pytest.mark.parametrize(
    "order, reason",
    [
        ({"type": "borrow", "musd": 10, 1: "x"}, "an order's keys must be strings, got 1"),
        ({"type": "borrow", "musd": 10, ("a",): "x"}, "an order's keys must be strings, got ('a',)"),
        (o.Borrow(10**400), "musd: a whole number of 1,329 bits is out of range"),
        ({"type": "borrow", "musd": -(10**30)}, "musd: -1000000000000000000000000000000 is out of range"),
        (o.Borrow(Decimal("12.5")), "musd: a Decimal (Decimal('12.5')) is not a number an order takes"),
        ({"type": "repay", "musd": Decimal("1")}, "musd: a Decimal (Decimal('1')) is not a number an order takes"),
    ],
    ids=["int key", "tuple key", "10**400", "-10**30 in JSON", "Decimal typed", "Decimal in JSON"],
)
def test_an_order_the_engine_cannot_read_is_rejected_with_its_reason(tutorial, tmp_path, order, reason):
    game = quarter(tutorial, [order])
    assert len(reasons(game)) == 1 and reasons(game)[0].startswith(reason)
    # and the game saves and loads with the same rejection
    loaded, _ = load_game(save_game(game, tmp_path / "g.json"))
    assert snapshot(loaded) == snapshot(game)
    assert loaded.private_reports[-1][ME].rejected == game.private_reports[-1][ME].rejected


def test_a_nan_orders_rejection_reads_the_same_after_a_reload(tutorial, tmp_path):
    game = quarter(tutorial, [o.Borrow(float("nan")), o.BidChips("b200", 5, float("inf"))])
    before = game.private_reports[-1][ME].rejected
    assert [r["reason"] for r in before] == ["musd must be a finite number, got nan", "price_musd_per_unit must be a finite number, got inf"]
    loaded, _ = load_game(save_game(game, tmp_path / "g.json"))
    assert loaded.private_reports[-1][ME].rejected == before


def test_a_huge_number_in_an_order_set_shown_in_a_rejection_is_cut(tutorial):
    game = quarter(tutorial, [{"type": "x" * 10_000}, "y" * 10_000])
    for r in game.private_reports[-1][ME].rejected:
        assert len(r["order"]) <= 300 and len(r["reason"]) <= 300


PLUGIN = '''
import numpy as np
from game.model.orders import Borrow

class Numpy:
    def __init__(self, seed, **params):
        self.name = "numpy"
    def decide(self, view):
        return [Borrow(np.float64(50.0))] if view.quarter == 0 else []
'''


def test_a_plug_in_giving_numpy_numbers_does_not_stop_the_save_or_the_report(tmp_path):
    (tmp_path / "np_agent.py").write_text(PLUGIN)
    save = tmp_path / "g.json"
    r = gridlock("run", "--scenario", "tutorial", "--seat", "nebula=./np_agent.py:Numpy", "--save", str(save), "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert json.loads(r.stdout)["quarters_played"] == 8
    assert json.loads(save.read_text())["quarter"] == 8


def test_a_scenario_error_quotes_a_long_wrong_value_cut(tmp_path, baseline_text):
    path = tmp_path / "s.toml"
    path.write_text(baseline_text.replace('name = "', 'name = ' + repr("z" * 50_000) + ' # "', 1).replace("quarters = ", "quarters = " + '"' + "q" * 50_000 + '" # ', 1))
    with pytest.raises(Exception) as e:
        load_scenario(path)
    text = str(e.value)
    assert "qqqq" in text and len(text) < 2_000

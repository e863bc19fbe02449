"""Views are isolated (docs/rules.md, "Information and views"): an agent cannot change the game through its view, and a view
holds nothing its company may not know — no scheduled inject, no rival's private figure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
import attrs
import pytest

from game.engine import Game
from game.model.view import CompanyView, ReadOnlyDict, is_frozen
from game.report import result_json
from game.runner import agent_orders, play, seat_agents
from game.saves import snapshot
from game.scenario.spec import InjectSpec

_ATOMS = (str, int, float, bool, type(None))


def walk(root):
    """Every object reachable from a view: attrs records' fields, mappings' keys and values,
    tuples' and lists' items, and a report's lines (a property)."""
    seen: dict[int, object] = {}
    todo = [root]
    while todo:
        x = todo.pop()
        if isinstance(x, _ATOMS) or id(x) in seen:
            continue
        seen[id(x)] = x
        if attrs.has(type(x)):
            todo += [getattr(x, a.name) for a in attrs.fields(type(x))]
            if hasattr(type(x), "lines"):
                todo.append(x.lines)
        elif isinstance(x, Mapping):
            todo += list(x.keys()) + list(x.values())
        elif isinstance(x, (tuple, list, set, frozenset)):
            todo += list(x)
    return list(seen.values())


def vandalise(view: CompanyView) -> int:
    """Try to write to every part of a view as an agent might: returns how many writes took."""
    took = 0
    for x in walk(view):
        tries = []
        if attrs.has(type(x)):
            for a in attrs.fields(type(x)):
                old = getattr(x, a.name)
                new = 0 if isinstance(old, (int, float)) and not isinstance(old, bool) else None
                tries.append(lambda x=x, a=a, new=new: setattr(x, a.name, new))
        elif isinstance(x, Mapping):
            for k in list(x.keys()):
                tries.append(lambda x=x, k=k: x.__setitem__(k, 0))
                tries.append(lambda x=x, k=k: x.__delitem__(k))
            tries.append(lambda x=x: x.clear())
            tries.append(lambda x=x: x.update({"intruder": 0}))
            tries.append(lambda x=x: x.setdefault("intruder", 0))
            tries.append(lambda x=x: x.pop(next(iter(x), None), None))
        elif isinstance(x, (list, set)):
            tries.append(lambda x=x: x.clear())
        for t in tries:
            try:
                t()
                took += 1
            except (AttributeError, TypeError, attrs.exceptions.FrozenInstanceError):
                pass
    # the write that once zeroed ERCOT's grid release for the rest of a game
    regions = view.scenario.regions
    rid = next(iter(regions))
    try:
        regions[rid] = attrs.evolve(regions[rid], grid_release_mw_per_quarter=0.0)
        took += 1
    except TypeError:
        pass
    return took


class Vandal:
    """Plays like the agent it wraps, after trying to write to every part of its view."""

    def __init__(self, inner):
        self.inner, self.name, self.took = inner, inner.name, 0

    def decide(self, view):
        self.took += vandalise(view)
        return self.inner.decide(view)


def played(spec, seed: int, quarters: int) -> Game:
    """A game after some quarters of the built-in agents."""
    game = Game(spec, seed)
    agents = seat_agents(spec, seed)
    for _ in range(quarters):
        game.step(agent_orders(game, agents))
    return game


def digest(game: Game, result) -> str:
    body = json.dumps([result_json(game, result), snapshot(game)], sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


@pytest.mark.parametrize("scenario, seed", [("tutorial", 3), ("baseline", 4)])
def test_an_agent_writing_to_every_part_of_its_view_changes_nothing_in_the_game(request, scenario, seed):
    spec = request.getfixturevalue(scenario)
    plain = digest(*play(spec, seed, seat_agents(spec, seed)))
    agents = seat_agents(spec, seed)
    vandals = {cid: Vandal(a) for cid, a in agents.items()}
    game, result = play(spec, seed, vandals)
    assert all(v.took == 0 for v in vandals.values()), {cid: v.took for cid, v in vandals.items()}
    assert digest(game, result) == plain


def test_no_view_holds_a_container_anyone_could_write_to(baseline):
    game = played(baseline, 2, 6)
    for cid in game.companies:
        for x in walk(game.view(cid)):
            assert type(x) not in (list, dict, set), (cid, type(x).__name__, x)
            assert isinstance(x, (ReadOnlyDict, tuple, frozenset)) or (attrs.has(type(x)) and is_frozen(type(x))), (cid, type(x).__name__)


def test_a_view_shares_no_object_with_the_engine(baseline):
    game = played(baseline, 2, 4)
    g = game.core
    engine = {id(x) for x in walk(g.spec)} | {id(x) for x in walk(g.world)} | {id(g.public)}
    for cid in game.companies:
        shared = [x for x in walk(game.view(cid)) if id(x) in engine and not (isinstance(x, tuple) and all(isinstance(i, _ATOMS) for i in x))]
        assert shared == [], (cid, [type(x).__name__ for x in shared])


def _atoms(root) -> set:
    return {x for x in walk(root) if isinstance(x, (str, float)) and x not in ("",)}


def test_no_private_figure_of_a_rival_appears_anywhere_in_a_view(baseline):
    game = played(baseline, 1, 5)
    a, b = game.companies[0], game.companies[1]
    rival = game.core.world.companies[b]
    # figures no one else could stumble on by chance
    rival.cash_musd, rival.debt_musd = 987654.321, 123.456789
    rival.outside_cash_flow_musd, rival.internal_demand_h100e = 4242.4242, 31415.9265
    rival.revenue_musd, rival.net_income_musd, rival.ebitda_musd = 2718.2818, -1414.2135, 1732.0508
    game.observer.invalidate()
    theirs = game.view(b).me
    secrets = {theirs.cash_musd, theirs.debt_musd, theirs.outside_cash_flow_musd, theirs.internal_demand_h100e,
               theirs.revenue_musd, theirs.net_income_musd, theirs.ebitda_musd, theirs.debt_rate, theirs.book_equity_musd}
    secrets |= {k.id for k in theirs.contracts} | {x.id for x in theirs.agreements}
    assert theirs.contracts or theirs.agreements  # else the ids prove nothing
    mine = game.view(a)
    seen = _atoms(mine)
    assert not (secrets & seen), secrets & seen
    assert set(mine.scenario.companies) == {a}  # no rival's starting cash, debt or outside business
    assert mine.last_private.company == a


def test_the_rules_in_a_view_hold_no_scheduled_inject(baseline):
    eid = next(iter(baseline.events))
    spec = attrs.evolve(baseline, injects=(InjectSpec(quarter="2027Q2", event=eid, target=""),))
    game = Game(spec, 0)
    for cid in game.companies:
        v = game.view(cid)
        assert v.scenario.injects == ()
        assert game.rules(cid) is v.scenario
    assert game.core.spec.injects  # the engine still fires it


def test_the_public_history_has_no_companys_cash_and_each_seat_sees_only_its_own(baseline):
    game = played(baseline, 0, 3)
    a, b = game.companies[0], game.companies[1]
    for h in game.history:
        for cid in game.companies:
            assert set(h[cid]) == {"online_mw", "capacity_h100e", "alive"}
    mine = game.history_with(a)
    assert [h[a]["cash_musd"] for h in mine] == [x["cash_musd"] for x in game.private_history[a]]
    assert all("cash_musd" not in h[b] for h in mine)


def test_sealed_reports_cannot_be_written_to_and_reading_lines_changes_nothing(baseline):
    game = played(baseline, 0, 1)
    pub = game.public_reports[-1]
    assert pub is not game.core.public
    with pytest.raises(TypeError):
        pub.markets["interconnect"] = {}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        pub.news = ()
    rep = game.private_reports[-1][game.companies[0]]
    raw = rep._lines
    first = rep.lines
    assert rep.lines == first and rep._lines is raw and all(type(x) is str for x in first)
    with pytest.raises(TypeError):
        rep.pnl["revenue_spot"] = 1e9

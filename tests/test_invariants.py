"""Invariants that hold after every quarter, whatever the companies order (docs/rules.md).

Hypothesis plays the tutorial with order sets that mix a built-in agent's orders with
nonsense — unknown types, wrongly typed or non-finite fields, other companies' ids,
duplicates, non-list order sets, floods beyond the per-quarter limit — and after each
step checks that no order crashed the engine and that:

  (a) money is conserved: cash moves only by ledger lines, and the report sums them;
  (b) the books balance: the change in book equity is net income plus equity raised;
  (c) MW are conserved: power held + power in open lots = MW created - MW scrapped;
  (d) accelerators are conserved per generation: installed + inventory + in open lots
      = supplied - scrapped;
  (e) nothing that cannot be negative is, and nothing is NaN or infinite.

And, whatever was ordered, the game saves and loads (replays its order log) to the same state.
Shrinking is off (see SETTINGS), so a failure shows the whole game's draws and the broken check.
"""

from __future__ import annotations

import functools
import math
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from game.engine import Game
from game.engine.core import CAPITAL, PNL
from game.engine.finance import borrow_headroom
from game.model import orders as o
from game.model.orders import ORDER_TYPES, order_to_dict
from game.runner import seat_agents
from game.saves import load_game, save_game, snapshot
from game.scenario import Scenario, load_scenario

# No shrinking: a failing game is long and shrinking it takes minutes; the assertion says what broke.
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def tutorial_spec() -> Scenario:
    """Loaded here, not from the fixture, so a falsifying example does not print the whole spec."""
    return load_scenario("tutorial")


def harsh(tutorial: Scenario) -> Scenario:
    """The tutorial where one quarter of unpaid bills bankrupts a company and its lots stay on
    offer for two quarters, so the fuzzer also reaches bankruptcy and the asset auctions."""
    rules = attrs.evolve(tutorial.rules, distress_quarters_to_bankruptcy=1, asset_lot_quarters=2)
    return attrs.evolve(tutorial, rules=rules)


@functools.cache
def harsh_spec() -> Scenario:
    return harsh(tutorial_spec())


# ---- nonsense ---------------------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")
MISSING = object()  # the company's key left out of the orders altogether
JUNK_VALUES = [None, "", "10", "abc", [], [1, 2], {}, {"a": 1}, True, False, NAN, INF, -INF, -1, -1e9, 0, 0.0, 1e308, 10**30, 3.5]


def numbers() -> st.SearchStrategy:
    """Mostly plausible sizes and prices, with every kind of nonsense mixed in."""
    return st.one_of(
        st.floats(min_value=0.01, max_value=500.0),
        st.integers(min_value=1, max_value=50_000),
        st.sampled_from(JUNK_VALUES),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**20), max_value=10**20),
    )


class Context:
    """The ids a company could name this quarter: its own, its rivals', and ones that do not exist."""

    def __init__(self, game: Game, cid: str):
        w = game.core.world
        spec = game.spec
        me = w.companies[cid]
        others = [c for c in w.companies.values() if c.id != cid]
        self.regions = list(spec.regions) + ["atlantis", ""]
        self.generations = list(spec.generations) + ["h999"]
        self.cooling = list(spec.cooling) + ["plasma"]
        self.power = [p.id for p in me.power] + [p.id for c in others for p in c.power] + ["P0", "P99999"]
        self.sites = [s.id for s in me.sites] + [s.id for c in others for s in c.sites] + ["S0"]
        self.lots = [lt.id for lt in w.lots] + ["L0"]
        self.rfps = [r.id for r in w.rfps] + ["R0"]


def typed_order(ctx: Context) -> st.SearchStrategy:
    n = numbers()
    region, gen, cool = st.sampled_from(ctx.regions), st.sampled_from(ctx.generations), st.sampled_from(ctx.cooling)
    anything = st.one_of(st.sampled_from(JUNK_VALUES), n)
    return st.one_of(
        st.builds(o.BidInterconnect, region, n, n),
        st.builds(o.BidGasTurbines, region, n, n),
        st.builds(o.SignSmrPpa, region, n),
        st.builds(o.BidLot, st.sampled_from(ctx.lots), n),
        st.builds(o.StartSite, st.sampled_from(ctx.power), cool, st.one_of(st.booleans(), anything)),
        st.builds(o.RetrofitCooling, st.sampled_from(ctx.sites), cool),
        st.builds(o.SignChipAgreement, gen, n, n),
        st.builds(o.BidChips, gen, n, n),
        st.just(o.FundAsicProgramme()),
        st.builds(o.BidCrews, region, n, n),
        st.builds(o.FundTraining, region, n),
        st.builds(o.OfferCompute, region, n),
        st.builds(o.BidRfp, st.sampled_from(ctx.rfps), n),
        st.builds(o.Subcontract, n, n, n),
        st.builds(o.Borrow, n),
        st.builds(o.Repay, n),
        st.builds(o.RaiseEquity, n),
        # a field of the wrong kind altogether: an id that is a list, a region that is a number
        st.builds(o.StartSite, anything, anything, anything),
        st.builds(o.OfferCompute, anything, anything),
    )


def raw_order(ctx: Context) -> st.SearchStrategy:
    """JSON-form orders: faithful, with a field spoilt, dropped or added, or of an unknown type."""

    @st.composite
    def spoilt(draw):
        d = order_to_dict(draw(typed_order(ctx)))
        keys = [k for k in d if k != "type"]
        how = draw(st.sampled_from(["as is", "spoil", "drop", "extra", "retype"]))
        if how == "spoil" and keys:
            d[draw(st.sampled_from(keys))] = draw(st.sampled_from(JUNK_VALUES))
        elif how == "drop" and keys:
            del d[draw(st.sampled_from(keys))]
        elif how == "extra":
            d["colour"] = "blue"
        elif how == "retype":
            d["type"] = draw(st.sampled_from(["launch_rocket", "", None, 7, "BORROW", *ORDER_TYPES]))
        return d

    return st.one_of(
        spoilt(),
        st.sampled_from([{}, {"type": None}, {"type": "borrow"}, {"type": ["borrow"]}, {"type": "borrow", "musd": {"x": 1}}]),
    )


def junk_item() -> st.SearchStrategy:
    return st.sampled_from([None, 42, "borrow 100", [], ["borrow"], 3.5, NAN, b"bytes", ("bid_lot",), object()])


def items(ctx: Context) -> st.SearchStrategy:
    return st.one_of(typed_order(ctx), raw_order(ctx), junk_item())


@st.composite
def order_set(draw, game: Game, cid: str, agent_orders: list) -> Any:
    """One company's order set for the quarter, in one of several shapes."""
    ctx = Context(game, cid)
    shape = draw(st.sampled_from(["agent", "agent+junk", "agent+junk", "junk", "not a list", "flood", "missing", "duplicates"]))
    if shape == "agent":
        return list(agent_orders)
    if shape == "missing":
        return MISSING
    if shape == "not a list":
        return draw(st.one_of(st.sampled_from(["borrow", 0, 1.5, None, {}, {"type": "borrow", "musd": 10.0}]), typed_order(ctx), raw_order(ctx)))
    junk = draw(st.lists(items(ctx), max_size=6))
    if shape == "junk":
        return junk
    if shape == "agent+junk":
        out = list(agent_orders)
        for x in junk:
            out.insert(draw(st.integers(0, len(out))), x)
        return out
    if shape == "duplicates":
        return list(agent_orders) * 2 + junk * 2
    # flood: more orders than the rules allow, the agent's own at the end (dropped)
    limit = game.spec.rules.max_orders_per_quarter
    filler = junk or [{"type": "nothing"}]
    return (filler * (limit // len(filler) + 2))[: limit + draw(st.integers(1, 5))] + list(agent_orders)


@st.composite
def spend_everything(draw, game: Game, cid: str) -> list:
    """Orders that commit all of a company's cash and borrowing room to an expense: the fast road
    to distress, so bankruptcy and its lots get exercised."""
    g = game.core
    c = g.world.companies[cid]
    room = max(0.0, c.cash_musd + borrow_headroom(g, c))
    share = draw(st.floats(min_value=0.5, max_value=0.999))
    if room * share <= 0:
        return []
    region = draw(st.sampled_from(list(game.spec.regions)))
    return [o.FundTraining(region, min(room * share, 1e6))]


# ---- the invariants -----------------------------------------------------------------------------
def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def non_finite(x: Any, path: str = "world") -> list[str]:
    """Paths of every NaN or infinite number in a state tree."""
    if isinstance(x, float):
        return [] if math.isfinite(x) else [path]
    if attrs.has(type(x)):
        return [p for a in attrs.fields(type(x)) for p in non_finite(getattr(x, a.name), f"{path}.{a.name}")]
    if isinstance(x, dict):
        return [p for k, v in x.items() for p in non_finite(v, f"{path}[{k!r}]")]
    if isinstance(x, (list, tuple)):
        return [p for i, v in enumerate(x) for p in non_finite(v, f"{path}[{i}]")]
    return []


def before_step(game: Game) -> dict[str, dict]:
    g = game.core
    return {c.id: {"cash": c.cash_musd, "equity": g.book_equity(c), "ledger": c.ledger} for c in g.alive()}


def check_invariants(game: Game, before: dict[str, dict]) -> None:
    g = game.core
    w = g.world
    spec = game.spec
    reports = game.private_reports[-1]
    # (a) money: cash moved by exactly the quarter's ledger lines, and the report sums them
    for cid, b in before.items():
        c = w.companies[cid]
        lines = b["ledger"]
        assert all(line.category in PNL | CAPITAL for line in lines)
        moved = sum(line.amount_musd for line in lines)
        assert close(c.cash_musd, b["cash"] + moved), f"{cid}: cash {b['cash']} + ledger {moved} != {c.cash_musd}"
        by_cat: dict[str, float] = defaultdict(float)
        for line in lines:
            by_cat[line.category] += line.amount_musd
        rep = reports[cid]
        assert set(rep.pnl) == set(by_cat), f"{cid}: report categories {sorted(rep.pnl)} vs ledger {sorted(by_cat)}"
        for cat, v in by_cat.items():
            assert close(rep.pnl[cat], v), f"{cid}: report {cat} {rep.pnl[cat]} vs ledger {v}"
        assert close(rep.cash_musd, c.cash_musd)
        # (b) the books: equity moves by net income plus new equity (a bankrupt company has no books)
        if c.alive:
            change = g.book_equity(c) - b["equity"]
            expected = rep.net_income_musd + rep.pnl.get("equity_raise", 0.0)
            assert close(change, expected), f"{cid}: book equity moved {change} but net income + equity raised = {expected}"
    alive = g.alive()
    # (c) MW
    held = sum(p.mw for c in alive for p in c.power) + sum(lt.power.mw for lt in w.lots if lt.power is not None)
    assert math.isclose(held, w.mw_created - w.mw_scrapped, rel_tol=1e-9, abs_tol=1e-6), f"MW held {held} != created {w.mw_created} - scrapped {w.mw_scrapped}"
    # (d) accelerators, per generation
    count: dict[str, int] = defaultdict(int)
    for c in alive:
        for s in c.sites:
            for gid, n in s.installed.items():
                count[gid] += n
        for gid, n in c.inventory.items():
            count[gid] += n
    for lt in w.lots:
        if lt.site is not None:
            for gid, n in lt.site.installed.items():
                count[gid] += n
        else:
            for k in lt.chips:
                count[k.generation] += k.units
    for gid in set(count) | set(w.chips_supplied) | set(w.chips_scrapped):
        left = w.chips_supplied.get(gid, 0) - w.chips_scrapped.get(gid, 0)
        assert count[gid] == left, f"{gid}: {count[gid]} accelerators in the game, but {w.chips_supplied.get(gid, 0)} supplied - {w.chips_scrapped.get(gid, 0)} scrapped = {left}"
    # (e) nothing negative that cannot be; nothing NaN or infinite anywhere
    rules = spec.rules
    assert rules.price_index_floor_usd_per_h100e_hour <= w.price_index <= rules.price_index_ceiling_usd_per_h100e_hour
    for c in alive:
        assert c.debt_musd >= -1e-9, f"{c.id}: debt {c.debt_musd}"
        assert 0 < c.ownership <= 1, f"{c.id}: ownership {c.ownership}"
        assert c.deposits_musd >= -1e-6, f"{c.id}: deposits {c.deposits_musd}"
        assert all(isinstance(n, int) and n >= 0 for n in c.inventory.values()), f"{c.id}: inventory {c.inventory}"
        assert all(p.mw > 0 for p in c.power), f"{c.id}: power {[(p.id, p.mw) for p in c.power]}"
        ids = [p.id for p in c.power]
        assert len(ids) == len(set(ids)), f"{c.id}: a power id twice: {ids}"
        feeds = {p.id: p for p in c.power}
        for s in c.sites:
            assert -1e-9 <= s.built_mw <= s.mw + 1e-9, f"{c.id} site {s.id}: built {s.built_mw} of {s.mw}"
            assert all(isinstance(n, int) and n >= 0 for n in s.installed.values())
            assert g.site_used_kw(s) <= s.mw * 1000 + 1e-6, f"{c.id} site {s.id} draws {g.site_used_kw(s)} kW on {s.mw} MW"
            assert s.book_musd >= -1e-6
            assert s.power in feeds and feeds[s.power].site == s.id, f"{c.id} site {s.id} is not fed by its own power {s.power}"
        for k in c.cohorts:
            assert k.units > 0 and k.book_musd >= -1e-9
        for a in c.agreements:
            assert a.quarters_left > 0 and a.units_per_quarter > 0 and a.deposit_musd >= -1e-6
    bad = non_finite(w)
    assert not bad, f"non-finite numbers in the state: {bad[:5]}"


def play_fuzzed(data, spec: Scenario, seed: int, *, ruin: bool = False) -> Game:
    game = Game(spec, seed)
    agents = seat_agents(spec, seed)
    while not game.finished:
        orders: dict[str, Any] = {}
        for cid in game.companies:
            if not game.alive(cid):
                continue
            view = game.view(cid)  # the view must build for every living company
            assert view.me.id == cid
            mine = agents[cid].decide(view)
            chosen = data.draw(order_set(game, cid, mine), label=f"{cid} {game.core.label()}")
            if ruin and data.draw(st.booleans(), label=f"ruin {cid}"):
                chosen = (chosen if isinstance(chosen, list) else []) + data.draw(spend_everything(game, cid))
            if chosen is not MISSING:
                orders[cid] = chosen
        before = before_step(game)
        game.step(orders)
        check_invariants(game, before)
    return game


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32))
def test_no_order_set_breaks_the_invariants_of_the_tutorial(data, seed):
    tutorial = tutorial_spec()
    game = play_fuzzed(data, tutorial, seed)
    assert game.finished and game.quarter == tutorial.game.quarters


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32))
def test_invariants_hold_through_distress_bankruptcy_and_asset_auctions(data, seed):
    play_fuzzed(data, harsh_spec(), seed, ruin=True)


def test_the_fuzzer_reaches_bankruptcy_and_lot_auctions(tutorial):
    """The harsh variant really exercises what it is for: a ruined company goes bankrupt and its
    assets become lots that are then sold or scrapped, with the invariants checked throughout."""
    spec = harsh(tutorial)
    game = Game(spec, 3)
    agents = seat_agents(spec, 3)
    victim = "nebula"
    g = game.core
    sold_or_scrapped = False
    while not game.finished:
        orders = {cid: agents[cid].decide(game.view(cid)) for cid in game.companies if game.alive(cid)}
        if game.quarter == 1:
            c = g.world.companies[victim]
            orders[victim] = [o.FundTraining("nordics", 0.99 * (c.cash_musd + borrow_headroom(g, c)))]
        before = before_step(game)
        game.step(orders)
        check_invariants(game, before)
        sold_or_scrapped |= any(r.get("lot") for r in game.public_reports[-1].markets.get("lots", []))
    assert not g.world.companies[victim].alive
    assert g.world.companies[victim].bankrupt_quarter == 1
    assert sold_or_scrapped


def test_the_invariant_checks_catch_a_broken_ledger(tutorial):
    """The checks can fail: cash moved without a ledger line, or an accelerator conjured from
    nowhere, is caught."""
    game = Game(tutorial, 1)
    before = before_step(game)
    game.step({})
    check_invariants(game, before)  # an honest quarter passes

    before = before_step(game)
    game.step({})
    game.core.world.companies["nebula"].cash_musd += 1.0  # money from nowhere
    with pytest.raises(AssertionError, match="cash"):
        check_invariants(game, before)

    before = before_step(game)
    game.step({})
    game.core.world.companies["nebula"].inventory["b200"] = game.core.world.companies["nebula"].inventory.get("b200", 0) + 1
    with pytest.raises(AssertionError, match="b200"):
        check_invariants(game, before)

    before = before_step(game)
    game.step({})
    game.core.world.companies["aurora"].power[0].mw += 1.0  # a megawatt from nowhere
    with pytest.raises(AssertionError, match="MW"):
        check_invariants(game, before)


@settings(SETTINGS, max_examples=20)
@given(data=st.data(), seed=st.integers(0, 2**32))
def test_any_game_however_nonsensical_saves_and_loads_to_the_same_state(data, seed):
    """Determinism: replaying the order log reproduces the game bit for bit — including every
    order that was rejected, whatever it was. The save keeps the log; loading replays it."""
    spec = tutorial_spec()
    game = play_fuzzed(data, spec, seed)
    with tempfile.TemporaryDirectory() as folder:
        path = save_game(game, Path(folder) / "fuzzed.json")
        loaded, _ = load_game(path)
    assert snapshot(loaded) == snapshot(game)
    assert loaded.history == game.history

"""Order validation (docs/rules.md, "Orders checked"): an invalid order is rejected with a reason, the rest of the
set still stands, and no order — however malformed — can crash the engine.

Hand-worked on the tutorial's opening quarter. Ids are handed out in the order the companies
appear in the scenario: aurora P1/S2 (PJM, air), P3/S4 (ERCOT, liquid), P5 (ERCOT queue);
corecell P6/S7 (ERCOT), P8 (queue); nebula P9/S10 (Nordics), P11 (queue).
"""

from __future__ import annotations

import math

import attrs
import pytest

from game.engine import Game
from game.model import orders as o
from game.scenario import Scenario
from game.scenario.load import CONVERTER

ME = "nebula"  # the tutorial's Nordic neo-cloud: 4,000 cash, 1,500 debt
SEED = 1


def play_one_quarter(spec: Scenario, orders: dict, seed: int = SEED) -> Game:
    game = Game(spec, seed)
    game.step(orders)
    return game


def rejected(game: Game, cid: str = ME) -> list[dict]:
    return [dict(r) for r in game.private_reports[-1][cid].rejected]  # sealed: read-only mappings


def reasons(game: Game, cid: str = ME) -> list[str]:
    return [r["reason"] for r in rejected(game, cid)]


def test_the_ids_in_this_file_are_the_tutorials_opening_ids(tutorial):
    # the premise of the hand-worked cases below
    w = Game(tutorial, SEED).core.world
    assert [(p.id, p.site) for p in w.companies["aurora"].power] == [("P1", "S2"), ("P3", "S4"), ("P5", None)]
    assert [(p.id, p.site) for p in w.companies["corecell"].power] == [("P6", "S7"), ("P8", None)]
    assert [(p.id, p.site) for p in w.companies["nebula"].power] == [("P9", "S10"), ("P11", None)]


# ---- one bad order, one reason ------------------------------------------------------------------
def test_a_bid_in_an_unknown_region_is_rejected_naming_the_region(tutorial):
    game = play_one_quarter(tutorial, {ME: [o.BidInterconnect("atlantis", 10.0, 0.5)]})
    assert rejected(game) == [{"order": "bid_interconnect(region=atlantis, mw=10.0, price_musd_per_mw=0.5)", "reason": "unknown region 'atlantis'"}]
    assert [p.id for p in game.core.world.companies[ME].power] == ["P9", "P11"]


@pytest.mark.parametrize(
    "mw, reason",
    [
        (-10.0, "mw must be positive, got -10.0"),
        (0.0, "mw must be positive, got 0.0"),
        (math.nan, "mw must be a finite number, got nan"),
        (math.inf, "mw must be a finite number, got inf"),
        ("10", "mw must be a finite number, got '10'"),
        (None, "mw must be a finite number, got None"),
        (True, "mw must be a finite number, got True"),
        # the tutorial's max_site_mw is 1000
        (1001.0, "mw 1001.0 is larger than the limit 1000"),
    ],
)
def test_a_bid_for_a_nonsense_quantity_of_mw_is_rejected(tutorial, mw, reason):
    game = play_one_quarter(tutorial, {ME: [o.BidInterconnect("nordics", mw, 0.5)]})
    assert reasons(game) == [reason]
    assert len(game.core.world.companies[ME].power) == 2


def test_starting_a_site_on_a_rivals_power_source_is_rejected(tutorial):
    # P8 is corecell's unbuilt ERCOT queue position; nebula cannot build on it
    game = play_one_quarter(tutorial, {ME: [o.StartSite("P8", "liquid")]})
    assert reasons(game) == ["you hold no power source 'P8'"]
    w = game.core.world
    assert next(p for p in w.companies["corecell"].power if p.id == "P8").site is None
    assert [s.id for s in w.companies[ME].sites] == ["S10"]
    assert [s.id for s in w.companies["corecell"].sites] == ["S7"]


def test_retrofitting_a_rivals_site_is_rejected_and_leaves_it_alone(tutorial):
    # S2 is aurora's air-cooled PJM hall
    game = play_one_quarter(tutorial, {ME: [o.RetrofitCooling("S2", "liquid")]})
    assert reasons(game) == ["you have no site 'S2'"]
    s2 = game.core.world.companies["aurora"].sites[0]
    assert (s2.id, s2.stage, s2.cooling) == ("S2", "online", "air")


def test_a_power_source_that_already_feeds_a_site_cannot_start_another(tutorial):
    game = play_one_quarter(tutorial, {ME: [o.StartSite("P9", "liquid")]})
    assert reasons(game) == ["power source P9 already feeds site S10"]


def test_two_start_orders_on_one_power_source_start_one_site(tutorial):
    game = play_one_quarter(tutorial, {ME: [o.StartSite("P11", "liquid"), o.StartSite("P11", "air")]})
    assert reasons(game) == ["duplicate: only the first such order in a set counts"]
    sites = game.core.world.companies[ME].sites
    assert [(s.power, s.cooling) for s in sites] == [("P9", "liquid"), ("P11", "liquid")]


def with_rubin(tutorial: Scenario) -> Scenario:
    """The tutorial plus a generation released in 2027Q1 (the fifth quarter, index 4)."""
    rubin = attrs.evolve(tutorial.generations["gb300"], name="Rubin", release="2027Q1", end="2030Q4")
    return attrs.evolve(tutorial, generations={**tutorial.generations, "rubin": rubin})


def test_chips_of_an_unreleased_generation_cannot_be_bought_until_release(tutorial):
    spec = with_rubin(tutorial)
    game = play_one_quarter(spec, {ME: [o.BidChips("rubin", 100, 0.06)]})
    assert reasons(game) == ["Rubin is not released yet"]
    # three more quarters with no orders: 2026Q2, Q3, Q4 are still before release
    for _ in range(3):
        game.step({ME: [o.BidChips("rubin", 100, 0.06)]})
        assert reasons(game) == ["Rubin is not released yet"]
    assert game.core.label() == "2027Q1"
    game.step({ME: [o.BidChips("rubin", 100, 0.06)]})
    assert rejected(game) == []


def test_chips_of_a_generation_out_of_production_or_unknown_are_rejected(tutorial):
    game = Game(tutorial, SEED)
    for _ in range(4):  # the tutorial's H100 ends in 2026Q4; it is 2027Q1 after four quarters
        game.step({})
    game.step({ME: [o.BidChips("h100", 100, 0.03), o.BidChips("h999", 100, 0.03)]})
    assert reasons(game) == ["H100 is out of production", "unknown generation 'h999'"]


def test_chip_bids_need_whole_positive_units(tutorial):
    game = play_one_quarter(tutorial, {ME: [o.BidChips("b200", 0, 0.04), o.BidChips("b200", 2.5, 0.04), o.BidChips("b200", 10**9, 0.04)]})
    assert reasons(game) == [
        "units must be positive, got 0",
        "units must be a whole number, got 2.5",
        "units 1000000000 is larger than the limit 100000000",
    ]


def test_custom_asics_are_only_for_a_finished_programme(tutorial):
    game = play_one_quarter(tutorial, {"aurora": [o.BidChips("asic1", 100, 0.02)]})
    assert reasons(game, "aurora") == ["Custom ASIC is a custom ASIC: only a company whose ASIC programme is finished may order it"]


def test_an_archetype_cannot_make_anothers_special_moves(tutorial):
    game = play_one_quarter(tutorial, {ME: [o.FundAsicProgramme(), o.SignSmrPpa("nordics", 50.0)], "aurora": [o.StartSite("P5", "liquid", True)]})
    assert reasons(game) == [
        "a neocloud cannot do this (asic is not one of its special moves)",
        "a neocloud cannot do this (smr is not one of its special moves)",
    ]
    assert reasons(game, "aurora") == ["a hyperscaler cannot do this (fast_track is not one of its special moves)"]


# ---- money --------------------------------------------------------------------------------------
def test_borrowing_is_capped_by_the_covenant_headroom(tutorial):
    # nebula's books at the start:
    #   site S10: 140 grid MW liquid in the Nordics = 140 / 1.2 = 116.67 MW of IT load
    #     x 7.2 $M per IT MW x 0.95 = 798.0
    #   chips: 55,000 B200 x 0.075 (all-in) = 4,125; power positions carry no book value yet
    #   equity = 4,000 cash + 798 + 4,125 - 1,500 debt = 7,423; assets = 7,423 + 1,500 = 8,923
    # a neo-cloud may lever to 80%, and borrowed cash is itself an asset:
    #   x <= (0.8 x 8,923 - 1,500) / (1 - 0.8) = (7,138.4 - 1,500) / 0.2 = 28,192
    c = Game(tutorial, SEED).core.world.companies[ME]
    assert (c.cash_musd, c.debt_musd) == (4000.0, 1500.0)
    game = play_one_quarter(tutorial, {ME: [o.Borrow(28_193.0)]})
    assert reasons(game) == ["lenders will lend at most $28,192M more (covenant: leverage ≤ 80%)"]
    assert game.core.world.companies[ME].debt_musd == 1500.0
    assert "debt_draw" not in game.private_reports[-1][ME].pnl

    game = play_one_quarter(tutorial, {ME: [o.Borrow(28_192.0)]})
    assert rejected(game) == []
    assert game.private_reports[-1][ME].pnl["debt_draw"] > 18_000  # the room shrinks a little with the quarter's results
    assert game.core.world.companies[ME].debt_musd == pytest.approx(1500.0 + game.private_reports[-1][ME].pnl["debt_draw"])


def test_repaying_more_than_is_owed_is_rejected(tutorial):
    game = play_one_quarter(tutorial, {ME: [o.Repay(1500.5)]})
    assert reasons(game) == ["you owe only $1,500M"]


def test_orders_that_would_spend_more_than_cash_and_borrowing_room_are_rejected(tutorial):
    # funds = 4,000 cash + 28,192 borrowing room = 32,192; a first training programme of 31,500
    # fits, leaving 692, so a second of 1,100 does not
    game = play_one_quarter(tutorial, {ME: [o.FundTraining("nordics", 31_500.0), o.FundTraining("nordics", 1_100.0)]})
    assert reasons(game) == ["insufficient funds: needs up to $1,100M, $692M left (cash plus borrowing room)"]
    assert game.private_reports[-1][ME].pnl["crew_training"] == -31_500.0


# ---- the shape of the order set -----------------------------------------------------------------
def test_a_second_offer_for_the_same_region_is_rejected_as_a_duplicate(tutorial):
    game = play_one_quarter(tutorial, {ME: [o.OfferCompute("nordics", 2.0), o.OfferCompute("nordics", 1.0)]})
    assert rejected(game) == [{"order": "offer_compute(region=nordics, price_usd_per_h100e_hour=1.0)", "reason": "duplicate: only the first such order in a set counts"}]


def test_two_interconnect_bids_in_one_region_are_both_kept(tutorial):
    # not a duplicate: a company may want two positions. 2 x 30 MW <= the Nordics' 80 MW release,
    # so both win at the reserve
    game = play_one_quarter(tutorial, {ME: [o.BidInterconnect("nordics", 30.0, 0.5), o.BidInterconnect("nordics", 30.0, 0.5)]})
    assert rejected(game) == []
    assert [p.mw for p in game.core.world.companies[ME].power[2:]] == [30.0, 30.0]


@pytest.mark.parametrize("order_set", ["borrow 100", 42, {"type": "borrow", "musd": 10.0}, o.Borrow(10.0)], ids=["string", "number", "dict", "typed order"])
def test_an_order_set_that_is_not_a_list_is_rejected_whole(tutorial, order_set):
    game = play_one_quarter(tutorial, {ME: order_set})
    assert reasons(game) == ["an order set must be a list of orders"]
    assert game.core.world.companies[ME].debt_musd == 1500.0  # the borrow inside it did not happen


def test_orders_beyond_the_quarterly_limit_are_dropped(tutorial):
    limit = tutorial.rules.max_orders_per_quarter
    assert limit == 200
    junk = [{"type": "nothing"}] * (limit - 1)
    bid = o.BidInterconnect("nordics", 30.0, 0.5)
    # the 200th order is still read: the bid wins
    game = play_one_quarter(tutorial, {ME: [*junk, bid]})
    assert len(rejected(game)) == limit - 1
    assert len(game.core.world.companies[ME].power) == 3
    # the 201st and 202nd are not: two bids dropped, and one line says so
    game = play_one_quarter(tutorial, {ME: [*junk, {"type": "nothing"}, bid, bid]})
    assert rejected(game)[0] == {"order": "2 orders", "reason": "at most 200 orders per quarter; the rest were dropped"}
    assert len(rejected(game)) == 1 + limit
    assert len(game.core.world.companies[ME].power) == 2


def test_an_unknown_order_type_names_the_known_ones(tutorial):
    game = play_one_quarter(tutorial, {ME: [{"type": "launch_rocket"}]})
    (reason,) = reasons(game)
    assert reason.startswith("unknown order type 'launch_rocket'; known: ")
    assert all(kind in reason for kind in o.ORDER_TYPES)


@pytest.mark.parametrize(
    "raw, where",
    [
        ({"type": "borrow", "musd": "100"}, "musd"),
        ({"type": "borrow"}, "musd"),
        ({"type": "borrow", "musd": 100.0, "colour": "blue"}, "colour"),
        ({"type": "bid_chips", "generation": "b200", "units": [1], "price_musd_per_unit": 0.04}, "units"),
        ({"type": "offer_compute", "region": None, "price_usd_per_h100e_hour": 2.0}, "region"),
    ],
)
def test_a_malformed_json_order_is_rejected_naming_its_field(tutorial, raw, where):
    game = play_one_quarter(tutorial, {ME: [raw]})
    (reason,) = reasons(game)
    assert reason.startswith(raw["type"] + ": ") and where in reason


def test_a_typed_order_with_unhashable_fields_is_rejected_not_raised(tutorial):
    game = play_one_quarter(tutorial, {ME: [o.OfferCompute(["nordics"], 2.0), o.BidInterconnect({"r": 1}, 10.0, 0.5), o.StartSite(["P11"], "liquid")]})
    assert len(rejected(game)) == 3
    assert game.core.world.companies[ME].power[1].site is None


# ---- what still stands ----------------------------------------------------------------------------
def test_a_valid_bid_among_garbage_still_wins_its_mw_at_the_reserve(tutorial):
    nordics = tutorial.regions["nordics"]
    # premises: 80 MW released a quarter in the Nordics, reserve $0.08M/MW, a 1-2 quarter wait
    assert (nordics.grid_release_mw_per_quarter, nordics.grid_reserve_price_musd_per_mw) == (80.0, 0.08)
    assert (nordics.queue_wait_quarters_min, nordics.queue_wait_quarters_max) == (1, 2)
    garbage = [None, "x", {"type": "launch_rocket"}, o.Borrow(math.nan), {"type": "bid_interconnect", "region": "nordics", "mw": "30", "price_musd_per_mw": 0.5}, [1, 2]]
    orders = garbage[:3] + [o.BidInterconnect("nordics", 30.0, 0.5)] + garbage[3:]
    game = play_one_quarter(tutorial, {ME: orders})
    assert len(rejected(game)) == len(garbage)
    power = game.core.world.companies[ME].power
    assert len(power) == 3
    new = power[-1]
    # uncontested (30 of 80 MW, no rival bids): it pays the reserve, not its bid:
    # 30 MW x $0.08M/MW = $2.4M
    assert (new.kind, new.region, new.mw, new.site, new.energised) == ("grid", "nordics", 30.0, None, False)
    assert new.book_musd == pytest.approx(2.4)
    assert new.ready_quarter in (1, 2)
    assert game.private_reports[-1][ME].pnl["capex_power"] == pytest.approx(-2.4)
    market = game.public_reports[-1].markets["interconnect"]["nordics"]
    assert (market["supply_mw"], market["sold_mw"]) == (80.0, 30.0)
    assert market["price_musd_per_mw"] == pytest.approx(0.08)


def test_rejected_orders_change_nothing_at_all(tutorial):
    """A company whose every order is rejected ends the quarter exactly as if it had said nothing,
    and so does everyone else: rejections touch no state and draw no random numbers."""
    nonsense = [
        None, 7, "borrow", {"type": "launch_rocket"}, {"type": "borrow", "musd": "lots"},
        o.Borrow(-5.0), o.Borrow(math.inf), o.BidInterconnect("atlantis", 10.0, 0.5), o.StartSite("P8", "liquid"),
        o.RetrofitCooling("S2", "liquid"), o.BidChips("h999", 10, 0.1), o.BidLot("L0", 100.0), o.BidRfp("R0", 1.0),
        o.Repay(10**9), o.FundAsicProgramme(), o.OfferCompute("nordics", -1.0), o.Subcontract(1.0, 4, 2.0),
    ]
    quiet = Game(tutorial, SEED)
    noisy = Game(tutorial, SEED)
    for _ in range(3):
        quiet.step({})
        noisy.step({ME: nonsense})
        assert len(rejected(noisy)) == len(nonsense)
        assert CONVERTER.unstructure(noisy.core.world) == CONVERTER.unstructure(quiet.core.world)


# ---- slivers ------------------------------------------------------------------------------------
def test_a_sliver_left_over_by_the_auction_never_becomes_a_zero_mw_power_source(tutorial):
    # the Nordics release 80 MW. aurora bids 79.9996 MW at $0.5M/MW and takes it first; nebula's
    # 10 MW at $0.3M/MW is the marginal bid and gets what is left: 80 - 79.9996 = 0.0004 MW.
    # Whatever the engine does with that sliver (award it, or drop it), no company may end up
    # holding a power source of 0 MW.
    game = play_one_quarter(tutorial, {"aurora": [o.BidInterconnect("nordics", 79.9996, 0.5)], ME: [o.BidInterconnect("nordics", 10.0, 0.3)]})
    assert rejected(game) == [] and rejected(game, "aurora") == []
    held = {c.id: [(p.id, p.mw) for p in c.power] for c in game.core.world.companies.values()}
    assert all(mw > 0 for sources in held.values() for _, mw in sources), held


@pytest.mark.parametrize("order", [o.BidInterconnect("nordics", 1e-4, 0.5), o.BidGasTurbines("ercot", 1e-4, 2.5)], ids=["grid", "gas"])
def test_a_bid_for_a_sliver_of_mw_is_refused_or_delivers_a_positive_mw(tutorial, order):
    game = play_one_quarter(tutorial, {ME: [order]})
    new = game.core.world.companies[ME].power[2:]
    # refused, or won whole, or (under the scenario's minimum award) won nothing: never 0 MW held
    assert rejected(game) or (len(new) <= 1 and all(p.mw > 0 for p in new)), [(p.id, p.mw) for p in new]

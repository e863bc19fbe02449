"""Case table for the build phase and the power markets (game/engine/build.py, power.py), in the
spirit of diplomacy's DATC: the pinned tutorial world of tests/case_world.py, a few orders, and the
expected ledger and state worked by hand in the comments.

Convention (docs/rules.md, "## Build"): a site's MW are grid MW, the size of its power source;
the IT load it hosts is grid MW / the cooling's design PUE; facility capex is per MW of IT load.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.engine import Game
from game.engine.news import drift_phase
from game.model.orders import BidCrews, BidInterconnect, BidLot, RetrofitCooling, StartSite
from game.model.state import ONLINE, POWERED_SITE, AssetLot, PowerSource, Site
from game.scenario.spec import QueueStartSpec

from case_world import pinned, pnl

NORDICS_CAPEX_MULTIPLIER = 0.95  # the tutorial's Nordics
NORDICS_WAGE = 9.6  # the tutorial's reserve wage in the Nordics; small hires clear at it


def with_nebula_position(world, energise: str, **region):
    """Nebula's Nordic queue position (100 MW) energising at `energise`; Nordic keys overridden."""
    nebula = attrs.evolve(world.companies["nebula"], queue_positions=(QueueStartSpec(region="nordics", mw=100.0, energise=energise),))
    nordics = attrs.evolve(world.regions["nordics"], **region)
    return attrs.evolve(world, companies={**world.companies, "nebula": nebula}, regions={**world.regions, "nordics": nordics})


def position(game: Game) -> str:
    (p,) = [p for p in game.core.world.companies["nebula"].power if p.site is None]
    return p.id


def site_of(game: Game, pid: str):
    (s,) = [s for s in game.core.world.companies["nebula"].sites if s.power == pid]
    return s


def ten_mw_built(tutorial, cooling: str) -> tuple[Game, str]:
    """Nebula's energised Nordic position: a site started in q0 (permitted in one quarter), then
    built with 4 crews in q1 (4 x 2.5 = 10 grid MW)."""
    world = with_nebula_position(pinned(tutorial), "2026Q1", permitting_quarters=1)
    game = Game(world, 2)
    pid = position(game)
    game.step({"nebula": [StartSite(pid, cooling)]})
    game.step({"nebula": [BidCrews("nordics", 4.0, 10.0)]})
    return game, pid


# ------------------------------------------------------------------ the cascade


def test_no_confirmed_power_no_permit(tutorial):
    # Power due in 2027Q2 (quarter 5); a utility confirms it 2 quarters ahead (quarter 3);
    # permitting takes 2 quarters. Site started in q0: its permit clock stands still in q0-q2,
    # runs in q3 and q4, so the site is permitted at the end of q4 and builds from q5, the
    # quarter its power energises. (Before: permitted at the end of q1 on unconfirmed power.)
    world = with_nebula_position(pinned(tutorial, power_confirmed_quarters_ahead=2), "2027Q2", permitting_quarters=2)
    game = Game(world, 1)
    pid = position(game)
    stages = []
    for q in range(6):
        game.step({"nebula": [StartSite(pid, "liquid")] if q == 0 else []})
        stages.append(site_of(game, pid).stage)
    assert stages == ["permitting"] * 4 + ["power", "construction"]


def test_air_hall_capex_is_per_mw_of_it_load_plus_the_crews_used(tutorial):
    # Power energised from the start, permitting 1 quarter (q0). q1: 4 crews x 2.5 = 10 grid MW of
    # air hall in the Nordics (PUE 1.45, no climate toll) = 10 / 1.45 = 6.8966 MW of IT load,
    # x $6.6M per IT MW x 0.95 (region) = $43.241M, plus 4 crews x $9.6M = $38.4M: -$81.641M.
    game, pid = ten_mw_built(tutorial, "air")
    assert site_of(game, pid).built_mw == pytest.approx(10.0)
    assert pnl(game, "nebula")["capex_facility"] == pytest.approx(-(10 / 1.45 * 6.6 * NORDICS_CAPEX_MULTIPLIER + 4 * NORDICS_WAGE))
    assert pnl(game, "nebula")["capex_facility"] == pytest.approx(-81.641, abs=1e-3)


def test_immersion_hosts_more_it_load_per_grid_mw_and_costs_more_per_it_mw(tutorial):
    # The same 10 grid MW as immersion (PUE 1.07): 10 / 1.07 = 9.3458 MW of IT load (+35% over
    # air, +12% over liquid's 10 / 1.2 = 8.333) at $9.0M per IT MW x 0.95 = $79.907M, plus the
    # same crews $38.4M: -$118.307M. Per IT MW: immersion 9.0 vs liquid 7.2 vs air 6.6.
    game, pid = ten_mw_built(tutorial, "immersion")
    assert pnl(game, "nebula")["capex_facility"] == pytest.approx(-118.307, abs=1e-3)
    assert game.core.site_it_mw(site_of(game, pid)) == pytest.approx(100 / 1.07)


def test_retrofit_expenses_its_rework_and_books_and_depreciates_its_plant(tutorial):
    # Aurora's 420 MW air hall in PJM goes liquid. Refitted IT load: 420 / 1.2 = 350 MW x $1.5M
    # = $525M: 30% rework posted to the P&L as `retrofit` (-$157.5M), 70% plant (-$367.5M of
    # capex_facility) added to the hall's book and written off over 60 quarters: +$6.125M a
    # quarter on its depreciation. (Before: all $630M (420 grid MW x 1.5) to the book, nothing
    # to the P&L, and no more depreciation.)
    world = pinned(tutorial)
    game = Game(world, 3)
    aurora = game.core.world.companies["aurora"]
    (hall,) = [s for s in aurora.sites if s.cooling == "air"]
    dep_before = hall.dep_musd_per_quarter
    game.step({"aurora": [RetrofitCooling(hall.id, "liquid")]})
    assert pnl(game, "aurora")["retrofit"] == pytest.approx(-157.5)
    assert pnl(game, "aurora")["capex_facility"] == pytest.approx(-367.5)
    assert hall.dep_musd_per_quarter == pytest.approx(dep_before + 367.5 / 60)


# ------------------------------------------------------------------ the interconnect queue


def test_queue_wait_grows_with_the_mw_already_queued_in_the_region(tutorial):
    # Nordic wait fixed at 3 quarters; each 100 MW waiting adds one. Nebula's 100 MW (due q3)
    # waits: int(100 / 100) = 1 -> 30 MW won in q0 energise in q0 + 3 + 1 = q4. Published:
    # 100 + 30 = 130 MW queued after the auction.
    world = with_nebula_position(pinned(tutorial), "2026Q4", queue_wait_quarters_min=3, queue_wait_quarters_max=3, queue_congestion_mw_per_quarter=100.0)
    game = Game(world, 4)
    game.step({"corecell": [BidInterconnect("nordics", 30.0, 0.5)]})
    (won,) = [p for p in game.core.world.companies["corecell"].power if p.region == "nordics"]
    assert won.ready_quarter == 4
    nordics = game.public_reports[-1].markets["interconnect"]["nordics"]
    assert (nordics["queued_mw"], nordics["wait_add_quarters"]) == (130.0, 1)


def test_grid_price_rises_with_data_centre_load_energised(tutorial):
    # +10% per GW in the Nordics; Nebula's 100 MW energise in q3: $45 x (1 + 0.1 x 0.1) = $45.45
    world = with_nebula_position(pinned(tutorial), "2026Q4", power_price_rise_per_gw=0.1)
    game = Game(world, 5)
    for _ in range(4):
        game.step({})
    assert game.core.world.regions["nordics"].power_price_usd_per_mwh == pytest.approx(45.45)


def test_power_price_drift_is_the_mean_of_its_lognormal_steps(tutorial):
    # Defect 10: price x (1 + drift) x exp(sigma z - sigma^2 / 2) has mean (1 + drift); without
    # the -sigma^2/2 the mean step is (1 + drift) x exp(sigma^2 / 2) = 1.133 at sigma = 0.5.
    regions = {rid: attrs.evolve(r, power_price_drift_per_quarter=0.0, power_price_volatility=0.5) for rid, r in tutorial.regions.items()}
    game = Game(attrs.evolve(pinned(tutorial), regions=regions), 6)
    g = game.core
    steps = []
    for _ in range(600):
        before = {rid: rs.power_price_usd_per_mwh for rid, rs in g.world.regions.items()}
        drift_phase(g)
        steps += [g.world.regions[rid].power_price_usd_per_mwh / p for rid, p in before.items()]
    assert sum(steps) / len(steps) == pytest.approx(1.0, abs=0.04)


# ------------------------------------------------------------------ lots


def offer_lot(game: Game, reserve: float) -> str:
    """A 50 MW powered air shell in the Nordics, up for auction this quarter."""
    w = game.core.world
    pid, sid = w.new_id("P"), w.new_id("S")
    power = PowerSource(pid, POWERED_SITE, "nordics", 50.0, ready_quarter=0, energised=True, site=sid)
    site = Site(sid, "nordics", 50.0, "air", pid, stage=ONLINE, built_mw=50.0, online_quarter=0)
    lot = AssetLot(w.new_id("L"), "powered_site", "nordics", 50.0, reserve, "market", 1, site=site, power=power)
    w.lots.append(lot)
    w.mw_created += 50.0
    return lot.id


@pytest.mark.parametrize(
    "bids, winner, price",
    [
        # (powered sites are a neo-cloud's special move: CoreCell and Nebula bid)
        # a sole bidder pays the reserve
        ({"corecell": 300.0}, "corecell", 200.0),
        # a rival a dollar ($0.000001M) above the reserve lifts the price by a dollar, no more
        ({"corecell": 300.0, "nebula": 200.000001}, "corecell", 200.000001),
        # the winner pays the best other bid
        ({"corecell": 250.0, "nebula": 300.0}, "nebula", 250.0),
    ],
)
def test_a_lot_goes_to_the_highest_bid_at_the_second_price(tutorial, bids, winner, price):
    # Defect 7: before, the winner paid the reserve alone but its own bid with any rival above
    # the reserve: a $1 rival bid cost it $100M.
    game = Game(pinned(tutorial), 7)
    lid = offer_lot(game, 200.0)
    game.step({cid: [BidLot(lid, p)] for cid, p in bids.items()})
    (sale,) = game.public_reports[-1].markets["lots"]
    assert (sale["buyer"], sale["price_musd"]) == (winner, pytest.approx(price))
    assert pnl(game, winner)["asset_purchase"] == pytest.approx(-price)


def test_a_partly_filled_interconnect_bid_below_the_smallest_connection_gets_nothing(tutorial):
    # The Nordics release 80 MW. CoreCell bids 79 MW at $0.5M, Nebula 30 MW at $0.4M: CoreCell
    # gets its 79; Nebula's bid would be filled for the last 1 MW, under the 2 MW smallest
    # connection, so it gets nothing and that MW stays unsold. The price is still the lowest
    # winning bid of the clearing, $0.4M: CoreCell pays 79 x 0.4 = $31.6M.
    game = Game(pinned(tutorial), 8)
    game.step({"corecell": [BidInterconnect("nordics", 79.0, 0.5)], "nebula": [BidInterconnect("nordics", 30.0, 0.4)]})
    nordics = game.public_reports[-1].markets["interconnect"]["nordics"]
    assert nordics["sold_mw"] == 79.0
    assert [p.mw for p in game.core.world.companies["nebula"].power if p.acquired_quarter == 0] == []
    assert pnl(game, "corecell")["capex_power"] == pytest.approx(-31.6)


@pytest.mark.parametrize(
    "bids, won, price",
    [
        # The Nordics release 80 MW; with interconnect_share_max = 0.5 one company wins at most 40.
        # CoreCell's 60 MW is cut to 40 and Nebula's to 40: 80 asked of 80, so both win at the
        # $0.08M reserve (without the cap CoreCell would take 60 and Nebula 20, at $0.4M)
        ({"corecell": [(60.0, 0.5)], "nebula": [(60.0, 0.4)]}, {"corecell": 40.0, "nebula": 40.0}, 0.08),
        # its highest-priced bid is kept first: CoreCell's $0.6M bid keeps its 30 MW, its $0.5M bid
        # is cut to the 10 left under the cap; 70 asked of 80, all at the reserve
        ({"corecell": [(30.0, 0.6), (30.0, 0.5)], "nebula": [(30.0, 0.3)]}, {"corecell": 40.0, "nebula": 30.0}, 0.08),
        # a bid cut below the 2 MW smallest connection is dropped: CoreCell's 10 MW is cut to 1 MW
        # and goes; Nebula's 50 is cut to 40; 79 asked of 80, at the reserve
        ({"corecell": [(39.0, 0.6), (10.0, 0.5)], "nebula": [(50.0, 0.3)]}, {"corecell": 39.0, "nebula": 40.0}, 0.08),
        # within the cap, the auction is as before: 120 asked of 80, the two highest win and pay
        # the lowest winning bid, $0.5M; Aurora is outbid
        ({"corecell": [(40.0, 0.6)], "nebula": [(40.0, 0.5)], "aurora": [(40.0, 0.4)]}, {"corecell": 40.0, "nebula": 40.0, "aurora": 0.0}, 0.5),
    ],
)
def test_no_company_wins_more_than_its_share_of_a_release(tutorial, bids, won, price):
    game = Game(pinned(tutorial, interconnect_share_max=0.5), 8)
    game.step({cid: [BidInterconnect("nordics", mw, p) for mw, p in b] for cid, b in bids.items()})
    nordics = game.public_reports[-1].markets["interconnect"]["nordics"]
    assert nordics["price_musd_per_mw"] == pytest.approx(price)
    assert nordics["bid_mw"] == pytest.approx(sum(mw for b in bids.values() for mw, _ in b))  # as bid, before the cut
    for cid, mw in won.items():
        got = sum(p.mw for p in game.core.world.companies[cid].power if p.acquired_quarter == 0)
        assert got == pytest.approx(mw)
        assert pnl(game, cid).get("capex_power", 0.0) == pytest.approx(-mw * price)
    cut = [cid for cid, b in bids.items() if sum(mw for mw, _ in b) > 40.0]
    for cid in cut:  # the company is told what was set aside
        assert any("may win at most 50%" in line for line in game.private_reports[-1][cid].lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    share=st.sampled_from([0.2, 0.42, 0.5, 1.0]),
    bids=st.lists(
        st.tuples(st.sampled_from(["aurora", "corecell", "nebula"]), st.floats(2.0, 120.0), st.floats(0.08, 3.0)),
        min_size=1,
        max_size=8,
    ),
)
def test_no_company_ever_wins_more_than_its_share_and_the_release_is_never_oversold(tutorial, share, bids):
    # Whatever the bids, each company wins at most share x the Nordics' 80 MW release, the release
    # is never oversold, every winner pays the one clearing price, and no award is a sliver.
    game = Game(pinned(tutorial, interconnect_share_max=share), 8)
    orders: dict[str, list] = {}
    for cid, mw, price in bids:
        orders.setdefault(cid, []).append(BidInterconnect("nordics", round(mw, 1), round(price, 3)))
    game.step(orders)
    nordics = game.public_reports[-1].markets["interconnect"]["nordics"]
    won = {cid: [p.mw for p in c.power if p.acquired_quarter == 0] for cid, c in game.core.world.companies.items()}
    assert sum(sum(v) for v in won.values()) == pytest.approx(nordics["sold_mw"]) and nordics["sold_mw"] <= 80.0 + 1e-6
    for cid, positions in won.items():
        assert sum(positions) <= share * 80.0 + 1e-6
        assert all(mw >= 2.0 - 1e-9 for mw in positions)
        assert pnl(game, cid).get("capex_power", 0.0) == pytest.approx(-sum(positions) * nordics["price_musd_per_mw"])

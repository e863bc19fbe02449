"""Hand-worked cases for the compute phase (docs/rules.md, "Compute market"), DATC style.

Each case is a small state plus orders, and the ledger and state expected, worked by hand in a
comment. The map is the tutorial's (hours per quarter 2,190; shortfall penalty 0.25; internal
value multiple 1.3; older-generation discount 0.3; internal headroom 0.4), with every company's
fleet replaced by the one the case names, no events, and quarter 0 (2026Q1: H100 was released in
quarter -12, B200 in -4, GB300 in 0). Money is in $M: H100e × $/H100e-hour × 2,190 h / 1e6.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.engine import Game
from game.engine.clearing import clear_choice_market
from game.engine.compute import ANY_GENERATION, compute_markets
from game.engine.validate import OrderBook, validate_orders
from game.model import orders as o
from game.model.state import ONLINE, Contract, Rfp, Site

HOURS = 2190
H100_RELEASE, B200_RELEASE = -12, -4


def musd(h100e: float, price: float) -> float:
    return h100e * price * HOURS / 1e6


@pytest.fixture
def game(tutorial):
    """The tutorial at 2026Q1 with no events and every fleet emptied: cases add their own."""
    spec = attrs.evolve(tutorial, events={}, injects=())
    game = Game(spec, 1)
    g = game.core
    g.world.rfps = []
    for c in g.world.companies.values():
        for site in c.sites:
            g.forget_site(site, c)
        c.sites = []
        c.contracts = []
        c.internal_demand_h100e = 0.0
    return game


def fleet(game, cid: str, region: str = "ercot", mw: float = 400.0, **chips: int) -> None:
    """Give a company one online site holding these accelerators."""
    g = game.core
    c = g.world.companies[cid]
    site = Site(g.world.new_id("S"), region, mw, "liquid", "", stage=ONLINE, built_mw=mw, installed=dict(chips))
    c.sites.append(site)
    g.forget_site(site, c)


def run_compute(game, orders: dict[str, list] | None = None, *, inference: bool = False) -> dict:
    """The compute phase alone, with no inference demand unless asked for; returns its public figures."""
    g = game.core
    if not inference:
        g.world.demand_h100e = 0.0
    compute_markets(g, OrderBook({cid: list(x) for cid, x in (orders or {}).items()}))
    return g.public.markets["compute"]


def pnl(game, cid: str, category: str) -> float:
    return game.core.private[cid].pnl.get(category, 0.0)


# ------------------------------------------------------------------ contracts


def test_a_running_contract_is_paid_for_what_it_takes(game):
    # nebula: 100,000 H100.  Contract 60,000 H100e at $2.00, 2 quarters left, any generation.
    #   delivered 60,000: 60,000 × 2.00 × 2,190 / 1e6 = $262.8M; 1 quarter left; 60,000 busy.
    fleet(game, "nebula", h100=100_000)
    k = Contract("K1", "nebula", "market", 60_000, 2.0, 2, ANY_GENERATION)
    game.core.world.companies["nebula"].contracts = [k]
    run_compute(game)
    assert pnl(game, "nebula", "revenue_contract") == pytest.approx(262.8)
    assert k.quarters_left == 1
    assert game.core.world.companies["nebula"].used_h100e == pytest.approx(60_000)


def test_a_contract_short_of_capacity_pays_for_what_was_delivered_less_a_penalty(game):
    # nebula: 100,000 H100.  Contract 120,000 H100e at $2.00.
    #   delivered 100,000: 100,000 × 2.00 × 2,190 / 1e6 = $438.0M
    #   short 20,000: penalty 20,000 × 2.00 × 2,190 / 1e6 × 0.25 = $21.9M; net $416.1M
    fleet(game, "nebula", h100=100_000)
    game.core.world.companies["nebula"].contracts = [Contract("K1", "nebula", "market", 120_000, 2.0, 3, ANY_GENERATION)]
    run_compute(game)
    assert pnl(game, "nebula", "revenue_contract") == pytest.approx(416.1)


# ------------------------------------------------------------------ RFP awards and qualification


def test_an_rfp_goes_to_the_lowest_qualified_bid_paid_as_bid(game):
    # RFP R1: 50,000 H100e, 4 quarters, site >= 100 MW, any generation, ceiling $3.
    #   corecell bids $1.80 but its only site is 50 MW: it does not qualify.
    #   nebula bids $2.00 (400 MW, 100,000 H100): wins, paid $2.00.
    #   aurora bids $2.50: loses.
    #   nebula's first quarter: 50,000 × 2.00 × 2,190 / 1e6 = $219.0M; 3 quarters left.
    fleet(game, "nebula", h100=100_000)
    fleet(game, "corecell", mw=50, h100=100_000)
    fleet(game, "aurora", h100=100_000)
    game.core.world.rfps = [Rfp("R1", "market", 50_000, 4, 100.0, ANY_GENERATION, 3.0)]
    m = run_compute(game, {"corecell": [o.BidRfp("R1", 1.8)], "nebula": [o.BidRfp("R1", 2.0)], "aurora": [o.BidRfp("R1", 2.5)]})
    assert m["rfps"] == [{"rfp": "R1", "customer": "market", "h100e": 50_000, "winner": "nebula", "price": 2.0}]
    assert pnl(game, "nebula", "revenue_contract") == pytest.approx(219.0)
    (k,) = game.core.world.companies["nebula"].contracts
    assert (k.h100e, k.quarters_left, k.price_usd_per_h100e_hour) == (50_000, 3, 2.0)
    assert m["training"] == {"demand_h100e": 50_000, "served_h100e": 50_000, "priced_out_h100e": 0.0, "unmet_h100e": 0.0}


def test_older_generations_qualify_for_an_rfp_at_a_discount(game):
    # nebula: 20,000 B200 (50,000 H100e, released -4) and 50,000 H100 (released -12).
    # RFP R1: 80,000 H100e wanting generations from -4 on; nebula bids $2.00.
    #   current generations free: 50,000; older: 30,000 of the 80,000
    #   price: 2.00 × (1 − 0.3 × 30,000 / 80,000) = 2.00 × 0.8875 = $1.775
    #   first quarter: 80,000 × 1.775 × 2,190 / 1e6 = $310.98M; the contract accepts any generation.
    fleet(game, "nebula", b200=20_000, h100=50_000)
    game.core.world.rfps = [Rfp("R1", "market", 80_000, 4, 100.0, B200_RELEASE, 3.0)]
    run_compute(game, {"nebula": [o.BidRfp("R1", 2.0)]})
    (k,) = game.core.world.companies["nebula"].contracts
    assert k.price_usd_per_h100e_hour == pytest.approx(1.775)
    assert k.min_release == ANY_GENERATION
    assert pnl(game, "nebula", "revenue_contract") == pytest.approx(310.98)


def test_capacity_of_current_generations_already_taken_is_not_counted_again(game):
    # Defect 2 (Capacity.free_for assumed whatever was taken was old chips).
    # nebula: 20,000 B200 (50,000 H100e, from -4) and 50,000 H100 (-12).
    #   running contract: 30,000 H100e wanting generations from -4: it takes B200s.
    #   RFP R1: 30,000 H100e from -4, nebula bids $2.00.
    #   B200 H100e still free: 50,000 − 30,000 = 20,000; the other 10,000 are H100s.
    #   price: 2.00 × (1 − 0.3 × 10,000 / 30,000) = $1.80 (the old rule saw 50,000 free: $2.00)
    fleet(game, "nebula", b200=20_000, h100=50_000)
    game.core.world.companies["nebula"].contracts = [Contract("K1", "nebula", "market", 30_000, 2.0, 4, B200_RELEASE)]
    game.core.world.rfps = [Rfp("R1", "market", 30_000, 4, 100.0, B200_RELEASE, 3.0)]
    run_compute(game, {"nebula": [o.BidRfp("R1", 2.0)]})
    new = [k for k in game.core.world.companies["nebula"].contracts if k.id != "K1"]
    assert [k.price_usd_per_h100e_hour for k in new] == [pytest.approx(1.8)]


def test_unawarded_rfp_volume_is_unmet_if_someone_could_serve_it_else_priced_out(game):
    # nebula: 100,000 H100 on a 400 MW site.  No bids.
    #   R1: 60,000 H100e, site >= 100 MW: nebula could have served it: unmet 60,000.
    #   R2: 90,000 H100e, site >= 1,000 MW: no site is that large: priced out 90,000.
    #   R3: 150,000 H100e, site >= 100 MW: more than anyone has free: priced out 150,000.
    #   demand 300,000 = served 0 + priced out 240,000 + unmet 60,000.
    fleet(game, "nebula", h100=100_000)
    game.core.world.rfps = [
        Rfp("R1", "market", 60_000, 4, 100.0, ANY_GENERATION, 3.0),
        Rfp("R2", "market", 90_000, 4, 1000.0, ANY_GENERATION, 3.0),
        Rfp("R3", "market", 150_000, 4, 100.0, ANY_GENERATION, 3.0),
    ]
    m = run_compute(game)
    assert m["training"] == {"demand_h100e": 300_000, "served_h100e": 0.0, "priced_out_h100e": 240_000, "unmet_h100e": 60_000}


# ------------------------------------------------------------------ internal demand and sub-contracts


def test_internal_demand_is_served_by_own_capacity_and_holds_headroom(game):
    # aurora: 200,000 H100; internal demand 100,000; price index $1.70 (the start).
    #   own capacity serves 100,000 (busy; at most 200,000 / 1.4 = 142,857 could be) and holds
    #   0.4 × 100,000 = 40,000 back beside it (not busy)
    #   value: 100,000 × 1.70 × 1.3 × 2,190 / 1e6 = $483.99M
    #   utilisation: 100,000 busy of 200,000 installed = 50%
    fleet(game, "aurora", h100=200_000)
    aurora = game.core.world.companies["aurora"]
    aurora.internal_demand_h100e = 100_000
    m = run_compute(game)
    assert pnl(game, "aurora", "revenue_internal") == pytest.approx(483.99)
    assert aurora.used_h100e == pytest.approx(100_000)
    assert m["internal"] == {"demand_h100e": 100_000, "served_h100e": 100_000, "subcontracted_h100e": 0.0}


def subcontract_case(game, nebula_h100: int, quarters_left: int) -> None:
    """aurora: 50,000 H100, internal demand 100,000; nebula sub-contracts 40,000 H100e to it at $1.50."""
    fleet(game, "aurora", h100=50_000)
    fleet(game, "nebula", h100=nebula_h100)
    game.core.world.companies["aurora"].internal_demand_h100e = 100_000
    game.core.world.companies["nebula"].contracts = [Contract("K1", "nebula", "aurora", 40_000, 1.5, quarters_left, ANY_GENERATION, "subcontract")]
    run_compute(game)


def test_a_sub_contracts_last_quarter_is_credited_to_the_customer(game):
    # Defect 1a (_serve_contracts dropped finished contracts before internal demand counted them).
    # aurora: 50,000 H100 of its own, internal demand 100,000.
    # nebula: 100,000 H100, sub-contract K1 to aurora: 40,000 H100e at $1.50, 1 quarter left.
    #   nebula paid 40,000 × 1.50 × 2,190 / 1e6 = $131.4M; aurora pays the same.
    #   aurora serves 40,000 by sub-contract; its own 50,000 serve 50,000 / 1.4 = 35,714.29 with
    #   14,285.71 of headroom beside them: 75,714.29 of 100,000
    #   value 75,714.29 × 1.70 × 1.3 × 2,190 / 1e6 = $366.4496M  (the old rule credited only its own)
    subcontract_case(game, nebula_h100=100_000, quarters_left=1)
    assert pnl(game, "nebula", "revenue_contract") == pytest.approx(131.4)
    assert pnl(game, "aurora", "subcontract_cost") == pytest.approx(-131.4)
    assert pnl(game, "aurora", "revenue_internal") == pytest.approx(366.4496)
    assert game.core.world.companies["nebula"].contracts == []


def test_a_sub_contractor_that_delivers_short_is_credited_only_with_what_it_delivered(game):
    # Defect 1b (served = min(want, own + sub) credited the nominal sub-contract).
    # aurora: 50,000 H100, internal demand 100,000.  nebula: 30,000 H100 only.
    # Sub-contract K1: 40,000 H100e at $1.50, 2 quarters left.
    #   nebula delivers 30,000: 30,000 × 1.5 × 2,190 / 1e6 = $98.55M, less the penalty on
    #   10,000 short: 10,000 × 1.5 × 2,190 / 1e6 × 0.25 = $8.2125M; net $90.3375M, paid by aurora.
    #   aurora served 30,000 + 35,714.29 of its own (see above) = 65,714.29:
    #   65,714.29 × 1.70 × 1.3 × 2,190 / 1e6 = $318.0506M  (the old rule credited the nominal 40,000)
    subcontract_case(game, nebula_h100=30_000, quarters_left=2)
    assert pnl(game, "nebula", "revenue_contract") == pytest.approx(90.3375)
    assert pnl(game, "aurora", "subcontract_cost") == pytest.approx(-90.3375)
    assert pnl(game, "aurora", "revenue_internal") == pytest.approx(318.0506)


def test_a_sub_contract_order_set_may_not_ask_for_more_than_the_internal_demand_in_total(game):
    # Defect 12 (each order was checked alone).  aurora's internal demand 100,000 H100e, 30,000
    # of it already out to tender (an open sub-contract RFP).  The set asks 50,000 then 30,000:
    #   50,000 <= 100,000 − 30,000 = 70,000: accepted; 50,000 + 30,000 = 80,000 > 70,000: rejected.
    g = game.core
    aurora = g.world.companies["aurora"]
    aurora.internal_demand_h100e = 100_000
    g.world.rfps = [Rfp("R9", "aurora", 30_000, 2, 0.0, ANY_GENERATION, 2.0)]
    accepted = validate_orders(g, aurora, [o.Subcontract(50_000, 2, 2.0), o.Subcontract(30_000, 2, 2.0)])
    assert accepted == [o.Subcontract(50_000, 2, 2.0)]
    assert "more than the 70,000" in g.private["aurora"].rejected[-1]["reason"]


# ------------------------------------------------------------------ spot: choice and clearing


ONE_CELL = dict(outside=np.array([-1.5]), price_weight=np.array([2.0]), value=2.0, floor=0.5, ceiling=10.0)


def clear(demand, capacity, asks, **kw):
    args = {**ONE_CELL, **kw}
    n = len(capacity)
    return clear_choice_market(
        np.array([float(demand)]),
        np.zeros((1, n)),
        args["outside"],
        args["price_weight"],
        np.ones((1, n), dtype=bool),
        np.array(capacity, dtype=float),
        np.array(asks, dtype=float),
        args["value"],
        args["floor"],
        args["ceiling"],
    )


def test_spot_in_a_glut_clears_at_the_cost_of_serving():
    # One cell of 100 H100e; two offers of 100 at any price (utility 0); customers value $2.
    # At the floor $0.50 each offer weighs 0.5 × e^(−2 × (0.5/2 − 1)) = 0.5 e^1.5, together
    # e^1.5 = 4.4817; the outside option e^−1.5 = 0.2231: 100 × 4.4817 / 4.7048 = 95.26 buy,
    # fewer than the 200 offered, so both offers stay at the floor.
    #   each sells 47.63; priced out 4.74; unmet 0.
    r = clear(100, [100, 100], [0, 0])
    assert r.prices.tolist() == [0.5, 0.5]
    assert r.sold.tolist() == pytest.approx([47.63, 47.63], abs=0.01)
    assert r.priced_out == pytest.approx(4.74, abs=0.01)
    assert r.unmet == pytest.approx(0.0, abs=1e-9)


def test_spot_in_a_shortage_rises_until_the_demand_kept_fits_the_capacity():
    # 100 H100e of demand, one offer of 50.  Asked = 100 / (1 + e^(−1.5 + 2 (P/2 − 1))) = 50 when
    # −1.5 + P − 2 = 0: P = $3.50.  Sold 50, priced out 50, unmet ~0.
    r = clear(100, [50], [0])
    assert r.prices.tolist() == pytest.approx([3.5], rel=2e-3)
    assert r.sold.tolist() == pytest.approx([50], rel=2e-3)
    assert r.priced_out == pytest.approx(50, rel=5e-3)
    assert r.unmet == pytest.approx(0, abs=0.5)


def test_an_offer_asking_more_than_it_would_clear_at_stays_at_its_ask_and_sells_what_that_draws():
    # 100 of demand; A: 50 at any price, B: 50 asking $5.  Each weighs 0.5 (its capacity share)
    # × e^(2 − P).  B at $5: w_B = 0.5 e^−3 = 0.02489; outside e^−1.5 = 0.22313.
    # A sells out when 100 w_A / (w_A + w_B + 0.22313) = 50: w_A = 0.24802, e^(2 − P_A) = 0.49604,
    # P_A = 2 + 0.70108 = $2.701.  B is asked 100 × 0.02489 / 0.49604 = 5.02 of its 50: it stays
    # at its ask, $5.
    r = clear(100, [50, 50], [0, 5])
    assert r.prices.tolist() == pytest.approx([2.701, 5.0], rel=2e-3)
    assert r.sold.tolist() == pytest.approx([50, 5.02], rel=5e-3)


def test_an_ask_below_what_the_offer_clears_at_does_not_lower_its_price():
    # 100 of demand; A: 40 at any price, B: 40 asking $2.  If both sell out they are alike, so
    # one price: 100 w / (2 w + e^−1.5) = 40 with w = 0.5 e^(2 − P): w = 2 e^−1.5 = 0.44626,
    # P = 2 − ln 0.89252 = $2.114, above B's ask.  Both sell 40 at $2.114.
    r = clear(100, [40, 40], [0, 2])
    assert r.prices.tolist() == pytest.approx([2.114, 2.114], rel=2e-3)
    assert r.sold.tolist() == pytest.approx([40, 40], rel=5e-3)


def test_demand_no_offer_can_reach_is_priced_out_not_unmet():
    # Two cells: the first (100 H100e) reaches the one offer of 100, the second (50) reaches none.
    # The first is the glut above with one offer: weight e^(−2 × (0.5/2 − 1)) = e^1.5 = 4.4817
    # against the outside option's 0.2231: 95.26 buy, the offer stays at the floor $0.50.
    # The second cell has no seller at any price: its 50 are priced out (they used to count as
    # unmet, and lifted next quarter's index although the only offer had room left).
    #   sold 95.26; priced out 4.74 + 50 = 54.74; unmet 0.
    r = clear_choice_market(
        np.array([100.0, 50.0]), np.zeros((2, 1)), np.array([-1.5, -1.5]), np.array([2.0, 2.0]),
        np.array([[True], [False]]), np.array([100.0]), np.array([0.0]), 2.0, 0.5, 8.0,
    )
    assert r.prices.tolist() == [0.5]
    assert r.sold.tolist() == pytest.approx([95.26], abs=0.01)
    assert r.unmet == pytest.approx(0.0, abs=1e-9)
    assert r.priced_out == pytest.approx(54.74, abs=0.01)


def test_at_the_ceiling_what_cannot_be_served_is_unmet():
    # 100 of demand, one offer of 10, ceiling $3.  At $3 asked = 100 / (1 + e^(−1.5 + 2 × 0.5)) =
    # 100 / (1 + e^−0.5) = 62.25: sold 10, unmet 52.25, priced out 37.75.
    r = clear(100, [10], [0], ceiling=3.0)
    assert r.prices.tolist() == [3.0]
    assert r.sold.tolist() == pytest.approx([10])
    assert r.unmet == pytest.approx(52.25, abs=0.01)
    assert r.priced_out == pytest.approx(37.75, abs=0.01)


def test_spot_sales_are_paid_at_the_clearing_price_and_on_demand_capacity_is_busy_a_load_factor_of_the_time(game):
    # nebula alone: 1,000,000 H100 in ERCOT; the market's inference demand is all that buys.
    # Whatever the price, nebula is paid sold × price × 2,190 / 1e6, and holds sold / 0.75 of
    # its capacity for it, busy sold: its utilisation is sold / 1,000,000.
    fleet(game, "nebula", h100=1_000_000)
    m = run_compute(game, inference=True)
    nebula = game.core.world.companies["nebula"]
    sold = m["served_h100e"]
    assert sold > 0
    assert pnl(game, "nebula", "revenue_spot") == pytest.approx(musd(sold, m["clearing_price_usd_per_h100e_hour"]))
    assert m["inference_spend_musd"] == pytest.approx(pnl(game, "nebula", "revenue_spot"))
    assert nebula.used_h100e == pytest.approx(sold)
    assert m["offered_h100e"] == pytest.approx(0.75 * 1_000_000)
    assert m["inference_demand_h100e"] == pytest.approx(m["served_h100e"] + m["priced_out_h100e"] + m["unmet_h100e"])


# nebula alone with 1,000,000 H100 in ERCOT: 750,000 offered (load factor 0.75) against the
# tutorial's first-quarter inference demand of about 297,000: a glut, so the offer has room left
# and sits at its ask (never under the cost of serving, about $0.55).
# (case, nebula's orders, clearing price expected)
ASK_CASES = [
    # no offer order: the ask is the quarter's price index, $1.70 (it used to be "any price": cost)
    ("no offer order sells at the going rate", [], 1.70),
    # an offer at $1.00: the ask is $1.00
    ("an offer names its own ask", [o.OfferCompute("ercot", 1.0)], 1.00),
]


@pytest.mark.parametrize("case, orders, price", ASK_CASES, ids=[c[0] for c in ASK_CASES])
def test_an_offer_with_room_left_sits_at_its_ask_and_no_order_asks_the_index(game, case, orders, price):
    assert game.core.world.price_index == 1.70
    fleet(game, "nebula", h100=1_000_000)
    m = run_compute(game, {"nebula": orders}, inference=True)
    assert m["idle_offered_h100e"] > 0
    assert m["clearing_price_usd_per_h100e_hour"] == pytest.approx(price)


# ------------------------------------------------------------------ invariants


@settings(max_examples=150, deadline=None)
@given(
    cells=st.integers(1, 4),
    data=st.data(),
)
def test_a_choice_market_accounts_for_all_its_demand_and_sells_no_offer_past_its_capacity_or_ask(cells, data):
    n = data.draw(st.integers(0, 5))
    floats = st.floats(0, 1e6, allow_nan=False)
    demand = np.array(data.draw(st.lists(floats, min_size=cells, max_size=cells)))
    capacity = np.array(data.draw(st.lists(floats, min_size=n, max_size=n)))
    asks = np.array(data.draw(st.lists(st.floats(0, 20), min_size=n, max_size=n)))
    utilities = np.array(data.draw(st.lists(st.floats(-5, 5), min_size=cells * n, max_size=cells * n))).reshape(cells, n)
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=cells * n, max_size=cells * n)), dtype=bool).reshape(cells, n)
    outside = np.array(data.draw(st.lists(st.floats(-5, 5), min_size=cells, max_size=cells)))
    weight = np.array(data.draw(st.lists(st.floats(0, 5), min_size=cells, max_size=cells)))
    floor = data.draw(st.floats(0.01, 2))
    ceiling = floor + data.draw(st.floats(0, 10))
    reference = np.array(data.draw(st.lists(st.floats(0, 20), min_size=n, max_size=n)))
    r = clear_choice_market(demand, utilities, outside, weight, mask, capacity, asks, 1.5, floor, ceiling, reference=reference)
    total = float(demand.sum())
    assert r.demand == pytest.approx(total)
    assert float(r.sold.sum()) + r.unmet + r.priced_out == pytest.approx(total, rel=1e-9, abs=1e-6)
    assert r.unmet >= -1e-9 and r.priced_out >= -1e-6
    assert np.all((floor <= r.prices) & (r.prices <= ceiling))
    assert np.all(r.prices >= np.minimum(asks, ceiling))  # no offer sells below its ask
    assert np.all(r.sold <= capacity * (1 + 1e-9) + 1e-9)
    assert np.all(r.sold[asks > ceiling] == 0)
    # alone at its reference ask, an offer sells no more than it did, and at or above its price
    assert np.all((0 <= r.reference_sold) & (r.reference_sold <= r.sold))
    assert np.all((floor <= r.reference_prices) & (r.reference_prices <= ceiling))
    assert np.all(r.reference_prices >= np.minimum(r.prices, np.minimum(np.maximum(reference, floor), ceiling)))
    assert np.all(np.isfinite(r.reference_sold))


@pytest.mark.parametrize("offers", [1, 2])
def test_a_vanishing_demand_clears_to_numbers_not_nan(offers):
    # found by the invariant above: a demand of 5e-324 (the smallest float) made the least
    # Newton slope, 1e-12 of it, underflow to 0, and the step 0/0 turned every price to NaN
    r = clear_choice_market(np.array([5e-324]), np.zeros((1, offers)), np.zeros(1), np.ones(1), np.ones((1, offers), dtype=bool), np.ones(offers), np.zeros(offers), 1.5, 0.5, 2.0)
    assert np.all(np.isfinite(r.prices)) and np.all(np.isfinite(r.sold))
    assert float(r.sold.sum()) + r.unmet + r.priced_out == 5e-324


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_every_quarters_compute_figures_add_up(tutorial, seed):
    from game.runner import agent_orders, seat_agents

    game = Game(tutorial, seed)
    agents = seat_agents(tutorial, seed)
    while not game.finished:
        game.step(agent_orders(game, agents))
        m = game.public_reports[-1].markets["compute"]
        assert m["inference_demand_h100e"] == pytest.approx(m["served_h100e"] + m["priced_out_h100e"] + m["unmet_h100e"])
        t = m["training"]
        assert t["demand_h100e"] == pytest.approx(t["served_h100e"] + t["priced_out_h100e"] + t["unmet_h100e"])
        assert m["clearing_price_usd_per_h100e_hour"] >= m["cost_of_serving_usd_per_h100e_hour"] - 1e-9 or m["served_h100e"] == 0
        for c in game.core.alive():
            assert 0 <= c.used_h100e <= c.capacity_h100e + 1e-6


def test_an_offer_at_a_reference_ask_alone_sells_what_that_price_draws_the_others_kept():
    # The glut above: A and B, 100 each, both at the floor $0.50, each weighing 0.5 e^1.5 = 2.2408
    # against the outside option's 0.2231.  Had A alone asked $2 (B keeping its $0.50), A would
    # weigh 0.5 × e^(−2 × (2/2 − 1)) = 0.5 and draw 100 × 0.5 / (0.5 + 2.2408 + 0.2231) = 16.87
    # at $2.  B's reference $0 is below the floor, so its ask is the floor, its cleared price:
    # the same sales, 47.63 at $0.50.  (The score's passive benchmark asks what each company's
    # offers would have sold at the going rate this way.)
    args = ONE_CELL
    r = clear_choice_market(
        np.array([100.0]), np.zeros((1, 2)), args["outside"], args["price_weight"], np.ones((1, 2), dtype=bool),
        np.array([100.0, 100.0]), np.array([0.0, 0.0]), args["value"], args["floor"], args["ceiling"],
        reference=np.array([2.0, 0.0]),
    )
    assert r.reference_prices.tolist() == [2.0, 0.5]
    assert r.reference_sold.tolist() == pytest.approx([16.87, 47.63], abs=0.01)
    # at or below the price an offer cleared at, the reference changes nothing: the shortage above
    r = clear(100, [50], [0])
    again = clear_choice_market(
        np.array([100.0]), np.zeros((1, 1)), args["outside"], args["price_weight"], np.ones((1, 1), dtype=bool),
        np.array([50.0]), np.array([0.0]), args["value"], args["floor"], args["ceiling"], reference=np.array([2.0]),
    )
    assert again.reference_prices.tolist() == r.prices.tolist()
    assert again.reference_sold.tolist() == r.sold.tolist()

"""Finance, case by case (DATC style): a company reduced to cash, debt and other assets, the
quarter's money orders, and the ledger and state the finance phase must leave, worked by hand.

Every case plays in a scenario whose finance parameters are round numbers (below), so the
arithmetic in the comments can be checked with a pencil. "Other assets" are APA deposits, which
count in the books like any asset and never depreciate in the finance phase."""

from __future__ import annotations

import attrs
import pytest

from game.engine import Game
from game.engine.finance import borrow_headroom, debt_rate, finance_phase
from game.engine.validate import OrderBook
from game.model import orders as o
from game.model.state import ChipCohort, Contract, PowerSource, Site

# the parameters the hand arithmetic uses
MAX_LEVERAGE = 0.5  # debt / assets
MIN_COVER = 2.0  # EBITDA / interest
DISTRESS_QUARTERS = 2  # quarters of unpaid cash before bankruptcy
PENALTY = 0.03  # added to the rate while breached or distressed
RAISE_CAP = 0.5  # of book equity, per quarter
DISCOUNT = 0.2  # new shares sold below book
RESERVE = 0.5  # a bankrupt's lots: reserve price as a share of book
BASE, SLOPE, BACKED = 0.08, 0.1, 0.02  # debt rate: base, per unit of leverage, off when contracts back it


@pytest.fixture
def spec(baseline):
    archetypes = {
        k: attrs.evolve(a, max_leverage=MAX_LEVERAGE, min_interest_coverage=MIN_COVER, debt_rate_base_per_year=BASE, debt_rate_leverage_slope=SLOPE, contract_backed_discount=BACKED)
        for k, a in baseline.archetypes.items()
    }
    rules = attrs.evolve(
        baseline.rules,
        distress_quarters_to_bankruptcy=DISTRESS_QUARTERS,
        covenant_penalty_rate=PENALTY,
        equity_raise_max_fraction=RAISE_CAP,
        equity_issue_discount=DISCOUNT,
        asset_reserve_fraction_of_book=RESERVE,
    )
    events = {eid: attrs.evolve(ev, probability_per_quarter=0.0) for eid, ev in baseline.events.items()}
    return attrs.evolve(baseline, archetypes=archetypes, rules=rules, events=events)


def company(spec, cash: float, debt: float, other_assets: float = 0.0, ebitda: float = 0.0, interest: float = 0.0):
    """A game in its first quarter and its first company, holding only cash, debt and other assets."""
    game = Game(spec, 0)
    g = game.core
    c = next(iter(g.alive()))
    c.sites, c.power, c.cohorts, c.inventory = [], [], [], {}
    c.deliveries, c.agreements, c.contracts = [], [], []
    c.cash_musd, c.debt_musd, c.deposits_musd = cash, debt, other_assets
    c.ebitda_musd, c.interest_musd = ebitda, interest
    g.release_books(c)
    for other in g.world.companies.values():  # no one else's contract names it
        other.contracts = [k for k in other.contracts if k.customer != c.id]
    return game, g, c


def finance(g, c, *orders) -> dict[str, float]:
    """Run the finance phase with c's orders; returns c's ledger of the phase by category."""
    before = len(c.ledger)
    finance_phase(g, OrderBook({c.id: list(orders)}))
    out: dict[str, float] = {}
    for line in c.ledger[before:]:
        out[line.category] = out.get(line.category, 0.0) + line.amount_musd
    return out


# (case, (cash, debt, other assets, EBITDA, interest), orders,
#  expected ledger, expected (cash, debt, covenant breached, distress quarters))
CASES = [
    # assets 100 (all cash), no debt: room = (0.5*100 - 0) / (1 - 0.5) = 100. Borrow 60: debt 60,
    # cash 160; leverage 60/160 = 0.375, within 0.5
    ("borrowing within the room", (100, 0, 0, 0, 0), [o.Borrow(60)], {"debt_draw": 60}, (160, 60, False, 0)),
    # the same room of 100, asked for 150: 100 lent; leverage 100/200 = 0.5, exactly the maximum,
    # which is no breach
    ("borrowing is capped at the room", (100, 0, 0, 0, 0), [o.Borrow(150)], {"debt_draw": 100}, (200, 100, False, 0)),
    # repay 100 with 50 of cash and 80 of debt: min(100, 80, 50) = 50 repaid
    ("repaying is capped at cash and debt", (50, 80, 100, 0, 0), [o.Repay(100)], {"debt_repay": -50}, (0, 30, False, 0)),
    # cash -30 and 200 of other assets: assets 170, room (0.5*170 - 0)/0.5 = 170, so the revolver
    # draws the 30 short; leverage 30/200 = 0.15
    ("the revolver covers an overdraft", (-30, 0, 200, 0, 0), [], {"debt_draw": 30}, (0, 30, False, 0)),
    # cash -30 and nothing else: assets -30, room max(0, (0.5*-30)/0.5) = 0: no draw, the company
    # is in distress for its first quarter
    ("an overdraft no one will lend against is distress", (-30, 0, 0, 0, 0), [], {}, (-30, 0, False, 1)),
    # cash 100, other 100, debt 120: assets 200, leverage 0.6 > 0.5, a breach. Excess 120 - 0.5*200
    # = 20; sweep min(100, 20/(1-0.5)) = 40: debt 80, cash 60, leverage 80/160 = 0.5 again
    ("a leverage breach sweeps cash until leverage is back", (100, 120, 100, 0, 0), [], {"debt_repay": -40}, (60, 80, True, 0)),
    # cash 40, other 60, debt 80: assets 100, leverage 0.8. Excess 80 - 50 = 30; the sweep would
    # take 30/0.5 = 60 but only 40 of cash is there: debt 40, cash 0
    ("the sweep takes at most the cash", (40, 80, 60, 0, 0), [], {"debt_repay": -40}, (0, 40, True, 0)),
    # EBITDA 10 against interest 8: cover 1.25 < 2, a breach with leverage fine (20/300): no sweep
    ("thin interest cover is a breach", (200, 20, 100, 10, 8), [], {}, (200, 20, True, 0)),
    # EBITDA 20 against interest 8: cover 2.5 >= 2, no breach
    ("enough interest cover is no breach", (200, 20, 100, 20, 8), [], {}, (200, 20, False, 0)),
    # equity 100 (cash 100, no debt): at most 0.5*100 = 50 raised of the 80 asked
    ("an equity raise is capped by book equity", (100, 0, 0, 0, 0), [o.RaiseEquity(80)], {"equity_raise": 50}, (150, 0, False, 0)),
    # orders in the order given: borrow 100 (room 100 on 100 of cash), then repay 30: debt 70, cash 170
    ("money orders apply in the order given", (100, 0, 0, 0, 0), [o.Borrow(100), o.Repay(30)], {"debt_draw": 100, "debt_repay": -30}, (170, 70, False, 0)),
]


@pytest.mark.parametrize("case, figures, orders, ledger, after", CASES, ids=[c[0] for c in CASES])
def test_finance_cases(spec, case, figures, orders, ledger, after):
    _, g, c = company(spec, *figures)
    assert finance(g, c, *orders) == pytest.approx(ledger)
    assert (c.cash_musd, c.debt_musd, c.covenant_breached, c.distress_quarters) == pytest.approx(after)
    assert c.alive


def test_an_equity_raise_dilutes_at_the_discounted_book_value(spec):
    # equity 100; pre-money 100 * (1 - 0.2) = 80; 50 raised: the founders keep 80 / (80 + 50)
    _, g, c = company(spec, 100, 0)
    finance(g, c, o.RaiseEquity(50))
    assert c.ownership == pytest.approx(80 / 130)
    assert g.equity_raised[c.id] == 50


def test_a_breach_closes_the_revolver_and_raises_the_rate(spec):
    # breached (cover 1.25): no room to borrow however many assets; the rate is base + slope *
    # leverage + penalty = 0.08 + 0.1 * 20/300 + 0.03
    _, g, c = company(spec, 200, 20, 100, 10, 8)
    finance(g, c)
    assert c.covenant_breached
    assert borrow_headroom(g, c) == 0.0
    assert debt_rate(g, c) == pytest.approx(BASE + SLOPE * 20 / 300 + PENALTY)
    assert finance(g, c, o.Borrow(10)) == {}


def test_the_debt_rate_worked_by_hand(spec, baseline):
    # debt 50 on assets 200 (cash 150 + other 50): leverage 0.25, rate 0.08 + 0.1*0.25 = 0.105.
    # A contract of 1,000 H100e at $2/h for 5 more quarters backs 1000*2*hours*5/1e6 $M of the 50:
    # with the baseline's hours a quarter that is min(1, backlog/50) of the debt, taking
    # 0.02 * that off. An interest-rate event adds its 0.01.
    _, g, c = company(spec, 150, 50, 50)
    assert debt_rate(g, c) == pytest.approx(0.105)
    c.contracts = [Contract("K1", c.id, "market", 1000.0, 2.0, 5, 0)]
    hours = spec.rules.hours_per_quarter
    backed = min(1.0, 1000 * 2 * hours * 5 / 1e6 / 50)
    assert debt_rate(g, c) == pytest.approx(0.105 - BACKED * backed)
    from game.engine.levers import Levers

    g.set_levers(Levers({("rate_add", ""): 0.01}))
    assert debt_rate(g, c) == pytest.approx(0.105 - BACKED * backed + 0.01)


def test_distress_clears_when_cash_comes_back(spec):
    # a quarter short (distress 1), then cash 5: distress back to 0, the rate penalty gone
    _, g, c = company(spec, -30, 0)
    finance(g, c)
    assert c.distress_quarters == 1
    c.cash_musd = 5.0
    finance(g, c)
    assert c.distress_quarters == 0 and c.alive


def test_two_quarters_of_distress_are_bankruptcy_and_its_assets_go_to_auction(spec):
    # Quarter one short: distress 1. Quarter two still short: distress 2 = the limit, bankrupt.
    # Chips are booked per generation over every unit held: (200 + 100) / (1,000 + 500) = 0.2 a
    # unit. Its site (book 300, on power of book 50, with 1,000 chips) becomes one lot with reserve
    # 0.5 * (300 + 50 + 1000 * 0.2) = 275; its 500 chips in inventory a lot of reserve
    # 0.5 * 500 * 0.2 = 50. A sub-contract in which it was the customer ends.
    game, g, c = company(spec, -30, 0)
    gid = next(iter(spec.generations))
    c.power = [PowerSource("Px", "grid", "pjm", 100.0, ready_quarter=0, energised=True, site="Sx", book_musd=50.0)]
    c.sites = [Site("Sx", "pjm", 100.0, "liquid", "Px", stage="online", built_mw=100.0, installed={gid: 1000}, book_musd=300.0)]
    c.inventory = {gid: 500}
    c.cohorts = [ChipCohort(gid, 1000, 200.0, 0.0), ChipCohort(gid, 500, 100.0, 0.0)]
    g.release_books(c)
    supplier = [x for x in g.alive() if x is not c][0]
    supplier.contracts.append(Contract("Kx", supplier.id, c.id, 10.0, 1.0, 4, 0, kind="subcontract"))
    c.cash_musd = -1e6  # far beyond what the assets would let it borrow
    finance(g, c)
    assert (c.alive, c.distress_quarters) == (True, 1)
    finance(g, c)
    assert not c.alive and c.bankrupt_quarter == g.q and c.id in g.public.bankruptcies
    lots = {lt.kind: lt for lt in g.world.lots if lt.seller == c.id}
    assert set(lots) == {"site", "chips"}
    assert lots["site"].reserve_musd == pytest.approx(RESERVE * (300 + 50 + 1000 * 0.2))
    assert lots["chips"].reserve_musd == pytest.approx(RESERVE * 500 * 0.2)
    assert (c.sites, c.power, c.cohorts, c.inventory) == ([], [], [], {})
    assert not [k for k in supplier.contracts if k.customer == c.id]
    assert c not in g.alive()


def test_revenue_is_one_figure_in_the_view_the_report_and_the_result(baseline):
    # what a company sold, summed over the quarters, is the result's revenue; the outside cash
    # flow of a hyperscaler's other business is not revenue anywhere
    from game.runner import play, seat_agents

    game, result = play(baseline, 2, seat_agents(baseline, 2))
    for row in result.standings:
        reps = [q[row.id] for q in game.private_reports if row.id in q]
        sold = sum(v for r in reps for k, v in r.pnl.items() if k.startswith("revenue_"))
        outside = sum(r.pnl.get("outside_cash_flow", 0.0) for r in reps)
        assert row.revenue_musd == pytest.approx(sold, abs=1e-3)
        if outside:
            assert row.revenue_musd != pytest.approx(sold + outside, abs=1e-3)


def test_a_company_in_distress_is_reported_so_in_the_standings(spec):
    # a quarter short: distress 1, and its standing says so (not "ok"); cash back: "ok" again
    game, g, c = company(spec, -30, 0)
    finance(g, c)
    mine = next(r for r in game.result().standings if r.id == c.id)
    assert (mine.distress_quarters, mine.status) == (1, "distress (1q)")
    c.cash_musd = 5.0
    finance(g, c)
    mine = next(r for r in game.result().standings if r.id == c.id)
    assert (mine.distress_quarters, mine.status) == (0, "ok")

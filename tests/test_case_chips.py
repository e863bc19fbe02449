"""Case table for the chip markets (game/engine/chips.py), in the spirit of diplomacy's DATC.

Each case: the pinned tutorial world of tests/case_world.py (10,000 GB300 a quarter at a flat
$48k list; agreements at 5% off with a 20% deposit and at most 60% of supply; spot reserve 90%
of list; 15% of spot reserved for neo-clouds; delivery one quarter after allocation), a few
orders, and the expected ledger and state, worked by hand in the comments.
"""

from __future__ import annotations

import pytest

from game.engine import Game
from game.engine.levers import Levers
from game.model.orders import BidChips, SignChipAgreement

from case_world import GB300_LIST, SUPPLY, pinned, pnl

APA_PRICE = GB300_LIST * 0.95  # $0.0456M
RESERVE = GB300_LIST * 0.9  # $0.0432M


@pytest.fixture(scope="module")
def world(tutorial):
    return pinned(tutorial)


def held(game: Game, cid: str, gid: str = "gb300") -> int:
    """Accelerators a company owns: in inventory or installed."""
    c = game.core.world.companies[cid]
    return c.inventory.get(gid, 0) + sum(s.installed.get(gid, 0) for s in c.sites)


def test_agreements_oversubscribed_are_scaled_pro_rata_to_the_vendors_room(world):
    # Room for agreements: 60% x 10,000 = 6,000 a quarter. Asked: Aurora 6,000 + CoreCell 4,000
    # = 10,000 -> each gets 60%: Aurora 3,600, CoreCell 2,400 a quarter, for 4 quarters.
    # Price 0.048 x 0.95 = $0.0456M. Deposit = price x units x quarters x 20%:
    #   Aurora 0.0456 x 3,600 x 4 x 0.2 = $131.328M;  CoreCell 0.0456 x 2,400 x 4 x 0.2 = $87.552M.
    # The first quarter is allocated at once (supply 10,000 >= 6,000 due): Aurora pays
    #   3,600 x 0.0456 = $164.16M less a quarter of its deposit (131.328 / 4 = 32.832) = $131.328M.
    game = Game(world, 1)
    game.step({"aurora": [SignChipAgreement("gb300", 6000, 4)], "corecell": [SignChipAgreement("gb300", 4000, 4)]})
    aurora, corecell = (game.core.world.companies[c] for c in ("aurora", "corecell"))
    assert [(a.units_per_quarter, a.quarters_left) for a in aurora.agreements] == [(3600, 3)]
    assert [(a.units_per_quarter, a.quarters_left) for a in corecell.agreements] == [(2400, 3)]
    assert pnl(game, "aurora")["apa_deposit"] == pytest.approx(-131.328)
    assert pnl(game, "corecell")["apa_deposit"] == pytest.approx(-87.552)
    assert pnl(game, "aurora")["chip_delivery"] == pytest.approx(-131.328)
    # deposits: what is left of the deposit (131.328 - 32.832) plus the shipment paid for (164.16)
    assert aurora.deposits_musd == pytest.approx(98.496 + 164.16)
    # everything asked of the quarter's supply: 6,000 due under agreements + 4,000 refused
    chips = game.public_reports[-1].markets["chips"]["gb300"]
    assert (chips["supply"], chips["agreements"], chips["bid_units"]) == (SUPPLY, 6000, 10000)


def test_agreement_and_spot_bought_in_the_same_quarter_arrive_together_after_the_lead(world):
    # Defect 5: agreements used to deliver in the quarter they were signed while spot waited the
    # vendor's lead. Now both are allocated in q0 and ship one quarter later, in q1.
    game = Game(world, 2)
    before = held(game, "aurora")
    game.step({"aurora": [SignChipAgreement("gb300", 1000, 4), BidChips("gb300", 2000, 0.05)]})
    assert held(game, "aurora") == before  # nothing arrives in q0
    assert sorted((d.quarter, d.units) for d in game.core.world.companies["aurora"].deliveries) == [(1, 1000), (1, 2000)]
    game.step({})
    assert held(game, "aurora") == before + 3000  # both in q1 (and the agreement's second 1,000 ship in q2)
    game.step({})
    assert held(game, "aurora") == before + 4000


def test_spot_reserves_a_share_for_neoclouds_then_clears_the_rest_at_the_lowest_winning_bid(world):
    # Supply 10,000, no agreements. 15% = 1,500 reserved for neo-clouds (CoreCell's special move).
    #   Reserved pool: CoreCell 2,000 at $0.05M > 1,500 -> CoreCell gets 1,500 at its own 0.05
    #   (the marginal bid): chip_prepayment 1,500 x 0.05 = -$75M.
    #   Open pool: 10,000 - 1,500 = 8,500 for Aurora 9,000 at 0.06 and CoreCell's other 500 at 0.05:
    #   asked 9,500 > 8,500 -> Aurora's 8,500 at 0.06 (the lowest winning bid): -$510M. CoreCell
    #   gets no more. Both bids clear the reserve 0.048 x 0.9 = $0.0432M.
    game = Game(world, 3)
    game.step({"aurora": [BidChips("gb300", 9000, 0.06)], "corecell": [BidChips("gb300", 2000, 0.05)]})
    assert pnl(game, "corecell")["chip_prepayment"] == pytest.approx(-75.0)
    assert pnl(game, "aurora")["chip_prepayment"] == pytest.approx(-510.0)
    assert sum(d.units for d in game.core.world.companies["corecell"].deliveries) == 1500
    chips = game.public_reports[-1].markets["chips"]["gb300"]
    assert (chips["spot_sold"], chips["bid_units"], chips["spot_price_musd"]) == (10000, 11000, pytest.approx(0.06))


def test_a_lone_spot_bid_that_fits_pays_the_reserve(world):
    # 1,000 asked of 10,000 at $0.07M: everything fits, so it pays the reserve $0.0432M: -$43.2M
    game = Game(world, 4)
    game.step({"nebula": [BidChips("gb300", 1000, 0.07)]})
    assert pnl(game, "nebula")["chip_prepayment"] == pytest.approx(-1000 * RESERVE)


def test_agreements_are_take_or_pay_and_their_deposit_is_credited_evenly(world):
    # Aurora signs 1,000 a quarter for 4 quarters and buys nothing else. Deposit 0.0456 x 1,000 x 4
    # x 0.2 = $36.48M. Each quarter it pays 1,000 x 0.0456 = $45.6M less 36.48 / 4 = $9.12M:
    # $36.48M, halls or no halls. Over four quarters: 36.48 + 4 x 36.48 = $182.4M = 4 x 45.6.
    game = Game(world, 5)
    paid = []
    game.step({"aurora": [SignChipAgreement("gb300", 1000, 4)]})
    paid.append(-pnl(game, "aurora")["chip_delivery"])
    for _ in range(3):
        game.step({})
        paid.append(-pnl(game, "aurora")["chip_delivery"])
    assert paid == pytest.approx([36.48] * 4)
    aurora = game.core.world.companies["aurora"]
    assert aurora.agreements == []
    # the last shipment (allocated in q3) is still on its way: its $45.6M is all that is on deposit
    assert aurora.deposits_musd == pytest.approx(45.6)


def test_agreements_share_a_short_supply_pro_rata(world):
    # q0: Aurora 3,600 and CoreCell 2,400 a quarter, as in the first case. q1: an HBM shortage
    # halves supply to 5,000 < 6,000 due -> each gets 5/6: Aurora int(3,600 x 5/6) = 3,000 and
    # CoreCell 2,000. Aurora pays 3,000 x 0.0456 = 136.8 less its quarter's deposit credit
    # 32.832 = $103.968M; nothing is left for spot.
    game = Game(world, 6)
    game.step({"aurora": [SignChipAgreement("gb300", 6000, 4)], "corecell": [SignChipAgreement("gb300", 4000, 4)]})
    game.core.levers = Levers({("supply_multiplier", "nvidia"): 0.5})  # the shortage, as the news would pull it
    game.core.derived.new_quarter()
    game.step({"nebula": [BidChips("gb300", 500, 0.07)]})
    chips = game.public_reports[-1].markets["chips"]["gb300"]
    assert (chips["supply"], chips["agreements"], chips["spot_sold"]) == (5000, 5000, 0)
    assert pnl(game, "aurora")["chip_delivery"] == pytest.approx(-103.968)
    assert sorted(d.units for d in game.core.world.companies["corecell"].deliveries) == [2000]

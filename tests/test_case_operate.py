"""Case table for the operate phase (game/engine/operate.py), in the spirit of diplomacy's DATC:
the pinned tutorial world of tests/case_world.py, a small state or a few orders, and the expected
ledger worked by hand in the comments.

The power bill of a fleet group: IT MW drawn x draw share x PUE x hours x $/MWh, where the draw
share is idle_power_fraction + (1 - idle_power_fraction) x the share of installed H100e busy.
"""

from __future__ import annotations

import attrs
import pytest

from game.engine import Game
from game.engine.compute import Capacity
from game.engine.levers import Levers
from game.engine.operate import operate_phase
from game.model.orders import BidInterconnect, RetrofitCooling

from case_world import pinned, pnl

HOURS = 2190
IDLE = 0.35  # the tutorial's idle_power_fraction


def ledger(c, category: str) -> float:
    return sum(line.amount_musd for line in c.ledger if line.category == category)


def test_power_bill_is_it_mw_times_draw_times_pue_times_hours_times_price(tutorial):
    # Nebula: 55,000 B200 x 2.0 kW = 110 MW of IT load in a Nordic liquid hall (PUE 1.2, $45/MWh).
    # Half its installed H100e busy -> draw 0.35 + 0.65 x 0.5 = 0.675 (headroom kept idle is billed
    # idle: the busy share is not divided by the sellable fraction, as it was before).
    # Bill: 110 x 0.675 x 1.2 x 2,190 x $45 = $8,780,805 = $8.780805M.
    # Site operations: 110 IT MW x $0.045M = $4.95M.
    g = Game(pinned(tutorial), 1).core
    c = g.world.companies["nebula"]
    c.capacity_h100e, c.used_h100e = 137_500.0, 68_750.0
    operate_phase(g)
    assert ledger(c, "power") == pytest.approx(-110 * (IDLE + (1 - IDLE) * 0.5) * 1.2 * HOURS * 45 / 1e6)
    assert ledger(c, "power") == pytest.approx(-8.780805)
    assert ledger(c, "opex") == pytest.approx(-4.95)


def test_depreciation_is_book_over_life_for_halls_and_chips(tutorial):
    # Nebula's hall: 140 grid MW liquid = 140 / 1.2 = 116.667 IT MW x $7.2M x 0.95 = $798M of book,
    # over 60 quarters: $13.3M. Its 55,000 B200 at $0.075M = $4,125M over 24 quarters: $171.875M.
    # Its starting power has no book value. Total: $185.175M.
    g = Game(pinned(tutorial), 2).core
    c = g.world.companies["nebula"]
    operate_phase(g)
    assert g.depreciation["nebula"] == pytest.approx(798.0 / 60 + 4125.0 / 24)
    assert g.depreciation["nebula"] == pytest.approx(185.175, abs=1e-4)


def test_a_heat_wave_takes_out_air_cooled_capacity_only(tutorial):
    # Defect 8: a 5% heat-wave outage in ERCOT and PJM. Aurora's PJM hall is air-cooled: 200,000
    # H100e x 0.95 = 190,000 usable. Its ERCOT hall is liquid: 362,500, untouched (before, it
    # lost 5% too).
    g = Game(pinned(tutorial), 3).core
    g.levers = Levers({("outage_fraction", "ercot"): 0.05, ("outage_fraction", "pjm"): 0.05})
    cap = Capacity(g, g.world.companies["aurora"], {})
    assert cap.total["pjm"] == pytest.approx(200_000 * 0.95)
    assert cap.total["ercot"] == pytest.approx(362_500)


def test_a_hall_retrofitted_this_quarter_pays_the_power_it_sold_this_quarter(tutorial):
    # Defect 6: the compute markets sell the air hall's capacity before the build phase takes it
    # out for a retrofit, so the quarter's power bill is the same as without the retrofit (before,
    # the hall's power went unbilled for the quarter it sold).
    world = pinned(tutorial)
    bills = []
    for orders in ([], "retrofit"):
        game = Game(world, 4)
        aurora = game.core.world.companies["aurora"]
        if orders:
            (hall,) = [s for s in aurora.sites if s.cooling == "air"]
            orders = [RetrofitCooling(hall.id, "liquid")]
        game.step({"aurora": orders})
        bills.append(pnl(game, "aurora")["power"])
    assert bills[0] < 0
    assert bills[1] == pytest.approx(bills[0])


def test_chips_installed_during_build_are_billed_from_the_next_quarter(tutorial):
    # Defect 6: CoreCell's 5,000 GB300 in inventory install on its ERCOT hall in q0's build phase,
    # after the compute markets sold q0's capacity: q0's power bill is the same as with no
    # inventory at all; from q1 the new chips draw power.
    world = pinned(tutorial)
    bare = attrs.evolve(world, companies={**world.companies, "corecell": attrs.evolve(world.companies["corecell"], inventory={})})
    bills = []
    for spec in (world, bare):
        game = Game(spec, 5)
        game.step({})
        q0 = pnl(game, "corecell")["power"]
        game.step({})
        bills.append((q0, pnl(game, "corecell")["power"]))
    (with_q0, with_q1), (bare_q0, bare_q1) = bills
    assert sum(s.installed.get("gb300", 0) for s in Game(world, 5).core.world.companies["corecell"].sites) == 40_000
    assert with_q0 == pytest.approx(bare_q0)
    assert with_q1 < bare_q1  # more chips, a bigger bill


def test_grid_power_left_without_a_site_is_withdrawn_and_its_deposit_lost(tutorial):
    # CoreCell wins 30 Nordic MW at the $0.08M reserve in q0 (book $2.4M), energised in q1 (wait
    # fixed at 1) and left without a site. With a 2-quarter limit it is withdrawn in q3's operate:
    # after its q1-q3 depreciation of 2.4 / 80 = $0.03M a quarter, the $2.31M left is written off
    # (with depreciation), and its 30 MW leave the game.
    world = pinned(tutorial, unused_power_forfeit_quarters=2)
    nordics = attrs.evolve(world.regions["nordics"], queue_wait_quarters_min=1, queue_wait_quarters_max=1)
    world = attrs.evolve(world, regions={**world.regions, "nordics": nordics})
    keep = attrs.evolve(world, rules=attrs.evolve(world.rules, unused_power_forfeit_quarters=200))
    deps = []
    for spec in (world, keep):
        game = Game(spec, 6)
        game.step({"corecell": [BidInterconnect("nordics", 30.0, 0.5)]})
        for _ in range(3):
            game.step({})
        c = game.core.world.companies["corecell"]
        deps.append((game.private_reports[-1]["corecell"].depreciation_musd, [p.mw for p in c.power if p.region == "nordics"], game.core.world.mw_scrapped))
    (lost_dep, lost_power, lost_scrapped), (kept_dep, kept_power, kept_scrapped) = deps
    assert kept_power == [30.0] and lost_power == []
    assert lost_scrapped - kept_scrapped == pytest.approx(30.0)
    assert lost_dep - kept_dep == pytest.approx(2.4 - 3 * 0.03)

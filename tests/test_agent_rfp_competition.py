"""Agents compete for training RFPs: a hand-worked table for policy.compute.rfp_bids.

Baseline, seed 0, after two quarters: last quarter's four market RFPs were all won by rivals of
CoreCell (Lumen twice at $1.3342 per H100e-hour, Meridian and Aurora at $1.3599); this quarter's
four RFPs have a ceiling of ~$1.6747. The undercut is a cent (RIVAL_UNDERCUT_USD)."""

from __future__ import annotations

import math

import pytest

from game.agents.policy import compute
from game.runner import play, seat_agents


@pytest.fixture(scope="module")
def view(baseline):
    game, _ = play(baseline, 0, seat_agents(baseline, 0), max_quarters=2)
    return game.view("corecell")


def prices(bids) -> set[float]:
    return {b.price_usd_per_h100e_hour for b in bids}


def test_the_lowest_rival_win_is_read_from_the_public_report(view):
    assert compute.rival_rfp_price(view) == pytest.approx(1.3342)
    assert len(view.rfps) == 4


@pytest.mark.parametrize(
    "factor, floor, expected",
    [
        # no floor: the fixed share of the ceiling, as before (0.85 × 1.6747 ≈ 1.4235)
        (0.85, None, "share"),
        # its share 1.4235 is above the lowest rival win, 1.3342: a cent under it, 1.3242
        (0.85, 0.0, 1.3242),
        # ... but never below what its capacity earns on spot: floor 1.40 > 1.3242
        (0.85, 1.40, 1.40),
        # a share already under the rival's price stands (0.70 × 1.6747 ≈ 1.1723 < 1.3242)
        (0.70, 0.0, "share"),
    ],
)
def test_it_undercuts_a_rival_down_to_its_floor_and_no_further(view, factor, floor, expected):
    bids = compute.rfp_bids(view, 1000.0, factor, free=1e9, floor=floor)
    assert len(bids) == 4
    ceiling = {r.id: r.max_price_usd_per_h100e_hour for r in view.rfps}
    for b in bids:
        want = math.floor(ceiling[b.rfp] * factor * 1e4) / 1e4 if expected == "share" else expected
        assert b.price_usd_per_h100e_hour == pytest.approx(want)

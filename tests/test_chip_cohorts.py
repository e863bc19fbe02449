"""Chip cohorts: a generation's purchases in one quarter share one depreciation schedule."""

from __future__ import annotations

import pytest

from game.engine import Game
from game.engine.chips import _add_cohort
from game.model.state import ChipCohort


@pytest.fixture
def setup(baseline):
    game = Game(baseline, 0)
    g = game.core
    c = next(iter(g.world.companies.values()))
    gid = next(iter(baseline.generations))
    return g, c, gid, baseline.generations[gid].depreciation_quarters


def _dated(c, gid):
    return [k for k in c.cohorts if k.generation == gid and k.quarter >= 0]


def test_two_purchases_of_a_generation_in_one_quarter_share_a_cohort(setup):
    # 10 units for $20M, then 5 for $12M in the same quarter: one cohort of 15 units, $32M,
    # depreciating 20/D + 12/D a quarter
    g, c, gid, d = setup
    g.world.quarter = 3
    _add_cohort(g, c, gid, 10, 20.0)
    _add_cohort(g, c, gid, 5, 12.0)
    (k,) = _dated(c, gid)
    assert (k.units, k.book_musd, k.quarter) == (15, 32.0, 3)
    assert k.dep_musd_per_quarter == pytest.approx(20.0 / d + 12.0 / d)


def test_a_bought_lots_undated_cohort_in_between_does_not_split_the_quarters_cohort(setup):
    # a lot's chips join the buyer's books undated (-1) between two deliveries of the quarter
    g, c, gid, _ = setup
    g.world.quarter = 4
    _add_cohort(g, c, gid, 10, 20.0)
    c.cohorts.append(ChipCohort(gid, 7, 3.0, 0.1))
    _add_cohort(g, c, gid, 1, 2.0)
    (k,) = _dated(c, gid)
    assert (k.units, k.book_musd) == (11, 22.0)


def test_a_later_quarters_purchase_starts_a_new_cohort(setup):
    # quarter 5 buys 10, quarter 6 buys 4 and then 2 more: two cohorts, 10 and 6, in time order
    g, c, gid, _ = setup
    g.world.quarter = 5
    _add_cohort(g, c, gid, 10, 20.0)
    g.world.quarter = 6
    _add_cohort(g, c, gid, 4, 8.0)
    _add_cohort(g, c, gid, 2, 4.0)
    assert [(k.quarter, k.units, k.book_musd) for k in _dated(c, gid)] == [(5, 10, 20.0), (6, 6, 12.0)]


def test_another_generation_bought_the_same_quarter_keeps_its_own_cohort(setup, baseline):
    g, c, gid, _ = setup
    other = list(baseline.generations)[1]
    g.world.quarter = 2
    _add_cohort(g, c, gid, 3, 6.0)
    _add_cohort(g, c, other, 4, 9.0)
    _add_cohort(g, c, gid, 1, 2.0)
    assert [(k.units, k.book_musd) for k in _dated(c, gid)] == [(4, 8.0)]
    assert [(k.units, k.book_musd) for k in _dated(c, other)] == [(4, 9.0)]

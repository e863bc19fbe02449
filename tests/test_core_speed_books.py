"""Bookkeeping shortcuts taken for speed give the books the plain rules give."""

from __future__ import annotations

import pytest

from game.engine import Game
from game.engine.finance import bankrupt
from game.engine.operate import _depreciate_chips
from game.model.state import ChipCohort
from game.runner import agent_orders, seat_agents
from game.scenario import load_scenario


def _company(spec):
    game = Game(spec, 0)
    return game.core, next(iter(game.core.world.companies.values()))


def test_chip_write_down_drops_only_cohorts_left_with_nothing_on_the_books(baseline):
    # $10M at $4M a quarter keeps $6M; $3M at $4M is written off ($3M charged); $5.0000000001M
    # at $5M leaves a rounding crumb under $1e-9M, off the books too: $4M + $3M + $5M charged
    g, c = _company(baseline)
    gid = next(iter(baseline.generations))
    keep = ChipCohort(gid, 10, 10.0, 4.0)
    c.cohorts = [ChipCohort(gid, 1, 3.0, 4.0), keep, ChipCohort(gid, 5, 5.0 + 1e-10, 5.0)]
    assert _depreciate_chips(c) == 12.0
    assert c.cohorts == [keep] and keep.book_musd == 6.0


def test_chip_write_down_keeps_the_list_when_nothing_is_written_off(baseline):
    g, c = _company(baseline)
    gid = next(iter(baseline.generations))
    cohorts = c.cohorts = [ChipCohort(gid, 1, 8.0, 2.0), ChipCohort(gid, 1, 4.0, 1.0)]
    assert _depreciate_chips(c) == 3.0
    assert c.cohorts is cohorts and [k.book_musd for k in cohorts] == [6.0, 3.0]


def _fresh_books(c):
    return (sum(s.book_musd for s in c.sites), sum(p.book_musd for p in c.power), sum(k.book_musd for k in c.cohorts))


@pytest.mark.parametrize("scenario,seed", [("baseline", 0), ("baseline", 5), ("grid-crunch", 1), ("ai-winter", 2)])
def test_books_held_between_quarters_are_the_assets_books(scenario, seed):
    # operate holds each company's summed books for finance, the views and the order checks;
    # whenever the game can be read, they must be what the assets say, to the last bit
    spec = load_scenario(scenario)
    agents = seat_agents(spec, seed)
    game = Game(spec, seed)
    held = 0
    while not game.finished:
        game.step(agent_orders(game, agents))
        g = game.core
        for c in g.world.companies.values():
            held += c.id in g.derived.books
            assert g.asset_books(c) == _fresh_books(c), (c.id, g.q)
            if c.alive:
                sites, power, chips = _fresh_books(c)
                assert g.book_equity(c) == c.cash_musd + sites + power + chips + c.deposits_musd - c.debt_musd
    assert held  # the shortcut was taken


def test_a_bankrupt_companys_books_are_released_with_its_assets(baseline):
    game = Game(baseline, 0)
    game.step({})
    g = game.core
    c = next(iter(g.alive()))
    assert c.id in g.derived.books and sum(g.asset_books(c)) > 0
    bankrupt(g, c)
    assert g.asset_books(c) == (0, 0, 0)

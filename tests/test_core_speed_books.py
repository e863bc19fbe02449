"""Bookkeeping shortcuts taken for speed give the books the plain rules give."""

from __future__ import annotations

from game.engine import Game
from game.engine.operate import _depreciate_chips
from game.model.state import ChipCohort


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

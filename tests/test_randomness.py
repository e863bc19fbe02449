"""Randomness by (quarter, purpose): no order changes an exogenous draw, now or later."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from game.engine import Game
from game.engine.rng import ENGINE_TAG, Draws, _code, _generator, draw_generator
from game.model import orders as o


def exogenous(game: Game) -> list[dict]:
    """What the world drew each quarter, read from the game as it goes."""
    w = game.core.world
    return [
        {
            "events": [(e["event"], e["target"]) for e in game.public_reports[-1].events] if game.public_reports else [],
            "prices": {rid: r.power_price_usd_per_mwh for rid, r in w.regions.items()},
            "rfp_quarters": [r.quarters for r in w.rfps if r.customer == "market"],
            "lots": [(lot.region, lot.mw) for lot in w.lots if lot.kind == "powered_site"],
        }
    ]


def play_idle(spec, seed: int, first_quarter_orders: dict) -> list[dict]:
    game = Game(spec, seed)
    seen = exogenous(game)
    orders = first_quarter_orders
    while not game.finished:
        game.step(orders)
        orders = {}
        if not game.finished:
            seen += exogenous(game)
    return seen


@pytest.mark.parametrize("seed", [7, 11, 12])
def test_one_bid_changes_no_exogenous_draw_of_any_later_quarter(baseline, seed):
    # The defect this guards against: a 40 MW ERCOT bid moved PJM's power price two quarters
    # later (from $63.9 to $92.6/MWh), because every draw shared one stream per subsystem.
    plain = play_idle(baseline, seed, {})
    bidder = next(iter(baseline.companies))
    with_bid = play_idle(baseline, seed, {bidder: [o.BidInterconnect("ercot", 40.0, 0.5)]})
    assert len(plain) == len(with_bid) == baseline.game.quarters
    for q, (a, b) in enumerate(zip(plain, with_bid)):
        assert a["events"] == b["events"], f"quarter {q}: events"
        assert a["rfp_quarters"] == b["rfp_quarters"], f"quarter {q}: RFP terms"
        assert a["lots"] == b["lots"], f"quarter {q}: powered sites"
        for rid in a["prices"]:
            if rid != "ercot":  # the bid's own region may respond to its load; no other may move
                assert a["prices"][rid] == b["prices"][rid], f"quarter {q}: {rid} power price"


def test_a_purpose_draws_the_same_whatever_other_purposes_drew():
    d1, d2 = Draws(5), Draws(5)
    d2.get(3, "ties.interconnect", "ercot").random(50)  # another purpose drawing first
    d2.get(3, "power.queue_wait", "ercot", "nebula").integers(0, 9, 20)
    assert d1.get(3, "power.price").random(4).tolist() == d2.get(3, "power.price").random(4).tolist()


def test_a_purpose_continues_within_its_quarter_and_starts_afresh_the_next():
    d = Draws(5)
    first = d.get(2, "events").random(3).tolist()
    more = d.get(2, "events").random(3).tolist()
    assert first + more == draw_generator(5, 2, "events").random(6).tolist()
    assert d.get(3, "events").random(3).tolist() == draw_generator(5, 3, "events").random(3).tolist()


@given(
    seed=st.integers(min_value=0, max_value=2**300),
    quarter=st.integers(min_value=0, max_value=2**40),
    purpose=st.text(max_size=12),
    key=st.lists(st.one_of(st.text(max_size=8), st.integers(min_value=0, max_value=2**80)), max_size=3),
)
def test_a_generator_is_the_seed_sequence_of_its_spawn_key(seed, quarter, purpose, key):
    # draw_generator hands SeedSequence its assembled entropy for speed: the draws must be those
    # of SeedSequence(seed, spawn_key=...) itself, for big seeds and keys (several words) too
    words = (ENGINE_TAG, quarter, _code(purpose), *[_code(k) for k in key])
    reference = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=words)))
    assert draw_generator(seed, quarter, purpose, *key).random(4).tolist() == reference.random(4).tolist()


@given(entropy=st.lists(st.integers(min_value=0, max_value=2**32 - 1), min_size=1, max_size=12))
def test_a_generator_is_seeded_as_numpy_seeds_it(entropy):
    # _generator works out PCG64's seed from the SeedSequence's pool itself (numpy's hash, in
    # Python ints): the bit generator's state must be the one numpy gives
    reference = np.random.Generator(np.random.PCG64(np.random.SeedSequence(np.array(entropy, dtype=np.uint32))))
    mine = _generator(entropy)
    assert mine.bit_generator.state == reference.bit_generator.state
    assert mine.integers(0, 1000, 8).tolist() == reference.integers(0, 1000, 8).tolist()


def test_keys_and_quarters_and_seeds_each_give_their_own_draws():
    base = draw_generator(1, 0, "events").random(4).tolist()
    assert draw_generator(1, 1, "events").random(4).tolist() != base
    assert draw_generator(2, 0, "events").random(4).tolist() != base
    assert draw_generator(1, 0, "events", "ercot").random(4).tolist() != base
    assert draw_generator(1, 0, "events.target").random(4).tolist() != base


def test_a_draw_key_is_a_string_or_a_non_negative_int():
    with pytest.raises(TypeError, match="string or a non-negative int"):
        draw_generator(1, 0, "events", -1)
    with pytest.raises(TypeError, match="string or a non-negative int"):
        draw_generator(1, 0, "events", 1.5)


def test_open_generators_copy_and_pickle_as_themselves(baseline):
    # what-if tournaments deep-copy a game mid-quarter and workers pickle it
    d = Draws(9)
    g = d.get(0, "events")
    g.random(2)
    for twin in (copy.deepcopy(d), pickle.loads(pickle.dumps(d))):
        assert twin.get(0, "events").random(3).tolist() == copy.deepcopy(g).random(3).tolist()


def test_a_reseed_changes_what_is_drawn_next_not_what_was_drawn(baseline):
    a, b = Game(baseline, 4), Game(baseline, 4)
    before = exogenous(a)
    b.reseed(99)
    assert exogenous(b) == before  # the open quarter's news stays
    a.step({})
    b.step({})
    assert exogenous(a) != exogenous(b)


def test_a_tie_stream_is_made_at_its_first_tie_and_gives_the_keys_drawing_every_time_would(baseline):
    g = Game(baseline, 4).core
    ties = g.tie_keys("ties.rfp", "R9")
    assert ties.keys([3.0, 1.0, 2.0]) == [0.0, 0.0, 0.0]
    assert ("ties.rfp", "R9") not in g.randomness._open  # no tie read: no generator made
    keys = ties.keys([2.0, 2.0])
    assert keys == draw_generator(4, g.q, "ties.rfp", "R9").random(5).tolist()[3:]
    assert g.draws("ties.rfp", "R9") is ties.rng  # the quarter's one stream of (purpose, key)

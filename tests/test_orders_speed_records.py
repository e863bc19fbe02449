"""Orders as records (equal by value, frozen) and the order book's lookups by kind: what the faster forms must keep."""

from __future__ import annotations

import attrs

from game.engine import Game
from game.engine.validate import OrderBook
from game.model import orders as o


def test_orders_are_equal_and_hash_alike_when_their_fields_are():
    a = o.OfferCompute("nordics", 1.5)
    assert a == o.OfferCompute("nordics", 1.5)
    assert a != o.OfferCompute("nordics", 1.6)
    assert a != o.BidRfp("nordics", 1.5)  # same fields, another kind
    assert len({a, o.OfferCompute("nordics", 1.5), o.StartSite("P1", "air")}) == 2


def test_a_changed_order_is_a_new_order():
    a = o.BidChips("h100", 10, 0.03)
    b = attrs.evolve(a, units=20)
    assert (a.units, b.units) == (10, 20)
    assert o.order_to_dict(b) == {"type": "bid_chips", "generation": "h100", "units": 20, "price_musd_per_unit": 0.03}


def _book() -> OrderBook:
    return OrderBook(
        {
            "a": [o.Repay(5.0), o.OfferCompute("pjm", 1.0), o.Borrow(10.0)],
            "b": [o.Borrow(20.0), o.StartSite("P1", "air")],
            "c": [o.Borrow(30.0), o.Repay(6.0)],
        }
    )


def test_order_book_gives_several_kinds_in_company_order_then_as_given():
    assert _book().of(o.Borrow, o.Repay, o.RaiseEquity) == [
        ("a", o.Repay(5.0)),
        ("a", o.Borrow(10.0)),
        ("b", o.Borrow(20.0)),
        ("c", o.Borrow(30.0)),
        ("c", o.Repay(6.0)),
    ]


def test_order_book_gives_the_one_kind_given_of_several_asked_for():
    book = _book()
    assert book.of(o.StartSite, o.RetrofitCooling) == [("b", o.StartSite("P1", "air"))]
    assert book.of(o.Borrow, o.RaiseEquity) == [("a", o.Borrow(10.0)), ("b", o.Borrow(20.0)), ("c", o.Borrow(30.0))]
    assert book.of(o.RaiseEquity, o.BidLot) == []
    assert book.of(o.OfferCompute) == [("a", o.OfferCompute("pjm", 1.0))]


def test_funds_are_the_same_when_costless_and_rejected_orders_come_first(tutorial):
    # as tests/test_orders.py works it out: funds = 4,000 cash + 28,192 borrowing room for nebula;
    # offers cost nothing, a training programme in Atlantis is rejected before money
    # is counted, 31,500 fits and leaves 692, so 1,100 does not
    game = Game(tutorial, 1)
    game.step(
        {
            "nebula": [
                o.OfferCompute("nordics", 2.0),
                o.FundTraining("atlantis", 5.0),
                o.FundTraining("nordics", 31_500.0),
                o.OfferCompute("nordics", 1.0),
                o.FundTraining("nordics", 1_100.0),
            ]
        }
    )
    assert [r["reason"] for r in game.private_reports[-1]["nebula"].rejected] == [
        "unknown region 'atlantis'",
        "duplicate: only the first such order in a set counts",
        "insufficient funds: needs up to $1,100M, $692M left (cash plus borrowing room)",
    ]


def test_an_order_once_given_cannot_be_changed():
    # the order log a save replays keeps the objects agents gave: a changed one would silently
    # rewrite history, so orders are frozen and an agent makes a new one (attrs.evolve)
    a = o.BidChips("h100", 10, 0.03)
    try:
        a.units = 20  # type: ignore[misc]
    except attrs.exceptions.FrozenInstanceError:
        pass
    else:
        raise AssertionError("an order could be changed after it was made")
    assert a.units == 10

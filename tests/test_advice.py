"""Decision support: what a form shows beside an order, worked by hand against a real game."""

from __future__ import annotations

import attrs
import pytest

from game import advice
from game.engine import Game
from game.engine.validate import judge_orders
from game.model import orders as o
from game.session import SPECIAL_MOVE_OF_KIND, order_kinds


@pytest.fixture
def game(tutorial):
    return Game(tutorial, 3)


def view_of(game, cid="aurora"):
    return game.view(cid)


def test_money_has_one_convention_millions_below_a_billion_billions_from_it():
    assert advice.money(999) == "$999M"
    assert advice.money(1000) == "$1.0B"
    assert advice.money(5000) == "$5.0B"
    assert advice.money(-30_000) == "-$30.0B"


def test_every_kind_a_form_hides_is_one_the_engine_refuses_that_archetype(baseline):
    game = Game(baseline, 1)
    for cid in game.companies:
        view = game.view(cid)
        offered = {k for _, k in order_kinds(view)}
        c = game.core.world.companies[cid]
        for kind, move in SPECIAL_MOVE_OF_KIND.items():
            sample = {
                "sign_smr": o.SignSmrPpa(view.regions[0].id, 10.0),
                "fund_asic": o.FundAsicProgramme(),
                "subcontract": o.Subcontract(1000.0, 4, 2.0),
            }[kind]
            reason = next(judge_orders(game.core, c, [sample]))[2]
            refused = reason is not None and "cannot do this" in reason
            assert (kind not in offered) == refused, (cid, kind, reason)
            assert (kind in offered) == (move in view.me.special_moves)


def test_a_bid_below_the_reserve_is_warned_and_one_at_the_reserve_is_not(game):
    v = view_of(game)
    r = v.region("ercot")
    low = o.BidInterconnect("ercot", 50.0, r.grid_reserve_price_musd_per_mw / 2)
    at = o.BidInterconnect("ercot", 50.0, r.grid_reserve_price_musd_per_mw)
    assert any("below the reserve" in w for w in advice.warnings(v, [low], 0))
    assert advice.warnings(v, [at], 0) == []


def test_bids_in_a_region_above_the_share_one_company_may_win_are_warned(baseline):
    # The baseline's ERCOT releases 90 MW and one company wins at most 42% of it, 37.8 MW: two
    # bids of 30 MW there add up to 60 and are both warned; one of 30 is not.
    v = Game(baseline, 3).view("aurora")
    r = v.region("ercot")
    assert (r.grid_release_mw, v.scenario.rules.interconnect_share_max) == (90.0, 0.42)
    price = r.grid_reserve_price_musd_per_mw * 2
    two = [o.BidInterconnect("ercot", 30.0, price), o.BidInterconnect("ercot", 30.0, price)]
    for i in (0, 1):
        assert any("add up to 60 MW; one company may win at most 42% of the 90 MW released (37.8 MW)" in w for w in advice.warnings(v, two, i))
    assert advice.warnings(v, two[:1], 0) == []


def test_rfp_bids_adding_up_to_more_than_the_capacity_held_are_warned(game):
    v = view_of(game)
    if not v.rfps:
        pytest.skip("no RFP open in this quarter")
    bids = [o.BidRfp(r.id, r.max_price_usd_per_h100e_hour) for r in v.rfps]
    total = sum(r.h100e for r in v.rfps)
    warned = advice.warnings(v, bids, 0)
    if total > v.me.capacity_h100e:
        assert any(f"add up to {total:,.0f} H100e" in w for w in warned)
    else:
        assert not any("add up to" in w for w in warned)


def test_a_wage_far_above_the_market_is_asked_about(game):
    v = view_of(game)
    r = v.region("ercot")
    market = r.last_wage_musd or r.wage_reserve_musd
    warned = advice.warnings(v, [o.BidCrews("ercot", 2.0, market * 10)], 0)
    assert any("a typo?" in w for w in warned)


def test_crews_with_no_site_to_build_are_warned(game):
    v = view_of(game)
    empty = next((r for r in v.regions if not any(s.region == r.id and s.stage != "online" for s in v.me.sites)), None)
    assert empty is not None
    warned = advice.warnings(v, [o.BidCrews(empty.id, 2.0, empty.wage_reserve_musd)], 0)
    assert any("no site to build" in w for w in warned)


def test_the_stake_after_a_raise_follows_the_finance_rule(game):
    # stake × pre-money ÷ (pre-money + amount), pre-money = book equity × (1 − discount),
    # the amount capped at the scenario's share of book equity
    v = view_of(game)
    rules = v.scenario.rules
    book = v.me.book_equity_musd
    amount = min(1000.0, book * rules.equity_raise_max_fraction)
    pre = book * (1 - rules.equity_issue_discount)
    expected = v.me.ownership * pre / (pre + amount)
    line = advice.market_row(v, "raise_equity", {"musd": "1000"})[0]
    assert f"→ {expected:.0%}" in line


def test_an_rfp_bid_shows_the_contract_value(game):
    v = view_of(game)
    if not v.rfps:
        pytest.skip("no RFP open in this quarter")
    r = v.rfps[0]
    value = r.h100e * 1.5 * v.scenario.rules.hours_per_quarter * r.quarters / 1e6
    lines = advice.market_row(v, "bid_rfp", {"rfp": r.id, "price_usd_per_h100e_hour": "1.5"})
    assert f"Contract value {advice.money(value)} at $1.50" in lines[1]


def test_orders_read_as_sentences(game):
    v = view_of(game)
    assert advice.sentence(v, o.BidInterconnect("ercot", 50.0, 0.12)) == "Bid for 50 MW of grid power in ERCOT (Texas) at $0.12M/MW"
    assert advice.sentence(v, o.Borrow(2500.0)) == "Borrow $2.5B"
    sample = {"str": "x", "float": 1.0, "int": 1, "bool": False, "str | None": None}
    for kind, cls in o.ORDER_TYPES.items():
        x = cls(**{f.name: sample[f.type if isinstance(f.type, str) else f.type.__name__] for f in attrs.fields(cls)})
        text = advice.sentence(v, x)
        assert text[0].isupper() and text != str(x) and "=" not in text and "(" not in text[:12], (kind, text)


def test_an_advance_purchase_agreement_has_no_price_to_question(game):
    """An APA is signed at the list price: no 'typo?' check, and no crash looking for its price."""
    v = view_of(game)
    gen = next(g for g in v.generations if g.released and g.in_production)
    warned = advice.warnings(v, [o.SignChipAgreement(gen.id, 100, 4)], 0)
    assert not any("list price" in w for w in warned)

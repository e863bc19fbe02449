"""The built-in agents: competent enough to play whole games without a rejected order."""

from __future__ import annotations

import pytest

from game.agents import REGISTRY, UnknownAgent, make_agent
from game.engine import Game
from game.engine.rng import agent_seed
from game.model import orders as o
from game.runner import play, seat_agents


@pytest.mark.parametrize("scenario", ["baseline", "tutorial", "ai-winter"])
def test_the_built_in_agents_play_whole_games_without_a_rejected_order(scenario, request):
    from game.scenario import load_scenario

    spec = load_scenario(scenario)
    for seed in range(4):
        game, _ = play(spec, seed, seat_agents(spec, seed))
        rejected = [(rep.quarter, rep.company, r) for q in game.private_reports for rep in q.values() for r in rep.rejected]
        assert rejected == [], rejected[:3]


def test_the_random_agent_only_plays_legal_orders(tutorial):
    for seed in range(3):
        agents = seat_agents(tutorial, seed, {cid: "random" for cid in tutorial.companies})
        game, _ = play(tutorial, seed, agents)
        rejected = [r for q in game.private_reports for rep in q.values() for r in rep.rejected]
        # random sizes may outrun the money left after earlier orders; nothing else is refused
        assert all(r["reason"].startswith("insufficient funds") for r in rejected), rejected[:3]


def test_orders_that_cost_nothing_are_never_refused_for_want_of_money(tutorial):
    # a company deep in the red may still price its capacity, bid on RFPs and raise equity
    game = Game(tutorial, 2)
    c = game.core.world.companies["nebula"]
    c.cash_musd = -50_000.0
    rfp = game.view("nebula").rfps[0].id
    game.step({"nebula": [o.OfferCompute("nordics", 1.0), o.BidRfp(rfp, 0.01)]})
    reasons = [r["reason"] for r in game.private_reports[-1]["nebula"].rejected]
    assert not any(r.startswith("insufficient funds") for r in reasons), reasons


def test_agents_take_parameters_and_refuse_unknown_ones(baseline):
    a = make_agent("neocloud:ambition=1.7,use_fast_track=false", agent_seed(0, 0))
    assert a.ambition == 1.7 and a.use_fast_track is False and a.name == "neocloud:ambition=1.7,use_fast_track=false"
    with pytest.raises(UnknownAgent, match="no parameter 'ambitoin'"):
        make_agent("neocloud:ambitoin=2", agent_seed(0, 0))
    with pytest.raises(UnknownAgent, match="takes a float"):
        make_agent("neocloud:ambition=lots", agent_seed(0, 0))
    with pytest.raises(UnknownAgent, match="built-in agents"):
        make_agent("nobody", agent_seed(0, 0))
    assert {"hyperscaler", "neocloud", "random"} <= set(REGISTRY)


def test_capacity_is_worth_fewer_quarters_of_margin_where_the_market_is_forecast_to_shrink():
    # Baseline demand grows: a hall online in quarter 2 of 24 earns the 22 quarters left plus the
    # score's annuity. In neocloud-squeeze the open market shrinks 3% a quarter, so each later
    # quarter earns 0.97 of the one before, from now: 0.97² × (Σ_{t<22} 0.97^t + 0.97^22 × annuity).
    from game.agents.policy.value import Outlook

    for name, shrinking in (("baseline", False), ("neocloud-squeeze", True)):
        from game.scenario import load_scenario

        game = Game(load_scenario(name), 1)
        outlook = Outlook(game.view("corecell"))
        left, annuity = 22, outlook.annuity
        if shrinking:
            expected = 0.97**2 * (sum(0.97**t for t in range(left)) + 0.97**left * annuity)
        else:
            expected = left + annuity
        assert outlook.earning_quarters(2) == pytest.approx(expected)


def test_a_forecaster_prices_capacity_from_supply_and_demand_only_where_the_market_shrinks():
    # neocloud-squeeze, no orders: the open market shrinks 3% a quarter while last quarter's
    # offers went partly unsold, so the forecast index falls quarter by quarter (never above
    # today's), an H100e is worth far less than at today's price held flat, and the ASIC
    # programme no longer pays. The baseline grows: growth absorbs a glut, today's price holds.
    from game.agents.policy import chips
    from game.agents.policy.value import Forecaster, Outlook
    from game.scenario import load_scenario

    for name, shrinking in (("neocloud-squeeze", True), ("baseline", False)):
        game, forecaster = Game(load_scenario(name), 0), Forecaster()
        for q in range(3):
            v = game.view("aurora")
            flat, forecast = Outlook(v), Outlook(v, forecaster)
            assert flat.prices == (1.0,) * (v.quarters_total - q + 1)
            assert forecast.prices[0] == 1.0 and all(0 < x <= 1.0 for x in forecast.prices)
            assert chips.asic_pays(v, flat, q + 6, 1.05)
            if shrinking:
                assert forecast.prices[3] < 0.5
                assert forecast.value_musd_per_h100e(q + 2) < 0.3 * flat.value_musd_per_h100e(q + 2)
                assert not chips.asic_pays(v, forecast, q + 6, 1.05)
            else:
                assert forecast.prices == flat.prices
                assert forecast.value_musd_per_h100e(q + 2) == flat.value_musd_per_h100e(q + 2)
            game.step({})


def test_a_forecaster_blends_each_new_reading_with_what_it_forecast_before():
    # Quarter 0's reading forecasts an index level for every later quarter; quarter 1's reading
    # moves each of those levels halfway (READING_WEIGHT) towards the new one. Today's price is
    # known, not blended, and no price above today's is counted on.
    from game.agents.policy.market import Market
    from game.agents.policy.value import READING_WEIGHT, Forecaster, price_path
    from game.scenario import load_scenario

    game, forecaster = Game(load_scenario("neocloud-squeeze"), 0), Forecaster()
    v0 = game.view("aurora")
    first = price_path(v0, Market.of(v0))
    assert forecaster.path(v0, Market.of(v0)) == first  # nothing to blend with yet
    game.step({})
    v1 = game.view("aurora")
    reading = price_path(v1, Market.of(v1))
    blended = forecaster.path(v1, Market.of(v1))
    i0, i1 = v0.price_index, v1.price_index
    assert blended[0] == 1.0
    for k in range(1, len(reading)):
        level = READING_WEIGHT * reading[k] * i1 + (1 - READING_WEIGHT) * first[k + 1] * i0
        assert blended[k] == pytest.approx(min(1.0, level / i1))
    assert forecaster.path(v1, Market.of(v1)) == blended  # asking again in the same quarter changes nothing


def test_an_asic_programme_is_begun_only_if_what_its_chips_earn_above_their_price_pays_for_it():
    # Baseline, quarter 0, Aurora's outlook: an ASIC arriving when the programme ships (quarter
    # 6) earns S above its bid price; at the planner's supply share of the vendor's quarterly
    # supply, from quarter 6 to the end of 24 quarters, it could buy U of them. The programme's
    # six quarters pay for themselves when 6 × cost < S × U: begun at a cost a dollar under the
    # break-even, not at a dollar over.
    from game.agents.hyperscaler import Hyperscaler
    from game.agents.policy import chips
    from game.agents.policy.market import Market
    from game.agents.policy.value import Outlook
    from game.scenario import load_scenario

    def case(cost: float | None) -> tuple[bool, float]:
        spec = load_scenario("baseline", [f"asic.programme_cost_musd_per_quarter={cost}"] if cost is not None else [])
        v = Game(spec, 0).view("aurora")
        outlook, agent = Outlook(v), Hyperscaler()
        asic = Market.of(v).generations[spec.asic.generation]
        surplus = asic.performance_h100e * outlook.value_musd_per_h100e(6) - chips.bid_price(v, asic, agent.chip_bid_markup)
        units = asic.supply_units * agent.supply_share_cap * (24 - 6)
        return chips.asic_programme_pays(v, outlook, agent.chip_bid_markup, agent.supply_share_cap), surplus * units / 6

    pays, break_even = case(None)
    assert pays and break_even > 400  # the shipped $400M a quarter pays in the baseline
    assert case(break_even - 1)[0]
    assert not case(break_even + 1)[0]


def test_a_planner_begins_an_asic_programme_on_two_quarters_readings_not_one():
    # The baseline's programme pays from the start. A hyperscaler planner begins it in quarter 0
    # (its outlook reads only the published starting market); one first seated in quarter 1 has
    # a single quarter's reading and waits, then begins in quarter 2, the second reading.
    from game.scenario import load_scenario

    def funds(agent, v) -> bool:
        return any(isinstance(x, o.FundAsicProgramme) for x in agent.decide(v))

    game = Game(load_scenario("baseline"), 0)
    assert funds(make_agent("hyperscaler", agent_seed(0, 0)), game.view("aurora"))
    game.step({})
    late = make_agent("hyperscaler", agent_seed(0, 0))
    assert not funds(late, game.view("aurora"))
    game.step({})
    assert funds(late, game.view("aurora"))

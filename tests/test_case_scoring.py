"""Hand-worked cases for the score (docs/rules.md, "Winning and the score"): a small state, the
score worked out by hand in the comment, the engine's figure checked against it.

Every case is the tutorial's CoreCell at the end of a two-quarter game, with simple scoring
parameters so the arithmetic fits in a comment: no tax, no discounting, no decline, a
horizon of 4 quarters (annuity = 4), margin averaged over the 2 quarters, interest on the
starting debt at 8% a year (3,000 × 0.08 ÷ 4 = 60 a quarter).

CoreCell starts with $5,000M cash, $3,000M debt, one 180 MW ERCOT liquid hall (180 / 1.2 =
150 MW of IT load at $7.2M: book 1,080) holding 40,000 GB300 (3.5 H100e, $0.079M each all-in:
3,160) and 30,000 B200 (2.5 H100e, $0.075M: 2,250), and 5,000 GB300 in inventory (395):
starting equity 5,000 - 3,000 + 1,080 + 3,160 + 2,250 + 395 = 8,885, capital 8,885 + 3,000 =
11,885; starting H100e 140,000 + 75,000 + 17,500 = 232,500.
"""

from __future__ import annotations

import pytest
from attrs import evolve

from game.engine import Game
from game.engine.scoring import annuity, score_parts, starting_write_down
from game.model.state import ONLINE, ActiveEvent, Contract, PowerSource, Site

CAPITAL = 11885.0
HOURS = 2190.0


@pytest.fixture
def simple(tutorial):
    spec = evolve(
        tutorial,
        rules=evolve(tutorial.rules, tax_rate=0.0),
        scoring=evolve(tutorial.scoring, discount_rate_per_year=0.0, margin_decline_per_quarter=0.0, horizon_quarters=4, margin_quarters=2, idle_chip_value_fraction=0.5, backlog_margin_fraction=0.25),
        archetypes={**tutorial.archetypes, "neocloud": evolve(tutorial.archetypes["neocloud"], debt_rate_base_per_year=0.08, debt_rate_leverage_slope=0.0)},
    )
    game = Game(spec, 0)
    g = game.core
    c = g.world.companies["corecell"]
    assert c.starting_equity_musd == 8885.0
    # two quarters played; the 5,000 GB300 installed in the hall, the queue position gone
    g.world.quarter = 2
    c.power = [p for p in c.power if p.site is not None]
    hall = c.sites[0]
    hall.installed = {"gb300": 45000, "b200": 30000}  # 157,500 + 75,000 = 232,500 H100e
    c.inventory = {}
    c.cohorts = []
    g.forget_site(hall, c)
    c.debt_musd = 3000.0
    return g, c


def stats(margins, capacities, passive=None, outside=0.0, free=None, events=None, earned=None, internal=None):
    """What record_quarter keeps: `earned` is what the H100e not under contract earned (the
    fleet's margin), `passive` what they would have earned left alone (the benchmark's; by
    default the same: its spot offers were at the going rate); `internal` the internal demand's
    revenue (default none)."""
    return {
        "demand_event": list(events or [False] * len(margins)),
        "internal_revenue_musd": list(internal or [0.0] * len(margins)),
        "margin_musd": list(margins),
        "free_margin_musd": list(earned or passive or margins),
        "passive_margin_musd": list(passive or margins),
        "capacity_h100e": list(capacities),
        "free_h100e": list(free or capacities),
        "outside_cash_musd": outside,
    }


def test_the_annuity_discounts_and_shrinks_margin_over_the_horizon(tutorial):
    # 10%/yr = 2.5%/quarter, 3% decline: step 0.97 / 1.025 = 0.9463415; two quarters:
    # 0.9463415 + 0.9463415² = 0.9463415 + 0.8955628 = 1.8419043
    sc = evolve(tutorial.scoring, discount_rate_per_year=0.10, margin_decline_per_quarter=0.03)
    assert annuity(sc, 2) == pytest.approx(1.8419043, abs=1e-6)
    assert annuity(evolve(sc, discount_rate_per_year=0.0, margin_decline_per_quarter=0.0), 4) == 4


def test_a_company_left_alone_scores_one(simple):
    # It earned a margin of 700 a quarter and paid 60 of interest: cash 5,000 + 2 × 640 = 6,280.
    # Economic equity: 6,280 − 3,000 + fleet 232,500 × (700 ÷ 232,500) × 4 = 2,800  → 6,080.
    # Benchmark: 5,000 − 3,000 + 2 × (700 × 1 − 60) + 232,500 × (700 ÷ 232,500) × 4 = 6,080.
    # Value created 0; score 1 + 0 ÷ 9,506 = 1.
    g, c = simple
    c.cash_musd = 6280.0
    parts = score_parts(g, c, stats([700, 700], [232500, 232500]))
    assert parts["fleet_value_musd"] == pytest.approx(2800)
    assert parts["economic_equity_musd"] == pytest.approx(6080)
    assert parts["benchmark_musd"] == pytest.approx(6080)
    assert parts["capital_musd"] == CAPITAL
    assert parts["score"] == pytest.approx(1.0)


# A spending pause (demand x0.5) came in the second quarter and halved the margin: 700, then 350.
# (case, quarters the pause still runs after this one, fleet value expected)
PAUSE_CASES = [
    # Published to run 1 more quarter: that quarter earns the recent mean (700 + 350) ÷ 2 = 525,
    # the 3 after it the margin of the last quarter no demand event touched, 700:
    # 525 × 1 + 700 × 3 = 2,625 (reading the pause as the years to come would give 525 × 4 = 2,100).
    ("the pause runs one more quarter", 1, 525 + 700 * 3),
    # Over (it ran this quarter, none after): the usual margin for the whole horizon, 700 × 4 = 2,800.
    ("the pause is over", 0, 700 * 4),
    # Runs the whole horizon and more: 525 × 4 = 2,100.
    ("the pause outlasts the horizon", 9, 525 * 4),
    # (With no quarter free of the event in the last two, the usual margin would be the mean of
    # the last two quarters no event touched before them.)
]


@pytest.mark.parametrize("case, left, fleet", PAUSE_CASES, ids=[c[0] for c in PAUSE_CASES])
def test_a_demand_event_sets_the_fleet_value_only_while_it_runs(simple, case, left, fleet):
    # Left alone: cash 5,000 + (700 − 60) + (350 − 60) = 5,930; equity 5,930 − 3,000 + fleet;
    # the benchmark's starting fleet (the same H100e) is valued the same way, so the score is 1.
    g, c = simple
    c.cash_musd = 5930.0
    g.world.events = [ActiveEvent("spending_pause", "", "", left + 1, {"demand_multiplier": 0.5})] if left else []
    parts = score_parts(g, c, stats([700, 350], [232500, 232500], events=[False, True]))
    assert parts["fleet_value_musd"] == pytest.approx(fleet)
    assert parts["benchmark_musd"] == pytest.approx(5000 - 3000 + 640 + 290 + fleet)
    assert parts["score"] == pytest.approx(1.0)


# The pause of the cases above ran in the second quarter only (now over); the third quarter
# earned 450. Internal demand is valued at the price index the quarter before set, so a company
# that served internal demand in the third quarter was still paid at the pause's index then.
# (case, internal demand revenue a quarter, fleet value expected)
AFTER_PAUSE_CASES = [
    # None: the third quarter is untouched; the usual margin is the recent quarters' untouched
    # one, 450, for the whole horizon: 450 × 4 = 1,800.
    ("no internal demand", 0.0, 450 * 4),
    # Some: the third quarter was touched too, so both recent quarters were; the usual margin is
    # the last two untouched quarters before them, the first alone: 700 × 4 = 2,800.
    ("internal demand served", 100.0, 700 * 4),
]


@pytest.mark.parametrize("case, internal, fleet", AFTER_PAUSE_CASES, ids=[c[0] for c in AFTER_PAUSE_CASES])
def test_the_quarter_after_a_demand_event_is_touched_where_internal_demand_is_served(simple, case, internal, fleet):
    # Left alone: cash 5,000 + (700 − 60) + (350 − 60) + (450 − 60) = 6,320; the benchmark's
    # starting fleet is valued the same way, so the score is 1.
    g, c = simple
    g.world.quarter = 3
    c.cash_musd = 6320.0
    parts = score_parts(g, c, stats([700, 350, 450], [232500] * 3, events=[False, True, False], internal=[internal] * 3))
    assert parts["fleet_value_musd"] == pytest.approx(fleet)
    assert parts["benchmark_musd"] == pytest.approx(5000 - 3000 + 640 + 290 + 390 + fleet)
    assert parts["score"] == pytest.approx(1.0)


# A second hall, 120 grid MW of liquid cooling in ERCOT (PUE 1.2: 100 MW of IT load), book
# $1,000M, holding 20,000 GB300 (2.1 kW each: 42 MW of IT load, 58% of it empty).
# (case, quarter it came online (the game is in quarter 2), build value expected)
FIT_OUT_CASES = [
    # online this quarter: still taking its chips, its empty 58% counts at book, 1,000 × 0.58 = 580
    ("online this quarter", 2, 580.0),
    # online last quarter: 2 − 1 = 1 < fit_out_quarters (2), still 580
    ("online last quarter", 1, 580.0),
    # online two quarters ago and still 58% empty: waste, 0
    ("online two quarters ago", 0, 0.0),
]


@pytest.mark.parametrize("case, online, build", FIT_OUT_CASES, ids=[c[0] for c in FIT_OUT_CASES])
def test_a_hall_just_online_counts_its_empty_part_at_book_while_it_fits_out(simple, case, online, build):
    g, c = simple
    assert g.spec.scoring.fit_out_quarters == 2 and g.spec.cooling["liquid"].pue == 1.2 and g.spec.generations["gb300"].power_kw == 2.1
    hall = Site("S99", "ercot", 120.0, "liquid", "P99", stage=ONLINE, built_mw=120.0, installed={"gb300": 20000}, book_musd=1000.0, online_quarter=online)
    c.sites.append(hall)
    assert score_parts(g, c, stats([700, 700], [232500, 232500]))["build_value_musd"] == pytest.approx(build)


def test_an_overpayment_for_power_is_lost_down_to_the_clearing_price(simple):
    # As left alone, but it paid $5M/MW for 100 MW in ERCOT, where the grid last cleared at
    # $1M/MW: cash 6,280 − 500 = 5,780; the queue position counts 100 × 1 = 100.
    # Equity 5,780 − 3,000 + 2,800 + 100 = 5,680; value created 5,680 − 6,080 = −400:
    # the 400 paid above the clearing price. Score 1 − 400 ÷ 9,506 = 0.9579213.
    g, c = simple
    c.cash_musd = 5780.0
    c.power.append(PowerSource("P99", "grid", "ercot", 100.0, ready_quarter=10))
    g.world.regions["ercot"].last_grid_price_musd_per_mw = 1.0
    parts = score_parts(g, c, stats([700, 700], [232500, 232500]))
    assert parts["power_value_musd"] == pytest.approx(100)
    assert parts["value_created_musd"] == pytest.approx(-400)
    assert parts["score"] == pytest.approx(1 - 400 / CAPITAL)


def test_outside_cash_kept_as_cash_creates_nothing(simple):
    # As left alone, plus $1,000M of outside cash flow (no tax here) still in the bank:
    # equity 7,080, less the 1,000 received, less the benchmark 6,080 = 0. Score 1.
    g, c = simple
    c.cash_musd = 7280.0
    parts = score_parts(g, c, stats([700, 700], [232500, 232500], outside=1000.0))
    assert parts["outside_cash_musd"] == 1000.0
    assert parts["score"] == pytest.approx(1.0)


def test_a_hall_that_earns_more_than_it_cost_creates_value(simple):
    # It doubled its fleet for $1,500M in the second quarter: 465,000 H100e earning 1,400.
    # Cash 5,000 + (700 − 60) + (1,400 − 60) − 1,500 = 5,480.
    # Fleet 465,000 × mean(700 ÷ 232,500, 1,400 ÷ 465,000) × 4 = 465,000 × 0.0030108 × 4 = 5,600.
    # Equity 5,480 − 3,000 + 5,600 = 8,080.
    # Benchmark: the starting 232,500 H100e earn their share of each quarter's margin,
    # 700 × 1 and 1,400 × ½: 5,000 − 3,000 + 2 × (700 − 60) + 232,500 × 0.0030108 × 4 = 6,080.
    # Value created 2,000 (the 700 it earned extra, plus a fleet worth 2,800 more, less the
    # 1,500 it cost); score 1 + 2,000 ÷ 9,506 = 1.2103934.
    g, c = simple
    c.cash_musd = 5480.0
    c.sites[0].installed = {"gb300": 90000, "b200": 60000}  # 315,000 + 150,000 = 465,000 H100e
    g.forget_site(c.sites[0], c)
    parts = score_parts(g, c, stats([700, 1400], [232500, 465000]))
    assert parts["fleet_value_musd"] == pytest.approx(5600)
    assert parts["benchmark_musd"] == pytest.approx(6080)
    assert parts["value_created_musd"] == pytest.approx(2000)
    assert parts["score"] == pytest.approx(1 + 2000 / CAPITAL)


def test_borrowed_capital_scales_the_score(simple):
    # The same hall bought with $1,500M borrowed rather than paid from cash: cash 6,980, debt
    # 4,500 (the most it ever owed; interest as in the closed form, for the arithmetic).
    # Equity 6,980 − 4,500 + 5,600 = 8,080, value created 2,000 as when paid from cash, but
    # capital is starting equity 8,885 + the most debt 4,500 = 13,385: score 1 + 2,000 ÷ 13,385
    # = 1.1494210, not 1 + 2,000 ÷ 11,885 = 1.1682793 — leverage does not multiply the score.
    g, c = simple
    c.cash_musd, c.debt_musd = 6980.0, 4500.0
    c.sites[0].installed = {"gb300": 90000, "b200": 60000}
    g.forget_site(c.sites[0], c)
    st = stats([700, 1400], [232500, 465000])
    st["peak_debt_musd"] = 4500.0
    parts = score_parts(g, c, st)
    assert parts["value_created_musd"] == pytest.approx(2000)
    assert parts["capital_musd"] == pytest.approx(13385)
    assert parts["score"] == pytest.approx(1.1494210, abs=1e-6)
    # repaid by the end, the most it owed still counts
    c.cash_musd, c.debt_musd = 5480.0, 3000.0
    assert score_parts(g, c, st)["capital_musd"] == pytest.approx(13385)


def test_contracts_won_are_credited_and_not_counted_twice(simple):
    # Margin 700 a quarter, of which 200 is contract revenue on 50,000 H100e: the other 182,500
    # earn 500 (their spot sales, less their share of the running costs): 500 ÷ 182,500 =
    # 0.0027397 a quarter each, 0.0109589 over the annuity of 4. The contract, at $2/H100e-hour,
    # has 2 quarters to run.
    # Fleet: the 182,500 free H100e, 182,500 × 0.0109589 = 2,000; and the 50,000 under contract
    # after it ends, for the 4 − 2 quarters of the horizon left: 50,000 × 0.0109589 × 2 ÷ 4 = 273.97.
    # Backlog: 50,000 × 2 × 2,190 × 2 ÷ 1e6 = 438 of revenue, × 0.25 = 109.5 of margin.
    # Equity 6,280 − 3,000 + 2,273.97 + 109.5 = 5,663.47.
    # Benchmark: its 232,500 H100e all free, each earning 0.0027397 a quarter = 636.99:
    # 5,000 − 3,000 + 2 × (636.99 − 60) + 232,500 × 0.0109589 = 3,153.97 + 2,547.95 = 5,701.92.
    # Created −38.45: the contract paid 2 × (200 − 50,000 × 0.0027397) = 126.03 more than spot so
    # far, but its last two quarters count 109.5 where free they would have earned 273.97.
    g, c = simple
    c.cash_musd = 6280.0
    c.contracts = [Contract("K1", "corecell", "market", 50000.0, 2.0, 2, 0)]
    parts = score_parts(g, c, stats([700, 700], [232500, 232500], passive=[500, 500], free=[182500, 182500]))
    assert parts["fleet_value_musd"] == pytest.approx(2273.9726, abs=1e-3)
    assert parts["backlog_margin_musd"] == pytest.approx(109.5)
    assert parts["benchmark_musd"] == pytest.approx(5701.9178, abs=1e-3)
    assert parts["value_created_musd"] == pytest.approx(-38.4452, abs=1e-3)
    assert parts["score"] == pytest.approx(1 - 38.4452 / CAPITAL, abs=1e-7)


def test_the_benchmark_sells_at_the_going_rate_so_a_better_price_is_credited(simple):
    # Left alone (no contracts), but it priced its spot offers under the index and sold more:
    # its H100e earned 700 a quarter, where at the going rate they would have earned 500.
    # Cash 5,000 + 2 × (700 − 60) = 6,280; fleet 232,500 × (700 ÷ 232,500) × 4 = 2,800;
    # equity 6,280 − 3,000 + 2,800 = 6,080.
    # Benchmark: 5,000 − 3,000 + 2 × (500 − 60) + 232,500 × (500 ÷ 232,500) × 4 = 4,880.
    # Created 1,200: the 2 × 200 the better price earned so far and the 4 × 200 its fleet will.
    g, c = simple
    c.cash_musd = 6280.0
    parts = score_parts(g, c, stats([700, 700], [232500, 232500], passive=[500, 500], earned=[700, 700]))
    assert parts["fleet_value_musd"] == pytest.approx(2800)
    assert parts["benchmark_musd"] == pytest.approx(4880)
    assert parts["value_created_musd"] == pytest.approx(1200)


def test_chips_that_never_found_a_hall_earn_the_benchmark_nothing(simple):
    # Its halls held 200,000 H100e, not the 232,500 it started with (the rest stayed in the
    # warehouse). Each held H100e earned 600 ÷ 200,000 = 0.003 a quarter, 0.012 over the annuity.
    # Benchmark: 5,000 − 3,000 + 2 × (0.003 × min(232,500, 200,000) − 60) + 200,000 × 0.012
    # = 2,000 + 1,080 + 2,400 = 5,480: the warehouse earns nothing, then or at the end.
    g, c = simple
    parts = score_parts(g, c, stats([600, 600], [200000, 200000]))
    assert parts["benchmark_musd"] == pytest.approx(5480)


def test_chips_never_installed_keep_half_their_book(simple):
    # As left alone, but 10,000 GB300 bought for $480M sit in the warehouse: cash 5,800,
    # chips 480 × 0.5 = 240. Equity 5,800 − 3,000 + 2,800 + 240 = 5,840; created −240.
    g, c = simple
    from game.model.state import ChipCohort

    c.cash_musd = 5800.0
    c.inventory = {"gb300": 10000}
    c.cohorts = [ChipCohort("gb300", 10000, 480.0, 20.0)]
    parts = score_parts(g, c, stats([700, 700], [232500, 232500]))
    assert parts["chip_value_musd"] == pytest.approx(240)
    assert parts["value_created_musd"] == pytest.approx(-240)


def test_the_founders_score_their_stake_and_a_bankrupt_company_scores_zero(simple):
    # Left alone but 20% of the company sold: 6,080 × 0.8 − 6,080 = −1,216; score 1 − 1,216 ÷ 9,506.
    g, c = simple
    c.cash_musd = 6280.0
    c.ownership = 0.8
    parts = score_parts(g, c, stats([700, 700], [232500, 232500]))
    assert parts["value_created_musd"] == pytest.approx(-1216)
    assert parts["score"] == pytest.approx(1 - 1216 / CAPITAL)
    g.bury(c)
    assert score_parts(g, c, stats([700, 700], [232500, 232500]))["score"] == 0.0


def test_losing_more_than_the_capital_scores_zero_not_less(simple):
    # No cash and $13,000M of debt: equity 0 − 13,000 + 2,800 = −10,200; created
    # −10,200 − 6,080 = −16,280; 1 − 16,280 ÷ 9,506 = −0.71, floored at 0.
    g, c = simple
    c.cash_musd = 0.0
    c.debt_musd = 13000.0
    assert score_parts(g, c, stats([700, 700], [232500, 232500]))["score"] == 0.0


def test_a_company_that_names_no_price_would_have_sold_at_the_going_rate_what_it_sold():
    # The benchmark's spot sales are what each offer would have sold at the going rate; a company
    # that gives no orders offers at the going rate, so the two are the same, quarter by quarter.
    from game.runner import play, seat_agents
    from game.scenario import load_scenario

    spec = load_scenario("baseline")
    game, _ = play(spec, 3, seat_agents(spec, 3, {"nebula": "idle"}), max_quarters=1)
    for _ in range(6):
        nebula = game.core.world.companies["nebula"]
        sold = game.private_reports[-1]["nebula"].pnl.get("revenue_spot", 0.0)
        assert sold > 0 and nebula.going_rate_spot_musd == pytest.approx(sold, rel=1e-9)
        game, _ = play(spec, 3, seat_agents(spec, 3, {"nebula": "idle"}), game=game, max_quarters=1)


@pytest.mark.parametrize("scenario", ["neocloud-squeeze", "workshop"])
def test_a_hyperscaler_left_alone_scores_one_even_when_its_halls_run_at_a_loss(scenario):
    # In the squeeze the open market shrinks and the halls end up running at a loss, which the
    # rest of the business's cash flow shelters from tax as it would the company's own. The
    # benchmark taxes as the engine does, so doing nothing still scores 1.00× (it scored 1.07×
    # when the benchmark paid tax on its own profit alone and ignored the shelter).
    from game.runner import play, seat_agents
    from game.scenario import load_scenario

    spec = load_scenario(scenario)
    _, result = play(spec, 1, seat_agents(spec, 1, {"aurora": "idle"}))
    aurora = next(r for r in result.standings if r.id == "aurora")
    assert aurora.score == pytest.approx(1.0, abs=0.01)


def test_a_quarter_is_recorded_with_the_running_costs_of_contracted_capacity_left_to_the_contracts(simple):
    # 200,000 H100e, 50,000 of them under contract (a quarter of the fleet). The quarter: spot
    # 300, contract 200, power −80, site operations −20: margin 400. The free 150,000 earned
    # 400 − 200 (the contract's revenue) − (−100 × 0.25) (the contracted quarter's running costs,
    # which the contract paid) = 225. At the going rate its spot offers would have sold 250, not
    # 300: left alone they would have earned 225 − 300 + 250 = 175.
    from game.engine.scoring import record_quarter

    g, c = simple
    c.capacity_h100e = 200000.0
    c.contracts = [Contract("K1", "corecell", "market", 50000.0, 2.0, 2, 0)]
    c.contracted_h100e_quarter = 50000.0  # what the compute market's contracts held
    c.going_rate_spot_musd = 250.0
    st: dict = {}
    record_quarter(g, c, {"revenue_spot": 300.0, "revenue_contract": 200.0, "power": -80.0, "opex": -20.0}, st)
    assert st["margin_musd"] == [400.0]
    assert st["free_h100e"] == [150000.0]
    assert st["free_margin_musd"] == [pytest.approx(225.0)]
    assert st["passive_margin_musd"] == [pytest.approx(175.0)]


def test_the_benchmark_writes_each_starting_asset_down_until_it_is_written_off(tutorial):
    # CoreCell's hall: 1,080 over 60 quarters, 18 a quarter; its chips: 3,160 + 2,250 + 395 =
    # 5,805 over 24 quarters, 241.875 a quarter. In a 26-quarter game: 18 + 241.875 = 259.875 a
    # quarter for 24 quarters, then the chips are written off and the hall's 18 is left
    spec = evolve(tutorial, game=evolve(tutorial.game, quarters=26))
    down = starting_write_down(Game(spec, 0).core, "corecell")
    assert down == pytest.approx([259.875] * 24 + [18.0] * 2)


def test_a_contract_in_its_last_quarter_still_held_its_h100e_that_quarter(tutorial):
    # CoreCell starts with 215,000 H100e in its hall and no contract; give it one of 10,000 H100e
    # with one quarter to run. After the quarter the contract is over and gone, but it held its
    # 10,000 H100e while the quarter's margin was earned: free 215,000 − 10,000 = 205,000 (the
    # margin per free H100e was once divided by all 215,000, understating it in every quarter a
    # contract ended, for the fleet value and the passive benchmark alike).
    from game.model.state import Contract

    game = Game(tutorial, 0)
    c = game.core.world.companies["corecell"]
    c.contracts.append(Contract("K9", "corecell", "market", 10000.0, 2.0, 1, 0))
    game.step({})
    assert c.contracts == []
    assert game.stats["corecell"]["capacity_h100e"] == [215000.0]
    assert game.stats["corecell"]["free_h100e"] == [205000.0]

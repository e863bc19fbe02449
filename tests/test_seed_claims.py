"""What the seed document asserts, checked over a small Monte Carlo of baseline games."""

from __future__ import annotations

import statistics

import pytest

from game.engine import Game
from game.model import orders as o
from game.runner import agent_orders, play, seat_agents
from game.scenario import load_scenario

SEEDS = range(8)


@pytest.fixture(scope="module")
def baseline_games(baseline):
    return [play(baseline, seed, seat_agents(baseline, seed)) for seed in SEEDS]


def test_every_baseline_game_runs_all_24_quarters_with_both_archetypes(baseline_games):
    for game, result in baseline_games:
        assert result.quarters_played == 24
        assert {r.archetype for r in result.standings} == {"hyperscaler", "neocloud"}


def test_neoclouds_run_higher_utilisation_than_hyperscalers(baseline_games):
    # the seed: bare metal runs ~20% higher utilisation than elastic cloud
    neo, hyper = [], []
    for _, result in baseline_games:
        for r in result.standings:
            if not r.bankrupt:
                (neo if r.archetype == "neocloud" else hyper).append(r.utilisation)
    assert statistics.mean(neo) > statistics.mean(hyper) * 1.05


def test_bankruptcies_happen_in_some_seeds_but_not_all():
    # In the baseline its own agents keep clear of default (0 of 100 seeds); an AI winter
    # (compute budgets cut by 70% for two years) breaks the most leveraged neo-cloud in some
    # seeds and not in others: which it is depends on the draws, not on a fixed script.
    winter = load_scenario("ai-winter")
    busts = [play(winter, seed, seat_agents(winter, seed))[1].bankruptcies for seed in range(16)]
    assert any(b > 0 for b in busts), busts
    assert any(b == 0 for b in busts), busts


def test_both_archetypes_can_win(baseline):
    winners = {play(baseline, seed, seat_agents(baseline, seed))[1].standings[0].archetype for seed in range(12)}
    assert winners == {"hyperscaler", "neocloud"}


def test_power_is_the_largest_cash_operating_cost_of_an_online_site(baseline_games):
    # among operating costs (not capex, interest or tax): the power bill beats site operations,
    # in all but the odd company-quarter (a fleet standing mostly idle draws little power)
    bills = []
    for game, _ in baseline_games[:3]:
        for quarter in game.private_reports[4:]:
            for rep in quarter.values():
                power, opex = -rep.pnl.get("power", 0.0), -rep.pnl.get("opex", 0.0)
                if opex > 0:
                    bills.append((power, opex))
    assert sum(power > opex for power, opex in bills) >= 0.95 * len(bills)
    assert sum(power for power, _ in bills) > 2 * sum(opex for _, opex in bills)


def test_inference_grows_from_about_55_to_75_80_percent_of_demand(baseline):
    from game.engine.news import inference_share

    game = Game(baseline, 0)
    assert inference_share(game.core) == pytest.approx(0.55)
    while game.quarter < baseline.game.quarters - 1:
        game.step({})
    assert 0.75 <= inference_share(game.core) <= 0.80


def test_securing_power_early_puts_a_neocloud_ahead_for_years(baseline):
    """The same agent, once bidding for power from the first quarter and once only from the
    third year, at the same seat over the same seeds. The seed: companies that secure power
    early hold an advantage for 3-5 years. Early power ends richer by score, and holds more MW
    online at the end of every year from the third on, 15% more at the end of the third; the
    gap then narrows as the late bidder's power comes online (8% by the end, 8 seeds)."""
    runs = {}
    for variant in ("neocloud", "neocloud:power_from_quarter=8"):
        scores, online = [], []
        for seed in range(8):
            game = Game(baseline, seed)
            agents = seat_agents(baseline, seed, {"corecell": variant})
            mw = []
            while not game.finished:
                game.step(agent_orders(game, agents))
                mw.append(sum(s.mw for s in game.core.world.companies["corecell"].sites if s.stage == "online"))
            scores.append(next(r.score for r in game.result().standings if r.id == "corecell"))
            online.append(mw)
        runs[variant] = (statistics.mean(scores), [statistics.mean(m[q] for m in online) for q in (11, 15, 19, 23)])
    (early_score, early_mw), (late_score, late_mw) = runs["neocloud"], runs["neocloud:power_from_quarter=8"]
    assert early_score > late_score, runs
    assert all(e > l for e, l in zip(early_mw, late_mw)), runs
    assert early_mw[0] > 1.15 * late_mw[0], runs


def test_a_greenfield_site_in_a_congested_region_takes_years(baseline):
    """Power bought in PJM in the first quarter, a site started at once, crews hired every
    quarter: it cannot be online before the queue wait plus building, which is years."""
    spec = baseline
    pjm = spec.regions["pjm"]
    game = Game(spec, 3)
    company = "corecell"
    game.step({company: [o.BidInterconnect("pjm", 50.0, pjm.grid_reserve_price_musd_per_mw * 20)]})
    c = game.core.world.companies[company]
    power = max(c.power, key=lambda p: int(p.id[1:]))
    assert power.region == "pjm" and not power.energised
    game.step({company: [o.StartSite(power.id, "liquid")]})
    site = next(s for s in c.sites if s.power == power.id)
    started = game.quarter - 1
    while site.stage != "online" and not game.finished and c.alive:
        wage = game.view(company).region("pjm").wage_reserve_musd * 2
        game.step({company: [o.BidCrews("pjm", 40.0, wage)]})
    done = site.online_quarter if site.stage == "online" else game.quarter  # or still building at the end
    years = (done - started) / 4
    # the shortest wait: the base range's minimum plus the congestion of the MW queued in PJM at the
    # start (two quarters for 600 MW at a quarter per 300 MW); the seed says 3-5 years in all
    assert years >= (pjm.queue_wait_quarters_min + 600 // pjm.queue_congestion_mw_per_quarter) / 4 >= 2.5, years
    assert 3.0 <= years <= 5.0, years

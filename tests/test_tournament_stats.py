"""Tournament statistics against hand-worked values and against scipy's independent implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from openskill.models import PlackettLuce

import results_fixture
from game.tournament import stats
from game.tournament.report import replay_command, summarise
from game.tournament.stats import Plays, bootstrap_mean_ci, wilson_interval

# ---------------------------------------------------------------- Wilson


def test_wilson_five_of_ten_by_hand():
    # z = 1.96: centre = (0.5 + 0.19208) / 1.38416 = 0.5; half = 1.96·√(0.025 + 0.009604) / 1.38416 = 0.26341
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.23659, abs=2e-5)
    assert hi == pytest.approx(0.76341, abs=2e-5)


def test_wilson_no_successes_starts_at_zero_and_ends_at_z2_over_n_plus_z2():
    lo, hi = wilson_interval(0, 10)
    z2 = 1.959964**2
    assert lo == 0.0
    assert hi == pytest.approx(z2 / (10 + z2), abs=1e-6)


def test_wilson_with_no_trials_says_nothing_is_known():
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_refuses_more_successes_than_trials():
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_scipy(kn):
    k, n = kn
    ci = scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-9)
    assert hi == pytest.approx(ci.high, abs=1e-9)


# ---------------------------------------------------------------- bootstrap


def test_bootstrap_of_a_constant_is_that_constant():
    assert bootstrap_mean_ci([2.5] * 7) == (2.5, 2.5)


def test_bootstrap_of_two_points_spans_both():
    # resampled means of [0, 1] are 0, ½, 1 with probabilities ¼, ½, ¼: the 2.5 % and 97.5 % points are 0 and 1
    assert bootstrap_mean_ci([0.0, 1.0]) == (0.0, 1.0)


def test_bootstrap_of_one_in_four_by_hand():
    # resampled mean = Binomial(4, ¼)/4: P(0) = 0.316 > 2.5 %, P(≤ ½) = 0.949 < 97.5 % ≤ P(≤ ¾) = 0.996
    assert bootstrap_mean_ci([0.0, 0.0, 0.0, 1.0]) == (0.0, 0.75)


def test_bootstrap_is_deterministic_and_depends_on_its_seed():
    x = np.random.default_rng(3).gamma(2.0, size=50)
    assert bootstrap_mean_ci(x) == bootstrap_mean_ci(x)
    assert bootstrap_mean_ci(x, seed=1) != bootstrap_mean_ci(x, seed=2)


@pytest.mark.parametrize("n", [20, 200, 3000])
def test_bootstrap_matches_scipy_percentile_bootstrap(n):
    x = np.random.default_rng(n).lognormal(0.0, 0.7, size=n)
    lo, hi = bootstrap_mean_ci(x, resamples=20000)
    ref = scipy.stats.bootstrap((x,), np.mean, n_resamples=20000, method="percentile", confidence_level=0.95, rng=np.random.default_rng(1)).confidence_interval
    se = x.std(ddof=1) / math.sqrt(n)
    # two independent Monte Carlo estimates of the same quantiles agree to a small fraction of a standard error
    assert lo == pytest.approx(ref.low, abs=0.08 * se)
    assert hi == pytest.approx(ref.high, abs=0.08 * se)
    assert lo < x.mean() < hi


def test_bootstrap_chunks_give_the_same_answer_as_one_draw(monkeypatch):
    x = np.arange(30, dtype=float) ** 1.5
    whole = bootstrap_mean_ci(x, resamples=500)
    monkeypatch.setattr(stats, "_BOOTSTRAP_CELLS", 30 * 7)  # seven resamples per chunk
    assert bootstrap_mean_ci(x, resamples=500) == whole


# ---------------------------------------------------------------- a hand-made tournament

# agents A, B, C; company archetypes: x = hyperscaler, y and z = neocloud
HAND = [
    (0, 11, [("x", "hyperscaler", "A", 2.0, 1, False), ("y", "neocloud", "B", 1.0, 2, False), ("z", "neocloud", "C", 0.0, 3, True)]),
    (1, 12, [("x", "hyperscaler", "B", 3.0, 1, False), ("y", "neocloud", "C", 0.5, 2, False), ("z", "neocloud", "A", 0.0, 3, True)]),
    (2, 13, [("x", "hyperscaler", "C", 1.5, 2, False), ("y", "neocloud", "A", 4.0, 1, False), ("z", "neocloud", "A", 0.0, 3, True)]),
    (4, 15, [("x", "hyperscaler", "A", 1.0, 2, False), ("y", "neocloud", "B", 0.0, 3, True), ("z", "neocloud", "C", 2.0, 1, False)]),
]
CONFIG = {"scenario": "tutorial", "overrides": ["rules.tax_rate=0.3", "regions.ercot.power price=95"], "agents": ["A", "B", "C"], "games": 6, "seed": 9, "from_save": None}


@pytest.fixture
def hand_db(tmp_path):
    return results_fixture.write(tmp_path / "hand.sqlite", HAND, errors=[(3, 14, "Traceback …\nRuntimeError: agent exploded")], config=CONFIG)


def test_hand_tournament_counts_finished_and_error_games(hand_db):
    s = summarise(hand_db)
    assert s["games"] == {"stored": 5, "finished": 4, "errors": 1, "planned": 6}
    assert s["errors"] == [{"idx": 3, "seed": 14, "error": "RuntimeError: agent exploded"}]


def test_hand_tournament_per_agent_figures(hand_db):
    a = summarise(hand_db)["agents"]
    # A: plays in games 0, 1, 2 (twice), 4 → scores 2, 0, 4, 0, 1; ranks 1, 3, 1, 3, 2; two busts
    A = a["A"]
    assert (A["games"], A["distinct_games"], A["wins"]) == (5, 4, 2)
    assert A["win_rate"] == pytest.approx(0.4)
    assert A["baseline_win_rate"] == pytest.approx(1 / 3)
    assert A["mean_score"] == pytest.approx(7 / 5)
    assert A["median_score"] == pytest.approx(1.0)
    assert A["p10_score"] == pytest.approx(0.0)  # sorted 0, 0, 1, 2, 4: position 0.4 → 0
    assert A["p90_score"] == pytest.approx(3.2)  # position 3.6 → 2 + 0.6·(4 − 2)
    assert A["mean_rank"] == pytest.approx(10 / 5)
    assert A["bankruptcy_rate"] == pytest.approx(2 / 5)
    assert (A["win_ci_low"], A["win_ci_high"]) == pytest.approx(wilson_interval(2, 5))
    # B: games 0, 1, 4 → scores 1, 3, 0; ranks 2, 1, 3
    B = a["B"]
    assert (B["games"], B["wins"], B["mean_score"], B["mean_rank"], B["bankruptcy_rate"]) == (3, 1, pytest.approx(4 / 3), 2.0, pytest.approx(1 / 3))
    # C: games 0, 1, 2, 4 → scores 0, 0.5, 1.5, 2; ranks 3, 2, 2, 1
    C = a["C"]
    assert (C["games"], C["wins"], C["mean_score"], C["mean_rank"]) == (4, 1, pytest.approx(1.0), 2.0)
    assert C["median_score"] == pytest.approx(1.0)
    assert set(a) == {"A", "B", "C"}
    for v in a.values():
        assert {"games", "wins", "win_rate", "win_ci_low", "win_ci_high", "mean_score", "score_ci_low", "score_ci_high",
                "median_score", "p10_score", "p90_score", "mean_rank", "bankruptcy_rate"} <= set(v)
        assert v["score_ci_low"] <= v["mean_score"] <= v["score_ci_high"]


def test_hand_tournament_pairwise_counts_seat_matchups(hand_db):
    pw = {(r["agent"], r["opponent"]): r for r in summarise(hand_db)["pairwise"]}
    # A vs C: g0 A above; g1 C above; g2 A(1) above C, C above A(3); g4 C above → 2 of 5
    assert (pw["A", "C"]["above"], pw["A", "C"]["comparisons"], pw["A", "C"]["games_together"]) == (2, 5, 4)
    assert pw["C", "A"]["above"] == 3
    # A vs B: g0 A above, g1 B above, g4 A above → 2 of 3
    assert (pw["A", "B"]["above"], pw["A", "B"]["comparisons"]) == (2, 3)
    # B vs C: g0 B above, g1 B above, g4 C above
    assert pw["B", "C"]["share_above"] == pytest.approx(2 / 3)
    assert ("A", "A") not in pw  # the two seats of A in game 2 are not compared


def test_hand_tournament_by_seat_and_by_archetype(hand_db):
    s = summarise(hand_db)
    seats = {r["seat"]: r for r in s["by_seat"]}
    assert (seats[0]["company"], seats[0]["games"], seats[0]["wins"], seats[0]["mean_score"]) == ("x", 4, 2, pytest.approx(7.5 / 4))
    assert seats[2]["bankruptcy_rate"] == pytest.approx(3 / 4)
    arch = {(r["archetype"], r["agent"]): r for r in s["by_archetype"]}
    assert arch["neocloud", "A"]["games"] == 3  # g1 z, g2 y and z
    assert arch["neocloud", "A"]["mean_score"] == pytest.approx(4 / 3)
    assert arch["hyperscaler", "C"]["mean_rank"] == 2.0


def test_hand_tournament_extremes_and_their_replay_commands(hand_db):
    ex = summarise(hand_db)["extremes"]
    found = {(e["kind"], e["agent"]): e for e in ex}
    assert found["best score", "A"]["idx"] == 2 and found["best score", "A"]["seed"] == 13
    assert found["worst score", "A"]["idx"] == 1  # scores 0 in games 1 and 2: the lower index
    assert found["worst score", "C"]["idx"] == 0
    busts = [e for e in ex if e["kind"] == "most bankruptcies"]
    assert [(e["idx"], e["bankruptcies"]) for e in busts] == [(0, 1), (1, 1), (2, 1)]
    assert found["best score", "A"]["command"] == (
        "gridlock run --scenario tutorial --seed 13 --seat x=C --seat y=A --seat z=A"
        " --set rules.tax_rate=0.3 --set 'regions.ercot.power price=95'"
    )


def test_no_replay_command_for_games_continued_from_a_save_or_without_a_scenario():
    assert replay_command({"from_save": "saves/g.json", "scenario": "baseline"}, 5, "{}") is None
    assert replay_command({"overrides": []}, 5, "{}") is None
    assert replay_command({"scenario": "grid-crunch"}, 5, '{"a": "random"}') == "gridlock run --scenario grid-crunch --seed 5 --seat a=random"


# ---------------------------------------------------------------- ratings


def test_first_rating_update_by_hand():
    # two fresh players, A beats B. Plackett–Luce with μ=25, σ=25/3, β=σ/2, τ=σ/100:
    # σ² → σ² + τ²; c = √(2(σ² + β²)); A gains σ²/c · (1 − ½)
    p = Plays.from_rows([(0, "x", 0, "A", "h", 1.0, 1, False), (0, "y", 1, "B", "h", 0.5, 2, False)])
    r = {d["agent"]: d for d in stats.ratings(p)}
    s2 = (25 / 3) ** 2 + (25 / 300) ** 2
    c = math.sqrt(2 * (s2 + (25 / 6) ** 2))
    assert r["A"]["mu"] == pytest.approx(25 + s2 / c * 0.5)
    assert r["B"]["mu"] == pytest.approx(25 - s2 / c * 0.5)
    assert r["A"]["ordinal"] == pytest.approx(r["A"]["mu"] - 3 * r["A"]["sigma"])


def _sequential(games):
    model = PlackettLuce()
    cur = {}
    for agents, ranks in games:
        teams = [[cur.get(a) or model.rating()] for a in agents]
        for a, (new,) in zip(agents, model.rate(teams, ranks=ranks)):
            cur[a] = new
    return cur


def test_ratings_follow_game_index_order_not_storage_order():
    games = [(["A", "B", "C"], [1, 2, 3]), (["A", "B", "C"], [3, 1, 2]), (["A", "B", "C"], [2, 3, 1]), (["A", "B", "C"], [1, 3, 2])]
    rows = [(i, c, s, a, "h", 0.0, r, False) for i, (ag, rk) in enumerate(games) for s, (c, a, r) in enumerate(zip("xyz", ag, rk))]
    got = {d["agent"]: d["mu"] for d in stats.ratings(Plays.from_rows(reversed(rows)))}
    want = _sequential(games)
    assert got == pytest.approx({a: r.mu for a, r in want.items()})
    backwards = _sequential(games[::-1])
    assert got != pytest.approx({a: r.mu for a, r in backwards.items()})  # order matters, so the check above can fail


def test_ratings_average_the_seats_of_an_agent_seated_twice():
    p = Plays.from_rows([(0, "x", 0, "A", "h", 3.0, 1, False), (0, "y", 1, "B", "h", 2.0, 2, False), (0, "z", 2, "A", "h", 0.0, 3, False)])
    model = PlackettLuce()
    (a1,), (b,), (a2,) = model.rate([[model.rating()], [model.rating()], [model.rating()]], ranks=[1, 2, 3])
    r = {d["agent"]: d for d in stats.ratings(p)}
    assert r["A"]["mu"] == pytest.approx((a1.mu + a2.mu) / 2)
    assert r["A"]["sigma"] == pytest.approx((a1.sigma + a2.sigma) / 2)
    assert r["B"]["mu"] == pytest.approx(b.mu)
    assert r["A"]["games"] == 1


def test_an_agent_that_always_wins_is_rated_first():
    place = lambda a, i: {"W": 1, "P": 2 + i % 2, "Q": 3 - i % 2}[a]  # noqa: E731
    rows = [(i, c, s, a, "h", 0.0, place(a, i), False) for i in range(20) for s, (c, a) in enumerate(zip("xyz", ["Q", "P", "W"]))]
    assert stats.ratings(Plays.from_rows(rows))[0]["agent"] == "W"


# ---------------------------------------------------------------- properties


@st.composite
def tournaments(draw):
    agents = ["a", "b", "c", "d"]
    k = draw(st.integers(2, 5))
    n = draw(st.integers(1, 12))
    rows = []
    for idx in range(n):
        order = draw(st.permutations(range(1, k + 1)))
        for seat in range(k):
            rows.append((idx, f"c{seat}", seat, draw(st.sampled_from(agents)), "h", draw(st.floats(0, 5)), order[seat], draw(st.booleans())))
    return k, n, rows


@settings(max_examples=60, deadline=None)
@given(tournaments())
def test_every_game_has_one_winner_and_pairwise_shares_are_complementary(t):
    k, n, rows = t
    p = Plays.from_rows(rows)
    per_agent = {a: stats.agent_summary(p, a) for a in p.agents()}
    assert sum(v["wins"] for v in per_agent.values()) == n
    assert sum(v["games"] for v in per_agent.values()) == n * k
    for v in per_agent.values():
        assert v["baseline_win_rate"] == pytest.approx(1 / k)
        assert v["win_ci_low"] <= v["win_rate"] <= v["win_ci_high"]
        assert v["p10_score"] <= v["median_score"] <= v["p90_score"]
    pw = stats.pairwise(p)
    for (a, b), v in pw.items():
        assert pw[b, a]["comparisons"] == v["comparisons"]
        assert v["above"] + pw[b, a]["above"] == v["comparisons"]
        assert v["games_together"] <= n

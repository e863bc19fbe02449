"""The research tools: seating designs, seat-relative statistics, `facts`, `balance` and the measures.

Small cases worked by hand in the comments; the tutorial scenario (3 companies: aurora is a
hyperscaler, corecell and nebula are neo-clouds) keeps the played cases quick."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from game.cli import main
from game.measures import MEASURE_FUNCTIONS, NotReported, _field, all_measures
from game.scenario import ScenarioError, load_scenario
from game.scenario.spec import MEASURES
from game.tournament import TournamentError, meta
from game.tournament.balance import analyse
from game.tournament.report import summarise
from game.tournament.run import TournamentConfig, run_tournament
from game.tournament.schedule import SeatPlan, lineups, meetings
from game.tournament.stats import Plays, seat_relative
from game.tournament.store import connect, write_batch

# tutorial: aurora may take hyperscaler or fortress; corecell and nebula neocloud, landgrab, cautious
TUTORIAL_AGENTS = ["hyperscaler", "fortress", "neocloud", "landgrab", "cautious"]


# ---- seating ------------------------------------------------------------------------------------
def test_round_robin_enumerates_every_line_up_and_plays_each_equally_often(tutorial):
    plan = SeatPlan(tutorial, TUTORIAL_AGENTS, "round-robin")
    # aurora: 2 choices; (corecell, nebula): ordered pairs of 3 distinct neo-cloud agents = 3 x 2 = 6
    assert plan.lineup_count == 2 * 6
    seen = Counter(tuple(plan.seats(i).values()) for i in range(24))
    assert len(seen) == 12 and set(seen.values()) == {2}
    for lineup in seen:
        assert lineup[1] != lineup[2]  # no agent twice in a game when there are enough
    plan.check_games(36)
    with pytest.raises(TournamentError, match="12 line-ups, so --games must be a multiple of 12 \\(e.g. 24 or 36\\); got 25"):
        plan.check_games(25)


def test_every_pair_that_can_meet_meets_and_the_counts_are_the_hand_worked_ones(tutorial):
    plan = SeatPlan(tutorial, TUTORIAL_AGENTS, "round-robin")
    met = meetings([plan.seats(i) for i in range(12)])
    # hyperscaler and fortress share the one hyperscaler seat: the only pair that cannot meet
    pairs = {tuple(sorted((a, b))) for i, a in enumerate(TUTORIAL_AGENTS) for b in TUTORIAL_AGENTS[i + 1 :]}
    assert set(met) == pairs - {("fortress", "hyperscaler")}
    # hyperscaler meets neocloud when aurora = hyperscaler (6 line-ups) and neocloud takes one
    # of the two neo-cloud seats (4 of those 6): 4 games in 12
    assert met["hyperscaler", "neocloud"] == 4
    # landgrab and neocloud meet when both neo-cloud seats are theirs: 2 orders x 2 = 4
    assert met["landgrab", "neocloud"] == 4


def test_random_seating_is_a_pure_function_of_seed_and_game_and_covers_every_pair(tutorial, baseline):
    plan = SeatPlan(tutorial, TUTORIAL_AGENTS, "random", seed=3)
    again = SeatPlan(tutorial, TUTORIAL_AGENTS, "random", seed=3)
    assert [plan.seats(i) for i in range(50)] == [again.seats(i) for i in range(50)]
    assert [plan.seats(i) for i in range(50)] != [SeatPlan(tutorial, TUTORIAL_AGENTS, "random", seed=4).seats(i) for i in range(50)]
    for i in range(200):
        s = plan.seats(i)
        assert s["corecell"] != s["nebula"]
    assert len(meetings([plan.seats(i) for i in range(200)])) == 9  # every pair that can meet
    # an agent of archetype "any" sits at most once a game while others are free
    big = SeatPlan(baseline, ["hyperscaler", "fortress", "neocloud", "landgrab", "cautious", "random", "idle"], "random", seed=1)
    for i in range(100):
        counts = Counter(big.seats(i).values())
        assert counts["random"] <= 1 and counts["idle"] <= 1


def test_lineups_repeat_an_agent_only_when_an_archetype_has_too_few():
    # two seats, one agent: it takes both; two seats, two agents: both orders, never twice
    assert lineups([["a"], ["a"]]) == [("a", "a")]
    assert lineups([["a", "b"], ["a", "b"]]) == [("a", "b"), ("b", "a")]


def test_paired_seating_shares_a_seed_and_changes_exactly_one_seat(tutorial):
    plan = SeatPlan(tutorial, TUTORIAL_AGENTS, "paired", seed=2)
    for i in range(0, 40, 2):
        a, b = plan.seats(i), plan.seats(i + 1)
        assert plan.seed_index(i) == plan.seed_index(i + 1) == i // 2
        assert sum(a[c] != b[c] for c in a) == 1


def test_seating_results_do_not_depend_on_the_worker_count(tmp_path):
    for seating, games in (("round-robin", 12), ("paired", 6)):
        cfg = TournamentConfig("tutorial", tuple(TUTORIAL_AGENTS), games=games, seed=5, seating=seating)
        one = run_tournament(cfg, tmp_path / f"{seating}-0.sqlite", workers=0).digest
        two = run_tournament(cfg, tmp_path / f"{seating}-2.sqlite", workers=2).digest
        assert one == two


def test_a_round_robin_that_cannot_be_balanced_exits_2_naming_the_count(tmp_path, capsys):
    code = main(["tournament", "--scenario", "tutorial", "--agents", ",".join(TUTORIAL_AGENTS), "--seating", "round-robin", "--games", "5", "--db", str(tmp_path / "r.sqlite")])
    assert code == 2
    assert "12 line-ups" in capsys.readouterr().err
    assert not (tmp_path / "r.sqlite").exists()


# ---- seat-relative statistics on a hand-made results file ------------------------------------------
def _results_file(path: Path, games: list[tuple[int, int, list[tuple[str, str, str, float]]]]) -> Path:
    """games: (idx, seed, [(company, archetype, agent, score)]); ranks by score."""
    db = connect(path)
    db.execute("INSERT INTO meta(key, value) VALUES ('config', ?)", (json.dumps({"scenario": "hand", "games": len(games)}),))
    rows, game_rows = [], []
    for idx, seed, plays in games:
        order = sorted(plays, key=lambda p: -p[3])
        seats = {c: a for c, _, a, _ in plays}
        game_rows.append((idx, seed, "ok", 24, json.dumps(seats), None))
        for seat, (company, arch, agent, score) in enumerate(plays):
            rank = 1 + next(i for i, p in enumerate(order) if p[0] == company)
            rows.append((idx, company, seat, agent, arch, score, rank, 0, score * 1000))
    write_batch(db, game_rows, rows)
    db.close()
    return path


def test_each_play_is_judged_against_its_seat(tmp_path):
    # seat h (hyperscaler) is rich, seat n (neo-cloud) poor. Game 0: A at h 3.0, B at n 1.0;
    # game 1: B at h 2.5, A at n 1.5. Seat means: h (3.0 + 2.5)/2 = 2.75, n (1.0 + 1.5)/2 = 1.25.
    # A: (3.0 − 2.75) and (1.5 − 1.25) -> +0.25; B: (1.0 − 1.25) and (2.5 − 2.75) -> −0.25.
    # h always wins (its win rate 1), n never (0): each agent's seats' win rate is (1 + 0)/2 = 0.5.
    path = _results_file(tmp_path / "r.sqlite", [
        (0, 11, [("h", "hyperscaler", "A", 3.0), ("n", "neocloud", "B", 1.0)]),
        (1, 12, [("h", "hyperscaler", "B", 2.5), ("n", "neocloud", "A", 1.5)]),
    ])
    s = summarise(path)
    rel = {(r["archetype"], r["agent"]): r for r in s["seat_relative"]}
    assert rel["hyperscaler", "A"]["seat_relative_score"] == pytest.approx(0.25)
    assert rel["neocloud", "A"]["seat_relative_score"] == pytest.approx(0.25)
    assert rel["hyperscaler", "B"]["seat_relative_score"] == pytest.approx(-0.25)
    assert rel["hyperscaler", "A"]["expected_win_rate"] == 1.0 and rel["neocloud", "B"]["expected_win_rate"] == 0.0
    # two plays per agent: far fewer than 30 comparisons, and the report says so
    assert any("fewer than 30 comparisons" in w for w in s["warnings"])
    # per-archetype ratings rank each archetype's seats among themselves only (one per game
    # here, so nobody moves from the prior)
    assert {(r["archetype"], r["agent"]) for r in s["archetype_ratings"]} == set(rel)


def test_pairs_that_never_met_are_named(tmp_path):
    path = _results_file(tmp_path / "r.sqlite", [
        (0, 1, [("h", "hyperscaler", "A", 2.0), ("n", "neocloud", "C", 1.0)]),
        (1, 2, [("h", "hyperscaler", "B", 2.0), ("n", "neocloud", "C", 1.0)]),
    ])
    (warning,) = [w for w in summarise(path)["warnings"] if "never met" in w]
    assert warning.startswith("1 pairs of agents never met in a game (A & B)")


def test_paired_games_give_the_paired_difference_and_say_how_much_narrower(tmp_path):
    # games 0 and 1 share seed 7 and differ only at h: A 3.0 vs B 2.6 -> +0.4;
    # games 2 and 3 share seed 9: A 2.0 vs B 1.5 -> +0.5. Mean paired difference 0.45.
    path = _results_file(tmp_path / "r.sqlite", [
        (0, 7, [("h", "hyperscaler", "A", 3.0), ("n", "neocloud", "C", 1.0)]),
        (1, 7, [("h", "hyperscaler", "B", 2.6), ("n", "neocloud", "C", 1.1)]),
        (2, 9, [("h", "hyperscaler", "A", 2.0), ("n", "neocloud", "C", 0.5)]),
        (3, 9, [("h", "hyperscaler", "B", 1.5), ("n", "neocloud", "C", 0.6)]),
    ])
    (p,) = summarise(path)["paired"]
    assert (p["archetype"], p["agent"], p["versus"], p["pairs"]) == ("hyperscaler", "A", "B", 2)
    assert p["mean_difference"] == pytest.approx(0.45)
    # unpaired: A's scores 3.0, 2.0 and B's 2.6, 1.5 (variances 0.5 and 0.605); the paired
    # differences 0.4, 0.5 have variance 0.005: sqrt(1.105 / 0.005) = 14.9 times narrower per game
    assert p["narrower_per_game"] == pytest.approx((1.105 / 0.005) ** 0.5)
    assert p["unpaired_difference"] == pytest.approx(0.45)


def test_seat_relative_scores_sum_to_zero_within_each_seat():
    rng = np.random.default_rng(0)
    rows = [(g, c, s, f"a{int(rng.integers(4))}", "x", float(rng.normal()), 1 + s, 0) for g in range(40) for s, c in enumerate("pq")]
    p = Plays.from_rows(rows)
    total = sum(r["seat_relative_score"] * r["plays"] for r in seat_relative(p))
    assert total == pytest.approx(0.0, abs=1e-9)


# ---- facts ------------------------------------------------------------------------------------------
TINY = """extends = "tutorial"

[targets.always]
measure = "neocloud_first"
low = 0
high = 1
source = "a band that holds whatever happens: a share lies in [0, 1]"

[targets.same_world]
measure = "h100e_online_end"
against = "tutorial"
low = 0
high = 0
source = "the same scenario on the same seeds plays the same games, so the difference is 0"
"""

FAILING = TINY + """
[targets.impossible]
measure = "hyperscaler_beats_neocloud"
low = 2
high = 3
source = "a share cannot exceed 1, so this cannot hold"
"""


def test_facts_exit_0_when_every_fact_holds_and_1_when_one_does_not(tmp_path, capsys):
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(TINY, encoding="utf-8")
    bad.write_text(FAILING, encoding="utf-8")
    assert main(["facts", "--scenario", str(good), "--games", "4", "--workers", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    facts = {f["name"]: f for f in out["facts"]}
    assert facts["same_world"]["value"] == 0.0 and facts["same_world"]["held"]
    assert facts["always"]["games"] == 4
    assert main(["facts", "--scenario", str(bad), "--games", "4", "--workers", "0"]) == 1
    text = capsys.readouterr().out
    assert "not held" in text and "2 of 3 facts held" in text


def test_facts_with_set_show_how_a_lever_moves_each_fact(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text(TINY, encoding="utf-8")
    assert main(["facts", "--scenario", str(good), "--games", "3", "--workers", "0", "--json", "--set", "rules.tax_rate=0.5"]) == 0
    fact = next(f for f in json.loads(capsys.readouterr().out)["facts"] if f["name"] == "always")
    assert fact["base_value"] is not None and fact["change"] is not None


@pytest.mark.parametrize("target, problem", [
    ('measure = "nonsense"\nlow = 0\nhigh = 1\nsource = "x"', "'nonsense' is not one of"),
    ('measure = "neocloud_first"\nlow = 2\nhigh = 1\nsource = "x"', "the band is empty"),
    ('measure = "neocloud_first"\nlow = 0\nhigh = 1\nsource = " "', "say where the band comes from"),
    ('measure = "power_to_online_quarters"\nlow = 0\nhigh = 1\nsource = "x"', "needs `region`"),
    ('measure = "neocloud_first"\nlow = 0\nhigh = 1\nsource = "x"\nagainst = "no-such-scenario"', "no scenario 'no-such-scenario'"),
])
def test_the_loader_checks_every_target(tmp_path, target, problem):
    path = tmp_path / "t.toml"
    path.write_text(f'extends = "tutorial"\n\n[targets.t]\n{target}\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    assert any(problem in p for p in e.value.problems), e.value.problems


def test_targets_are_not_inherited_and_a_scenario_without_them_is_refused(tmp_path, capsys):
    assert load_scenario("baseline").targets
    assert not load_scenario("grid-crunch").targets.keys() & load_scenario("baseline").targets.keys()
    assert main(["facts", "--scenario", "tutorial", "--games", "2"]) == 2
    assert "declares no [targets]" in capsys.readouterr().err


# ---- balance: a hand-made payoff table with a known equilibrium ---------------------------------------
def test_alpharank_and_replicator_find_the_known_equilibria():
    # matching pennies between two populations: the only equilibrium is (1/2, 1/2) each
    A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    for mix in (meta.replicator([[None, A], [-A.T, None]]), meta.alpharank([[None, A], [-A.T, None]])[0]):
        assert np.allclose(mix[0], [0.5, 0.5], atol=0.02) and np.allclose(mix[1], [0.5, 0.5], atol=0.02)
    # rock-paper-scissors in one population: (1/3, 1/3, 1/3)
    R = np.array([[0.0, -1, 1], [1, 0, -1], [-1, 1, 0]])
    assert np.allclose(meta.replicator([[R]])[0], 1 / 3, atol=0.02)
    assert np.allclose(meta.alpharank([[R]])[0][0], 1 / 3, atol=1e-6)
    # row strategy 1 strictly dominates 0 (2 > 0, 3 > 1); the column's best reply to it is 0 (1 > 0)
    A, B = np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([[5.0, 1.0], [5.0, 0.0]]).T
    H = [[None, A], [B, None]]
    assert meta.dominated(meta.opponent_payoffs(H, 0)) == [(0, 1)]
    assert meta.best_responses(meta.opponent_payoffs(H, 1)) == [0, 0]
    assert meta.replicator(H)[0][1] > 0.99 and meta.alpharank(H)[0][0][1] > 0.99


def _records(plan: dict[tuple[str, str], tuple[float, float]], repeat: int) -> list[dict]:
    """Games of one hyperscaler seat h and one neo-cloud seat n, every line-up `repeat` times."""
    out = []
    idx = 0
    for _ in range(repeat):
        for (x, y), (sx, sy) in plan.items():
            ranks = (1, 2) if sx > sy else (2, 1)
            out.append({"idx": idx, "seed": idx, "seats": {"h": x, "n": y}, "orders": {"h": {"bid_chips": 1}, "n": {}}, "standings": [
                {"company": "h", "seat": 0, "archetype": "hyperscaler", "agent": x, "score": sx, "rank": ranks[0], "bankrupt": False},
                {"company": "n", "seat": 1, "archetype": "neocloud", "agent": y, "score": sy, "rank": ranks[1], "bankrupt": False},
            ]})
            idx += 1
    return out


def test_balance_on_a_hand_made_payoff_table():
    # hyperscaler X scores 2 and Y 1 whoever sits opposite: X dominates Y. The neo-cloud's payoff
    # depends on the hyperscaler: P scores 1.0 against X and 0 against Y, Q the reverse. So the
    # equilibrium is (X, P), and P is the best response to X, Q to Y.
    table = {("X", "P"): (2.0, 1.0), ("X", "Q"): (2.0, 0.0), ("Y", "P"): (1.0, 0.0), ("Y", "Q"): (1.0, 1.0)}
    b = analyse(_records(table, 10), bootstrap=20)
    mass = {(r["archetype"], r["agent"]): (r["alpharank"], r["replicator"]) for r in b.by_agent}
    assert mass["hyperscaler", "X"][0] > 0.99 and mass["hyperscaler", "X"][1] > 0.99
    assert mass["neocloud", "P"][0] > 0.99 and mass["neocloud", "P"][1] > 0.9
    assert {"archetype": "hyperscaler", "agent": "Y", "dominated_by": "X"} in b.dominance
    assert {(r["against"], r["best_response"]) for r in b.best_responses if r["archetype"] == "neocloud"} == {("X", "P"), ("Y", "Q")}
    flags = {(f["flag"], f["agent"]) for f in b.flags}
    # X wins every game it plays (2 > 1 and 2 > 0): more than 40 %
    assert ("wins too often", "X") in flags
    # only bid_chips orders were given: every other kind is unused at equilibrium
    assert ("order kind unused at equilibrium", "") in flags
    assert not any("bid_chips" in f["detail"] for f in b.flags)


def test_balance_flags_an_idle_seat_above_a_strategy_and_more_is_always_better():
    table = {("idle", "P"): (1.5, 1.0), ("busy", "P"): (1.0, 1.0), ("busy", "Q"): (1.0, 1.0), ("idle", "Q"): (1.5, 1.0)}
    b = analyse(_records(table, 5), bootstrap=0)
    assert ("doing nothing is not last", "idle") in {(f["flag"], f["agent"]) for f in b.flags}
    sweep = {(f"k:level={v}", "P"): (float(v), 1.0) for v in (1, 2, 3)}
    b = analyse(_records(sweep, 5), all_agents=["k:level=1", "k:level=2", "k:level=3", "P"], bootstrap=0)
    assert ("more is always better", "k") in {(f["flag"], f["agent"]) for f in b.flags}


def test_balance_runs_end_to_end_and_writes_a_self_contained_page(tmp_path, capsys):
    page = tmp_path / "b.html"
    code = main(["balance", "--scenario", "tutorial", "--games", "6", "--workers", "0", "--bootstrap", "5", "--agents", "hyperscaler,fortress,neocloud,landgrab,idle", "--html", str(page), "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {r["agent"] for r in out["by_agent"]} >= {"hyperscaler", "fortress", "neocloud", "landgrab"}
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html.lower() and "http://" not in html.replace("http://www.w3.org/2000/svg", "")


# ---- measures --------------------------------------------------------------------------------------------
def test_one_definition_per_declared_measure():
    assert set(MEASURE_FUNCTIONS) == set(MEASURES)


def test_a_field_the_engine_does_not_report_is_said_so_not_zeroed():
    with pytest.raises(NotReported, match="markets\\['compute'\\].served_h100e"):
        _field([{}, {"other": 1}], "served_h100e", "markets['compute']")
    assert _field([{"served_h100e": 2}, {}], "served_h100e", "x") == [2.0]


def test_measures_of_a_played_tutorial_game(tutorial):
    from game.runner import play, seat_agents

    game, result = play(tutorial, 3, seat_agents(tutorial, 3))
    m = all_measures(game)
    # one neo-cloud finishing first or not, shares in [0, 1], and the installed H100e of the result
    assert m["neocloud_first"] == (1.0 if next(s for s in result.standings if s.rank == 1).archetype == "neocloud" else 0.0)
    assert 0 <= m["hyperscaler_beats_neocloud"] <= 1
    assert m["h100e_online_end"] == pytest.approx(sum(s.capacity_h100e for s in result.standings))
    # the chip market reports read-only mappings per generation: read, not skipped
    assert isinstance(m["chip_bids_to_supply"], float) and isinstance(m["chip_binding_share"], float)
    for v in m.values():
        assert v is None or isinstance(v, (float, str))


def test_the_lab_plays_the_same_games_on_worker_processes_as_in_this_one():
    # facts, balance and the economics bench hand the tournament's worker pool their own task
    # function (a GamePool once ran the tournament's only): same records, in the same order
    from game.tournament.lab import LabJob, play_many

    job = LabJob("tutorial", wanted=(("utilisation_ratio", ""),))
    tasks = [(i, 100 + i, {}) for i in range(4)]
    inline, pooled = play_many(job, tasks, workers=0), play_many(job, tasks, workers=2)
    assert [r["idx"] for r in pooled] == [0, 1, 2, 3]
    assert json.dumps(inline, sort_keys=True) == json.dumps(pooled, sort_keys=True)

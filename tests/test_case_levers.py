"""Event levers, case by case (DATC style): the events in play, what the rules make of them, the
arithmetic worked in a comment. levers.py holds the one rule that combines pulls on a lever;
news.py applies the one-shot effects when their event fires."""

from __future__ import annotations

import attrs
import pytest

from game.engine import Game
from game.engine.levers import Levers
from game.model.state import SMR, ActiveEvent, PowerSource
from game.scenario import quarter_offset
from game.scenario.spec import InjectSpec


def _events(*pulls: tuple[str, str, float]) -> list[ActiveEvent]:
    """One active event per (lever, target, value)."""
    return [ActiveEvent(f"e{i}", "", target, 1, {lever: v}) for i, (lever, target, v) in enumerate(pulls)]


# (case, events pulling, (lever, target) asked, value expected)
CASES = [
    # nothing pulls: a multiplier is 1, anything else 0
    ("no event, multiplier", [], ("demand_multiplier", ""), 1.0),
    ("no event, additive", [], ("queue_wait_add_quarters", "pjm"), 0.0),
    ("no event, blocking", [], ("moratorium", "pjm"), 0.0),
    # a boom (x1.25) and an efficiency shock (x0.8) at once: 1.25 * 0.8 = 1.0
    ("two global multipliers multiply", [("demand_multiplier", "", 1.25), ("demand_multiplier", "", 0.8)], ("demand_multiplier", ""), 1.0),
    # a global price move (x1.5) and a PJM spike (x1.4): PJM pays 1.5 * 1.4 = 2.1 ...
    ("global and targeted multipliers multiply", [("power_price_multiplier", "", 1.5), ("power_price_multiplier", "pjm", 1.4)], ("power_price_multiplier", "pjm"), 1.5 * 1.4),
    # ... and ERCOT only the global 1.5
    ("a targeted multiplier leaves other targets alone", [("power_price_multiplier", "", 1.5), ("power_price_multiplier", "pjm", 1.4)], ("power_price_multiplier", "ercot"), 1.5),
    # two moratoria on PJM are one moratorium: max(1, 1) = 1, not 2
    ("two blocks on one target take the larger", [("moratorium", "pjm", 1.0), ("moratorium", "pjm", 1.0)], ("moratorium", "pjm"), 1.0),
    # outages of 10% and 30% in a region: max(0.1, 0.3) = 0.3 lost, not 40%
    ("two outages take the larger", [("outage_fraction", "ercot", 0.1), ("outage_fraction", "ercot", 0.3)], ("outage_fraction", "ercot"), 0.3),
    # a global 20% outage and a local 10%: max(0.2, 0.1) = 0.2
    ("global and targeted blocks take the larger", [("outage_fraction", "", 0.2), ("outage_fraction", "ercot", 0.1)], ("outage_fraction", "ercot"), 0.2),
    # grid delay: +2 quarters everywhere and +1 in PJM: 2 + 1 = 3 in PJM
    ("additive levers add", [("queue_wait_add_quarters", "", 2.0), ("queue_wait_add_quarters", "pjm", 1.0)], ("queue_wait_add_quarters", "pjm"), 3.0),
    # a rate hike (+1%) and a cut (-0.75%) in force together: 0.01 - 0.0075 = 0.0025
    ("a hike and a cut net out", [("rate_add", "", 0.01), ("rate_add", "", -0.0075)], ("rate_add", ""), 0.01 - 0.0075),
    # a heat wave's +0.1 PUE on air in one region, asked for another: 0
    ("an additive lever on one target leaves others at 0", [("air_pue_add", "x", 0.1)], ("air_pue_add", "y"), 0.0),
    # one-shot effects act when their event fires and are not held as levers
    ("a release shift is not a held lever", [("release_shift_quarters", "rubin", -2.0)], ("release_shift_quarters", "rubin"), 0.0),
    ("an SMR delay is not a held lever", [("smr_delay_add_quarters", "", 4.0)], ("smr_delay_add_quarters", ""), 0.0),
]


@pytest.mark.parametrize("case, pulls, asked, expected", CASES, ids=[c[0] for c in CASES])
def test_event_levers_combine_by_the_one_rule(case, pulls, asked, expected):
    levers = Levers.of(_events(*pulls))
    assert levers.value(*asked) == pytest.approx(expected, abs=0, rel=1e-15)
    assert levers.value(*asked) == levers.value(*asked)  # a kept value is the value


def test_the_engine_asks_the_quarters_levers(baseline):
    game = Game(baseline, 0)
    g = game.core
    g.set_levers(Levers({("power_price_multiplier", ""): 1.5, ("power_price_multiplier", "x"): 2.0}))
    assert g.mod("power_price_multiplier", "x") == 3.0 and g.mod("rate_add") == 0.0
    g.set_levers(Levers({("rate_add", ""): 0.02}))
    assert g.mod("power_price_multiplier", "x") == 1.0 and g.mod("rate_add") == 0.02


# ---- one-shot effects, through the engine ----------------------------------------------------------


def _quiet(spec, *injects: tuple[str, str, str]):
    """The scenario with no random events, and the injects (quarter, event, target) given."""
    events = {eid: attrs.evolve(ev, probability_per_quarter=0.0) for eid, ev in spec.events.items()}
    return attrs.evolve(spec, events=events, injects=tuple(InjectSpec(quarter=q, event=e, target=t) for q, e, t in injects))


def _released_by_quarter(spec, gen: str, quarters: int) -> list[bool]:
    game = Game(spec, 0)
    seen = []
    for _ in range(quarters):
        seen.append(game.core.released(gen))
        assert game.view(game.companies[0]).generation(gen).released == seen[-1]
        game.step({})
    return seen


# Rubin is due 2027Q1 (quarter 4 from 2026Q1).
RELEASE_CASES = [
    # no event: released from quarter 4
    ("on time", [], [False, False, False, False, True, True, True, True, True]),
    # ships early by 2, news in 2026Q3 (quarter 2): 4 - 2 = 2, released from quarter 2 and stays so
    # (it was released in quarter 2, unreleased in 3 and released again in 4)
    ("early by 2, announced in 2026Q3", [("2026Q3", "next_gen_early", "rubin")], [False, False, True, True, True, True, True, True, True]),
    # ships early by 2, news in 2026Q2 (quarter 1): 4 - 2 = 2, released from quarter 2
    ("early by 2, announced in 2026Q2", [("2026Q2", "next_gen_early", "rubin")], [False, False, True, True, True, True, True, True, True]),
    # early by 2, news in 2026Q4 (quarter 3): 4 - 2 = 1 is past, so released at once, from quarter 3
    ("early by 2, announced the quarter before", [("2026Q4", "next_gen_early", "rubin")], [False, False, False, True, True, True, True, True, True]),
    # slips by 3, news in 2026Q2 (quarter 1): 4 + 3 = 7, released from quarter 7
    # (it used to slip only if the news came in the release quarter itself)
    ("late by 3, announced early", [("2026Q2", "next_gen_late", "rubin")], [False] * 7 + [True, True]),
    # slips by 3, news in 2027Q1 (quarter 4), the quarter it was due: not yet sold, so 4 + 3 = 7
    # (it used to slip by one quarter only)
    ("late by 3, announced in the release quarter", [("2027Q1", "next_gen_late", "rubin")], [False] * 7 + [True, True]),
    # slips by 3, news in 2027Q2 (quarter 5): on sale since quarter 4, it is not taken back
    ("late, announced after release", [("2027Q2", "next_gen_late", "rubin")], [False] * 4 + [True] * 5),
    # late by 3 then early by 2: 4 + 3 - 2 = 5
    ("late then early", [("2026Q2", "next_gen_late", "rubin"), ("2026Q3", "next_gen_early", "rubin")], [False] * 5 + [True] * 4),
]


@pytest.mark.parametrize("case, injects, expected", RELEASE_CASES, ids=[c[0] for c in RELEASE_CASES])
def test_a_release_shift_moves_the_release_quarter_for_good(baseline, case, injects, expected):
    spec = _quiet(baseline, *injects)
    assert quarter_offset(spec.game.start, spec.generations["rubin"].release) == 4
    assert _released_by_quarter(spec, "rubin", len(expected)) == expected


def test_the_release_quarter_shown_is_the_shifted_one(baseline):
    spec = _quiet(baseline, ("2026Q2", "next_gen_late", "rubin"))
    game = Game(spec, 0)
    game.step({})  # the news of quarter 1 brings the slip: 4 + 3 = 7
    assert game.view(game.companies[0]).generation("rubin").release_quarter == 7
    assert game.core.release_quarter("rubin") == 7
    assert game.view(game.companies[0]).generation("rubin_ultra").release_quarter == quarter_offset(spec.game.start, spec.generations["rubin_ultra"].release)


def test_an_smr_delay_moves_every_undelivered_ppa_once(baseline):
    # an SMR PPA due in quarter 12; the delay (+4) is announced in quarter 2: due in 16, and still
    # 16 the quarters after (the event lasts one quarter and is spent when it fires); an energised
    # one does not move
    spec = _quiet(baseline, ("2026Q3", "smr_delay", ""))
    game = Game(spec, 0)
    c = game.core.world.companies[game.companies[0]]
    due = PowerSource("P-smr", SMR, "pjm", 50.0, ready_quarter=12)
    running = PowerSource("P-smr-on", SMR, "pjm", 50.0, ready_quarter=0, energised=True)
    c.power += [due, running]
    seen = []
    for _ in range(5):
        game.step({})
        seen.append(due.ready_quarter)
    assert seen == [12, 16, 16, 16, 16]
    assert running.ready_quarter == 0


# The spending pause (x0.5 demand, 6 quarters) injected in the quarters given: the demand lever
# and the pause's quarters left, quarter by quarter from 2026Q1.
PAUSE_CASES = [
    # one pause from quarter 1: on in quarters 1..6 (6 quarters, this one included), off from 7
    ("one pause", ["2026Q2"], [1.0] + [0.5] * 6 + [1.0], [0, 6, 5, 4, 3, 2, 1, 0]),
    # a second pause fires in quarter 3 while the first has 4 left: it runs on with 6 left (the larger
    # of 4 and 6), so it is on in quarters 1..8, and demand is halved once (0.5), never 0.25
    ("a second pause extends the first", ["2026Q2", "2026Q4"], [1.0] + [0.5] * 8 + [1.0], [0, 6, 5, 6, 5, 4, 3, 2, 1, 0]),
    # two pauses the same quarter: one pause of 6 quarters
    ("two at once are one", ["2026Q2", "2026Q2"], [1.0] + [0.5] * 6 + [1.0], [0, 6, 5, 4, 3, 2, 1, 0]),
    # a pause in quarter 8, after the first ended in 6: a new pause, as the first
    ("one after another", ["2026Q2", "2028Q1"], [1.0] + [0.5] * 6 + [1.0] + [0.5] * 2, [0, 6, 5, 4, 3, 2, 1, 0, 6, 5]),
]


@pytest.mark.parametrize("case, quarters, demand, left", PAUSE_CASES, ids=[c[0] for c in PAUSE_CASES])
def test_the_same_event_firing_again_runs_on_instead_of_stacking(baseline, case, quarters, demand, left):
    assert baseline.events["spending_pause"].duration_quarters == 6
    assert baseline.events["spending_pause"].effects == {"demand_multiplier": 0.5}
    spec = _quiet(baseline, *[(q, "spending_pause", "") for q in quarters])
    game = Game(spec, 0)
    seen_demand, seen_left = [], []
    for _ in range(len(demand)):
        g = game.core
        seen_demand.append(g.mod("demand_multiplier"))
        seen_left.append(sum([ev.quarters_left for ev in g.world.events if ev.event == "spending_pause"]))
        game.step({})
    assert seen_demand == demand
    assert seen_left == left

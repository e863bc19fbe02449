"""The RL adapter: PettingZoo and Gymnasium conformance, the encodings by hand, masks that mean it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import attrs
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pettingzoo.test import parallel_api_test, parallel_seed_test

from game.model import orders as o
from game.rl import Encoding, GridlockParallelEnv, GridlockSingleEnv
from game.agents.policy.holdings import survey
from game.rl.encoding import FIXED_CHOICES, GENERATION_FEATURES, GLOBAL_FEATURES, REGION_FEATURES, money
from game.runner import play, seat_agents
from game.scenario import load_scenario, scenario_from_dict, scenario_to_dict


def masked_sample(env: GridlockParallelEnv, agent: str, info: dict) -> np.ndarray:
    return env.action_space(agent).sample(mask=env.encoding.split_mask(info["action_mask"]))


def run_episode(env: GridlockParallelEnv, seed: int, masked: bool = True) -> dict:
    """Random actions (within the masks or not) for a whole game; totals for the checks."""
    obs, infos = env.reset(seed=seed)
    for i, a in enumerate(env.possible_agents):
        env.action_space(a).seed(seed * 100 + i)
    totals = {"orders": 0, "rejected": 0, "rewards": {a: 0.0 for a in env.possible_agents}, "quarters": 0}
    while env.agents:
        actions = {a: masked_sample(env, a, infos[a]) if masked else env.action_space(a).sample() for a in env.agents}
        totals["orders"] += sum(len(env.encoding.decode(env.game.view(a), actions[a])) for a in env.agents)
        obs, rewards, terms, truncs, infos = env.step(actions)
        totals["quarters"] += 1
        totals["rejected"] += sum(i["rejected_orders"] for i in infos.values())
        for a, r in rewards.items():
            totals["rewards"][a] += r
    totals["final"] = {row.id: row.score for row in env.game.result().standings}
    return totals


# ---- conformance ------------------------------------------------------------------------------


def test_parallel_env_passes_pettingzoo_parallel_api_test_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PettingZoo reports most API slips as warnings
        parallel_api_test(GridlockParallelEnv("tutorial"), num_cycles=12)


def test_parallel_env_passes_pettingzoo_parallel_seed_test():
    parallel_seed_test(lambda: GridlockParallelEnv("tutorial"), num_cycles=12)


def test_parallel_env_with_a_bankruptcy_passes_the_api_test(deep_in_debt):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parallel_api_test(GridlockParallelEnv(deep_in_debt), num_cycles=12)


def test_single_agent_env_passes_gymnasium_check_env():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make("gridlock/Single-v0", scenario="tutorial", company="corecell")
        check_env(env.unwrapped, skip_render_check=False)


def test_single_agent_env_passes_check_env_for_a_hyperscaler_seat_with_a_named_opponent():
    env = gym.make("gridlock/Single-v0", scenario="tutorial", company="aurora", opponents={"nebula": "random"})
    check_env(env.unwrapped)


# ---- determinism ------------------------------------------------------------------------------


def test_same_seed_same_game_different_seed_different_game():
    a, b, c = (GridlockParallelEnv("tutorial") for _ in range(3))
    obs_a, _ = a.reset(seed=11)
    obs_b, _ = b.reset(seed=11)
    obs_c, _ = c.reset(seed=12)
    actions = {x: np.ones_like(a.encoding.nvec) for x in a.possible_agents}
    for _ in range(3):
        obs_a, rew_a, *_ = a.step(actions)
        obs_b, rew_b, *_ = b.step(actions)
        obs_c, rew_c, *_ = c.step(actions)
    assert all(np.array_equal(obs_a[x], obs_b[x]) for x in obs_a) and rew_a == rew_b
    assert any(not np.array_equal(obs_a[x], obs_c[x]) for x in obs_a)


def test_reset_without_seed_is_reproducible_and_moves_on():
    a, b = GridlockParallelEnv("tutorial"), GridlockParallelEnv("tutorial")
    a.reset(seed=3)
    b.reset(seed=3)
    a.reset()
    b.reset()
    assert a.game.seed == b.game.seed != 3


# ---- the observation, slot by slot ------------------------------------------------------------


def test_observation_slots_match_the_tutorial_file_by_hand(tutorial):
    env = GridlockParallelEnv(tutorial)
    obs, _ = env.reset(seed=5)
    x = dict(zip(env.encoding.observation_labels, obs["corecell"].tolist()))
    # CoreCell: $5,000M cash and $3,000M debt; a 180 MW ERCOT site plus a 100 MW ERCOT queue position
    assert x["me_cash"] == pytest.approx(math.log1p(5.0), abs=1e-6)
    assert x["me_debt"] == pytest.approx(math.log1p(3.0), abs=1e-6)
    assert x["me_archetype_neocloud"] == 1.0 and x["me_archetype_hyperscaler"] == 0.0
    assert x["me_power_gw"] == pytest.approx(0.28)
    assert x["me_free_power_gw"] == pytest.approx(0.10)
    assert x["region[ercot].me_online_gw"] == pytest.approx(0.18)
    assert x["region[pjm].me_power_gw"] == 0.0
    # ERCOT: 150 MW released a quarter, reserve $0.10M/MW, tier 2; liquid capex per grid MW:
    # $7.2M per MW of IT load / PUE 1.2 x 1.0 = $6.0M
    assert x["region[ercot].grid_release_gw"] == pytest.approx(0.15)
    assert x["region[ercot].grid_reserve_price"] == pytest.approx(0.10)
    assert x["region[ercot].latency_tier_per3"] == pytest.approx(2 / 3)
    assert x["region[ercot].capex_liquid_per10"] == pytest.approx(0.60)
    assert x["region[pjm].capex_liquid_per10"] == pytest.approx(0.63)  # x 1.05 in PJM
    assert x["region[nordics].gas_allowed"] == 0.0
    # chips: 40,000 GB300 and 30,000 B200 installed, 5,000 GB300 in inventory
    assert x["generation[gb300].me_installed_1e5"] == pytest.approx(0.40)
    assert x["generation[b200].me_installed_1e5"] == pytest.approx(0.30)
    assert x["generation[gb300].me_inventory_1e5"] == pytest.approx(0.05)
    assert x["generation[gb300].liquid_only"] == 1.0 and x["generation[asic1].custom"] == 1.0
    assert x["quarter_fraction"] == 0.0 and x["quarters_left_fraction"] == 1.0


def test_money_is_a_signed_log_of_billions():
    assert money(0) == 0
    assert money(1000) == pytest.approx(math.log(2))
    assert money(-1000) == pytest.approx(-math.log(2))


def test_observation_size_is_fixed_and_every_observation_is_in_its_space():
    env = GridlockParallelEnv("tutorial")
    obs, infos = env.reset(seed=2)
    space = env.observation_space("aurora")
    while env.agents:
        for a, x in obs.items():
            assert x.shape == (env.encoding.observation_size,) and x.dtype == np.float32
            assert space.contains(x)
        obs, _, _, _, infos = env.step({a: masked_sample(env, a, infos[a]) for a in env.agents})


def test_padded_slots_are_zero_and_their_choices_masked(tutorial):
    narrow = Encoding(tutorial)
    wide = Encoding(tutorial, region_slots=6, generation_slots=8)
    assert wide.observation_size == narrow.observation_size + 3 * narrow.region_width + 4 * narrow.generation_width
    env = GridlockParallelEnv(tutorial, region_slots=6, generation_slots=8)
    obs, infos = env.reset(seed=1)
    x = dict(zip(env.encoding.observation_labels, obs["aurora"].tolist()))
    pads = [k for k in x if "pad" in k]
    assert pads and all(x[k] == 0.0 for k in pads)
    for d, m in zip(env.encoding.dimensions, env.encoding.split_mask(infos["aurora"]["action_mask"])):
        if d.padding:
            assert m.tolist() == [1] + [0] * (len(m) - 1)


def test_fewer_slots_than_the_scenario_has_is_refused(tutorial):
    with pytest.raises(ValueError, match="region_slots"):
        Encoding(tutorial, region_slots=2)


# ---- masks and decoding -----------------------------------------------------------------------


def _masks(env: GridlockParallelEnv, info: dict) -> dict[str, list[int]]:
    return {d.label: m.tolist() for d, m in zip(env.encoding.dimensions, env.encoding.split_mask(info["action_mask"]))}


def test_masks_follow_the_rules_at_the_tutorial_start():
    env = GridlockParallelEnv("tutorial")
    _, infos = env.reset(seed=5)
    cc, au = _masks(env, infos["corecell"]), _masks(env, infos["aurora"])
    assert cc["build[ercot]"] == [1, 1, 1, 1]  # CoreCell holds a 100 MW queue position in ERCOT with no site on it
    assert cc["build[pjm]"] == [1, 0, 0, 0]  # and no power in PJM
    assert cc["gas[nordics]"] == [1, 0]  # no on-site gas in the Nordics
    assert cc["asic"] == [1, 0] and cc["smr"] == [1, 0]  # neo-clouds have neither special move
    assert au["asic"] == [1, 1] and au["smr"] == [1, 1]  # a hyperscaler has both
    assert cc["chips[asic1]"] == [1, 0, 0] and cc["apa[asic1]"] == [1, 0]  # custom silicon is not for sale
    assert cc["crews[ercot]"] == [1, 0, 0]  # nothing under construction yet
    # 6 MW of free IT load is less than the 5,000 GB300 (10.5 MW) already in its inventory
    assert cc["chips[b200]"] == [1, 0, 0]


def test_a_moratorium_masks_the_grid_bid_and_no_funds_masks_every_purchase():
    env = GridlockParallelEnv("tutorial")
    env.reset(seed=5)
    enc = env.encoding
    v = env.game.view("corecell")
    frozen_pjm = attrs.evolve(v, regions=tuple(attrs.evolve(r, moratorium=True, grid_release_mw=0.0) if r.id == "pjm" else r for r in v.regions))
    m = dict(zip([d.label for d in enc.dimensions], enc.split_mask(enc.mask(frozen_pjm))))
    assert m["power[pjm]"].tolist() == [1, 0, 0] and m["power[ercot]"].tolist() == [1, 1, 1]
    broke = attrs.evolve(v, me=attrs.evolve(v.me, cash_musd=0.0, borrow_headroom_musd=0.0))
    m = dict(zip([d.label for d in enc.dimensions], enc.split_mask(enc.mask(broke))))
    for label in ("power[ercot]", "gas[ercot]", "apa[b200]", "apa[gb300]", "finance"):
        assert m[label][1] == 0, label
    assert m["build[ercot]"].tolist() == [1, 1, 1, 1]  # starting a site on power you hold costs nothing now
    assert m["offer[ercot]"].tolist() == [1, 1, 1, 1]


def test_a_grid_bid_below_the_smallest_connection_is_masked():
    # PJM releases 6 MW: small = 25% = 1.5 MW, under the 2 MW a utility studies (the engine would
    # refuse it), so "small" is masked; large = 75% = 4.5 MW is allowed
    env = GridlockParallelEnv("tutorial")
    env.reset(seed=5)
    enc = env.encoding
    v = env.game.view("corecell")
    assert env.game.core.spec.rules.min_interconnect_award_mw == 2
    trickle = attrs.evolve(v, regions=tuple(attrs.evolve(r, grid_release_mw=6.0) if r.id == "pjm" else r for r in v.regions))
    m = dict(zip([d.label for d in enc.dimensions], enc.split_mask(enc.mask(trickle))))
    assert m["power[pjm]"].tolist() == [1, 0, 1]


def test_choices_decode_to_the_documented_orders():
    env = GridlockParallelEnv("tutorial")
    env.reset(seed=5)
    enc = env.encoding
    v = env.game.view("corecell")
    labels = [d.label for d in enc.dimensions]

    def act(choices: dict[str, int]) -> list:
        a = np.zeros_like(enc.nvec)
        for label, c in choices.items():
            a[labels.index(label)] = c
        return enc.decode(v, a)

    # ERCOT releases 150 MW at a $0.10M/MW reserve, nothing cleared yet: small = 25%, large = 75%, at reserve x 1.25
    assert act({"power[ercot]": 1}) == [o.BidInterconnect("ercot", 37.5, 0.125)]
    assert act({"power[ercot]": 2}) == [o.BidInterconnect("ercot", 112.5, 0.125)]
    assert act({"build[ercot]": 2}) == [o.StartSite("P8", "liquid", False)]
    assert act({"offer[ercot]": 1}) == [o.OfferCompute("ercot", round(v.price_index * 0.8, 4))]
    assert act({"finance": 1}) == [o.Borrow(math.floor(v.me.borrow_headroom_musd * 0.5 * 100) / 100)]
    assert act({}) == []


def test_a_malformed_action_is_refused_in_one_sentence():
    env = GridlockParallelEnv("tutorial")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="an action must be 29 whole numbers"):
        env.step({"aurora": np.full(29, 7)})
    with pytest.raises(ValueError, match="not live agents"):
        env.step({"nobody": np.zeros(29, dtype=np.int64)})


def test_unknown_companies_are_refused():
    with pytest.raises(ValueError, match="learners must be distinct companies"):
        GridlockParallelEnv("tutorial", learners=["acme"])
    with pytest.raises(ValueError, match="no company 'acme'"):
        GridlockSingleEnv("tutorial", "acme")


def test_masked_random_play_gives_few_rejected_orders(tutorial, baseline):
    """The smoke test: random agents within the masks play whole games. Measured: 0 rejections."""
    for spec, seeds in ((tutorial, range(4)), (baseline, range(1))):
        env = GridlockParallelEnv(spec)
        for seed in seeds:
            t = run_episode(env, seed)
            assert t["quarters"] == spec.game.quarters
            assert t["orders"] > 20 * t["quarters"]  # the random agents really do act
            assert t["rejected"] <= 0.01 * t["orders"], (spec.game.name, seed, t["rejected"], t["orders"])


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**20))
@example(seed=268)  # a 1.2 MW grid bid in PJM's last trickle of release, under the 2 MW minimum
def test_even_unmasked_choices_decode_only_to_accepted_orders(seed):
    t = run_episode(GridlockParallelEnv("tutorial"), seed, masked=False)
    assert t["orders"] > 0 and t["rejected"] == 0


# ---- rewards, termination, the other seats ----------------------------------------------------


def test_rewards_sum_to_the_change_in_score(tutorial):
    env = GridlockParallelEnv(tutorial)
    env.reset(seed=9)
    start = {row.id: row.score for row in env.game.result().standings}
    t = run_episode(env, 9)
    for a in env.possible_agents:
        assert t["rewards"][a] == pytest.approx(t["final"][a] - start[a], abs=1e-9)


@pytest.fixture(scope="module")
def deep_in_debt(tutorial):
    """The tutorial with Nebula owing $40bn and holding no cash: it goes bankrupt within the game."""
    d = scenario_to_dict(tutorial)
    d["companies"]["nebula"]["cash_musd"] = 0
    d["companies"]["nebula"]["debt_musd"] = 40000
    return scenario_from_dict(d)


def test_a_bankrupt_company_terminates_and_leaves_the_agents(deep_in_debt):
    env = GridlockParallelEnv(deep_in_debt)
    env.reset(seed=3)
    idle = np.zeros_like(env.encoding.nvec)
    ended_at = None
    while env.agents:
        _, _, terms, _, _ = env.step({a: idle for a in env.agents})
        if terms.get("nebula") and ended_at is None:
            ended_at = env.game.quarter
            assert not env.game.alive("nebula") and "nebula" not in env.agents
            assert env.agents == ["aurora", "corecell"]
        elif ended_at is not None:
            assert "nebula" not in terms  # never given anything once gone
    assert ended_at is not None and ended_at < deep_in_debt.game.quarters


def test_the_other_seats_play_their_scenario_agents(tutorial):
    """A learner that does nothing gives the same game as runner.play with an idle agent in its seat."""

    class Idle:
        name = "idle"

        def decide(self, view):
            return []

    env = GridlockSingleEnv(tutorial, "nebula")
    env.reset(seed=21)
    idle = np.zeros_like(env.encoding.nvec)
    done = False
    while not done:
        _, _, done, _, _ = env.step(idle)
    agents = seat_agents(tutorial, 21)
    agents["nebula"] = Idle()
    game, result = play(tutorial, 21, agents)
    ours = env.parallel.game.result()
    assert [(r.id, r.score) for r in ours.standings] == [(r.id, r.score) for r in result.standings]
    assert env.parallel.game.order_log == game.order_log


def test_single_env_exposes_the_mask_both_ways():
    env = GridlockSingleEnv("tutorial", "corecell")
    _, info = env.reset(seed=4)
    assert env.action_masks().tolist() == info["action_mask"].astype(bool).tolist()
    assert env.action_masks().shape == (env.encoding.mask_size,)


def test_rejected_orders_are_counted_in_the_info():
    """The rejection count the smoke test relies on does see a rejection when there is one."""

    env = GridlockParallelEnv("tutorial")
    env.reset(seed=0)
    env.encoding.decode = lambda view, action: [o.Borrow(1e6)]  # far beyond any covenant
    _, _, _, _, infos = env.step({a: np.zeros_like(env.encoding.nvec) for a in env.agents})
    assert all(i["rejected_orders"] == 1 for i in infos.values())


# ---- the documentation keeps up ---------------------------------------------------------------

DOC = (Path(__file__).resolve().parents[1] / "docs" / "rl.md").read_text(encoding="utf-8")


def test_every_observation_slot_and_action_choice_is_documented():
    names = [n for n, _ in GLOBAL_FEATURES + REGION_FEATURES + GENERATION_FEATURES]
    names += [kind for kind in FIXED_CHOICES] + [c for cs in FIXED_CHOICES.values() for c in cs]
    missing = [n for n in names if f"`{n}" not in DOC and f" {n}," not in DOC and f" {n} |" not in DOC]
    assert not missing, f"docs/rl.md does not mention {missing}"


@pytest.mark.parametrize("name", ["tutorial", "baseline"])
def test_documented_sizes_are_the_real_ones(name):
    spec = load_scenario(name)
    e = Encoding(spec)
    r, g, c, a = len(spec.regions), len(spec.generations), len(spec.cooling), len(spec.archetypes)
    assert e.observation_size == 42 + a + r * (24 + c) + g * 21
    assert len(e.nvec) == 5 * r + 2 * g + 6 and e.mask_size == r * (13 + c) + 5 * g + 15
    assert f"| {r} | {g} | {c} | {a} | {e.observation_size} | {len(e.nvec)} | {e.mask_size} |" in DOC


# ---- the command ------------------------------------------------------------------------------


def test_gridlock_rl_prints_the_layout_and_padding_reaches_the_baseline_sizes(capsys):
    from game.cli import main

    assert main(["rl", "--scenario", "tutorial", "--region-slots", "6", "--generation-slots", "12", "--json"]) == 0
    layout = json.loads(capsys.readouterr().out)
    base = Encoding(load_scenario("baseline"))
    assert (layout["observation_size"], layout["action_dimensions"], layout["mask_size"]) == (base.observation_size, len(base.nvec), base.mask_size)
    assert main(["rl"]) == 0
    out = capsys.readouterr().out
    assert "observation 209 float32 slots" in out and "region[ercot].grid_release_gw" in out and "power[ercot]" in out


def test_gridlock_rl_refuses_bad_input_in_one_line(capsys):
    from game.cli import main

    assert main(["rl", "--region-slots", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gridlock: region_slots must be") and "Traceback" not in err
    assert main(["rl", "--scenario", "no-such-scenario"]) == 2


def test_the_rl_adapter_imports_neither_textual_nor_rich():
    probe = "import sys, game.rl; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_a_live_agent_left_out_of_the_actions_gives_no_orders():
    env = GridlockParallelEnv("tutorial")
    env.reset(seed=6)
    env.step({"aurora": np.ones_like(env.encoding.nvec)})
    log = env.game.order_log[-1]
    assert "aurora" in log and "corecell" not in log and "nebula" not in log


def test_chips_coming_are_counted_as_the_built_in_agents_count_them():
    """The encoding sizes chip bids with the planners' survey: an agreement still owes every one of
    its remaining deliveries, not one quarter's (before, the encoding counted one quarter's)."""
    spec = load_scenario("baseline")
    game, _ = play(spec, 3, seat_agents(spec, 3), max_quarters=6)
    enc = Encoding(spec)
    views = [game.view(cid) for cid in spec.companies]
    v = next(v for v in views if any(a.quarters_left > 1 for a in v.me.agreements))
    kw = {g.id: g.power_kw for g in v.generations}
    one_quarter = sum(kw[g] * n for g, n in v.me.inventory.items()) + sum(kw[d.generation] * d.units for d in v.me.deliveries)
    one_quarter += sum(kw[a.generation] * a.units_per_quarter for a in v.me.agreements)
    coming = enc._lookup(v)[2]
    assert coming == survey(v).coming_kw
    assert coming > one_quarter

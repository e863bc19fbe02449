"""External bots: real processes speaking the JSON-lines protocol; every misbehaviour costs a quarter, not the game."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.agents import UnknownAgent, make_agent
from game.agents.external import BotFault, ExternalAgent, configure_bots
from game.cli import main
from game.engine import Game
from game.engine.rng import agent_seed
from game.model.orders import order_from_dict
from game.report import result_json, text_report
from game.runner import play, seat_agents
from game.saves import snapshot

REPO = Path(__file__).resolve().parents[1]
STEADY = REPO / "examples" / "bots" / "steady.py"
HARVESTER = REPO / "examples" / "bots" / "harvester.sh"
SEAT = "nebula"  # the tutorial company the test bots play
MARK = 1.2345  # the price a test bot offers at, to find its orders in the log

# A bot's skeleton: `answer` is the orders message it would send; each test's body decides
# what it actually does in quarter n (1, 2, …) of the current process.
SKELETON = """\
import json, os, subprocess, sys, time
company, n = None, 0
print("bot pid", os.getpid(), file=sys.stderr, flush=True)
def send(obj):
    sys.stdout.write(json.dumps(obj) + "\\n")
    sys.stdout.flush()
for line in sys.stdin:
    msg = json.loads(line)
    if msg["type"] == "hello":
        company = msg["company"]
        continue
    if msg["type"] != "view":
        break
    n += 1
    q = msg["quarter"]
    region = msg["view"]["regions"][0]["id"]
    answer = {"type": "orders", "company": company, "quarter": q, "orders": [{"type": "offer_compute", "region": region, "price_usd_per_h100e_hour": %r}]}
%s
    send(answer)
"""


def bot(tmp_path: Path, body: str, name: str = "bot.py") -> str:
    """A bot script in tmp_path; returns its seat spec."""
    path = tmp_path / name
    lines = "\n".join("    " + x for x in body.strip().splitlines()) if body.strip() else "    pass"
    path.write_text(SKELETON % (MARK, lines), encoding="utf-8")
    return f"cmd:{shlex.quote(sys.executable)} {shlex.quote(str(path))}"


def with_rules(spec, **rules):
    return attrs.evolve(spec, rules=attrs.evolve(spec.rules, **rules))


def run(spec, seat_spec: str, tmp_path: Path, seed: int = 0, **kw):
    agents = seat_agents(spec, seed, {SEAT: seat_spec})
    configure_bots(agents, log_dir=tmp_path / "logs", **kw)
    game, result = play(spec, seed, agents)
    return game, result, agents


def answered(game: Game, cid: str = SEAT) -> list[int]:
    """Quarter indexes in which the company's marked orders reached the engine."""
    return [i for i, q in enumerate(game.order_log) for x in q.get(cid, []) if isinstance(x, dict) and x.get("price_usd_per_h100e_hour") == MARK]


def rejected(game: Game) -> list:
    return [(rep.quarter, rep.company, r) for q in game.private_reports for rep in q.values() for r in rep.rejected]


def dead(pid: int, wait_s: float = 2.0) -> bool:
    """Gone, or a zombie awaiting a reaper that is not ours (the bot's own children are
    reparented), within a moment: a SIGKILLed process takes a little while to die."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def logged_pids(log: Path) -> list[int]:
    return [int(line.split()[-1]) for line in log.read_text().splitlines() if line.startswith("bot pid ")]


def assert_reported(game, result, agents, tmp_path, kinds: list[str]) -> None:
    """The game finished, the report names each fault, and the bot's stderr log exists."""
    assert game.finished and result.quarters_played == game.spec.game.quarters
    bot_ = agents[SEAT]
    assert [f.kind for f in bot_.faults] == kinds
    report = text_report(game, result, agents)
    assert "\nBots (" in report
    for f in bot_.faults:
        assert f"{f.quarter} {f.kind}: {f.detail}" in report
    log = tmp_path / "logs" / f"{SEAT}.log"
    assert log.exists() and "bot pid" in log.read_text()
    alive = [pid for pid in logged_pids(log) if not dead(pid)]
    assert alive == [], log.read_text()
    assert result_json(game, result, agents)["bots"][0]["faults"][0]["kind"] == kinds[0]


# ---- the example bots ------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["tutorial", "baseline"])
def test_the_python_example_bot_plays_every_seat_of_a_whole_game_without_a_rejected_order(scenario, tmp_path):
    from game.scenario import load_scenario

    spec = load_scenario(scenario)
    agents = seat_agents(spec, 0, {cid: f"cmd:{shlex.quote(sys.executable)} {shlex.quote(str(STEADY))}" for cid in spec.companies})
    configure_bots(agents, log_dir=tmp_path)
    game, result = play(spec, 0, agents)
    assert game.finished and rejected(game) == []
    assert all(a.faults == [] and a.starts == 1 for a in agents.values())
    kinds = {x["type"] for q in game.order_log for xs in q.values() for x in xs}
    assert {"start_site", "bid_crews", "bid_chips", "offer_compute", "bid_rfp"} <= kinds
    assert scenario == "tutorial" or "bid_interconnect" in kinds  # the tutorial is too short for new grid power to pay
    assert all("finished #" in (tmp_path / f"{cid}.log").read_text() for cid in spec.companies)  # it got the result
    assert "\nBots (" not in text_report(game, result, agents)


def test_the_shell_example_bot_offers_its_capacity_at_nine_tenths_of_the_index_every_quarter(tutorial, tmp_path):
    game, result, agents = run(tutorial, f"cmd:sh {shlex.quote(str(HARVESTER))}", tmp_path)
    assert agents[SEAT].faults == [] and rejected(game) == []
    # replay its orders, checking each against the rule worked out from the view it saw
    check = Game(tutorial, 0)
    for q in game.order_log:
        v = check.view(SEAT)
        regions = sorted({s.region for s in v.me.sites if s.stage == "online" and s.installed})
        want = [{"type": "offer_compute", "region": r, "price_usd_per_h100e_hour": round(v.price_index * 0.9, 4)} for r in regions]
        assert q.get(SEAT, []) == want
        check.step(q)
    assert any(game.order_log[i].get(SEAT) for i in range(len(game.order_log)))


def test_a_bots_game_is_exactly_the_game_of_its_orders_given_directly(tutorial, tmp_path):
    seat = f"cmd:{shlex.quote(sys.executable)} {shlex.quote(str(STEADY))}"
    game, result, _ = run(tutorial, seat, tmp_path)
    again, result2, _ = run(tutorial, seat, tmp_path)
    assert again.order_log == game.order_log and result2 == result
    direct = Game(tutorial, 0)
    for q in game.order_log:
        direct.step({cid: [order_from_dict(x) if isinstance(x, dict) else x for x in xs] for cid, xs in q.items()})
    assert snapshot(direct) == snapshot(game)


# ---- misbehaviour ----------------------------------------------------------------------------------


def test_a_bot_that_crashes_is_restarted_and_retired_after_its_third_crash(tutorial, tmp_path):
    # each process crashes in its second quarter: 2026Q2, then (restarted in Q3) 2026Q4, then 2027Q2
    game, result, agents = run(tutorial, bot(tmp_path, "if n == 2: sys.exit(3)"), tmp_path)
    assert_reported(game, result, agents, tmp_path, ["crash"] * 3)
    b = agents[SEAT]
    assert [f.quarter for f in b.faults] == ["2026Q2", "2026Q4", "2027Q2"] and b.retired == "2027Q2"
    assert b.faults[0].detail == "exited with code 3" and b.starts == 3
    assert answered(game) == [0, 2, 4]  # nothing after it was retired
    assert any(r["order"] == "(all)" and "crash" in r["reason"] for r in game.private_reports[1][SEAT].rejected)


def test_a_bot_that_hangs_times_out_and_is_killed_with_its_children(tutorial, tmp_path):
    body = """
if n == 2:
    child = subprocess.Popen(["sleep", "600"])
    print("bot pid", child.pid, file=sys.stderr, flush=True)
    time.sleep(600)
"""
    game, result, agents = run(with_rules(tutorial, bot_quarter_time_limit_s=0.5), bot(tmp_path, body), tmp_path)
    assert_reported(game, result, agents, tmp_path, ["timeout"] * 3)  # each fresh process hangs in its 2nd quarter
    assert agents[SEAT].faults[0].detail == "no orders within 0.5 s"
    assert len(logged_pids(tmp_path / "logs" / f"{SEAT}.log")) == 6  # three bots, three sleeping children: all dead


def test_the_command_line_timeout_overrides_the_scenario(tutorial, tmp_path):
    # the first quarter after a start has the startup allowance on top, so a slow start is no fault
    game, result, agents = run(tutorial, bot(tmp_path, "if n <= 2: time.sleep(0.5)"), tmp_path, time_limit_s=0.2)
    # each (re)started process sleeps through its first two quarters: only the second is a fault
    assert [(f.quarter, f.kind, f.detail) for f in agents[SEAT].faults] == [(q, "timeout", "no orders within 0.2 s") for q in ("2026Q2", "2026Q4", "2027Q2")]


def test_a_bot_that_prints_garbage_loses_that_quarter_and_its_late_answer_is_skipped(tutorial, tmp_path):
    game, result, agents = run(tutorial, bot(tmp_path, 'if n == 2: print("thinking...", flush=True)'), tmp_path)
    assert_reported(game, result, agents, tmp_path, ["garbage"])
    b = agents[SEAT]
    assert b.faults[0].quarter == "2026Q2" and "'thinking...'" in b.faults[0].detail and b.starts == 1
    assert answered(game) == [0, 2, 3, 4, 5, 6, 7]
    assert "skipped a late answer for 2026Q2" in (tmp_path / "logs" / f"{SEAT}.log").read_text()


@pytest.mark.parametrize(
    "line, detail",
    [
        ("[1, 2, 3]", "expected an orders message"),
        ('{"type": "order", "orders": []}', "expected an orders message"),
        ('{"type": "orders", "company": "nebula", "quarter": "%s", "orders": {"type": "borrow"}}', '"orders" must be a list'),
        ("\u00ff\u00fe not json", "not JSON"),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),
        ('{"type": "orders", "company": "nebula", "quarter": ["2026Q1"], "orders": []}', "orders for quarter ['2026Q1']"),
    ],
    # short ids: pytest puts the test id in PYTEST_CURRENT_TEST, and a 200 kB id makes the
    # environment too big to start the bot process at all (E2BIG), a crash instead of garbage
    ids=["list", "wrong_type", "orders_not_a_list", "bad_bytes", "deep_nesting", "quarter_as_list"],
)
def test_malformed_messages_are_garbage_and_the_bot_plays_no_more_when_one_fault_is_the_limit(tutorial, tmp_path, line, detail):
    body = f"if n == 1:\n    answer = None\n    print({line!r} % q if '%s' in {line!r} else {line!r}, flush=True)\n    continue"
    game, result, agents = run(with_rules(tutorial, bot_max_faults=1), bot(tmp_path, body), tmp_path)
    assert_reported(game, result, agents, tmp_path, ["wrong_quarter" if "quarter" in detail else "garbage"])
    assert detail in agents[SEAT].faults[0].detail and agents[SEAT].retired == "2026Q1"
    assert answered(game) == []


def test_orders_for_another_company_are_a_fault_and_reach_no_one(tutorial, tmp_path):
    game, result, agents = run(tutorial, bot(tmp_path, 'if n == 2: answer["company"] = "aurora"'), tmp_path)
    assert_reported(game, result, agents, tmp_path, ["wrong_company"])
    assert agents[SEAT].faults[0].detail == "orders for 'aurora', but this bot plays 'nebula'"
    assert answered(game) == [0, 2, 3, 4, 5, 6, 7] and answered(game, "aurora") == []


def test_orders_for_a_quarter_never_asked_are_a_fault(tutorial, tmp_path):
    game, result, agents = run(tutorial, bot(tmp_path, 'if n == 3: answer["quarter"] = "2031Q1"'), tmp_path)
    assert_reported(game, result, agents, tmp_path, ["wrong_quarter"])
    assert agents[SEAT].faults[0].quarter == "2026Q3" and answered(game) == [0, 1, 3, 4, 5, 6, 7]


def test_a_bot_that_floods_stdout_is_cut_off_and_restarted(tutorial, tmp_path):
    game, result, agents = run(tutorial, bot(tmp_path, 'if n == 2:\n    sys.stdout.write("x" * 10_000_000 + "\\n"); sys.stdout.flush()'), tmp_path)
    # each (re)started process floods in its second quarter
    assert_reported(game, result, agents, tmp_path, ["flood"] * 3)
    b = agents[SEAT]
    assert b.faults[0].quarter == "2026Q2" and "more than 1,048,576 bytes" in b.faults[0].detail
    assert answered(game) == [0, 2, 4]  # restarted in 2026Q3 and played it


def test_a_bot_chattering_on_stderr_is_not_at_fault_and_its_log_is_capped(tutorial, tmp_path):
    from game.agents.external import STDERR_LOG_MAX_BYTES

    game, result, agents = run(tutorial, bot(tmp_path, 'if n == 1: sys.stderr.write("y" * 12_000_000); sys.stderr.flush()'), tmp_path)
    assert agents[SEAT].faults == [] and answered(game) == list(range(8))
    log = (tmp_path / "logs" / f"{SEAT}.log").read_bytes()
    assert STDERR_LOG_MAX_BYTES < len(log) < STDERR_LOG_MAX_BYTES + 1000 and b"the rest of it is dropped" in log
    assert log.rstrip().endswith(b"bot exited with code 0")  # Gridlock's own notes are still kept


def test_a_retired_seat_plays_no_more_orders_and_its_process_is_gone(tutorial, tmp_path):
    spec = with_rules(tutorial, bot_max_faults=2)
    game, result, agents = run(spec, bot(tmp_path, 'if n >= 3: answer["company"] = "x"'), tmp_path)
    assert_reported(game, result, agents, tmp_path, ["wrong_company"] * 2)
    assert agents[SEAT].retired == "2026Q4" and answered(game) == [0, 1]
    assert "retired in 2026Q4, no orders after that" in text_report(game, result, agents)


def test_bots_are_torn_down_when_the_game_is_interrupted(tutorial, tmp_path):
    class Interrupting:
        name = "interrupting"

        def decide(self, view):
            if view.quarter == 2:
                raise KeyboardInterrupt
            return []

    agents = seat_agents(tutorial, 0, {SEAT: bot(tmp_path, "")})
    agents["aurora"] = Interrupting()
    configure_bots(agents, log_dir=tmp_path / "logs")
    with pytest.raises(KeyboardInterrupt):
        play(tutorial, 0, agents)
    pids = logged_pids(tmp_path / "logs" / f"{SEAT}.log")
    assert len(pids) == 1 and dead(pids[0])


def test_a_fault_raised_from_decide_names_its_kind(tutorial, tmp_path):
    a = make_agent(bot(tmp_path, "sys.exit(0)"), agent_seed(0, 2))
    configure_bots({SEAT: a}, log_dir=tmp_path)
    a.start(tutorial, SEAT)
    try:
        with pytest.raises(BotFault, match="crash: exited with code 0"):
            a.decide(Game(tutorial, 0).view(SEAT))
    finally:
        a.close(None)


def test_a_bot_program_that_does_not_exist_is_refused_at_once(tmp_path):
    with pytest.raises(UnknownAgent, match="does not exist"):
        make_agent(f"cmd:{tmp_path}/nobot --x", agent_seed(0, 0))
    with pytest.raises(UnknownAgent, match="not on PATH"):
        make_agent("cmd:no-such-bot-program-anywhere", agent_seed(0, 0))
    with pytest.raises(UnknownAgent, match="needs a command"):
        make_agent("cmd:  ", agent_seed(0, 0))
    script = tmp_path / "plain.py"
    script.write_text("")
    with pytest.raises(UnknownAgent, match="not executable"):
        make_agent(f"cmd:{script}", agent_seed(0, 0))


def test_each_seat_gets_its_own_seed_from_the_game_seed(tmp_path):
    spec = f"cmd:{shlex.quote(sys.executable)} {shlex.quote(str(STEADY))}"
    seeds = [ExternalAgent.from_spec(spec, agent_seed(s, i)).seed for s in (0, 1) for i in (0, 1)]
    assert len(set(seeds)) == 4 and seeds[0] == ExternalAgent.from_spec(spec, agent_seed(0, 0)).seed


# ---- the command line ------------------------------------------------------------------------------


def test_gridlock_run_seats_a_bot_and_reports_its_faults(tmp_path, capsys):
    seat = bot(tmp_path, "if n == 2: time.sleep(5)")
    code = main(["run", "--scenario", "tutorial", "--seat", f"{SEAT}={seat}", "--bot-timeout", "0.5", "--bot-log-dir", str(tmp_path / "logs")])
    out = capsys.readouterr().out
    assert code == 0 and "Bots (" in out and "2026Q2 timeout: no orders within 0.5 s" in out
    assert (tmp_path / "logs" / f"{SEAT}.log").exists()
    code = main(["run", "--scenario", "tutorial", "--quarters", "1", "--json", "--seat", f"{SEAT}={seat}", "--bot-log-dir", str(tmp_path / "logs")])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["bots"] == [{"company": SEAT, "agent": seat, "starts": 1, "faults": [], "retired": "", "log": str(tmp_path / "logs" / f"{SEAT}.log")}]


@pytest.mark.parametrize("value, message", [("0", "between 0.01 and 3600"), ("soon", "number of seconds")])
def test_gridlock_run_refuses_a_bad_bot_timeout_with_exit_2(value, message, capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "--scenario", "tutorial", "--bot-timeout", value])
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_gridlock_run_refuses_a_missing_bot_program_with_exit_2(capsys):
    assert main(["run", "--scenario", "tutorial", "--seat", "nebula=cmd:./no/such/bot --fast"]) == 2
    assert "gridlock: bot program './no/such/bot' does not exist" in capsys.readouterr().err


def test_the_scenario_rejects_out_of_range_bot_rules(scenarios_dir, tmp_path):
    from game.scenario import ScenarioError, load_scenario

    text = (scenarios_dir / "tutorial.toml").read_text().replace("bot_quarter_time_limit_s = 2.0", "bot_quarter_time_limit_s = -1").replace("bot_max_faults = 3", "bot_max_faults = 0")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    text = "\n".join(e.value.problems)
    assert "bot_quarter_time_limit_s" in text and "bot_max_faults" in text


def test_no_bot_process_outlives_the_tests(tmp_path):
    # the finalizer reaps a bot whose agent is dropped without close()
    a = make_agent(bot(tmp_path, ""), agent_seed(0, 2))
    from game.scenario import load_scenario

    configure_bots({SEAT: a}, log_dir=tmp_path)
    a.start(load_scenario("tutorial"), SEAT)
    pid = a._proc.pid
    del a
    import gc

    gc.collect()
    assert dead(pid)
    assert os.path.exists(tmp_path / f"{SEAT}.log")


def test_the_bot_module_is_headless():
    from test_headless import ui_modules_after_importing

    assert ui_modules_after_importing("game.agents.external") == []


def test_a_saved_bot_game_continues_with_the_bot_started_afresh(tmp_path, capsys):
    seat = f"{SEAT}=cmd:{shlex.quote(sys.executable)} {shlex.quote(str(STEADY))}"
    logs = ["--bot-log-dir", str(tmp_path / "logs")]
    assert main(["run", "--scenario", "tutorial", "--json", "--seat", seat, *logs]) == 0
    whole = json.loads(capsys.readouterr().out)
    save = tmp_path / "g.json"
    assert main(["run", "--scenario", "tutorial", "--quarters", "3", "--save", str(save), "--seat", seat, *logs]) == 0
    capsys.readouterr()
    # the save names the bot, but only the person loading it may start a program
    assert main(["run", "--load", str(save), "--json", *logs]) == 2
    assert f"seats {SEAT} with" in (err := capsys.readouterr().err) and "not a built-in agent" in err
    assert main(["run", "--load", str(save), "--json", "--seat", seat, *logs]) == 0
    resumed = json.loads(capsys.readouterr().out)
    assert resumed["standings"] == whole["standings"]  # steady keeps no memory, so nothing is lost
    log = (tmp_path / "logs" / f"{SEAT}.log").read_text()
    assert "playing nebula (start 1)" in log and "2026Q4: " in log and "2026Q3: " not in log


ECHO = """\
import sys
sys.stdin.readline(); sys.stdin.readline()  # the hello and the first view
sys.stdout.buffer.write(open(sys.argv[1], "rb").read() + b"\\n")
sys.stdout.flush()
"""
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["orders", "order", "view"]) | json_values,
        "company": st.sampled_from([SEAT, "aurora"]) | json_values,
        "quarter": st.sampled_from(["2026Q1", "2026Q2"]) | json_values,
        "orders": st.lists(json_values, max_size=3) | json_values,
    },
).map(lambda d: json.dumps(d).encode())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=envelopes | st.binary(max_size=300).filter(lambda b: b"\n" not in b))
def test_whatever_a_bot_writes_it_either_plays_its_orders_or_faults_with_a_reason(tutorial, tmp_path, payload):
    script, data = tmp_path / "echo.py", tmp_path / "payload"
    script.write_text(ECHO)
    data.write_bytes(payload)
    a = make_agent(f"cmd:{shlex.quote(sys.executable)} {shlex.quote(str(script))} {shlex.quote(str(data))}", agent_seed(0, 2))
    configure_bots({SEAT: a}, log_dir=tmp_path / "logs")
    a.start(tutorial, SEAT)
    try:
        orders = a.decide(Game(tutorial, 0).view(SEAT))
    except BotFault as e:
        assert e.fault.kind in ("garbage", "wrong_company", "wrong_quarter", "crash") and e.fault.detail
        if payload.strip() == b"":
            assert e.fault.kind == "crash"  # a blank line is no answer; then the bot exits
    else:
        msg = json.loads(payload)
        assert (msg["type"], msg["company"], msg["quarter"]) == ("orders", SEAT, "2026Q1") and orders == msg["orders"]
    finally:
        a.close(None)


def test_a_scenario_file_cannot_seat_a_bot_process(tutorial, tmp_path):
    company = attrs.evolve(tutorial.companies[SEAT], agent=f"cmd:{tmp_path}/payload.sh")
    spec = attrs.evolve(tutorial, companies={**tutorial.companies, SEAT: company})
    with pytest.raises(ValueError, match="not a built-in agent"):
        seat_agents(spec, 0)
    assert seat_agents(spec, 0, {SEAT: "random"})[SEAT].name == "random"

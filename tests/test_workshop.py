"""Workshop core: codes, the command log, replay to the identical room, clocks, injects, seats, rewinds."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from game.saves import load_game
from game.workshop import codes
from game.workshop.folder import Workshop
from game.workshop.room import CommandError
from game.workshop.store import CommandLog, LogError
from workshop_helpers import REPO, new_workshop

F = {"role": "facilitator"}


def team(cid: str) -> dict:
    return {"role": "team", "team": cid}


class Clock:
    """Wall time that moves only when a test says so (after the creation's real time)."""

    def __init__(self):
        self.t = time.time() + 1000.0

    def __call__(self) -> float:
        return self.t


def test_codes_are_typeable_and_unambiguous():
    for _ in range(200):
        code = codes.new_code()
        raw = codes.normalise(code)
        assert len(raw) == codes.CODE_LENGTH
        assert not set(raw) & set("0o1liI")
    salt = codes.new_salt()
    c = codes.new_code()
    # a code typed in capitals, with spaces instead of the dash, still matches
    assert codes.matches(salt, c.upper().replace("-", " "), codes.code_hash(salt, c))
    assert not codes.matches(codes.new_salt(), c, codes.code_hash(salt, c))  # another workshop's salt


def test_new_prints_codes_as_json_and_stores_only_hashes(tmp_path):
    folder = tmp_path / "ws"
    out = subprocess.run([sys.executable, "-m", "game", "workshop", "new", str(folder), "--scenario", "tutorial", "--seed", "5", "--teams", "aurora,corecell", "--agents", "nebula=random", "--json"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    plain = json.loads(out.stdout)
    assert set(plain) == {"facilitator", "observer", "teams"} and set(plain["teams"]) == {"aurora", "corecell"}
    raw = (folder / "workshop.sqlite").read_bytes()
    for code in [plain["facilitator"], plain["observer"], *plain["teams"].values()]:
        assert code.encode() not in raw and codes.normalise(code).encode() not in raw
    room = Workshop(folder).room
    assert room.who(plain["teams"]["corecell"]).company == "corecell"
    assert room.seats == {"aurora": "human", "corecell": "human", "nebula": "random"}


@pytest.mark.parametrize("args, words", [
    (["--teams", "aurora,nope"], "no company 'nope'"),
    (["--teams", "aurora", "--agents", "aurora=random"], "both as a team and as an agent"),
    (["--teams", "aurora", "--agents", "corecell=cmd:rm -rf /"], "unknown agent"),
])
def test_new_refuses_bad_input_with_a_sentence(tmp_path, args, words):
    out = subprocess.run([sys.executable, "-m", "game", "workshop", "new", str(tmp_path / "w"), "--scenario", "tutorial", "--seed", "1", *args], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 2 and words in out.stderr and "Traceback" not in out.stderr


def test_a_folder_without_a_workshop_is_refused(tmp_path):
    with pytest.raises(LogError, match="no workshop here"):
        Workshop(tmp_path)
    new_workshop(tmp_path / "w")
    with pytest.raises(LogError, match="already holds a workshop"):
        new_workshop(tmp_path / "w")


def play_some(w: Workshop) -> None:
    w.submit({**team("aurora"), "kind": "draft", "quarter": 0, "orders": [{"type": "borrow", "musd": 120}]})
    w.submit({**team("corecell"), "kind": "draft", "quarter": 0, "orders": [{"type": "borrow", "musd": 80}, {"type": "nonsense"}]})
    w.submit({**team("aurora"), "kind": "ready", "quarter": 0})
    w.submit({**F, "kind": "inject", "event": "heat_wave", "target": "ercot"})
    w.submit({**F, "kind": "message", "text": "Ten minutes left", "to": None})
    w.submit({**F, "kind": "advance", "late": "repeat"})
    w.submit({**F, "kind": "seat", "company": "corecell", "agent": "random"})
    w.submit({**team("aurora"), "kind": "draft", "quarter": 1, "orders": [{"type": "repay", "musd": 10}]})
    w.submit({**F, "kind": "advance", "late": "agent"})
    w.submit({**F, "kind": "timer", "seconds": 300})
    w.submit({**F, "kind": "pause"})


def test_a_reopened_workshop_is_the_identical_room(tmp_path):
    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    play_some(w)
    before = (w.room.digest(), w.room.game_digest(), [(e.seq, e.audience, e.body) for e in w.room.events], w.room.drafts)
    w.close()
    again = Workshop(tmp_path / "w")
    after = (again.room.digest(), again.room.game_digest(), [(e.seq, e.audience, e.body) for e in again.room.events], again.room.drafts)
    assert after == before
    assert again.room.seats["corecell"] == "random"


def test_the_save_written_at_each_quarter_end_replays_the_game_with_its_injects(tmp_path):
    """`gridlock run --load` of the workshop's save reproduces it: the live inject is in its scenario."""
    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    play_some(w)
    game, data = load_game(tmp_path / "w" / "autosave.json")
    assert any(i["event"] == "heat_wave" and i["target"] == "ercot" for i in data["scenario"]["injects"])
    assert game.quarter == w.room.quarter == 2
    assert data["checksum"] == w.room.game_digest()


def test_the_clock_is_extended_by_the_downtime(tmp_path):
    new_workshop(tmp_path / "w")
    clock = Clock()
    w = Workshop(tmp_path / "w", clock)
    w.submit({**F, "kind": "timer", "seconds": 100})
    clock.t += 10
    w.alive()  # the server's last sign of life: 10 s into the quarter
    assert w.room.timer.left(clock.t, False) == 90
    w.close()
    clock.t += 60  # a minute down
    again = Workshop(tmp_path / "w", clock)
    assert again.room.timer.left(clock.t, again.room.paused) == pytest.approx(90)
    again.close()
    clock.t += 30  # down again at once: both downtimes stay given back after a third start
    third = Workshop(tmp_path / "w", clock)
    assert third.room.timer.left(clock.t, third.room.paused) == pytest.approx(90)


def test_a_paused_clock_does_not_run(tmp_path):
    new_workshop(tmp_path / "w")
    clock = Clock()
    w = Workshop(tmp_path / "w", clock)
    w.submit({**F, "kind": "timer", "seconds": 60})
    clock.t += 20
    w.submit({**F, "kind": "pause"})
    clock.t += 500
    assert w.room.timer.left(clock.t, True) == 40 and not w.room.timer_expired(clock.t)
    w.submit({**F, "kind": "resume"})
    clock.t += 41
    assert w.room.timer_expired(clock.t)


def test_an_edit_clears_ready_and_the_last_ready_team_ends_the_quarter(tmp_path):
    new_workshop(tmp_path / "w", teams=["aurora", "corecell"])
    w = Workshop(tmp_path / "w")
    w.submit({**team("aurora"), "kind": "ready", "quarter": 0})
    w.submit({**team("aurora"), "kind": "draft", "quarter": 0, "orders": []})
    assert not w.room.ready.get("aurora")
    w.submit({**team("aurora"), "kind": "ready", "quarter": 0})
    answer = w.submit({**team("corecell"), "kind": "ready", "quarter": 0})
    assert answer["advanced"] and w.room.quarter == 1


def test_late_policies(tmp_path):
    """none: nothing; repeat: last quarter's orders; agent: the default agent's; draft: the draft."""
    new_workshop(tmp_path / "w", teams=["aurora", "corecell"])
    w = Workshop(tmp_path / "w")
    borrow = [{"type": "borrow", "musd": 50}]
    w.submit({**team("aurora"), "kind": "draft", "quarter": 0, "orders": borrow})
    w.submit({**F, "kind": "advance", "late": "draft"})
    log = w.room.session.game.order_log
    assert log[0]["aurora"] == borrow and "corecell" not in log[0]
    w.submit({**team("corecell"), "kind": "draft", "quarter": 1, "orders": borrow})
    w.submit({**F, "kind": "advance", "late": "repeat"})
    assert log[1]["aurora"] == borrow and "corecell" not in log[1]  # corecell's draft is not played
    w.submit({**F, "kind": "advance", "late": "agent"})
    assert log[2].get("aurora")  # the hyperscaler agent always orders something
    w.submit({**team("aurora"), "kind": "draft", "quarter": 3, "orders": borrow})
    w.submit({**F, "kind": "advance", "late": "none"})
    assert "aurora" not in log[3]


def test_a_stale_quarter_is_409_and_a_team_acts_only_for_itself(tmp_path):
    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    with pytest.raises(CommandError) as e:
        w.submit({**team("aurora"), "kind": "draft", "quarter": 1, "orders": []})
    assert e.value.status == 409
    with pytest.raises(CommandError) as e:
        w.submit({**team("aurora"), "kind": "draft", "quarter": 0, "orders": [], "for": "corecell"})
    assert e.value.status == 403
    with pytest.raises(CommandError) as e:
        w.submit({**team("aurora"), "kind": "advance"})
    assert e.value.status == 403
    assert w.log.count() == 1  # the creation alone: nothing refused was logged


def test_a_retried_request_is_done_once(tmp_path):
    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    cmd = {**team("aurora"), "kind": "draft", "quarter": 0, "orders": [], "request_id": "r1"}
    first = w.submit(cmd)
    assert w.submit(cmd) == first and w.room.draft("aurora")["version"] == 1
    w.close()
    again = Workshop(tmp_path / "w")  # and after a restart too
    assert again.submit(cmd) == first and again.room.draft("aurora")["version"] == 1


def test_a_deck_inject_fires_now_in_public_and_a_written_one_can_go_to_one_team(tmp_path):
    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    w.submit({**F, "kind": "inject", "event": "heat_wave", "target": "ercot"})
    assert any("Heat wave" in line for line in w.room.session.game.core.world.news)
    w.submit({**F, "kind": "inject", "text": "Your CFO resigns", "to": "corecell"})
    room = w.room
    ev = [e for e in room.events if e.body.get("text") == "Your CFO resigns"]
    assert [e.audience for e in ev] == ["company:corecell"]
    assert all(m["text"] != "Your CFO resigns" for m in room.public()["messages"])
    with pytest.raises(CommandError, match="public"):
        w.submit({**F, "kind": "inject", "event": "heat_wave", "target": "ercot", "to": "aurora"})
    with pytest.raises(CommandError, match="target"):
        w.submit({**F, "kind": "inject", "event": "heat_wave", "target": "atlantis"})


def test_a_seat_swap_takes_effect_at_the_quarter_boundary(tmp_path):
    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    w.submit({**F, "kind": "seat", "company": "nebula", "agent": "neocloud"})
    assert w.room.seats["nebula"] == "human"  # this quarter is still the team's
    w.submit({**F, "kind": "advance"})
    assert w.room.seats["nebula"] == "neocloud"
    with pytest.raises(CommandError) as e:
        w.submit({**team("nebula"), "kind": "draft", "quarter": 1, "orders": []})
    assert e.value.status == 403
    w.submit({**F, "kind": "seat", "company": "nebula", "agent": None})
    w.submit({**F, "kind": "advance"})
    assert w.room.seats["nebula"] == "human" and w.room.session.game.order_log[1].get("nebula")


def test_a_rewind_keeps_the_abandoned_branch_and_says_whose_work_it_discards(tmp_path):
    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    w.submit({**team("aurora"), "kind": "draft", "quarter": 0, "orders": [{"type": "borrow", "musd": 10}]})
    w.submit({**F, "kind": "advance"})
    at_one = w.room.game_digest()
    w.submit({**F, "kind": "inject", "event": "heat_wave", "target": "ercot"})
    w.submit({**team("corecell"), "kind": "draft", "quarter": 1, "orders": [{"type": "borrow", "musd": 10}]})
    w.submit({**F, "kind": "advance"})
    w.submit({**team("nebula"), "kind": "draft", "quarter": 2, "orders": [{"type": "borrow", "musd": 10}]})
    answer = w.submit({**F, "kind": "rewind", "quarter": 1})
    assert [q["teams"] for q in answer["discarded"]["quarters"]] == [["corecell"]]
    assert answer["discarded"]["drafts"] == ["nebula"]
    assert w.room.quarter == 1 and w.room.game_digest() == at_one  # the inject of quarter 1 went with its branch
    assert w.room.branches[0]["orders"][0]["corecell"] == [{"type": "borrow", "musd": 10}]
    commands = [c["kind"] for c in w.log.commands()]
    assert commands.count("advance") == 2 and commands[-1] == "rewind"  # append-only: nothing removed


def test_a_log_that_does_not_start_with_a_creation_is_refused(tmp_path):
    log = CommandLog(tmp_path / "w", create=True)
    log.append({"kind": "pause", "at": 1.0})
    log.close()
    with pytest.raises(LogError, match="does not replay"):
        Workshop(tmp_path / "w")


def test_hostile_commands_are_refused_not_crashed(tmp_path):
    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    bad = [
        {**team("aurora"), "kind": "draft", "quarter": 0, "orders": "borrow"},
        {**team("aurora"), "kind": "draft", "quarter": 0, "orders": [1, 2]},
        {**team("aurora"), "kind": "draft", "quarter": True, "orders": []},
        {**team("aurora"), "kind": "draft", "quarter": 0, "orders": [{"type": "borrow", "musd": 1}] * 500},
        {**team("aurora"), "kind": "ready", "quarter": 0, "ready": "yes"},
        {**F, "kind": "timer", "seconds": float("nan")},
        {**F, "kind": "timer", "seconds": -4},
        {**F, "kind": "rewind", "quarter": 0},
        {**F, "kind": "seat", "company": "aurora", "agent": "cmd:rm -rf /"},
        {**F, "kind": "message", "text": ""},
        {**F, "kind": "inject"},
        {**F, "kind": "advance", "late": "whenever"},
        {**F, "kind": "explode"},
    ]
    for cmd in bad:
        with pytest.raises(CommandError) as e:
            w.submit(cmd)
        assert e.value.status in (403, 409, 422), cmd
    assert w.log.count() == 1


def test_the_facilitator_can_finish_hot_seat_from_the_workshop_save(tmp_path):
    from game.session import Session

    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    play_some(w)
    s = Session.load(tmp_path / "w" / "autosave.json")
    assert s.quarter == 2 and s.humans == ("aurora", "nebula") and s.seats["corecell"] == "random"
    s.advance()
    assert s.quarter == 3


def test_a_seat_goes_only_to_an_agent_of_the_companys_archetype(tmp_path):
    new_workshop(tmp_path / "w")
    w = Workshop(tmp_path / "w")
    with pytest.raises(CommandError, match="aurora is a hyperscaler") as e:
        w.submit({**F, "kind": "seat", "company": "aurora", "agent": "neocloud"})
    assert e.value.status == 422 and w.room.pending_seats == {}

"""A hypothesis state machine: random commands against the real server and an in-process room;
after every step both rooms must be the same (their digests cover game, drafts, flags and events)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from game.workshop.client import WorkshopClient, WorkshopError
from game.workshop.room import CommandError, Principal, Room
from game.workshop.store import CommandLog
from workshop_helpers import TEAMS3, ServerThread, new_workshop

ORDERS = st.lists(
    st.sampled_from([
        {"type": "borrow", "musd": 25},
        {"type": "repay", "musd": 10},
        {"type": "bid_interconnect", "region": "ercot", "mw": 60, "price_musd_per_mw": 0.5},
        {"type": "offer_compute", "region": "ercot", "h100e": 500, "price_usd_per_h100e_hour": 2.1},
        {"type": "nonsense"},
    ]),
    max_size=3,
)


class RoomMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        folder = Path(self.tmp.name) / "w"
        self.codes = new_workshop(folder, seed=3)
        self.server = ServerThread(folder).__enter__()
        self.local = Room.from_log(list(CommandLog(folder).commands())[:1])
        self.seen_by_aurora = 0

    def teardown(self):
        self.server.__exit__(None, None, None)
        self.tmp.cleanup()

    # both sides get the same command; both must accept it or refuse it with the same status
    def both(self, code: str, method: str, path: str, body: dict, cmd: dict) -> None:
        async def call():
            async with WorkshopClient(self.server.url, code) as c:
                return await c.call(method, path, body)

        try:
            asyncio.run(call())
            remote = 200
        except WorkshopError as e:
            remote = e.status
        try:
            self.local.apply({**cmd, **body, "at": 0.0})
            local = 200
        except CommandError as e:
            local = e.status
        assert remote == local, (cmd, body)

    @rule(team=st.sampled_from(TEAMS3), orders=ORDERS, stale=st.booleans())
    def edit(self, team, orders, stale):
        q = self.local.quarter + (1 if stale else 0)
        self.both(self.codes["teams"][team], "PUT", "/v1/draft", {"quarter": q, "orders": orders}, {"kind": "draft", "role": "team", "team": team})

    @rule(team=st.sampled_from(TEAMS3), flag=st.booleans())
    def ready(self, team, flag):
        self.both(self.codes["teams"][team], "POST", "/v1/ready", {"quarter": self.local.quarter, "ready": flag}, {"kind": "ready", "role": "team", "team": team})

    def facilitate(self, action: str, body: dict) -> None:
        self.both(self.codes["facilitator"], "POST", f"/v1/facilitator/{action}", body, {"kind": action, "role": "facilitator"})

    @rule(late=st.sampled_from(["draft", "none", "repeat", "agent"]))
    def advance(self, late):
        self.facilitate("advance", {"late": late})

    @rule()
    def pause(self):
        self.facilitate("pause", {})

    @rule()
    def resume(self):
        self.facilitate("resume", {})

    @rule(event=st.sampled_from(["heat_wave", "rate_cut", "demand_boom", "nope"]), where=st.sampled_from(["", "ercot"]))
    def inject(self, event, where):
        self.facilitate("inject", {"event": event, "target": where})

    @rule(back=st.integers(1, 3))
    def rewind(self, back):
        self.facilitate("rewind", {"quarter": self.local.quarter - back})

    @rule(team=st.sampled_from(TEAMS3), agent=st.sampled_from([None, "random", "neocloud"]))
    def seat(self, team, agent):
        self.facilitate("seat", {"company": team, "agent": agent})

    @rule()
    def reconnect(self):
        """A team's socket comes back and resumes: it gets exactly what it missed, in order."""

        async def drain():
            got = []
            async with WorkshopClient(self.server.url, self.codes["teams"]["aurora"]) as c:
                stream = c.events(since=self.seen_by_aurora, reconnect=False)
                while True:
                    try:
                        ev = await asyncio.wait_for(stream.__anext__(), 0.5)
                    except (asyncio.TimeoutError, StopAsyncIteration):
                        await stream.aclose()
                        return got
                    if ev.get("seq") is not None:
                        got.append(ev)

        got = asyncio.run(drain())
        want = self.local.events_for(Principal("team", "aurora"), self.seen_by_aurora)
        assert got == want
        if got:
            self.seen_by_aurora = got[-1]["seq"]

    @invariant()
    def same_room(self):
        remote = self.server.room()
        assert remote.digest() == self.local.digest()
        assert remote.quarter == self.local.quarter


RoomMachine.TestCase.settings = settings(max_examples=6, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck))
test_the_server_and_an_in_process_room_stay_the_same = RoomMachine.TestCase

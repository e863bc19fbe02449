"""The workshop server on loopback: the authorization matrix, privacy, a golden network replay,
kill -9 and restart, a lossy proxy, and a state machine against an in-process room."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import aiohttp
import pytest

from game.engine import Game
from game.saves import save_dict
from game.scenario import load_scenario
from game.workshop.client import WorkshopClient, ws_url
from game.workshop.store import CommandLog
from workshop_helpers import TEAMS3, ServerProcess, ServerThread, new_workshop

MARK_B = 31337.25  # a figure only team B's draft holds
TEXT_B = "for corecell only: the board meets at noon"


async def raw(url: str, method: str, path: str, code: str | None, body: Any = None, header: str | None = None) -> tuple[int, Any]:
    headers = {}
    if header is not None:
        headers["Authorization"] = header
    elif code is not None:
        headers["Authorization"] = f"Bearer {code}"
    async with aiohttp.ClientSession() as s:
        async with s.request(method, url + path, json=body, headers=headers) as r:
            text = await r.text()
            return r.status, (json.loads(text) if text else None)


async def ws_first(url: str, code: str | None) -> dict:
    """What the event socket answers to a hello with this code."""
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(ws_url(url)) as ws:
            await ws.send_json({"code": code, "since": 0})
            msg = await ws.receive(timeout=10)
            return json.loads(msg.data)


FACILITATOR_BODIES = [  # in an order where each is accepted
    ("pause", {}),
    ("resume", {}),
    ("timer", {"seconds": 600}),
    ("inject", {"event": "heat_wave", "target": "ercot"}),
    ("message", {"text": "welcome", "to": None}),
    ("seat", {"company": "nebula", "agent": "neocloud"}),
    ("advance", {"late": "none"}),
    ("rewind", {"quarter": 0}),
    ("revoke", {"company": "observer"}),
]
ROLES = ["team", "other_team", "observer", "facilitator", "none", "revoked", "wrong_workshop", "not_bearer"]


@pytest.fixture
def matrix_room(tmp_path):
    plain = new_workshop(tmp_path / "w")
    other = new_workshop(tmp_path / "other")
    with ServerThread(tmp_path / "w", failed_codes_per_minute=10_000) as srv:  # the matrix itself fails many codes
        revoked_code = plain["teams"]["nebula"]
        asyncio.run(raw(srv.url, "POST", "/v1/facilitator/revoke", plain["facilitator"], {"company": "nebula"}))
        yield srv, plain, {
            "team": plain["teams"]["aurora"],
            "other_team": plain["teams"]["corecell"],
            "observer": plain["observer"],
            "facilitator": plain["facilitator"],
            "none": None,
            "revoked": revoked_code,
            "wrong_workshop": other["facilitator"],
            "not_bearer": "Basic " + plain["facilitator"],
        }


def expected(endpoint: str, role: str) -> int:
    if role in ("none", "revoked", "wrong_workshop", "not_bearer"):
        return 401
    if endpoint == "GET /v1/state":
        return 200
    if endpoint in ("PUT /v1/draft", "POST /v1/ready"):
        return 200 if role in ("team", "other_team") else 403
    return 200 if role == "facilitator" else 403


def test_the_authorization_matrix(matrix_room):
    """Every endpoint × every role: 200, 401 or 403 exactly as the API says."""
    srv, plain, who = matrix_room

    async def go():
        seen = {}
        for role in ROLES:
            code = who[role]
            header = code if role == "not_bearer" else None
            quarter = (await raw(srv.url, "GET", "/v1/state", plain["facilitator"]))[1]["quarter"]
            calls = [("GET", "/v1/state", None), ("PUT", "/v1/draft", {"quarter": quarter, "orders": []}), ("POST", "/v1/ready", {"quarter": quarter, "ready": False})]
            calls += [("POST", f"/v1/facilitator/{a}", b) for a, b in FACILITATOR_BODIES]
            for method, path, body in calls:
                if role == "facilitator" and path.endswith("/rewind"):
                    body = {"quarter": (await raw(srv.url, "GET", "/v1/state", plain["facilitator"]))[1]["quarter"] - 1}
                status, answer = await raw(srv.url, method, path, None if header else code, body, header)
                seen[(f"{method} {path}", role)] = status
                if path.endswith("/revoke") and status == 200:
                    who["observer"] = answer["code"]  # the facilitator just revoked the old one
            hello = await ws_first(srv.url, None if header else code)
            seen[("WS /v1/events", role)] = 200 if hello["type"] == "welcome" else hello["status"]
        return seen

    seen = asyncio.run(go())
    wrong = {k: v for k, v in seen.items() if v != expected(k[0] if not k[0].startswith("WS") else "GET /v1/state", k[1])}
    assert not wrong
    assert len(seen) == len(ROLES) * (3 + len(FACILITATOR_BODIES) + 1)


def test_failed_codes_are_rate_limited_per_address(tmp_path):
    plain = new_workshop(tmp_path / "w")
    with ServerThread(tmp_path / "w") as srv:
        async def go():
            statuses = [(await raw(srv.url, "GET", "/v1/state", f"wrong-{i}"))[0] for i in range(12)]
            good = (await raw(srv.url, "GET", "/v1/state", plain["observer"]))[0]
            return statuses, good
        statuses, good = asyncio.run(go())
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    assert good == 429  # even a right code waits out the minute from that address


def test_facilitator_calls_from_another_machine_are_refused(tmp_path):
    """The server sees loopback here, so this checks the rule itself: only loopback, unless allowed."""
    from game.workshop.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("192.168.8.20") and not is_loopback(None) and not is_loopback("junk")


def test_malformed_bodies_get_422_with_a_message(tmp_path):
    plain = new_workshop(tmp_path / "w")
    with ServerThread(tmp_path / "w") as srv:
        async def go():
            async with aiohttp.ClientSession() as s:
                out = []
                for data in (b"{not json", b"[1,2]", b'"x"'):
                    async with s.put(srv.url + "/v1/draft", data=data, headers={"Authorization": f"Bearer {plain['teams']['aurora']}", "Content-Type": "application/json"}) as r:
                        out.append((r.status, (await r.json())["error"]))
                async with s.put(srv.url + "/v1/draft", data=b"x" * 300_000, headers={"Authorization": f"Bearer {plain['teams']['aurora']}"}) as r:
                    out.append((r.status, ""))
                return out
        out = asyncio.run(go())
    assert [s for s, _ in out] == [422, 422, 422, 413] and all(m for _, m in out[:3])


def test_team_a_never_sees_team_b_private_data(tmp_path):
    """Everything A and the observer receive — answers and events — holds none of B's draft,
    none of B's private messages, and no view but A's own."""
    plain = new_workshop(tmp_path / "w")
    with ServerThread(tmp_path / "w") as srv:
        async def go():
            a = WorkshopClient(srv.url, plain["teams"]["aurora"])
            b = WorkshopClient(srv.url, plain["teams"]["corecell"])
            o = WorkshopClient(srv.url, plain["observer"])
            f = WorkshopClient(srv.url, plain["facilitator"])
            got: dict[str, list] = {"a": [], "o": []}

            async def listen(c, key):
                async for ev in c.events(since=0):
                    got[key].append(ev)

            tasks = [asyncio.ensure_future(listen(a, "a")), asyncio.ensure_future(listen(o, "o"))]
            got["a"].append(await a.put_draft(0, [{"type": "borrow", "musd": 5}]))
            await b.put_draft(0, [{"type": "borrow", "musd": MARK_B}])
            await f.facilitator("message", {"text": TEXT_B, "to": "corecell"})
            await f.facilitator("inject", {"text": TEXT_B, "to": "corecell"})
            # a team naming another company in the body still acts for itself, or is refused
            got["a"].append(await a.put_draft(0, [{"type": "borrow", "musd": 6}], version=None))
            status, _ = await raw(srv.url, "PUT", "/v1/draft", plain["teams"]["aurora"], {"quarter": 0, "orders": [], "for": "corecell"})
            assert status == 403
            status, body = await raw(srv.url, "PUT", "/v1/draft", plain["teams"]["aurora"], {"quarter": 0, "orders": [], "company": "corecell"})
            assert status == 403 and (await f.state())["draft"]["corecell"]["orders"] == [{"type": "borrow", "musd": MARK_B}]
            await b.ready(0)
            await f.facilitator("advance", {"late": "draft"})
            for _ in range(2):
                got["a"].append(await a.state())
                got["o"].append(await o.state())
            await asyncio.sleep(0.5)
            for t in tasks:
                t.cancel()
            for c in (a, b, o, f):
                await c.close()
            return got

        got = asyncio.run(go())
    for key in ("a", "o"):
        text = json.dumps(got[key])
        assert str(MARK_B) not in text and "31337" not in text
        assert TEXT_B not in text
    states_a = [x for x in got["a"] if "public" in x]  # the /v1/state answers
    assert states_a and all(s["company"] == "aurora" and s["view"]["me"]["id"] == "aurora" for s in states_a)
    assert all(s["view"] is None and s["draft"] is None for s in got["o"] if "public" in s)
    assert {e["type"] for e in got["a"] if "type" in e} >= {"draft", "quarter", "welcome"}


# ---- a golden network replay ----------------------------------------------------------------------
def scripted_orders(q: int, cid: str, spec) -> list[dict]:
    """Plain orders each quarter, some of which the engine refuses: the point is that both paths agree."""
    regions = list(spec.regions)
    r = regions[(q + len(cid)) % len(regions)]
    return [
        {"type": "bid_interconnect", "region": r, "mw": 50 + 10 * q, "price_musd_per_mw": 0.4 + 0.05 * q},
        {"type": "borrow", "musd": 20 * (q + 1)},
        {"type": "offer_compute", "region": r, "h100e": 1000, "price_usd_per_h100e_hour": 2.0},
    ]


QUARTERS = 4


def test_a_game_played_over_the_network_ends_with_the_headless_digest(tmp_path):
    spec = load_scenario("tutorial")
    plain = new_workshop(tmp_path / "w", seed=23)
    with ServerThread(tmp_path / "w") as srv:
        async def company(cid: str) -> None:
            async with WorkshopClient(srv.url, plain["teams"][cid]) as c:
                stream = c.events(since=0)
                for q in range(QUARTERS):
                    await c.put_draft(q, scripted_orders(q, cid, spec))
                    await c.ready(q)
                    async for ev in stream:  # until the quarter ends, whoever was last
                        if ev.get("type") == "quarter" and ev["quarter"] == q + 1:
                            break

        async def go():
            await asyncio.wait_for(asyncio.gather(*(company(cid) for cid in TEAMS3)), 120)
            async with WorkshopClient(srv.url, plain["facilitator"]) as f:
                return await f.state()

        final = asyncio.run(go())
    game = Game(spec, 23)
    for q in range(QUARTERS):
        game.step({cid: scripted_orders(q, cid, spec) for cid in TEAMS3})
    assert final["quarter"] == QUARTERS
    assert final["game_digest"] == save_dict(game, {cid: "human" for cid in TEAMS3})["checksum"]


# ---- kill -9 mid-quarter ------------------------------------------------------------------------------
def test_kill_9_mid_quarter_loses_nothing_and_duplicates_nothing(tmp_path):
    plain = new_workshop(tmp_path / "w", minutes=10)
    server = ServerProcess(tmp_path / "w").start()
    try:
        async def before():
            f = WorkshopClient(server.url, plain["facilitator"])
            a = WorkshopClient(server.url, plain["teams"]["aurora"])
            b = WorkshopClient(server.url, plain["teams"]["corecell"])
            await f.facilitator("advance", {})
            await f.facilitator("timer", {"seconds": 300})
            await a.put_draft(1, [{"type": "borrow", "musd": 77}])
            await b.put_draft(1, [{"type": "repay", "musd": 5}])
            await b.ready(1)
            await f.facilitator("pause")
            await f.facilitator("inject", {"event": "heat_wave", "target": "ercot"})
            await a.put_draft(1, [{"type": "borrow", "musd": 78}])
            state = await f.state()
            events = [e async for e in _drain(f)]
            for c in (f, a, b):
                await c.close()
            return state, events

        state, events = asyncio.run(before())
        server.kill9()
        server.start()

        async def after():
            async with WorkshopClient(server.url, plain["facilitator"]) as f:
                return await f.state(), [e async for e in _drain(f)]

        again, events_again = asyncio.run(after())
    finally:
        server.stop()
    assert again["digest"] == state["digest"] and again["game_digest"] == state["game_digest"]
    assert again["draft"] == state["draft"] and again["ready"] == state["ready"] and again["paused"] is True
    assert again["timer_s"] == pytest.approx(state["timer_s"], abs=1.0)  # paused: the downtime does not count
    assert events_again == events  # the same events under the same numbers: nothing lost, nothing twice
    kinds = [c["kind"] for c in CommandLog(tmp_path / "w").commands()]
    assert kinds.count("draft") == 3 and kinds.count("inject") == 1 and kinds.count("advance") == 1


async def _drain(client: WorkshopClient) -> Any:
    """Every event so far, then stop (the socket stays quiet for a moment)."""
    stream = client.events(since=0, reconnect=False)
    while True:
        try:
            ev = await asyncio.wait_for(stream.__anext__(), 1.0)
        except (asyncio.TimeoutError, StopAsyncIteration):
            await stream.aclose()
            return
        if ev.get("seq") is not None:
            yield ev


# ---- a lossy network --------------------------------------------------------------------------------
class LossyProxy:
    """A TCP proxy on loopback that delays each chunk and cuts some connections after the request
    reached the server, so the answer is lost and the client must retry."""

    def __init__(self, target_port: int, cut_every: int = 3, delay_s: float = 0.01, seed: int = 1):
        self.target_port = target_port
        self.cut_every = cut_every
        self.delay_s = delay_s
        self.rng = random.Random(seed)
        self.connections = 0
        self.cuts = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader, writer) -> None:
        self.connections += 1
        cut = self.connections % self.cut_every == 0
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(src, dst, towards_client: bool):
            try:
                while data := await src.read(65536):
                    await asyncio.sleep(self.delay_s * self.rng.random())
                    if towards_client and cut:
                        self.cuts += 1
                        break  # the server did the work; the client never hears of it
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                for w in (dst, src if hasattr(src, "close") else None):
                    pass
                dst.close()

        await asyncio.gather(pipe(reader, up_w, False), pipe(up_r, writer, True))

    async def stop(self) -> None:
        self.server.close()


def test_a_dropping_delaying_proxy_loses_no_command_and_repeats_none(tmp_path):
    plain = new_workshop(tmp_path / "w")
    with ServerThread(tmp_path / "w") as srv:
        async def go():
            proxy = LossyProxy(srv.port, cut_every=3)
            port = await proxy.start()
            connector = aiohttp.TCPConnector(force_close=True)  # a new connection per request, so cuts land on requests
            async with aiohttp.ClientSession(connector=connector) as session:
                a = WorkshopClient(f"http://127.0.0.1:{port}", plain["teams"]["aurora"], session=session)
                versions = []
                for i in range(12):
                    versions.append((await a.put_draft(0, [{"type": "borrow", "musd": i + 1}]))["version"])
                f = WorkshopClient(f"http://127.0.0.1:{port}", plain["facilitator"], session=session)
                seqs = []
                reader = asyncio.ensure_future(_collect(f, seqs))
                for i in range(6):
                    await f.facilitator("message", {"text": f"note {i}"})
                await asyncio.sleep(2.0)
                reader.cancel()
            await proxy.stop()
            return versions, seqs, proxy.cuts

        versions, seqs, cuts = asyncio.run(go())
        room = srv.room()
    assert cuts > 0
    assert versions == list(range(1, 13))  # each edit counted once, however often it was sent
    assert room.draft("aurora")["version"] == 12
    assert sum(1 for m in room.messages if m["text"].startswith("note")) == 6
    assert seqs == sorted(set(seqs)) and seqs[-1] == room.seq  # the event stream resumed without a gap or a repeat
    assert seqs == list(range(seqs[0], room.seq + 1))


async def _collect(client: WorkshopClient, seqs: list[int]) -> None:
    async for ev in client.events(since=0):
        if ev.get("seq") is not None:
            seqs.append(ev["seq"])


def test_when_the_clock_runs_out_the_quarter_ends_with_the_drafts(tmp_path):
    """The server's own clock ends the quarter: a team that was not ready plays its draft."""
    plain = new_workshop(tmp_path / "w", teams=["aurora", "corecell"])
    with ServerThread(tmp_path / "w") as srv:
        async def go():
            async with WorkshopClient(srv.url, plain["teams"]["aurora"]) as a, WorkshopClient(srv.url, plain["facilitator"]) as f:
                await a.put_draft(0, [{"type": "borrow", "musd": 12}])
                await f.facilitator("timer", {"seconds": 0.5})
                async for ev in a.events(since=0):
                    if ev.get("type") == "quarter":
                        return ev

        ev = asyncio.run(asyncio.wait_for(go(), 60))
        room = srv.room()
    assert ev["reason"] == "the clock ran out" and ev["policy"] == "draft" and sorted(ev["late"]) == ["aurora", "corecell"]
    assert room.session.game.order_log[0]["aurora"] == [{"type": "borrow", "musd": 12}]

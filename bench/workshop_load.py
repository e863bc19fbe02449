"""Benchmark: a full room on loopback — 12 teams × 3 clients, 4 observers and the facilitator, 6 quarters.

Prints the p95 of event fan-out (a command sent → each socket that may see it has the event),
the p95 of PUT /v1/draft, the time from "end the quarter" to every client holding the new
quarter's state (what a client needs to show the report), and the server's resident memory.
Targets: fan-out p95 ≤ 100 ms, PUT p95 ≤ 50 ms, end of quarter → every client ≤ 1 s.
Not a test: figures depend on the machine; quote them with the machine's load.

    python bench/workshop_load.py [--teams 12] [--members 3] [--observers 4] [--quarters 6] [--edits 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from game.scenario import load_scenario, scenario_from_dict, scenario_to_dict  # noqa: E402
from game.workshop.client import WorkshopClient, ws_url  # noqa: E402
from game.workshop.folder import create_workshop  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


MAX_COMPANIES = 8  # the scenario loader's limit; more teams than that share companies' seats


def room_scenario(teams: int):
    """Baseline with as many companies as teams (up to the limit): its six, then copies under new names."""
    teams = min(teams, MAX_COMPANIES)
    base = scenario_to_dict(load_scenario("baseline"))
    companies = base["companies"]
    originals = list(companies.items())
    i = 0
    while len(companies) < teams:
        cid, c = originals[i % len(originals)]
        n = i // len(originals) + 2
        companies[f"{cid}{n}"] = {**c, "name": f"{c['name']} {n}"}
        i += 1
    for cid in list(companies)[teams:]:
        del companies[cid]
    return scenario_from_dict(base, source="bench-room")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Listener:
    """One client's event socket, recording when each sequence number arrived."""

    def __init__(self, url: str, code: str, session: aiohttp.ClientSession):
        self.url, self.code, self.session = url, code, session
        self.arrived: dict[int, float] = {}
        self.drafts: dict[tuple[str, int], float] = {}  # (quarter, company, version) -> when its draft event arrived
        self.quarter_at: dict[int, float] = {}
        self.client = WorkshopClient(url, code, session=session)

    async def run(self) -> None:
        async with self.session.ws_connect(ws_url(self.url), max_msg_size=0) as ws:
            await ws.send_json({"code": self.code, "since": 0})
            async for msg in ws:
                now = time.perf_counter()
                ev = json.loads(msg.data)
                if ev.get("seq") is not None:
                    self.arrived[ev["seq"]] = now
                if ev.get("type") == "draft":
                    self.drafts[(ev["quarter"], ev["company"], ev["version"])] = now
                if ev.get("type") == "quarter":
                    asyncio.ensure_future(self._fetch(ev["quarter"]))

    async def _fetch(self, quarter: int) -> None:
        await self.client.state()  # what a client fetches to show the report
        self.quarter_at[quarter] = time.perf_counter()


async def play(url: str, plain: dict, companies: list[str], args) -> dict:
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn) as session:
        seats = [companies[i % len(companies)] for i in range(args.teams * args.members)]  # every team client, round robin
        listeners = [Listener(url, plain["teams"][cid], session) for cid in seats]
        listeners += [Listener(url, plain["observer"], session) for _ in range(args.observers)]
        fac = Listener(url, plain["facilitator"], session)
        listeners.append(fac)
        tasks = [asyncio.ensure_future(x.run()) for x in listeners]
        await asyncio.sleep(1.0)
        f = WorkshopClient(url, plain["facilitator"], session=session)
        put_ms: list[float] = []
        quarter_ms: list[float] = []
        sent: dict[tuple[int, str, int], float] = {}  # (quarter, company, version) -> when that edit was sent
        rng = random.Random(7)

        async def member(cid: str, q: int) -> None:
            c = WorkshopClient(url, plain["teams"][cid], session=session)
            for _ in range(args.edits):
                await asyncio.sleep(rng.random() * 0.3)
                orders = [{"type": "borrow", "musd": rng.randint(1, 50)}, {"type": "offer_compute", "region": "ercot", "h100e": 1000, "price_usd_per_h100e_hour": 2.0}]
                t0 = time.perf_counter()
                answer = await c.put_draft(q, orders)
                put_ms.append((time.perf_counter() - t0) * 1000)
                sent[(q, cid, answer["version"])] = t0
                stamps.append(t0)

        for q in range(args.quarters):
            stamps: list[float] = []
            await asyncio.gather(*(member(cid, q) for cid in seats))
            await asyncio.sleep(0.5)
            t_end = time.perf_counter()
            await f.facilitator("advance", {"late": "draft"})
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline and not all(q + 1 in x.quarter_at for x in listeners):
                await asyncio.sleep(0.01)
            quarter_ms.append((max(x.quarter_at.get(q + 1, float("inf")) for x in listeners) - t_end) * 1000)
            print(f"  quarter {q + 1}: {len(stamps)} edits, end → every client {quarter_ms[-1]:.0f} ms", flush=True)
        # fan-out: an edit sent → its draft event at every socket of that team and the facilitator's
        fan = [(t - sent[key]) * 1000 for x in listeners for key, t in x.drafts.items() if key in sent]
        seqs = set().union(*(x.arrived for x in listeners))
        for t in tasks:
            t.cancel()
        return {"put_ms": put_ms, "fan_ms": fan, "quarter_ms": quarter_ms, "events": len(seqs), "sockets": len(listeners)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teams", type=int, default=12)
    ap.add_argument("--members", type=int, default=3)
    ap.add_argument("--observers", type=int, default=4)
    ap.add_argument("--quarters", type=int, default=6)
    ap.add_argument("--edits", type=int, default=3, help="draft edits per member per quarter")
    args = ap.parse_args()
    spec = room_scenario(args.teams)
    companies = list(spec.companies)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "room"
        plain = create_workshop(folder, spec, 1, companies, {}, None)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", "game", "workshop", "serve", str(folder), "--port", str(port)], cwd=REPO,
                                  env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("the server did not start")
                    time.sleep(0.1)
            rss_start = rss_mb(server.pid)
            url = f"http://127.0.0.1:{port}"
            print(f"{args.teams} teams × {args.members} clients (on {len(companies)} companies, the most a scenario holds) + {args.observers} observers + 1 facilitator, {args.quarters} quarters, {len(os.sched_getaffinity(0))} cores, load {os.getloadavg()[0]:.1f}")
            t0 = time.perf_counter()
            out = asyncio.run(asyncio.wait_for(play(url, plain, companies, args), 600))
            wall = time.perf_counter() - t0
            rss_end = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(30)
    print(f"sockets {out['sockets']}, events {out['events']}, wall {wall:.1f} s")
    print(f"PUT /v1/draft: n={len(out['put_ms'])} median {statistics.median(out['put_ms']):.1f} ms, p95 {pct(out['put_ms'], 95):.1f} ms (target ≤ 50)")
    print(f"event fan-out (edit sent → event on each socket that sees it), n={len(out['fan_ms'])}: p95 {pct(out['fan_ms'], 95):.1f} ms, max {max(out['fan_ms']):.1f} ms (target p95 ≤ 100)")
    print(f"end of quarter → every client has the new state: median {statistics.median(out['quarter_ms']):.0f} ms, max {max(out['quarter_ms']):.0f} ms (target ≤ 1000)")
    print(f"server RSS: {rss_start:.0f} MB at start, {rss_end:.0f} MB at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: browsers joining a workshop through `serve --web` — 12 tabs opened 1 s apart.

For each tab, the time from opening the page to its first screen: the first large frame the app
sends over the page's WebSocket (textual-serve starts one app process per tab, and the app's
first frame is the code prompt). Also the RSS of the textual-serve process and its app processes.
Needs textual-serve and a Chromium on PATH. Not a test: quote the figure with the machine's load.

    python bench/workshop_web_join.py [--tabs 12] [--gap 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from game.scenario import load_scenario  # noqa: E402
from game.workshop.folder import create_workshop  # noqa: E402

FIRST_SCREEN_BYTES = 2000  # a frame this large is a drawn screen, not a handshake


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            pass
    return total


async def measure(web_port: int, tabs: int, gap_s: float, profile: Path) -> list[float]:
    chrome = next(filter(None, (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome"))), None)
    if chrome is None:
        raise SystemExit("no Chromium on PATH")
    port = free_port()
    proc = subprocess.Popen([chrome, "--headless=new", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}", f"--remote-debugging-port={port}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ids = itertools.count(1)
    opened: dict[str, float] = {}
    first: dict[str, float] = {}
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(150):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/json/version") as r:
                        browser_ws = (await r.json())["webSocketDebuggerUrl"]
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)
            async with http.ws_connect(browser_ws, max_msg_size=0) as ws:
                waiting: dict[int, asyncio.Future] = {}

                async def reader() -> None:
                    async for msg in ws:
                        data = json.loads(msg.data)
                        if "id" in data and data["id"] in waiting:
                            waiting.pop(data["id"]).set_result(data.get("result", {}))
                        elif data.get("method") == "Network.webSocketFrameReceived":
                            sid = data.get("sessionId")
                            size = len(data["params"]["response"].get("payloadData", ""))
                            if sid in opened and sid not in first and size >= FIRST_SCREEN_BYTES:
                                first[sid] = time.perf_counter()

                async def send(method: str, session: str | None = None, **params) -> dict:
                    i = next(ids)
                    waiting[i] = asyncio.get_running_loop().create_future()
                    msg = {"id": i, "method": method, "params": params}
                    if session:
                        msg["sessionId"] = session
                    await ws.send_json(msg)
                    return await asyncio.wait_for(waiting[i], 30)

                task = asyncio.ensure_future(reader())
                for _ in range(tabs):
                    target = (await send("Target.createTarget", url="about:blank"))["targetId"]
                    sid = (await send("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
                    await send("Network.enable", sid)
                    opened[sid] = time.perf_counter()
                    await send("Page.navigate", sid, url=f"http://127.0.0.1:{web_port}/")
                    await asyncio.sleep(gap_s)
                deadline = time.perf_counter() + 60
                while len(first) < tabs and time.perf_counter() < deadline:
                    await asyncio.sleep(0.1)
                task.cancel()
    finally:
        proc.terminate()
        proc.wait(30)
    return [first[s] - opened[s] for s in opened if s in first]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tabs", type=int, default=12)
    ap.add_argument("--gap", type=float, default=1.0, help="seconds between opening tabs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "room"
        create_workshop(folder, load_scenario("tutorial"), 1, ["aurora", "corecell", "nebula"], {}, None)
        api, web = free_port(), free_port()
        server = subprocess.Popen([sys.executable, "-m", "game", "workshop", "serve", str(folder), "--port", str(api), "--web", str(web)], cwd=REPO,
                                  env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_port(api)
            wait_port(web)
            print(f"{args.tabs} tabs, {args.gap:g} s apart; {len(os.sched_getaffinity(0))} cores, load {os.getloadavg()[0]:.1f}", flush=True)
            times = asyncio.run(measure(web, args.tabs, args.gap, Path(tmp) / "profile"))
            rss = tree_rss_mb(server.pid)
        finally:
            os.killpg(server.pid, 15)
            server.wait(30)
    if not times:
        print("no tab showed a first screen within a minute")
        return 1
    print(f"browser join → first screen: n={len(times)}/{args.tabs}, median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    print(f"server + textual-serve + app processes RSS with the tabs open: {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

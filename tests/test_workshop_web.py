"""The --web team client in headless Chromium: type a code, place an order; the screenshot is kept."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from browser_helpers import Browser, chromium
from game.workshop.client import WorkshopClient
from workshop_helpers import REPO, free_port, new_workshop

pytest.importorskip("textual_serve")
pytestmark = pytest.mark.skipif(chromium() is None, reason="no chromium on this machine")


def wait_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def test_a_browser_joins_types_its_code_and_places_an_order(tmp_path):
    plain = new_workshop(tmp_path / "w", teams=["aurora", "corecell"])
    api, web = free_port(), free_port()
    server = subprocess.Popen([sys.executable, "-m", "game", "workshop", "serve", str(tmp_path / "w"), "--port", str(api), "--web", str(web)],
                              cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    shot = tmp_path / "web-client.png"
    try:
        wait_port(api)
        wait_port(web)

        async def go() -> dict:
            async with Browser(tmp_path / "profile") as b:
                await b.send("Page.enable")
                await b.send("Page.navigate", url=f"http://127.0.0.1:{web}/")
                for _ in range(150):  # the terminal appears once the app's process is up
                    await asyncio.sleep(0.2)
                    if await b.evaluate("!!document.querySelector('.xterm-helper-textarea')"):
                        break
                async with WorkshopClient(f"http://127.0.0.1:{api}", plain["facilitator"]) as f:
                    # the app's process may still be starting: keys typed before it draws are lost,
                    # so clear the field and type the code again until the server sees the team
                    for _attempt in range(6):
                        await asyncio.sleep(2.0)
                        await b.click(640, 350)
                        await b.clear_field()
                        await b.type(plain["teams"]["aurora"])
                        await b.enter()
                        for _ in range(40):
                            await asyncio.sleep(0.25)
                            if (await f.state())["teams"]["aurora"]["connected"]:
                                break
                        else:
                            continue
                        break
                    # on a loaded machine the form may open after "75" was typed: the keys then
                    # land elsewhere, so close whatever opened and try again, waiting longer
                    for attempt in range(4):
                        await asyncio.sleep(2.0 + 2.0 * attempt)
                        await b.type("f")
                        await asyncio.sleep(2.0 + 2.0 * attempt)
                        await b.type("75")
                        await asyncio.sleep(1.5 + attempt)
                        await b.enter()
                        for _ in range(50):
                            await asyncio.sleep(0.2)
                            state = await f.state()
                            if state["draft"]["aurora"]["orders"]:
                                break
                        else:
                            await b.escape()
                            continue
                        break
                    await asyncio.sleep(1.0)
                    await b.screenshot(shot)
                    return state

        state = asyncio.run(go())
    finally:
        os.killpg(server.pid, 15)
        server.wait(30)
    keep = os.environ.get("GRIDLOCK_TEST_OUTPUT")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
    assert state["draft"]["aurora"]["orders"] == [{"type": "borrow", "musd": 75.0}]

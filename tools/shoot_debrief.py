"""Screenshot sections of a debrief HTML file in headless Chromium, to look at them by eye.

    python tools/shoot_debrief.py REPORT.html OUT_DIR results company-lumen ...
    python tools/shoot_debrief.py --print REPORT.html OUT_DIR results      # as it prints

Each name is an element id, optionally with :MAX_HEIGHT in pixels (default 6000); its box
(its top MAX_HEIGHT pixels) is captured into OUT_DIR/<id>.png. Talks to Chromium
over the DevTools protocol (aiohttp's WebSocket client) on 127.0.0.1; needs `chromium` on PATH.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp


async def _shoot(url: str, port: int, out: Path, ids: list[str], width: int, media: str = "screen") -> list[Path]:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            try:
                async with http.get(f"http://127.0.0.1:{port}/json/list") as r:
                    pages = [p for p in await r.json() if p.get("type") == "page"]
                    if pages:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            n = 0

            async def call(method: str, **params):
                nonlocal n
                n += 1
                await ws.send_str(json.dumps({"id": n, "method": method, "params": params}))
                while True:
                    msg = json.loads((await ws.receive()).data)
                    if msg.get("id") == n:
                        if "error" in msg:
                            raise RuntimeError(f"{method}: {msg['error']}")
                        return msg.get("result", {})

            await call("Emulation.setDeviceMetricsOverride", width=width, height=1200, deviceScaleFactor=1, mobile=False)
            await call("Emulation.setEmulatedMedia", media=media)
            await call("Page.enable")
            await call("Page.navigate", url=url)
            for _ in range(100):
                state = await call("Runtime.evaluate", expression="document.readyState", returnByValue=True)
                if state["result"].get("value") == "complete":
                    break
                await asyncio.sleep(0.1)
            written = []
            for name in ids:
                eid, _, most = name.partition(":")
                box = await call("Runtime.evaluate", returnByValue=True, expression=(
                    f"(() => {{ const e = document.getElementById({json.dumps(eid)}); if (!e) return null; "
                    "const r = e.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })()"
                ))
                v = box["result"].get("value")
                if not v:
                    print(f"no element #{eid}", file=sys.stderr)
                    continue
                x, y, w, h = v
                shot = await call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip={"x": x, "y": y, "width": w, "height": min(h, float(most or 6000)), "scale": 1})
                path = out / (f"{eid}.png" if media == "screen" else f"{eid}-{media}.png")
                path.write_bytes(base64.b64decode(shot["data"]))
                written.append(path)
            return written


def main(argv: list[str]) -> int:
    media = "print" if argv[:1] == ["--print"] else "screen"
    argv = argv[1:] if media == "print" else argv
    if len(argv) < 3:
        print(__doc__)
        return 2
    html, out, ids = Path(argv[0]).resolve(), Path(argv[1]), argv[2:]
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        print("chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    port = 9333
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(0.5)
            for p in asyncio.run(_shoot(html.as_uri(), port, out, ids, 794 if media == "print" else 1100, media)):  # 794 px: A4 at 96 dpi
                print(p)
        finally:
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

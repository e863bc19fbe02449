"""The workshop client: HTTP calls with request ids (so a retry is never done twice) and an event
stream that reconnects and resumes from the last sequence number it saw."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any, AsyncIterator

import aiohttp

RETRIES = 5
RETRY_PAUSE_S = 0.2
TIMEOUT_S = 30.0


class WorkshopError(Exception):
    """The server refused a request: its status and one sentence saying why."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class AuthError(WorkshopError):
    """401/403 on joining: stop and ask for the code again, never retry in a loop."""


def _url(base: str, path: str) -> str:
    return base.rstrip("/") + path


def ws_url(base: str) -> str:
    if base.startswith("https://"):
        return "wss://" + base[len("https://"):].rstrip("/") + "/v1/events"
    return "ws://" + base.split("://", 1)[-1].rstrip("/") + "/v1/events"


class WorkshopClient:
    """One participant's connection: a team member, an observer or the facilitator."""

    def __init__(self, url: str, code: str, member: str | None = None, session: aiohttp.ClientSession | None = None):
        self.url = url if "://" in url else f"http://{url}"
        self.code = code
        self.member = member
        self._session = session
        self._own_session = session is None
        self.last_seq = 0

    async def __aenter__(self) -> "WorkshopClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))
        return self._session

    async def close(self) -> None:
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    def _headers(self, rid: str | None = None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.code}"}
        if rid:
            h["X-Request-Id"] = rid
        if self.member:
            h["X-Member"] = self.member
        return h

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None, retries: int = RETRIES) -> dict[str, Any]:
        """One request, retried on a lost connection with the same request id."""
        rid = secrets.token_hex(8) if method != "GET" else None
        last: Exception | None = None
        for attempt in range(retries + 1):
            try:
                async with self.session.request(method, _url(self.url, path), json=body, headers=self._headers(rid)) as r:
                    text = await r.text()
                    try:
                        data = json.loads(text) if text else {}
                    except json.JSONDecodeError:
                        data = {"error": text[:200]}
                    if r.status >= 400:
                        cls = AuthError if r.status in (401, 403) else WorkshopError
                        raise cls(r.status, data.get("error", r.reason or "error") if isinstance(data, dict) else str(data))
                    return data
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, asyncio.TimeoutError) as e:
                last = e
                await asyncio.sleep(RETRY_PAUSE_S * (attempt + 1))
        raise WorkshopError(0, f"cannot reach the workshop at {self.url} ({type(last).__name__}: {last})")

    # ---- the API -------------------------------------------------------------------------------
    async def state(self) -> dict[str, Any]:
        return await self.call("GET", "/v1/state")

    async def put_draft(self, quarter: int, orders: list[dict[str, Any]], version: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"quarter": quarter, "orders": orders}
        if version is not None:
            body["version"] = version
        return await self.call("PUT", "/v1/draft", body)

    async def ready(self, quarter: int, ready: bool = True) -> dict[str, Any]:
        return await self.call("POST", "/v1/ready", {"quarter": quarter, "ready": ready})

    async def facilitator(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.call("POST", f"/v1/facilitator/{action}", body or {})

    async def events(self, since: int | None = None, reconnect: bool = True) -> AsyncIterator[dict[str, Any]]:
        """Every event after `since` (default: the last one seen), for as long as the caller
        iterates. A dropped connection is reopened and resumed; a refused code ends it."""
        if since is not None:
            self.last_seq = since
        pause = RETRY_PAUSE_S
        while True:
            try:
                async with self.session.ws_connect(ws_url(self.url), heartbeat=20.0, timeout=aiohttp.ClientWSTimeout(ws_close=5.0)) as ws:
                    await ws.send_json({"code": self.code, "since": self.last_seq})
                    pause = RETRY_PAUSE_S
                    async for msg in ws:
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            break
                        data = json.loads(msg.data)
                        if data.get("type") == "error":
                            status = int(data.get("status", 0))
                            raise (AuthError if status in (401, 403, 429) else WorkshopError)(status, data.get("error", ""))
                        seq = data.get("seq")
                        if seq is not None:
                            if seq <= self.last_seq:
                                continue  # already seen before a reconnect
                            self.last_seq = seq
                        yield data
            except (aiohttp.ClientConnectionError, aiohttp.WSServerHandshakeError, asyncio.TimeoutError, ConnectionResetError):
                pass
            if not reconnect:
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

"""The workshop server: the room's HTTP API and its WebSocket of sequence-numbered events (aiohttp).

Every request carries `Authorization: Bearer CODE` (a WebSocket sends its code in its first
message instead: browsers cannot set its headers). A code never goes in a URL.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from collections import deque
from typing import Any

from aiohttp import WSMsgType, web

from ..scenario import scenario_to_dict
from . import codes
from .folder import Workshop
from .room import FACILITATOR, TEAM, CommandError, Principal, canonical

MAX_BODY_BYTES = 256 * 1024
FAILED_CODES_PER_MINUTE = 10  # per address, then 429 until the minute has passed
HELLO_TIMEOUT_S = 10.0
QUEUE_LIMIT = 2000  # events waiting for one slow socket; beyond that it is closed and resyncs
TICK_S = 0.25
ALIVE_EVERY_S = 2.0
FACILITATOR_ACTIONS = ("advance", "pause", "resume", "timer", "inject", "rewind", "seat", "message", "revoke")


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=canonical(body), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message, "status": status}, status)


def is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


class Connection:
    """One open WebSocket: who it is, and a bounded queue drained by its own writer task."""

    def __init__(self, principal: Principal, ws: web.WebSocketResponse):
        self.principal = principal
        self.ws = ws
        self.queue: asyncio.Queue = asyncio.Queue(QUEUE_LIMIT)
        self.overflowed = False
        self.sent = 0  # the last sequence number queued for it

    def push(self, message: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True  # the writer closes it; the client resumes from its last seq


class WorkshopServer:
    def __init__(self, workshop: Workshop, allow_remote_facilitator: bool = False, join_url: str | None = None, failed_codes_per_minute: int = FAILED_CODES_PER_MINUTE):
        self.workshop = workshop
        self.failed_codes_per_minute = failed_codes_per_minute
        self.allow_remote_facilitator = allow_remote_facilitator
        self.join_url = join_url
        self.connections: set[Connection] = set()
        self.presence: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, deque] = {}
        self.app = web.Application(client_max_size=MAX_BODY_BYTES)
        self.app.add_routes(
            [
                web.get("/v1/state", self.get_state),
                web.put("/v1/draft", self.put_draft),
                web.post("/v1/ready", self.post_ready),
                web.post("/v1/check", self.post_check),
                web.get("/v1/scenario", self.get_scenario),
                web.post("/v1/facilitator/{action}", self.post_facilitator),
                web.get("/v1/events", self.events),
                web.get("/v1/health", self.health),
            ]
        )
        workshop.on_durable = self._fan_out  # events go out once their commands are on disk
        self.app.on_startup.append(self._start_ticking)
        self.app.on_cleanup.append(self._stop_ticking)
        self._ticker: asyncio.Task | None = None

    @property
    def room(self):
        return self.workshop.room

    # ---- who is calling ---------------------------------------------------------------------------
    def _limited(self, address: str) -> bool:
        q = self.failures.get(address)
        now = time.monotonic()
        while q and now - q[0] > 60.0:
            q.popleft()
        return bool(q) and len(q) >= self.failed_codes_per_minute

    def _failed(self, address: str) -> None:
        self.failures.setdefault(address, deque()).append(time.monotonic())

    def _authenticate(self, code: Any, address: str) -> Principal | web.Response:
        if self._limited(address):
            return _error(429, "too many wrong codes from this address; wait a minute")
        if not isinstance(code, str) or not code.strip() or len(code) > 64:
            self._failed(address)
            return _error(401, "a code is needed: send `Authorization: Bearer CODE`")
        p = self.room.who(code)
        if p is None:
            self._failed(address)
            return _error(401, "unknown or revoked code")
        self._seen(p)
        return p

    def _caller(self, request: web.Request) -> Principal | web.Response:
        header = request.headers.get("Authorization", "")
        scheme, _, code = header.partition(" ")
        if scheme.lower() != "bearer":
            code = None
        return self._authenticate(code, request.remote or "?")

    def _seen(self, p: Principal) -> None:
        if p.role == TEAM and p.company:
            self.presence.setdefault(p.company, {"connected": 0})["last_seen"] = time.time()

    async def _body(self, request: web.Request) -> dict[str, Any] | web.Response:
        try:
            body = await request.json() if request.can_read_body else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(422, "the body is not JSON")
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        if not isinstance(body, dict):
            return _error(422, "the body must be a JSON object")
        return body

    # ---- commands ------------------------------------------------------------------------------
    async def _submit(self, p: Principal, kind: str, body: dict[str, Any], request: web.Request) -> web.Response:
        rid = request.headers.get("X-Request-Id", body.get("request_id"))
        if rid is not None and (not isinstance(rid, str) or len(rid) > 80):
            return _error(422, "a request id is a string of at most 80 characters")
        member = request.headers.get("X-Member")
        cmd = {k: v for k, v in body.items() if k not in ("kind", "role", "team", "at", "request_id", "member", "by", "hash")}
        cmd.update(kind=kind, role=p.role, team=p.company, request_id=rid, member=member[:40] if member else None, by=p.role)
        new = None
        if kind == "revoke" and self.room.would_repeat(p, rid) is None:
            new = codes.new_code()
            cmd["hash"] = codes.code_hash(self.room.salt, new)
        try:
            answer = await self.workshop.submit_async(cmd)  # on disk before we answer
        except CommandError as e:
            return _error(e.status, str(e))
        if new is not None:
            answer = {**answer, "code": new}
        return _json(answer)

    def _fan_out(self) -> None:
        """Push every event now on disk and not yet pushed to each socket that may see it."""
        room, durable = self.room, self.workshop.durable_seq
        for conn in list(self.connections):
            if conn.sent < durable:
                for ev in room.events_for(conn.principal, conn.sent, durable):
                    conn.push(ev)
                conn.sent = durable

    def _presence_changed(self, company: str) -> None:
        message = {"seq": None, "type": "presence", "company": company, **self.presence.get(company, {})}
        for conn in self.connections:
            if conn.principal.role == FACILITATOR:
                conn.push(message)

    # ---- endpoints -------------------------------------------------------------------------------
    async def health(self, request: web.Request) -> web.Response:
        return _json({"ok": True, "game": self.room.spec.game.name, "label": self.room.label})

    async def get_state(self, request: web.Request) -> web.Response:
        p = self._caller(request)
        if isinstance(p, web.Response):
            return p
        if p.role == FACILITATOR and not self._facilitator_allowed(request):
            return _error(403, "facilitator calls are accepted from this machine only (serve with --allow-remote-facilitator to change that)")
        body = self.room.state(p, time.time(), self.presence)
        if p.role == FACILITATOR:
            body["join_url"] = self.join_url
        return _json(body)

    async def get_scenario(self, request: web.Request) -> web.Response:
        """The rules are public: any code may read the game's scenario (with live injects)."""
        p = self._caller(request)
        if isinstance(p, web.Response):
            return p
        text = json.dumps(scenario_to_dict(self.room.spec), allow_nan=True)  # as a save holds it
        return web.Response(text=text, content_type="application/json")

    async def _team_request(self, request: web.Request):
        """(caller, body) of a team's request, or the error Response that answers it."""
        p = self._caller(request)
        if isinstance(p, web.Response):
            return p
        if p.role != TEAM:
            return _error(403, "only a team may do that")
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        return p, body

    async def post_check(self, request: web.Request) -> web.Response:
        got = await self._team_request(request)
        if isinstance(got, web.Response):
            return got
        p, body = got
        try:
            return _json(self.room.check(p, body))
        except CommandError as e:
            return _error(e.status, str(e))

    async def put_draft(self, request: web.Request) -> web.Response:
        return await self._team_call(request, "draft")

    async def post_ready(self, request: web.Request) -> web.Response:
        return await self._team_call(request, "ready")

    async def _team_call(self, request: web.Request, kind: str) -> web.Response:
        got = await self._team_request(request)
        if isinstance(got, web.Response):
            return got
        p, body = got
        return await self._submit(p, kind, body, request)

    def _facilitator_allowed(self, request: web.Request) -> bool:
        return self.allow_remote_facilitator or is_loopback(request.remote)

    async def post_facilitator(self, request: web.Request) -> web.Response:
        p = self._caller(request)
        if isinstance(p, web.Response):
            return p
        action = request.match_info["action"]
        if p.role != FACILITATOR:
            return _error(403, "only the facilitator may do that")
        if not self._facilitator_allowed(request):
            return _error(403, "facilitator calls are accepted from this machine only (serve with --allow-remote-facilitator to change that)")
        if action not in FACILITATOR_ACTIONS:
            return _error(404, f"no facilitator action {action!r}; actions: {', '.join(FACILITATOR_ACTIONS)}")
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        return await self._submit(p, action, body, request)

    async def events(self, request: web.Request) -> web.StreamResponse:
        """The first message authenticates: {"code": CODE, "since": N}. Then every event after N
        the caller may see, and each new one as it happens."""
        ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=16 * 1024)
        await ws.prepare(request)
        address = request.remote or "?"
        try:
            msg = await asyncio.wait_for(ws.receive(), HELLO_TIMEOUT_S)
        except asyncio.TimeoutError:
            await ws.close(code=4408, message=b"no hello")
            return ws
        hello = None
        if msg.type == WSMsgType.TEXT:
            try:
                hello = json.loads(msg.data)
            except json.JSONDecodeError:
                hello = None
        if not isinstance(hello, dict):
            await ws.send_json({"type": "error", "status": 422, "error": 'the first message must be {"code": CODE, "since": N}'})
            await ws.close(code=4422)
            return ws
        p = self._authenticate(hello.get("code"), address)
        if isinstance(p, web.Response):
            await ws.send_json({"type": "error", "status": p.status, "error": json.loads(p.text)["error"]})
            await ws.close(code=4000 + p.status)
            return ws
        if p.role == FACILITATOR and not self._facilitator_allowed(request):
            await ws.send_json({"type": "error", "status": 403, "error": "facilitator connections are accepted from this machine only"})
            await ws.close(code=4403)
            return ws
        since = hello.get("since", 0)
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            since = 0
        conn = Connection(p, ws)
        durable = self.workshop.durable_seq
        conn.sent = durable
        conn.push({"seq": None, "type": "welcome", "role": p.role, "company": p.company, "last_seq": durable})
        for ev in self.room.events_for(p, since, durable):  # no await between this and joining: no gap
            conn.push(ev)
        self.connections.add(conn)
        if p.role == TEAM:
            self.presence.setdefault(p.company, {"connected": 0})["connected"] += 1
            self._seen(p)
            self._presence_changed(p.company)
        writer = asyncio.ensure_future(self._write(conn))
        try:
            async for msg in ws:  # a reader must run for heartbeats to work
                if msg.type != WSMsgType.TEXT:
                    continue
                self._seen(p)
                try:
                    data = json.loads(msg.data)
                except json.JSONDecodeError:
                    continue
                if isinstance(data, dict) and data.get("type") == "ping":
                    conn.push({"seq": None, "type": "pong", "last_seq": self.workshop.durable_seq})
        finally:
            self.connections.discard(conn)
            writer.cancel()
            if p.role == TEAM:
                entry = self.presence.setdefault(p.company, {"connected": 1})
                entry["connected"] = max(0, entry["connected"] - 1)  # disconnected, not departed
                self._presence_changed(p.company)
        return ws

    async def _write(self, conn: Connection) -> None:
        try:
            while True:
                message = await conn.queue.get()
                if conn.overflowed:
                    await conn.ws.close(code=4429, message=b"too slow: reconnect and resume")
                    return
                await conn.ws.send_str(canonical(message))
        except (ConnectionResetError, RuntimeError, asyncio.CancelledError):
            return

    # ---- the clock -------------------------------------------------------------------------------
    async def _start_ticking(self, app: web.Application) -> None:
        self._ticker = asyncio.ensure_future(self._tick())

    async def _stop_ticking(self, app: web.Application) -> None:
        if self._ticker:
            self._ticker.cancel()
        for conn in list(self.connections):
            await conn.ws.close(code=1001, message=b"server shutting down")

    async def _tick(self) -> None:
        last_alive = 0.0
        while True:
            await asyncio.sleep(TICK_S)
            now = time.time()
            try:
                if self.room.timer_expired(now):
                    await self.workshop.submit_async({"kind": "advance", "role": FACILITATOR, "by": "timer", "late": "draft", "quarter": self.room.quarter})
                if now - last_alive >= ALIVE_EVERY_S:
                    last_alive = now
                    await self.workshop.alive_async()
            except CommandError:
                pass
            except Exception as e:  # the clock must keep running; the log still holds the truth
                print(f"workshop: tick failed: {type(e).__name__}: {e}", flush=True)


def make_app(workshop: Workshop, allow_remote_facilitator: bool = False, join_url: str | None = None) -> web.Application:
    return WorkshopServer(workshop, allow_remote_facilitator, join_url).app

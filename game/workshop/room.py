"""The workshop room: a Session plus drafts, ready flags, clock, injects, seats and rewinds, all a
function of the command log.

Every change is a command (a JSON dict). `Room.apply` checks it, changes the state and returns the
answer; the server commits the command to the log before it sends that answer, and a restarted
server rebuilds the identical room by applying the log again. Events (what clients are pushed) are
made by `apply` too, so their sequence numbers come back identical after a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from pathlib import Path
from typing import Any, Iterable, Mapping

import attrs

from ..agents import REGISTRY, agents_for, make_agent
from ..agents.base import Agent
from ..agents.external import _finite as finite  # JSON cannot carry inf/nan: they go as null
from ..agents.external import view_json
from ..engine import Game
from ..engine.rng import agent_seed
from ..saves import save_dict
from ..scenario import Scenario, ScenarioError, quarter_label, scenario_from_dict, scenario_to_dict
from ..scenario.load import CONVERTER
from ..scenario.spec import InjectSpec
from ..session import HUMAN, Session
from . import codes

LATE_POLICIES = ("draft", "none", "repeat", "agent")  # what a team that is not ready plays when the quarter ends
FACILITATOR, OBSERVER, TEAM = "facilitator", "observer", "team"
EVERYONE = "all"  # an event's audience: everyone, "facilitator", or "company:ID"
TEXT_LIMIT = 2000  # characters in a message or a written inject
MAX_DRAFT_BYTES = 64_000


class CommandError(ValueError):
    """A command the room refuses, with the HTTP status that says why (403, 409, 422)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _refuse(status: int, message: str) -> CommandError:
    return CommandError(status, message)


def canonical(x: Any) -> str:
    return json.dumps(finite(x), sort_keys=True, separators=(",", ":"), allow_nan=False)


@attrs.define
class Timer:
    """The server-owned clock of the quarter. Clients get seconds left, never a deadline (their
    clocks differ). It ticks while started and the room is not paused."""

    set_s: float | None = None  # what the facilitator last set; None: no clock this quarter
    left_s: float | None = None  # seconds left at `since`
    since: float = 0.0  # wall time of the last change
    started: bool = False

    def left(self, now: float, paused: bool) -> float | None:
        if self.left_s is None:
            return None
        if not self.started or paused:
            return self.left_s
        return max(0.0, self.left_s - (now - self.since))

    def hold(self, now: float, paused_before: bool) -> None:
        """Fold the time that ran into left_s, e.g. as a pause begins or ends."""
        self.left_s = self.left(now, paused_before)
        self.since = now


@attrs.define
class Principal:
    role: str
    company: str | None = None

    @property
    def key(self) -> str:
        return f"{self.role}:{self.company or ''}"


@attrs.define
class Event:
    seq: int
    audience: str
    body: dict[str, Any]


def build_session(spec: Scenario, seed: int, orders: list[dict], seat_plan: list[dict[str, str]], saves_dir: Path | None) -> Session:
    """Replay the engine to where the room is: each quarter's seats decide who watched it.

    Agents seated at a quarter see every view from then on, exactly as they did live, so a
    rebuilt room's agents decide as the original ones would have."""
    game = Game(spec, seed)
    agents: dict[str, Agent] = {}
    for q, quarter_orders in enumerate(orders):
        _seat_agents(spec, seed, seat_plan[q], agents)
        for cid, agent in agents.items():
            if game.alive(cid):
                agent.decide(game.view(cid))
        game.step(quarter_orders)
    seats = seat_plan[len(orders)]
    _seat_agents(spec, seed, seats, agents)
    return Session(game, seats, agents, saves_dir)


def _seat_agents(spec: Scenario, seed: int, seats: Mapping[str, str], agents: dict[str, Agent]) -> None:
    """Bring `agents` in line with `seats`: a seat that changed agent gets a fresh one."""
    for i, cid in enumerate(spec.companies):
        want = seats[cid]
        have = agents.get(cid)
        if want == HUMAN:
            agents.pop(cid, None)
        elif have is None or have.name != want:
            agents[cid] = make_agent(want, agent_seed(seed, i))


def _check_agent(name: Any, where: str, spec: Scenario, company: str) -> str:
    """Only built-in agents that play the company's archetype: a network command must never start
    a program, and a hyperscaler's agent cannot play a neocloud."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise _refuse(422, f"{where}: unknown agent {name!r}; built-in agents: {', '.join(sorted(REGISTRY))}")
    archetype = spec.companies[company].archetype
    if not REGISTRY[name].plays(archetype):
        raise _refuse(422, f"{where}: {company} is a {archetype}; agent {name!r} plays a {REGISTRY[name].archetype}. Agents for a {archetype}: {', '.join(agents_for(archetype))}")
    return name


class Room:
    """One workshop's whole state. Build it with `Room.from_log(commands)`; change it only with apply()."""

    def __init__(self, create: Mapping[str, Any], saves_dir: Path | None = None):
        try:
            self.spec0 = scenario_from_dict(create["scenario"], source=str(create.get("scenario_source") or "workshop"))
        except ScenarioError as e:
            raise _refuse(422, f"the workshop's scenario is invalid: {e.problems[0]}") from None
        self.seed = int(create["seed"])
        self.salt = str(create["salt"])
        self.quarter_minutes = create.get("quarter_minutes")
        self.saves_dir = saves_dir
        self.codes: dict[str, Principal] = {}  # hash -> who
        for h, (role, company) in create["codes"].items():
            self.codes[h] = Principal(role, company)
        self.team_companies = tuple(create["teams"])
        seats0 = {cid: HUMAN if cid in self.team_companies else create["agents"].get(cid, c.agent) for cid, c in self.spec0.companies.items()}
        self.seat_plan: list[dict[str, str]] = [seats0]  # seats in force for each quarter played or open
        self.pending_seats: dict[str, str] = {}
        self.live_injects: list[dict[str, Any]] = []  # {"quarter": index, "event", "target"}
        self.session = build_session(self.spec0, self.seed, [], self.seat_plan, saves_dir)
        self.drafts: dict[str, dict[str, Any]] = {}
        self.ready: dict[str, bool] = {}
        self.paused = False
        self.timer = Timer()
        self.messages: list[dict[str, Any]] = []
        self.branches: list[dict[str, Any]] = []  # abandoned by rewinds, kept whole
        self.events: list[Event] = []
        self.answers: dict[tuple[str, str], dict[str, Any]] = {}  # (principal, request id) -> answer
        self.commands = 0
        self._cache: dict[Any, Any] = {}
        self._cache_at = -1
        self._open_quarter(float(create.get("at", 0.0)))

    # ---- building -------------------------------------------------------------------------------
    @classmethod
    def from_log(cls, commands: Iterable[Mapping[str, Any]], saves_dir: Path | None = None) -> "Room":
        it = iter(commands)
        first = next(it, None)
        if first is None or first.get("kind") != "create":
            raise ValueError("the log does not start with the workshop's creation")
        room = cls(first, saves_dir)
        for cmd in it:
            room.apply(cmd)
        return room

    # ---- reading --------------------------------------------------------------------------------
    @property
    def spec(self) -> Scenario:
        return self.session.spec

    @property
    def quarter(self) -> int:
        return self.session.quarter

    @property
    def label(self) -> str:
        return quarter_label(self.spec.game.start, self.quarter)

    @property
    def seats(self) -> dict[str, str]:
        return dict(self.session.seats)

    @property
    def seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    def who(self, code: str) -> Principal | None:
        """The principal a code belongs to; every stored hash is compared, in constant time each."""
        found = None
        h = codes.code_hash(self.salt, code)
        for stored, p in self.codes.items():
            if hmac.compare_digest(h, stored):
                found = p
        return found

    def humans_playing(self) -> tuple[str, ...]:
        return self.session.humans_alive if not self.session.finished else ()

    def draft(self, company: str) -> dict[str, Any]:
        return self.drafts.get(company) or {"version": 0, "orders": [], "by": None}

    def checks(self, company: str, orders: list | None = None) -> dict[str, Any]:
        """The engine's judgement of each order in the draft (or in `orders`), as it stands now."""
        if orders is None:
            orders = self.draft(company)["orders"]
        if self.session.finished or self.session.seats.get(company) != HUMAN:
            return {"checks": [], "funds_musd": None}
        p = self.session.preview(company, orders)
        return {
            "checks": [{"text": c.text, "reason": c.reason, "cash_musd": c.cash_musd, "consequence": c.consequence, "warnings": list(c.warnings)} for c in p.checks],
            "funds_musd": p.funds_musd,
        }

    def visible(self, p: Principal, ev: Event) -> bool:
        if p.role == FACILITATOR:
            return True
        if ev.audience == EVERYONE:
            return True
        return p.role == TEAM and ev.audience == f"company:{p.company}"

    def events_for(self, p: Principal, since: int, until: int | None = None) -> list[dict[str, Any]]:
        """Events after `since` (up to `until`) this caller may see. Event n sits at index n-1."""
        return [{"seq": e.seq, **e.body} for e in self.events[max(0, since) : until] if self.visible(p, e)]

    def _cached(self, key: Any, make: Any) -> Any:
        """Built once per command applied, shared by every client that asks before the next one."""
        if self._cache_at != self.commands:
            self._cache, self._cache_at = {}, self.commands
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def view_json(self, company: str) -> dict[str, Any]:
        return self._cached(("view", company), lambda: finite(view_json(self.session.view(company))))

    def public(self) -> dict[str, Any]:
        """What the projector may show: nothing any one team has not been told in public."""
        return self._cached("public", self._public)

    def _public(self) -> dict[str, Any]:
        s = self.session
        last = s.public_report()
        return finite({
            "game": s.spec.game.name,
            "label": self.label,
            "quarters_total": s.spec.game.quarters,
            "finished": s.finished,
            "news": list(s.game.core.world.news),
            "report": CONVERTER.unstructure(last) if last is not None else None,
            "history": s.history,
            "markets": [CONVERTER.unstructure(r.markets) for r in s.game.public_reports],  # read-only mappings in the engine
            "seed": self.seed,
            "companies": {cid: {"name": c.name, "archetype": c.archetype, "seat": "team" if s.seats[cid] == HUMAN else "agent"} for cid, c in s.spec.companies.items()},
            "messages": [m for m in self.messages if m["to"] is None],
            "injects": [i for i in self.live_injects],
            "seq": self.seq,
        })

    def state(self, p: Principal, now: float, presence: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET /v1/state for this caller: a team its own company, an observer the public part,
        the facilitator everything."""
        s = self.session
        base = {
            "role": p.role,
            "company": p.company,
            "quarter": self.quarter,
            "label": self.label,
            "finished": s.finished,
            "paused": self.paused,
            "timer_s": self.timer.left(now, self.paused),
            "timer_running": self.timer.started and not self.paused,
            "public": self.public(),
            "seq": self.seq,
        }
        if p.role == TEAM:
            cid = p.company
            base.update(
                view=self.view_json(cid),
                draft=self._cached(("draft", cid), lambda: {**self.draft(cid), **self.checks(cid)}),
                ready=self.ready.get(cid, False),
                seat=s.seats[cid],
                to_date=list(s.to_date(cid)),
                history_mine=self._cached(("history", cid), lambda: finite(s.history_of(cid))),  # with its own cash and debt
                messages=[m for m in self.messages if m["to"] in (None, cid)],
                result=self._result() if s.finished else None,
            )
        elif p.role == OBSERVER:
            base.update(view=None, draft=None, ready={cid: self.ready.get(cid, False) for cid in s.humans}, result=self._result() if s.finished else None)
        else:
            base.update(
                view={cid: self.view_json(cid) for cid in s.spec.companies if s.game.alive(cid)},
                draft={cid: self.draft(cid) for cid in s.humans},
                ready={cid: self.ready.get(cid, False) for cid in s.humans},
                seats=self.seats,
                pending_seats=dict(self.pending_seats),
                teams=self.team_status(presence or {}),
                deck=[{"event": eid, "title": e.title, "scope": e.scope, "targets": self._targets(e)} for eid, e in s.spec.events.items()],
                work=self.work_by_quarter(),
                messages=list(self.messages),
                branches=[{k: b[k] for k in ("from_quarter", "to_quarter", "discarded")} for b in self.branches],
                late_policies=list(LATE_POLICIES),
                agents=sorted(REGISTRY),
                result=self._result() if s.finished else None,
                digest=self._cached("digest", self.digest),
                game_digest=self._cached("game_digest", self.game_digest),
            )
        return base

    def _result(self) -> dict[str, Any]:
        return finite(CONVERTER.unstructure(self.session.result()))

    def _targets(self, ev: Any) -> list[str]:
        if ev.scope == "global":
            return []
        table = {"region": "regions", "vendor": "vendors", "generation": "generations"}[ev.scope]
        return list(ev.targets) or list(getattr(self.spec, table))

    def team_status(self, presence: Mapping[str, Any]) -> dict[str, Any]:
        out = {}
        for cid in self.spec.companies:
            seen = presence.get(cid) or {}
            out[cid] = {
                "seat": self.session.seats[cid],
                "alive": self.session.game.alive(cid),
                "connected": int(seen.get("connected", 0)),
                "last_seen": seen.get("last_seen"),
                "draft_orders": len(self.draft(cid)["orders"]),
                "draft_version": self.draft(cid)["version"],
                "ready": self.ready.get(cid, False),
            }
        return out

    def work_by_quarter(self) -> list[dict[str, Any]]:
        """Which teams gave orders in each quarter played: what a rewind would discard."""
        out = []
        for q, orders in enumerate(self.session.game.order_log):
            humans = [cid for cid, a in self.seat_plan[q].items() if a == HUMAN and orders.get(cid)]
            out.append({"quarter": q, "label": quarter_label(self.spec.game.start, q), "teams": humans})
        return out

    def game_digest(self) -> str:
        """The game alone: its save's checksum (scenario with live injects, seed, orders, state, seats)."""
        return save_dict(self.session.game, self.session.seats)["checksum"]

    def digest(self) -> str:
        """The room's state in one hash: the game (its save's checksum) and everything around it.
        Wall-clock figures are left out, so a restart that extends the timer keeps the digest."""
        body = {
            "game": self.game_digest(),
            "drafts": self.drafts,
            "ready": self.ready,
            "paused": self.paused,
            "timer": [self.timer.set_s, self.timer.started],
            "seat_plan": self.seat_plan,
            "pending_seats": self.pending_seats,
            "injects": self.live_injects,
            "messages": [{k: m[k] for k in ("to", "text", "quarter")} for m in self.messages],
            "branches": self.branches,
            "codes": sorted(self.codes),
            "seq": self.seq,
        }
        return hashlib.sha256(canonical(body).encode()).hexdigest()

    # ---- changing ---------------------------------------------------------------------------------
    def apply(self, cmd: Mapping[str, Any]) -> dict[str, Any]:
        """Check and carry out one command; raises CommandError (nothing changed) if refused.
        A command repeated with the same request id gets its first answer and changes nothing."""
        p = Principal(cmd.get("role", ""), cmd.get("team"))  # who sent it; "company" is what it is about
        rid = cmd.get("request_id")
        if rid is not None and (p.key, rid) in self.answers:
            return self.answers[(p.key, rid)]
        kind = cmd.get("kind")
        handler = getattr(self, f"_do_{kind}", None) if isinstance(kind, str) else None
        if handler is None:
            raise _refuse(422, f"unknown command {kind!r}")
        if kind in _FACILITATOR_ONLY and p.role != FACILITATOR:
            raise _refuse(403, "only the facilitator may do that")
        now = float(cmd.get("at", 0.0))
        answer = handler(p, cmd, now)
        self.commands += 1
        if rid is not None:
            self.answers[(p.key, rid)] = answer
        return answer

    def would_repeat(self, p: Principal, rid: Any) -> dict[str, Any] | None:
        return self.answers.get((p.key, rid)) if rid is not None else None

    def _emit(self, audience: str, body: dict[str, Any]) -> None:
        self.events.append(Event(self.seq + 1, audience, finite(body)))

    def _team(self, p: Principal, cmd: Mapping[str, Any]) -> str:
        """The company a team acts for: always its own, whatever the body says."""
        if p.role != TEAM or not p.company:
            raise _refuse(403, "only a team may do that")
        for key in ("company", "for"):
            named = cmd.get(key)
            if named is not None and named != p.company:
                raise _refuse(403, "a team acts only for its own company")
        cid = p.company
        if self.session.finished:
            raise _refuse(409, "the game is over")
        if self.session.seats.get(cid) != HUMAN:
            raise _refuse(403, f"{cid} is played by the agent {self.session.seats.get(cid)} this quarter")
        if not self.session.game.alive(cid):
            raise _refuse(409, f"{cid} is bankrupt and gives no more orders")
        return cid

    def _quarter_is_now(self, cmd: Mapping[str, Any], required: bool) -> None:
        q = cmd.get("quarter")
        if q is None and not required:
            return
        if isinstance(q, bool) or not isinstance(q, int):
            raise _refuse(422, "quarter must be the whole number of the quarter the request is for")
        if q != self.quarter:
            raise _refuse(409, f"stale quarter: the request is for quarter {q}, the room is at quarter {self.quarter} ({self.label})")

    def _do_draft(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        cid = self._team(p, cmd)
        self._quarter_is_now(cmd, required=True)
        orders = self._orders(cmd)
        base = cmd.get("version")
        current = self.draft(cid)
        if base is not None and base != current["version"]:
            raise _refuse(409, f"the draft changed: you edited version {base}, it is now version {current['version']} (by {current['by'] or 'nobody'})")
        self.drafts[cid] = {"version": current["version"] + 1, "orders": [dict(x) for x in orders], "by": cmd.get("member")}
        was_ready = self.ready.pop(cid, False)
        checks = self.checks(cid)
        self._emit(f"company:{cid}", {"type": "draft", "company": cid, "quarter": self.quarter, **self.drafts[cid], **checks})
        if was_ready:
            self._emit(EVERYONE, {"type": "ready", "company": cid, "ready": False})
        return {"quarter": self.quarter, **self.drafts[cid], **checks}

    def check(self, p: Principal, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /v1/check: how the engine would judge these orders, changing nothing (not logged):
        what a team's form shows as its members type."""
        cid = self._team(p, body)
        self._quarter_is_now(body, required=True)
        orders = self._orders(body)
        return {"quarter": self.quarter, **self.checks(cid, orders)}

    def _orders(self, cmd: Mapping[str, Any]) -> list[dict[str, Any]]:
        orders = cmd.get("orders")
        if not isinstance(orders, list):
            raise _refuse(422, "orders must be a list of order objects")
        limit = self.spec.rules.max_orders_per_quarter
        if len(orders) > limit:
            raise _refuse(422, f"at most {limit} orders per quarter, got {len(orders)}")
        if not all(isinstance(x, dict) for x in orders):
            raise _refuse(422, "each order must be a JSON object with a \"type\"")
        if len(canonical(orders)) > MAX_DRAFT_BYTES:
            raise _refuse(422, f"the draft is larger than {MAX_DRAFT_BYTES} bytes")
        return orders

    def _do_ready(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        cid = self._team(p, cmd)
        self._quarter_is_now(cmd, required=True)
        flag = cmd.get("ready", True)
        if not isinstance(flag, bool):
            raise _refuse(422, "ready must be true or false")
        if self.ready.get(cid, False) != flag:
            self.ready[cid] = flag
            self._emit(EVERYONE, {"type": "ready", "company": cid, "ready": flag, "by": cmd.get("member")})
        answer = {"quarter": self.quarter, "ready": flag, "advanced": False}
        if flag and not self.paused and all(self.ready.get(c) for c in self.humans_playing()):
            self._advance(now, "draft", "all teams ready")
            answer["advanced"] = True
        return answer

    def _do_advance(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        self._quarter_is_now(cmd, required=False)
        late = cmd.get("late", "draft")
        if late not in LATE_POLICIES:
            raise _refuse(422, f"late must be one of {', '.join(LATE_POLICIES)}, got {late!r}")
        if self.session.finished:
            raise _refuse(409, "the game is over")
        reason = "the clock ran out" if cmd.get("by") == "timer" else "the facilitator ended the quarter"
        return self._advance(now, late, reason)

    def _advance(self, now: float, late: str, reason: str) -> dict[str, Any]:
        s = self.session
        ended = self.label
        late_teams = []
        for cid in s.humans_alive:
            orders = self.draft(cid)["orders"]
            if not self.ready.get(cid):
                late_teams.append(cid)
                if late == "none":
                    orders = []
                elif late == "repeat":
                    last = s.game.order_log[-1].get(cid) if s.game.order_log else None
                    orders = list(last) if isinstance(last, (list, tuple)) else []
                elif late == "agent":
                    default = s.spec.companies[cid].agent
                    if default in REGISTRY:  # a scenario's bot process is never started from here
                        i = list(s.spec.companies).index(cid)
                        orders = make_agent(default, agent_seed(self.seed, i)).decide(s.view(cid))
                    else:
                        orders = []
            s.submit(cid, list(orders)[: s.spec.rules.max_orders_per_quarter])
        s.advance()
        seats = self.seats
        seats.update(self.pending_seats)
        swapped = dict(self.pending_seats)
        self.pending_seats = {}
        self.seat_plan.append(seats)
        if swapped:
            self.session = self._rebuild_with(seats)
            self.session.autosave()  # the save names who plays each seat from now on
        self.drafts, self.ready = {}, {}
        self._emit(EVERYONE, {"type": "quarter", "ended": ended, "quarter": self.quarter, "label": self.label, "finished": s.finished, "late": late_teams, "policy": late, "reason": reason, "seats": swapped})
        self._open_quarter(now)
        return {"ended": ended, "quarter": self.quarter, "label": self.label, "finished": self.session.finished, "late": late_teams}

    def _rebuild_with(self, seats: dict[str, str]) -> Session:
        """A Session with new seats on the same game; agents newly seated start watching now."""
        s = self.session
        agents = dict(s.agents)
        _seat_agents(self.spec, self.seed, seats, agents)
        return Session(s.game, seats, agents, self.saves_dir)

    def _open_quarter(self, now: float) -> None:
        """Every quarter opens with its clock set and stopped: the facilitator starts it."""
        minutes = self.quarter_minutes
        self.timer = Timer(minutes * 60.0, minutes * 60.0, now, False) if minutes else Timer()

    def _do_pause(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        if not self.paused:
            self.timer.hold(now, False)
            self.paused = True
            self._emit(EVERYONE, {"type": "paused", "paused": True, "timer_s": self.timer.left(now, True)})
        return {"paused": True, "timer_s": self.timer.left(now, True)}

    def _do_resume(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        if self.paused:
            self.timer.hold(now, True)
            self.paused = False
            self._emit(EVERYONE, {"type": "paused", "paused": False, "timer_s": self.timer.left(now, False)})
        return {"paused": False, "timer_s": self.timer.left(now, False)}

    def _do_timer(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Set the seconds left and start the clock (it ticks once the room is not paused); 0 stops it."""
        seconds = cmd.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or not 0 <= seconds <= 24 * 3600:
            raise _refuse(422, "seconds must be a number from 0 to 86400 (0 stops the clock)")
        self.timer = Timer(float(seconds), float(seconds), now, True) if seconds else Timer()
        answer = {"timer_s": self.timer.left(now, self.paused), "running": self.timer.started and not self.paused}
        self._emit(EVERYONE, {"type": "timer", **answer})
        return answer

    def _do_downtime(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Written by the server as it restarts: the clock does not run while nobody could play."""
        seconds = float(cmd.get("seconds", 0.0))
        if self.timer.started and not self.paused:
            self.timer.since += max(0.0, seconds)
        return {"seconds": seconds}

    def _do_inject(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        """A deck event fires now, in public (an engine input: it goes into the game's scenario);
        a written inject is text, public or to one team."""
        to = cmd.get("to")
        if to is not None and to not in self.spec.companies:
            raise _refuse(422, f"to must be a company of this game or null, got {to!r}")
        event = cmd.get("event")
        text = cmd.get("text")
        if text is not None and (not isinstance(text, str) or not text.strip() or len(text) > TEXT_LIMIT):
            raise _refuse(422, f"text must be 1 to {TEXT_LIMIT} characters")
        if event is None:
            if text is None:
                raise _refuse(422, "an inject needs an event from the deck or a text")
            msg = self._message(now, to, text.strip(), "inject")
            return {"inject": msg}
        if self.session.finished:
            raise _refuse(409, "the game is over")
        if to is not None:
            raise _refuse(422, "a deck event changes the market for everyone, so it is public; send a written inject to one team")
        if not isinstance(event, str) or event not in self.spec.events:
            raise _refuse(422, f"no event {event!r} in the deck; events: {', '.join(self.spec.events)}")
        ev = self.spec.events[event]
        target = cmd.get("target") or ""
        if ev.scope != "global":
            if target not in self._targets(ev):
                raise _refuse(422, f"{event} needs a target {ev.scope}: one of {', '.join(self._targets(ev))}")
        elif target:
            raise _refuse(422, f"{event} is global and takes no target")
        inj = {"quarter": self.quarter, "event": event, "target": target}
        spec = self._spec_with(self.live_injects + [inj])
        self.live_injects.append(inj)
        self.session = build_session(spec, self.seed, self.session.game.order_log, self.seat_plan, self.saves_dir)
        self._emit(EVERYONE, {"type": "inject", "event": event, "title": ev.title, "target": target, "quarter": self.quarter, "news": list(self.session.game.core.world.news)})
        if text:
            self._message(now, None, text.strip(), "inject")
        for cid in self.drafts:  # the market moved: every draft is judged again
            self._emit(f"company:{cid}", {"type": "draft", "company": cid, "quarter": self.quarter, **self.drafts[cid], **self.checks(cid)})
        return {"inject": inj, "news": list(self.session.game.core.world.news)}

    def _spec_with(self, injects: list[dict[str, Any]]) -> Scenario:
        """The scenario with live injects added as scheduled injects, checked like a scenario file,
        so a save carries them and replays exactly."""
        start = self.spec0.game.start
        extra = tuple(InjectSpec(quarter=quarter_label(start, i["quarter"]), event=i["event"], target=i["target"]) for i in injects)
        spec = attrs.evolve(self.spec0, injects=self.spec0.injects + extra)
        try:
            return scenario_from_dict(scenario_to_dict(spec), source=self.spec0.source)
        except ScenarioError as e:
            raise _refuse(422, f"the inject does not fit the scenario: {e.problems[0]}") from None

    def _message(self, now: float, to: str | None, text: str, kind: str) -> dict[str, Any]:
        msg = {"to": to, "text": text, "kind": kind, "quarter": self.quarter, "at": now}
        self.messages.append(msg)
        self._emit(EVERYONE if to is None else f"company:{to}", {"type": "message", **msg})
        return msg

    def _do_message(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        text = cmd.get("text")
        to = cmd.get("to")
        if not isinstance(text, str) or not text.strip() or len(text) > TEXT_LIMIT:
            raise _refuse(422, f"text must be 1 to {TEXT_LIMIT} characters")
        if to is not None and to not in self.spec.companies:
            raise _refuse(422, f"to must be a company of this game or null, got {to!r}")
        return {"message": self._message(now, to, text.strip(), "message")}

    def _do_seat(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Human ↔ agent, from the next quarter on (a quarter is played by whoever opened it)."""
        cid = cmd.get("company")
        if cid not in self.spec.companies:
            raise _refuse(422, f"company must be one of {', '.join(self.spec.companies)}, got {cid!r}")
        agent = cmd.get("agent")
        if agent is None:
            if cid not in self.team_companies:
                raise _refuse(422, f"{cid} has no team code, so no team can take its seat")
            want = HUMAN
        else:
            want = _check_agent(agent, "agent", self.spec, cid)
        if self.session.finished:
            raise _refuse(409, "the game is over")
        if want == self.session.seats[cid]:
            self.pending_seats.pop(cid, None)
        else:
            self.pending_seats[cid] = want
        self._emit(EVERYONE, {"type": "seat", "company": cid, "seat": want, "from_quarter": self.quarter + 1})
        return {"company": cid, "seat": want, "from_quarter": self.quarter + 1}

    def _do_rewind(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Back to the opening of an earlier quarter; the abandoned branch stays in the log and in
        `branches`, with whose work it held."""
        q = cmd.get("quarter")
        if isinstance(q, bool) or not isinstance(q, int) or not 0 <= q < self.quarter + (1 if self.session.finished else 0):
            raise _refuse(422, f"quarter must be an earlier quarter, 0 to {self.quarter - 1 if not self.session.finished else self.quarter}")
        discarded = {
            "quarters": [w for w in self.work_by_quarter() if w["quarter"] >= q],
            "drafts": sorted(cid for cid, d in self.drafts.items() if d["orders"]),
        }
        log = self.session.game.order_log
        branch = {
            "from_quarter": self.quarter,
            "to_quarter": q,
            "discarded": discarded,
            "orders": finite(save_dict(self.session.game, self.session.seats)["orders"][q:]),
            "drafts": self.drafts,
            "injects": [i for i in self.live_injects if i["quarter"] >= q],
        }
        self.branches.append(branch)
        self.live_injects = [i for i in self.live_injects if i["quarter"] < q]
        self.seat_plan = self.seat_plan[: q + 1]
        self.pending_seats = {}
        spec = self._spec_with(self.live_injects)
        self.session = build_session(spec, self.seed, log[:q], self.seat_plan, self.saves_dir)
        self.drafts, self.ready, self.paused = {}, {}, False
        self._emit(EVERYONE, {"type": "rewind", "quarter": q, "label": self.label, "discarded": discarded})
        self._open_quarter(now)
        self.session.autosave()
        return {"quarter": q, "label": self.label, "discarded": discarded}

    def _do_revoke(self, p: Principal, cmd: Mapping[str, Any], now: float) -> dict[str, Any]:
        """A new code for a team or the observers; the old one stops working at once."""
        target = cmd.get("company")
        new_hash = cmd.get("hash")
        if not isinstance(new_hash, str) or len(new_hash) != 64:
            raise _refuse(422, "revoke needs the new code's hash")
        if target == OBSERVER:
            who = Principal(OBSERVER)
        elif target in self.team_companies:
            who = Principal(TEAM, target)
        else:
            raise _refuse(422, f"company must be a team ({', '.join(self.team_companies)}) or \"observer\"")
        self.codes = {h: x for h, x in self.codes.items() if x != who}
        self.codes[new_hash] = who
        self._emit("facilitator", {"type": "revoked", "company": target})
        return {"company": target}

    def timer_expired(self, now: float) -> bool:
        left = self.timer.left(now, self.paused)
        return self.timer.started and not self.paused and left is not None and left <= 0 and not self.session.finished


_FACILITATOR_ONLY = frozenset({"advance", "pause", "resume", "timer", "inject", "rewind", "seat", "message", "revoke", "downtime"})


# ---- making one ---------------------------------------------------------------------------------
def creation(spec: Scenario, seed: int, teams: list[str], agents: Mapping[str, str], quarter_minutes: float | None, at: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first command of a workshop's log, and the codes to hand out (shown once, never stored)."""
    unknown = [c for c in list(teams) + list(agents) if c not in spec.companies]
    if unknown:
        raise _refuse(422, f"no company {', '.join(map(repr, unknown))} in {spec.game.name}; companies: {', '.join(spec.companies)}")
    both = sorted(set(teams) & set(agents))
    if both:
        raise _refuse(422, f"{', '.join(both)} is named both as a team and as an agent")
    if len(set(teams)) != len(teams):
        raise _refuse(422, "a company is named twice in --teams")
    if not teams:
        raise _refuse(422, "a workshop needs at least one team")
    for cid, a in agents.items():
        _check_agent(a, f"--agents {cid}", spec, cid)
    for cid, c in spec.companies.items():
        if cid not in teams and cid not in agents and c.agent not in REGISTRY:
            raise _refuse(422, f"{cid}'s default agent {c.agent!r} is not built in; seat it with --agents {cid}=AGENT")
    salt = codes.new_salt()
    plain = {"facilitator": codes.new_code(), "observer": codes.new_code(), "teams": {cid: codes.new_code() for cid in teams}}
    hashed = {codes.code_hash(salt, plain["facilitator"]): (FACILITATOR, None), codes.code_hash(salt, plain["observer"]): (OBSERVER, None)}
    for cid, code in plain["teams"].items():
        hashed[codes.code_hash(salt, code)] = (TEAM, cid)
    cmd = {
        "kind": "create",
        "at": at,
        "scenario": scenario_to_dict(spec),
        "scenario_source": spec.source,
        "seed": seed,
        "teams": list(teams),
        "agents": dict(agents),
        "quarter_minutes": quarter_minutes,
        "salt": salt,
        "codes": hashed,
    }
    return json.loads(json.dumps(cmd, allow_nan=True)), plain


__all__ = ["Room", "CommandError", "Principal", "creation", "LATE_POLICIES", "FACILITATOR", "OBSERVER", "TEAM"]

"""A Session on the other side of the network: the TUI's screens drive it as they drive a local one.

The aiohttp client runs on its own thread and event loop (`Link`); the screens call plain methods
that wait for the answer, as they would for the engine. Events arrive on that thread and are
handed to the app with `call_from_thread`."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, Coroutine

import attrs

from ..engine.core import PrivateReport, PublicReport
from ..engine.scoring import CompanyResult, GameResult
from ..model import view as view_module
from ..model.orders import order_from_dict, order_to_dict, ORDER_TYPES
from ..model.view import CompanyView
from ..scenario import Scenario, scenario_from_dict
from ..scenario.load import CONVERTER
from ..session import HUMAN, OrderCheck, Preview, SessionError, standings_of
from .client import WorkshopClient, WorkshopError

CALL_TIMEOUT_S = 60.0

for _cls in [getattr(view_module, n) for n in dir(view_module)] + [PublicReport, GameResult, CompanyResult]:
    if isinstance(_cls, type) and attrs.has(_cls):
        attrs.resolve_types(_cls)  # the modules use string annotations; cattrs needs the types


def view_from_json(data: dict[str, Any], spec: Scenario) -> CompanyView:
    """The CompanyView the server built, rebuilt here: the same object the engine's observer made."""
    kw: dict[str, Any] = {}
    for a in attrs.fields(CompanyView):
        if a.name == "scenario":
            kw[a.name] = spec
        elif a.name == "last_private":
            kw[a.name] = private_from_json(data[a.name]) if data.get(a.name) else None
        elif a.name == "last_public":
            kw[a.name] = public_from_json(data[a.name]) if data.get(a.name) else None
        else:
            kw[a.name] = CONVERTER.structure(data[a.name], a.type)
    return CompanyView(**kw)


def private_from_json(d: dict[str, Any]) -> PrivateReport:
    keep = ("company", "quarter", "rejected", "pnl", "cash_musd", "debt_musd", "net_income_musd", "depreciation_musd")
    return PrivateReport(**{k: d[k] for k in keep if k in d}, lines=list(d.get("lines", [])))


def public_from_json(d: dict[str, Any]) -> PublicReport:
    return CONVERTER.structure(d, PublicReport)


def typed(order: Any) -> Any:
    """An order as the forms know it; one the server keeps but cannot parse stays as given."""
    if type(order) in ORDER_TYPES.values():
        return order
    try:
        return order_from_dict(order)
    except ValueError:
        return order


def as_json(order: Any) -> Any:
    return order_to_dict(order) if type(order) in ORDER_TYPES.values() else order


class Link:
    """A WorkshopClient on a thread of its own, called from the UI's threads."""

    def __init__(self, url: str, code: str, member: str | None = None):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="workshop-link")
        self.thread.start()
        self.client = WorkshopClient(url, code, member)
        self._listener: asyncio.Future | None = None

    def call(self, coro: Coroutine) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(CALL_TIMEOUT_S)

    def listen(self, handle: Callable[[dict[str, Any]], None], since: int) -> None:
        async def run() -> None:
            try:
                async for ev in self.client.events(since=since):
                    handle(ev)
            except WorkshopError as e:
                handle({"seq": None, "type": "refused", "status": e.status, "error": e.message})

        self._listener = asyncio.run_coroutine_threadsafe(run(), self.loop)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
        try:
            self.call(self.client.close())
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)


class _PublicRecord:
    """What the screens read from `session.game`: the markets of past quarters and the seed."""

    def __init__(self, markets: list[dict], seed: int):
        self.public_reports = [PublicReport(quarter="", markets=m) for m in markets]
        self.seed = seed


class RemoteSession:
    """The parts of game.session.Session the TUI uses, answered by the workshop server."""

    def __init__(self, link: Link, state: dict[str, Any], spec: Scenario):
        self.link = link
        self.spec = spec
        self.problems: list[str] = []  # failures the app should show; the screens never see an exception
        self.waiting = False
        self.turned = threading.Event()
        self.server_quarter = state["quarter"]
        self.absorb(state)

    @classmethod
    def connect(cls, link: Link) -> "RemoteSession":
        state = link.call(link.client.state())
        if state.get("role") != "team":
            raise SessionError(f"this code is for the {state.get('role')}, not a team")
        raw = link.call(link.client.call("GET", "/v1/scenario"))
        return cls(link, state, scenario_from_dict(raw, source="workshop"))

    # ---- the state as last heard -------------------------------------------------------------------
    def absorb(self, state: dict[str, Any]) -> None:
        self.state = state
        self.company = state["company"]
        self.quarter = state["quarter"]
        self.finished = bool(state["finished"])
        pub = state["public"]
        self.history = pub["history"]
        self.game = _PublicRecord(pub.get("markets", []), pub.get("seed", 0))
        self.seats = {cid: HUMAN if cid == self.company else ("team" if c["seat"] == "team" else "agent") for cid, c in pub["companies"].items()}
        self._view = view_from_json(state["view"], self.spec) if state.get("view") else None
        self.absorb_draft(state.get("draft") or {"version": 0, "orders": [], "checks": [], "funds_musd": 0.0})
        self.report = public_from_json(pub["report"]) if pub.get("report") else None
        self.server_quarter = max(self.server_quarter, self.quarter)

    def absorb_draft(self, draft: dict[str, Any]) -> None:
        self.draft = draft
        self._pending = tuple(typed(x) for x in draft.get("orders", []))
        self._preview = self._preview_of(self._pending, draft)

    def _preview_of(self, orders: tuple, answer: dict[str, Any]) -> Preview:
        checks = tuple(
            OrderCheck(order, c["text"], c["reason"], float(c["cash_musd"] or 0.0), c["consequence"], tuple(c.get("warnings", ())))
            for order, c in zip(orders, answer.get("checks", []))
        )
        return Preview(checks, float(answer.get("funds_musd") or 0.0))

    def refresh(self) -> None:
        self.absorb(self.link.call(self.link.client.state()))

    # ---- what the screens ask ---------------------------------------------------------------------
    @property
    def humans(self) -> tuple[str, ...]:
        return (self.company,) if self.seats.get(self.company) == HUMAN else ()

    @property
    def humans_alive(self) -> tuple[str, ...]:
        last = self.history[-1].get(self.company, {}) if self.history else {}
        return self.humans if last.get("alive", True) and not self.finished else ()

    def view(self, company: str) -> CompanyView:
        if company != self.company or self._view is None:
            raise SessionError("a team sees only its own company")
        return self._view

    def pending(self, company: str) -> tuple[Any, ...]:
        return self._pending

    def private_report(self, company: str) -> PrivateReport | None:
        return self._view.last_private if self._view is not None else None

    def public_report(self) -> PublicReport | None:
        return self.report

    def standings(self, company: str) -> tuple:
        """The standings from the team's own view and the public report, as Session ranks them."""
        view = self.view(company)
        return standings_of(view, self.report, view.me.capacity_h100e, bool(self.humans_alive))

    def index_before_last(self) -> float:
        """The price index the last quarter was sold at (the one before it moved)."""
        h = self.history
        return h[-2]["price_index"] if len(h) >= 2 else self.spec.demand.price_index_initial_usd_per_h100e_hour

    def score_estimate(self, company: str) -> None:
        """Not sent by the server yet: the TUI then shows the standings without a score estimate."""
        return None

    def statements(self, company: str) -> None:
        """Not sent by the server yet: the Company tab then says there are none."""
        return None

    def history_of(self, company: str) -> list[dict[str, Any]]:
        """Every quarter's public figures, with this team's own cash and debt beside its entry."""
        return self.state.get("history_mine") or self.history

    def to_date(self, company: str) -> tuple[float, float]:
        r, n = self.state.get("to_date") or (0.0, 0.0)
        return float(r), float(n)

    def preview(self, company: str, orders: Any) -> Preview:
        """The engine's checks, by the server: the orders as drafted are known; others are asked."""
        orders = tuple(orders)
        if orders == self._pending:
            return self._preview
        try:
            answer = self.link.call(self.link.client.call("POST", "/v1/check", {"quarter": self.quarter, "orders": [as_json(x) for x in orders]}))
        except WorkshopError as e:
            return Preview(tuple(OrderCheck(x, str(x), f"cannot check now: {e.message}", 0.0, "") for x in orders), 0.0)
        return self._preview_of(orders, answer)

    def submit(self, company: str, orders: Any) -> Preview:
        """Store the team's shared draft on the server; every member sees it at once."""
        orders = tuple(orders)
        try:
            answer = self.link.call(self.link.client.put_draft(self.quarter, [as_json(x) for x in orders]))
        except WorkshopError as e:
            self.problems.append(f"The draft was not saved: {e.message}")
            return self._preview
        self.absorb_draft(answer)
        return self._preview

    def advance(self) -> PublicReport | None:
        """Mark the team ready and wait for the quarter to end (the facilitator or the last team ends it)."""
        q = self.quarter
        self.waiting = True
        try:
            if self.server_quarter == q:
                self.turned.clear()
                self.link.call(self.link.client.ready(q))
                while self.server_quarter == q:
                    self.turned.wait(1.0)
        except WorkshopError as e:
            if e.status != 409:  # 409: the quarter ended meanwhile, which is what we wait for
                self.problems.append(f"Could not mark ready: {e.message}")
                return self.report
        finally:
            self.waiting = False
        self.refresh()
        return self.report

    def quarter_turned(self, quarter: int) -> None:
        self.server_quarter = quarter
        self.turned.set()

    def result(self) -> GameResult:
        return CONVERTER.structure(self.state["result"], GameResult)

    def save(self, path: Any) -> Any:
        raise OSError(0, "the workshop's server keeps the saves; ask the facilitator")

    def autosave(self) -> None:
        return None

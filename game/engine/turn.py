"""The turn: names the phase order of docs/rules.md ("A quarter") and runs one quarter at a time."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from ..model.state import ONLINE
from ..model.view import CompanyView, ReadOnlyDict
from ..scenario import Scenario
from . import power
from .build import build_phase
from .chips import asic_programmes, chip_markets
from .compute import compute_markets
from .core import PNL, REVENUE, GameCore, PrivateReport, PublicReport, new_core
from .finance import finance_phase
from .labour import crew_markets, training_programmes
from .news import news_phase
from .observe import Observer
from .operate import operate_phase
from .scoring import GameResult, game_result, record_quarter
from .validate import OrderBook, validate_orders


QUARTERS_PER_YEAR = 4

# The market, build, operate and finance phases (docs/rules.md, "A quarter") in the order they
# run, each with the quarter's accepted orders (named, so bench/engine_speed.py can say what
# each one costs)
PHASES: tuple[tuple[str, Callable[[GameCore, OrderBook], None]], ...] = (
    # 3. markets
    ("lot auctions", power.lot_auctions),
    ("interconnect auctions", power.interconnect_auctions),
    ("gas auction", power.gas_auction),
    ("smr signing", power.smr_signing),
    ("asic programmes", asic_programmes),
    ("chip markets", chip_markets),
    ("crew markets", crew_markets),
    ("training programmes", training_programmes),
    ("compute markets", compute_markets),
    # 4. build, 5. operate, 6. finance
    ("build", build_phase),
    ("operate", lambda g, accepted: operate_phase(g)),
    ("finance", finance_phase),
)


class Game:
    """One game: a function of (scenario, seed, orders). Drive it with view() and step()."""

    def __init__(self, spec: Scenario, seed: int):
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
        self.spec = spec
        self.seed = seed
        self.core = new_core(spec, seed)
        self.observer = Observer(self.core)
        self.order_log: list[dict[str, list]] = []
        self.public_reports: list[PublicReport] = []
        self.private_reports: list[dict[str, PrivateReport]] = []
        self.stats: dict[str, dict[str, float]] = {cid: {} for cid in self.core.world.companies}
        self.history: list[dict[str, Any]] = []  # per-quarter public figures for charts
        self.private_history: dict[str, list[dict[str, Any]]] = {cid: [] for cid in self.core.world.companies}  # each company's own, by quarter
        self.start_power_mw = {c.id: sum(p.mw for p in c.power) for c in self.core.world.companies.values()}
        self._begin_quarter()

    # ---- reading --------------------------------------------------------------------------------
    @property
    def quarter(self) -> int:
        return self.core.q

    @property
    def finished(self) -> bool:
        return self.core.world.finished

    @property
    def companies(self) -> list[str]:
        return list(self.core.world.companies)

    def alive(self, cid: str) -> bool:
        return self.core.world.companies[cid].alive

    def view(self, cid: str) -> CompanyView:
        last_pub = self.public_reports[-1] if self.public_reports else None
        last_priv = self.private_reports[-1].get(cid) if self.private_reports else None
        return self.observer.view(cid, last_pub, last_priv)

    def rules(self, cid: str) -> Scenario:
        """The rules as company cid may read them: what its agent is started with (no injects,
        no rival's private figures, read-only)."""
        return self.observer.rules(cid)

    def result(self, agents: Mapping[str, str] | None = None) -> GameResult:
        return game_result(self.core, self.stats, dict(agents or {}))

    def reseed(self, seed: int) -> None:
        """Replace every random stream with streams made from `seed`, from this point on.

        For what-if tournaments that continue one position under many futures: the news
        already drawn for the open quarter stays; every draw from the next step() on comes
        from the new streams. A reseeded game is no longer a function of (scenario, seed,
        orders) alone, so a save of it will not replay.
        """
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
        self.core.randomness.reseed(seed)

    # ---- the quarter ------------------------------------------------------------------------------
    def _begin_quarter(self) -> None:
        """Phase 1, news: runs as the quarter opens, so every view shows it before orders."""
        g = self.core
        g.world.news = []
        label = g.label()
        g.public = PublicReport(label)
        g.private = {}
        for c in g.alive():
            g.private[c.id] = PrivateReport(c.id, label)
            c.ledger = []
        g.depreciation = {}
        g.equity_raised = {}
        news_phase(g)
        self.observer.invalidate()

    def step(self, orders: Mapping[str, Sequence[Any]]) -> PublicReport:
        """Resolve the quarter from every company's sealed orders; returns the public report."""
        if self.finished:
            raise RuntimeError("the game is over")
        g = self.core
        raw = {cid: list(orders.get(cid) or []) if isinstance(orders.get(cid), (list, tuple)) else orders.get(cid) for cid in g.world.companies}
        # (an empty list or None gives nothing; any other set is kept, a falsy non-list like {} included, as its rejection must replay)
        self.order_log.append({cid: v for cid, v in raw.items() if v is not None and not (type(v) is list and not v)})
        # 2. orders: each company's set validated against its own state
        accepted = OrderBook({c.id: validate_orders(g, c, raw.get(c.id)) for c in g.alive()})
        g.release_books()  # held since last quarter's operate, for views and order checks
        for _, phase in PHASES:  # 3. markets, 4. build, 5. operate, 6. finance
            phase(g, accepted)
        # 7. report
        self._close_quarter()
        g.world.quarter += 1
        if g.world.quarter >= self.spec.game.quarters or not g.alive():
            g.world.finished = True
        else:
            self._begin_quarter()
        return self.public_reports[-1]

    def _close_quarter(self) -> None:
        g = self.core
        q = g.q
        label = g.label()
        alive = g.alive()
        total_h = sum([c.capacity_h100e for c in alive]) or 1.0
        figures: dict[str, Any] = {"quarter": label, "price_index": g.world.price_index, "demand_h100e": g.world.demand_h100e}
        private: dict[str, PrivateReport] = {}
        for c in g.world.companies.values():
            rep = g.private.get(c.id)
            if rep is not None:
                pnl = rep.pnl
                dep = g.depreciation.get(c.id, 0.0)
                c.net_income_musd = sum([v for k, v in pnl.items() if k in PNL]) - dep
                c.revenue_musd = sum([v for k, v in pnl.items() if k in REVENUE])
                c.cum_revenue_musd += c.revenue_musd
                record_quarter(g, c, pnl, self.stats[c.id])
                private[c.id] = rep.sealed(cash_musd=c.cash_musd, debt_musd=c.debt_musd, net_income_musd=c.net_income_musd, depreciation_musd=dep)
            online = pipeline = 0.0
            for s in c.sites:
                if s.stage == ONLINE:
                    online += s.mw
                else:
                    pipeline += s.mw
            st = self.stats[c.id]
            capacity = c.capacity_h100e
            if c.alive and capacity > 0:
                st["util_sum"] = st.get("util_sum", 0.0) + min(1.0, c.used_h100e / capacity)
                st["util_n"] = st.get("util_n", 0) + 1
            if q == 0:
                st["start_power_mw"] = self.start_power_mw.get(c.id, 0.0)
            elif q == QUARTERS_PER_YEAR - 1:
                st["early_power_mw"] = sum(p.mw for p in c.power)
            g.public.companies[c.id] = ReadOnlyDict(
                name=c.name,
                archetype=c.archetype,
                alive=c.alive,
                online_mw=online,
                pipeline_mw=pipeline,
                capacity_h100e=capacity if c.alive else 0.0,
                share_h100e=capacity / total_h if c.alive else 0.0,
            )
            # public: what the market sees; private: what only the company itself may
            figures[c.id] = {"online_mw": online, "capacity_h100e": capacity, "alive": c.alive}
            self.private_history[c.id].append({"cash_musd": c.cash_musd, "debt_musd": c.debt_musd})
        self.public_reports.append(g.public.sealed(news=g.world.news))
        self.private_reports.append(private)
        self.history.append(figures)

    def history_with(self, *cids: str) -> list[dict[str, Any]]:
        """The quarters so far as everyone sees them, with the private figures (cash, debt) of the
        companies named beside their public ones: one company's own record for its screens, or
        every company's for the report after the game."""
        out = []
        for i, h in enumerate(self.history):
            h = dict(h)
            for cid in cids:
                if cid in h:
                    h[cid] = {**h[cid], **self.private_history[cid][i]}
            out.append(h)
        return out

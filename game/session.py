"""One game as people play it: seats, pending orders checked as they are typed, quarters, saves."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any, Mapping, Sequence

import attrs
from attrs import frozen

from .agents import REGISTRY, UnknownAgent
from .agents.base import Agent
from .agents.catalogue import check_file_seats
from .engine import Game
from .engine.core import CAPITAL, PNL, REVENUE, PrivateReport, PublicReport
from .engine.scoring import GameResult, annuity, online_h100e, score_parts
from .engine.finance import borrow_headroom
from .engine.validate import judge_orders
from . import advice
from .model import orders as o
from .model.orders import ORDER_TYPES, Order
from .model.view import CompanyView
from .runner import agent_orders, seat_agents
from .saves import SaveError, load_game, read_save, save_game
from .scenario import Scenario, available_scenarios, load_scenario, quarter_label

HUMAN = "human"
AUTOSAVE = "autosave.json"
SAVES_ENV = "GRIDLOCK_SAVES"


def default_saves_dir() -> Path:
    """Where saves go unless --saves-dir says otherwise: $GRIDLOCK_SAVES, else the user's data
    folder (e.g. ~/.local/share/gridlock/saves on Linux), the same from whichever folder
    Gridlock is started, so an unfinished game is always offered again."""
    env = os.environ.get(SAVES_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("gridlock", appauthor=False) / "saves"
SEED_LIMIT = 2**31  # random seeds short enough to read out and type back in


class SessionError(ValueError):
    """A request the session cannot carry out, with one sentence saying why."""


@frozen
class OrderCheck:
    """One pending order as the engine would judge it now."""

    order: Any  # the typed order, or what was given when it does not parse
    text: str
    reason: str | None  # None when the engine would accept it
    cash_musd: float  # the most this order can move cash this quarter; negative = paid out
    consequence: str  # what it does to capacity, power or the balance sheet, in words
    warnings: tuple[str, ...] = ()  # legal, but almost surely a mistake (advice.warnings)


@frozen
class Preview:
    checks: tuple[OrderCheck, ...]
    funds_musd: float  # cash plus borrowing room before these orders

    @property
    def accepted(self) -> tuple[OrderCheck, ...]:
        return tuple(c for c in self.checks if c.reason is None)

    @property
    def cash_out_musd(self) -> float:
        return -sum(c.cash_musd for c in self.accepted if c.cash_musd < 0)

    @property
    def cash_in_musd(self) -> float:
        return sum(c.cash_musd for c in self.accepted if c.cash_musd > 0)


@frozen
class Standing:
    """One company in the standings, from what the rules let the asking seat see."""

    id: str
    name: str
    archetype: str
    alive: bool
    mine: bool
    online_mw: float
    power_mw: float
    capacity_h100e: float
    share_h100e: float
    public_value_musd: float  # public_value_musd(): the same formula for every company, mine too
    rank: int  # by public value (alive first), then id


def standings_of(view: CompanyView, pub: PublicReport | None, mine_h100e: float, alive: bool) -> tuple[Standing, ...]:
    """Every company as the view's company may see it, ranked by public value: from its own
    view and last quarter's public report alone (a workshop team's client has nothing else)."""
    cost = pub.markets.get("compute", {}).get("cost_of_serving_usd_per_h100e_hour", 0.0) if pub is not None else 0.0
    me = view.me
    online = sum(s.mw for s in me.sites if s.stage == "online")
    rows = [(me.id, me.name, me.archetype, alive, True, online, sum(p.mw for p in me.power), mine_h100e)]
    rows += [(r.id, r.name, r.archetype, r.alive, False, r.online_mw, r.power_mw, r.capacity_h100e) for r in view.rivals]
    total = sum(r[7] for r in rows if r[3]) or 1.0
    valued = [(row, public_value_musd(view, row[7], row[6], row[5], cost) if row[3] else 0.0) for row in rows]
    valued.sort(key=lambda rv: (not rv[0][3], -rv[1], rv[0][0]))
    return tuple(
        Standing(cid, name, arch, alive, mine, online_mw, power_mw, h100e, h100e / total if alive else 0.0, value, i + 1)
        for i, ((cid, name, arch, alive, mine, online_mw, power_mw, h100e), value) in enumerate(valued)
    )


def public_value_musd(view: CompanyView, capacity_h100e: float, power_mw: float, online_mw: float, cost_usd_per_h100e_hour: float) -> float:
    """What anyone can estimate a company's assets are worth from public figures alone (cash,
    debt and margins are private, so they are left out for every company, the asker's too):

      installed H100e × max(0, price index − cost of serving) × hours a quarter × annuity
      + power held but not online (MW) × the mean last grid clearing price of the regions

    The first term is the score's fleet value with the market's margin in place of the
    company's own; the second is its power value with the map's mean price in place of the
    region's. It ranks companies by what they have built and secured, not by what they will
    be scored (docs/rules.md)."""
    spec = view.scenario
    margin = max(0.0, view.price_index - cost_usd_per_h100e_hour) * spec.rules.hours_per_quarter / 1e6
    prices = [r.last_grid_price_musd_per_mw or r.grid_reserve_price_musd_per_mw for r in view.regions]
    per_mw = sum(prices) / len(prices) if prices else 0.0
    return capacity_h100e * margin * annuity(spec.scoring) + max(0.0, power_mw - online_mw) * per_mw


# The cash-flow statement's sections: financing moves money with lenders and shareholders,
# investing buys what earns later; operating is every P&L line (all of them are cash).
FINANCING = frozenset({"debt_draw", "debt_repay", "equity_raise"})
INVESTING = CAPITAL - FINANCING


@frozen
class Statements:
    """A company's three statements for the quarter just closed, every figure in $M: profit and
    loss (net income = the P&L lines − depreciation), cash flow (operating + investing +
    financing = the change in cash) and the balance sheet at the close (assets = debt + equity)."""

    quarter: str
    pnl: tuple[tuple[str, float], ...]  # (ledger category, amount): revenue positive, costs negative
    depreciation_musd: float
    net_income_musd: float
    operating: tuple[tuple[str, float], ...]
    investing: tuple[tuple[str, float], ...]
    financing: tuple[tuple[str, float], ...]
    cash_start_musd: float
    cash_end_musd: float
    assets: tuple[tuple[str, float], ...]  # cash, then assets at depreciated book value
    debt_musd: float
    equity_musd: float  # book equity: assets − debt

    @property
    def net_cash_flow_musd(self) -> float:
        return sum(v for part in (self.operating, self.investing, self.financing) for _, v in part)


@frozen
class ScenarioChoice:
    name: str
    title: str
    description: str
    quarters: int
    start: str
    companies: tuple[tuple[str, str, str, str], ...]  # (id, name, archetype, default agent)


def scenario_choices() -> tuple[ScenarioChoice, ...]:
    """The shipped scenarios that load cleanly, for a new-game menu."""
    out = []
    for name in available_scenarios():
        try:
            s = load_scenario(name)
        except Exception:  # a broken shipped file must not stop the menu; `scenario check` explains it
            continue
        out.append(
            ScenarioChoice(
                name,
                s.game.name,
                " ".join(s.game.description.split()),
                s.game.quarters,
                s.game.start,
                tuple((cid, c.name, c.archetype, c.agent) for cid, c in s.companies.items()),
            )
        )
    # the tutorial first: it is where a newcomer starts
    return tuple(sorted(out, key=lambda c: (c.name != "tutorial", c.name)))


def agent_choices() -> tuple[tuple[str, str, str], ...]:
    """(name, archetype, thesis) of every built-in agent."""
    return tuple((name, arch, thesis) for name, (_cls, arch, thesis) in sorted(REGISTRY.items()))


def random_seed() -> int:
    return secrets.randbelow(SEED_LIMIT)


# ---- the order forms ------------------------------------------------------------------------------
ORDER_GROUPS: dict[str, tuple[str, ...]] = {
    "Power": ("bid_interconnect", "bid_gas", "sign_smr", "bid_lot"),
    "Build": ("start_site", "retrofit"),
    "Chips": ("bid_chips", "sign_apa", "fund_asic"),
    "Labour": ("bid_crews", "fund_training"),
    "Compute": ("offer_compute", "bid_rfp", "subcontract"),
    "Finance": ("borrow", "repay", "raise_equity"),
}


# Order kinds only some archetypes may place: the special move each needs (the engine's
# order checks refuse them otherwise; a test holds the two together).
SPECIAL_MOVE_OF_KIND: dict[str, str] = {"sign_smr": "smr", "fund_asic": "asic", "subcontract": "subcontract"}


def order_kinds(view: CompanyView) -> tuple[tuple[str, str], ...]:
    """(group, kind) of every order this company may place: the forms offer nothing else."""
    moves = set(view.me.special_moves)
    return tuple(
        (group, kind)
        for group, kinds in ORDER_GROUPS.items()
        for kind in kinds
        if SPECIAL_MOVE_OF_KIND.get(kind, "") in moves | {""}
    )


def order_fields(kind: str) -> tuple[tuple[str, type], ...]:
    """The fields a form asks for, with their types."""
    cls = ORDER_TYPES[kind]
    hints = {"float": float, "int": int, "bool": bool, "str": str, "str | None": str}
    return tuple((f.name, hints.get(f.type if isinstance(f.type, str) else f.type.__name__, str)) for f in attrs.fields(cls))


def field_choices(view: CompanyView, kind: str, name: str) -> tuple[tuple[str, str], ...]:
    """(value, label) pairs for a field that names something in the game; empty for numbers."""
    me = view.me
    if name == "region":
        return tuple((r.id, f"{r.name}" + (" — moratorium" if r.moratorium and kind == "bid_interconnect" else "")) for r in view.regions)
    if name == "generation":  # newest first: what most orders are for
        return tuple((x.id, f"{x.name} ({x.vendor})") for x in sorted(view.generations, key=lambda x: -x.release_quarter) if x.released and x.in_production)
    if name == "power":
        return tuple((p.id, f"{p.id}: {p.mw:,.0f} MW {p.kind} in {view.region(p.region).name}" + ("" if p.energised else f", energises ~{_label(view, p.ready_quarter)}")) for p in me.power if p.site is None)
    if name == "site":
        return tuple((s.id, f"{s.id}: {s.mw:,.0f} MW {s.cooling} in {s.region}") for s in me.sites if s.stage == "online")
    if name == "cooling":
        return tuple((k, c.name) for k, c in view.scenario.cooling.items() if kind != "retrofit" or c.hosts_liquid_only)
    if name == "lot":
        return tuple((x.id, f"{x.id}: {x.kind.replace('_', ' ')} {x.mw:,.0f} MW in {x.region}, reserve ${x.reserve_musd:,.0f}M") for x in view.lots)
    if name == "rfp":
        return tuple((r.id, f"{r.id}: {r.h100e:,.0f} H100e × {r.quarters}q, ceiling ${r.max_price_usd_per_h100e_hour:.2f}") for r in view.rfps if r.customer != me.id)
    return ()


def parse_order(kind: str, values: Mapping[str, Any]) -> Order:
    """A typed order from a form's text fields; ValueError naming the field otherwise."""
    if kind not in ORDER_TYPES:
        raise ValueError(f"unknown order kind {kind!r}")
    body: dict[str, Any] = {}
    for name, typ in order_fields(kind):
        raw = values.get(name)
        text = raw.strip() if isinstance(raw, str) else raw
        if text in (None, ""):
            if typ is bool:
                body[name] = False
                continue
            raise ValueError(f"{name.replace('_', ' ')} is missing")
        try:
            if typ is bool:
                body[name] = text if isinstance(text, bool) else str(text).lower() in ("1", "true", "yes", "y", "on")
            elif typ is int:
                body[name] = int(str(text).replace(",", "").replace("_", ""))
            elif typ is float:
                body[name] = float(str(text).replace(",", "").replace("_", ""))
            else:
                body[name] = str(text)
        except ValueError:
            kind_word = "a whole number" if typ is int else "a number"
            raise ValueError(f"{name.replace('_', ' ')} must be {kind_word}, got {text!r}") from None
    return ORDER_TYPES[kind](**body)


def _label(view: CompanyView, q: int) -> str:
    return quarter_label(view.scenario.game.start, max(q, 0))


def consequence(view: CompanyView, x: Order) -> str:
    """What an order does to the company's power, capacity or balance sheet, in words."""
    spec = view.scenario
    try:
        if isinstance(x, o.BidInterconnect):
            r = view.region(x.region)
            return f"+{x.mw:,.0f} MW grid power in {r.name} if the bid clears; energises {r.queue_wait_quarters_min}–{r.queue_wait_quarters_max} quarters later"
        if isinstance(x, o.BidGasTurbines):
            return f"+{x.mw:,.0f} MW on-site gas in {view.region(x.region).name} if the bid clears"
        if isinstance(x, o.SignSmrPpa):
            return f"+{x.mw:,.0f} MW SMR power from about {_label(view, view.smr_first_delivery_quarter)}"
        if isinstance(x, o.BidLot):
            lot = next(lt for lt in view.lots if lt.id == x.lot)
            return f"+{lot.mw:,.0f} MW {lot.kind.replace('_', ' ')} in {lot.region} if yours is the best bid"
        if isinstance(x, o.StartSite):
            p = next(p for p in view.me.power if p.id == x.power)
            pue = spec.cooling[x.cooling].pue
            return f"a {p.mw:,.0f} MW site ({p.mw / pue:,.0f} MW of IT load); permitting first, then crews build it"
        if isinstance(x, o.RetrofitCooling):
            return f"site {x.site} goes offline for {spec.rules.retrofit_quarters} quarter(s), then hosts liquid-only chips"
        if isinstance(x, o.SignChipAgreement):
            g = view.generation(x.generation)
            return f"+{x.units_per_quarter * g.performance_h100e:,.0f} H100e delivered each quarter for {x.quarters} quarters (take-or-pay)"
        if isinstance(x, o.BidChips):
            g = view.generation(x.generation)
            return f"+{x.units * g.performance_h100e:,.0f} H100e if won; needs {x.units * g.power_kw / 1000:,.1f} MW of IT load to install"
        if isinstance(x, o.FundAsicProgramme):
            return f"ASIC programme: quarter {view.me.asic_quarters_funded + 1} of {spec.asic.programme_quarters}"
        if isinstance(x, o.BidCrews):
            return f"builds up to {x.crews * spec.rules.construction_mw_per_crew_quarter:,.0f} MW this quarter in {view.region(x.region).name} if hired"
        if isinstance(x, o.FundTraining):
            return f"more crews in the {view.region(x.region).name} pool in later quarters, for everyone"
        if isinstance(x, o.OfferCompute):
            return f"free capacity in {view.region(x.region).name} offered at ${x.price_usd_per_h100e_hour:.2f} (index ${view.price_index:.2f})"
        if isinstance(x, o.BidRfp):
            r = next(r for r in view.rfps if r.id == x.rfp)
            return f"commits {r.h100e:,.0f} H100e for {r.quarters} quarters at ${x.price_usd_per_h100e_hour:.2f} if lowest"
        if isinstance(x, o.Subcontract):
            return f"{x.h100e:,.0f} H100e of internal demand put to tender for {x.quarters} quarters"
        if isinstance(x, o.Borrow):
            return f"debt ${view.me.debt_musd:,.0f}M → ${view.me.debt_musd + x.musd:,.0f}M"
        if isinstance(x, o.Repay):
            return f"debt ${view.me.debt_musd:,.0f}M → ${max(0.0, view.me.debt_musd - x.musd):,.0f}M"
        if isinstance(x, o.RaiseEquity):
            return f"founders' stake {view.me.ownership:.0%} falls (new shares at a {spec.rules.equity_issue_discount:.0%} discount)"
    except (StopIteration, KeyError, AttributeError):
        return ""
    return ""


def _cash_effect(x: Any, committed: float) -> float:
    """Cash in is positive. Borrowing and equity bring cash; everything else may take some."""
    if isinstance(x, o.Borrow):
        return x.musd
    if isinstance(x, o.RaiseEquity):
        return x.musd
    return -committed


# ---- the session ----------------------------------------------------------------------------------
class Session:
    """A game with seats: humans enter orders (checked as typed), agents decide for the rest.

    The TUI — or later a server — talks only to this object."""

    def __init__(self, game: Game, seats: Mapping[str, str], agents: Mapping[str, Agent], saves_dir: Path | None = None):
        self.game = game
        self.seats = dict(seats)  # company -> HUMAN or an agent spec
        self.agents = dict(agents)
        self.saves_dir = Path(saves_dir) if saves_dir is not None else default_saves_dir()
        self._pending: dict[str, tuple[Any, ...]] = {cid: () for cid in self.humans}
        self._views: dict[str, CompanyView] = {}
        self._start_agents()

    # ---- making one ----------------------------------------------------------------------------
    @classmethod
    def start(cls, scenario: Scenario | str, seed: int, seats: Mapping[str, str], saves_dir: Path | None = None) -> "Session":
        spec = load_scenario(scenario) if isinstance(scenario, str) else scenario
        seats = dict(seats)
        unknown = sorted(set(seats) - set(spec.companies))
        if unknown:
            raise SessionError(f"no company {', '.join(map(repr, unknown))} in {spec.game.name}")
        agent_seats = {cid: a for cid, a in seats.items() if a != HUMAN}
        try:
            agents = seat_agents(spec, seed, agent_seats)
        except UnknownAgent as e:
            raise SessionError(str(e)) from None
        agents = {cid: a for cid, a in agents.items() if seats.get(cid) != HUMAN}
        full = {cid: seats.get(cid, spec.companies[cid].agent) for cid in spec.companies}
        return cls(Game(spec, seed), full, agents, saves_dir)

    def _start_agents(self) -> None:
        for cid, agent in self.agents.items():
            if hasattr(agent, "start"):
                agent.start(self.game.rules(cid), cid)

    @classmethod
    def load(cls, path: str | Path, saves_dir: Path | None = None) -> "Session":
        """A saved game, replayed and checked; SaveError with one sentence if it cannot be used."""
        data = read_save(path)
        saved = data.get("seats")
        if not isinstance(saved, dict):
            saved = {}
        try:
            game, _ = load_game(path)
            spec = game.spec
            seats = {cid: saved[cid] if isinstance(saved.get(cid), str) else spec.companies[cid].agent for cid in spec.companies}
            try:  # a save file must not name code to run: a person seats plug-ins and bots
                check_file_seats(seats, str(path))
            except UnknownAgent as e:
                raise SaveError(f"{e}; to play on with it, continue with `gridlock run --load {path}` and --seat") from None
            agents = seat_agents(spec, game.seed, {cid: a for cid, a in seats.items() if a != HUMAN})
            agents = {cid: a for cid, a in agents.items() if seats[cid] != HUMAN}
            # replay once more with the agents watching, so stateful ones pick up where they were
            game, _ = load_game(path, agents)
        except UnknownAgent as e:
            raise SaveError(f"{path}: {e}") from None
        return cls(game, seats, agents, saves_dir)

    # ---- reading -------------------------------------------------------------------------------
    @property
    def spec(self) -> Scenario:
        return self.game.spec

    @property
    def humans(self) -> tuple[str, ...]:
        return tuple(cid for cid, a in self.seats.items() if a == HUMAN)

    @property
    def humans_alive(self) -> tuple[str, ...]:
        return tuple(cid for cid in self.humans if self.game.alive(cid))

    @property
    def finished(self) -> bool:
        return self.game.finished

    @property
    def quarter(self) -> int:
        return self.game.quarter

    @property
    def history(self) -> list[dict[str, Any]]:
        """Every quarter's public figures so far."""
        return self.game.history

    def history_of(self, company: str) -> list[dict[str, Any]]:
        """The public figures with the company's own private ones (cash, debt) beside its entry."""
        return self.game.history_with(company)

    def view(self, company: str) -> CompanyView:
        if company not in self.seats:
            raise SessionError(f"no company {company!r} in this game")
        v = self._views.get(company)
        if v is None or v.quarter != self.game.quarter:
            v = self._views[company] = self.game.view(company)
        return v

    def public_report(self) -> PublicReport | None:
        return self.game.public_reports[-1] if self.game.public_reports else None

    def private_report(self, company: str) -> PrivateReport | None:
        return self.game.private_reports[-1].get(company) if self.game.private_reports else None

    def to_date(self, company: str) -> tuple[float, float]:
        """(revenue, net income) summed over the quarters played so far, in $M."""
        reps = [q[company] for q in self.game.private_reports if company in q]
        return sum(v for r in reps for k, v in r.pnl.items() if k in REVENUE), sum(r.net_income_musd for r in reps)

    def result(self) -> GameResult:
        return self.game.result(self.seats)

    def index_before_last(self) -> float:
        """The price index the last quarter was sold at (the one before it moved)."""
        h = self.game.history
        return h[-2]["price_index"] if len(h) >= 2 else self.spec.demand.price_index_initial_usd_per_h100e_hour

    def statements(self, company: str) -> Statements | None:
        """The company's P&L, cash flow and balance sheet for the last quarter (None before the
        first). Every dollar moved passes the ledger, so the cash flow is the report's lines
        summed by section, and it adds up to the change in cash."""
        rep = self.private_report(company)
        if rep is None:
            return None
        c = self.game.core.world.companies[company]
        lines = sorted(rep.pnl.items(), key=lambda kv: (-kv[1], kv[0]))
        pnl = tuple((k, v) for k, v in lines if k in PNL)
        sites, power, chips = self.game.core.asset_books(c)
        assets = (("cash", rep.cash_musd), ("halls", sites), ("power", power), ("chips", chips), ("deposits", c.deposits_musd))
        total = sum(v for _, v in assets)
        return Statements(
            rep.quarter, pnl, rep.depreciation_musd, rep.net_income_musd, pnl,
            tuple((k, v) for k, v in lines if k in INVESTING), tuple((k, v) for k, v in lines if k in FINANCING),
            rep.cash_musd - sum(rep.pnl.values()), rep.cash_musd, assets, rep.debt_musd, total - rep.debt_musd,
        )

    def score_estimate(self, company: str) -> dict[str, float]:
        """The company's own score if the game ended now, with every component (the engine's
        scoring on its own books: docs/rules.md, "Winning and the score"). Only for the
        company asking; a rival's needs its private figures and is never shown."""
        if company not in self.seats:
            raise SessionError(f"no company {company!r} in this game")
        g = self.game.core
        return score_parts(g, g.world.companies[company], self.game.stats[company])

    def standings(self, company: str) -> tuple[Standing, ...]:
        """Every company as `company` may see it, ranked by public value (public_value_musd)."""
        # my H100e counted as the rivals' are: installed in online halls now, not last quarter's market
        mine = online_h100e(self.game.core, self.game.core.world.companies[company])
        return standings_of(self.view(company), self.public_report(), mine, self.game.alive(company))

    # ---- orders --------------------------------------------------------------------------------
    def pending(self, company: str) -> tuple[Any, ...]:
        self._human(company)
        return self._pending[company]

    def preview(self, company: str, orders: Sequence[Any]) -> Preview:
        """How the engine would judge these orders if the quarter ended now; changes nothing."""
        self._human(company)
        g = self.game.core
        c = g.world.companies[company]
        view = self.view(company)
        checks = []
        judged = list(judge_orders(g, c, list(orders)[: self.spec.rules.max_orders_per_quarter]))
        typed = [order for _, order, _, _ in judged]
        for i, (item, order, reason, cost) in enumerate(judged):
            shown = order if order is not None else item
            text = advice.sentence(view, shown) if order is not None else json.dumps(item, default=repr)[:200]
            cash = _cash_effect(order, cost) if reason is None else 0.0
            warned = tuple(advice.warnings(view, typed, i)) if reason is None else ()
            checks.append(OrderCheck(shown, text, reason, cash, consequence(view, order) if reason is None else "", warned))
        return Preview(tuple(checks), c.cash_musd + borrow_headroom(g, c))

    def submit(self, company: str, orders: Sequence[Any]) -> Preview:
        """Replace the company's pending order set (sealed until the quarter ends)."""
        self._human(company)
        if not self.game.alive(company):
            raise SessionError(f"{company} is bankrupt and gives no more orders")
        limit = self.spec.rules.max_orders_per_quarter
        if len(orders) > limit:
            raise SessionError(f"at most {limit} orders per quarter")
        self._pending[company] = tuple(orders)
        return self.preview(company, orders)

    def advance(self) -> PublicReport:
        """End the quarter: humans' pending orders and the agents' decisions go to the engine."""
        if self.finished:
            raise SessionError("the game is over")
        orders = agent_orders(self.game, self.agents)
        for cid in self.humans_alive:
            orders[cid] = list(self._pending[cid])
        report = self.game.step(orders)
        self._pending = {cid: () for cid in self.humans}
        self._views.clear()
        self.autosave()
        if self.finished:
            result = self.result()
            for agent in self.agents.values():
                if hasattr(agent, "close"):
                    agent.close(result)
        return report

    # ---- saves ---------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Atomic; pending orders are not saved (they are sealed only when the quarter ends)."""
        return save_game(self.game, path, self.seats)

    @property
    def autosave_path(self) -> Path:
        return self.saves_dir / AUTOSAVE

    def autosave(self) -> Path | None:
        try:
            return self.save(self.autosave_path)
        except OSError:
            return None  # a read-only directory must not end the game; the next manual save says why

    def _human(self, company: str) -> None:
        if self.seats.get(company) != HUMAN:
            raise SessionError(f"{company!r} is not a human seat in this game")


def unfinished_autosave(saves_dir: Path | None = None) -> tuple[Path, str] | None:
    """The autosave of a game that has not ended, with a line describing it; None otherwise."""
    path = Path(saves_dir if saves_dir is not None else default_saves_dir()) / AUTOSAVE
    if not path.is_file():
        return None
    try:
        data = read_save(path)
        quarters = int(data["scenario"]["game"]["quarters"])
        name = str(data["scenario"]["game"]["name"])
        q = int(data["quarter"])
        seed = int(data["seed"])
    except (SaveError, KeyError, TypeError, ValueError):
        return None
    if q >= quarters or data.get("state", {}).get("finished"):
        return None
    return path, f"{name}, seed {seed}: quarter {q + 1} of {quarters}"

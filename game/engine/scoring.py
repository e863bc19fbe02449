"""Scoring and the end-of-game result (docs/rules.md, "Winning and the score")."""

from __future__ import annotations

from itertools import repeat
from typing import Any, Sequence

import numpy as np
from attrs import frozen

from ..model.state import ONLINE, Company
from ..scenario.spec import ScoringSpec
from .core import GameCore, starting_hall_book_musd


@frozen
class CompanyResult:
    id: str
    name: str
    archetype: str
    agent: str
    rank: int
    score: float  # 1 + value created ÷ capital (starting equity + the most debt carried), never below 0; 0 if bankrupt (docs/rules.md)
    value_created_musd: float  # founders' economic equity − outside cash received − the passive benchmark
    economic_equity_musd: float  # cash − debt + the assets below, at what they can still earn
    fleet_value_musd: float  # online capacity: discounted margin it can still earn
    power_value_musd: float  # power held but not yet earning, at the region's clearing price
    build_value_musd: float  # halls still being built, at what was spent on them
    chip_value_musd: float  # chips never installed (a share of book) and chip deposits
    backlog_margin_musd: float  # margin of contracted revenue still to come
    outside_cash_musd: float  # outside cash flow received, after tax: a budget, not a prize
    benchmark_musd: float  # what the starting position would have been worth left alone
    capital_musd: float  # starting equity at book plus the most debt carried (at least the starting debt): the scale of the score
    equity_value_musd: float  # book equity (cash − debt + assets at depreciated book), for reference
    bankrupt: bool
    bankrupt_quarter: str
    online_mw: float
    capacity_h100e: float
    share_h100e: float
    utilisation: float  # mean over the quarters it had capacity
    cash_musd: float
    debt_musd: float
    ownership: float
    revenue_musd: float
    return_on_capital: float
    power_mw_held: float
    start_power_mw: float
    first_power_mw: float  # MW of power it held by the end of year one (secured early)
    distress_quarters: int = 0  # quarters in a row it ended with cash below zero (docs/rules.md, "Distress and bankruptcy"); 0 if bankrupt

    @property
    def status(self) -> str:
        """How it ended: bankrupt, in distress (its cash below zero at the end), or ok."""
        if self.bankrupt:
            return f"BANKRUPT {self.bankrupt_quarter}"
        return f"distress ({self.distress_quarters}q)" if self.distress_quarters else "ok"


@frozen
class GameResult:
    scenario: str
    seed: int
    quarters_played: int
    final_quarter: str
    price_index: float
    standings: tuple[CompanyResult, ...]
    bankruptcies: int
    decisive: tuple[str, ...]


# What running a fleet earns or costs in a quarter: the margin the fleet value is built from.
# Building, financing, crews and the rest of the business are decisions about the future or
# about money, not what the halls earn.
OPERATING = frozenset({"revenue_spot", "revenue_contract", "revenue_internal", "subcontract_cost", "power", "opex"})


@frozen
class Valuation:
    """A company's position valued as the score values it (every figure in $M)."""

    cash: float
    debt: float
    fleet: float
    power: float
    build: float
    chips: float
    backlog: float

    @property
    def equity(self) -> float:
        return self.cash - self.debt + self.fleet + self.power + self.build + self.chips + self.backlog


def contracted_h100e(c: Company) -> float:
    """H100e a company has sold under contract (to the market or to another company)."""
    return sum([k.h100e for k in c.contracts])


def record_quarter(g: GameCore, c: Company, pnl: dict[str, float], st: dict[str, Any]) -> None:
    """Keep what the score needs from a closed quarter: the fleet's margin and its H100e (the
    fleet value reads the last few; the passive benchmark reads them all), and the outside cash
    received."""
    margin = sum([v for k, v in pnl.items() if k in OPERATING])
    st.setdefault("margin_musd", []).append(margin)
    st.setdefault("capacity_h100e", []).append(c.capacity_h100e)
    # capacity not under contract this quarter (a contract that ended with it still held its
    # H100e): what the fleet value's margin and the passive benchmark's are earned on
    free = max(0.0, c.capacity_h100e - c.contracted_h100e_quarter)
    st.setdefault("free_h100e", []).append(free)
    # what that capacity earned: the margin without the contracts' revenue and without the
    # running costs of the capacity under contract, which the contracts paid for; running costs
    # are shared by H100e (pnl costs are negative). The fleet value reads it.
    running = pnl.get("power", 0.0) + pnl.get("opex", 0.0)
    contracted_share = 1.0 - free / c.capacity_h100e if c.capacity_h100e > 0 else 0.0
    earned = margin - pnl.get("revenue_contract", 0.0) - running * contracted_share
    st.setdefault("free_margin_musd", []).append(earned)
    # what the same capacity would have earned left alone: no contracts, and its spot offers at
    # the going rate (a company that names no price asks the index), so the prices it chose
    # count for or against it; the passive benchmark reads it
    st.setdefault("passive_margin_musd", []).append(earned - pnl.get("revenue_spot", 0.0) + c.going_rate_spot_musd)
    # the rest of the business's cash flow, as received (the benchmark's tax reads it)
    st.setdefault("outside_cash_flow_musd", []).append(pnl.get("outside_cash_flow", 0.0))
    # after tax: that much of it stays with the company, whatever it decides
    after_tax = pnl.get("outside_cash_flow", 0.0) * (1 - g.spec.rules.tax_rate)
    # the most it has borrowed: lenders' capital it put to work, part of the score's scale
    st["peak_debt_musd"] = max(st.get("peak_debt_musd", 0.0), c.debt_musd)
    st["outside_cash_musd"] = st.get("outside_cash_musd", 0.0) + after_tax
    # whether a demand event held this quarter's margin up or down: the fleet value does not read
    # a passing boom or pause as the margin of the years after it
    st.setdefault("demand_event", []).append(demand_event_on(g))
    st.setdefault("internal_revenue_musd", []).append(pnl.get("revenue_internal", 0.0))


DEMAND_LEVERS = ("demand_multiplier", "training_demand_multiplier")


def demand_event_on(g: GameCore) -> bool:
    return any(g.mod(lever) != 1.0 for lever in DEMAND_LEVERS)


def demand_event_quarters_left(g: GameCore) -> int:
    """Quarters after this one that the demand events now in force still run (published with them)."""
    left = [ev.quarters_left - 1 for ev in g.world.events if any(lever in ev.effects for lever in DEMAND_LEVERS)]
    return max(left, default=0)


def margin_value_per_h100e(g: GameCore, st: dict[str, Any], which: str, per: str) -> float:
    """What an H100e of the fleet can still earn: the margin series `which` per H100e of the
    series `per`, a quarter, never below 0, times the annuity.

    The recent margin is the mean of the company's last `margin_quarters` quarters with
    capacity. A demand event (a boom or a pause) is published with its length, so it sets the
    margin only while it runs and, for a company with internal demand, in the quarter after,
    whose internal demand is still valued at the index the event set (event_touched): the usual
    margin leaves out the quarters it touched (the recent quarters no event touched; else the
    last `margin_quarters` such quarters before them; else the recent margin). The recent margin
    holds for the quarters the events in force still run after this one, the usual margin for the
    rest of the horizon."""
    sc = g.spec.scoring
    n = sc.margin_quarters
    touched = event_touched(st.get("demand_event") or (), st.get("internal_revenue_musd") or ())
    quarters = zip(st.get(which, ()), st.get(per, ()), touched or repeat(False))
    ratios = [(m / h, event) for m, h, event in quarters if h > 0]
    recent = [r for r, _ in ratios[-n:]]
    if not recent:
        return 0.0
    now = max(0.0, sum(recent) / len(recent))
    clean = [r for r, event in ratios[-n:] if not event] or [r for r, event in ratios if not event][-n:]
    usual = max(0.0, sum(clean) / len(clean)) if clean else now
    left = min(demand_event_quarters_left(g), sc.horizon_quarters)
    return now * annuity(sc, left) + usual * (annuity(sc) - annuity(sc, left))


def event_touched(on: Sequence[bool], internal: Sequence[float]) -> list[bool]:
    """Which quarters' margins a demand event touched: those it held, and, where the company
    served internal demand, the quarter after each, whose internal demand is valued at the price
    index the event's last quarter set."""
    return [now or (i > 0 and on[i - 1] and internal[i] > 0) for i, now in enumerate(on)]


def starting_h100e(g: GameCore, cid: str) -> float:
    """H100e the company started with: in its halls and in its inventory."""
    cs = g.spec.companies[cid]
    gens = g.spec.generations
    held = [site.chips for site in cs.sites] + [cs.inventory]
    return sum([gens[gid].performance_h100e * n for chips in held for gid, n in chips.items()])


def annuity(scoring: ScoringSpec, quarters: float | None = None) -> float:
    """Present value of one dollar of margin a quarter, shrinking as chips age, over the scoring
    horizon (or `quarters`). Agents plan with it too, so they value what the score values."""
    n = int(scoring.horizon_quarters if quarters is None else quarters)
    step = (1 - scoring.margin_decline_per_quarter) / (1 + scoring.discount_rate_per_year / 4)
    # Σ_{t=1..n} step^t, summed as a geometric series
    return float(n) if step == 1 else step * (1 - step**n) / (1 - step)


def online_h100e(g: GameCore, c: Company) -> float:
    """H100e installed in online halls, counted from the halls (it includes any that came online
    after the last compute market)."""
    return sum([grp[1] for grp in g.fleet(c)[0].values()])


def backlog_musd(g: GameCore, c: Company) -> float:
    h = g.spec.rules.hours_per_quarter
    return sum(k.h100e * k.price_usd_per_h100e_hour * h * k.quarters_left / 1e6 for k in c.contracts)


def clearing_value_musd_per_mw(g: GameCore, region: str) -> float:
    """What a MW of grid power in a region is worth: its last clearing price, else its reserve."""
    last = g.world.regions[region].last_grid_price_musd_per_mw
    return last if last > 0 else g.spec.regions[region].grid_reserve_price_musd_per_mw


def valuation(g: GameCore, c: Company, st: dict[str, Any]) -> Valuation:
    """Cash − debt + assets at what they can still earn (docs/rules.md, "Winning and the score").

    Online halls not under contract are worth the discounted margin their chips earn, at the
    company's own recent margin per H100e outside contracts (so an idle or badly sold fleet is
    worth little, whatever it cost; capacity under contract counts in the backlog while its
    contract runs, and as free capacity for the rest of the horizon); power
    not yet feeding an online hall is worth what the grid auction last paid for a MW there;
    halls under construction count at what was spent on them; chips bought and never installed
    at a share of their book value; contracts at the margin of the revenue still to come."""
    sc = g.spec.scoring
    online = online_h100e(g, c)
    contracted = contracted_h100e(c)
    per_h100e = margin_value_per_h100e(g, st, "free_margin_musd", "free_h100e")
    fleet = max(0.0, online - contracted) * per_h100e
    # capacity under contract earns the contract's margin (the backlog) while it runs, and after
    # it what free capacity earns, for the rest of the horizon
    horizon = annuity(sc)
    if contracted > 0 and horizon > 0:
        tail = sum([k.h100e * (horizon - annuity(sc, min(k.quarters_left, sc.horizon_quarters))) for k in c.contracts])
        fleet += min(online, contracted) / contracted * tail / horizon * per_h100e
    online_power = {s.power for s in c.sites if s.stage == ONLINE}
    power = sum([p.mw * clearing_value_musd_per_mw(g, p.region) for p in c.power if p.id not in online_power])
    build = sum([s.book_musd for s in c.sites if s.stage != ONLINE]) + fitting_out_musd(g, c)
    per_unit = {}
    for k in c.cohorts:
        n, b = per_unit.get(k.generation, (0, 0.0))
        per_unit[k.generation] = (n + k.units, b + k.book_musd)
    idle_chips = sum([n * per_unit[gid][1] / per_unit[gid][0] for gid, n in c.inventory.items() if n > 0 and per_unit.get(gid, (0,))[0] > 0])
    chips = idle_chips * sc.idle_chip_value_fraction + c.deposits_musd
    backlog = backlog_musd(g, c) * sc.backlog_margin_fraction
    return Valuation(c.cash_musd, c.debt_musd, fleet, power, build, chips, backlog)


def fitting_out_musd(g: GameCore, c: Company) -> float:
    """Halls online for fewer than `fit_out_quarters` quarters are still taking their chips: their
    empty part counts at book, as a hall under construction does (a hall finished in the last
    quarter is not worth less than one a quarter from done). Empty after that, it is waste."""
    quarters = g.spec.scoring.fit_out_quarters
    total = 0.0
    for s in c.sites:
        if s.stage == ONLINE and s.online_quarter >= 0 and g.q - s.online_quarter < quarters:  # not a starting hall
            it_kw = g.site_it_mw(s) * 1000
            total += s.book_musd * max(0.0, g.site_free_kw(s)) / it_kw if it_kw > 0 else 0.0
    return total


def benchmark_musd(g: GameCore, c: Company, st: dict[str, Any]) -> float:
    """The passive benchmark, in closed form: the company as it started, left alone. Each
    quarter its starting H100e (as far as its halls held them) earn what one of the company's
    H100e not under contract would have earned left alone (its own demand served, its spot
    offers at the going rate, less that capacity's running costs: a fleet left alone wins no
    RFPs); it pays interest on its starting debt at the rate its starting leverage costs, and tax
    as the engine taxes; at the end its starting fleet is valued as any fleet is. So what the
    starting position earns anyway is not credited to the player, the prices it chose are, and
    nothing is simulated twice."""
    spec = g.spec
    cs = spec.companies[c.id]
    a = spec.archetypes[cs.archetype]
    start = starting_h100e(g, c.id)
    assets = c.starting_equity_musd + cs.debt_musd
    rate = a.debt_rate_base_per_year + a.debt_rate_leverage_slope * min(1.0, cs.debt_musd / assets if assets > 0 else 1.0)
    interest = cs.debt_musd * rate / 4
    write_down = starting_write_down(g, c.id)
    tax_rate = spec.rules.tax_rate
    cash = cs.cash_musd
    per_h100e = 0.0  # what an H100e not under contract earned left alone, the last quarter the company had one
    losses = 0.0  # tax losses carried forward, as the engine carries them (operate.py)
    outside = st.get("outside_cash_flow_musd") or repeat(0.0)
    quarters = zip(st.get("passive_margin_musd", ()), st.get("free_h100e", ()), st.get("capacity_h100e", ()), outside)
    for q, (margin, free, held, received) in enumerate(quarters):
        if free > 0:
            per_h100e = margin / free
        # its starting H100e, as far as the company's halls held them (inventory needs a hall)
        earned = per_h100e * min(start, held)
        # taxed as the engine taxes: the rest of the business's cash flow is in the profit (its
        # losses shelter it), losses carry forward; the tax on that cash flow itself is the
        # outside cash's (taken off the score as received after tax), not the benchmark's
        pretax = earned - interest - (write_down[q] if q < len(write_down) else 0.0) + received
        used = min(losses, max(0.0, pretax))
        losses += max(0.0, -pretax) - used
        tax = max(0.0, pretax - used) * tax_rate
        cash += earned - interest - (tax - received * tax_rate)
    # at the end, as far as its halls hold them: chips left in the warehouse earn nothing
    held = st.get("capacity_h100e") or [start]
    fleet = min(start, held[-1]) * margin_value_per_h100e(g, st, "passive_margin_musd", "free_h100e")
    return cash - cs.debt_musd + fleet


def starting_write_down(g: GameCore, cid: str) -> list[float]:
    """Depreciation of the starting halls and chips, quarter by quarter, until written off."""
    spec = g.spec
    cs = spec.companies[cid]
    assets = []  # (book, charge a quarter)
    for site in cs.sites:
        capex = starting_hall_book_musd(spec, site.region, site.cooling, site.mw)
        assets.append((capex, capex / spec.rules.facility_depreciation_quarters))
    for chips in [site.chips for site in cs.sites] + [cs.inventory]:
        for gid, n in chips.items():
            gen = spec.generations[gid]
            assets.append((gen.list_price_musd * n, gen.list_price_musd * n / gen.depreciation_quarters))
    # each asset's charge in each quarter: min(charge, max(0, book − charge·q)), as arrays (assets ×
    # quarters: a few hundred figures); each quarter's total adds the assets in the order listed
    table = np.array(assets, dtype=float).reshape(-1, 2)  # a row an asset (none: no rows)
    book, charge = table[:, :1], table[:, 1:]
    charges = np.minimum(charge, np.maximum(0.0, book - charge * np.arange(spec.game.quarters)))
    total = np.zeros(spec.game.quarters)
    for row in charges:
        total += row
    return total.tolist()


def score(g: GameCore, c: Company, st: dict[str, Any] | None = None) -> float:
    """1 + value created ÷ capital (starting equity + the most debt carried), never below 0; 0 if bankrupt."""
    if not c.alive:
        return 0.0
    parts = score_parts(g, c, st or {})
    return parts["score"]


def score_parts(g: GameCore, c: Company, st: dict[str, Any]) -> dict[str, float]:
    v = valuation(g, c, st)
    outside = st.get("outside_cash_musd", 0.0)
    bench = benchmark_musd(g, c, st)
    created = (v.equity - outside) * c.ownership - bench
    # all the capital it started with, lenders' and owners': a return on equity alone would
    # reward leverage for itself
    capital = c.starting_equity_musd + max(g.spec.companies[c.id].debt_musd, st.get("peak_debt_musd", 0.0))
    s = max(0.0, 1 + created / capital) if capital > 0 and c.alive else 0.0
    return dict(
        score=s,
        value_created_musd=created,
        economic_equity_musd=v.equity,
        fleet_value_musd=v.fleet,
        power_value_musd=v.power,
        build_value_musd=v.build,
        chip_value_musd=v.chips,
        backlog_margin_musd=v.backlog,
        outside_cash_musd=outside,
        benchmark_musd=bench,
        capital_musd=capital,
    )


def game_result(g: GameCore, stats: dict[str, Any], agents: dict[str, str]) -> GameResult:
    comps = list(g.world.companies.values())
    total_h = sum(c.capacity_h100e for c in comps if c.alive) or 1.0
    rows = []
    for c in comps:
        st = stats.get(c.id, {})
        util = st.get("util_sum", 0.0) / st["util_n"] if st.get("util_n") else 0.0
        eq = g.book_equity(c) if c.alive else 0.0
        parts = score_parts(g, c, st)
        invested = max(1e-9, c.starting_equity_musd + c.debt_musd)
        rows.append(
            dict(
                id=c.id,
                name=c.name,
                archetype=c.archetype,
                agent=agents.get(c.id, ""),
                **{k: round(v, 6 if k == "score" else 3) for k, v in parts.items()},
                equity_value_musd=round(eq, 3),
                bankrupt=not c.alive,
                bankrupt_quarter=g.label(c.bankrupt_quarter) if not c.alive else "",
                online_mw=sum(s.mw for s in c.sites if s.stage == ONLINE),
                capacity_h100e=round(c.capacity_h100e, 1) if c.alive else 0.0,
                share_h100e=round(c.capacity_h100e / total_h, 4) if c.alive else 0.0,
                utilisation=round(util, 4),
                cash_musd=round(c.cash_musd, 3),
                debt_musd=round(c.debt_musd, 3),
                ownership=round(c.ownership, 4),
                revenue_musd=round(c.cum_revenue_musd, 3),
                return_on_capital=round((eq - c.starting_equity_musd) / invested, 4) if c.alive else -1.0,
                power_mw_held=sum(p.mw for p in c.power),
                start_power_mw=st.get("start_power_mw", 0.0),
                first_power_mw=st.get("early_power_mw", 0.0),
                distress_quarters=c.distress_quarters if c.alive else 0,
            )
        )
    # rank by score, then by equity value; ties by id so the order is total
    rows.sort(key=lambda r: (-r["score"], -r["value_created_musd"], r["id"]))
    standings = tuple(CompanyResult(rank=i + 1, **r) for i, r in enumerate(rows))
    return GameResult(
        scenario=g.spec.game.name,
        seed=g.seed,
        quarters_played=g.q,
        final_quarter=g.label(max(0, g.q - 1)),
        price_index=round(g.world.price_index, 4),
        standings=standings,
        bankruptcies=sum(1 for c in comps if not c.alive),
        decisive=tuple(_decisive(g, standings)),
    )


def _decisive(g: GameCore, standings: tuple[CompanyResult, ...]) -> list[str]:
    """A few plain lines on what decided the game, read off the results."""
    out = []
    win = standings[0]
    out.append(f"{win.name} ({win.archetype}) won with {win.score:.2f}× (${win.value_created_musd / 1000:,.1f}B created above its passive benchmark) and {win.share_h100e:.0%} of online H100e.")
    alive = [r for r in standings if not r.bankrupt]
    if len(standings) >= 3:
        # power held by the end of year one, against what each had online when the game ended
        early = sorted(standings, key=lambda r: (-r.first_power_mw, r.id))
        rho = rank_correlation([r.first_power_mw for r in standings], [r.online_mw for r in standings])
        by_online = {r.id: i + 1 for i, r in enumerate(sorted(standings, key=lambda r: (-r.online_mw, r.id)))}
        out.append(
            "Power held at the end of year one: "
            + ", ".join(f"{r.name} {r.first_power_mw:,.0f} MW (#{by_online[r.id]} online at the end)" for r in early[:3])
            + f"; rank correlation with MW online at the end {rho:+.2f}."
        )
    busts = [r for r in standings if r.bankrupt]
    if busts:
        out.append("Bankrupt: " + ", ".join(f"{r.name} in {r.bankrupt_quarter}" for r in busts) + ".")
    by_util = sorted(alive, key=lambda r: -r.utilisation)
    if by_util:
        arch = {}
        for r in alive:
            arch.setdefault(r.archetype, []).append(r.utilisation)
        parts = [f"{a}s {sum(v) / len(v):.0%}" for a, v in sorted(arch.items())]
        out.append("Mean utilisation: " + ", ".join(parts) + ".")
    return out


def rank_correlation(xs: list[float], ys: list[float]) -> float:
    """Spearman's rho (average ranks for ties)."""

    def ranks(v: list[float]) -> list[float]:
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2
            i = j + 1
        return r

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx > 0 and vy > 0 else 0.0

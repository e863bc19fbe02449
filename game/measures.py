"""The measures of a finished game: one definition each, used by `facts`, `balance`, bench/economics.py and the tests.

Each measure reads a finished `Game` (its result, public and private reports, order log) and
gives one number for that game, or None where the game gives it no meaning (no neo-cloud in
the scenario, no site came online). A figure the engine does not report (yet) raises
`NotReported` naming the field, so a caller can say "not reported" instead of inventing a
zero. Facts are means over seeded games of these per-game numbers.

The names are declared in game/scenario/spec.py (MEASURES), so a scenario's [targets] can be
checked when it loads; `MEASURE_FUNCTIONS` must define exactly those names (a test says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import median
from typing import Any, Callable, Iterable

from .engine.core import PNL
from .engine.scoring import rank_correlation
from .scenario.spec import MEASURES, REGION_MEASURES

HYPERSCALER, NEOCLOUD = "hyperscaler", "neocloud"
QUARTERS_PER_YEAR = 4
EARLY_YEARS = 3  # "2026-2028": the years the chip market should bind in
# Cash operating costs: the P&L lines that are costs of running the business (not financing,
# tax or the one-off ASIC programme), in the ledger's own category names.
CASH_OPERATING_COSTS = ("power", "opex", "idle_crews", "subcontract_cost")


class NotReported(Exception):
    """The engine does not report a figure this measure reads (e.g. a field not yet added)."""

    def __init__(self, field: str):
        super().__init__(f"not reported: {field}")
        self.field = field


# ---------------------------------------------------------------- reading the reports


def _markets(game, market: str) -> list[Mapping]:
    """Each quarter's public figures of one market ({} for a quarter that has none)."""
    return [r.markets.get(market) or {} for r in game.public_reports]


def _field(rows: Iterable[dict], name: str, where: str) -> list[float]:
    """One numeric field from every row that has it; NotReported when no row does."""
    rows = list(rows)
    values = [float(r[name]) for r in rows if isinstance(r.get(name), (int, float))]
    if rows and not values:
        raise NotReported(f"{where}.{name}")
    return values


def _quarters(game, market: str, *names: str, last: int | None = None, first: int | None = None) -> list[tuple[float, ...]]:
    """Per quarter (all, or only the first/last n), the named fields of one market, for the
    quarters that report all of them as numbers; NotReported when no quarter has a field."""
    rows = _markets(game, market)
    for name in names:
        _field(rows, name, f"public_reports[i].markets['{market}']")
    rows = rows[:first] if first is not None else rows[-last:] if last is not None else rows
    return [tuple(float(r[n]) for n in names) for r in rows if all(isinstance(r.get(n), (int, float)) for n in names)]


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _standings(game):
    return game.result().standings


def _archetype_mean(game, field: str, archetype: str) -> float | None:
    xs = [getattr(s, field) for s in _standings(game) if s.archetype == archetype and not s.bankrupt]
    return sum(xs) / len(xs) if xs else None


def _online(game) -> list[tuple[str, float]]:
    """(region, quarters from securing power to online) of every site that came online on power
    secured during the game (None in the report: power held from the start, not greenfield)."""
    out = []
    for r in game.public_reports:
        for row in r.online:
            q = row.get("quarters_from_power")
            if isinstance(q, (int, float)):
                out.append((str(row.get("region")), float(q)))
    return out


def _congested_regions(game) -> set[str]:
    """Regions whose shortest queue wait is at least the median of the scenario's regions."""
    waits = {rid: r.queue_wait_quarters_min for rid, r in game.spec.regions.items()}
    mid = median(waits.values())
    return {rid for rid, w in waits.items() if w >= mid}


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


# ---------------------------------------------------------------- the measures


def utilisation_ratio(game, **_) -> float | None:
    """Mean utilisation (result `utilisation`, over quarters with capacity) of the surviving
    neo-clouds ÷ that of the surviving hyperscalers."""
    n, h = _archetype_mean(game, "utilisation", NEOCLOUD), _archetype_mean(game, "utilisation", HYPERSCALER)
    return _ratio(n, h) if n is not None and h is not None else None


def greenfield_quarters_congested(game, **_) -> float | None:
    """Mean quarters from securing power to online, sites in the congested regions (queue wait
    at least the median region's)."""
    congested = _congested_regions(game)
    return _mean([q for rid, q in _online(game) if rid in congested])


def greenfield_quarters_open(game, **_) -> float | None:
    congested = _congested_regions(game)
    return _mean([q for rid, q in _online(game) if rid not in congested])


def greenfield_congested_vs_open(game, **_) -> float | None:
    c, o = greenfield_quarters_congested(game), greenfield_quarters_open(game)
    return _ratio(c, o) if c is not None and o is not None else None


def power_to_online_quarters(game, region: str = "", **_) -> float | None:
    """Mean quarters from securing power to online, sites in one region."""
    return _mean([q for rid, q in _online(game) if rid == region])


def _cash_costs(game) -> dict[str, float]:
    """Each cash operating cost category, summed over every company and quarter ($M, positive)."""
    out = dict.fromkeys(CASH_OPERATING_COSTS, 0.0)
    for quarter in game.private_reports:
        for rep in quarter.values():
            for k in CASH_OPERATING_COSTS:
                out[k] -= float(rep.pnl.get(k, 0.0))
    return out


def power_share_of_cash_costs(game, **_) -> float | None:
    costs = _cash_costs(game)
    return _ratio(costs["power"], sum(costs.values()))


def power_largest_cash_cost(game, **_) -> float | None:
    costs = _cash_costs(game)
    if not any(costs.values()):
        return None
    return 1.0 if costs["power"] >= max(costs.values()) else 0.0


def _inference_share(rows: list[tuple[float, ...]]) -> float | None:
    inference = sum(i for i, _ in rows)
    return _ratio(inference, inference + sum(t for _, t in rows))


def inference_share_first_year(game, **_) -> float | None:
    """Inference spend ÷ (inference + training spend) realised in the first year."""
    return _inference_share(_quarters(game, "compute", "inference_spend_musd", "training_spend_musd", first=QUARTERS_PER_YEAR))


def inference_share_last_year(game, **_) -> float | None:
    return _inference_share(_quarters(game, "compute", "inference_spend_musd", "training_spend_musd", last=QUARTERS_PER_YEAR))


def _chip_cells(game) -> list[tuple[float, float]]:
    """(units bid, units supplied) per generation and quarter over the first three years. Bids are
    `bid_units` where the engine reports it, else spot bids plus agreement units."""
    out = []
    for row in _markets(game, "chips")[: EARLY_YEARS * QUARTERS_PER_YEAR]:
        for cell in row.values():
            if not isinstance(cell, Mapping) or "supply" not in cell:  # reports are read-only mappings
                continue
            if "bid_units" in cell:
                bid = float(cell["bid_units"])
            elif "spot_bid" in cell and "agreements" in cell:
                bid = float(cell["spot_bid"]) + float(cell["agreements"])
            else:
                raise NotReported("public_reports[i].markets['chips'][generation].bid_units")
            out.append((bid, float(cell["supply"])))
    return out


def chip_bids_to_supply(game, **_) -> float | None:
    cells = _chip_cells(game)
    return _ratio(sum(b for b, _ in cells), sum(s for _, s in cells))


def chip_binding_share(game, **_) -> float | None:
    cells = [(b, s) for b, s in _chip_cells(game) if s > 0]
    return sum(1 for b, s in cells if b >= s) / len(cells) if cells else None


def early_power_lead(game, **_) -> float | None:
    """Spearman's rho over the companies: power held at the end of year one vs H100e installed
    at the end (a bankrupt company has none)."""
    st = _standings(game)
    if len(st) < 3:
        return None
    return rank_correlation([s.first_power_mw for s in st], [s.capacity_h100e for s in st])


def price_to_cost_last_year(game, **_) -> float | None:
    """Mean over the last year's quarters of clearing price ÷ cost of serving an H100e-hour."""
    rows = _quarters(game, "compute", "clearing_price_usd_per_h100e_hour", "cost_of_serving_usd_per_h100e_hour", last=QUARTERS_PER_YEAR)
    return _mean([p / c for p, c in rows if c > 0])


def demand_served_share(game, **_) -> float | None:
    """Inference H100e served ÷ inference demand, summed over the last year."""
    rows = _quarters(game, "compute", "served_h100e", "inference_demand_h100e", last=QUARTERS_PER_YEAR)
    return _ratio(sum(s for s, _ in rows), sum(d for _, d in rows))


def h100e_online_end(game, **_) -> float | None:
    return float(sum(s.capacity_h100e for s in _standings(game)))


def _neoclouds(game) -> list:
    return [s for s in _standings(game) if s.archetype == NEOCLOUD]


def neocloud_distress(game, **_) -> float | None:
    """Share of neo-clouds that were ever in financial distress (the news says so) or went bankrupt."""
    neo = _neoclouds(game)
    if not neo:
        return None
    news = [line for r in game.public_reports for line in r.news]
    bust = {cid for r in game.public_reports for cid in r.bankruptcies}
    hit = [s for s in neo if s.bankrupt or s.id in bust or any(line == f"{s.name} is in financial distress" for line in news)]
    return len(hit) / len(neo)


def neocloud_bankrupt(game, **_) -> float | None:
    neo = _neoclouds(game)
    return sum(1 for s in neo if s.bankrupt) / len(neo) if neo else None


def hyperscaler_beats_neocloud(game, **_) -> float | None:
    st = _standings(game)
    pairs = [(h.rank < n.rank) for h in st if h.archetype == HYPERSCALER for n in st if n.archetype == NEOCLOUD]
    return sum(pairs) / len(pairs) if pairs else None


def neocloud_first(game, **_) -> float | None:
    st = _standings(game)
    if not any(s.archetype == NEOCLOUD for s in st):
        return None
    return 1.0 if next(s for s in st if s.rank == 1).archetype == NEOCLOUD else 0.0


def subcontract_spend_musd(game, **_) -> float | None:
    return -sum(float(rep.pnl.get("subcontract_cost", 0.0)) for q in game.private_reports for rep in q.values())


MEASURE_FUNCTIONS: dict[str, Callable[..., float | None]] = {name: globals()[name] for name in MEASURES}
assert "subcontract_cost" in PNL and all(k in PNL for k in CASH_OPERATING_COSTS)


def measure(game, name: str, region: str = "") -> float | None:
    """One measure of a finished game; raises NotReported when the engine lacks a figure it reads."""
    fn = MEASURE_FUNCTIONS[name]
    if name in REGION_MEASURES:
        return fn(game, region=region)
    return fn(game)


def describe(name: str) -> str:
    """A measure's definition in one line (its docstring's first line)."""
    doc = (MEASURE_FUNCTIONS[name].__doc__ or name).strip().splitlines()
    return " ".join(line.strip() for line in doc[:2]) if doc else name


def order_kinds(game) -> dict[str, dict[str, int]]:
    """{company: {order kind: orders given}} over the whole game, accepted or not."""
    out: dict[str, dict[str, int]] = {}
    for quarter in game.order_log:
        for cid, orders in quarter.items():
            mine = out.setdefault(cid, {})
            for x in orders if isinstance(orders, (list, tuple)) else ():
                kind = getattr(x, "kind", None) or (x.get("type") if isinstance(x, Mapping) else None)
                if isinstance(kind, str):
                    mine[kind] = mine.get(kind, 0) + 1
    return out


def company_pnl(game) -> dict[str, dict[str, float]]:
    """{company: {ledger category: total over the game}} from the private reports ($M, signed)."""
    out: dict[str, dict[str, float]] = {}
    for quarter in game.private_reports:
        for cid, rep in quarter.items():
            mine = out.setdefault(cid, {})
            for k, v in rep.pnl.items():
                mine[k] = mine.get(k, 0.0) + float(v)
    return out


def all_measures(game, wanted: Iterable[tuple[str, str]] | None = None) -> dict[str, Any]:
    """{key: value or None, or the string 'not reported: FIELD'} for (measure, region) pairs
    (default: every measure that needs no region); key is 'measure' or 'measure:region'."""
    wanted = list(wanted) if wanted is not None else [(m, "") for m in MEASURES if m not in REGION_MEASURES]
    out: dict[str, Any] = {}
    for name, region in wanted:
        key = f"{name}:{region}" if region else name
        try:
            out[key] = measure(game, name, region)
        except NotReported as e:
            out[key] = str(e)
    return out

"""Market-clearing mechanisms shared by every market: uniform-price auctions and the choice model."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from attrs import define


@define
class Bid:
    """One sealed bid (internal to a clearing; built by the thousand, so not frozen)."""

    bidder: str
    quantity: float
    price: float  # per unit
    ref: object = None  # the order or object the bid came from


@define
class Award:
    bid: Bid
    quantity: float


@define
class Clearing:
    price: float
    awards: tuple[Award, ...]
    bid_quantity: float
    supply: float
    sold: float  # the awards' quantities summed


def clear_uniform_price(
    supply: float,
    bids: Sequence[Bid],
    reserve: float,
    rng: np.random.Generator,
    *,
    divisible: bool = True,
) -> Clearing:
    """Sealed bids, highest first; every winner pays one price.

    Bids below the reserve are out. If the valid bids fit in the supply, all win and pay the
    reserve. Otherwise supply goes to the highest bids and everyone pays the lowest winning
    bid (the marginal bid, which may be filled only in part). Equal prices are ordered by a
    seeded draw, so ties are fair and reproducible. Indivisible bids are skipped, not split,
    when they do not fit.
    """
    if not bids:
        return Clearing(reserve, (), 0, supply, 0)
    valid = [b for b in bids if b.price >= reserve and b.quantity > 0]
    asked = sum([b.quantity for b in valid])
    if not valid or supply <= 0:
        return Clearing(reserve, (), asked, supply, 0)
    if asked <= supply + 1e-9:
        return Clearing(reserve, tuple([Award(b, b.quantity) for b in valid]), asked, supply, asked)
    # a seeded tie-break key for every bid, then highest price first
    keys = rng.random(len(valid)).tolist()
    order = [i for _, _, i in sorted(zip([-b.price for b in valid], keys, range(len(valid))))]
    left = supply
    awards = []
    price = reserve
    for i in order:
        if left <= 1e-9:
            break
        b = valid[i]
        q = min(b.quantity, left)
        if not divisible and q < b.quantity:
            continue
        awards.append(Award(b, q))
        left -= q
        price = b.price
    return Clearing(price, tuple(awards), asked, supply, sum([a.quantity for a in awards]))


# the ufuncs' own reductions: ndarray.sum/any add a Python-level call each, and these arrays are tiny
_sum, _any = np.add.reduce, np.logical_or.reduce


def logit_weights(utilities: np.ndarray, outside: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each offer's logit weight per row (demand cell), and the outside option's, scaled by the
    row's best so large utilities do not overflow; a masked offer's weight is exp(-inf) = 0."""
    u = np.where(mask, utilities, -np.inf)
    top = np.maximum(np.maximum.reduce(u, axis=1, initial=-np.inf), outside)
    return np.exp(u - top[:, None]), np.exp(outside - top)


def logit_shares(utilities: np.ndarray, outside: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Multinomial-logit shares per row (demand cell) over columns (offers), with an outside option.

    Masked-out offers get nothing; what is not chosen goes to the outside option.
    """
    w, stay_out = logit_weights(utilities, outside, mask)
    return w / (_sum(w, axis=1) + stay_out)[:, None]


def allocate_demand(
    demand: np.ndarray,
    utilities: np.ndarray,
    outside: np.ndarray,
    mask: np.ndarray,
    capacity: np.ndarray,
    rounds: int = 4,
) -> tuple[np.ndarray, float, float]:
    """Split each cell's demand among offers by logit shares, respecting offer capacity.

    Customers turned away by a full offer choose again among offers that still have room.
    Returns (sold per offer, demand that found no room, demand that chose not to buy).
    """
    n_offers = utilities.shape[1]
    # the logit weights once; each round only zeroes the columns of offers that filled up. A
    # cell's demand for an offer is its weight times the cell's demand per unit of weight, so no
    # cell × offer matrix is formed per round. What is per offer is a handful of numbers, kept as
    # plain floats: numpy calls on them cost more than the arithmetic.
    w, stay_out = logit_weights(utilities, outside, mask)
    open_ = mask.copy()
    open_rows = _any(open_, axis=1)
    n_rows = len(open_rows)
    all_open = np.count_nonzero(open_rows) == n_rows  # the cheapest "all" on a tiny array
    sold = [0.0] * n_offers
    room = np.asarray(capacity, dtype=float).tolist()  # capacity - sold
    full = [False] * n_offers
    remaining = np.asarray(demand, dtype=float)
    declined = 0.0
    unmet = 0.0
    wsum = None  # of the weights still open, per cell: recomputed when a column is zeroed
    for _ in range(rounds):
        # customers with no offer left open to them are unmet, not priced out
        if not all_open:
            closed = ~open_rows
            unmet += float(_sum(remaining[closed]))
            remaining = np.where(closed, 0.0, remaining)
        total = float(_sum(remaining))
        if total <= 1e-9:
            break
        if wsum is None:
            wsum = _sum(w, axis=1)
            per_weight_of = wsum + stay_out
        per_weight = remaining / per_weight_of
        chosen = wsum * per_weight
        declined += total - float(_sum(chosen))
        asked = (per_weight @ w).tolist()
        fill = [1.0] * n_offers
        newly_full = []
        turned_away = False
        for j, a in enumerate(asked):
            left = room[j]
            if a > (left if left > 0.0 else 0.0):
                f = fill[j] = (left if left > 0.0 else 0.0) / a
                a *= f  # what it takes; the rest is turned away
                turned_away = True
            sold[j] += a
            left = room[j] = left - a
            if left <= 1e-9 and not full[j]:
                full[j] = True
                newly_full.append(j)
        if not turned_away:
            remaining = None  # nobody is turned away
            break
        remaining = chosen - per_weight * (w @ np.array(fill))
        if newly_full:
            for j in newly_full:  # a column at a time: cheaper than indexing by a list
                w[:, j] = 0.0
                open_[:, j] = False
            open_rows = _any(open_, axis=1)
            all_open = np.count_nonzero(open_rows) == n_rows
            wsum = None
    if remaining is not None:
        unmet += float(_sum(remaining))  # still turned away when the rounds ran out
    return np.array(sold), unmet, declined


def finite_nonneg(x: float) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x >= 0


@define
class ChoiceClearing:
    """The outcome of a choice-model market cleared at one price."""

    price: float
    sold: np.ndarray  # per offer
    demand: float  # all of it, whoever could reach an offer or not
    unmet: float  # wanted to buy at the price but found no offer with room (or none in reach)
    priced_out: float  # chose not to buy at the price (the rest: demand − sold − unmet)


def _kept_demand(demand, outside, price_weight, attractiveness, prices, value):
    """Demand that buys rather than stays out, per candidate price (columns): each cell compares
    the attractiveness of the market with its outside option, whose pull
    grows as the price rises above what customers think the compute is worth."""
    stay_out = np.exp(outside[:, None] + price_weight[:, None] * (prices[None, :] / value - 1.0))
    return demand @ (attractiveness / (attractiveness + stay_out))


def clear_choice_market(
    demand: np.ndarray,
    utilities: np.ndarray,
    outside: np.ndarray,
    price_weight: np.ndarray,
    mask: np.ndarray,
    capacity: np.ndarray,
    asks: np.ndarray,
    value: float,
    floor: float,
    ceiling: float,
    grid_points: int = 48,
) -> ChoiceClearing:
    """Clear a spot market at one price per unit, paid by every buyer to every seller.

    Rows are demand cells, columns offers. An offer is in at a price P if its ask is at most P.
    A cell buys with probability A / (A + exp(outside + price_weight × (P/value − 1))), where A is
    the capacity-weighted mean of exp(utility) over the offers it can reach (so splitting one
    seller's capacity into more offers creates no demand). The price is the lowest P in
    [floor, ceiling] at which the demand kept is no more than the capacity in: the floor in a
    glut, the ceiling if even that does not ration demand. At that price demand is split among
    the offers in by logit shares weighted by capacity (allocate_demand), and what finds no room
    is unmet. The price is found on a grid of candidate prices (every ask and a geometric grid),
    then on a finer grid between the two candidates that bracket it.
    """
    n_cells, n_offers = utilities.shape
    demand = np.asarray(demand, dtype=float)
    total = float(demand.sum())
    capacity = np.asarray(capacity, dtype=float)
    if n_offers == 0 or total <= 0:
        return ChoiceClearing(floor, np.zeros(n_offers), total, total, 0.0)
    asks = np.asarray(asks, dtype=float)
    # how much a cell likes buying at all: the capacity-weighted mean of exp(utility) over every
    # offer it can reach, whatever its ask (customers weigh the market, not one seller's ask)
    reach = np.where(mask, capacity[None, :], 0.0)
    reach_total = reach.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        attractiveness = np.where(reach_total > 0, (reach * np.exp(utilities)).sum(axis=1) / reach_total, 0.0)
    by_ask = np.argsort(asks, kind="stable")
    sorted_asks = asks[by_ask]
    supply_in = np.concatenate([[0.0], np.cumsum(capacity[by_ask])])  # [k]: the k lowest asks' capacity

    def excess(prices: np.ndarray) -> np.ndarray:
        """Demand kept minus capacity offered at or below each price."""
        offered = supply_in[np.searchsorted(sorted_asks, prices, side="right")]
        return _kept_demand(demand, outside, price_weight, attractiveness[:, None], prices, value) - offered

    ceiling = max(ceiling, floor)
    inside = sorted_asks[(sorted_asks > floor) & (sorted_asks < ceiling)]
    candidates = np.unique(np.concatenate([np.geomspace(max(floor, 1e-6), ceiling, grid_points), inside, [floor, ceiling]]))
    over = excess(candidates) > 0
    if not over[0]:
        price = float(candidates[0])
    elif over.all():
        price = float(candidates[-1])
    else:
        j = int(np.argmax(~over))  # the first candidate that rations no one
        lo, hi = candidates[j - 1], candidates[j]
        # no ask lies strictly between two candidates: the capacity offered is that at lo
        fine = np.linspace(lo, hi, grid_points + 2)[1:-1]
        fine_over = excess(fine) > 0
        price = float(fine[int(np.argmax(~fine_over))]) if not fine_over.all() else float(hi)
    price = min(ceiling, max(floor, price))  # the geometric grid's ends may be off by a rounding
    is_in = asks <= price
    can = mask & is_in[None, :]
    reach_cap = np.where(can, capacity[None, :], 0.0).sum(axis=1)
    with np.errstate(divide="ignore"):
        # a cell's weights, capacity-weighted and scaled by its reachable capacity: see above
        util = utilities + np.log(np.where(capacity > 0, capacity, 1.0))[None, :] - np.log(np.where(reach_cap > 0, reach_cap, 1.0))[:, None]
    stay_out = outside + price_weight * (price / value - 1.0)
    sold, unmet, _declined = allocate_demand(demand, util, stay_out, can, np.where(is_in, capacity, 0.0))
    rest = total - float(sold.sum())
    unmet = min(unmet, rest)
    return ChoiceClearing(price, sold, total, unmet, rest - unmet)

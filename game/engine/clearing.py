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
    """The outcome of a choice-model market: each offer's price and sales."""

    prices: np.ndarray  # per offer, $ per unit
    sold: np.ndarray  # per offer
    demand: float  # all of it, whoever could reach an offer or not
    unmet: float  # wanted to buy but found no offer with room (or none in reach)
    priced_out: float  # chose not to buy at the prices (the rest: demand − sold − unmet)

    @property
    def mean_price(self) -> float:
        """The average price paid per unit sold (the lowest offer price if nothing sold)."""
        sold = float(self.sold.sum())
        if sold > 0:
            return float(self.prices @ self.sold) / sold
        return float(self.prices.min()) if len(self.prices) else 0.0


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
    iterations: int = 30,
    tolerance: float = 1e-3,
) -> ChoiceClearing:
    """Clear a differentiated spot market: every offer gets the price at which the demand for it
    meets its capacity, or else the lowest price it may sell at (its ask, and never below the
    floor): an offer with room left is at that lowest price, an offer above it sells out.

    Rows are demand cells, columns offers. A cell's customers choose an offer or their outside
    option by logit: an offer weighs its capacity share of what the cell can reach times
    exp(utility − price_weight × (price/value − 1)), the outside option exp(outside). Weighting
    by capacity means splitting one seller's capacity into more offers creates no demand. The
    prices are found by Newton steps on each offer's excess demand (its own-price slope only),
    to within tolerance × value. What an offer is asked for beyond its capacity at those prices
    (a rounding of the search, or the ceiling reached) is unmet, as is the demand of a cell
    that can reach no offer; the rest of the demand not sold is priced out."""
    n_cells, n_offers = utilities.shape
    demand = np.asarray(demand, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    total = float(demand.sum())
    lowest = np.minimum(np.maximum(np.asarray(asks, dtype=float), floor), ceiling)
    can = mask & ((capacity > 0) & (np.asarray(asks, dtype=float) <= ceiling))[None, :]  # an ask above the ceiling never sells
    reach = np.where(can, capacity[None, :], 0.0)
    reach_total = reach.sum(axis=1)
    alone = float(demand[reach_total <= 0].sum())  # cells no offer reaches
    if n_offers == 0 or total <= 0 or alone >= total:
        return ChoiceClearing(lowest, np.zeros(n_offers), total, alone, total - alone)
    # weights at price p: base × exp(−pw × p / value), with base the capacity share times
    # exp(utility + pw) (the +pw is the "− 1" of p/value − 1, taken out of the loop)
    pw = np.asarray(price_weight, dtype=float)
    share_of_reach = reach / np.where(reach_total > 0, reach_total, 1.0)[:, None]
    base = share_of_reach * np.exp(utilities + pw[:, None])
    pw_per_value = (pw / value)[:, None]
    stay_out = np.exp(outside)
    slope_weight = demand * pw / value
    def asked_at(prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Demand asked of each offer at these prices, and each cell's shares."""
        w = base * np.exp(-pw_per_value * prices)
        share = w / (w.sum(axis=1) + stay_out)[:, None]
        return demand @ share, share

    prices = np.minimum(np.maximum(value, lowest), ceiling)
    for _ in range(iterations):
        asked, share = asked_at(prices)
        slope = slope_weight @ (share - share * share)  # −d(asked)/d(own price), per offer
        # Newton on each offer's excess demand; an offer nobody asks for goes to its lowest
        # price; far from the answer Newton overshoots, so at most half the price a step
        step = np.where(slope > 0, (asked - capacity) / np.where(slope > 0, slope, 1.0), -prices)
        half = 0.5 * prices
        new = np.minimum(np.maximum(prices + np.minimum(np.maximum(step, -half), half), lowest), ceiling)
        moved = float(np.abs(new - prices).max())
        prices = new
        if moved <= tolerance * value:
            break
    asked, _share = asked_at(prices)
    sold = np.minimum(asked, capacity)
    unmet = float((asked - sold).sum()) + alone
    rest = total - float(sold.sum())
    unmet = min(unmet, rest)
    return ChoiceClearing(prices, sold, total, unmet, rest - unmet)

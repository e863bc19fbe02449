"""Market-clearing mechanisms shared by every market: uniform-price auctions and the choice model."""

from __future__ import annotations

import math
from typing import Callable, Sequence

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


class TieKeys:
    """A seeded stream of tie-break keys, one per bid ranked, drawn only when a tie reads them.

    Most rankings have no two equal prices, and then no key is read: such a ranking only counts
    the keys it would have drawn, and the next ranking on the stream that has a tie draws those
    first and drops them, so every key read is the one drawing every time would have given
    (a Generator's uniforms come one per 64-bit output, in order). A stream whose keys nobody
    reads is never made (`make`, called at the first tie, makes it: GameCore.tie_keys): making a
    generator costs ~10 µs, and a game ranks hundreds of times."""

    def __init__(self, rng: np.random.Generator | None = None, *, make: Callable[[], np.random.Generator] | None = None):
        self._rng = rng
        self._make = make
        self._owed = 0  # keys counted but not yet drawn

    @property
    def rng(self) -> np.random.Generator:
        """The stream itself (made now if it was not yet)."""
        if self._rng is None:
            self._rng = self._make()
        return self._rng

    def keys(self, prices: Sequence[float]) -> list[float]:
        """A key per price, in order: uniform draws if two prices are equal, else zeros nobody reads."""
        n = len(prices)
        if len(set(prices)) == n:
            self._owed += n
            return [0.0] * n
        rng = self.rng
        if self._owed:
            rng.random(self._owed)
            self._owed = 0
        return rng.random(n).tolist()


def valid_bids(bids: Sequence[Bid], reserve: float) -> list[Bid]:
    """The bids an auction reads: at or above the reserve, for something."""
    return [b for b in bids if b.price >= reserve and b.quantity > 0]


def clear_uniform_price(
    supply: float,
    bids: Sequence[Bid],
    reserve: float,
    ties: TieKeys | np.random.Generator,
    *,
    divisible: bool = True,
) -> Clearing:
    """Sealed bids, highest first; every winner pays one price.

    Bids below the reserve are out. If the valid bids fit in the supply, all win and pay the
    reserve. Otherwise supply goes to the highest bids and everyone pays the lowest winning
    bid (the marginal bid, which may be filled only in part). Equal prices are ordered by a
    seeded draw, so ties are fair and reproducible. Indivisible bids are skipped, not split,
    when they do not fit. `ties` is the stream of tie-break keys (TieKeys, or a generator of
    this clearing's own).
    """
    if not bids:
        return Clearing(reserve, (), 0, supply, 0)
    valid = valid_bids(bids, reserve)
    asked = sum(b.quantity for b in valid)
    if not valid or supply <= 0:
        return Clearing(reserve, (), asked, supply, 0)
    if asked <= supply + 1e-9:
        return Clearing(reserve, tuple([Award(b, b.quantity) for b in valid]), asked, supply, asked)
    # highest price first, equal prices by a seeded tie-break key
    if not isinstance(ties, TieKeys):
        ties = TieKeys(ties)
    minus_prices = [-b.price for b in valid]
    order = [i for _, _, i in sorted(zip(minus_prices, ties.keys(minus_prices), range(len(valid))))]
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
    return Clearing(price, tuple(awards), asked, supply, sum(a.quantity for a in awards))


def why_lost(price: float, reserve: float, clearing: float, supply: float) -> str:
    """Why a sealed bid in clear_uniform_price won nothing, in words for its bidder's report."""
    if supply <= 0:
        return "nothing was on offer"
    if price < reserve:
        return "below the reserve"
    if price < clearing:
        return "outbid"
    return "tied at the clearing price and lost the seeded draw"


def finite_nonneg(x: float) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x >= 0


@define
class ChoiceClearing:
    """The outcome of a choice-model market: each offer's price and sales."""

    prices: np.ndarray  # per offer, $ per unit
    sold: np.ndarray  # per offer
    demand: float  # all of it, whoever could reach an offer or not
    unmet: float  # wanted to buy from an offer that had no room left
    priced_out: float  # chose not to buy at the prices, or had no offer in reach (the rest: demand − sold − unmet)
    # per offer, had it alone asked `reference` instead (the others as they cleared): its price
    # and what it would have sold (clear_choice_market's reference argument; None without one)
    reference_prices: np.ndarray | None = None
    reference_sold: np.ndarray | None = None

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
    reference: np.ndarray | None = None,
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
    (a rounding of the search, or the ceiling reached) is unmet; the rest of the demand not sold
    is priced out, the demand of a cell no offer can reach included (no seller could have served
    it at any price, as with RFP volume nobody qualifies for).

    With `reference` (an ask per offer), the result also says what each offer would have sold,
    and at what price, had it alone asked its reference instead, every other offer keeping its
    cleared price: at or below its cleared price, the same; above it, the demand at the
    reference (never more than it had: the price it cleared at already left it room)."""
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
        nothing = np.zeros(n_offers)
        if reference is None:
            return ChoiceClearing(lowest, nothing, total, 0.0, total)
        return ChoiceClearing(lowest, nothing, total, 0.0, total, np.minimum(np.maximum(np.asarray(reference, dtype=float), floor), ceiling), nothing)
    # weights at price p: base × exp(−pw × p / value), with base the capacity share times
    # exp(utility + pw) (the +pw is the "− 1" of p/value − 1, taken out of the loop)
    pw = np.asarray(price_weight, dtype=float)
    share_of_reach = reach / np.where(reach_total > 0, reach_total, 1.0)[:, None]
    # each row scaled by its largest weight so large utilities do not overflow (shares are ratios)
    top = np.maximum(np.max(np.where(can, utilities, -np.inf), axis=1) + pw, outside)
    base = share_of_reach * np.exp(np.where(can, utilities, 0.0) + (pw - top)[:, None])
    minus_pw_per_value = -(pw / value)[:, None]
    stay_out = np.exp(outside - top)[:, None]
    slope_weight = demand * pw / value
    # kept off zero even for a demand so small that 1e-12 of it underflows (a slope of 0 is 0/0)
    least_slope = max(1e-12 * total / value, np.finfo(float).tiny)

    def weights_at(prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each offer's logit weight in each cell at these prices (a new array), and each cell's
        weights summed with its outside option's (a column)."""
        weight = np.exp(minus_pw_per_value * prices)
        weight *= base
        return weight, weight.sum(axis=1, keepdims=True) + stay_out

    prices = np.minimum(np.maximum(value, lowest), ceiling)
    # a step so large it overflows (a huge excess over the least slope) is cut to half the price
    # like any other: nothing to warn about
    with np.errstate(over="ignore"):
        for _ in range(iterations):
            weight, in_cell = weights_at(prices)
            share = weight / in_cell
            asked = demand @ share
            # Newton on each offer's excess demand, with −d(asked)/d(own price) as the slope (kept
            # off zero: an offer nobody asks for takes a huge step down); far from the answer
            # Newton overshoots, so at most half the price a step
            slope = np.maximum(slope_weight @ (share - share * share), least_slope)
            step = (asked - capacity) / slope
            half = 0.5 * prices
            new = np.minimum(np.maximum(prices + np.minimum(np.maximum(step, -half), half), lowest), ceiling)
            moved = float(np.abs(new - prices).max())
            prices = new
            if moved <= tolerance * value:
                break
    weight, in_cell = weights_at(prices)
    asked = demand @ (weight / in_cell)
    sold = np.minimum(asked, capacity)
    unmet = float((asked - sold).sum())
    rest = total - float(sold.sum())
    unmet = min(unmet, rest)
    if reference is None:
        return ChoiceClearing(prices, sold, total, unmet, rest - unmet)
    # each offer alone at its reference: its weight in every cell's sum changes, nothing else
    alt = np.minimum(np.maximum(np.asarray(reference, dtype=float), floor), ceiling)
    above = alt > prices
    if not above.any():  # at or below its cleared price an offer sells the same
        return ChoiceClearing(prices, sold, total, unmet, rest - unmet, prices.copy(), sold.copy())
    others = in_cell - weight
    weight_at_alt = weights_at(alt)[0]
    alt_sold = np.where(above, np.minimum(demand @ (weight_at_alt / (others + weight_at_alt)), sold), sold)
    return ChoiceClearing(prices, sold, total, unmet, rest - unmet, np.where(above, alt, prices), alt_sold)

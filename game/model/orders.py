"""The typed orders a company may give in a quarter, and their JSON form."""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Any, ClassVar

import attrs
from attrs import frozen
from cattrs import transform_error

from ..scenario.load import CONVERTER, shown


@frozen
class BidInterconnect:
    """Bid for new grid interconnect MW in a region (uniform-price auction)."""

    kind: ClassVar[str] = "bid_interconnect"
    region: str
    mw: float
    price_musd_per_mw: float


@frozen
class BidGasTurbines:
    """Bid for on-site gas turbines from the scarce global supply, to be installed in a region."""

    kind: ClassVar[str] = "bid_gas"
    region: str
    mw: float
    price_musd_per_mw: float


@frozen
class SignSmrPpa:
    """Sign a nuclear/SMR power-purchase agreement: deposit now, power years later."""

    kind: ClassVar[str] = "sign_smr"
    region: str
    mw: float


@frozen
class BidLot:
    """Sealed bid for a lot on offer: a distressed powered site or a bankrupt rival's asset."""

    kind: ClassVar[str] = "bid_lot"
    lot: str
    price_musd: float


@frozen
class StartSite:
    """Start a data-centre site on a power source you hold (it then runs the build pipeline)."""

    kind: ClassVar[str] = "start_site"
    power: str
    cooling: str
    fast_track: bool = False


@frozen
class RetrofitCooling:
    """Convert an online air-cooled site to liquid or immersion (offline while it is done)."""

    kind: ClassVar[str] = "retrofit"
    site: str
    cooling: str


@frozen
class SignChipAgreement:
    """Advance-purchase agreement: fixed price, take-or-pay volume per quarter, deposit up front."""

    kind: ClassVar[str] = "sign_apa"
    generation: str
    units_per_quarter: int
    quarters: int


@frozen
class BidChips:
    """Bid in this quarter's spot auction for a generation (custom ASICs: order at cost)."""

    kind: ClassVar[str] = "bid_chips"
    generation: str
    units: int
    price_musd_per_unit: float


@frozen
class FundAsicProgramme:
    """Fund one more quarter of the custom-ASIC programme."""

    kind: ClassVar[str] = "fund_asic"


@frozen
class BidCrews:
    """Bid for construction crews in a region for this quarter (uniform clearing wage)."""

    kind: ClassVar[str] = "bid_crews"
    region: str
    crews: float
    wage_musd: float


@frozen
class FundTraining:
    """Pay to train new crews for a region's pool; everyone may hire them later."""

    kind: ClassVar[str] = "fund_training"
    region: str
    musd: float


@frozen
class OfferCompute:
    """Offer free capacity in a region to inference customers at a price."""

    kind: ClassVar[str] = "offer_compute"
    region: str
    price_usd_per_h100e_hour: float


@frozen
class BidRfp:
    """Bid a price for a training RFP; the lowest qualified bid wins."""

    kind: ClassVar[str] = "bid_rfp"
    rfp: str
    price_usd_per_h100e_hour: float


@frozen
class Subcontract:
    """Put part of your internal demand out to tender (published next quarter as an RFP)."""

    kind: ClassVar[str] = "subcontract"
    h100e: float
    quarters: int
    max_price_usd_per_h100e_hour: float


@frozen
class Borrow:
    kind: ClassVar[str] = "borrow"
    musd: float


@frozen
class Repay:
    kind: ClassVar[str] = "repay"
    musd: float


@frozen
class RaiseEquity:
    kind: ClassVar[str] = "raise_equity"
    musd: float


ORDER_TYPES: dict[str, type] = {
    cls.kind: cls
    for cls in (
        BidInterconnect,
        BidGasTurbines,
        SignSmrPpa,
        BidLot,
        StartSite,
        RetrofitCooling,
        SignChipAgreement,
        BidChips,
        FundAsicProgramme,
        BidCrews,
        FundTraining,
        OfferCompute,
        BidRfp,
        Subcontract,
        Borrow,
        Repay,
        RaiseEquity,
    )
}
Order = Any  # one of ORDER_TYPES' classes


def order_to_dict(order: Order) -> dict:
    d = CONVERTER.unstructure(order)
    return {"type": order.kind, **d}


# Whole numbers beyond int64 are no quantity or price in this game; past 2^1023 they are not
# even a float, and would overflow wherever they met one.
MAX_ORDER_INT = 2**63 - 1
# A save writes an order JSON cannot hold (a set, an object, a non-string key) as this marker,
# with the reason the engine gave; replaying the marker gives the same rejection again.
UNSAVEABLE = "<unserialisable>"
_PLAIN = (str, float, bool, type(None))


def plain_value(key: str, v: Any) -> Any:
    """An order field's value as a plain Python value: numpy scalars become Python numbers;
    Decimals and out-of-range whole numbers are refused with a reason (ValueError)."""
    t = type(v)
    if t in _PLAIN:
        return v
    if t is int:
        if -MAX_ORDER_INT <= v <= MAX_ORDER_INT:
            return v
        raise ValueError(f"{key}: {shown(v)} is out of range (whole numbers up to {MAX_ORDER_INT:,})")
    if isinstance(v, Decimal):
        raise ValueError(f"{key}: a Decimal ({shown(v)}) is not a number an order takes; give a float or an int")
    if t.__module__ == "numpy" and getattr(v, "shape", None) == ():  # numpy scalars: np.float64, np.int64, np.bool_, np.str_
        return plain_value(key, v.item())
    for kind in (bool, int, float, str):  # subclasses of the plain types: the plain value
        if isinstance(v, kind):
            return plain_value(key, kind(v))
    return v  # anything else: the converter names its wrong type


def order_from_dict(raw: Any) -> Order:
    """Parse one order; raises ValueError with a readable reason."""
    if not isinstance(raw, dict):
        raise ValueError(f"an order must be a JSON object, got {type(raw).__name__}")
    odd = [k for k in raw if not isinstance(k, str)]
    if odd:
        raise ValueError(f"an order's keys must be strings, got {shown(odd[0])}")
    kind = raw.get("type")
    if type(kind) is str and kind == UNSAVEABLE and isinstance(raw.get("reason"), str):
        raise ValueError(raw["reason"])
    cls = ORDER_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown order type {shown(kind)}; known: {', '.join(ORDER_TYPES)}")
    body = {k: plain_value(k, v) for k, v in raw.items() if k != "type"}
    try:
        return CONVERTER.structure(body, cls)
    except Exception as e:
        raise ValueError(f"{kind}: " + "; ".join(transform_error(e))) from None


_PLAIN_TYPES = frozenset((str, float, int, bool, type(None)))
_FIELDS = {cls: tuple(a.name for a in attrs.fields(cls)) for cls in ORDER_TYPES.values()}


def parse_order(item: Any) -> Order:
    """The typed order an agent's order stands for, with plain Python values: a JSON order is
    parsed; a typed order's numpy scalars become Python numbers, and a Decimal or out-of-range
    whole number is refused. ValueError says why not. (A typed order's plainly wrong values,
    a string for a number, are left for the engine's checks to name.)"""
    names = _FIELDS.get(type(item))
    if names is None:
        return order_from_dict(item)
    for name in names:
        v = getattr(item, name)
        if type(v) not in _PLAIN_TYPES or type(v) is int and not -MAX_ORDER_INT <= v <= MAX_ORDER_INT:
            return attrs.evolve(item, **{n: plain_value(n, getattr(item, n)) for n in names})
    return item


def shown_order(item: Any) -> str:
    """An order as a rejection shows it: a saved marker shows what was given."""
    if type(item) is dict and type(item.get("type")) is str and item["type"] == UNSAVEABLE and isinstance(item.get("repr"), str):
        return item["repr"]
    if type(item) in _FIELDS:
        return describe(item)
    return shown(item, 200)


REASON_CHARS = 300  # a rejection's reason is cut to this (it may quote a wrong value at length)


def cut_reason(text: str) -> str:
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


def describe(order: Order) -> str:
    fields = ", ".join(f"{a.name}={_field_text(getattr(order, a.name))}" for a in attrs.fields(type(order)))
    return f"{order.kind}({fields})"


def _field_text(v: Any) -> str:
    if type(v) in (str, float, bool):
        return str(v)[:80]
    return shown(v) if type(v) is not int or v.bit_length() > 64 else str(v)

"""The typed orders a company may give in a quarter, and their JSON form."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
from attrs import frozen
from cattrs import transform_error

from ..scenario.load import CONVERTER


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


def order_from_dict(raw: Any) -> Order:
    """Parse one order; raises ValueError with a readable reason."""
    if not isinstance(raw, dict):
        raise ValueError(f"an order must be a JSON object, got {type(raw).__name__}")
    kind = raw.get("type")
    cls = ORDER_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown order type {kind!r}; known: {', '.join(ORDER_TYPES)}")
    body = {k: v for k, v in raw.items() if k != "type"}
    try:
        return CONVERTER.structure(body, cls)
    except Exception as e:
        raise ValueError(f"{kind}: " + "; ".join(transform_error(e))) from None


def describe(order: Order) -> str:
    fields = ", ".join(f"{a.name}={getattr(order, a.name)}" for a in attrs.fields(type(order)))
    return f"{order.kind}({fields})"

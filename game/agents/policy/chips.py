"""Chips: bids and advance-purchase agreements for what is on sale (policy.market lists it for
each kind of hall: liquid-only generations need liquid halls, export-controlled ones no
restricted region)."""

from __future__ import annotations

from attrs import define

from ...model import orders as o
from ...model.view import CompanyView, GenerationView
from .holdings import CHIP_SOON_QUARTERS, Holdings
from .market import Market, hosts
from .value import Outlook

BID_MARKUP = 1.05  # × the higher of the list price and the last spot price
SUPPLY_SHARE = 0.4  # most of a generation's quarterly supply one bid asks for
SMALLEST_BID_KW = 100  # fewer chips than fill this many accelerators' worth of kW are not worth a bid


def bid_price(v: CompanyView, g: GenerationView, markup: float = BID_MARKUP) -> float:
    if g.custom:  # its own ASIC: at the vendor's reserve
        return round(g.list_price_musd * v.scenario.vendors[g.vendor].spot_reserve_fraction * markup, 6)
    return round(max(g.list_price_musd, g.last_spot_price_musd) * markup, 6)


def pays(g: GenerationView, price: float, value_musd_per_h100e: float) -> bool:
    """Does an accelerator bought now earn its price back, as the score counts (value_musd_per_h100e:
    Outlook.value_musd_per_h100e from when it arrives)?"""
    return g.performance_h100e * value_musd_per_h100e > price


@define
class ChipHabits:
    markup: float = BID_MARKUP
    supply_share: float = SUPPLY_SHARE
    apa_share: float = 0.5
    apa_quarters: int = 4


def purchases(v: CompanyView, h: Holdings, budget: float, habits: ChipHabits, outlook: Outlook) -> tuple[list, float, float]:
    """Bids (and at most one agreement) for the chips its free hall power can take, hall kind by
    hall kind, less what is already coming, while they earn their price back at the outlook's
    margin; returns the orders, the cash they can take and the deposit committed."""
    coming = h.coming_kw
    earning = outlook.value_musd_per_h100e(v.quarter + CHIP_SOON_QUARTERS)  # what an H100e bought now earns
    units: dict[str, int] = {}
    prices: dict[str, float] = {}  # generation -> its bid price
    orders: list = []
    spent = deposit_total = 0.0
    signed = False
    for key in ((True, False), (True, True), (False, False), (False, True)):
        need_kw = h.free_kw.get(key, 0.0) - coming
        coming = max(0.0, coming - h.free_kw.get(key, 0.0))
        for g in outlook.on_sale(*key):
            if need_kw < g.power_kw * SMALLEST_BID_KW or budget - spent <= 0:
                break
            price = prices.get(g.id)
            if price is None:  # once a generation, whichever kinds of hall may host it
                price = prices[g.id] = bid_price(v, g, habits.markup)
            if not pays(g, price, earning):
                continue
            n = int(min(need_kw / g.power_kw, g.supply_units * habits.supply_share - units.get(g.id, 0), (budget - spent) / price))
            if n <= 0:
                continue
            vendor = v.scenario.vendors[g.vendor]
            quarters = min(vendor.apa_max_quarters, habits.apa_quarters)
            # apa_share of what the halls need, spread over the agreement's deliveries
            apa_n = int(min(n * habits.apa_share / quarters, g.apa_room_units))
            if not signed and apa_n > 100 and v.quarters_left > quarters:
                deposit = g.apa_price_musd * apa_n * quarters * vendor.apa_deposit_fraction
                if deposit + spent < budget:
                    orders.append(o.SignChipAgreement(g.id, apa_n, quarters))
                    deposit_total += deposit
                    spent += deposit + g.apa_price_musd * apa_n
                    n = int(min(n - apa_n * quarters, max(0.0, budget - spent) / price))  # the deposit used some of the money
                    need_kw -= apa_n * quarters * g.power_kw
                    signed = True
            if n > 0:
                units[g.id] = units.get(g.id, 0) + n
                spent += n * price
                need_kw -= n * g.power_kw
    orders += [o.BidChips(gid, n, prices[gid]) for gid, n in units.items()]
    return orders, spent, deposit_total


def asic_pays(v: CompanyView, outlook: Outlook, arrives: int, markup: float) -> bool:
    """Would its own ASICs arriving in quarter `arrives` earn their price back?"""
    asic = Market.of(v).generations[v.scenario.asic.generation]
    return pays(asic, bid_price(v, asic, markup), outlook.value_musd_per_h100e(arrives))


def asic_programme_pays(v: CompanyView, outlook: Outlook, markup: float, supply_share: float) -> bool:
    """Would the rest of its ASIC programme pay for itself? What is left to fund must be covered
    by what its ASICs earn above their price, at the outlook's value from when the programme
    ships, bought at its share of the vendor's supply every quarter from then to the end (the
    most it could buy: halls may take fewer). The quarters already funded are spent either way."""
    spec = v.scenario
    asic = Market.of(v).generations[spec.asic.generation]
    left = spec.asic.programme_quarters - v.me.asic_quarters_funded
    arrives = v.quarter + left
    surplus = asic.performance_h100e * outlook.value_musd_per_h100e(arrives) - bid_price(v, asic, markup)
    units = asic.supply_units * supply_share * max(0, v.quarters_total - arrives)
    return surplus * units > spec.asic.programme_cost_musd_per_quarter * left


def asic_bid(v: CompanyView, budget: float, outlook: Outlook, *, share_of_free_power: float, supply_share: float, markup: float) -> o.BidChips | None:
    """Its own ASICs for a share of its free online hall power, once the programme ships, while
    they earn their price back."""
    spec = v.scenario
    m = Market.of(v)
    asic = m.generations[spec.asic.generation]
    if not (v.me.asic_active and asic.in_production and asic_pays(v, outlook, v.quarter + CHIP_SOON_QUARTERS, markup)):
        return None
    free_kw = sum(
        s.free_mw * 1000
        for s in v.me.sites
        if s.stage == "online" and hosts(asic, s.cooling in m.liquid_kinds, m.restricted[s.region])
    )
    on_the_way = v.me.inventory.get(asic.id, 0) + sum(d.units for d in v.me.deliveries if d.generation == asic.id)
    n = int(min(free_kw * share_of_free_power / asic.power_kw - on_the_way, asic.supply_units * supply_share))
    price = bid_price(v, asic, markup)
    if n > 100 and n * price < budget:
        return o.BidChips(asic.id, n, price)
    return None

"""Phase 5, operate: power bills, running costs, outside cash flow, depreciation, interest and tax."""

from __future__ import annotations

from ..model.state import GAS, GRID, ONLINE, RETROFIT, SMR, Company
from .core import PNL, GameCore
from .finance import debt_rate


def power_price(g: GameCore, kind: str, contract_price: float, region: str) -> float:
    """$/MWh a site pays: its own gas or SMR contract price, else the region's grid price."""
    if kind == GAS:
        return contract_price * g.mod("gas_price_multiplier")
    if kind == SMR:
        return contract_price
    return g.world.regions[region].power_price_usd_per_mwh * g.mod("power_price_multiplier", region)


def outage_fraction(g: GameCore, region: str, cooling: str) -> float:
    """Share of a hall's capacity out this quarter: its cooling's operations risk, plus a heat
    wave's outage (the region's `outage_fraction` lever), which only air-cooled halls suffer."""
    out = g.spec.cooling[cooling].outage_fraction
    if not g.spec.cooling[cooling].hosts_liquid_only:
        out += g.mod("outage_fraction", region, 0.0)
    return min(1.0, out)


_SERVED = ("served_fleets",)


def note_served_fleets(g: GameCore) -> None:
    """Keep each company's fleet as the compute markets sold it, before the build phase installs
    chips or takes halls out for a retrofit: operate bills the quarter's power for that fleet.
    Chips installed this quarter are billed from next quarter, when they can first sell; a hall
    retrofitted this quarter pays for the quarter it sold."""
    g.derived.quarter[_SERVED] = {c.id: g.fleet(c)[0] for c in g.alive()}  # dropped with the quarter


def site_pue(g: GameCore, cooling: str, region: str) -> float:
    """The PUE this quarter: as designed, plus any heat wave on air-cooled halls."""
    pue = g.design_pue(cooling, region)
    if not g.spec.cooling[cooling].hosts_liquid_only:
        pue += g.mod("air_pue_add", region, 0.0)
    return pue


_IN_SERVICE = frozenset((ONLINE, RETROFIT))


def _depreciate(assets) -> tuple[float, bool]:
    """Write each asset down by its quarter's charge, never below nothing; the total charged, and
    whether any is left with nothing on the books."""
    total = 0.0
    spent = False
    for a in assets:
        x = min(a.dep_musd_per_quarter, a.book_musd)
        book = a.book_musd = a.book_musd - x
        total += x
        if book <= 1e-9:
            spent = True
    return total, spent


def _depreciate_chips(c: Company) -> float:
    """_depreciate over a company's chip cohorts, then off the books with those written off."""
    total, spent = _depreciate(c.cohorts)
    if spent:
        c.cohorts = [k for k in c.cohorts if k.book_musd > 1e-9]
    return total


def forfeit_unused_power(g: GameCore, c: Company) -> float:
    """Grid positions energised (or bought) but left without a site for the scenario's limit are
    withdrawn by the utility: the MW go, and the deposit paid for them (their book value) is lost. Returns the
    book value written off."""
    limit = g.spec.rules.unused_power_forfeit_quarters
    lost = 0.0
    keep = []
    for p in c.power:
        if p.kind != GRID or not p.energised or p.site is not None:  # most sources: feeding a site, or not yet on
            keep.append(p)
            continue
        idle = g.q - max(p.ready_quarter, p.acquired_quarter)  # a position bought at auction starts afresh
        if idle < limit:
            if idle == limit - 1:
                g.say(c.id, "Power {} ({:,.0f} MW in {}) has no site: start one this quarter or the utility withdraws it", p.id, p.mw, g.spec.regions[p.region].name)
            keep.append(p)
            continue
        lost += p.book_musd
        g.world.mw_scrapped += p.mw
        g.say(c.id, "Power {} ({:,.0f} MW in {}) stood unused for {} quarters: the utility withdrew it and kept the ${:,.1f}M deposit", p.id, p.mw, g.spec.regions[p.region].name, idle, p.book_musd)
    if len(keep) < len(c.power):
        c.power = keep
    return lost


def operate_phase(g: GameCore) -> None:
    rules = g.spec.rules
    hours = rules.hours_per_quarter
    served = g.derived.quarter.get(_SERVED) or {}
    # (PUE, $/MWh) by fleet group: the same few (region, cooling, power) groups recur in every fleet
    rates: dict[tuple, tuple[float, float]] = {}
    for c in g.alive():
        # share of installed H100e busy (headroom kept for internal demand is idle, and billed so)
        busy = min(1.0, c.used_h100e / c.capacity_h100e) if c.capacity_h100e > 0 else 0.0
        bill = 0.0
        it_mw = 0.0
        draw = rules.idle_power_fraction + (1 - rules.idle_power_fraction) * busy
        fleet = served.get(c.id)
        for key, group in (fleet if fleet is not None else g.fleet(c)[0]).items():
            used_mw = group[0] / 1000  # kW drawn
            it_mw += used_mw
            rate = rates.get(key)
            if rate is None:
                region, cooling, kind, contract_price = key
                rate = rates[key] = (site_pue(g, cooling, region), power_price(g, kind, contract_price, region))
            pue, price = rate
            bill += used_mw * draw * pue * hours * price / 1e6
        if bill:
            g.post(c, "power", -bill, "power bill")
        if it_mw:
            g.post(c, "opex", -it_mw * rules.opex_musd_per_it_mw_quarter, "site operations")
        if c.outside_cash_flow_musd:
            g.post(c, "outside_cash_flow", c.outside_cash_flow_musd, "rest of the business")
        # depreciation (no cash): halls and power once in service, chips from delivery
        dep = _depreciate([s for s in c.sites if s.stage in _IN_SERVICE and s.book_musd > 0])[0]
        dep += _depreciate([p for p in c.power if p.energised and p.book_musd > 0])[0]
        dep += _depreciate_chips(c)  # and off the books once fully depreciated
        dep += forfeit_unused_power(g, c)  # a write-off, booked with depreciation
        g.depreciation[c.id] = dep
        g.hold_books(c)
        ebitda = sum([v for cat, v in g.private[c.id].pnl.items() if cat in PNL])
        c.ebitda_musd = ebitda
        rate = debt_rate(g, c)
        interest = c.debt_musd * rate / 4
        c.interest_musd = interest
        if interest:
            g.post(c, "interest", -interest, f"{rate:.2%} a year on ${c.debt_musd:,.0f}M")
        pretax = ebitda - interest - dep
        if pretax > 0:
            used = min(c.tax_loss_musd, pretax)
            c.tax_loss_musd -= used
            tax = (pretax - used) * rules.tax_rate
            if tax:
                g.post(c, "tax", -tax, "corporate tax")
        else:
            c.tax_loss_musd += -pretax

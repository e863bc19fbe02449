"""Phase 5, operate: power bills, running costs, outside cash flow, depreciation, interest and tax."""

from __future__ import annotations

from ..model.state import GAS, ONLINE, RETROFIT, SMR, Company
from .core import PNL, GameCore
from .finance import debt_rate


def power_price(g: GameCore, kind: str, contract_price: float, region: str) -> float:
    """$/MWh a site pays: its own gas or SMR contract price, else the region's grid price."""
    if kind == GAS:
        return contract_price * g.mod("gas_price_multiplier")
    if kind == SMR:
        return contract_price
    return g.world.regions[region].power_price_usd_per_mwh * g.mod("power_price_multiplier", region)


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
        book, charge = a.book_musd, a.dep_musd_per_quarter
        x = charge if charge < book else book
        book = a.book_musd = book - x
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


def operate_phase(g: GameCore) -> None:
    spec, rules = g.spec, g.spec.rules
    hours = rules.hours_per_quarter
    terms: dict[tuple, tuple[float, float]] = {}  # fleet group -> (PUE, $/MWh) this quarter
    for c in g.alive():
        util = c.used_h100e / c.capacity_h100e if c.capacity_h100e > 0 else 0.0
        util = min(1.0, util / spec.archetypes[c.archetype].sellable_fraction)  # share of installed busy
        bill = 0.0
        it_mw = 0.0
        draw = rules.idle_power_fraction + (1 - rules.idle_power_fraction) * util
        for key, group in g.fleet(c)[0].items():
            used_mw = group[0] / 1000  # kW drawn
            it_mw += used_mw
            hit = terms.get(key)
            if hit is None:
                region, cooling, kind, contract_price = key
                hit = terms[key] = (site_pue(g, cooling, region), power_price(g, kind, contract_price, region))
            pue, price = hit
            bill += used_mw * draw * pue * hours * price / 1e6
        if bill:
            g.post(c, "power", -bill, "power bill")
        if it_mw:
            g.post(c, "opex", -it_mw * rules.opex_musd_per_mw_quarter, "site operations")
        if c.outside_cash_flow_musd:
            g.post(c, "outside_cash_flow", c.outside_cash_flow_musd, "rest of the business")
        # depreciation (no cash): halls and power once in service, chips from delivery
        dep = _depreciate([s for s in c.sites if s.stage in _IN_SERVICE and s.book_musd > 0])[0]
        dep += _depreciate([p for p in c.power if p.energised and p.book_musd > 0])[0]
        dep += _depreciate_chips(c)  # and off the books once fully depreciated
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

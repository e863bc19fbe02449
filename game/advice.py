"""Decision support for an order being written: plain labels, the market row it needs, and warnings.

The engine says whether an order is legal; this module says what a careful analyst would say
beside it: the figures to decide with (reserve, MW on offer, last clearing price, wage, capex,
delivery quarter, contract value, stake after a raise) and warnings for an order that is legal
but almost surely a mistake (below the reserve, more capacity promised than held, crews with
nothing to build, delivery after the game ends, a price far from the market). It reads only the
company's view, so a team client across the network can run it too. Warnings never refuse.
"""

from __future__ import annotations

from typing import Any, Sequence

from .model import orders as o
from .model.view import CompanyView
from .scenario import quarter_label

# Field name -> the label a form shows, units in brackets, one convention: $M and $B; $k only
# where the market table shows chip prices in $k (the form then says so).
FIELD_LABELS: dict[str, str] = {
    "region": "Region",
    "mw": "Power (MW)",
    "price_musd_per_mw": "Price ($M per MW)",
    "price_musd": "Price ($M)",
    "lot": "Lot",
    "power": "Power source",
    "cooling": "Cooling",
    "fast_track": "Fast-track (faster build, higher capex)",
    "site": "Site",
    "generation": "Chip generation",
    "units": "Accelerators (units)",
    "units_per_quarter": "Accelerators per quarter (units)",
    "price_musd_per_unit": "Price ($M per unit; 0.035 = $35k)",
    "quarters": "Quarters",
    "crews": "Crews",
    "wage_musd": "Wage ($M per crew for the quarter)",
    "musd": "Amount ($M)",
    "price_usd_per_h100e_hour": "Price ($ per H100e-hour)",
    "rfp": "Training RFP",
    "h100e": "Capacity (H100e)",
    "max_price_usd_per_h100e_hour": "Ceiling price ($ per H100e-hour)",
}

# How far from the market a price may stray before a form asks whether it was meant.
FAR_ABOVE = 3.0
FAR_BELOW = 0.5


def label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " ").capitalize())


def money(x: float) -> str:
    """One convention everywhere: $M below a billion, $B (one decimal) from a billion, with a sign."""
    sign = "-" if x < -0.5 else ""
    if abs(x) >= 999.5:
        return f"{sign}${abs(x) / 1000:,.1f}B"
    return f"{sign}${abs(x):,.0f}M"


def _when(view: CompanyView, q: int) -> str:
    return quarter_label(view.scenario.game.start, max(q, 0))


def _after_end(view: CompanyView, q: int) -> bool:
    return q >= view.quarters_total


def _get(seq: Sequence[Any], ident: Any) -> Any:
    return next((x for x in seq if x.id == ident), None)


def market_row(view: CompanyView, kind: str, values: dict[str, Any]) -> list[str]:
    """The market figures an order of this kind is decided with, for the choices made so far."""
    spec = view.scenario
    region = _get(view.regions, values.get("region")) if values.get("region") else None
    lines: list[str] = []
    if kind == "bid_interconnect" and region is not None:
        last = f"last cleared ${region.last_grid_price_musd_per_mw:.2f}M/MW for {region.last_grid_mw:,.0f} of {region.last_grid_bid_mw:,.0f} MW bid" if region.last_grid_bid_mw else "no bids last quarter"
        lines.append(f"{region.name}: {region.grid_release_mw:,.0f} MW on offer, reserve ${region.grid_reserve_price_musd_per_mw:.2f}M/MW; {last}")
        lines.append(f"Energises {region.queue_wait_quarters_min}–{region.queue_wait_quarters_max} quarters after winning ({_when(view, view.quarter + region.queue_wait_quarters_min)} at the earliest); power ${region.power_price_usd_per_mwh:,.0f}/MWh now")
    elif kind == "bid_gas":
        lines.append(f"Turbines: {view.gas_supply_mw:,.0f} MW on offer worldwide, reserve ${view.gas_reserve_price_musd_per_mw:.2f}M/MW, last cleared ${view.last_gas_price_musd_per_mw:.2f}M/MW")
    elif kind == "sign_smr":
        lines.append(f"SMR power from about {_when(view, view.smr_first_delivery_quarter)}" + (" — after the game ends" if _after_end(view, view.smr_first_delivery_quarter) else ""))
    elif kind == "bid_lot":
        lot = _get(view.lots, values.get("lot"))
        if lot is not None:
            lines.append(f"Lot {lot.id}: {lot.kind.replace('_', ' ')}, {lot.mw:,.0f} MW in {lot.region}, reserve {money(lot.reserve_musd)}, {lot.quarters_left} quarter(s) left on offer")
    elif kind in ("start_site", "retrofit"):
        power = _get(view.me.power, values.get("power"))
        site = _get(view.me.sites, values.get("site"))
        rid = power.region if power is not None else site.region if site is not None else None
        r = _get(view.regions, rid) if rid else None
        cooling = values.get("cooling")
        if r is not None and cooling in r.capex_musd_per_mw:
            mw = power.mw if power is not None else site.mw
            lines.append(f"Capex in {r.name}: ${r.capex_musd_per_mw[cooling]:.1f}M per MW with {cooling} cooling, about {money(r.capex_musd_per_mw[cooling] * mw)} for {mw:,.0f} MW")
            crews = mw / spec.rules.construction_mw_per_crew_quarter
            lines.append(f"Permitting {r.permitting_quarters} quarter(s), then about {crews:,.1f} crew-quarters of building; crews now {r.crews_pool:,.0f} in the pool at ${r.last_wage_musd or r.wage_reserve_musd:.2f}M")
        if power is not None and not power.energised:
            lines.append(f"Its power energises about {_when(view, power.ready_quarter)}")
    elif kind in ("bid_chips", "sign_apa"):
        g = _get(view.generations, values.get("generation"))
        if g is not None:
            vendor = spec.vendors[g.vendor]
            arrives = view.quarter + (vendor.delivery_lead_quarters if kind == "bid_chips" else 0)
            spot = f"last spot ${g.last_spot_price_musd * 1000:,.1f}k ({g.last_spot_units:,} sold)" if g.last_spot_price_musd else "no spot sales yet"
            lines.append(f"{g.name}: list ${g.list_price_musd * 1000:,.1f}k, APA ${g.apa_price_musd * 1000:,.1f}k, {spot}; supply {g.supply_units:,} a quarter, APA room {g.apa_room_units:,}")
            lines.append(f"{g.performance_h100e:.1f} H100e and {g.power_kw:.2f} kW each" + (", liquid cooling only" if g.liquid_only else "") + (", export-controlled" if g.export_controlled else "") + f"; first delivery {_when(view, arrives)}")
    elif kind == "bid_crews" and region is not None:
        building = [s for s in view.me.sites if s.region == region.id and s.stage not in ("online",)]
        need = sum(max(0.0, s.mw - s.built_mw) for s in building) / spec.rules.construction_mw_per_crew_quarter
        lines.append(f"{region.name}: {region.crews_pool:,.0f} crews in the pool, reserve ${region.wage_reserve_musd:.2f}M, last wage ${region.last_wage_musd or region.wage_reserve_musd:.2f}M")
        lines.append(f"Your sites there need about {need:,.1f} crew-quarters of work" if building else "You have no site to build there")
    elif kind == "offer_compute" and region is not None:
        lines.append(f"Price index ${view.price_index:.2f} per H100e-hour; {region.name} is latency tier {region.latency_tier}")
    elif kind == "bid_rfp":
        r = _get(view.rfps, values.get("rfp"))
        if r is not None:
            price = _num(values.get("price_usd_per_h100e_hour"))
            value = r.h100e * (price or r.max_price_usd_per_h100e_hour) * spec.rules.hours_per_quarter * r.quarters / 1e6
            lines.append(f"RFP {r.id}: {r.h100e:,.0f} H100e for {r.quarters} quarters, ceiling ${r.max_price_usd_per_h100e_hour:.2f}; sites of {r.min_site_mw:,.0f} MW or more")
            lines.append(f"Contract value {money(value)} at " + (f"${price:.2f}" if price else "the ceiling"))
    elif kind == "raise_equity":
        amount = _num(values.get("musd"))
        if amount:
            after = _stake_after(view, amount)
            lines.append(f"Founders' stake {view.me.ownership:.0%} → {after:.0%} (new shares at a {spec.rules.equity_issue_discount:.0%} discount to book equity {money(view.me.book_equity_musd)})")
    elif kind in ("borrow", "repay"):
        lines.append(f"Debt {money(view.me.debt_musd)} at {view.me.debt_rate:.1%}; lenders would lend {money(view.me.borrow_headroom_musd)} more")
    return lines


def _num(x: Any) -> float | None:
    try:
        return float(str(x).replace(",", "")) if x not in (None, "") else None
    except ValueError:
        return None


def _stake_after(view: CompanyView, amount: float) -> float:
    """The founders' stake after selling `amount` of new shares (at most the scenario's share of
    book equity) at the scenario's discount to book: the rule the finance phase applies."""
    rules = view.scenario.rules
    book = max(0.0, view.me.book_equity_musd)
    amount = min(amount, book * rules.equity_raise_max_fraction)
    pre_money = book * (1 - rules.equity_issue_discount)
    return view.me.ownership * pre_money / (pre_money + amount) if amount > 0 else view.me.ownership


def waiting_sites(view: CompanyView) -> list[tuple[Any, Any]]:
    """(site, its power) for each of the company's sites not yet built."""
    power = {p.id: p for p in view.me.power}
    return [(s, power.get(s.power)) for s in view.me.sites if s.stage not in ("online", "commissioning") and s.built_mw < s.mw]


def crews_can_build(view: CompanyView) -> list[tuple[Any, Any]]:
    """Sites crews hired this quarter would build: their power is energised or energises this
    quarter (construction starts once it does, before the crews work), and permitting is done
    or ends this quarter."""
    def permitted_by_now(s: Any) -> bool:
        return s.stage != "permitting" or view.region(s.region).permitting_quarters - s.stage_quarters <= 1

    return [(s, p) for s, p in waiting_sites(view) if p is not None and (p.energised or p.ready_quarter <= view.quarter) and permitted_by_now(s)]


def warnings(view: CompanyView, orders: Sequence[Any], index: int) -> list[str]:
    """Warnings for orders[index] (others in the set matter: capacity promised twice, say)."""
    x = orders[index]
    out: list[str] = []
    try:
        if isinstance(x, o.BidInterconnect):
            r = view.region(x.region)
            if x.price_musd_per_mw < r.grid_reserve_price_musd_per_mw:
                out.append(f"below the reserve (${r.grid_reserve_price_musd_per_mw:.2f}M/MW): it cannot win")
            elif r.last_grid_price_musd_per_mw and x.price_musd_per_mw > FAR_ABOVE * r.last_grid_price_musd_per_mw:
                out.append(f"more than {FAR_ABOVE:g}× last quarter's clearing price (${r.last_grid_price_musd_per_mw:.2f}M/MW)")
            if r.moratorium:
                out.append(f"{r.name} is under a moratorium: no MW are on offer")
            share = view.scenario.rules.interconnect_share_max
            asked = sum(y.mw for y in orders if isinstance(y, o.BidInterconnect) and y.region == x.region)
            if share < 1 and not r.moratorium and asked > share * r.grid_release_mw + 1e-9:
                out.append(f"your bids in {r.name} add up to {asked:,.0f} MW; one company may win at most {share:.0%} of the {r.grid_release_mw:,.0f} MW released ({share * r.grid_release_mw:,.1f} MW)")
        elif isinstance(x, o.BidGasTurbines) and x.price_musd_per_mw < view.gas_reserve_price_musd_per_mw:
            out.append(f"below the reserve (${view.gas_reserve_price_musd_per_mw:.2f}M/MW): it cannot win")
        elif isinstance(x, o.BidLot):
            lot = _get(view.lots, x.lot)
            if lot is not None and x.price_musd < lot.reserve_musd:
                out.append(f"below the lot's reserve ({money(lot.reserve_musd)}): it cannot win")
        elif isinstance(x, o.SignSmrPpa) and _after_end(view, view.smr_first_delivery_quarter):
            out.append("the SMR delivers after the game ends: you pay for power you never use")
        elif isinstance(x, o.RetrofitCooling):
            site = _get(view.me.sites, x.site)
            if site is not None and site.cooling == x.cooling:
                out.append(f"site {site.id} already has {x.cooling} cooling: the retrofit changes nothing")
        elif isinstance(x, o.BidCrews):
            r = view.region(x.region)
            building = [s for s in view.me.sites if s.region == x.region and s.stage != "online"]
            if not building:
                out.append(f"you have no site to build in {r.name}: the crews would be paid for nothing")
            elif not [s for s, _ in crews_can_build(view) if s.region == x.region]:
                out.append(f"your sites in {r.name} wait for power: crews cannot build before the quarter it energises")
            market = r.last_wage_musd or r.wage_reserve_musd
            if x.wage_musd < r.wage_reserve_musd:
                out.append(f"below the reserve wage (${r.wage_reserve_musd:.2f}M): it cannot hire")
            elif market and x.wage_musd > FAR_ABOVE * market:
                out.append(f"the wage is {x.wage_musd / market:,.0f}× the market's (${market:.2f}M): a typo?")
        elif isinstance(x, (o.BidChips, o.SignChipAgreement)):
            g = view.generation(x.generation)
            price = getattr(x, "price_musd_per_unit", None)  # an APA has no price of its own: the list price holds
            if price is None:
                pass
            elif price > FAR_ABOVE * g.list_price_musd:
                out.append(f"the price is {price / g.list_price_musd:,.1f}× the list price (${g.list_price_musd * 1000:,.1f}k): a typo?")
            elif isinstance(x, o.BidChips) and price < FAR_BELOW * g.list_price_musd:
                out.append(f"far below the list price (${g.list_price_musd * 1000:,.1f}k): unlikely to win")
            hosts = [s for s in view.me.sites if not (g.liquid_only and s.cooling == "air")]
            if g.export_controlled and hosts and all(view.region(s.region).export_restricted for s in hosts):
                out.append("export-controlled: none of your sites may install it")
            if isinstance(x, o.BidChips):
                arrives = view.quarter + view.scenario.vendors[g.vendor].delivery_lead_quarters
                if _after_end(view, arrives):
                    out.append("it would arrive after the game ends")
        elif isinstance(x, o.BidRfp):
            promised = sum(r.h100e for y in orders if isinstance(y, o.BidRfp) and (r := _get(view.rfps, y.rfp)) is not None)
            free = view.me.capacity_h100e - view.me.used_h100e
            if promised > view.me.capacity_h100e:
                out.append(f"your RFP bids add up to {promised:,.0f} H100e against {view.me.capacity_h100e:,.0f} of capacity")
            elif promised > free + 1e-9 and free >= 0:
                out.append(f"your RFP bids add up to {promised:,.0f} H100e; about {free:,.0f} is free now")
            r = _get(view.rfps, x.rfp)
            if r is not None and x.price_usd_per_h100e_hour > r.max_price_usd_per_h100e_hour:
                out.append(f"above the RFP's ceiling (${r.max_price_usd_per_h100e_hour:.2f}): it cannot win")
        elif isinstance(x, o.OfferCompute):
            if x.price_usd_per_h100e_hour > FAR_ABOVE * view.price_index:
                out.append(f"{x.price_usd_per_h100e_hour / view.price_index:,.1f}× the price index: customers will go elsewhere")
            elif x.price_usd_per_h100e_hour < FAR_BELOW * view.price_index:
                out.append(f"under half the price index (${view.price_index:.2f}): you may sell below cost")
    except KeyError:  # a field naming nothing: the engine's own check says so
        return out
    return out


def sentence(view: CompanyView, x: Any) -> str:
    """An order in plain words, as a player would say it."""
    def region(rid: str) -> str:
        r = _get(view.regions, rid)
        return r.name if r is not None else rid

    def gen(gid: str) -> str:
        g = _get(view.generations, gid)
        return g.name if g is not None else gid

    if isinstance(x, o.BidInterconnect):
        return f"Bid for {x.mw:,.0f} MW of grid power in {region(x.region)} at ${x.price_musd_per_mw:.2f}M/MW"
    if isinstance(x, o.BidGasTurbines):
        return f"Bid for {x.mw:,.0f} MW of gas turbines for {region(x.region)} at ${x.price_musd_per_mw:.2f}M/MW"
    if isinstance(x, o.SignSmrPpa):
        return f"Sign an SMR power deal for {x.mw:,.0f} MW in {region(x.region)}"
    if isinstance(x, o.BidLot):
        return f"Bid {money(x.price_musd)} for lot {x.lot}"
    if isinstance(x, o.StartSite):
        return f"Start {'an' if x.cooling[:1] in 'aeiou' else 'a'} {x.cooling}-cooled site on power {x.power}" + (", fast-tracked" if x.fast_track else "")
    if isinstance(x, o.RetrofitCooling):
        return f"Retrofit site {x.site} to {x.cooling} cooling"
    if isinstance(x, o.SignChipAgreement):
        return f"Sign an advance purchase of {x.units_per_quarter:,} {gen(x.generation)} a quarter for {x.quarters} quarters"
    if isinstance(x, o.BidChips):
        return f"Bid for {x.units:,} {gen(x.generation)} at ${x.price_musd_per_unit * 1000:,.1f}k each"
    if isinstance(x, o.FundAsicProgramme):
        return "Fund a quarter of the custom-ASIC programme"
    if isinstance(x, o.BidCrews):
        return f"Hire {x.crews:,.1f} crews in {region(x.region)} at up to ${x.wage_musd:.2f}M each"
    if isinstance(x, o.FundTraining):
        return f"Fund {money(x.musd)} of crew training in {region(x.region)}"
    if isinstance(x, o.OfferCompute):
        return f"Offer free capacity in {region(x.region)} at ${x.price_usd_per_h100e_hour:.2f} per H100e-hour"
    if isinstance(x, o.BidRfp):
        return f"Bid ${x.price_usd_per_h100e_hour:.2f} per H100e-hour for training RFP {x.rfp}"
    if isinstance(x, o.Subcontract):
        return f"Tender {x.h100e:,.0f} H100e of internal demand for {x.quarters} quarters, ceiling ${x.max_price_usd_per_h100e_hour:.2f}"
    if isinstance(x, o.Borrow):
        return f"Borrow {money(x.musd)}"
    if isinstance(x, o.Repay):
        return f"Repay {money(x.musd)} of debt"
    if isinstance(x, o.RaiseEquity):
        return f"Raise {money(x.musd)} of new equity"
    return str(x)

"""Phase 1, news: events and injects, market drift, new training RFPs and distressed powered sites."""

from __future__ import annotations

import math

from ..model.state import ONLINE, POWERED_SITE, SMR, ActiveEvent, AssetLot, PowerSource, Rfp, Site
from ..scenario import quarter_offset
from .core import GameCore
from .levers import Levers
from .demand import inference_share, training_tender_share

_SCOPE_TABLES = {"region": "regions", "vendor": "vendors", "generation": "generations"}


def _fire(g: GameCore, eid: str, target: str) -> None:
    ev = g.spec.events[eid]
    if ev.scope != "global" and not target:
        pool = list(ev.targets) or list(getattr(g.spec, _SCOPE_TABLES[ev.scope]))
        target = pool[int(g.draws("events.target", eid).integers(len(pool)))]
    where = ""
    if target:
        where = getattr(g.spec, _SCOPE_TABLES[ev.scope])[target].name
    effects = dict(ev.effects)
    # the same event on the same target while it is still on extends it rather than stacking: a
    # second spending pause during a pause is the pause going on, not demand halved again
    running = next((a for a in g.world.events if a.event == eid and a.target == target), None)
    if running is None:
        g.world.events.append(ActiveEvent(eid, ev.title, target, ev.duration_quarters, effects))
    else:
        running.quarters_left = max(running.quarters_left, ev.duration_quarters)
    g.public.events.append({"event": eid, "title": ev.title, "target": target, "where": where, "quarters": ev.duration_quarters})
    g.world.news.append(ev.title + (f" ({where})" if where else "") + (f", for {ev.duration_quarters} quarters" if ev.duration_quarters > 1 else ""))
    _one_shot(g, effects, target)


def _one_shot(g: GameCore, effects: dict[str, float], target: str) -> None:
    """The effects that act once, when their event fires (levers.ONE_SHOT), rather than for the
    event's duration: an SMR delay moves every undelivered SMR PPA, a release shift moves a
    generation's release quarter for good, a customer default ends a contract."""
    smr = int(effects.get("smr_delay_add_quarters", 0))
    if smr:
        for c in g.alive():
            for p in c.power:
                if p.kind == SMR and not p.energised:
                    p.ready_quarter += smr
    shift = int(effects.get("release_shift_quarters", 0))
    if shift:
        for gid in [target] if target else list(g.spec.generations):
            g.shift_release(gid, shift)
    if effects.get("customer_default"):
        _customer_default(g)


def _customer_default(g: GameCore) -> None:
    """A training customer walks away: one market contract ends with no more payments."""
    pool = [(c, k) for c in g.alive() for k in c.contracts if k.customer == "market"]
    if not pool:
        return
    c, k = pool[int(g.draws("events.customer_default").integers(len(pool)))]
    c.contracts.remove(k)
    g.world.news.append(f"A training customer of {c.name} defaulted on a {k.h100e:,.0f} H100e contract")
    g.say(c.id, "Customer default: contract {} ({:,.0f} H100e) ended with {} quarters unpaid", k.id, k.h100e, k.quarters_left)


def _inject_quarters(g: GameCore) -> list[int]:
    return [quarter_offset(g.spec.game.start, inj.quarter) for inj in g.spec.injects]


def events_phase(g: GameCore) -> None:
    w = g.world
    for ev in w.events:
        ev.quarters_left -= 1
    w.events = [ev for ev in w.events if ev.quarters_left > 0]
    for inj, q in zip(g.spec.injects, g.cache("inject_quarters", _inject_quarters)):
        if q == g.q:
            _fire(g, inj.event, inj.target)
    draws = g.draws("events").random(len(g.spec.events)).tolist()
    for (eid, ev), u in zip(g.spec.events.items(), draws):
        if u < ev.probability_per_quarter:
            _fire(g, eid, "")
    g.set_levers(Levers.of(w.events))
    g.derived.new_quarter()  # the quarter's news is in: figures kept from last quarter's are stale


def _growth(g: GameCore) -> float:
    return g.spec.demand.growth_per_quarter(g.q, g.spec.game.quarters)


def drift_phase(g: GameCore) -> None:
    """Prices, pools and capacities move before anyone orders (skipped in the first quarter)."""
    w, spec = g.world, g.spec
    q = g.q
    shocks = g.draws("power.price").standard_normal(len(spec.regions)).tolist()
    for (rid, r), z in zip(spec.regions.items(), shocks):
        rs = w.regions[rid]
        # a lognormal step whose mean is the drift: exp(sigma z - sigma^2 / 2) averages 1
        rs.power_price_usd_per_mwh *= (1 + r.power_price_drift_per_quarter) * math.exp(r.power_price_volatility * z - r.power_price_volatility**2 / 2)
        rs.crews_pool = max(0.0, rs.crews_pool * (1 + r.crew_growth_per_quarter))
        if rs.training:
            arrived = [t for t in rs.training if t[0] <= q]
            for t in arrived:
                rs.crews_pool += t[1]
            rs.training = [t for t in rs.training if t[0] > q]
        rs.wage_reserve_musd *= 1 + r.wage_drift_per_quarter
    for vid, v in spec.vendors.items():
        vs = w.vendors[vid]
        vs.packaging_units *= 1 + v.packaging_growth_per_quarter
        vs.hbm_units *= 1 + v.hbm_growth_per_quarter
    for gid, gen in spec.generations.items():
        w.generations[gid].list_price_musd *= 1 + gen.list_price_drift_per_quarter
    w.gas_supply_mw *= 1 + spec.power.gas.turbine_supply_growth_per_quarter
    w.demand_h100e *= 1 + _growth(g)
    for c in g.alive():
        cs = spec.companies[c.id]
        c.internal_demand_h100e *= 1 + cs.internal_demand_growth_per_quarter
        c.outside_cash_flow_musd *= 1 + cs.outside_cash_flow_growth_per_quarter


def rfp_phase(g: GameCore) -> None:
    """New training RFPs from the market; sub-contract RFPs were added by last quarter's orders."""
    t = g.spec.demand.training
    w = g.world
    w.rfps = [r for r in w.rfps if r.customer != "market"]  # market RFPs last one quarter
    n = t.rfps_per_quarter
    if n <= 0:
        return
    # labs tender for the part of the training market not already under contract, less what the
    # going price puts off
    target = w.demand_h100e * g.mod("demand_multiplier") * g.mod("training_demand_multiplier") * (1 - inference_share(g)) * training_tender_share(g)
    running = sum([k.h100e for c in g.alive() for k in c.contracts if k.customer == "market"])
    volume = max(0.0, target - running) * t.gap_tendered_per_quarter
    rng = g.draws("compute.rfps")
    min_release = g.q - t.current_generation_quarters
    weights = rng.dirichlet([t.rfp_size_concentration] * n).tolist() if n > 1 else [1.0]
    for share in weights:
        size = volume * share
        if size <= 0:
            continue
        quarters = int(rng.integers(t.contract_quarters_min, t.contract_quarters_max + 1))
        w.rfps.append(
            Rfp(
                w.new_id("R"),
                "market",
                round(size, 1),
                quarters,
                t.min_site_mw,
                min_release,
                round(w.price_index * t.price_premium, 4),
            )
        )


def powered_site_phase(g: GameCore) -> None:
    """Now and then a distressed powered site (a miner's, say) comes up for auction."""
    ps = g.spec.power.powered_sites
    rng = g.draws("power.powered_site")
    if rng.random() >= ps.probability_per_quarter:
        return
    regions = list(ps.regions) or list(g.spec.regions)
    rid = regions[int(rng.integers(len(regions)))]
    mw = float(round(rng.uniform(ps.mw_min, ps.mw_max)))
    w = g.world
    pid = w.new_id("P")
    sid = w.new_id("S")
    power = PowerSource(pid, POWERED_SITE, rid, mw, ready_quarter=g.q, energised=True, site=sid)
    # a miner's powered, air-cooled shell: online at once for air-capable chips, or retrofit it
    site = Site(sid, rid, mw, "air", pid, stage=ONLINE, built_mw=mw, started_quarter=g.q, online_quarter=g.q)
    lot = AssetLot(w.new_id("L"), "powered_site", rid, mw, ps.reserve_price_musd_per_mw * mw, "market", g.spec.rules.asset_lot_quarters, site=site, power=power)
    w.lots.append(lot)
    w.mw_created += mw
    w.news.append(f"A distressed powered site of {mw:.0f} MW in {g.spec.regions[rid].name} is up for auction (lot {lot.id}, reserve ${lot.reserve_musd:,.0f}M)")


def news_phase(g: GameCore) -> None:
    if g.q > 0:
        drift_phase(g)
    events_phase(g)
    rfp_phase(g)
    powered_site_phase(g)

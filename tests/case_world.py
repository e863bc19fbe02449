"""A small, fully pinned world for the supply-side case tables (tests/test_case_*.py).

The tutorial's map and companies with every random or drifting input fixed: no events, no
powered sites, no price or supply drift, no queue slips, and one NVIDIA-class generation on
sale (GB300, at $48k) with 10,000 accelerators a quarter, so each case's arithmetic fits in a comment.
"""

from __future__ import annotations

import attrs

from game.engine import Game
from game.scenario import Scenario

SUPPLY = 10_000  # GB300 a quarter: packaging = HBM = 10,000, all of it GB300
GB300_LIST = 0.048  # $M, a round list price for the arithmetic, held flat
LEAD = 1  # the tutorial's delivery lead, in quarters


def pinned(tutorial: Scenario, **rules) -> Scenario:
    """The tutorial with nothing left to chance; `rules` overrides [rules] keys."""
    spec = tutorial
    gens = {}
    for gid, gen in spec.generations.items():
        weight = 1.0 if gid == "gb300" else 0.0
        gens[gid] = attrs.evolve(gen, list_price_drift_per_quarter=0.0, supply_weight=weight)
    gens["gb300"] = attrs.evolve(gens["gb300"], list_price_musd=GB300_LIST)
    vendors = {
        vid: attrs.evolve(v, packaging_growth_per_quarter=0.0, hbm_growth_per_quarter=0.0, delivery_lead_quarters=LEAD)
        for vid, v in spec.vendors.items()
    }
    vendors["nvidia"] = attrs.evolve(vendors["nvidia"], packaging_units_per_quarter=SUPPLY, hbm_units_per_quarter=SUPPLY)
    regions = {
        rid: attrs.evolve(
            r,
            power_price_drift_per_quarter=0.0,
            power_price_volatility=0.0,
            queue_slip_probability=0.0,
            wage_drift_per_quarter=0.0,
            crew_growth_per_quarter=0.0,
        )
        for rid, r in spec.regions.items()
    }
    power = attrs.evolve(spec.power, powered_sites=attrs.evolve(spec.power.powered_sites, probability_per_quarter=0.0))
    return attrs.evolve(
        spec,
        generations=gens,
        vendors=vendors,
        regions=regions,
        power=power,
        rules=attrs.evolve(spec.rules, facility_capex_escalation_per_quarter=0.0, **rules),
        events={},
        injects=(),
    )


def pnl(game: Game, cid: str) -> dict[str, float]:
    """The quarter just resolved, by ledger category (step() has already opened the next)."""
    return game.private_reports[-1][cid].pnl

#!/usr/bin/env python3
"""Steady: an example Gridlock bot that speaks only the JSON-lines protocol (docs/bot-protocol.md).

It imports nothing from Gridlock, so it is a template for a bot in any language. Each quarter
it keeps a small pipeline of grid power, starts a liquid-cooled site on every power source it
holds, hires the crews its builds need, buys spot chips for its empty halls, sells its free
capacity a little under the price index, answers training RFPs it can serve, and borrows to
keep a cash buffer. It writes what it does to stderr, which Gridlock keeps in a log.

Run it in a game:  gridlock run --scenario tutorial --seat nebula=cmd:"python3 examples/bots/steady.py"
"""

import json
import math
import sys

PROTOCOL = 1  # the protocol version this bot speaks

# habits
CASH_BUFFER = 0.05  # of book equity kept as cash
BORROW_SHARE = 0.5  # of the lenders' headroom it spends in a quarter
PIPELINE_SHARE = 0.25  # new power it keeps in the pipeline, as a share of the MW it runs
MIN_BLOCK_MW = 50.0  # smallest grid position worth a bid
POWER_MARKUP = 1.2  # over the reserve or last clearing price
CREW_MARKUP = 1.15
CHIP_MARKUP = 1.05
SUPPLY_SHARE = 0.25  # most of one generation's quarterly supply it bids for
OFFER_FACTOR = 0.95  # × price index
RFP_FACTOR = 0.9  # × the RFP's ceiling


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def floor2(x):
    return math.floor(x * 100) / 100


def decide(v, scenario):
    """The orders for one quarter, from the view (a dict) and the scenario sent in the hello."""
    me, rules = v["me"], scenario["rules"]
    liquid_kinds = {k for k, c in scenario["cooling"].items() if c["hosts_liquid_only"]}
    regions = {r["id"]: r for r in v["regions"]}
    gens = {g["id"]: g for g in v["generations"]}
    buffer = CASH_BUFFER * max(me["book_equity_musd"], 0.0)
    budget = me["cash_musd"] + BORROW_SHARE * me["borrow_headroom_musd"] - buffer
    orders, spent = [], 0.0

    # 1. chips for empty halls (online, or online next quarter), minus what is already coming
    free_kw = {True: 0.0, False: 0.0}
    for s in me["sites"]:
        if s["stage"] == "online" or 0 <= s["expected_online"] <= v["quarter"] + 1:
            free_kw[s["cooling"] in liquid_kinds] += max(0.0, s["free_mw"]) * 1000
    coming_kw = sum(gens[g]["power_kw"] * n for g, n in me["inventory"].items())
    coming_kw += sum(gens[d["generation"]]["power_kw"] * d["units"] for d in me["deliveries"])
    coming_kw += sum(gens[a["generation"]]["power_kw"] * a["units_per_quarter"] for a in me["agreements"])
    for liquid in (True, False):
        need_kw = free_kw[liquid] - coming_kw
        coming_kw = max(0.0, coming_kw - free_kw[liquid])
        buyable = [g for g in gens.values() if g["released"] and g["in_production"] and not g["custom"] and g["supply_units"] > 0 and (liquid or not g["liquid_only"])]
        buyable.sort(key=lambda g: (-g["performance_h100e"] * g["ecosystem_factor"] / max(g["list_price_musd"], 1e-6), g["id"]))
        for g in buyable:
            if need_kw < g["power_kw"] * 50:
                break
            price = round(max(g["list_price_musd"], g["last_spot_price_musd"]) * CHIP_MARKUP, 6)
            units = int(min(need_kw / g["power_kw"], g["supply_units"] * SUPPLY_SHARE, max(0.0, budget - spent) / price))
            if units < 1:
                continue
            orders.append({"type": "bid_chips", "generation": g["id"], "units": units, "price_musd_per_unit": price})
            spent += units * price
            need_kw -= units * g["power_kw"]

    # 2. crews for sites being built
    per_crew = rules["construction_mw_per_crew_quarter"]
    power = {p["id"]: p for p in me["power"]}
    need = {}
    for s in me["sites"]:
        p = power.get(s["power"])
        if s["stage"] == "construction" or (s["stage"] == "power" and p is not None and p["ready_quarter"] <= v["quarter"]):
            need[s["region"]] = need.get(s["region"], 0.0) + (s["mw"] - s["built_mw"]) / per_crew
    for rid in sorted(need):
        r = regions[rid]
        wage = round(max(r["wage_reserve_musd"], r["last_wage_musd"]) * CREW_MARKUP, 4)
        crews = math.floor(min(need[rid], r["crews_pool"] * 0.5, max(0.0, budget - spent) / wage) * 100) / 100
        if crews >= 0.5:
            orders.append({"type": "bid_crews", "region": rid, "crews": crews, "wage_musd": wage})
            spent += crews * wage

    # 3. a site on every free power source whose permit would land about when the power does
    for p in me["power"]:
        if p["site"] is None and (p["energised"] or p["ready_quarter"] - v["quarter"] <= regions[p["region"]]["permitting_quarters"] + 1):
            orders.append({"type": "start_site", "power": p["id"], "cooling": "liquid", "fast_track": False})

    # 4. grid power: keep a modest pipeline, where the queue is short, only if it can earn before the end
    running_mw = sum(s["mw"] for s in me["sites"] if s["stage"] == "online")
    pipeline_mw = sum(s["mw"] for s in me["sites"] if s["stage"] != "online") + sum(p["mw"] for p in me["power"] if p["site"] is None)
    want = max(MIN_BLOCK_MW, PIPELINE_SHARE * running_mw) - pipeline_mw
    quarters_left = v["quarters_total"] - v["quarter"]
    if want > 0 and budget - spent > 0:
        open_regions = [r for r in v["regions"] if not r["moratorium"] and r["grid_release_mw"] > 0]
        open_regions.sort(key=lambda r: (r["queue_wait_quarters_max"] + r["permitting_quarters"], r["power_price_usd_per_mwh"], r["id"]))
        for r in open_regions[:1]:
            ready = r["queue_wait_quarters_max"] + r["permitting_quarters"] + 2 + rules["commissioning_quarters"]
            price = round(max(r["grid_reserve_price_musd_per_mw"], r["last_grid_price_musd_per_mw"]) * POWER_MARKUP, 4)
            mw = floor2(min(max(want, MIN_BLOCK_MW), r["grid_release_mw"] * 0.5, rules["max_site_mw"], 0.3 * (budget - spent) / price))
            if ready + 2 <= quarters_left and mw >= MIN_BLOCK_MW / 2:
                orders.append({"type": "bid_interconnect", "region": r["id"], "mw": mw, "price_musd_per_mw": price})
                spent += mw * price

    # 5. sell free capacity, and answer training RFPs it can serve
    online = [s for s in me["sites"] if s["stage"] == "online" and s["installed"]]
    for rid in sorted({s["region"] for s in online}):
        orders.append({"type": "offer_compute", "region": rid, "price_usd_per_h100e_hour": round(v["price_index"] * OFFER_FACTOR, 4)})
    largest = max((s["mw"] for s in online), default=0.0)
    # its own demand holds headroom beside it (the compute market's internal_headroom_fraction)
    headroom = 1 + scenario["demand"]["internal_headroom_fraction"]
    free = me["capacity_h100e"] - sum(k["h100e"] for k in me["contracts"]) - me["internal_demand_h100e"] * headroom
    for r in sorted(v["rfps"], key=lambda r: (-r["max_price_usd_per_h100e_hour"], r["id"])):
        if r["customer"] != me["id"] and r["min_site_mw"] <= largest and r["h100e"] <= free:
            orders.append({"type": "bid_rfp", "rfp": r["id"], "price_usd_per_h100e_hour": round(r["max_price_usd_per_h100e_hour"] * RFP_FACTOR, 4)})
            free -= r["h100e"]

    # 6. keep the cash buffer with the revolver
    short = buffer - (me["cash_musd"] - spent)
    if short > 0 and me["borrow_headroom_musd"] > 1:
        amount = floor2(min(me["borrow_headroom_musd"] * 0.8, short))
        if amount > 0:
            orders.append({"type": "borrow", "musd": amount})
    return orders


def main():
    company, scenario = None, None
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            if msg["protocol"] != PROTOCOL:
                log(f"steady speaks protocol {PROTOCOL}, the host speaks {msg['protocol']}; trying anyway")
            company, scenario = msg["company"], msg["scenario"]
            log(f"steady: playing {company} (start {msg['start']})")
        elif kind == "view":
            orders = decide(msg["view"], scenario)
            rejected = (msg["view"].get("last_private") or {}).get("rejected") or []
            for r in rejected:
                log(f"  last quarter refused: {r['order']}: {r['reason']}")
            log(f"{msg['quarter']}: {len(orders)} orders")
            out = {"type": "orders", "company": company, "quarter": msg["quarter"], "orders": orders}
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
        elif kind == "result":
            me = next((r for r in msg["result"]["standings"] if r["id"] == company), None)
            if me:
                log(f"steady: finished #{me['rank']} with score {me['score']:.2f}")
            break


if __name__ == "__main__":
    main()

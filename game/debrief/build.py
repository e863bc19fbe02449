"""The debrief's content: a saved game replayed, its story told, its turning points found and
its counterfactuals played, as one JSON-able dict (the HTML draws exactly this)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from .. import __version__
from ..engine import Game
from ..saves import load_game
from . import whatif
from .story import closest_to_distress, company_figures, firsts, market_figures, near_misses, r, result_fields, stake_musd, statements, verdicts

FORMAT = "gridlock-debrief"
VERSION = 1
REVERSALS_PER_COMPANY = 3  # the largest-stake decisions of each company tested by reversal
DEFAULT_WHAT_IF_GAMES = 20

PROMPTS = (
    ("What did you expect?", "Before the first quarter, what did your team think would decide the game: power, chips, price, money? Which rival did you watch?"),
    ("What happened?", "Walk through your timeline. Which orders were refused, and why? Where does your rank move, and what else moved that quarter?"),
    ("Why?", "Look at the turning points and the injects. Which outcomes came from your decisions, which from the market, which from luck? The reseeded futures show how much was luck."),
    ("What would you do differently?", "Pick one decision from your timeline. The what-if section shows what the default strategy or doing nothing would have scored from your turning point: what would you change, and what would it have cost?"),
)


def _seats(data: dict, spec) -> dict[str, str]:
    saved = data.get("seats") if isinstance(data.get("seats"), dict) else {}
    return {cid: str(saved.get(cid) or spec.companies[cid].agent) for cid in spec.companies}


def _played_by(agent: str) -> str:
    if agent == "human":
        return "a person"
    if agent.startswith("cmd:"):
        return "a bot process"
    return f"agent {agent}"


def _ranks(game: Game) -> tuple[dict[str, int], dict[str, float], list[dict]]:
    res = game.result()
    return {x.id: x.rank for x in res.standings}, {x.id: float(x.score) for x in res.standings}, [result_fields(x) for x in res.standings]


def build(path: str | Path, what_if_games: int = DEFAULT_WHAT_IF_GAMES, workers: int | None = None) -> dict[str, Any]:
    """Everything the debrief shows, for the save at `path` (finished or not)."""
    saved, data = load_game(path)  # every check on the file happens here
    spec, seed = saved.spec, saved.seed
    orders = [dict(q) for q in saved.order_log]
    seats = _seats(data, spec)
    ids = list(spec.companies)
    names = {cid: spec.companies[cid].name for cid in ids}

    # ---- the story, quarter by quarter --------------------------------------------------------
    game = Game(spec, seed)
    labels: list[str] = []
    market: list[dict] = []
    events: list[dict] = []
    seen_firsts: dict[str, dict] = {}
    misses: list[dict] = []
    rank = {cid: [] for cid in ids}
    score = {cid: [] for cid in ids}
    series = {cid: [] for cid in ids}
    timeline = {cid: [] for cid in ids}
    stakes: list[tuple[float, str, int, int, str]] = []  # (stake, company, quarter, index, order)
    pnl = {cid: {} for cid in ids}
    depreciation = {cid: 0.0 for cid in ids}
    cash_start = {cid: game.core.world.companies[cid].cash_musd for cid in ids}
    inject_at = {(x.quarter, x.event, x.target): i for i, x in enumerate(spec.injects)}
    for q, book in enumerate(orders):
        label = game.core.label()
        labels.append(label)
        index_before = game.core.world.price_index
        for cid in ids:
            got = book.get(cid)
            if isinstance(got, (list, tuple)) and game.alive(cid):
                for i, x in enumerate(got):
                    stakes.append((stake_musd(game, cid, x), cid, q, i, ""))
        game.step(book)
        pub, priv = game.public_reports[-1], game.private_reports[-1]
        mk = market_figures(game, index_before)
        market.append(mk)
        for e in pub.events:
            if not isinstance(e, Mapping):
                continue
            key = (label, e.get("event"), e.get("target") or "")
            inj = inject_at.get(key, inject_at.get((label, e.get("event"), "")))
            events.append({"quarter": label, "index": q, "event": e.get("event"), "title": e.get("title", ""), "target": e.get("target") or "", "inject": inj is not None, "inject_index": inj})
        ranks, scores, _ = _ranks(game)
        for cid in ids:
            rank[cid].append(ranks[cid])
            score[cid].append(r(scores[cid]))
            series[cid].append(company_figures(game, cid))
            rep = priv.get(cid)
            given = verdicts(book.get(cid), rep.rejected if rep is not None else [])
            timeline[cid].append({"quarter": label, "orders": given, "outcomes": list(rep.lines) if rep is not None else []})
            if rep is not None:
                for k, v in rep.pnl.items():
                    pnl[cid][k] = pnl[cid].get(k, 0.0) + v
                depreciation[cid] += rep.depreciation_musd
            firsts(game, cid, label, given, index_before, seen_firsts)
            misses += near_misses(cid, label, q, given, mk)
    played = len(labels)
    stakes = [(s, cid, q, i, timeline[cid][q]["orders"][i]["order"]) for s, cid, q, i, _ in stakes if timeline[cid][q]["orders"][i]["verdict"] == "accepted"]

    final = game.result({cid: seats[cid] for cid in ids})
    standings = [result_fields(x) for x in final.standings]
    final_score = {x.id: float(x.score) for x in final.standings}

    # ---- turning points ---------------------------------------------------------------------------
    swings = []
    for cid in ids:
        for t in range(1, played):
            d = rank[cid][t - 1] - rank[cid][t]
            if d:
                swings.append({"company": cid, "quarter": labels[t], "index": t, "from_rank": rank[cid][t - 1], "to_rank": rank[cid][t], "change": d, "score_change": r(score[cid][t] - score[cid][t - 1])})
    swings.sort(key=lambda s: (-abs(s["change"]), -abs(s["score_change"]), s["index"], s["company"]))
    misses.sort(key=lambda m: (m["margin"], m["index"], m["company"], m["what"]))
    near = [m for m in misses if m["margin"] <= 0.15][:10]

    inject_effects = []
    fired = sorted({e["inject_index"] for e in events if e["inject"]})
    for k in fired:
        # from the inject's quarter, agents play every seat in both worlds, so each world gets
        # the orders that suit it: the difference is what the inject did to each position
        inj = spec.injects[k]
        start = labels.index(inj.quarter)
        with_it = whatif.play_on(spec, seed, orders, start, seats)
        without = whatif.play_on(whatif.without_inject(spec, k), seed, orders, start, seats)
        a, b = whatif.scores(with_it), whatif.scores(without)
        ev = spec.events.get(inj.event)
        inject_effects.append(
            {
                "quarter": inj.quarter,
                "event": inj.event,
                "title": ev.title if ev else inj.event,
                "target": inj.target,
                "price_index_with": r(with_it.core.world.price_index),
                "price_index_without": r(without.core.world.price_index),
                "score_change": {cid: r(a.get(cid, 0.0) - b.get(cid, 0.0)) for cid in ids},
            }
        )

    reversals = []
    for cid in ids:
        mine = sorted((x for x in stakes if x[1] == cid and x[0] > 0), key=lambda x: (-x[0], x[2], x[3]))[:REVERSALS_PER_COMPANY]
        for stake, _, q, i, text in mine:
            alt = whatif.scores(whatif.without_order(spec, seed, orders, cid, q, i))
            reversals.append({"company": cid, "quarter": labels[q], "index": q, "order": text, "stake_musd": r(stake, 1), "score": r(final_score[cid]), "score_without": r(alt.get(cid, 0.0)), "change": r(alt.get(cid, 0.0) - final_score[cid])})
    reversals.sort(key=lambda x: (-abs(x["change"]), x["index"], x["company"]))

    # ---- what if ---------------------------------------------------------------------------------
    turning = {}
    for cid in ids:
        own = [s for s in swings if s["company"] == cid]
        if own:
            turning[cid] = own[0]["index"]
        elif played > 1:
            turning[cid] = max(range(1, played), key=lambda t: (abs(score[cid][t] - score[cid][t - 1]), -t))
        else:
            turning[cid] = 0
    per_company = {}
    for cid in ids:
        t = turning[cid]
        agent = whatif.default_agent(spec, cid)
        with_agent = whatif.scores(whatif.branch(spec, seed, orders, cid, t, agent)).get(cid, 0.0)
        idle = whatif.scores(whatif.branch(spec, seed, orders, cid, t, None)).get(cid, 0.0)
        per_company[cid] = {"from_quarter": labels[t] if labels else "", "from_index": t, "actual": r(final_score[cid]), "default_agent": agent, "default_agent_score": r(with_agent), "idle_score": r(idle)}
    futures_info: dict[str, Any] = {"games": 0}
    if what_if_games > 0 and played > 0:
        start = swings[0]["index"] if swings else max(0, played // 2)
        at = whatif.replay_with(spec, seed, orders[:start])
        if not at.finished:
            spread, agents = whatif.futures(at, seats, what_if_games, workers if workers is not None else min(2, os.cpu_count() or 1))
            futures_info = {"games": what_if_games, "from_quarter": labels[start], "from_index": start, "to_end": True, "agents": agents, "by_company": spread}
            for cid in ids:
                per_company[cid]["futures"] = spread.get(cid)

    # ---- the whole ---------------------------------------------------------------------------------
    appendix = []
    for q, label in enumerate(labels):
        for cid in ids:
            for v in timeline[cid][q]["orders"]:
                appendix.append({"quarter": label, "company": cid, "type": (v["raw"] or {}).get("type", ""), "order": v["order"], "verdict": v["verdict"], "reason": v["reason"]})
    return {
        "format": FORMAT,
        "version": VERSION,
        "cover": {
            "scenario": spec.game.name,
            "scenario_source": Path(spec.source).name if spec.source else "",
            "description": " ".join(spec.game.description.split()),
            "seed": seed,
            "quarters_played": played,
            "quarters_total": spec.game.quarters,
            "finished": saved.finished,
            "first_quarter": labels[0] if labels else "",
            "last_quarter": labels[-1] if labels else "",
            "teams": [{"id": cid, "name": names[cid], "archetype": spec.companies[cid].archetype, "seat": seats[cid], "played_by": _played_by(seats[cid])} for cid in ids],
            "injects": [e for e in events if e["inject"]],
            "digest": data.get("checksum", ""),
            "engine_version": data.get("engine_version", ""),
            "written_by": __version__,
        },
        "quarters": labels,
        "results": {
            "standings": standings,
            "decisive": list(final.decisive),
            "rank": rank,
            "score": score,
        },
        "market": {"quarters": market, "events": events, "firsts": list(seen_firsts.values())},
        "companies": {
            cid: {
                "name": names[cid],
                "archetype": spec.companies[cid].archetype,
                "played_by": _played_by(seats[cid]),
                "series": series[cid],
                "timeline": timeline[cid],
                "statements": statements(game, cid, pnl[cid], depreciation[cid], cash_start[cid]),
                "closest_to_distress": closest_to_distress(labels, series[cid]),
            }
            for cid in ids
        },
        "turning_points": {"rank_swings": swings[:8], "near_misses": near, "injects": inject_effects, "reversals": reversals[:8]},
        "what_if": {"by_company": per_company, "futures": futures_info},
        "discussion": {"prompts": [{"question": a, "hint": b} for a, b in PROMPTS], "improvement_table": {"columns": ["issue", "action", "owner"], "rows": 6}},
        "appendix": {"orders": appendix},
    }

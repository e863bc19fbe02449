"""The debrief as one self-contained HTML page: inline SVG, print CSS, no script and nothing
fetched from anywhere, so it opens offline in any browser and prints to PDF."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any, Iterable, Sequence

from . import svg

CSS = """
:root { --ink: #1d1d1f; --dim: #666; --rule: #d9d9d9; --bg: #fff; --accent: #0072b2; --bad: #b00020; --good: #00704a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); margin: 0; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 30px; margin: 0 0 4px; }
h2 { font-size: 22px; margin: 36px 0 8px; padding-top: 8px; border-top: 3px solid var(--ink); }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.lead { font-size: 16px; color: var(--dim); margin-top: 0; }
.dim { color: var(--dim); }
nav ol { columns: 2; font-size: 13px; padding-left: 20px; }
nav a { color: var(--ink); text-decoration: none; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 12.5px; }
th, td { border-bottom: 1px solid var(--rule); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 700; border-top: 1.5px solid var(--ink); }
.rejected { color: var(--bad); }
.accepted { color: var(--good); }
.up { color: var(--good); } .down { color: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 16px; }
dl.facts dt { color: var(--dim); } dl.facts dd { margin: 0; }
figure { margin: 10px 0 18px; } figure svg { width: 100%; height: auto; }
.wide table { font-size: 11.5px; } .wide td, .wide th { padding: 3px 4px; }
figcaption { font-size: 12px; color: var(--dim); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 0 20px; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.quarter { break-inside: avoid; border-left: 3px solid var(--rule); padding: 2px 0 2px 10px; margin: 8px 0; }
.quarter h4 { margin: 0; font-size: 13px; }
.quarter ul { margin: 2px 0; padding-left: 16px; font-size: 11.5px; }
.quarter .grid2 { gap: 0 14px; }
.empty td { height: 30px; }
.company { break-before: page; }
section { break-inside: auto; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-before: page; break-after: avoid; }
  h3, h4 { break-after: avoid; }
  nav, .noprint { display: none; }
  figure, table, .card { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 14mm 12mm; }
"""


def _money(v: Any) -> str:
    """$M to a short amount: $812M, $12.3B."""
    if not isinstance(v, (int, float)):
        return "–"
    if abs(v) >= 1000:
        return f"${v / 1000:,.1f}B"
    return f"${v:,.0f}M"


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != 0 and abs(v) < 0.01:
            return f"{v:.4f}"
        return f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


NUM = ' class="num"'


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], num: Sequence[bool] | None = None, classes: Sequence[str] | None = None) -> str:
    num = list(num or [False] * len(head))
    out = ["<table><thead><tr>"]
    out += [f'<th{NUM if num[i] else ""}>{escape(h)}</th>' for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for k, row in enumerate(rows):
        cls = classes[k] if classes and k < len(classes) and classes[k] else ""
        out.append(f'<tr class="{cls}">' if cls else "<tr>")
        for i, v in enumerate(row):
            text = v if isinstance(v, Raw) else escape(_fmt(v))
            out.append(f'<td{NUM if i < len(num) and num[i] else ""}>{text}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


class Raw(str):
    """Markup that is already escaped."""


def _figure(chart: str, caption: str = "") -> str:
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{chart}{cap}</figure>"


def _markers(d: dict) -> tuple[list[tuple[int, str]], str]:
    """Event and inject markers for the market charts, and the key table under them."""
    events = d["market"]["events"]
    marks = [(e["index"], f"{e['quarter']} {'INJECT ' if e['inject'] else ''}{e['title']}" + (f" ({e['target']})" if e["target"] else "")) for e in events]
    rows = [(str(k), e["quarter"], "inject" if e["inject"] else "event", e["title"] + (f" ({e['target']})" if e["target"] else "")) for k, e in enumerate(events, 1)]
    key = _table(["#", "quarter", "kind", "what"], rows) if rows else '<p class="dim">No events or injects fired.</p>'
    return marks, key


def _names(d: dict) -> dict[str, str]:
    return {cid: c["name"] for cid, c in d["companies"].items()}


# ---------------------------------------------------------------- sections


def cover(d: dict) -> str:
    c = d["cover"]
    status = "finished" if c["finished"] else f"unfinished: stopped after {c['quarters_played']} of {c['quarters_total']} quarters"
    teams = _table(["company", "archetype", "played by"], [(t["name"], t["archetype"], t["played_by"]) for t in c["teams"]])
    injects = ", ".join(f"{e['quarter']} {e['title']}" + (f" ({e['target']})" if e["target"] else "") for e in c["injects"]) or "none"
    return f"""<section id="cover">
<h1>After-action report: {escape(c['scenario'])}</h1>
<p class="lead">{escape(c['description'])}</p>
<dl class="facts">
<dt>scenario</dt><dd>{escape(c['scenario'])} ({escape(c['scenario_source'] or 'from the save')})</dd>
<dt>seed</dt><dd>{c['seed']}</dd>
<dt>quarters played</dt><dd>{c['quarters_played']} ({escape(c['first_quarter'])} to {escape(c['last_quarter'])}), {escape(status)}</dd>
<dt>injects fired</dt><dd>{escape(injects)}</dd>
<dt>the save's digest</dt><dd><code>{escape(c['digest'])}</code></dd>
<dt>engine</dt><dd>saved by {escape(c['engine_version'] or '?')}; report by gridlock {escape(c['written_by'])}</dd>
</dl>
<h3>Teams</h3>{teams}
<nav class="noprint"><h3>Contents</h3><ol>
<li><a href="#results">Results</a></li><li><a href="#market">The market story</a></li>
{''.join(f'<li><a href="#company-{escape(t["id"])}">{escape(t["name"])}</a></li>' for t in c['teams'])}
<li><a href="#turning-points">Turning points</a></li><li><a href="#what-if">What if</a></li>
<li><a href="#discussion">Discussion</a></li><li><a href="#appendix">Appendix: every order</a></li></ol></nav>
</section>"""


SKIP_COLUMNS = ("id", "name", "agent", "rank", "score")
UNITS = (("_musd", " ($M)"), ("_h100e", " (H100e)"), ("_mw", " (MW)"), ("_mw_held", " held (MW)"))
SHARES = ("share", "utilisation", "ownership", "return", "rate")


def _column(key: str) -> str:
    """A result field's name as a column head: words, with its unit."""
    for suffix, unit in UNITS:
        if key.endswith(suffix):
            return key[: -len(suffix)].replace("_", " ").replace(".", ": ") + unit
    return key.replace("_", " ").replace(".", ": ")


def _cell(key: str, v: Any) -> Any:
    """Money short, shares as percentages: the standings stay one screen wide."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    if key.endswith("_musd"):
        return _money(v)
    if any(w in key for w in SHARES):
        return f"{100 * v:.0f}%"
    if isinstance(v, float) and abs(v) >= 100:
        return f"{v:,.0f}"
    return v


def results(d: dict) -> str:
    res = d["results"]
    st = res["standings"]
    names = _names(d)
    fields = [k for k in (st[0] if st else {}) if k not in SKIP_COLUMNS]
    top = _table(["#", "company", "archetype", "played by", "score"], [(x.get("rank"), x.get("name"), x.get("archetype"), d["companies"][x["id"]]["played_by"], x.get("score")) for x in st], [True, False, False, False, True])
    # the score's parts, one row each and one column per company in finishing order: however
    # many parts the score has, the table stays as wide as the field
    parts = _table(["", *[x.get("name") for x in st]], [(_column(k), *[_cell(k, x.get(k)) for x in st]) for k in fields if k not in ("archetype",)], [False] + [True] * len(st))
    q = d["quarters"]
    ranks = svg.line_chart("Rank over time (1 = first)", q, [(names[c], res["rank"][c]) for c in names], invert=True, integer_ticks=True, y_label="rank")
    scores = svg.line_chart("Score over time", q, [(names[c], res["score"][c]) for c in names], y_label="score")
    decisive = "".join(f"<li>{escape(x)}</li>" for x in res["decisive"])
    return f"""<section id="results"><h2>Results</h2>
<p>Standings at the last quarter played.</p>
{top}
<ul>{decisive}</ul>
<h3>The score and its parts</h3><p class="dim">Every figure the engine's result reports for each company.</p>
<div class="wide">{parts}</div>
{_figure(ranks + scores, 'Rank and score after each quarter, every company on one chart: the rank chart puts first place at the top.')}
</section>"""


def market(d: dict) -> str:
    q = d["quarters"]
    mq = d["market"]["quarters"]
    marks, key = _markers(d)

    def by_key(field: str) -> list[tuple[str, list]]:
        keys: list[str] = []
        for m in mq:
            for k in m[field]:
                if k not in keys:
                    keys.append(k)
        return [(k, [m[field].get(k) for m in mq]) for k in keys]

    charts = [
        svg.line_chart("Compute price index ($ per H100e-hour)", q, [("price index", [m["price_index"] for m in mq])], markers=marks),
        svg.line_chart("Demand and installed capacity (H100e)", q, [("demand", [m["demand_h100e"] for m in mq]), ("capacity", [m["capacity_h100e"] for m in mq])], markers=marks, y_min=0),
        svg.line_chart("Power: interconnect clearing price by region ($M per MW)", q, by_key("interconnect") + [("gas turbines", [m["gas"] for m in mq])], markers=marks),
        svg.line_chart("Chips: spot clearing price by generation ($k per unit)", q, by_key("chips"), markers=marks),
        svg.line_chart("Labour: crew clearing wage by region ($M per crew-quarter)", q, by_key("labour"), markers=marks),
    ]
    names = _names(d)
    labels = {"cut_price": "first offered compute below the price index", "above_reserve": "first bid above a region's reserve for grid power"}
    firsts = sorted(d["market"]["firsts"], key=lambda f: (f["what"] not in labels, f["quarter"], f["what"]))
    rows = [(labels.get(f["what"], f"first {f['what'].replace('_', ' ')}"), f["quarter"], ", ".join(names.get(c, c) for c in f["companies"]), f["example"]) for f in firsts]
    return f"""<section id="market"><h2>The market story</h2>
<p>Prices and volumes each quarter. Dashed red lines mark the events and injects (numbered as in the table below); a gap in a line is a quarter in which nothing cleared.</p>
{''.join(_figure(c) for c in charts)}
<h3>Events and injects</h3>{key}
<h3>Who moved first</h3>{_table(['move', 'quarter', 'who', 'for example'], rows)}
</section>"""


def company(d: dict, cid: str) -> str:
    c = d["companies"][cid]
    q = d["quarters"]
    s = c["series"]
    # headroom is often ten times cash: on its own chart, so cash and debt stay readable
    money = svg.line_chart("Cash and debt ($M)", q, [("cash", [x["cash_musd"] for x in s]), ("debt", [x["debt_musd"] for x in s])], height=240)
    room = svg.line_chart("Covenant headroom: the new debt the covenant allows ($M)", q, [("headroom", [x["headroom_musd"] for x in s])], height=180, y_min=0)
    cap = svg.line_chart("Capacity (H100e) and utilisation", q, [("capacity H100e", [x["capacity_h100e"] for x in s]), ("used H100e", [x["used_h100e"] for x in s])], height=240, y_min=0)
    util = [x["utilisation"] for x in s]
    util_line = " ".join(f"{lab}: {'–' if u is None else f'{100 * u:.0f}%'}" for lab, u in zip(q, util))
    distress = c["closest_to_distress"]
    if distress:
        dz = f"<p><b>Closest to distress: {escape(distress['quarter'])}</b>, {escape(distress['note'])}. Cash {_money(distress.get('cash_musd'))}, debt {_money(distress.get('debt_musd'))}, covenant headroom {_money(distress.get('headroom_musd'))}.</p>"
    else:
        dz = ""
    wi = d["what_if"]["by_company"].get(cid, {})
    timeline = []
    for t in c["timeline"]:
        items = []
        for o in t["orders"]:
            mark = "✓" if o["verdict"] == "accepted" else "✗"
            reason = f" — {escape(o['reason'])}" if o["reason"] else ""
            items.append(f'<li class="{o["verdict"]}">{mark} {escape(o["order"])}{reason}</li>')
        outcomes = "".join(f"<li>{escape(x)}</li>" for x in t["outcomes"])
        timeline.append(
            f'<div class="quarter"><h4>{escape(t["quarter"])}: {len(t["orders"])} order(s), {sum(o["verdict"] == "rejected" for o in t["orders"])} rejected</h4><div class="grid2">'
            + (f"<ul>{''.join(items)}</ul>" if items else '<p class="dim">no orders</p>')
            + (f'<ul class="dim">{outcomes}</ul>' if outcomes else "<div></div>")
            + "</div></div>"
        )
    st = c["statements"]

    def statement(title: str, lines: list) -> str:
        totals = {"net income", "total assets", "book equity", "operating", "investing", "financing", "cash at the end"}
        rows = [(a.replace("_", " "), "–" if b is None else f"{b:,.0f}") for a, b in lines]
        return f"<h4>{title}</h4>" + _table(["", "$M"], rows, [False, True], ["total" if a in totals else "" for a, _ in lines])

    return f"""<section class="company" id="company-{escape(cid)}"><h2>{escape(c['name'])}</h2>
<p class="dim">{escape(c['archetype'])}, played by {escape(c['played_by'])}. Final score {_fmt(wi.get('actual'))}.</p>
{dz}
{_figure(money)}{_figure(room, 'Zero: in breach of the covenant or in distress, so no new debt.')}{_figure(cap, 'Utilisation by quarter: ' + util_line)}
<h3>Financial statements at the end</h3>
<div class="grid2"><div>{statement('Income statement, whole game', st['income'])}</div><div>{statement('Balance sheet at the last close', st['balance'])}{statement('Cash flow, whole game', st['cash_flow'])}</div></div>
<h3>Decision timeline</h3>
<p class="dim">Left: every order given, ✓ accepted or ✗ rejected with the engine's reason. Right: what happened to the company that quarter.</p>
{''.join(timeline)}
</section>"""


def turning_points(d: dict) -> str:
    tp = d["turning_points"]
    names = _names(d)
    swings = _table(
        ["quarter", "company", "rank", "score change"],
        [(s["quarter"], names[s["company"]], f"{s['from_rank']} → {s['to_rank']}", s["score_change"]) for s in tp["rank_swings"]],
        [False, False, False, True],
    ) if tp["rank_swings"] else '<p class="dim">No company changed rank.</p>'
    near = _table(
        ["quarter", "company", "what", "bid", "clearing", "lost by"],
        [(m["quarter"], names[m["company"]], m["what"], f"{m['bid']:.4g}", f"{m['clearing']:.4g}", f"{100 * m['margin']:.1f}%") for m in tp["near_misses"]],
        [False, False, False, True, True, True],
    ) if tp["near_misses"] else '<p class="dim">No bid was lost by less than 15%.</p>'
    if tp["injects"]:
        cids = list(names)
        inj = _table(
            ["quarter", "inject", "index at end with / without", *[names[c] for c in cids]],
            [(i["quarter"], i["title"] + (f" ({i['target']})" if i["target"] else ""), f"{i['price_index_with']:.2f} / {i['price_index_without']:.2f}", *[_signed(i["score_change"][c]) for c in cids]) for i in tp["injects"]],
            [False, False, True] + [True] * len(cids),
        )
    else:
        inj = '<p class="dim">No scheduled inject fired in the quarters played.</p>'
    rev = _table(
        ["quarter", "company", "decision", "stake", "score", "without it", "change"],
        [(x["quarter"], names[x["company"]], x["order"], _money(x["stake_musd"]), x["score"], x["score_without"], _signed(x["change"])) for x in tp["reversals"]],
        [False, False, False, True, True, True, True],
    ) if tp["reversals"] else '<p class="dim">No decision to test.</p>'
    return f"""<section id="turning-points"><h2>Turning points</h2>
<p>Found automatically from the replay.</p>
<h3>The largest rank swings</h3>{swings}
<h3>Auctions lost by a small margin</h3><p class="dim">Accepted bids below a uniform clearing price (or above an RFP's winning price) by less than 15%.</p>{near}
<h3>The effect of each inject</h3><p class="dim">From the inject's quarter, the game played on twice by the agents (a seat a person played by its archetype's default agent), with the inject and without it; same seed, same history before it. Each company's score with it minus without it.</p>{inj}
<h3>Decisions whose reversal changes the outcome most</h3><p class="dim">Each company's {3} largest accepted commitments, each taken back in turn (same seed, every other order as given): the company's score without it.</p>{rev}
</section>"""


def _signed(v: Any) -> str:
    return f"{v:+.2f}" if isinstance(v, (int, float)) else "–"


def what_if(d: dict) -> str:
    w = d["what_if"]
    names = _names(d)
    fut = w["futures"]
    rows, table = [], []
    for cid, x in w["by_company"].items():
        f = x.get("futures")
        points = [("default agent", x["default_agent_score"]), ("do nothing", x["idle_score"])]
        rows.append({"label": f"{names[cid]} from {x['from_quarter']}", "actual": x["actual"], "points": points, **({"low": f["p10"], "mid": f["median"], "high": f["p90"]} if f else {})})
        table.append((names[cid], x["from_quarter"], x["actual"], f"{x['default_agent_score']:.2f} ({x['default_agent']})", _signed(x["default_agent_score"] - x["actual"]), x["idle_score"], _signed(x["idle_score"] - x["actual"]),
                      *((f["mean"], f"{f['p10']:.2f} – {f['p90']:.2f}", f"{100 * f['bankrupt_rate']:.0f}%") if f else ("–", "–", "–"))))
    chart = svg.range_chart("Your score vs the alternatives", rows)
    if fut.get("games"):
        about = (f"{fut['games']} reseeded futures from {fut['from_quarter']} (the largest turning point), played to the scenario's end by "
                 f"the tournament's what-if machinery (<code>gridlock tournament --from</code>): same position, a new random future each; "
                 f"seats a person or a bot played are taken by the archetype's default agent.")
    else:
        about = "No reseeded futures were played (--what-if-games 0, or the position is already the end)."
    if not d["cover"]["finished"]:
        about += (f" The game is unfinished: the actual scores and the same-seed branches stop at {d['cover']['last_quarter']},"
                  " while the futures play on to the scenario's end, so read them as where the position could lead.")
    return f"""<section id="what-if"><h2>What if</h2>
<p>For each company, from its own turning point (the quarter of its largest rank swing): the same seed with its orders from then on given by its archetype's default agent, and the same seed with it giving no orders at all; everyone else's orders stay as they were. {about}</p>
{_figure(chart, 'Diamond: the score actually reached. Dots: the same seed with the alternative. Bar: the middle 80% of the reseeded futures, with the median marked: how much of the result was luck.')}
<p class="dim">A company its archetype's default agent already played scores exactly its actual score on the default-agent branch: the branch replays the same game (a check, not a finding).</p>
{_table(['company', 'from', 'actual', 'default agent (which)', 'vs actual', 'do nothing', 'vs actual', 'futures mean', 'futures p10–p90', 'bankrupt'], table, [False, False, True, True, True, True, True, True, True, True])}
</section>"""


def discussion(d: dict) -> str:
    disc = d["discussion"]
    prompts = "".join(f'<div class="card"><b>{escape(p["question"])}</b><br>{escape(p["hint"])}</div>' for p in disc["prompts"])
    cols = disc["improvement_table"]["columns"]
    empty = "".join('<tr class="empty">' + "<td></td>" * len(cols) + "</tr>" for _ in range(disc["improvement_table"]["rows"]))
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    return f"""<section id="discussion"><h2>Discussion</h2>
<p>For the room: each team answers in turn, then the whole room.</p>{prompts}
<h3>Improvement table</h3><table><thead><tr>{head}</tr></thead><tbody>{empty}</tbody></table>
</section>"""


def appendix(d: dict, exports: Sequence[str]) -> str:
    names = _names(d)
    rows = [(o["quarter"], names.get(o["company"], o["company"]), o["order"], o["verdict"], o["reason"]) for o in d["appendix"]["orders"]]
    classes = [o["verdict"] for o in d["appendix"]["orders"]]
    files = ", ".join(f"<code>{escape(x)}</code>" for x in exports)
    note = f"<p>The same data beside this file: {files}.</p>" if exports else ""
    return f"""<section id="appendix"><h2>Appendix: every order</h2>{note}
{_table(['quarter', 'company', 'order', 'outcome', 'reason'], rows, classes=classes)}
</section>"""


def render(d: dict, exports: Sequence[str] = ()) -> str:
    """The whole report as one HTML document."""
    c = d["cover"]
    title = f"Debrief: {c['scenario']}, seed {c['seed']}"
    body = [cover(d), results(d), market(d), *[company(d, cid) for cid in d["companies"]], turning_points(d), what_if(d), discussion(d), appendix(d, exports)]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n"
        f"<body><main>\n" + "\n".join(body) + "\n</main></body></html>\n"
    )


def orders_csv(d: dict) -> str:
    """The appendix as CSV: one row per order given."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["quarter", "company", "type", "order", "verdict", "reason"])
    for o in d["appendix"]["orders"]:
        w.writerow([o["quarter"], o["company"], o["type"], o["order"], o["verdict"], o["reason"]])
    return out.getvalue()

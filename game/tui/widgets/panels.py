"""The dashboard's panels as Rich renderables built from one Frame (no engine calls here)."""

from __future__ import annotations

import textwrap

from rich import box
from rich.columns import Columns
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ...advice import money
from ...report import demand_lines
from ...scenario import quarter_label
from ..frame import Frame
from .charts import spark


def para(text: str, style: str = "dim", width: int = 76) -> Text:
    """A paragraph wrapped to fit 80 columns: the tabs lay out at their content's natural
    width, so an unwrapped sentence would stretch the page sideways."""
    return Text("\n".join(textwrap.wrap(text, width, subsequent_indent="  ")), style=style)


def _table(title: str, *cols: str, right: tuple[int, ...] = ()) -> Table:
    t = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, padding=(0, 1), expand=False, show_edge=False)
    for i, c in enumerate(cols):
        t.add_column(c, justify="right" if i in right else "left", no_wrap=i == 0)
    return t


def when(f: Frame, q: int) -> str:
    return "?" if q < 0 else quarter_label(f.view.scenario.game.start, q)


def market(f: Frame) -> Group:
    v = f.view
    share = v.scenario.rules.interconnect_share_max
    title = "Regions — power, queue and crews" + (f" (one company wins at most {share:.0%} of a release)" if share < 1 else "")
    regions = _table(title, "Region", "$/MWh", "Queue q", "Grid MW", "Reserve", "Last $M/MW", "Trend", "Crews", "Wage $M", "Notes", right=(1, 2, 3, 4, 5, 7, 8))
    for r in v.regions:
        trend = [m.get("interconnect", {}).get(r.id, {}).get("price_musd_per_mw") for m in f.markets]
        notes = ", ".join(x for x, on in (("MORATORIUM", r.moratorium), ("export-ctl", r.export_restricted), ("gas", r.gas_allowed), ("smr", r.smr_allowed)) if on)
        regions.add_row(
            r.name, f"{r.power_price_usd_per_mwh:,.0f}", f"{r.queue_wait_quarters_min}–{r.queue_wait_quarters_max}", f"{r.grid_release_mw:,.0f}",
            f"{r.grid_reserve_price_musd_per_mw:.2f}", f"{r.last_grid_price_musd_per_mw:.2f}", spark(trend), f"{r.crews_pool:,.0f}", f"{r.last_wage_musd or r.wage_reserve_musd:.2f}", notes,
        )
    chips = _table("Chips — supply, spot and the advance-purchase (APA) book", "Generation", "Vendor", "H100e", "kW", "Supply", "Spot $k", "Trend", "APA $k", "Book", "Room", "Status", right=(2, 3, 4, 5, 7, 8, 9))
    chips.columns[0].max_width = 20
    chips.columns[0].overflow = "ellipsis"
    last = f.markets[-1].get("chips", {}) if f.markets else {}
    for g in v.generations:
        trend = [m.get("chips", {}).get(g.id, {}).get("spot_price_musd", 0) * 1000 for m in f.markets]
        status = "from " + when(f, g.release_quarter) if not g.released else ("ended" if not g.in_production else "liquid only" if g.liquid_only else "on sale")
        chips.add_row(
            g.name, g.vendor, f"{g.performance_h100e:.1f}", f"{g.power_kw:.2f}", f"{g.supply_units:,}", f"{g.last_spot_price_musd * 1000:,.1f}" if g.last_spot_price_musd else "—", spark(trend),
            f"{g.apa_price_musd * 1000:,.1f}", f"{last.get(g.id, {}).get('agreements', 0):,.0f}", f"{g.apa_room_units:,}", status,
        )
    idx = [h["price_index"] for h in f.history] + [v.price_index]
    compute = Text.assemble(
        ("Compute  ", "bold"),
        f"price index ${v.price_index:.2f}/H100e-h {spark(idx)}   demand {v.demand_h100e / 1e3:,.0f}k H100e: ",
        f"inference {v.demand_h100e * v.inference_share / 1e3:,.0f}k ({v.inference_share:.0%}), training {v.demand_h100e * (1 - v.inference_share) / 1e3:,.0f}k",
    )
    gas = Text(f"Gas turbines: {v.gas_supply_mw:,.0f} MW on offer this quarter, reserve ${v.gas_reserve_price_musd_per_mw:.2f}M/MW", style="dim")
    apa_note = Text("APA Book: units delivered on agreements last quarter; Room: units a quarter still open to new ones", style="dim")
    parts = [regions, gas, chips, apa_note, compute]
    if f.markets:
        c = f.markets[-1].get("compute", {})
        if c:
            parts += [para("Last quarter: " + line) for line in demand_lines(c)]
    rfps = _table("Open training RFPs", "RFP", "Customer", "H100e", "Quarters", "Min site MW", "Ceiling $/h", right=(2, 3, 4, 5))
    for r in v.rfps:
        rfps.add_row(r.id, f.names.get(r.customer, r.customer), f"{r.h100e:,.0f}", str(r.quarters), f"{r.min_site_mw:,.0f}", f"{r.max_price_usd_per_h100e_hour:.2f}")
    parts.append(rfps if v.rfps else Text("No open training RFPs.", style="dim"))
    if v.lots:
        lots = _table("Lots on offer", "Lot", "Kind", "Region", "MW", "Reserve", "Seller", "Quarters left", right=(3, 4, 6))
        for x in v.lots:
            lots.add_row(x.id, x.kind.replace("_", " "), x.region, f"{x.mw:,.0f}", money(x.reserve_musd), f.names.get(x.seller, x.seller or "—"), str(x.quarters_left))
        parts.append(lots)
    return Group(*parts)


def news(f: Frame) -> Group:
    lines = [Text(f"News, {f.view.quarter_label}", style="bold")]
    lines += [Text("• " + n) for n in f.view.news] or [Text("A quiet quarter.", style="dim")]
    return Group(*lines)


def company(f: Frame) -> Group:
    me = f.view.me
    mine = [h.get(me.id, {}) for h in f.history]
    fin = _table(f"{me.name} — {me.archetype}", "Cash", "Debt", "Rate", "Borrow room", "Book equity", "Stake", "Covenant", right=(0, 1, 2, 3, 4, 5))
    covenant = "BREACHED" if me.covenant_breached else "ok"
    if me.distress_quarters:
        covenant += f", DISTRESS {me.distress_quarters}q"
    fin.add_row(money(me.cash_musd) + " " + spark([m.get("cash_musd", 0) for m in mine] + [me.cash_musd]), money(me.debt_musd), f"{me.debt_rate:.1%}", money(me.borrow_headroom_musd), money(me.book_equity_musd), f"{me.ownership:.0%}", covenant)
    pnl = _table("Profit and loss", "", "Revenue", "Net income", "EBITDA", right=(1, 2, 3))
    pnl.add_row("Last quarter", money(me.revenue_musd), money(me.net_income_musd), money(me.ebitda_musd))
    pnl.add_row("To date", money(f.to_date[0]), money(f.to_date[1]), "")
    installed = installed_h100e(f)
    ops = para(f"Capacity {installed:,.0f} H100e installed in online halls (on sale this quarter); last quarter sold from {me.capacity_h100e:,.0f}, used {me.used_h100e:,.0f} ({(me.used_h100e / me.capacity_h100e if me.capacity_h100e else 0):.0%})"
               + (f"; internal demand {me.internal_demand_h100e:,.0f}" if me.internal_demand_h100e else "")
               + (f"; ASIC programme {me.asic_quarters_funded}/{f.view.scenario.asic.programme_quarters}" + (" done" if me.asic_active else "") if me.asic_quarters_funded else ""), style="")
    sites = _table("Sites", "Site", "Region", "MW", "IT MW", "Cooling", "Stage", "Built", "Blocked by", "Online", "Chips", right=(2, 3, 6))
    for s in me.sites:
        chips = ", ".join(f"{n:,} {g}" for g, n in s.installed.items() if n) or "—"
        blocked = s.blocked_by or "—"
        stage = s.stage if s.stage == "online" else f"{s.stage} ({s.stage_quarters}q)"
        sites.add_row(s.id, s.region, f"{s.mw:,.0f}", f"{s.it_mw:,.0f}", s.cooling, stage, f"{s.built_mw:,.0f}", blocked, forecast(f, s), chips)
    power = _table("Power held", "Source", "Kind", "Region", "MW", "State", "Feeds", "$/MWh", right=(3, 6))
    for p in me.power:
        power.add_row(p.id, p.kind, p.region, f"{p.mw:,.0f}", "energised" if p.energised else f"~{when(f, p.ready_quarter)}", p.site or "— (free: start a site)", f"{p.price_usd_per_mwh:,.0f}" if p.price_usd_per_mwh else "market")
    inv = ", ".join(f"{n:,} {g}" for g, n in me.inventory.items() if n) or "none"
    dels = ", ".join(f"{d.units:,} {d.generation} in {when(f, d.quarter)}" for d in me.deliveries) or "none due"
    stock = Text.assemble(("Inventory waiting for installation: ", "bold"), inv, ("   Deliveries: ", "bold"), dels)
    book = _table("Contracts and backlog", "Contract", "Kind", "Customer", "H100e", "$/h", "Quarters left", right=(3, 4, 5))
    for k in me.contracts:
        book.add_row(k.id, k.kind, f.names.get(k.customer, k.customer), f"{k.h100e:,.0f}", f"{k.price_usd_per_h100e_hour:.2f}", str(k.quarters_left))
    for k in me.subcontracts:
        book.add_row(k.id, "bought", f.names.get(k.supplier, k.supplier), f"{k.h100e:,.0f}", f"{k.price_usd_per_h100e_hour:.2f}", str(k.quarters_left))
    for a in me.agreements:
        book.add_row(a.id, "chip APA", a.generation, f"{a.units_per_quarter:,}/q", f"${a.price_musd_per_unit * 1000:,.1f}k", str(a.quarters_left))
    parts = [fin, pnl, statements(f.statements), ops, sites if me.sites else Text("No sites yet.", style="dim"), power if me.power else Text("No power held.", style="dim"), stock]
    parts.append(book if (me.contracts or me.subcontracts or me.agreements) else Text("No contracts.", style="dim"))
    parts.append(last_quarter(f))
    return Group(*parts)


def installed_h100e(f: Frame) -> float:
    """H100e installed in my online halls now, counted from the halls: it includes chips installed
    at the close, which the company's capacity figure counts only from the next market."""
    v = f.view
    perf = {gid: g.performance_h100e for gid, g in v.scenario.generations.items()} | {g.id: g.performance_h100e for g in v.generations}
    return sum(n * perf.get(gid, 0.0) for s in v.me.sites if s.stage == "online" for gid, n in s.installed.items())


def forecast(f: Frame, s) -> str:
    """When a site comes online: now, a quarter, or plainly that it will not within the game."""
    v = f.view
    if s.stage == "online":
        return "now"
    if s.expected_online < 0:
        return "unknown (see Blocked by)"
    if s.expected_online >= v.quarters_total:
        return "not before the game ends"
    return when(f, s.expected_online)


def last_quarter(f: Frame) -> Group:
    rep = f.last_private
    if rep is None:
        return Group(Text("Last quarter: this is the first.", style="dim"))
    lines = [Text(f"What happened to you in {rep.quarter}", style="bold")]
    lines += [Text("• " + x) for x in rep.lines]
    for r in rep.rejected:
        lines.append(Text.assemble(("✗ REJECTED ", "bold"), str(r["order"]), " — ", str(r["reason"])))
    return Group(*lines)


def rivals(f: Frame) -> Group:
    t = _table("Rivals — public figures", "Company", "Type", "State", "Online MW", "Pipeline MW", "Sites", "Power MW", "H100e", "Trend", right=(3, 4, 5, 6, 7))
    for r in f.view.rivals:
        trend = [h.get(r.id, {}).get("capacity_h100e", 0) for h in f.history]
        t.add_row(r.name, r.archetype, "alive" if r.alive else "BANKRUPT", f"{r.online_mw:,.0f}", f"{r.pipeline_mw:,.0f}", str(r.sites), f"{r.power_mw:,.0f}", f"{r.capacity_h100e:,.0f}", spark(trend))
    return Group(t, Text("Their bids and orders are never shown; only what the market publishes.", style="dim"))


def orders_summary(f: Frame) -> Text:
    p = f.preview
    bad = len(p.checks) - len(p.accepted)
    return Text.assemble(
        (f"{len(p.checks)} order(s)", "bold"),
        f"  cash out up to {money(p.cash_out_musd)}, in {money(p.cash_in_musd)}; funds {money(p.funds_musd)} (cash + borrowing room)",
        ("" if not bad else f"  ✗ {bad} would be REJECTED", "bold"),
    )


SCORE_PARTS = (  # (key, label, sign in the sum) in the order docs/rules.md adds them up
    ("fleet_value_musd", "fleet (online H100e × your margin × annuity)", "+"),
    ("power_value_musd", "power not yet online, at clearing prices", "+"),
    ("build_value_musd", "halls being built, at cost", "+"),
    ("chip_value_musd", "chips not installed, part of book", "+"),
    ("backlog_margin_musd", "margin on contracted revenue to come", "+"),
)


def my_rank(f: Frame) -> str:
    """"#2 of 3" by public value, for the header."""
    for r in f.standings:
        if r.mine:
            return f"#{r.rank}/{len(f.standings)}"
    return "—"


def score_lines(parts: dict, ownership: float, title: str) -> Group:
    """A score and the sum that reaches it, every term in $M (docs/rules.md, "Winning and the score")."""
    t = _table(title, "Term", "$M", right=(1,))
    cash_less_debt = parts["economic_equity_musd"] - sum(parts[k] for k, _, _ in SCORE_PARTS)
    t.add_row("cash − debt", money(cash_less_debt))
    for k, label, sign in SCORE_PARTS:
        t.add_row(f"{sign} {label}", money(parts[k]))
    t.add_row("= economic equity", money(parts["economic_equity_musd"]))
    t.add_row("− outside cash received (after tax)", money(parts["outside_cash_musd"]))
    t.add_row(f"× founders' stake {ownership:.0%}", "")
    t.add_row("− passive benchmark (start left alone)", money(parts["benchmark_musd"]))
    t.add_row("= value created", money(parts["value_created_musd"]))
    t.add_row("÷ capital (start equity + most debt)", money(parts["capital_musd"]))
    t.add_row(Text("score = max(0, 1 + created ÷ capital)", style="bold"), Text(f"{parts['score']:.2f}×", style="bold"))
    t.add_row(Text("1.00× = what doing nothing scores", style="dim"), "")
    return Group(t)


def standings(f: Frame) -> Group:
    """Every company with what the rules let this seat see: mine in full, rivals' public figures."""
    v = f.view
    t = _table(f"Standings after {f.history[-1]['quarter'] if f.history else 'no quarter yet'} — ranked by public value",
               "#", "Company", "Score", "Public value", "Online MW", "Power MW", "H100e", "Share", "Type", "State", "H100e trend", right=(0, 2, 3, 4, 5, 6, 7))
    for r in f.standings:
        trend = [h.get(r.id, {}).get("capacity_h100e", 0) for h in f.history]
        score = f"{f.score['score']:.2f}× est." if r.mine and f.score is not None else "private"
        name = Text(r.name + (" (you)" if r.mine else ""), style="bold" if r.mine else "", no_wrap=True)
        t.add_row(str(r.rank), name, score, money(r.public_value_musd), f"{r.online_mw:,.0f}", f"{r.power_mw:,.0f}",
                  f"{r.capacity_h100e:,.0f}", f"{r.share_h100e:.0%}", r.archetype, "alive" if r.alive else "BANKRUPT", spark(trend))
    how = para(
        "How the rank is made: public value = installed H100e × (price index − cost of serving) × hours a quarter × "
        "the scoring annuity, plus power held but not online × the map's mean last grid price. The same sum for every "
        "company, yours too: cash, debt and margins are private, so they are left out. Rivals' scores are private too; "
        f"yours is estimated below from your own books, as the game will score it if it ended now (price index ${v.price_index:.2f}).",
    )
    parts: list = [t, how]
    if f.score is not None:
        parts.append(score_lines(f.score, v.me.ownership, f"Your score if the game ended now: {f.score['score']:.2f}×"))
    return Group(*parts)


def _statement(title: str, rows, total: tuple[str, float]) -> Table:
    t = _table(title, "", "$M", right=(1,))
    for k, v in rows:
        t.add_row(k.replace("_", " "), money(v))
    t.add_row(Text(total[0], style="bold"), Text(money(total[1]), style="bold"))
    return t


def statements(st) -> Group:
    """The three statements of a real company, side by side: P&L, cash flow, balance sheet."""
    if st is None:
        return Group(Text("Statements: none yet (the first quarter has not closed).", style="dim"))
    pnl = _table(f"Profit and loss, {st.quarter}", "", "$M", right=(1,))
    for k, v in st.pnl:
        pnl.add_row(k.replace("_", " "), money(v))
    pnl.add_row("depreciation (no cash)", money(-st.depreciation_musd))
    pnl.add_row(Text("= net income", style="bold"), Text(money(st.net_income_musd), style="bold"))
    cash = _table("Cash flow", "", "$M", right=(1,))
    cash.add_row("cash at the start", money(st.cash_start_musd))
    operating = sum(v for _, v in st.operating)
    cash.add_row("operating (P&L lines in cash)", money(operating))
    for k, v in st.investing + st.financing:
        cash.add_row(("invest: " if (k, v) in st.investing else "finance: ") + k.replace("_", " "), money(v))
    cash.add_row(Text("= cash at the close", style="bold"), Text(money(st.cash_end_musd), style="bold"))
    bal = _table("Balance sheet (book)", "", "$M", right=(1,))
    for k, v in st.assets:
        bal.add_row(k, money(v))
    bal.add_row(Text("= assets", style="bold"), Text(money(sum(v for _, v in st.assets)), style="bold"))
    bal.add_row("debt", money(st.debt_musd))
    bal.add_row(Text("= equity (assets − debt)", style="bold"), Text(money(st.equity_musd), style="bold"))
    # side by side where they fit, one under another on a narrow screen (never squashed)
    return Group(Columns([pnl, cash, bal], padding=(0, 2)))

"""What happened in the quarter just resolved: every auction, mine, events, bankruptcies, new capacity."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ...report import demand_lines, event_effect, index_reason
from ..widgets.panels import installed_h100e, last_quarter, money, statements


def public_report(pub, names: dict[str, str], regions: dict[str, str], spec=None, index_before: float | None = None) -> Group:
    m = pub.markets
    parts: list = [Text(f"Quarter {pub.quarter}: the markets cleared", style="bold")]
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, title="Grid interconnect", title_justify="left", title_style="bold")
    for c in ("Region", "Offered MW", "Bid MW", "Sold MW", "Price $M/MW", "Reserve", "Note"):
        t.add_column(c, justify="left" if c in ("Region", "Note") else "right")
    for rid, r in m.get("interconnect", {}).items():
        reserve = f"{spec.regions[rid].grid_reserve_price_musd_per_mw:.2f}" if spec is not None and rid in spec.regions else ""
        t.add_row(regions.get(rid, rid), f"{r['supply_mw']:,.0f}", f"{r['bid_mw']:,.0f}", f"{r['sold_mw']:,.0f}", f"{r['price_musd_per_mw']:.2f}", reserve, "MORATORIUM" if r.get("moratorium") else "")
    parts.append(t)
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, title="Chips", title_justify="left", title_style="bold")
    for c in ("Generation", "Supply", "On agreements", "Spot bid", "Spot sold", "Spot $k"):
        t.add_column(c, justify="left" if c == "Generation" else "right")
    for gid, r in m.get("chips", {}).items():
        t.add_row(gid, f"{r['supply']:,.0f}", f"{r['agreements']:,.0f}", f"{r['spot_bid']:,.0f}", f"{r['spot_sold']:,.0f}", f"{r['spot_price_musd'] * 1000:,.1f}")
    parts.append(t)
    lab = m.get("labour", {})
    if lab:
        parts.append(Text("Crews: " + "; ".join(f"{regions.get(rid, rid)} {r['hired']:,.0f} of {r['pool']:,.0f} hired at ${r['wage_musd']:.2f}M" for rid, r in lab.items())))
    gas = m.get("gas")
    if gas:
        parts.append(Text(f"Gas turbines: {gas['sold_mw']:,.0f} of {gas['supply_mw']:,.0f} MW sold at ${gas['price_musd_per_mw']:.2f}M/MW"))
    c = m.get("compute", {})
    if c:
        parts.append(Text("Compute", style="bold"))
        parts += [Text("  " + line) for line in demand_lines(c)]
        if spec is not None and index_before is not None:
            parts.append(Text("  " + index_reason(index_before, c, spec)))
        for r in c.get("rfps", []):
            who = names.get(r.get("winner"), r.get("winner")) if r.get("winner") else "no winner"
            parts.append(Text(f"  RFP {r['rfp']} ({r['h100e']:,.0f} H100e for {names.get(r['customer'], r['customer'])}): {who}" + (f" at ${r['price']:.2f}" if r.get("winner") else "")))
    for lot in m.get("lots", []):
        parts.append(Text(f"Lot {lot['lot']} ({lot['kind'].replace('_', ' ')}, {lot['mw']:,.0f} MW): " + (f"bought by {names.get(lot['buyer'], lot['buyer'])} for {money(lot['price_musd'])}" if lot["buyer"] else "unsold")))
    if pub.online:
        parts.append(Text("Came online", style="bold"))
        for b in pub.online:
            parts.append(Text(f"  ▲ {names.get(b.get('company'), b.get('company'))}: {b.get('mw', 0):,.0f} MW in {regions.get(b.get('region'), b.get('region'))}"))
    if pub.bankruptcies:
        parts.append(Text("Bankrupt: " + ", ".join(names.get(b, b) for b in pub.bankruptcies), style="bold"))
    if pub.events:
        parts.append(Text("Events", style="bold"))
        parts += [Text("  ! " + (event_effect(spec, e) if spec is not None else e["title"] + (f" ({e['where']})" if e.get("where") else ""))) for e in pub.events]
    return Group(*parts)


class ReportScreen(Screen):
    """Shown after the quarter resolves; the private part only with one human at the table."""

    BINDINGS = [Binding("enter,space,escape", "next", "Next quarter")]

    def __init__(self, pub, names, regions, frame=None, spec=None, index_before: float | None = None):
        super().__init__()
        self.pub, self.names, self.regions, self.frame = pub, names, regions, frame
        self.spec, self.index_before = spec, index_before

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            if self.frame is not None:
                yield Static(last_quarter(self.frame), id="my-report")
                yield Static(Text(f"Capacity now: {installed_h100e(self.frame):,.0f} H100e installed in your online halls (chips installed this quarter included)", style="bold"), id="my-capacity")
                yield Static(statements(self.frame.statements), id="my-statements")
            yield Static(public_report(self.pub, self.names, self.regions, self.spec, self.index_before), id="public-report")
        yield Static("Enter: on to the next quarter", classes="dim")
        yield Footer()

    def on_mount(self) -> None:
        self.title, self.sub_title = "Gridlock", f"Report for {self.pub.quarter}"

    def action_next(self) -> None:
        self.dismiss(True)

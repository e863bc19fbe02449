"""Reports that add up and explain: the three statements, demand accounted for, the index's
move, every lost auction's clearing price and reason, every event's effect."""

from __future__ import annotations

import pytest

from game.model.orders import BidCrews, BidInterconnect
from game.report import demand_lines, event_effect, index_reason, text_report
from game.session import HUMAN, Session
from game.tui.app import GridlockApp
from game.tui.frame import frame_of
from game.tui.screens.game import GameScreen
from game.tui.screens.report import ReportScreen
from game.tui.widgets import panels

from tui_helpers import clean_env, until, visible_text


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    clean_env(monkeypatch)


def test_the_three_statements_add_up_every_quarter(tmp_path):
    s = Session.start("baseline", 5, {}, saves_dir=tmp_path)
    last_cash = {cid: s.game.core.world.companies[cid].cash_musd for cid in s.game.companies}
    for _ in range(4):
        s.advance()
        for cid in s.game.companies:
            st = s.statements(cid)
            if st is None:
                continue
            # P&L: every P&L line, less depreciation, is net income
            assert sum(v for _, v in st.pnl) - st.depreciation_musd == pytest.approx(st.net_income_musd)
            # cash flow: operating + investing + financing is the change in cash, from last close
            assert st.cash_start_musd == pytest.approx(last_cash[cid])
            assert st.cash_start_musd + st.net_cash_flow_musd == pytest.approx(st.cash_end_musd)
            # balance sheet: assets = debt + equity, the book equity the company's view shows
            assert sum(v for _, v in st.assets) == pytest.approx(st.debt_musd + st.equity_musd)
            if s.game.alive(cid):
                assert st.equity_musd == pytest.approx(s.view(cid).me.book_equity_musd)
            last_cash[cid] = st.cash_end_musd


def test_demand_is_served_plus_priced_out_plus_unmet_and_each_is_shown(tmp_path):
    s = Session.start("baseline", 5, {}, saves_dir=tmp_path)
    s.advance()
    c = s.public_report().markets["compute"]
    assert c["inference_demand_h100e"] == pytest.approx(c["served_h100e"] + c["priced_out_h100e"] + c["unmet_h100e"])
    inference, training = demand_lines(c)
    for key in ("inference_demand_h100e", "served_h100e", "priced_out_h100e", "unmet_h100e", "idle_offered_h100e"):
        assert f"{c[key] / 1e3:,.0f}k" in inference
    assert "= served" in inference and "+ priced out" in inference and "+ unmet" in inference
    assert "= awarded" in training
    why = index_reason(s.index_before_last(), c, s.spec)
    assert f"→ ${c['price_index_next']:.2f}" in why and "of demand" in why and "cost of serving" in why


def test_every_event_says_its_effect_and_the_text_report_lists_them_one_a_line(tmp_path):
    spec = Session.start("baseline", 5, {}, saves_dir=tmp_path).spec
    for eid, ev in spec.events.items():
        text = event_effect(spec, {"event": eid, "title": ev.title, "where": ""})
        assert "{" not in text and (text.startswith(ev.title + ": ") if ev.effects else text == ev.title)
    s = Session.start("baseline", 5, {}, saves_dir=tmp_path)
    while not s.finished:
        s.advance()
    fired = [e for p in s.game.public_reports for e in p.events]
    report = text_report(s.game, s.result())
    assert fired, "a baseline game fires events"
    for p in s.game.public_reports:
        for e in p.events:
            assert f"      {p.quarter} {event_effect(s.spec, e)}\n" in report + "\n"


def test_a_lost_auction_says_the_clearing_price_and_why(tutorial, tmp_path):
    s = Session.start(tutorial, 3, {"corecell": HUMAN}, saves_dir=tmp_path)
    reserve = tutorial.regions["pjm"].grid_reserve_price_musd_per_mw
    wage = tutorial.regions["pjm"].wage_reserve_musd_per_crew_quarter
    s.submit("corecell", [BidInterconnect("pjm", 20.0, reserve / 2), BidCrews("pjm", 2.0, wage / 2)])
    assert any("reserve" in w for c in s.preview("corecell", s.pending("corecell")).checks for w in c.warnings)
    s.advance()
    lines = s.private_report("corecell").lines
    grid = next(x for x in lines if x.startswith("Lost interconnect bid in"))
    assert f"(cleared at ${s.public_report().markets['interconnect']['pjm']['price_musd_per_mw']:.3f}M/MW" in grid
    assert grid.endswith(f"reserve ${reserve:.3f}M/MW): below the reserve")
    crews = next(x for x in lines if x.startswith("Hired no crews in"))
    assert "wage cleared at" in crews and crews.endswith("below the reserve")


@pytest.mark.asyncio
async def test_the_quarter_report_shows_reasons_statements_demand_index_and_events(tutorial, tmp_path):
    s = Session.start(tutorial, 3, {"corecell": HUMAN}, saves_dir=tmp_path)
    reserve = tutorial.regions["pjm"].grid_reserve_price_musd_per_mw
    s.submit("corecell", [BidInterconnect("pjm", 20.0, reserve / 2)])
    app = GridlockApp(s, saves_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, GameScreen)
        await pilot.press("e")
        await until(pilot, ReportScreen)
        text = visible_text(app)
        assert "Lost interconnect bid in" in text and "below the reserve" in text
        assert "Profit and loss" in text and "Cash flow" in text and "Balance sheet" in text and "= net income" in text
        assert "= served" in text and "priced out" in text and "Price index $" in text
        assert "Capacity now:" in text
        for e in s.public_report().events:
            assert event_effect(s.spec, e) in text


def test_online_sites_read_online_and_late_forecasts_say_so(tutorial, tmp_path):
    s = Session.start(tutorial, 3, {"corecell": HUMAN}, saves_dir=tmp_path)
    s.advance()
    f = frame_of(s, "corecell")
    from rich.console import Console

    con = Console(width=300, color_system=None, record=True)
    with con.capture() as cap:
        con.print(panels.company(f))
    text = cap.get()
    assert "online (0q)" not in text
    assert any(site.stage == "online" for site in f.view.me.sites)
    late = type("Site", (), {"stage": "permitting", "expected_online": f.view.quarters_total + 40})()
    assert panels.forecast(f, late) == "not before the game ends"
    # capacity right after installation: counted from the halls, not last quarter's market
    assert f"Capacity {panels.installed_h100e(f):,.0f} H100e installed" in text


@pytest.mark.parametrize("scenario, shown", [("baseline", "one company wins at most 42% of a release"), ("tutorial", None)])
def test_the_market_tab_says_the_share_of_a_release_one_company_may_win(scenario, shown, tmp_path):
    # The baseline caps one company's share of a region's release (interconnect_share_max =
    # 0.42); the tutorial does not, and its regions table says nothing of it.
    from rich.console import Console

    from game.scenario import load_scenario

    spec = load_scenario(scenario)
    seat = next(iter(spec.companies))
    s = Session.start(spec, 3, {seat: HUMAN}, saves_dir=tmp_path)
    con = Console(width=300, color_system=None, record=True)
    with con.capture() as cap:
        con.print(panels.market(frame_of(s, seat)))
    text = cap.get()
    assert "Regions — power, queue and crews" in text
    assert (shown in text) if shown else ("one company wins at most" not in text)

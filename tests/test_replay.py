"""gridlock replay: a finished game stepped through read-only in the terminal, with the game
screen's own tabs for any company (or the omniscient view), the quarter's orders beside, and branched."""

from __future__ import annotations

import pytest
from rich.console import Console

from game.advice import money
from game.model import orders as o
from game.runner import play, seat_agents
from game.saves import replay as replayed
from game.saves import save_game
from game.session import HUMAN, Session
from game.tui.app import GridlockApp
from game.tui.screens.game import GameScreen
from game.tui.screens.order_form import OrderForm
from game.tui.screens.replay import EVERYONE, Replay, ReplayScreen
from game.tui.screens.report import ReportScreen

from tui_helpers import clean_env, until, visible_text

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    clean_env(monkeypatch)


@pytest.fixture(scope="module")
def baseline_game(baseline_played):
    game, _ = baseline_played
    assert game.quarter == 24 and game.finished
    return baseline_played


@pytest.fixture(scope="module")
def baseline_save(baseline_played):
    return baseline_played[1]


def shown(app, selector: str) -> str:
    """A widget's content as plain text, wide enough that nothing wraps."""
    console = Console(width=400, record=True, color_system=None)
    with console.capture() as cap:
        console.print(app.screen.query_one(selector).content)
    return cap.get()


async def test_the_replay_steps_through_all_24_quarters_and_every_view(baseline_save, tmp_path):
    replay = Replay.load(baseline_save)
    app = GridlockApp(saves_dir=tmp_path, replay=replay)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await until(pilot, ReplayScreen)
        await pilot.press("2")
        assert screen.index == 0 and "2026Q1" in visible_text(app) and "Every company's books (omniscient)" in visible_text(app)
        for q in range(1, 25):
            await pilot.press("right")
            assert screen.index == q
            text = visible_text(app)
            if q < 24:
                assert replay.labels[q] in text and f"Orders given in {replay.labels[q]}" in text
        assert "after 2031Q4" in visible_text(app) and "no orders after it" in visible_text(app)
        await pilot.press("right")  # the end stays the end
        assert screen.index == 24
        await pilot.press("home")
        assert screen.index == 0
        await pilot.press("end")
        assert screen.index == 24
        await pilot.press("home", "right", "right", "3")
        # every company's own view, then back to everyone: each shows that company's orders only
        for cid, company in replay.spec.companies.items():
            await pilot.press("v")
            assert screen.viewpoint == cid
            assert f"as {company.name}" in app.screen.sub_title and "Rivals — public figures" in shown(app, "#rivals-body")
            others = [c.name for k, c in replay.spec.companies.items() if k != cid]
            side = shown(app, "#replay-orders").splitlines()
            assert company.name in side and not any(name in side for name in others)
        await pilot.press("v")
        assert screen.viewpoint == EVERYONE
        side = shown(app, "#replay-orders").splitlines()
        assert all(c.name in side for c in replay.spec.companies.values())
        await pilot.press("V")  # and backwards
        assert screen.viewpoint == list(replay.spec.companies)[-1]


async def test_each_tab_shows_the_quarter_as_the_company_saw_it(baseline_game, tmp_path):
    """The figures on the tabs are the engine's own for that company at that quarter."""
    game, path = baseline_game
    replay = Replay.load(path)
    app = GridlockApp(saves_dir=tmp_path, replay=replay)
    cid = "nebula"
    name = replay.spec.companies[cid].name
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await until(pilot, ReplayScreen)
        while screen.viewpoint != cid:
            await pilot.press("v")
        for q in (1, 9, 23):
            await pilot.press("2")  # the company tab stays open while the quarters step by: it follows them
            while screen.index != q:
                await pilot.press("right" if screen.index < q else "left")
            title = app.screen.query_one("#replay-status").content.plain
            assert title.startswith("REPLAY") and replay.labels[q] in title and name in title and f"{replay.labels[q]} as {name}" in app.screen.sub_title
            # the engine, from the save's own orders, for this company as quarter q opens
            view = replayed(replay.spec, replay.seed, game.order_log[:q]).view(cid)
            mine = game.private_reports[q - 1][cid]  # the report it read as quarter q opened
            assert view.quarter_label == replay.labels[q] and mine.cash_musd == view.me.cash_musd
            company = shown(app, "#company-body")
            assert f"{name} — {view.me.archetype}" in company
            assert money(view.me.cash_musd) in company and money(view.me.debt_musd) in company and money(view.me.borrow_headroom_musd) in company
            assert f"What happened to you in {mine.quarter}" in company and mine.lines[0] in company
            for s in view.me.sites:
                assert s.id in company
            await pilot.press("3")
            rivals = shown(app, "#rivals-body")
            for r in view.rivals:
                row = next(line for line in rivals.splitlines() if line.strip().startswith(r.name))
                assert f"{r.online_mw:,.0f}" in row and f"{r.capacity_h100e:,.0f}" in row
            assert not any(line.strip().startswith(name) for line in rivals.splitlines())
            await pilot.press("6")
            standings = shown(app, "#standings-body")
            assert f"{name} (you)" in standings and "private" in standings  # rivals' scores stay private in its view
            await pilot.press("1")
            market = shown(app, "#market-body")
            assert f"price index ${view.price_index:.2f}" in market
            news = shown(app, "#news-body")
            assert all(n[:40] in news for n in view.news)
            # the quarter's orders, in words, with the engine's verdicts: tab 4 and beside
            given = replay.verdicts[q]
            orders = shown(app, "#orders-body")
            assert orders.split() == shown(app, "#replay-orders").split() and f"Orders given in {replay.labels[q]}" in orders
            assert orders.count("✓") == sum(x["verdict"] == "accepted" for x in given[cid]) and "✗" not in orders
            await pilot.press("7")
            assert app.screen.query_one("#tabs").active == "report"
            report = shown(app, "#report-body")
            assert f"Quarter {game.public_reports[q - 1].quarter}: the markets cleared" in report and mine.lines[-1][:60] in report
            chart = app.screen.query_one("#plot-cash")
            assert chart.title == "My cash and debt ($M)"


async def test_the_viewpoint_changes_what_the_tabs_show(baseline_game, tmp_path):
    game, path = baseline_game
    replay = Replay.load(path)
    app = GridlockApp(saves_dir=tmp_path, replay=replay)
    q = 12
    position = replayed(replay.spec, replay.seed, game.order_log[:q])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await until(pilot, ReplayScreen)
        for _ in range(q):
            await pilot.press("right")
        # omniscient: every company's private books and every score, which no company saw in play
        assert screen.viewpoint == EVERYONE and "everyone (omniscient)" in app.screen.sub_title
        await pilot.press("2")
        books = shown(app, "#company-body")
        for cid, c in replay.spec.companies.items():
            row = next(line for line in books.splitlines() if f" {c.name} " in line)
            assert money(position.core.world.companies[cid].cash_musd) in row
        await pilot.press("6")
        standings = shown(app, "#standings-body")
        for r in position.result().standings:
            assert f"{r.name}: {r.score:.2f}×" in standings
        assert app.screen.query_one("#plot-cash").title == "Cash by company ($M, private)"
        await pilot.press("3")
        public = shown(app, "#rivals-body")
        assert all(c.name in public for c in replay.spec.companies.values())
        pages = {}
        for cid in replay.spec.companies:
            await pilot.press("v")
            pages[cid] = []
            for tab, page in (("2", "#company-body"), ("6", "#standings-body"), ("3", "#rivals-body")):
                await pilot.press(tab)
                pages[cid].append(shown(app, page))
            pages[cid] = tuple(pages[cid])
            assert app.screen.query_one("#plot-cash").title == "My cash and debt ($M)"
        await pilot.press("v", "2")
        assert screen.viewpoint == EVERYONE and shown(app, "#company-body") == books
        assert len({p for p in pages.values()}) == len(pages)  # each company saw its own
        for cid, (company, standings, _) in pages.items():
            me = position.view(cid).me
            assert company.startswith(f"{me.name} — ") and money(me.cash_musd) in company
            others = [c.name for k, c in replay.spec.companies.items() if k != cid]
            assert f"{me.name} (you)" in standings and not any(f"{n} (you)" in standings for n in others)


async def test_nothing_can_be_ordered_in_a_replay(baseline_save, tmp_path):
    replay = Replay.load(baseline_save)
    logged = [dict(q) for q in replay.orders]
    app = GridlockApp(saves_dir=tmp_path, replay=replay)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await until(pilot, ReplayScreen)
        await pilot.press("right", "v", "4")
        actions = {b.binding.action for b in app.screen.active_bindings.values()}
        assert not any(a.startswith(("order", "end_turn")) for a in actions)
        assert not app.screen.query("OrdersTable") and not app.screen.query("Input")
        # every key that orders or ends a quarter in play does nothing here
        for key in ("o", "p", "c", "w", "m", "f", "e", "enter", "d", "delete"):
            await pilot.press(key)
            assert app.screen is screen and not isinstance(app.screen, OrderForm)
        assert app.session is None and replay.orders == logged and screen.index == 1
        await pilot.press("escape")  # and it leaves as it came: nothing to save, nothing asked
        assert app.return_code == 0


async def test_a_rejected_order_shows_its_reason(baseline, tmp_path):
    """A person's order the engine refused is shown as refused, with the engine's reason."""
    s = Session.start(baseline, 5, {"nebula": HUMAN}, saves_dir=tmp_path)
    s.submit("nebula", [o.Borrow(musd=1e6), o.BidInterconnect(region="ercot", mw=10.0, price_musd_per_mw=0.2)])
    s.advance()
    s.advance()
    path = s.save(tmp_path / "person.json")
    reason = next(r["reason"] for r in s.game.private_reports[0]["nebula"].rejected)
    replay = Replay.load(path)
    app = GridlockApp(saves_dir=tmp_path, replay=replay)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await until(pilot, ReplayScreen)
        assert screen.viewpoint == "nebula" and "(a person)" in app.screen.query_one("#replay-status").content.plain
        assert not app.screen.query_one("#replay-side").display  # 80 columns: the orders are on tab 4
        await pilot.press("4")
        orders = shown(app, "#orders-body")
        assert "✗ Borrow $1,000.0B\n" in orders and f"REJECTED: {reason}" in " ".join(orders.split())
        assert reason.startswith("lenders will lend at most")
        assert "✓ Bid for 10 MW of grid power in ERCOT (Texas)" in orders


async def test_a_branch_from_the_replay_plays_on(baseline_save, tmp_path):
    replay = Replay.load(baseline_save)
    app = GridlockApp(saves_dir=tmp_path, replay=replay)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await until(pilot, ReplayScreen)
        await pilot.press("right", "right", "right", "v")  # 2026Q4, as the first company
        seat = screen.viewpoint
        await pilot.press("b")
        await until(pilot, GameScreen)
        s = app.session
        assert s.quarter == 3 and s.seats[seat] == HUMAN and s.game.order_log == replay.orders[:3]
        assert app.frame.view.quarter_label == "2026Q4"
        await pilot.press("e")  # the person ends the quarter with no orders; the agents play theirs
        await until(pilot, ReportScreen)
        await pilot.press("enter")
        await until(pilot, GameScreen)
        assert s.quarter == 4 and app.frame.view.quarter_label == "2027Q1"
        assert (tmp_path / "autosave.json").is_file()


async def test_an_unfinished_save_stops_at_its_open_quarter_and_plays_on_from_it(baseline, tmp_path):
    agents = seat_agents(baseline, 1)
    game, _ = play(baseline, 1, agents, max_quarters=5)
    path = tmp_path / "part.json"
    save_game(game, path, {cid: a.name for cid, a in agents.items()})
    replay = Replay.load(path)
    app = GridlockApp(saves_dir=tmp_path, replay=replay)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await until(pilot, ReplayScreen)
        await pilot.press("end")
        status = app.screen.query_one("#replay-status").content.plain
        assert screen.index == 5 and "2027Q2 (6/24, not played: the save stops here)" in status
        assert "The save stops before 2027Q2's orders" in shown(app, "#replay-orders")
        await pilot.press("v", "b")
        await until(pilot, GameScreen)
        assert app.session.quarter == 5 and app.frame.view.quarter_label == "2027Q2" and app.session.game.order_log == replay.orders

"""Pilot tests of `gridlock join` (team and projector) and `gridlock facilitate`, against a real server."""

from __future__ import annotations

import asyncio

import pytest

from game.tui.screens.game import GameScreen
from game.tui.screens.order_form import OrderForm
from game.tui.screens.report import ReportScreen
from game.workshop.client import WorkshopClient
from game.workshop.join_app import CodeScreen, JoinApp, ProjectorScreen
from tui_helpers import clean_env, visible_text
from workshop_helpers import ServerThread, new_workshop

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    clean_env(monkeypatch)


async def until(pilot, test, tries: int = 500):
    for _ in range(tries):
        if test():
            return
        await pilot.pause(0.02)
    told = [n.message for n in pilot.app._notifications]
    raise AssertionError(f"never happened; on {type(pilot.app.screen).__name__} (notices: {told}): {visible_text(pilot.app)[:800]}")


async def test_a_team_types_its_code_places_an_order_and_sees_a_teammates_edit_live(tmp_path):
    plain = new_workshop(tmp_path / "w", teams=["aurora", "corecell"])
    with ServerThread(tmp_path / "w") as srv:
        app = JoinApp(srv.url)
        async with app.run_test(size=(130, 42)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, CodeScreen))
            await pilot.press(*"wrong-code", "enter")
            await until(pilot, lambda: isinstance(app.screen, CodeScreen) and "Not accepted" in visible_text(app))
            await pilot.press(*plain["teams"]["aurora"], "enter")
            await until(pilot, lambda: isinstance(app.screen, GameScreen) and app.frame is not None)
            assert app.frame.view.me.id == "aurora"
            # the Finance form, checked by the server's engine as it is typed
            await pilot.press("f")
            await until(pilot, lambda: isinstance(app.screen, OrderForm))
            await pilot.press(*"75")
            await until(pilot, lambda: "accepted as of now" in visible_text(app))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, GameScreen) and "Borrow $75M" in visible_text(app))
            f = WorkshopClient(srv.url, plain["facilitator"])
            state = await f.state()
            assert state["draft"]["aurora"]["orders"] == [{"type": "borrow", "musd": 75.0}]
            # a teammate on another laptop changes the shared draft: it shows here at once
            mate = WorkshopClient(srv.url, plain["teams"]["aurora"], member="Sam")
            await mate.put_draft(0, [{"type": "borrow", "musd": 75.0}, {"type": "repay", "musd": 5.0}])
            await until(pilot, lambda: "Repay $5M of debt" in visible_text(app))
            # ready, then the other team's readiness ends the quarter and the report shows
            await pilot.press("e")
            await asyncio.sleep(0.2)
            other = WorkshopClient(srv.url, plain["teams"]["corecell"])
            await other.ready(0)
            await until(pilot, lambda: isinstance(app.screen, ReportScreen))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, GameScreen) and app.frame is not None and app.frame.view.quarter == 1)
            for c in (f, mate, other):
                await c.close()
            await app.action_quit()


async def test_the_projector_shows_standings_and_news_and_nothing_private(tmp_path):
    plain = new_workshop(tmp_path / "w", teams=["aurora", "corecell"])
    with ServerThread(tmp_path / "w") as srv:
        a = WorkshopClient(srv.url, plain["teams"]["aurora"])
        await a.put_draft(0, [{"type": "borrow", "musd": 4321.0}])
        f = WorkshopClient(srv.url, plain["facilitator"])
        app = JoinApp(srv.url, plain["observer"])
        async with app.run_test(size=(130, 42)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ProjectorScreen))
            await f.facilitator("message", {"text": "Coffee at eleven"})
            await f.facilitator("advance", {})
            await until(pilot, lambda: "2026Q2" in visible_text(app) and "Coffee at eleven" in visible_text(app))
            text = visible_text(app)
            assert "Standings" in text and "Aurora" in text
            assert "4321" not in text and "4,321" not in text
            await app.action_quit()
        for c in (a, f):
            await c.close()


async def test_the_facilitator_console_runs_the_clock_ends_the_quarter_and_confirms_a_rewind(tmp_path):
    from textual.widgets import DataTable, RichLog

    from game.workshop.console import ConsoleApp

    plain = new_workshop(tmp_path / "w", teams=["aurora", "corecell"], minutes=5)
    with ServerThread(tmp_path / "w") as srv:
        a = WorkshopClient(srv.url, plain["teams"]["aurora"])
        await a.put_draft(0, [{"type": "borrow", "musd": 10.0}])
        app = ConsoleApp(srv.url)

        def log_text() -> str:
            return "\n".join(line.text for line in app.query_one("#fac-log", RichLog).lines)

        async with app.run_test(size=(140, 45)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, CodeScreen))
            await pilot.press(*plain["teams"]["aurora"], "enter")  # a team code is not the facilitator's
            await until(pilot, lambda: isinstance(app.screen, CodeScreen) and "Not accepted" in visible_text(app))
            await pilot.press(*plain["facilitator"], "enter")
            await until(pilot, lambda: app.state is not None and "Connected" in log_text())
            table = app.query_one("#fac-teams", DataTable)
            assert table.row_count == 3 and "1 (v1)" in " ".join(str(c) for c in table.get_row_at(0))
            assert "▄" in visible_text(app) or "█" in visible_text(app)  # the QR code
            for command in ("start", "pause", "say Ten minutes", "inject heat_wave ercot", "end repeat"):
                await pilot.press(*command, "enter")
                await pilot.pause(0.3)
            await until(pilot, lambda: "2026Q1 ended" in log_text() and "inject: Heat wave" in log_text())
            await until(pilot, lambda: app.state["quarter"] == 1)
            await pilot.press(*"rewind 1", "enter")
            await until(pilot, lambda: "discards" in log_text() and "Type `rewind 1 yes`" in log_text())
            assert app.state["quarter"] == 1  # nothing happens before the confirmation
            await pilot.press(*"rewind 1 yes", "enter")
            await until(pilot, lambda: "rewound to 2026Q1" in log_text())
            await pilot.press(*"seat corecell random", "enter")
            await pilot.press(*"bogus", "enter")
            await until(pilot, lambda: "unknown command 'bogus'" in log_text() and "will be played by random" in log_text())
            await app.action_quit()
        await a.close()
        room = srv.room()
    assert room.quarter == 0 and len(room.branches) == 1 and room.pending_seats == {"corecell": "random"}
    assert any(m["text"] == "Ten minutes" for m in room.messages)

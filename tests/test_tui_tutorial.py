"""The tutorial teaches the engine's real sequence: a player who does what each hint says sees
it happen as the hint said (power, a site, crews as the power energises, chips while the site
commissions, selling), wastes nothing on idle crews, and beats doing nothing, which loses."""

from __future__ import annotations

import pytest

from game.model import orders as o
from game.session import HUMAN, Session
from game.tui.tutorial import crews_now, hint, waiting_sites


def _follow_the_hints(tutorial, seat: str, seed: int, tmp_path):
    """Plays the tutorial doing what each quarter's hint asks; returns the session and every
    (quarter, hint, report lines)."""
    s = Session.start(tutorial, seed, {seat: HUMAN}, saves_dir=tmp_path)
    log = []
    while not s.finished:
        v = s.view(seat)
        me, q = v.me, v.quarter
        text = hint(v, 0)
        orders = []
        home = me.sites[0].region
        r = v.region(home)
        if text.startswith("Lesson 1, power"):
            orders.append(o.BidInterconnect(home, 50.0, r.grid_reserve_price_musd_per_mw * 1.5))
        if text.startswith("Lesson 2, a site"):
            orders += [o.StartSite(p.id, "liquid") for p in me.power if p.site is None]
        if text.startswith("Lesson 3, crews. Your site's power energises this quarter"):
            for site, _ in crews_now(v):
                orders.append(o.BidCrews(site.region, (site.mw - site.built_mw) / v.scenario.rules.construction_mw_per_crew_quarter, (r.last_wage_musd or r.wage_reserve_musd) * 1.2))
        if text.startswith("Lesson 4, chips"):
            free_mw = sum(x.it_mw for x in me.sites if x.stage == "commissioning")
            gen = max((g for g in v.generations if g.released and g.in_production and g.apa_price_musd), key=lambda g: g.release_quarter)
            orders.append(o.BidChips(gen.id, int(free_mw * 1000 / gen.power_kw), (gen.last_spot_price_musd or gen.apa_price_musd) * 1.1))
        s.submit(seat, orders)
        s.advance()
        log.append((q, text, s.private_report(seat).lines))
    return s, log


@pytest.mark.parametrize("seat", ["aurora", "corecell", "nebula"])
def test_doing_what_the_hints_say_happens_as_they_say(tutorial, seat, tmp_path):
    s, log = _follow_the_hints(tutorial, seat, 1, tmp_path)
    said = [text.split(".")[0].split(":")[0] for _, text, _ in log]
    assert said[0] == "Lesson 1, power" and said[1] == "Lesson 2, a site"
    for q, text, lines in log:
        # crews are never paid to stand idle: the lesson's whole point
        assert not any("had nothing to build" in x for x in lines), (q, lines)
        if text.startswith("Lesson 3, crews. Your site's power energises this quarter"):
            assert any(" built " in x and "crews" in x for x in lines), (q, lines)
        if text.startswith("Lesson 3, crews — not yet"):
            when = text.split("energises ~")[1].split(":")[0]
            assert when == s.game.history[q + 1]["quarter"] if q + 1 < len(s.game.history) else True
        if text.startswith("Lesson 4, chips"):
            # the site commissioned this quarter; the chips arrive next quarter and install in it
            assert any("is ONLINE" in x for x in lines), (q, lines)
            after = log[q + 1][2] if q + 1 < len(log) else ()
            assert any(x.startswith("Installed") for x in after), (q + 1, after)
    lessons = {x for x in said}
    assert {"Lesson 3, crews", "Lesson 4, chips"} <= {x.split(" —")[0] for x in lessons}
    assert any(text.startswith("Lesson 7, where you stand") or text.startswith("Last quarter") for _, text, _ in log)
    assert "Standings (6)" in log[-1][1]


def test_the_hinted_play_beats_doing_nothing_and_doing_nothing_does_not_win(tutorial, tmp_path):
    played, _ = _follow_the_hints(tutorial, "aurora", 2, tmp_path / "a")
    idle = Session.start(tutorial, 2, {"aurora": HUMAN}, saves_dir=tmp_path / "b")
    while not idle.finished:
        idle.advance()  # a human seat that never orders anything
    mine = {r.id: r for r in played.result().standings}["aurora"]
    theirs = {r.id: r for r in idle.result().standings}["aurora"]
    assert mine.score > theirs.score
    assert theirs.rank > 1, "an idle seat must not win the tutorial"


def test_crews_for_a_site_whose_power_energises_this_quarter_raise_no_warning(tutorial, tmp_path):
    """The hint says hire now; the form must not say the opposite (and the engine builds)."""
    s = Session.start(tutorial, 1, {"aurora": HUMAN}, saves_dir=tmp_path)
    s.advance()
    p5 = next(p for p in s.view("aurora").me.power if p.site is None and not p.energised)
    s.submit("aurora", [o.StartSite(p5.id, "liquid"), o.BidCrews(p5.region, 10, 9.0)])
    early = s.preview("aurora", s.pending("aurora")).checks[1]
    assert early.warnings, "crews before the site exists are paid for nothing"
    s.submit("aurora", [o.StartSite(p5.id, "liquid")])
    s.advance()
    v = s.view("aurora")
    assert next(p for p in v.me.power if p.id == p5.id).ready_quarter <= v.quarter  # energises this quarter
    check = s.preview("aurora", [o.BidCrews(p5.region, 80, 9.0)]).checks[0]
    assert not check.warnings, check.warnings
    s.submit("aurora", [o.BidCrews(p5.region, 80, 9.0)])
    s.advance()
    assert any(" built " in x for x in s.private_report("aurora").lines)


def test_a_hyperscaler_is_told_its_own_products_will_outgrow_its_halls_and_they_do(tutorial, tmp_path):
    s = Session.start(tutorial, 1, {"aurora": HUMAN, "corecell": HUMAN}, saves_dir=tmp_path)
    s.advance()
    v = s.view("aurora")
    # 320,000 H100e of its own demand a quarter ago, grown 8%, with 40% headroom beside it:
    # 320,000 × 1.08 × 1.4 = 483,840 of its 562,500 H100e
    assert v.me.internal_demand_h100e == pytest.approx(320000 * 1.08)
    assert "Your own products take 483,840 of your 562,500 H100e and grow 8% a quarter" in hint(v, 0)
    assert "own products" not in hint(s.view("corecell"), 0)  # a neo-cloud has none
    while not s.finished:  # left alone, they outgrow the halls as the hint says
        s.advance()
    unserved = [x for r in s.game.private_reports for x in r["aurora"].lines if x.startswith("Internal demand: served")]
    assert len(unserved) >= 4, unserved

"""The build pipeline of docs/rules.md ("Build"), quarter by quarter on a deterministic tutorial map.

permitting -> power confirmed -> construction -> commissioning -> online; no confirmed power,
no construction; no crews, no progress; capex spent as the MW are built.
"""

from __future__ import annotations

import attrs
import pytest

from game.engine import Game
from game.model.orders import BidCrews, BidInterconnect, StartSite
from game.scenario import Scenario
from game.scenario.spec import QueueStartSpec

CID = "nebula"  # the tutorial's Nordic neo-cloud
REGION = "nordics"
SITE_MW = 20.0
CAPEX_PER_IT_MW = 12.0  # liquid cooling, per MW of IT load, x1.0 region multiplier, no escalation
LIQUID_PUE = 1.2  # the tutorial's liquid PUE: a grid MW of liquid hall hosts 1 / 1.2 MW of IT load
WAGE = 1.0  # the region's crew reserve wage; small bids clear at the reserve
MW_PER_CREW = 2.5


def cascade_spec(
    tutorial: Scenario,
    *,
    permitting_quarters: int = 2,
    slip: float = 0.0,
    energise: str = "2026Q4",
    wait_quarters: int = 3,
) -> Scenario:
    """The tutorial with every random or drifting input of the build pipeline pinned down."""
    region = attrs.evolve(
        tutorial.regions[REGION],
        permitting_quarters=permitting_quarters,
        queue_slip_probability=slip,
        queue_wait_quarters_min=wait_quarters,
        queue_wait_quarters_max=wait_quarters,
        crews_initial=40.0,
        crew_growth_per_quarter=0.0,
        wage_reserve_musd_per_crew_quarter=WAGE,
        wage_drift_per_quarter=0.0,
        facility_capex_multiplier=1.0,
    )
    rules = attrs.evolve(
        tutorial.rules,
        commissioning_quarters=1,
        construction_mw_per_crew_quarter=MW_PER_CREW,
        facility_capex_escalation_per_quarter=0.0,
        power_confirmed_quarters_ahead=80,  # the permit waits for no confirmation here (tests/test_case_build.py covers it)
    )
    cooling = {**tutorial.cooling, "liquid": attrs.evolve(tutorial.cooling["liquid"], capex_musd_per_it_mw=CAPEX_PER_IT_MW)}
    company = attrs.evolve(
        tutorial.companies[CID],
        queue_positions=(QueueStartSpec(region=REGION, mw=SITE_MW, energise=energise),),
    )
    power = attrs.evolve(tutorial.power, powered_sites=attrs.evolve(tutorial.power.powered_sites, probability_per_quarter=0.0))
    return attrs.evolve(
        tutorial,
        regions={**tutorial.regions, REGION: region},
        rules=rules,
        cooling=cooling,
        companies={**tutorial.companies, CID: company},
        power=power,
        events={},
        injects=(),
    )


def free_power_id(game: Game) -> str:
    (p,) = [p for p in game.core.world.companies[CID].power if p.site is None and p.region == REGION]
    return p.id


def snapshot(game: Game, power_id: str) -> dict:
    """The site, its power and this quarter's money, read right after step()."""
    c = game.core.world.companies[CID]
    (site,) = [s for s in c.sites if s.power == power_id]
    (p,) = [p for p in c.power if p.id == power_id]
    # step() opens the next quarter (and clears the ledger) before it returns, so the
    # resolved quarter's ledger is read from its private report, which sums it by category
    pnl = game.private_reports[-1][CID].pnl
    return {
        "stage": site.stage,
        "built_mw": site.built_mw,
        "energised": p.energised,
        "ready_quarter": p.ready_quarter,
        "capex_facility": pnl.get("capex_facility", 0.0),
        "idle_crews": pnl.get("idle_crews", 0.0),
        "book_musd": site.book_musd,
        "dep_musd_per_quarter": site.dep_musd_per_quarter,
        "online_quarter": site.online_quarter,
        "rejected": [dict(r) for r in game.private_reports[-1][CID].rejected],
    }


def play_script(spec: Scenario, script: dict[int, list]) -> list[dict]:
    """Play every quarter with only this company's scripted orders; snapshot after each."""
    game = Game(spec, 11)
    pid = free_power_id(game)
    out = []
    while not game.finished:
        q = game.quarter
        orders = [StartSite(pid, "liquid") if x == "start" else x for x in script.get(q, [])]
        game.step({CID: orders})
        out.append(snapshot(game, pid))
    return out


# The main script: the queue position energises in 2026Q4 (quarter 3); permitting takes 2.
#   q0 start the site            q1 nothing           q2 hire 4 crews (no power yet)
#   q3 nothing (power arrives)   q4 hire 4 crews      q5 hire 8 crews (only 4 needed)
#   q6 nothing (commissioning done)                   q7 nothing
SCRIPT = {
    0: ["start"],
    2: [BidCrews(REGION, 4.0, 2.0)],
    4: [BidCrews(REGION, 4.0, 2.0)],
    5: [BidCrews(REGION, 8.0, 2.0)],
}


@pytest.fixture(scope="module")
def cascade(tutorial) -> list[dict]:
    quarters = play_script(cascade_spec(tutorial), SCRIPT)
    for q, snap in enumerate(quarters):
        assert snap["rejected"] == [], f"quarter {q}: an order was rejected: {snap['rejected']}"
    return quarters


def test_scripted_game_runs_the_tutorials_eight_quarters(cascade):
    assert len(cascade) == 8


def test_site_stays_in_permitting_for_the_regions_permitting_quarters(cascade):
    # started in q0 with permitting_quarters = 2: q0 is its first permitting quarter, q1 its
    # second, so it leaves permitting at the end of q1
    assert cascade[0]["stage"] == "permitting"
    assert cascade[1]["stage"] != "permitting"


def test_permitted_site_waits_for_power_until_its_queue_position_energises(cascade):
    # the position energises in 2026Q4 = quarter 3; until then the permitted site waits
    assert [cascade[q]["energised"] for q in range(4)] == [False, False, False, True]
    assert cascade[1]["stage"] == "power"
    assert cascade[2]["stage"] == "power"
    assert cascade[3]["stage"] == "construction"


def test_crews_hired_before_power_is_confirmed_build_nothing_and_are_paid_as_idle(cascade):
    # q2: 4 crews at the reserve wage 1.0 while the site waits for power: 0 MW built,
    # no capex, and the 4 crews are paid as idle: 4 x 1.0 = $4.0M
    q2 = cascade[2]
    assert q2["built_mw"] == 0.0
    assert q2["capex_facility"] == 0.0
    assert q2["idle_crews"] == pytest.approx(-4.0)


def test_construction_makes_no_progress_in_a_quarter_without_crews(cascade):
    # q3: power arrives and construction may start, but no crews were hired
    q3 = cascade[3]
    assert q3["stage"] == "construction"
    assert q3["built_mw"] == 0.0
    assert q3["capex_facility"] == 0.0


def test_each_crew_builds_its_mw_per_quarter(cascade):
    # q4: 4 crews x 2.5 MW = 10 MW of the 20 MW site
    assert cascade[4]["built_mw"] == pytest.approx(10.0)
    assert cascade[4]["stage"] == "construction"


def test_facility_capex_is_the_it_load_built_times_capex_per_it_mw_plus_the_crews_used(cascade):
    # q4: 10 grid MW of liquid hall host 10 / 1.2 = 8.333 MW of IT load; x $12.0M per IT MW
    # = $100M of facility, plus the 4 crews' wages 4 x $1.0M = $4M, booked together as
    # construction: -$104M in capex_facility, nothing idle
    assert cascade[4]["capex_facility"] == pytest.approx(-(10.0 / LIQUID_PUE * CAPEX_PER_IT_MW + 4 * WAGE))
    assert cascade[4]["capex_facility"] == pytest.approx(-104.0)
    assert cascade[4]["idle_crews"] == 0.0


def test_crews_beyond_the_remaining_work_are_paid_as_idle(cascade):
    # q5: 8 crews hired, but the last 10 MW need only 10 / 2.5 = 4 of them.
    # capex: 10 / 1.2 IT MW x 12 + 4 x 1.0 = $104M; idle: the other 4 x 1.0 = $4M
    q5 = cascade[5]
    assert q5["built_mw"] == pytest.approx(SITE_MW)
    assert q5["capex_facility"] == pytest.approx(-104.0)
    assert q5["idle_crews"] == pytest.approx(-4.0)


def test_finished_construction_is_commissioned_for_commissioning_quarters_then_online(cascade):
    # built out in q5 -> commissioning through q5; commissioning_quarters = 1 -> online in q6
    assert cascade[5]["stage"] == "commissioning"
    assert cascade[6]["stage"] == "online"
    assert cascade[6]["online_quarter"] == 6
    assert cascade[7]["stage"] == "online"


def test_site_book_value_is_the_capex_spent_and_depreciates_once_online(cascade):
    # two construction quarters of $104M each: book $208M before it goes online;
    # facility_depreciation_quarters = 60 -> $208M / 60 a quarter from then on
    assert cascade[5]["book_musd"] == pytest.approx(208.0)
    assert cascade[6]["dep_musd_per_quarter"] == pytest.approx(208.0 / 60)
    assert cascade[6]["book_musd"] == pytest.approx(208.0 - 208.0 / 60)


def test_stages_only_ever_move_forward_through_the_pipeline(cascade):
    order = ["permitting", "power", "construction", "commissioning", "online"]
    ranks = [order.index(s["stage"]) for s in cascade]
    assert ranks == sorted(ranks)
    assert [s["stage"] for s in cascade] == [
        "permitting", "power", "power", "construction", "construction", "commissioning", "online", "online",
    ]


# ------------------------------------------------------------------ other cascades


def test_queue_position_that_always_slips_never_lets_construction_start(tutorial):
    # slip probability 1: due in quarter 3, it slips one quarter at every due date
    # (3 -> 4 -> ... -> 8); crews hired in every quarter from q2 build nothing
    spec = cascade_spec(tutorial, slip=1.0)
    script = {0: ["start"], **{q: [BidCrews(REGION, 4.0, 2.0)] for q in range(2, 8)}}
    quarters = play_script(spec, script)
    assert all(not s["energised"] for s in quarters)
    assert [s["stage"] for s in quarters[1:]] == ["power"] * 7
    assert all(s["built_mw"] == 0.0 and s["capex_facility"] == 0.0 for s in quarters)
    assert quarters[-1]["ready_quarter"] == 8
    assert quarters[2]["idle_crews"] == pytest.approx(-4.0)


def test_crews_hired_in_another_region_do_not_build_the_site(tutorial):
    # power energised from the start (2026Q1), permitting 2 -> construction possible from q1,
    # but the 4 crews are hired in ERCOT every quarter: nothing is built in the Nordics
    spec = cascade_spec(tutorial, energise="2026Q1")
    script = {0: ["start"], **{q: [BidCrews("ercot", 4.0, 2.0)] for q in range(1, 8)}}
    quarters = play_script(spec, script)
    assert quarters[-1]["stage"] == "construction"
    assert all(s["built_mw"] == 0.0 for s in quarters)


def test_no_construction_happens_in_a_quarter_the_site_is_still_being_permitted(tutorial):
    # permitting_quarters = 1 and power already energised (2026Q1).  The site is started in
    # q0, so q0 is its one permitting quarter: crews hired in q0 cannot build yet (the
    # cascade: no permit, no construction), and are paid as idle (4 x 1.0).  Construction
    # starts in q1: 4 crews x 2.5 = 10 MW.  Compare commissioning, which also takes its
    # full quarter before the next stage may start.
    spec = cascade_spec(tutorial, permitting_quarters=1, energise="2026Q1")
    script = {0: ["start", BidCrews(REGION, 4.0, 2.0)], 1: [BidCrews(REGION, 4.0, 2.0)]}
    quarters = play_script(spec, script)
    assert quarters[0]["built_mw"] == 0.0
    assert quarters[0]["idle_crews"] == pytest.approx(-4.0)
    assert quarters[1]["built_mw"] == pytest.approx(10.0)


def test_interconnect_won_at_auction_energises_after_the_regions_wait(tutorial):
    # wait fixed at 3 quarters and no slips: 30 MW won in q0 energises in quarter 0 + 3.
    # The Nordics release 80 MW with reserve $0.08M/MW; 30 MW asked fits, so it clears at
    # the reserve: capex_power 30 x 0.08 = $2.4M.
    spec = cascade_spec(tutorial, wait_quarters=3)
    game = Game(spec, 5)
    game.step({CID: [BidInterconnect(REGION, 30.0, 0.5)]})
    c = game.core.world.companies[CID]
    (won,) = [p for p in c.power if p.kind == "grid" and p.mw == 30.0]
    assert won.ready_quarter == 3
    assert game.private_reports[-1][CID].pnl["capex_power"] == pytest.approx(-2.4)
    for _ in range(2):  # quarters 1 and 2
        game.step({})
        assert not won.energised
    game.step({})  # quarter 3
    assert won.energised

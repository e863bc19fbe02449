"""Scenario files load, extend and fail the way the README's "Scenarios" says, from Python and the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from game.scenario import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ helpers that edit TOML text


def _table_span(text: str, header: str) -> tuple[int, int]:
    """Start and end offsets of the body of the first table with this exact header line."""
    m = re.search(rf"^{re.escape(header)}[ \t]*(#.*)?$", text, flags=re.M)
    assert m, f"baseline.toml has no {header} table any more; update this test"
    nxt = re.search(r"^\[", text[m.end() :], flags=re.M)
    return m.end(), (m.end() + nxt.start()) if nxt else len(text)


def set_key(text: str, header: str, key: str, literal: str) -> str:
    """Replace `key = ...` (comment included) inside the table `header` with `key = literal`."""
    start, end = _table_span(text, header)
    body = text[start:end]
    new, n = re.subn(rf"^{re.escape(key)}[ \t]*=.*$", f"{key} = {literal}", body, count=1, flags=re.M)
    assert n == 1, f"{header} has no key {key} any more; update this test"
    return text[:start] + new + text[end:]


def add_key(text: str, header: str, line: str) -> str:
    start, _ = _table_span(text, header)
    return text[:start] + "\n" + line + text[start:]


def problems_of(path: Path | str) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.problems, "a ScenarioError must list at least one problem"
    return err.value.problems


def find_problem(problems: list[str], *needles: str) -> str:
    hits = [p for p in problems if all(n in p for n in needles)]
    assert hits, f"no problem mentions all of {needles!r}; problems were:\n" + "\n".join(problems)
    return hits[0]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "game", *args], capture_output=True, text=True, cwd=REPO, timeout=60)


# ------------------------------------------------------------------ the shipped scenarios


def test_baseline_loads(baseline):
    assert baseline.game.start == "2026Q1"
    assert baseline.game.quarters == 24
    assert len(baseline.regions) == 6  # the baseline has six regions


def test_tutorial_loads(tutorial):
    assert tutorial.game.quarters == 8
    assert 2 <= len(tutorial.companies) <= 8


def test_grid_crunch_loads_with_the_baselines_companies(grid_crunch, baseline):
    assert grid_crunch.companies == baseline.companies
    assert grid_crunch.generations == baseline.generations


def test_grid_crunch_has_longer_queue_waits_than_the_baseline_in_every_region(grid_crunch, baseline):
    assert set(grid_crunch.regions) == set(baseline.regions)
    for rid, base in baseline.regions.items():
        crunch = grid_crunch.regions[rid]
        assert crunch.queue_wait_quarters_min > base.queue_wait_quarters_min, rid
        assert crunch.queue_wait_quarters_max > base.queue_wait_quarters_max, rid
        # and only the waits changed: the rest of the region is inherited
        assert crunch.grid_release_mw_per_quarter == base.grid_release_mw_per_quarter, rid
        assert crunch.power_price_usd_per_mwh == base.power_price_usd_per_mwh, rid


def test_grid_crunch_queue_waits_are_half_as_long_again(grid_crunch, baseline):
    # waits x1.5. PJM's baseline base range 8-14 quarters x 1.5 = 12-21, and its
    # congestion term (a quarter per 300 MW queued) 1.5x as strong: a quarter per 200 MW.
    pjm, base = grid_crunch.regions["pjm"], baseline.regions["pjm"]
    assert (base.queue_wait_quarters_min, base.queue_wait_quarters_max, base.queue_congestion_mw_per_quarter) == (8, 14, 300)
    assert (pjm.queue_wait_quarters_min, pjm.queue_wait_quarters_max, pjm.queue_congestion_mw_per_quarter) == (12, 21, 200)


# ------------------------------------------------------------------ every problem, with file, table and key


@pytest.fixture(scope="module")
def broken_file(tmp_path_factory, baseline_text) -> Path:
    """The baseline with five independent mistakes in five different tables."""
    text = baseline_text
    # 1. a string where a number goes
    text = set_key(text, "[rules]", "tax_rate", '"twenty percent"')
    # 2. a number out of range (a probability of 1.5)
    text = set_key(text, "[regions.ercot]", "queue_slip_probability", "1.5")
    # 3. a key the spec does not know
    text = add_key(text, "[regions.pjm]", "grid_release_gw_per_quarter = 5")
    # 4. a reference to a region that does not exist
    text = set_key(text, "[[companies.aurora.sites]]", "region", '"atlantis"')
    # 5. a quarter label that is not a quarter
    text = set_key(text, "[generations.rubin]", "release", '"2027Q5"')
    path = tmp_path_factory.mktemp("broken") / "broken.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def broken_problems(broken_file) -> list[str]:
    return problems_of(broken_file)


def test_broken_scenario_reports_a_string_where_a_number_goes(broken_file, broken_problems):
    p = find_problem(broken_problems, str(broken_file), "[rules]", "tax_rate")
    assert "number" in p and "twenty percent" in p  # says what was expected and what was found


def test_broken_scenario_reports_an_out_of_range_number(broken_file, broken_problems):
    p = find_problem(broken_problems, str(broken_file), "[regions.ercot]", "queue_slip_probability")
    assert "1.5" in p


def test_broken_scenario_reports_an_unknown_key(broken_file, broken_problems):
    find_problem(broken_problems, str(broken_file), "regions.pjm", "grid_release_gw_per_quarter")


def test_broken_scenario_reports_a_reference_to_a_missing_region(broken_file, broken_problems):
    p = find_problem(broken_problems, str(broken_file), "atlantis")
    assert "companies.aurora.sites" in p and "region" in p


def test_broken_scenario_reports_a_bad_quarter_label(broken_file, broken_problems):
    find_problem(broken_problems, str(broken_file), "[generations.rubin]", "release", "2027Q5")


def test_broken_scenario_reports_each_problem_once_and_nothing_else(broken_problems):
    # five mistakes, five problems: one per mistake, no duplicates, no knock-on noise
    assert len(broken_problems) == 5, "\n".join(broken_problems)


def test_a_missing_required_key_is_reported_with_file_table_and_key(tmp_path, baseline_text):
    start, end = _table_span(baseline_text, "[rules]")
    body = re.sub(r"^tax_rate[ \t]*=.*\n", "", baseline_text[start:end], count=1, flags=re.M)
    assert body != baseline_text[start:end]
    path = tmp_path / "missing.toml"
    path.write_text(baseline_text[:start] + body + baseline_text[end:], encoding="utf-8")
    (p,) = problems_of(path)
    assert str(path) in p and "[rules]" in p and "tax_rate" in p


# ------------------------------------------------------------------ extends


def test_child_scenario_overrides_one_value_of_the_scenario_it_extends(tmp_path, baseline_text, baseline):
    base = tmp_path / "base.toml"
    base.write_text(baseline_text, encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{base}"\n\n[regions.ercot]\nqueue_wait_quarters_max = 13\n', encoding="utf-8")
    spec = load_scenario(child)
    assert spec.regions["ercot"].queue_wait_quarters_max == 13
    # the rest of the table, and the other tables, are inherited unchanged
    assert spec.regions["ercot"].queue_wait_quarters_min == baseline.regions["ercot"].queue_wait_quarters_min
    assert spec.regions["ercot"].name == baseline.regions["ercot"].name
    assert spec.companies == baseline.companies
    assert spec.regions["pjm"] == baseline.regions["pjm"]


def test_child_scenario_can_extend_a_sibling_file_by_relative_name(tmp_path, baseline_text):
    (tmp_path / "base.toml").write_text(baseline_text, encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n\n[game]\nquarters = 12\n', encoding="utf-8")
    assert load_scenario(child).game.quarters == 12


def test_a_mistake_in_a_child_scenario_is_reported_against_the_child_file(tmp_path, baseline_text):
    base = tmp_path / "base.toml"
    base.write_text(baseline_text, encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{base}"\n\n[regions.ercot]\nqueue_slip_probability = 2.0\n', encoding="utf-8")
    (p,) = problems_of(child)
    assert str(child) in p and "[regions.ercot]" in p and "queue_slip_probability" in p


def test_a_mistake_inherited_from_the_parent_is_reported_against_the_parent_file(tmp_path, baseline_text):
    base = tmp_path / "base.toml"
    base.write_text(set_key(baseline_text, "[rules]", "tax_rate", "7.0"), encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{base}"\n\n[game]\nquarters = 12\n', encoding="utf-8")
    (p,) = problems_of(child)
    assert str(base) in p and str(child) not in p
    assert "[rules]" in p and "tax_rate" in p


def test_an_extends_cycle_is_one_clear_error_not_a_recursion_error(tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(f'extends = "{b}"\n', encoding="utf-8")
    b.write_text(f'extends = "{a}"\n', encoding="utf-8")
    (p,) = problems_of(a)  # a RecursionError would escape pytest.raises(ScenarioError)
    assert "cycle" in p
    assert "a.toml" in p and "b.toml" in p


def test_a_scenario_that_extends_itself_is_a_cycle(tmp_path):
    a = tmp_path / "a.toml"
    a.write_text(f'extends = "{a}"\n', encoding="utf-8")
    (p,) = problems_of(a)
    assert "cycle" in p


# ------------------------------------------------------------------ unreadable files


def test_a_file_that_is_not_toml_is_one_problem_naming_the_file(tmp_path):
    path = tmp_path / "garbage.toml"
    path.write_text("this is = not [valid toml\n", encoding="utf-8")
    (p,) = problems_of(path)
    assert str(path) in p
    assert "TOML" in p


def test_a_missing_file_is_one_problem_naming_the_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    (p,) = problems_of(path)
    assert str(path) in p


def test_an_unknown_scenario_name_is_a_scenario_error():
    problems_of("no-such-scenario-anywhere")


# ------------------------------------------------------------------ gridlock scenario check


def test_cli_check_of_a_broken_scenario_prints_every_problem_and_exits_2(broken_file):
    r = run_cli("scenario", "check", str(broken_file))
    out = r.stdout + r.stderr
    assert r.returncode == 2, out
    assert "Traceback" not in out
    for needle in ("tax_rate", "queue_slip_probability", "grid_release_gw_per_quarter", "atlantis", "2027Q5"):
        assert needle in out, needle


def test_cli_check_of_a_good_scenario_prints_a_summary_and_exits_0(tmp_path, baseline_text):
    path = tmp_path / "good.toml"
    path.write_text(baseline_text, encoding="utf-8")
    r = run_cli("scenario", "check", str(path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stdout.strip(), "a good scenario gets a short summary on stdout"
    assert len(r.stdout.strip().splitlines()) <= 40, "the summary should be short"


def test_cli_check_of_a_shipped_scenario_by_name_exits_0():
    r = run_cli("scenario", "check", "tutorial")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr


@pytest.mark.parametrize("content", [None, "this is = not [valid toml\n"], ids=["missing", "not-toml"])
def test_cli_check_of_an_unreadable_file_exits_2_without_a_traceback(tmp_path, content):
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    r = run_cli("scenario", "check", str(path))
    out = r.stdout + r.stderr
    assert r.returncode == 2, out
    assert "Traceback" not in out
    assert str(path) in out


def test_cross_table_problems_are_reported_alongside_type_errors(tmp_path, baseline_text):
    # a type error in [rules] and, elsewhere, a queue wait whose max is below its min:
    # both are listed in one go, not the second only after the first is fixed
    text = baseline_text.replace("tax_rate = 0.21", 'tax_rate = "a fifth"', 1)
    start = text.index("[regions.ercot]")
    i = text.index("queue_wait_quarters_max = ", start)
    j = text.index("\n", i)
    text = text[:i] + "queue_wait_quarters_max = 1" + text[j:]
    path = tmp_path / "two.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    problems = err.value.problems
    assert any("[rules] key `tax_rate`" in p and "expected a number" in p for p in problems), problems
    assert any("[regions.ercot] key `queue_wait_quarters_max`" in p and "at least queue_wait_quarters_min" in p for p in problems), problems

"""`gridlock report` as a user meets it: real games in a results file, while written, exports, and bad paths."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import results_fixture
from game.cli import main
from game.tournament.report import summarise
from test_headless import ui_modules_after_importing

REPO = Path(__file__).resolve().parents[1]
AGENTS = ["neocloud", "hyperscaler", "random"]
N_GAMES = 12


@pytest.fixture(scope="module")
def real_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tour") / "results.sqlite"
    return results_fixture.play_real_games(path, "tutorial", AGENTS, N_GAMES, seed=4)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_of_real_games_prints_every_section_as_plain_text_into_a_pipe(real_db, capsys):
    code, out, err = run_cli(capsys, "report", str(real_db))
    assert code == 0, err
    assert f"{N_GAMES} games finished, 0 errors of {N_GAMES} planned" in out
    for title in ("Agents", "Pairwise", "By seat", "By archetype", "Ratings", "Extreme games"):
        assert f"\n{title}" in out
    for agent in AGENTS:
        assert f"\n{agent} " in out
    assert "\nReplay\ngame " in out and "gridlock run --scenario tutorial --seed " in out
    assert "\x1b[" not in out and "━" not in out  # no colour codes or box drawing when not a terminal


def test_report_draws_rich_tables_on_a_terminal(real_db):
    from game.tournament.report import run_report

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    run_report(str(real_db), out=out)
    text = out.getvalue()
    assert "━" in text or "─" in text
    assert "Pairwise" in text and "neocloud" in text


def test_json_summary_of_real_games_is_consistent(real_db, capsys):
    code, out, _ = run_cli(capsys, "report", str(real_db), "--json")
    assert code == 0
    s = json.loads(out)
    assert s == json.loads(json.dumps(summarise(real_db)))  # the same figures as the function the sweep calls
    agents = s["agents"]
    assert set(agents) == set(AGENTS)
    assert sum(a["wins"] for a in agents.values()) == N_GAMES
    assert sum(a["games"] for a in agents.values()) == 3 * N_GAMES  # three companies in the tutorial
    for a in agents.values():
        assert a["win_ci_low"] <= a["win_rate"] <= a["win_ci_high"]
        assert a["baseline_win_rate"] == pytest.approx(1 / 3)
    assert [r["agent"] for r in s["ratings"]] and {r["agent"] for r in s["ratings"]} == set(AGENTS)


def test_json_summary_is_the_same_every_time(real_db):
    assert json.dumps(summarise(real_db)) == json.dumps(summarise(real_db))


def test_the_replay_command_of_an_extreme_game_reproduces_its_score(real_db, capsys):
    s = summarise(real_db)
    best = next(e for e in s["extremes"] if e["kind"] == "best score" and e["agent"] == "random")
    argv = best["command"].split()
    assert argv[:2] == ["gridlock", "run"]
    code, out, _ = run_cli(capsys, *argv[1:], "--json")
    assert code == 0
    standings = json.loads(out)["standings"]
    played = [r for r in standings if r["agent"] == "random"]  # random plays either archetype
    assert played
    assert any(r["score"] == pytest.approx(best["score"]) and r["rank"] == best["rank"] for r in played)


def test_csv_export_writes_one_file_per_table(real_db, tmp_path, capsys):
    out_dir = tmp_path / "csv"
    code, _, err = run_cli(capsys, "report", str(real_db), "--csv", str(out_dir), "--json")
    assert code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["agents.csv", "by_archetype.csv", "by_seat.csv", "extremes.csv", "pairwise.csv", "ratings.csv"]
    rows = list(csv.DictReader(open(out_dir / "agents.csv", encoding="utf-8")))
    s = summarise(real_db)
    assert {r["agent"] for r in rows} == set(AGENTS)
    for r in rows:
        assert int(r["games"]) == s["agents"][r["agent"]]["games"]
        assert float(r["win_ci_high"]) == pytest.approx(s["agents"][r["agent"]]["win_ci_high"])
    assert "wrote 6 CSV files" in err


def test_parquet_export_reads_back_the_same_values(real_db, tmp_path, capsys):
    import pyarrow.parquet as pq

    code, _, _ = run_cli(capsys, "report", str(real_db), "--parquet", str(tmp_path / "pq"))
    assert code == 0
    table = pq.read_table(tmp_path / "pq" / "agents.parquet").to_pylist()
    s = summarise(real_db)
    assert {r["agent"]: r["mean_score"] for r in table} == pytest.approx({a: v["mean_score"] for a, v in s["agents"].items()})


def test_parquet_without_pyarrow_says_so_in_one_line_and_still_reports(real_db, tmp_path):
    probe = (
        "import sys; sys.modules['pyarrow'] = None\n"  # as if pyarrow were not installed
        "from game.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    r = subprocess.run([sys.executable, "-c", probe, "report", str(real_db), "--parquet", str(tmp_path / "pq")], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert r.returncode == 0
    assert "Agents" in r.stdout
    assert r.stderr.strip().count("\n") == 0 and "pyarrow" in r.stderr
    assert not (tmp_path / "pq").exists()


def test_report_reads_a_file_while_a_writer_holds_an_open_transaction(tmp_path, capsys):
    game = [("x", "hyperscaler", "A", 2.0, 1, False), ("y", "neocloud", "B", 1.0, 2, False)]
    path = tmp_path / "live.sqlite"
    writer = results_fixture.create(path, {"scenario": "tutorial", "overrides": [], "games": 10, "from_save": None})
    results_fixture.add_games(writer, [(0, 1, game), (1, 2, game)])
    writer.execute("BEGIN IMMEDIATE")  # the tournament is in the middle of a batch
    writer.execute("INSERT INTO games VALUES (2, 3, 'ok', 8, '{}', NULL)")
    code, out, err = run_cli(capsys, "report", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["games"]["finished"] == 2  # the uncommitted batch is not seen
    writer.execute("INSERT INTO results VALUES (2, 'x', 0, 'A', 'h', 1.0, 1, 0, 1.0), (2, 'y', 1, 'B', 'h', 0.0, 2, 1, 0.0)")
    writer.execute("COMMIT")  # the report never blocked the writer
    assert (tmp_path / "live.sqlite-wal").exists()  # and left the running tournament's WAL alone
    code, out, _ = run_cli(capsys, "report", str(path), "--json")
    assert json.loads(out)["games"]["finished"] == 3
    assert json.loads(out)["agents"]["B"]["bankruptcy_rate"] == pytest.approx(1 / 3)
    writer.close()


def test_report_does_not_write_to_the_results_file(tmp_path, capsys):
    game = [("x", "hyperscaler", "A", 2.0, 1, False), ("y", "neocloud", "B", 1.0, 2, False)]
    path = results_fixture.write(tmp_path / "done.sqlite", [(0, 1, game)])
    before = path.read_bytes()
    assert run_cli(capsys, "report", str(path))[0] == 0
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["done.sqlite"]  # no -wal/-shm left behind


def test_an_empty_results_file_reports_no_games_yet(tmp_path, capsys):
    results_fixture.create(tmp_path / "new.sqlite", {"scenario": "tutorial", "overrides": [], "games": 5, "from_save": None}).close()
    code, out, _ = run_cli(capsys, "report", str(tmp_path / "new.sqlite"))
    assert code == 0
    assert "0 games finished, 0 errors of 5 planned" in out
    assert "(none yet)" in out


def _not_results(tmp_path: Path) -> dict[str, Path]:
    text = tmp_path / "notes.sqlite"
    text.write_text("hello, I am not a database\n" * 20)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE games(id INTEGER)")
    con.commit()
    con.close()
    bad_config = results_fixture.write(tmp_path / "badconfig.sqlite", [])
    con = sqlite3.connect(bad_config)
    con.execute("UPDATE meta SET value = '[1, 2' WHERE key = 'config'")
    con.commit()
    con.close()
    malformed = results_fixture.write(tmp_path / "malformed.sqlite", [(0, 1, [("x", "h", "A", 1.0, 1, False), ("y", "h", "B", 0.5, 2, False)])])
    con = sqlite3.connect(malformed)
    con.execute("UPDATE results SET score = 'lots' WHERE company = 'y'")
    con.commit()
    con.close()
    return {"malformed": malformed, "missing": tmp_path / "nope.sqlite", "directory": tmp_path, "text": text, "other": other, "bad config": bad_config}


@pytest.mark.parametrize("case, message", [
    ("missing", "no such file"),
    ("directory", "is a directory"),
    ("text", "not a Gridlock results database"),
    ("other", "not a Gridlock results database"),
    ("bad config", "meta `config` is not JSON"),
    ("malformed", "results row for game 0, company 'y' is malformed"),
])
def test_a_path_that_is_not_a_results_file_gets_one_line_and_exit_2(tmp_path, capsys, case, message):
    path = _not_results(tmp_path)[case]
    code, out, err = run_cli(capsys, "report", str(path))
    assert code == 2
    assert message in err
    assert err.startswith("gridlock: ") and err.count("\n") == 1 and "Traceback" not in err


def test_statistics_modules_import_without_rich():
    assert ui_modules_after_importing("game.tournament.stats", "game.tournament.report") == []

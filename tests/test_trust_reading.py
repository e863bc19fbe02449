"""Files are read only if they are regular files, of bounded size and nesting, and every refusal is
one clear line with exit 2: /dev/zero, a symlink to it, a FIFO, a sparse giant, JSON or TOML
nested thousands deep. A killed save's temporary files are removed by the next save."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest

from game.engine import Game
from game.saves import save_game

from trust_helpers import gridlock


def refused(r, *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr[-2000:])
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


@pytest.fixture
def odd_files(tmp_path: Path) -> Path:
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.json")
    os.mkfifo(tmp_path / "fifo.toml")
    with open(tmp_path / "giant.json", "wb") as f:  # sparse: no disk used
        f.truncate(300 << 20)
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "deep.toml").write_text("x = " + "[" * 700 + "]" * 700 + "\n")
    (tmp_path / "deeptable.toml").write_text("x = " + "{a = " * 700 + "1" + "}" * 700 + "\n")
    return tmp_path


@pytest.mark.parametrize(
    "name, words",
    [
        ("/dev/zero", ["not a regular file"]),
        ("zero.json", ["not a regular file"]),
        ("fifo.json", ["a pipe, not a regular file"]),
        ("giant.json", ["314,572,800 bytes, more than"]),
        ("deep.json", ["nests more than 100 deep"]),
        (".", ["a directory"]),
    ],
)
def test_a_save_that_is_no_regular_file_of_sane_size_is_refused(odd_files, name, words):
    r = gridlock("run", "--load", name, cwd=odd_files, timeout=120)
    refused(r, *words)


@pytest.mark.parametrize(
    "name, words",
    [
        ("zero.toml", ["not a regular file"]),
        ("fifo.toml", ["a pipe, not a regular file"]),
        ("deep.toml", ["nest more than 100 deep"]),
        ("deeptable.toml", ["nest more than 100 deep"]),
    ],
)
def test_a_scenario_that_is_no_regular_file_of_sane_nesting_is_refused(odd_files, name, words):
    r = gridlock("run", "--scenario", name, cwd=odd_files, timeout=120)
    refused(r, *words)


@pytest.mark.parametrize("parent", ["/dev/zero", "fifo.toml", "zero.toml"])
def test_a_scenario_extending_a_device_or_a_pipe_is_refused(odd_files, parent):
    (odd_files / "child.toml").write_text(f"extends = {json.dumps(parent)}\n")
    refused(gridlock("scenario", "check", "child.toml", cwd=odd_files, timeout=120), "not a regular file")


def test_the_next_save_removes_the_temporary_files_killed_saves_left(tmp_path, tutorial):
    game = Game(tutorial, 1)
    target = tmp_path / "g.json"
    for i in range(3):  # what a save killed before its rename leaves
        (tmp_path / f".g.json.dead{i}.tmp").write_text("{half a save")
    (tmp_path / ".other.json.x.tmp").write_text("another save's: not ours to touch")
    live = tmp_path / ".g.json.live.tmp"  # one a running save is writing now: locked
    live.write_text("")
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        save_game(game, target)
        left = sorted(p.name for p in tmp_path.iterdir())
    finally:
        os.close(fd)
    assert left == [".g.json.live.tmp", ".other.json.x.tmp", "g.json"]

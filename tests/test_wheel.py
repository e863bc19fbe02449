"""Installs like any Python application: a wheel, a fresh venv, another folder, and it plays."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PILOT = textwrap.dedent(
    """
    import asyncio
    from game.tui.app import GridlockApp
    from game.tui.screens.game import GameScreen
    from game.tui.screens.help import HelpScreen

    async def main():
        app = GridlockApp(seed=3)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter")
            for _ in range(200):
                if isinstance(app.screen, GameScreen):
                    break
                await pilot.pause(0.02)
            assert isinstance(app.screen, GameScreen), type(app.screen).__name__
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            print("PLAYED", app.frame is None or app.frame.view.scenario.game.name)

    asyncio.run(main())
    """
)


# the environment of every command here, less PYTHONPATH: a checkout on it (as when the suite is
# run with PYTHONPATH=.) would reach pip's re-run under the venv's python and the game itself,
# so the test would no longer be of the installed wheel alone
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project built as a wheel and installed, without its dependencies, into a fresh venv
    whose only view of the test environment is a .pth line for those dependencies."""
    tmp = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=300, env=ENV,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    wheel = next((tmp / "dist").glob("gridlock-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120, env=ENV)
    py = venv / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True, env=ENV).stdout.strip()
    Path(purelib, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    inst = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
        capture_output=True, text=True, timeout=300, env=ENV,
    )
    assert inst.returncode == 0, inst.stdout + inst.stderr
    return venv


def run(venv: Path, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=300, env={**ENV, **(env or {})})


def test_the_installed_game_is_the_wheels_not_the_checkouts(installed, tmp_path):
    r = run(installed, str(installed / "bin" / "python"), "-c", "import game; print(game.__file__)", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert str(installed) in r.stdout and str(ROOT) not in r.stdout


def test_from_another_folder_the_wheel_lists_and_plays_the_shipped_scenarios(installed, tmp_path):
    gridlock = str(installed / "bin" / "gridlock")
    listed = run(installed, gridlock, "scenario", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    for name in ("baseline", "tutorial"):
        assert name in listed.stdout
    played = run(installed, gridlock, "run", "--scenario", "tutorial", "--seed", "1", "--json", cwd=tmp_path)
    assert played.returncode == 0, played.stderr
    assert json.loads(played.stdout)["quarters_played"] == 8


def test_the_wheel_opens_the_terminal_ui_with_its_styles_and_rules(installed, tmp_path):
    r = run(installed, str(installed / "bin" / "python"), "-c", PILOT, cwd=tmp_path, env={"GRIDLOCK_SAVES": str(tmp_path / "saves")})
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert "PLAYED" in r.stdout

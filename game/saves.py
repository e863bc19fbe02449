"""Save, load and replay: versioned JSON, written atomically, verified by replaying its order log."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

from . import RULES_VERSION, __version__
from .engine import Game
from .model.orders import ORDER_TYPES, order_to_dict
from .scenario import Scenario, ScenarioError, scenario_from_dict, scenario_to_dict
from .scenario.load import CONVERTER

FORMAT = "gridlock-save"
# 2: randomness by (quarter, purpose); a version-1 save's games played different draws
# 3: a release shift moves a generation's release quarter for good (kept in the world state)
SAVE_VERSION = 3


class SaveError(Exception):
    """A save file that cannot be used, with one sentence saying why."""


def _order_json(x: Any) -> Any:
    """An order as it was given, in JSON form; anything unserialisable is kept as a marker that
    the engine rejects again on replay, exactly as it did the first time."""
    if type(x) in ORDER_TYPES.values():
        x = order_to_dict(x)
    try:
        json.dumps(x, allow_nan=False)
        return x
    except (TypeError, ValueError):
        return {"type": "<unserialisable>", "repr": repr(x)[:200]}


def _order_set_json(orders: Any) -> Any:
    """A list stays a list; anything else (which the engine rejected whole) stays what it was."""
    if isinstance(orders, (list, tuple)):
        return [_order_json(x) for x in orders]
    return _order_json(orders)


def snapshot(game: Game) -> dict:
    w = CONVERTER.unstructure(game.core.world)
    w["draw_seed"] = game.core.randomness.seed
    return _jsonable(w)


def _jsonable(x: Any) -> Any:
    """Round-trip through JSON so a snapshot compares equal to one read from disk."""
    return json.loads(json.dumps(x, allow_nan=True))


def _digest(body: Mapping[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def save_dict(game: Game, seats: Mapping[str, str] | None = None) -> dict:
    body = {
        "format": FORMAT,
        "version": SAVE_VERSION,
        "rules_version": RULES_VERSION,
        "engine_version": __version__,
        "scenario": scenario_to_dict(game.spec),
        "scenario_source": game.spec.source,
        "seed": game.seed,
        "quarter": game.quarter,
        "seats": dict(seats or {}),
        "orders": [{cid: _order_set_json(os_) for cid, os_ in q.items()} for q in game.order_log],
        "state": snapshot(game),
    }
    body = _jsonable(body)
    return {**body, "checksum": _digest(body)}


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside the target, flush it to disk, then rename over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def save_game(game: Game, path: str | Path, seats: Mapping[str, str] | None = None) -> Path:
    path = Path(path)
    write_atomic(path, json.dumps(save_dict(game, seats), indent=1, allow_nan=True))
    return path


def replay(spec: Scenario, seed: int, orders: list[dict], agents: Mapping[str, Any] | None = None) -> Game:
    """Rebuild a game from its order log. Agents given here are shown each view as it happens,
    so stateful agents continue exactly as if the game had never stopped."""
    game = Game(spec, seed)
    for q in orders:
        if game.finished:
            raise SaveError("the order log is longer than the game")
        if agents:
            for cid, agent in agents.items():
                if game.alive(cid):
                    agent.decide(game.view(cid))
        game.step(q)
    return game


def read_save(path: str | Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SaveError(f"{path}: no such save file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SaveError(f"{path}: cannot read it ({e})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SaveError(f"{path}: not a Gridlock save: the JSON is broken at line {e.lineno} (truncated or corrupt?)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SaveError(f"{path}: not a Gridlock save file")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SaveError(f"{path}: the save has no valid version number")
    if version > SAVE_VERSION:
        raise SaveError(f"{path}: saved by a newer Gridlock (save format {version}; this is {__version__}, format {SAVE_VERSION}); upgrade to load it")
    if version < 1:
        raise SaveError(f"{path}: unknown save format {version}")
    if version < SAVE_VERSION:
        raise SaveError(
            f"{path}: saved by an older Gridlock (save format {version}, this is format {SAVE_VERSION}); "
            "its game was played by older rules, so it cannot be replayed: start a new game"
        )
    body = {k: v for k, v in data.items() if k != "checksum"}
    if data.get("checksum") != _digest(body):
        raise SaveError(f"{path}: the save was modified or is corrupt (its checksum does not match)")
    return data


def load_game(path: str | Path, agents: Mapping[str, Any] | None = None) -> tuple[Game, dict]:
    """The saved game, replayed from its log and checked against its snapshot; and the save's data."""
    data = read_save(path)
    try:
        spec = scenario_from_dict(data["scenario"], source=str(data.get("scenario_source") or path))
    except ScenarioError as e:
        raise SaveError(f"{path}: its scenario is invalid: {e.problems[0]}") from None
    except (KeyError, TypeError) as e:
        raise SaveError(f"{path}: the save lacks its scenario ({e})") from None
    seed, orders = data.get("seed"), data.get("orders")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0 or not isinstance(orders, list) or not all(isinstance(q, dict) for q in orders):
        raise SaveError(f"{path}: the save's seed or order log is malformed")
    try:
        game = replay(spec, seed, orders, agents)
    except SaveError as e:
        raise SaveError(f"{path}: {e}") from None
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as e:
        raise SaveError(f"{path}: the order log does not replay ({type(e).__name__}: {e})") from None
    if snapshot(game) != data.get("state"):
        raise SaveError(f"{path}: the order log does not replay to the saved state (saved by an incompatible engine?)")
    return game, data

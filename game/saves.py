"""Save, load and replay: versioned JSON, written atomically, verified by replaying its order log."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Mapping

import attrs

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from . import RULES_VERSION, __version__
from .engine import Game
from .model.orders import ORDER_TYPES, UNSAVEABLE, describe, order_from_dict, order_to_dict, parse_order, shown_order
from .scenario import Scenario, ScenarioError, scenario_from_dict, scenario_to_dict
from .scenario.load import CONVERTER, MAX_NESTING, FileRefused, read_text_bounded, too_deep

FORMAT = "gridlock-save"
# 2: randomness by (quarter, purpose); a version-1 save's games played different draws
# 3: a release shift moves a generation's release quarter for good (kept in the world state)
SAVE_VERSION = 3


SAVE_MAX_BYTES = 256 << 20  # a 40-quarter baseline game saves to a few MB; far more is not a save


class SaveError(Exception):
    """A save file that cannot be used, with one sentence saying why."""


# A typed order whose JSON form would not read back as the same order (a NaN, a string for a
# number) is saved as {"type": TYPED, "kind": ..., "fields": {...}} and replayed as that typed
# order, so the engine judges it, and words its rejection, exactly as the first time.
TYPED = "<typed>"


def _order_json(x: Any, reasons: Mapping[str, str]) -> Any:
    """An order in JSON form that replays to the same judgement: as the engine read it (numbers
    plain); if the engine could not read it, as given when JSON holds it exactly, else as a
    marker that keeps what was given and the reason it was refused. `reasons`: the quarter's
    rejections of this company, by the order as shown, for a typed order JSON cannot hold."""
    try:
        order = parse_order(x)
    except ValueError as e:
        if _exact_json(x) and not (isinstance(x, dict) and type(x.get("type")) is str and x["type"] == TYPED):
            return x
        return {"type": UNSAVEABLE, "repr": shown_order(x), "reason": str(e)}
    d = order_to_dict(order)
    if type(x) is dict:
        return d
    try:
        same = _same_shape(order_to_dict(order_from_dict(json.loads(json.dumps(d, allow_nan=True)))), d)
    except (TypeError, ValueError, RecursionError):
        same = False
    if same:
        return d
    fields = {k: v for k, v in d.items() if k != "type"}
    if _exact_json(fields, allow_nan=True):
        return {"type": TYPED, "kind": order.kind, "fields": fields}
    # a typed order holding bytes, an array, an object...: always refused; keep the reason it got
    shown = describe(order)
    return {"type": UNSAVEABLE, "repr": shown, "reason": reasons.get(shown, "the order could not be saved as given")}


def _exact_json(x: Any, allow_nan: bool = False) -> bool:
    """Does JSON hold x exactly (no tuple turned list, no key turned string, no NaN unless allowed)?"""
    try:
        back = json.loads(json.dumps(x, allow_nan=allow_nan))
    except (TypeError, ValueError, RecursionError):
        return False
    return _same_shape(back, x)


def _same_shape(a: Any, b: Any) -> bool:
    """Equal, counting NaN equal to NaN."""
    if type(a) is not type(b):  # (a numpy float is a float, but not one JSON gives back)
        return False
    if type(a) is float:
        return a == b or (a != a and b != b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_shape(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_shape(p, q) for p, q in zip(a, b))
    return a == b


def _order_from_log(x: Any) -> Any:
    """A saved order as the engine is given it again: a TYPED record becomes its typed order."""
    if type(x) is dict and type(x.get("type")) is str and x["type"] == TYPED:
        cls, fields = ORDER_TYPES.get(x.get("kind")), x.get("fields")
        if cls is not None and isinstance(fields, dict) and set(fields) == {a.name for a in attrs.fields(cls)}:
            return cls(**fields)
    return x


def _order_set_json(orders: Any, rejected: list[dict]) -> Any:
    """A list stays a list; anything else (which the engine rejected whole) stays what it was."""
    reasons = {r.get("order"): r.get("reason") for r in reversed(rejected)}  # the first of equal ones wins
    if isinstance(orders, (list, tuple)):
        return [_order_json(x, reasons) for x in orders]
    if _exact_json(orders) and not isinstance(orders, dict):
        return orders
    # refused whole whatever it holds: kept as shown, so it is refused and shown the same again
    return {"type": UNSAVEABLE, "repr": shown_order(orders), "reason": "an order set must be a list of orders"}


def _rejected(game: Game, quarter: int, cid: str) -> list[dict]:
    reports = game.private_reports[quarter] if quarter < len(game.private_reports) else {}
    return reports[cid].rejected if cid in reports else []


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
        "orders": [{cid: _order_set_json(os_, _rejected(game, i, cid)) for cid, os_ in q.items()} for i, q in enumerate(game.order_log)],
        "state": snapshot(game),
    }
    body = _jsonable(body)
    return {**body, "checksum": _digest(body)}


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside the target, flush it to disk, then rename over it.
    The temporary file is locked while it is written, so the next save can tell one a killed
    save left behind (unlocked) from one being written now, and removes the leftovers."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held until the file is closed, or its writer dies
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
            os.replace(tmp, path)  # while still locked: no one may take it for a leftover
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _remove_stale_temporaries(path: Path) -> None:
    """Remove `.NAME.*.tmp` files beside the save that no living writer holds."""
    if fcntl is None:  # pragma: no cover - no advisory locks (Windows): leftovers stay
        return
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # being written now
            tmp.unlink(missing_ok=True)
        finally:
            os.close(fd)


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
        game.step({cid: [_order_from_log(x) for x in os_] if isinstance(os_, list) else os_ for cid, os_ in q.items()})
    return game


def read_save(path: str | Path) -> dict:
    path = Path(path)
    try:
        text = read_text_bounded(path, SAVE_MAX_BYTES)
    except FileNotFoundError:
        raise SaveError(f"{path}: no such save file") from None
    except FileRefused as e:
        raise SaveError(f"{path}: cannot read it: it {e}") from None
    except UnicodeDecodeError as e:
        raise SaveError(f"{path}: cannot read it: not UTF-8 text ({e.reason} at byte {e.start}); not a Gridlock save") from None
    except OSError as e:
        raise SaveError(f"{path}: cannot read it ({e.strerror or e})") from None
    if too_deep(text):
        raise SaveError(f"{path}: not a Gridlock save: its JSON nests more than {MAX_NESTING} deep")
    try:
        data = json.loads(text)
    except RecursionError:  # pragma: no cover - too_deep stops this first
        raise SaveError(f"{path}: not a Gridlock save: its JSON nests too deeply") from None
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


def scenario_drift(spec: Scenario) -> str | None:
    """If the scenario a save carries is named after a shipped scenario but differs from it, one
    sentence saying where; None if it is the same or not a shipped one. A save's checksum catches
    accidents, not intent: a scenario edited in a save (checksum recomputed) plays silently otherwise."""
    from .scenario import available_scenarios, load_scenario

    name = Path(str(spec.source)).stem
    if name not in available_scenarios():
        return None
    try:
        shipped = scenario_to_dict(load_scenario(name))
    except ScenarioError:
        return None
    paths = list(_differences(scenario_to_dict(spec), shipped, ""))
    if not paths:
        return None
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return f"its scenario differs from the shipped {name!r} at {', '.join(paths[:3])}{more}; the game plays the save's own copy"


def _differences(a: Any, b: Any, at: str):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            yield from _differences(a.get(k), b.get(k), f"{at}.{k}" if at else str(k))
    elif a != b:
        yield at or "(top level)"

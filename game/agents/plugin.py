"""Plug-in agents: load a user's agent class from an importable module or a Python file."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

from .base import UnknownAgent, parse_parameters

# path/to/file.py[:Class][:key=value,…]
_FILE = re.compile(r"^(?P<path>.+?\.py)(?::(?P<cls>[A-Za-z_]\w*))?(?::(?P<params>.*))?$", re.S)
# package.module:Class[:key=value,…]
_MODULE = re.compile(r"^(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<cls>[A-Za-z_]\w*)(?::(?P<params>.*))?$", re.S)


def looks_like_plugin(spec: str) -> bool:
    return bool(_FILE.match(spec.strip()) or _MODULE.match(spec.strip()))


def load(spec: str) -> tuple[type, dict[str, str]]:
    """The agent class a plug-in spec names and the parameters it passes; UnknownAgent if it cannot."""
    text = spec.strip()
    m = _FILE.match(text)
    if m:
        module = _import_file(Path(m["path"]))
        where = m["path"]
    else:
        m = _MODULE.match(text)
        assert m is not None  # looks_like_plugin said so
        module = _import_module(m["module"])
        where = f"module {m['module']}"
    cls = _pick_class(module, m["cls"], where)
    return cls, parse_parameters(m["params"] or "", spec)


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise UnknownAgent(f"no plug-in agent file {str(path)!r} (from {os.getcwd()})")
    full = path.resolve()
    # one module per file, shared by every seat that names it
    stem = re.sub(r"\W", "_", full.stem)
    name = f"gridlock_plugin_{stem}_{hashlib.sha1(str(full).encode()).hexdigest()[:10]}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise UnknownAgent(f"cannot load {str(path)!r} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as e:  # noqa: BLE001  (a user's file may raise anything, even SystemExit)
        del sys.modules[name]
        if isinstance(e, KeyboardInterrupt):
            raise
        raise UnknownAgent(f"plug-in agent file {str(path)!r} failed to import: {type(e).__name__}: {e}") from None
    return module


def _import_module(dotted: str) -> ModuleType:
    try:
        return _try_import(dotted)
    except ModuleNotFoundError as e:
        if e.name and dotted != e.name and not dotted.startswith(e.name + "."):
            raise UnknownAgent(f"plug-in module {dotted!r} failed to import: it needs {e.name!r}, which is not installed") from None
        cwd = os.getcwd()
        if cwd not in sys.path:  # `gridlock` run as a script does not see the working directory
            sys.path.append(cwd)
            try:
                return _try_import(dotted)
            except ModuleNotFoundError:
                pass
        raise UnknownAgent(f"no module {dotted!r} (is it installed, or on PYTHONPATH?)") from None


def _try_import(dotted: str) -> ModuleType:
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError:
        raise
    except BaseException as e:  # noqa: BLE001
        if isinstance(e, KeyboardInterrupt):
            raise
        raise UnknownAgent(f"plug-in module {dotted!r} failed to import: {type(e).__name__}: {e}") from None


def _is_agent_class(obj: object) -> bool:
    return isinstance(obj, type) and callable(getattr(obj, "decide", None))


def _pick_class(module: ModuleType, name: str | None, where: str) -> type:
    if name is not None:
        obj = getattr(module, name, None)
        if obj is None:
            raise UnknownAgent(f"{where} has no {name!r}")
        if not _is_agent_class(obj):
            raise UnknownAgent(f"{where}: {name} is not an agent class (an agent is a class with a decide(view) method)")
        return obj
    # a file with exactly one agent class defined in it needs no class name
    own = [obj for obj in vars(module).values() if _is_agent_class(obj) and obj.__module__ == module.__name__]
    if len(own) == 1:
        return own[0]
    if not own:
        raise UnknownAgent(f"{where} defines no agent class (a class with a decide(view) method)")
    raise UnknownAgent(f"{where} defines several agent classes ({', '.join(sorted(c.__name__ for c in own))}); name one as {where}:Class")

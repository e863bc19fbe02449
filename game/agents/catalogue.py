"""The library as people read it: `gridlock agents` rows, the table, new plug-in files, and which
seats a file (a save or a scenario) may fill by itself."""

from __future__ import annotations

import inspect
import keyword
import math
import re
import shlex
import textwrap
from pathlib import Path

from ..scenario.load import shown

from .base import REGISTRY, AgentInfo, UnknownAgent
from .builder import Builder

TEMPLATE = Path(__file__).with_name("template.py")


def tuned(info: AgentInfo) -> dict[str, object]:
    """The parameters an agent sets itself: for a Builder, those that differ from Builder's."""
    shared = Builder.parameters() if isinstance(info.factory, type) and issubclass(info.factory, Builder) else {}
    return {k: v for k, v in info.parameters.items() if k not in shared or shared[k] != v}


def rows() -> list[dict]:
    return [
        {
            "name": info.name,
            "archetype": info.archetype,
            "stochastic": info.stochastic,
            "thesis": info.thesis,
            "parameters": dict(info.parameters),
            "tuned": tuned(info),
            "ranges": {k: [lo, hi if math.isfinite(hi) else None] for k, (lo, hi) in info.ranges.items()},  # None: no upper limit
            "description": inspect.cleandoc(info.factory.__doc__ or ""),
        }
        for _, info in sorted(REGISTRY.items())
    ]


def _params(params: dict[str, object]) -> str:
    return ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in params.items()) or "(none)"


def table(archetype: str | None = None, full: bool = False, width: int = 110) -> str:
    """One line per agent (name, archetype, stochastic, thesis), its parameters indented below."""
    picked = [r for r in rows() if archetype is None or r["archetype"] in (archetype, "any")]
    out = [f"{'NAME':<18} {'ARCHETYPE':<12} {'RANDOM':<7} THESIS"]
    pad = " " * 19
    for r in picked:
        out.append(f"{r['name']:<18} {r['archetype']:<12} {'yes' if r['stochastic'] else 'no':<7} {r['thesis']}")
        label = "parameters" if full or r["parameters"] == r["tuned"] else "sets"
        text = _params(r["parameters"] if full else r["tuned"])
        out.extend(textwrap.wrap(f"{label}: {text}", width, initial_indent=pad, subsequent_indent=pad + "  "))
    if not full:
        out.append("")
        out.append(f"Agents built on the shared planner also take its parameters (defaults): {_params(Builder.parameters())}")
        out[-1:] = textwrap.wrap(out[-1], width)
        out.append("Per seat: --seat COMPANY=NAME:key=value,key=value   (--all lists every parameter of each agent)")
    return "\n".join(out)


def class_name(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-]+", name) if part)


def new_agent_file(name: str, directory: Path) -> tuple[Path, str]:
    """Write NAME.py, the documented template with its class renamed; never overwrite a file.
    Returns the path and the class name."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or keyword.iskeyword(name):
        raise ValueError(f"agent name {name!r} must be a Python identifier: letters, digits and _, starting with a letter")
    if not directory.is_dir():
        raise ValueError(f"no directory {str(directory)!r}")
    cls = class_name(name)
    if not cls.endswith("Agent"):
        cls += "Agent"
    text = TEMPLATE.read_text(encoding="utf-8").replace("TemplateAgent", cls).replace("NAME.py", f"{name}.py")
    text = text.replace('self.name = "template"', f'self.name = "{name}"')
    path = directory / f"{name}.py"
    try:
        with open(path, "x", encoding="utf-8") as f:  # "x": refuse to overwrite, even in a race
            f.write(text)
    except FileExistsError:
        raise ValueError(f"{path} already exists; not overwriting it (pick another name or --dir)") from None
    except OSError as e:
        raise ValueError(f"cannot write {path}: {e.strerror or e}") from None
    return path, cls


def built_in(spec: str) -> bool:
    """Does this seat spec name a built-in agent (with or without parameters), or a person?"""
    return spec == "human" or spec.partition(":")[0].strip() in REGISTRY


def check_file_seats(seats: dict[str, str], origin: str, trust: bool = False) -> None:
    """Only the command line may name code to run: a seat read from a file (a save, a scenario)
    may name a built-in agent, never a plug-in file or module or a bot process, unless the
    person said --trust-file-seats. UnknownAgent names the first such seat and how to fill it."""
    if trust:
        return
    for cid, spec in seats.items():
        if not built_in(spec):
            raise UnknownAgent(
                f"{origin} seats {cid} with {shown(spec)}, which is not a built-in agent, and a file may not name code to run: "
                f"seat it yourself with --seat {cid}={shlex.quote(spec)} (or trust this file's seats with --trust-file-seats)"
            )

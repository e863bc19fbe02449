"""TOML in, a validated immutable Scenario out, or every problem at once with file, table and key."""

from __future__ import annotations

import math
import os
import re
import reprlib
import stat
import sys
import typing
from contextlib import suppress
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import attrs
import cattrs
from cattrs import transform_error
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.v import format_exception

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .spec import REGION_MEASURES, Scenario

# A class's field types, read once: get_type_hints evaluates every string annotation afresh
# (this module's and spec's use `from __future__ import annotations`), and validation asks
# for the same classes a hundred times per scenario load.
type_hints = cache(typing.get_type_hints)


def _shipped_scenarios() -> Path:
    """game/scenarios: in a wheel a folder of copies, in a checkout a link to the repository's
    scenarios/ (where authors edit them); where a checkout has no links (some Windows set-ups)
    the repository's folder itself."""
    inside = Path(__file__).resolve().parents[1] / "scenarios"
    return inside if inside.is_dir() else Path(__file__).resolve().parents[2] / "scenarios"


SCENARIO_DIR = _shipped_scenarios()
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


class ScenarioError(Exception):
    """A scenario that cannot be used; `problems` lists every one found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def parse_quarter(label: str) -> tuple[int, int]:
    m = _QUARTER.match(label) if isinstance(label, str) else None
    if not m:
        raise ValueError(f"{shown(label)} is not a quarter like 2027Q3")
    return int(m.group(1)), int(m.group(2))


def quarter_offset(start: str, label: str) -> int:
    """Quarters from `start` to `label` (negative if before)."""
    y0, q0 = parse_quarter(start)
    y1, q1 = parse_quarter(label)
    return (y1 - y0) * 4 + (q1 - q0)


def quarter_label(start: str, index: int) -> str:
    y0, q0 = parse_quarter(start)
    n = y0 * 4 + (q0 - 1) + index
    return f"{n // 4}Q{n % 4 + 1}"


SHOWN_CHARS = 80  # a wrong value is quoted up to this long in an error message; the rest is cut


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A value as an error message quotes it: its repr, cut to `limit` characters (a wrong value
    may be megabytes long). Huge whole numbers are cut without converting them all to text."""
    if type(value) is int and value.bit_length() > 4 * limit:
        return f"a whole number of {value.bit_length():,} bits"
    try:
        text = _SHORT.repr(value)
    except Exception:  # a value whose repr fails (a huge int deep inside, a broken __repr__)
        return f"a {type(value).__name__} that cannot be shown"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _ShortRepr(reprlib.Repr):
    """Reprs of containers cut by count and depth, so a huge value is never turned into text whole."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxdict, self.maxlist, self.maxtuple, self.maxset, self.maxstring, self.maxother = 3, 6, 6, 6, 6, SHOWN_CHARS, SHOWN_CHARS

    def repr_int(self, x: int, level: int) -> str:
        return repr(x) if x.bit_length() <= 4 * SHOWN_CHARS else f"<a whole number of {x.bit_length():,} bits>"


_SHORT = _ShortRepr()


def _strict_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

    def s_float(v: Any, _t: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _StrictValue(f"expected a number, got {type(v).__name__} {shown(v)}")
        if not math.isfinite(v):
            raise _StrictValue(f"expected a finite number, got {shown(v)}")
        return float(v)

    def s_int(v: Any, _t: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise _StrictValue(f"expected a whole number, got {type(v).__name__} {shown(v)}")
        return v

    def s_str(v: Any, _t: Any) -> str:
        if not isinstance(v, str):
            raise _StrictValue(f"expected a string, got {type(v).__name__} {shown(v)}")
        return v

    def s_bool(v: Any, _t: Any) -> bool:
        if not isinstance(v, bool):
            raise _StrictValue(f"expected true or false, got {shown(v)}")
        return v

    conv.register_structure_hook(float, s_float)
    conv.register_structure_hook(int, s_int)
    conv.register_structure_hook(str, s_str)
    conv.register_structure_hook(bool, s_bool)
    return conv


CONVERTER = _strict_converter()


def resolve_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists() or "/" in str(name_or_path):
        return p
    return SCENARIO_DIR / f"{name_or_path}.toml"


def available_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


class FileRefused(Exception):
    """A file that is not read: not a regular file, too large, or nested too deeply; says which."""


SCENARIO_MAX_BYTES = 4 << 20  # the shipped baseline is 40 kB; a scenario a hundred times larger is no scenario
MAX_NESTING = 100  # arrays and tables within each other; the shipped files nest 6 deep, the parsers recurse


def read_text_bounded(path: Path, max_bytes: int) -> str:
    """A regular file's text, read only if it is one (not a FIFO, a device such as /dev/zero or a
    symlink to one, which would block or never end) and at most max_bytes long. Raises
    FileNotFoundError, OSError, UnicodeDecodeError or FileRefused."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO swapped in after a check must not block
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a pipe" if stat.S_ISFIFO(st.st_mode) else "a device or other special file"
            raise FileRefused(f"is {kind}, not a regular file; only regular files are read")
        if st.st_size > max_bytes:
            raise FileRefused(f"is {st.st_size:,} bytes, more than the {max_bytes:,} a file of this kind may be")
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > max_bytes:  # it grew while being read
                raise FileRefused(f"is more than the {max_bytes:,} bytes a file of this kind may be")
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8")


_JSON_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_TOML_NOISE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")


def too_deep(text: str, limit: int = MAX_NESTING, toml: bool = False) -> bool:
    """Do arrays and tables nest more than `limit` deep? Decided before parsing (the parsers
    recurse, so a file nested thousands deep would end in a RecursionError): strings and
    comments are dropped, then one innermost level of brackets is removed per pass."""
    brackets = _NOT_BRACKETS.sub("", (_TOML_NOISE if toml else _JSON_STRINGS).sub("", text))
    for _ in range(limit):
        if not brackets:
            return False
        brackets, n = _INNERMOST.subn("", brackets)
        if n == 0:
            return False  # unbalanced: the parser will say where
    return bool(brackets)


def _read_toml(path: Path) -> dict:
    try:
        text = read_text_bounded(path, SCENARIO_MAX_BYTES)
    except FileNotFoundError:
        known = ", ".join(available_scenarios())
        raise ScenarioError([f"{path}: no such scenario file (shipped scenarios: {known})"]) from None
    except FileRefused as e:
        raise ScenarioError([f"{path}: {e}"]) from None
    except UnicodeDecodeError as e:
        raise ScenarioError([f"{path}: cannot read: not UTF-8 text ({e.reason} at byte {e.start})"]) from None
    except OSError as e:
        raise ScenarioError([f"{path}: cannot read: {e.strerror or e}"]) from None
    if too_deep(text, toml=True):
        raise ScenarioError([f"{path}: arrays or tables nest more than {MAX_NESTING} deep; not a scenario"])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError([f"{path}: not valid TOML: {e}"]) from None
    except RecursionError:  # pragma: no cover - too_deep stops this first
        raise ScenarioError([f"{path}: nested too deeply to read"]) from None


def _merge(base: dict, over: dict) -> dict:
    """Tables merge key by key; any other value (arrays included) is replaced."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _load_raw(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, list[tuple[Path, dict]]]:
    """The merged raw tables and the (file, own tables) layers, child last."""
    if path.resolve() in chain:
        raise ScenarioError([f"{path}: `extends` forms a cycle: {' -> '.join(str(c) for c in chain + (path,))}"])
    raw = _read_toml(path)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, [(path, raw)]
    if not isinstance(parent, str):
        raise ScenarioError([f"{path}: key `extends` must name a scenario, got {shown(parent)}"])
    ppath = resolve_path(parent) if "/" in parent or parent.endswith(".toml") else SCENARIO_DIR / f"{parent}.toml"
    if not ppath.is_absolute() and not ppath.exists():
        ppath = path.parent / parent
    base, layers = _load_raw(ppath, chain + (path.resolve(),))
    return _merge(base, raw), layers + [(path, raw)]


def _origin(layers: list[tuple[Path, dict]], keys: list[str]) -> Path:
    """The last file whose own tables set this key path (or its nearest parent)."""
    for path, raw in reversed(layers):
        node: Any = raw
        ok = True
        for k in keys:
            if isinstance(node, dict) and k in node:
                node = node[k]
            elif isinstance(node, list) and k.isdigit() and int(k) < len(node):
                node = node[int(k)]
            else:
                ok = False
                break
        if ok:
            return path
    for n in range(len(keys) - 1, 0, -1):
        for path, raw in reversed(layers):
            node = raw
            try:
                for k in keys[:n]:
                    node = node[int(k)] if isinstance(node, list) else node[k]
                return path
            except (KeyError, IndexError, ValueError, TypeError):
                continue
    return layers[-1][0]


def _where(layers, keys: list[str]) -> str:
    table = ".".join(k[:SHOWN_CHARS] for k in keys[:-1]) if len(keys) > 1 else "(top level)"
    key = keys[-1][:SHOWN_CHARS] if keys else ""
    return f"{_origin(layers, keys)}: [{table}] key `{key}`"


_PATH_PART = re.compile(r"\.([A-Za-z_][\w-]*)|\['([^']*)'\]|\[(\d+)\]")


def _split_cattrs_path(msg: str) -> tuple[str, list[str]]:
    text, _, path = msg.rpartition(" @ ")
    keys = [a or b or c for a, b, c in _PATH_PART.findall(path)]
    return text, keys


class _StrictValue(ValueError):
    """Raised by our structure hooks; its message is already written for people."""


_EXTRA = "\x00extra\x00"


def _format(exc: BaseException, t: Any) -> str:
    if isinstance(exc, _StrictValue):
        return str(exc)
    if isinstance(exc, ForbiddenExtraKeysError):
        return _EXTRA + "\x00".join(sorted(exc.extra_fields))  # one problem per key, below
    if isinstance(exc, KeyError):
        return "required key is missing"
    return format_exception(exc, t)


def _problems(exc: Exception, layers) -> list[str]:
    out = []
    for msg in transform_error(exc, format_exception=_format):
        text, keys = _split_cattrs_path(msg)
        if text.startswith(_EXTRA):
            for extra in text[len(_EXTRA):].split("\x00"):
                out.append(f"{_where(layers, keys + [extra])}: unknown key (not in the scenario schema; check the spelling)")
        else:
            out.append(f"{_where(layers, keys)}: {text}")
    return out


class _Checker:
    """Range, choice, quarter and reference checks over the raw tables, guided by the spec types."""

    def __init__(self, layers, root: dict):
        self.layers = layers
        self.root = root
        self.problems: list[str] = []

    def add(self, keys: list[str], msg: str) -> None:
        self.problems.append(f"{_where(self.layers, keys)}: {msg}")

    def walk(self, cls: type, raw: Any, keys: list[str]) -> None:
        if not isinstance(raw, dict):
            return
        hints = type_hints(cls)
        for f in attrs.fields(cls):
            if f.name not in raw:
                continue
            v = raw[f.name]
            k = keys + [f.name]
            m = f.metadata
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                lo, hi = m.get("min"), m.get("max")
                if lo is not None and v < lo or hi is not None and v > hi:
                    self.add(k, f"{shown(v)} is out of range [{lo}, {hi}]")
            if m.get("quarter") and isinstance(v, str):
                try:
                    parse_quarter(v)
                except ValueError as e:
                    self.add(k, str(e))
            if "choices" in m and isinstance(v, str) and v not in m["choices"]:
                self.add(k, f"{shown(v)} is not one of {', '.join(m['choices'])}")
            if "each_choice" in m and isinstance(v, list):
                for x in v:
                    if x not in m["each_choice"]:
                        self.add(k, f"{shown(x)} is not one of {', '.join(m['each_choice'])}")
            if "keys_choice" in m and isinstance(v, dict):
                for x in v:
                    if x not in m["keys_choice"]:
                        self.add(k + [x], f"unknown effect {shown(x)}; known: {', '.join(m['keys_choice'])}")
            if "ref" in m:
                table = self.root.get(m["ref"], {})
                refs = v if m.get("many") and isinstance(v, list) else [v]
                for x in refs:
                    if isinstance(x, str) and isinstance(table, dict) and x not in table:
                        self.add(k, f"{shown(x)} is not a key of [{m['ref']}]")
            if "keys_ref" in m and isinstance(v, dict):
                table = self.root.get(m["keys_ref"], {})
                for x, n in v.items():
                    if isinstance(table, dict) and x not in table:
                        self.add(k + [x], f"{shown(x)} is not a key of [{m['keys_ref']}]")
                    if isinstance(n, (int, float)) and not isinstance(n, bool) and n < m.get("values_min", 0):
                        self.add(k + [x], f"{n} must not be negative")
            self._descend(hints[f.name], v, k)

    def _descend(self, t: Any, v: Any, keys: list[str]) -> None:
        origin = typing.get_origin(t)
        args = typing.get_args(t)
        if attrs.has(t):
            self.walk(t, v, keys)
        elif origin is dict and len(args) == 2 and attrs.has(args[1]) and isinstance(v, dict):
            for name, sub in v.items():
                self.walk(args[1], sub, keys + [name])
        elif origin is tuple and args and attrs.has(args[0]) and isinstance(v, list):
            for i, sub in enumerate(v):
                self.walk(args[0], sub, keys + [str(i)])


def _cross_checks(s: Any, add) -> None:
    """Rules that span fields or tables. Each check runs on whatever parts of the file
    structured cleanly, so these problems are reported alongside type errors elsewhere."""
    g = s.game if s.game is not None else SimpleNamespace(start=None, quarters=None)
    with suppress(AttributeError, TypeError, KeyError):
        for rid, r in s.regions.items():
            if r.queue_wait_quarters_min > r.queue_wait_quarters_max:
                add(["regions", rid, "queue_wait_quarters_max"], "must be at least queue_wait_quarters_min")
    with suppress(AttributeError, TypeError, KeyError):
        if s.power.gas.lead_quarters_min > s.power.gas.lead_quarters_max:
            add(["power", "gas", "lead_quarters_max"], "must be at least lead_quarters_min")
    with suppress(AttributeError, TypeError, KeyError):
        if s.power.powered_sites.mw_min > s.power.powered_sites.mw_max:
            add(["power", "powered_sites", "mw_max"], "must be at least mw_min")
    with suppress(AttributeError, TypeError, KeyError):
        t = s.demand.training
        if t.contract_quarters_min > t.contract_quarters_max:
            add(["demand", "training", "contract_quarters_max"], "must be at least contract_quarters_min")
    with suppress(AttributeError, TypeError, KeyError):
        if not s.demand.segments:
            add(["demand", "segments"], "at least one inference segment is needed")
        else:
            total = sum(seg.share_of_inference for seg in s.demand.segments.values())
            if abs(total - 1.0) > 1e-6:
                add(["demand", "segments"], f"share_of_inference must sum to 1 (sums to {total:.4g})")
    with suppress(AttributeError, TypeError, KeyError):
        if sum(r.inference_demand_weight for r in s.regions.values()) <= 0:
            add(["regions"], "at least one region needs inference_demand_weight > 0")
    with suppress(AttributeError, TypeError, KeyError):
        if not s.regions:
            add(["regions"], "at least one region is needed")
    with suppress(AttributeError, TypeError, KeyError):
        if not 2 <= len(s.companies) <= 8:
            add(["companies"], f"a game needs 2 to 8 companies, found {len(s.companies)}")
    with suppress(AttributeError, TypeError, KeyError):
        for need in ("air", "liquid", "immersion"):
            if need not in s.cooling:
                add(["cooling", need], f"cooling kind {need!r} must be defined")
    with suppress(AttributeError, TypeError, KeyError):
        for a in ("hyperscaler", "neocloud"):
            if a not in s.archetypes:
                add(["archetypes", a], f"archetype {a!r} must be defined")
    with suppress(AttributeError, TypeError, KeyError):
        asic = s.generations.get(s.asic.generation)
        if asic is not None and s.vendors.get(asic.vendor) is not None and not s.vendors[asic.vendor].custom:
            add(["asic", "generation"], f"{s.asic.generation!r} must belong to a vendor with custom = true")
    with suppress(AttributeError, TypeError, KeyError):
        for gid, gen in s.generations.items():
            try:
                if quarter_offset(gen.release, gen.end) < 0:
                    add(["generations", gid, "end"], "ends before its release")
            except ValueError:
                pass
    with suppress(AttributeError, TypeError, KeyError):
        for cid, c in s.companies.items():
            for i, site in enumerate(c.sites):
                cooling = s.cooling.get(site.cooling)
                used_kw = 0.0
                for gid, n in site.chips.items():
                    gen = s.generations.get(gid)
                    if gen is None:
                        continue
                    used_kw += gen.power_kw * n
                    if gen.liquid_only and cooling is not None and not cooling.hosts_liquid_only:
                        add(["companies", cid, "sites", str(i), "chips", gid], f"{gid} needs liquid cooling; the site is {site.cooling}")
                if cooling is not None and site.region in s.regions:
                    pue = cooling.pue + (0.0 if cooling.hosts_liquid_only else s.regions[site.region].climate_air_pue_add)
                    if used_kw * pue > site.mw * 1000 + 1e-6:
                        add(["companies", cid, "sites", str(i), "chips"], f"chips draw {used_kw / 1000:.1f} MW of IT load, {used_kw * pue / 1000:.1f} MW at the meter with PUE {pue:.2f}: more than the site's {site.mw} MW")
            for i, q in enumerate(c.queue_positions):
                try:
                    if quarter_offset(g.start, q.energise) < 0:
                        add(["companies", cid, "queue_positions", str(i), "energise"], "is before the game starts")
                except ValueError:
                    pass
            if c.cash_musd - c.debt_musd <= 0 and not c.sites:
                add(["companies", cid, "cash_musd"], "starting equity must be positive")
    with suppress(AttributeError, TypeError, KeyError):
        for eid, ev in s.events.items():
            scope_table = {"region": s.regions, "vendor": s.vendors, "generation": s.generations}.get(ev.scope)
            for tg in ev.targets:
                if scope_table is None:
                    add(["events", eid, "targets"], f"a {ev.scope} event takes no targets")
                elif tg not in scope_table:
                    add(["events", eid, "targets"], f"{shown(tg)} is not a {ev.scope}")
    with suppress(AttributeError, TypeError, KeyError):
        for i, inj in enumerate(s.injects):
            ev = s.events.get(inj.event)
            try:
                off = quarter_offset(g.start, inj.quarter)
                if not 0 <= off < g.quarters:
                    add(["injects", str(i), "quarter"], f"{inj.quarter} is outside the game")
            except ValueError:
                pass
            if ev is not None:
                scope_table = {"region": s.regions, "vendor": s.vendors, "generation": s.generations}.get(ev.scope)
                if scope_table is not None and inj.target and inj.target not in scope_table:
                    add(["injects", str(i), "target"], f"{shown(inj.target)} is not a {ev.scope}")

    with suppress(AttributeError, TypeError):
        for tid, t in (s.targets or {}).items():
            if isinstance(t, _Broken):
                continue
            if t.low > t.high:
                add(["targets", tid, "low"], f"the band is empty: low {t.low} is above high {t.high}")
            if not t.source.strip():
                add(["targets", tid, "source"], "say where the band comes from")
            if t.measure in REGION_MEASURES and t.region not in (s.regions or {}):
                add(["targets", tid, "region"], f"measure {t.measure} needs `region`, one of {', '.join(s.regions or {})}")
            elif t.region and t.measure not in REGION_MEASURES:
                add(["targets", tid, "region"], f"measure {t.measure} takes no region")
            if t.against and not _scenario_exists(t.against):
                add(["targets", tid, "against"], f"no scenario {t.against!r} to compare with (shipped: {', '.join(available_scenarios())})")


def _scenario_exists(name: str) -> bool:
    try:
        return resolve_path(name).is_file()
    except (OSError, ValueError):
        return False


class _Broken:
    """An entry that failed to structure: it exists, but nothing can be read from it."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def _partial(merged: dict) -> SimpleNamespace:
    """The scenario's tables structured one by one (entry by entry for keyed tables), with
    None wherever a part is broken, so cross-table checks can still look at the rest."""
    hints = type_hints(Scenario)
    parts: dict[str, Any] = {}
    for f in attrs.fields(Scenario):
        raw, t = merged.get(f.name), hints[f.name]
        try:
            if typing.get_origin(t) is dict and isinstance(raw, dict):
                inner = typing.get_args(t)[1]
                entries = {}
                for k, v in raw.items():
                    try:
                        entries[k] = CONVERTER.structure(v, inner)
                    except Exception:
                        entries[k] = _Broken()  # still a key others may refer to
                parts[f.name] = entries
            else:
                parts[f.name] = CONVERTER.structure(raw, t)
        except Exception:
            parts[f.name] = None
    return SimpleNamespace(**parts)


def _validate(merged: dict, layers: list[tuple[Path, dict]], source: str) -> Scenario:
    problems: list[str] = []
    checker = _Checker(layers, merged)
    checker.walk(Scenario, merged, [])
    scenario = None
    try:
        scenario = CONVERTER.structure(merged, Scenario)
    except Exception as e:  # cattrs collects every structuring failure in one group
        problems.extend(_problems(e, layers))
    problems.extend(checker.problems)
    _cross_checks(scenario if scenario is not None else _partial(merged), lambda keys, msg: problems.append(f"{_where(layers, keys)}: {msg}"))
    if problems:
        # one line per problem, stable order, no duplicates
        raise ScenarioError(list(dict.fromkeys(problems)))
    return attrs.evolve(scenario, source=source)


def parse_override(text: str) -> tuple[list[str], Any]:
    """'regions.ercot.queue_wait_quarters_max=8' -> (['regions', 'ercot', 'queue_wait_quarters_max'], 8).

    The value is read as a TOML value (8, 0.5, true, "text", [1, 2]); anything that is not
    valid TOML is taken as a bare string, so `--set game.name=Crunch` works unquoted."""
    key, sep, value = text.partition("=")
    keys = key.strip().split(".")
    if not sep or not all(k.strip() for k in keys):
        raise ScenarioError([f"--set {text!r}: expected DOTTED.KEY=VALUE, e.g. regions.ercot.queue_wait_quarters_max=8"])
    try:
        parsed: Any = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return [k.strip() for k in keys], parsed


def override_layer(raw: dict, overrides: typing.Sequence[str]) -> dict:
    """The `--set KEY=VALUE` overrides as one table tree (later wins), to merge over `raw`.

    Every table on the way must exist in `raw`, so a typo in a region or company id is named
    at once; the last key may be new (validation then says whether the schema knows it)."""
    layer: dict = {}
    for text in overrides:
        keys, value = parse_override(text)
        node, have = layer, raw
        for i, k in enumerate(keys[:-1]):
            have = have.get(k) if isinstance(have, dict) else None
            if not isinstance(have, dict):
                raise ScenarioError([f"--set {text!r}: the scenario has no table [{'.'.join(keys[: i + 1])}]"])
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return layer


def load_scenario(name_or_path: str | Path, overrides: typing.Sequence[str] = ()) -> Scenario:
    """Load, merge `extends`, apply `--set` overrides, validate everything, and return the
    spec or raise ScenarioError."""
    path = resolve_path(name_or_path)
    merged, layers = _load_raw(path)
    # a scenario's [targets] are what that file claims; a child that changes the world
    # declares its own, so the parent's are not inherited
    own = layers[-1][1].get("targets")
    merged.pop("targets", None)
    if own is not None:
        merged["targets"] = own
    if overrides:
        layer = override_layer(merged, overrides)
        merged = _merge(merged, layer)
        layers = layers + [(Path("--set"), layer)]  # so problems name `--set` as their origin
    return _validate(merged, layers, str(path))


def scenario_to_dict(s: Scenario) -> dict:
    d = CONVERTER.unstructure(s)
    d.pop("source", None)
    return d


def scenario_from_dict(d: Any, source: str = "<save>") -> Scenario:
    """Rebuild a scenario embedded in a save, with the same checks as a file."""
    if not isinstance(d, dict):
        raise ScenarioError([f"{source}: the scenario must be a table"])
    return _validate(d, [(Path(source), d)], source)

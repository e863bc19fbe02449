"""External agents in any language: a child process that speaks JSON lines (docs/bot-protocol.md)."""

from __future__ import annotations

import json
import math
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any, Mapping

import attrs
import numpy as np
from attrs import frozen

from .. import RULES_VERSION
from ..model.view import CompanyView
from ..scenario import Scenario
from ..scenario.load import CONVERTER
from .base import UnknownAgent

PROTOCOL_VERSION = 1
PREFIX = "cmd:"
MAX_LINE_BYTES = 1 << 20  # the most a bot may write to stdout in one quarter; more is a flood
STDERR_LOG_MAX_BYTES = 10 << 20  # per seat; the rest of a chatty bot's stderr is read and dropped
EXIT_GRACE_S = 1.0  # after the result, how long a bot may take to exit before it is killed
DEFAULT_LOG_DIR = Path("bot-logs")
FAULT_KINDS = ("crash", "timeout", "garbage", "wrong_company", "wrong_quarter", "flood")
_RESTART_KINDS = ("crash", "timeout", "flood")  # the process is out of step: kill it, start afresh next quarter
_CHUNK = 1 << 16


@frozen
class Fault:
    """One quarter a bot lost: when, what kind (FAULT_KINDS) and what exactly happened."""

    quarter: str
    kind: str
    detail: str


class BotFault(Exception):
    """Raised from decide(): the quarter's orders are lost; the runner records it and plays on."""

    def __init__(self, fault: Fault):
        super().__init__(f"{fault.kind}: {fault.detail}")
        self.fault = fault


KEEPER = Path(__file__).with_name("keeper.py")
KEEPER_STOP_S = 5.0  # how long the keeper may take to kill the bot's processes before it is killed itself
# The only variables a bot's environment keeps (HOME and TMPDIR are set to its private directory):
# enough to find programs and speak the locale, nothing about the game or the person running it.
BOT_ENVIRONMENT = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_MESSAGES", "TZ", "SYSTEMROOT")


def bot_environment(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in BOT_ENVIRONMENT}
    env.setdefault("PATH", os.defpath)
    return {**env, "HOME": home, "TMPDIR": home}


def _kill_group(proc: subprocess.Popen, drain=None) -> None:
    """Stop the bot and everything it started, reap its keeper (no zombies), and close its
    pipes; `drain` gets a last look at the pipes first (to keep the end of its stderr).
    The keeper kills the bot's whole tree when told to stop (SIGTERM); if it does not exit in
    time it is killed with its own process group, a last resort that may leave the bot's tree."""
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=KEEPER_STOP_S)
    except subprocess.TimeoutExpired:  # pragma: no cover - a keeper that does not stop
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait(timeout=KEEPER_STOP_S)
    if drain is not None:
        drain(proc)
    for f in (proc.stdin, proc.stdout, proc.stderr):
        try:
            if f is not None:
                f.close()
        except OSError:
            pass


def _absolute_paths(argv: list[str]) -> list[str]:
    """A bot runs in its own directory, so words of its command that name files here (the
    program, its script) are made absolute first; other words are left as they are."""
    out = [os.path.abspath(argv[0]) if os.sep in argv[0] else argv[0]]
    for word in argv[1:]:
        out.append(os.path.abspath(word) if not os.path.isabs(word) and not word.startswith("-") and os.path.exists(word) else word)
    return out


def bot_user(name: str) -> tuple[int, int]:
    """The uid and gid to run bots as; ValueError if that cannot be done."""
    import pwd

    if os.geteuid() != 0:
        raise ValueError("--bot-user needs Gridlock to run as root (it drops each bot to that user)")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ValueError(f"--bot-user: no user {name!r} on this machine") from None
    if entry.pw_uid == 0:
        raise ValueError(f"--bot-user: {name!r} is root; name an unprivileged user such as nobody")
    return entry.pw_uid, entry.pw_gid


def _finite(x: Any) -> Any:
    """JSON has no NaN or infinity: they go out as null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def encode(message: Mapping[str, Any]) -> bytes:
    """One message: compact JSON on one line, envelope keys first (so a shell bot can grep them)."""
    try:
        text = json.dumps(message, separators=(",", ":"), allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(message), separators=(",", ":"), allow_nan=False)
    return text.encode() + b"\n"


def view_json(view: CompanyView) -> dict[str, Any]:
    """The company's view as JSON, without the scenario (it came in the hello)."""
    out: dict[str, Any] = {}
    for a in attrs.fields(CompanyView):
        if a.name == "scenario":
            continue
        value = getattr(view, a.name)
        if a.name == "last_private" and value is not None:
            value = {**{k.lstrip("_"): v for k, v in CONVERTER.unstructure(value).items()}, "lines": list(value.lines)}
        else:
            value = CONVERTER.unstructure(value)
        out[a.name] = value
    return out


def parse_command(spec: str) -> list[str]:
    """'cmd:./mybot --flag' -> ['./mybot', '--flag'], checking the program exists."""
    text = spec[len(PREFIX) :].strip()
    try:
        argv = shlex.split(text)
    except ValueError as e:
        raise UnknownAgent(f"bot command {text!r} cannot be split into words: {e}") from None
    if not argv:
        raise UnknownAgent("cmd: needs a command, e.g. cmd:\"python3 mybot.py\"")
    prog = argv[0]
    if os.sep in prog:
        if not os.path.isfile(prog):
            raise UnknownAgent(f"bot program {prog!r} does not exist")
        if not os.access(prog, os.X_OK):
            raise UnknownAgent(f"bot program {prog!r} is not executable (chmod +x it, or run it through its interpreter)")
    elif shutil.which(prog) is None:
        raise UnknownAgent(f"bot program {prog!r} is not on PATH")
    return argv


class ExternalAgent:
    """A seat played by a process. It gets a hello, then one view per quarter, then the result;
    it answers each view with one orders line. Faults cost the quarter's orders; after
    bot_max_faults the seat is retired and plays no more orders."""

    def __init__(self, command: str, seed: np.random.SeedSequence, *, time_limit_s: float | None = None, log_dir: str | Path | None = None):
        self.name = PREFIX + command
        self.argv = parse_command(self.name)
        self.seed = int(seed.generate_state(1)[0])  # a 32-bit seed for the bot's own randomness
        self.time_limit_s = time_limit_s  # None: the scenario's rules.bot_quarter_time_limit_s
        self.log_dir = Path(log_dir) if log_dir is not None else DEFAULT_LOG_DIR
        self.faults: list[Fault] = []
        self.retired: str = ""  # the quarter the seat was retired, "" while it plays
        self.starts = 0
        self._spec: Scenario | None = None
        self._company = ""
        self._proc: subprocess.Popen | None = None
        self._finalizer: weakref.finalize | None = None
        self._log = None
        self._log_bytes = 0
        self._out = b""  # bytes queued for the bot's stdin
        self._buf = b""  # bytes from its stdout not yet a whole line
        self._asked: set[str] = set()  # quarters already asked, whose late answers are skipped
        self._fresh = False  # the next quarter is the first since a (re)start
        self._read = 0  # stdout bytes read this quarter
        self._spawn_error = ""
        self._home: str | None = None  # the private working directory of the running process
        self.user: tuple[int, int] | None = None  # (uid, gid) to run the bot as (--bot-user), None: ours
        self._log_chunks: list[bytes] = []

    @classmethod
    def from_spec(cls, spec: str, seed: np.random.SeedSequence) -> "ExternalAgent":
        return cls(spec[len(PREFIX) :].strip(), seed)

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self._company or 'bot'}.log"

    # ---- lifecycle ---------------------------------------------------------------------------------
    def start(self, spec: Scenario, company: str) -> None:
        """Seat the bot at a company and start its process (the hello is sent with the first view)."""
        self._spec, self._company = spec, company
        self._spawn()

    def close(self, result: Any = None) -> None:
        """Send the result (if the game produced one), let the bot exit, then make sure it has."""
        proc = self._proc
        if proc is None:
            self._close_log()
            return
        if result is not None and proc.poll() is None:
            msg = {"type": "result", "company": self._company, "result": CONVERTER.unstructure(result)}
            self._pump(encode(msg), time.monotonic() + min(self._limit(), EXIT_GRACE_S), want_line=False)
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        deadline = time.monotonic() + EXIT_GRACE_S
        while proc.poll() is None and time.monotonic() < deadline:
            self._pump(b"", min(deadline, time.monotonic() + 0.05), want_line=False)  # keeps its stderr
            time.sleep(0.01)  # once both pipes are closed, _pump returns at once
        self._stop_process("the game is over")
        self._close_log()

    def __del__(self) -> None:  # the finalizer kills a forgotten process; this closes the log too
        self._close_log()

    # ---- the quarter -------------------------------------------------------------------------------
    def decide(self, view: CompanyView) -> list[Any]:
        if self.retired:
            return []
        if self._spec is None:  # driven without start(), e.g. replaying a save
            self._spec, self._company = view.scenario, view.me.id
        label = view.quarter_label
        if self._proc is None:
            self._spawn()
            if self._proc is None:
                raise self._fault(label, "crash", f"could not be restarted: {self._spawn_error}")
        limit = self._limit()
        if self._fresh:
            limit += self._spec.rules.bot_startup_time_limit_s
            self._fresh = False
        msg = {"type": "view", "company": self._company, "quarter": label, "quarter_index": view.quarter, "time_limit_s": self._limit(), "view": view_json(view)}
        self._asked.add(label)
        try:
            orders = self._answer(encode(msg), label, time.monotonic() + limit, limit)
        except _Stop as stop:
            raise self._fault(label, stop.kind, stop.detail) from None
        return orders

    def _limit(self) -> float:
        if self.time_limit_s is not None:
            return self.time_limit_s
        return self._spec.rules.bot_quarter_time_limit_s

    def _answer(self, message: bytes, label: str, deadline: float, limit: float) -> list[Any]:
        self._read = 0
        while True:
            line = self._pump(message, deadline, want_line=True, limit=limit)
            message = b""
            try:
                msg = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
                raise _Stop("garbage", f"a line that is not JSON: {_clip(line)}") from None
            if not isinstance(msg, dict) or msg.get("type") != "orders":
                raise _Stop("garbage", f"expected an orders message, got {_clip(line)}")
            quarter, company = msg.get("quarter"), msg.get("company")
            if quarter != label and isinstance(quarter, str) and quarter in self._asked:
                self._note(f"skipped a late answer for {quarter}")
                continue
            if company != self._company:
                raise _Stop("wrong_company", f"orders for {company!r}, but this bot plays {self._company!r}")
            if quarter != label:
                raise _Stop("wrong_quarter", f"orders for quarter {quarter!r}, but this is {label}")
            orders = msg.get("orders")
            if not isinstance(orders, list):
                raise _Stop("garbage", f"\"orders\" must be a list, got {type(orders).__name__}")
            return orders  # each order is checked by the engine like anyone's; a bad one is rejected, not a fault

    def _pump(self, message: bytes, deadline: float, *, want_line: bool, limit: float = 0.0) -> bytes:
        """Write `message` and read until a whole non-blank stdout line (if wanted) or the deadline.
        stderr is copied to the log all the while, so a chatty bot never blocks on it."""
        proc = self._proc
        assert proc is not None
        self._out += message
        sel = selectors.DefaultSelector()
        try:
            if proc.stdout is not None and not proc.stdout.closed:
                sel.register(proc.stdout.fileno(), selectors.EVENT_READ, "out")
            if proc.stderr is not None and not proc.stderr.closed:
                sel.register(proc.stderr.fileno(), selectors.EVENT_READ, "err")
            if self._out and proc.stdin is not None and not proc.stdin.closed:
                sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE, "in")
            while True:
                if want_line:
                    while b"\n" in self._buf:
                        line, _, self._buf = self._buf.partition(b"\n")
                        if line.strip():
                            return line
                    if len(self._buf) > MAX_LINE_BYTES or self._read > MAX_LINE_BYTES:
                        raise _Stop("flood", f"more than {MAX_LINE_BYTES:,} bytes on stdout without an orders line")
                left = deadline - time.monotonic()
                if left <= 0:
                    if want_line:
                        raise _Stop("timeout", f"no orders within {limit:g} s")
                    return b""
                if not sel.get_map():
                    return b""
                for key, _ in sel.select(left):
                    if key.data == "in":
                        try:
                            n = os.write(key.fd, self._out[:_CHUNK])
                        except BlockingIOError:
                            continue
                        except (BrokenPipeError, OSError):
                            self._out = b""
                            sel.unregister(key.fd)
                            continue  # the crash shows as end of stdout
                        self._out = self._out[n:]
                        if not self._out:
                            sel.unregister(key.fd)
                        continue
                    try:
                        chunk = os.read(key.fd, _CHUNK)
                    except BlockingIOError:
                        continue
                    if key.data == "err":
                        if chunk:
                            self._log_write(chunk)
                        else:
                            sel.unregister(key.fd)
                        continue
                    if not chunk:
                        sel.unregister(key.fd)
                        if want_line:
                            raise _Stop("crash", self._exit_story())
                        continue
                    if want_line:  # otherwise the game is over and stdout no longer matters
                        self._read += len(chunk)
                        self._buf += chunk
        finally:
            sel.close()

    def _exit_story(self) -> str:
        proc = self._proc
        try:
            code = proc.wait(timeout=0.5) if proc is not None else None
        except subprocess.TimeoutExpired:
            return "closed its stdout"
        if code is None:
            return "exited"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with code {code}"

    def _fault(self, label: str, kind: str, detail: str) -> BotFault:
        """Record a fault, stop or retire the process as its kind requires; the caller raises it."""
        fault = Fault(label, kind, detail)
        self.faults.append(fault)
        self._note(f"fault in {label}: {kind}: {detail}; this quarter's orders are lost")
        if len(self.faults) >= self._spec.rules.bot_max_faults:
            self.retired = label
            self._stop_process(f"{len(self.faults)} faults: the seat plays no more orders")
        elif kind in _RESTART_KINDS:
            self._stop_process(f"{kind}; restarting it next quarter")
        return BotFault(fault)

    # ---- the process -------------------------------------------------------------------------------
    def _spawn(self) -> None:
        assert self._spec is not None
        self._open_log()
        self._buf = self._out = b""
        self._spawn_error = ""
        try:
            self._home = tempfile.mkdtemp(prefix=f"gridlock-bot-{self._company}-")
            uid, gid = self.user if self.user is not None else (-1, -1)
            if uid >= 0:
                os.chown(self._home, uid, gid)
            keeper = [sys.executable, "-I", "-S", str(KEEPER), str(os.getpid()), str(uid), str(gid), "--", *_absolute_paths(self.argv)]
            proc = subprocess.Popen(
                keeper, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, close_fds=True,
                cwd=self._home, env=bot_environment(self._home),
            )
        except OSError as e:
            self._spawn_error = f"{self.argv[0]}: {e.strerror or e}"
            self._note(f"could not start {self.name}: {self._spawn_error}")
            self._proc = None
            self._remove_home()
            return
        for f in (proc.stdin, proc.stdout, proc.stderr):
            os.set_blocking(f.fileno(), False)
        self._proc = proc
        self._finalizer = weakref.finalize(self, _forget, proc, self._home)
        self.starts += 1
        self._fresh = True
        self._note(f"started {self.name} for {self._company} (pid {proc.pid}, start {self.starts})")
        from ..scenario.load import scenario_to_dict

        hello = {
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "rules_version": RULES_VERSION,
            "company": self._company,
            "seed": self.seed,
            "start": self.starts,
            "quarter_time_limit_s": self._limit(),
            "startup_time_limit_s": self._spec.rules.bot_startup_time_limit_s,
            "max_line_bytes": MAX_LINE_BYTES,
            "scenario": scenario_to_dict(self._spec),
        }
        self._out = encode(hello)

    def _stop_process(self, why: str) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            self._note(f"stopping the bot: {why}")
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        _kill_group(proc, self._drain_stderr)
        self._note(f"bot exited with code {proc.returncode}")
        self._buf = self._out = b""
        self._remove_home()

    def _remove_home(self) -> None:
        home, self._home = self._home, None
        if home:
            shutil.rmtree(home, ignore_errors=True)

    def _drain_stderr(self, proc: subprocess.Popen) -> None:
        if proc.stderr is None or proc.stderr.closed:
            return
        try:
            while chunk := os.read(proc.stderr.fileno(), _CHUNK):
                self._log_write(chunk)
        except (BlockingIOError, OSError):
            pass

    # ---- the stderr log ----------------------------------------------------------------------------
    # The log is kept in memory while the game runs and written when the bot has stopped, owner
    # read-only (0600): no bot of the game can read it mid-game, whatever directory it looks in.
    def _open_log(self) -> None:
        if self._log is not None:
            return
        try:
            self.log_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UnknownAgent(f"cannot write the bot log {self.log_path}: {e.strerror or e}") from None
        if not os.access(self.log_dir, os.W_OK):
            raise UnknownAgent(f"cannot write the bot log {self.log_path}: the folder is not writable")
        self._log = self._log_chunks = []
        self._log_bytes = 0

    def _log_write(self, chunk: bytes, *, capped: bool = True) -> None:
        if self._log is None:
            return
        if capped:  # the bot's own stderr; Gridlock's notes are few and always kept
            room = STDERR_LOG_MAX_BYTES - self._log_bytes
            if room <= 0:
                return
            if len(chunk) > room:
                chunk = chunk[:room] + f"\n[gridlock] the bot's stderr reached {STDERR_LOG_MAX_BYTES:,} bytes; the rest of it is dropped\n".encode()
            self._log_bytes += len(chunk)
        self._log.append(chunk)

    def _note(self, text: str) -> None:
        self._log_write(f"[gridlock] {text}\n".encode(), capped=False)

    def _close_log(self) -> None:
        chunks, self._log = getattr(self, "_log", None), None
        if chunks is None:
            return
        try:  # one log per seat per game: the last game's is replaced
            fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(b"".join(chunks))
        except OSError:
            pass  # the game's result matters more than its bot's log


def _forget(proc: subprocess.Popen, home: str | None) -> None:
    """A forgotten agent's process (its object collected mid-game): stopped, its directory gone."""
    _kill_group(proc)
    if home:
        shutil.rmtree(home, ignore_errors=True)


class _Stop(Exception):
    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind, self.detail = kind, detail


def _clip(line: bytes, n: int = 80) -> str:
    text = line[:n].decode("utf-8", "replace")
    return repr(text + ("…" if len(line) > n else ""))


def configure_bots(agents: Mapping[str, Any], *, time_limit_s: float | None = None, log_dir: str | Path | None = None, user: tuple[int, int] | None = None) -> None:
    """Apply the command line's --bot-timeout, --bot-log-dir and --bot-user to every external seat."""
    for agent in agents.values():
        if isinstance(agent, ExternalAgent):
            if user is not None:
                agent.user = user
            if time_limit_s is not None:
                agent.time_limit_s = time_limit_s
            if log_dir is not None:
                agent.log_dir = Path(log_dir)


def in_process(agents: Mapping[str, Any]) -> dict[str, Any]:
    """The agents that are not bot processes (those replaying a save is shown the past)."""
    return {cid: a for cid, a in agents.items() if not isinstance(a, ExternalAgent)}


def bot_records(agents: Mapping[str, Any]) -> list[dict[str, Any]]:
    """For the report: each external seat, its faults, whether it was retired and where its log is."""
    out = []
    for cid, agent in agents.items():
        if isinstance(agent, ExternalAgent):
            out.append(
                {
                    "company": cid,
                    "agent": agent.name,
                    "starts": agent.starts,
                    "faults": [CONVERTER.unstructure(f) for f in agent.faults],
                    "retired": agent.retired,
                    "log": str(agent.log_dir / f"{cid}.log"),
                }
            )
    return out

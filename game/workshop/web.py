"""The team client for browsers: textual-serve runs `gridlock join URL` for each tab.

Run by `gridlock workshop serve --web PORT` as its own process. textual-serve starts the command
through a shell with a copy of this environment, so the command holds nothing secret and nothing a
browser sent: the join code is typed into the app."""

from __future__ import annotations

import shlex
import sys


def reachable_host(host: str) -> str:
    """The address browsers on the venue network use for a server listening on `host`."""
    if host not in ("0.0.0.0", "::"):
        return host
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def join_command(api_url: str) -> str:
    return " ".join(shlex.quote(x) for x in (sys.executable, "-m", "game", "join", api_url))


def main(argv: list[str]) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        print("gridlock: --web needs textual-serve: pip install 'gridlock[serve]'", file=sys.stderr)
        return 2
    api_url, host, port = argv[0], argv[1], int(argv[2])
    public = f"http://{reachable_host(host)}:{port}"  # textual-serve writes it into the page
    Server(join_command(api_url), host=host, port=port, title="Gridlock workshop", public_url=public).serve()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))

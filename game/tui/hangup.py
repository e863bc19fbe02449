"""Terminal apps that end cleanly on SIGTERM, or on SIGHUP when their terminal closes."""

from __future__ import annotations

import asyncio
import os
import signal

from textual.app import App


class EndsOnHangup(App):
    """An app that installs its hang-up handlers when mounted (`end_on_hangup`, called from the
    app's on_mount) and removes them when unmounted.

    The command's own handler raises an exception instead, and one raised while a callback
    runs is swallowed by asyncio: the process lived on, spinning on a dead terminal."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._hangup_signals: list[int] = []

    def end_on_hangup(self) -> None:
        loop = asyncio.get_running_loop()
        for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if s is None:
                continue
            try:
                loop.add_signal_handler(s, self._signalled, s)
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no such support
                return
            self._hangup_signals.append(s)

    def before_hangup_exit(self) -> None:
        """What must survive a closed terminal (the game's autosave); nothing by default."""

    def _signalled(self, signum: int) -> None:
        if signum == getattr(signal, "SIGHUP", None):
            # The terminal is gone. Textual's orderly close waits on its writer thread, which was
            # seen to hang for ever after the hang-up; so keep what must be kept and leave
            # without closing a screen no one can see.
            self.before_hangup_exit()
            os._exit(128 + signum)
        self.exit(return_code=128 + signum)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for s in self._hangup_signals:  # back to the default; the command restores its own handlers after
            loop.remove_signal_handler(s)

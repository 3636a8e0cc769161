"""Ctrl-C. By default (`install`, called by `main`) SIGINT raises `Interrupt`,
which unwinds through every `finally` (temp files removed, a transaction
rolled back) and ends the command with one line and exit 130. Commands that
run many fetches use `stop_on_sigint` instead: the first SIGINT sets an event
(the command stops starting work, cuts the fetches in flight, keeps what it
stored, reports and exits 130); a second exits at once. The archive is safe
either way: every write is one SQLite transaction after durable blobs."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from types import FrameType
from typing import Iterator


class Interrupt(BaseException):
    """Ctrl-C. A BaseException, so `except Exception` never swallows it; not a
    KeyboardInterrupt, which click would turn into "Aborted!" and exit 1."""


def _raise(_signum: int, _frame: FrameType | None) -> None:
    raise Interrupt()


def install() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _raise)


@contextlib.contextmanager
def stop_on_sigint() -> Iterator[threading.Event]:
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # (signals reach the main thread only)
        yield stop
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            with contextlib.suppress(OSError):
                os.write(sys.stderr.fileno(), b"mirror: interrupted\n")
            os._exit(130)
        stop.set()

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, old)

"""The C heap of a long command: freed memory goes back to the system.

glibc serves a block above its mmap threshold (128 KiB at start) from a
mapping of its own, unmapped when freed, but raises the threshold to the size
of each such block freed, up to 32 MiB: after the first large manifest block
or page, every later one comes from the heap. And the heap keeps the holes
that blocks freed between longer-lived ones leave, resident, until
`malloc_trim`: an unpack of 10,000 articles ended with 20 of its heap's 43
MiB free (`mallinfo2`), and the heap grew 29 MiB over an import of 100,000.
So a command that walks a whole bundle or archive fixes the threshold (large
blocks are mapped apart) and has a thread give the free pages back twice a
second. A process-wide setting: the command line sets it, not the library.
"""

from __future__ import annotations

import ctypes
import functools
import sys
import threading
import time
from typing import Any

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
THRESHOLD = 256 << 10  # blocks from this size are mapped apart (64 KiB: the same memory, more CPU)
TRIM_EVERY = 0.5  # seconds between two returns of the heap's free pages

_trimmer: threading.Thread | None = None


@functools.cache
def _glibc() -> Any | None:
    """The C library, if it is glibc (musl's mallopt does nothing, and other
    systems have neither call)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the symbols the process already has
        libc.gnu_get_libc_version
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.malloc_trim.argtypes = (ctypes.c_size_t,)
    except (OSError, AttributeError):
        return None
    return libc


def release() -> bool:
    """Give the heap's free pages back to the system now (False: not glibc)."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def bounded_heap() -> bool:
    """Fix glibc's mmap threshold at THRESHOLD (which also stops its dynamic
    raising) and start the thread that trims the heap every TRIM_EVERY
    seconds. False where the C library is not glibc: nothing is changed."""
    global _trimmer
    libc = _glibc()
    if libc is None:
        return False
    libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD)
    if _trimmer is None:
        _trimmer = threading.Thread(target=_trim, name="heap-trim", daemon=True)
        _trimmer.start()
    return True


def _trim() -> None:
    """`release` every TRIM_EVERY seconds until the process ends (a daemon thread)."""
    while True:
        time.sleep(TRIM_EVERY)
        release()  # (ctypes lets the GIL go during the call)

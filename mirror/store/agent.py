"""The unlocked session: a small process that holds one archive's master key
in memory, hands it to processes of the same user over a Unix socket, and
exits when its time is up or `mirror lock` says so.

The socket lives in a directory of mode 0700 owned by the user (the runtime
dir, else one under the system temp dir); the socket itself is 0600, and the
agent also checks each peer's uid (SO_PEERCRED) before it answers. Its name is
a hash of the archive's path, so it says nothing about what the archive
holds. The agent marks itself non-dumpable (no core file, no ptrace by other
processes of the user) and drops the key when it exits. The key is never
written anywhere.

Protocol: the client sends one byte, `K` (send the key: 32 bytes back) or
`L` (lock: the agent answers `L` and exits).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import struct
import sys
import tempfile
from pathlib import Path

from mirror.errors import ArchiveError

KEY_SIZE = 32
_READY = b"ready\n"


def _runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and Path(base).is_dir():
        d = Path(base) / "mirror"
    else:
        d = Path(tempfile.gettempdir()) / f"mirror-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        d.mkdir(mode=0o700)
    st = d.lstat()
    if not d.is_dir() or d.is_symlink() or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise ArchiveError(f"{d} is not a private directory of this user; refusing to use it for a session")
    return d


def socket_path(root: Path) -> Path:
    name = hashlib.sha256(str(Path(root).resolve()).encode("utf-8")).hexdigest()[:24]
    return _runtime_dir() / f"{name}.sock"


def _ask(root: Path, op: bytes) -> bytes | None:
    path = socket_path(root)
    if not path.exists():
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(str(path))
        s.sendall(op)
        data = b""
        while len(data) < KEY_SIZE:
            block = s.recv(KEY_SIZE - len(data))
            if not block:
                break
            data += block
        return data
    except OSError:  # a stale socket (the agent was killed)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    finally:
        s.close()


def fetch(root: Path) -> bytes | None:
    """The master key from a running session for `root`, or None."""
    key = _ask(root, b"K")
    return key if key is not None and len(key) == KEY_SIZE else None


def stop(root: Path) -> bool:
    """End the session for `root`; whether one was running."""
    return _ask(root, b"L") == b"L"


def start(root: Path, master: bytes, seconds: int) -> None:
    """Start a session holding `master` for `seconds` (ending any earlier one)."""
    import subprocess

    stop(root)
    path = socket_path(root)
    proc = subprocess.Popen([sys.executable, "-m", "mirror.store.agent", str(path), str(int(seconds))],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True, close_fds=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(master)
    proc.stdin.close()
    ready = proc.stdout.readline()
    proc.stdout.close()
    if ready != _READY:
        proc.kill()
        raise ArchiveError("could not start the unlocked session")


# -- the agent process -------------------------------------------------------

def _undumpable() -> None:
    import ctypes

    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", creds)
    return int(uid)


def serve(path: Path, seconds: int) -> None:
    import signal
    import time

    _undumpable()
    key = bytearray(sys.stdin.buffer.read(KEY_SIZE))
    if len(key) != KEY_SIZE:
        sys.exit(1)
    deadline = time.monotonic() + seconds
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    old = os.umask(0o177)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        srv.bind(str(path))
    finally:
        os.umask(old)
    srv.listen(8)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    sys.stdout.buffer.write(_READY)
    sys.stdout.flush()
    os.dup2(os.open(os.devnull, os.O_RDWR), 1)
    try:
        while (left := deadline - time.monotonic()) > 0:
            srv.settimeout(min(left, 60))
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    if _peer_uid(conn) != os.getuid():
                        continue
                    op = conn.recv(1)
                    if op == b"K":
                        conn.sendall(bytes(key))
                    elif op == b"L":
                        conn.sendall(b"L")
                        break
                except OSError:
                    continue
    finally:
        for i in range(len(key)):
            key[i] = 0
        with contextlib.suppress(OSError):
            if path.exists():
                path.unlink()
        srv.close()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))

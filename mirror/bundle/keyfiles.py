"""Reading the small text files a user names on the command line: identity,
recipients and passphrase files. Bounded (1 MiB), one clear error each."""

from __future__ import annotations

from mirror.errors import UsageError


def read_text(path: str, what: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except OSError as e:
        raise UsageError(f"cannot read {what} {path}: {e.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} {path} is not text") from None


def read_passphrase_file(path: str) -> str:
    text = read_text(path, "passphrase file").rstrip("\r\n")
    if not text:
        raise UsageError(f"passphrase file {path} is empty")
    return text

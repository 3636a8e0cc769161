import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MIRROR = [sys.executable, "-m", "mirror"]  # the installed package, run as a user runs it


def mirror_argv(*args, archive: Path | str | None = None, config: Path | str | None = None) -> list[str]:
    """The command line for `mirror [--config C] [--archive A] ARGS` (for Popen, pexpect, strace)."""
    head = (["--config", str(config)] if config is not None else []) + \
           (["--archive", str(archive)] if archive is not None else [])
    return [*MIRROR, *head, *map(str, args)]


def run_mirror(*args, archive: Path | str | None = None, config: Path | str | None = None,
               input: str | bytes | None = None, env: dict[str, str | None] | None = None,
               text: bool = True, timeout: float = 120, wrap: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run `mirror ARGS` in a subprocess, the one way every test runs the CLI.

    The environment is this process's (which `_isolated_env` keeps away from the
    developer's config and archive) with MIRROR_CONFIG at an empty file unless
    set; `env` overrides it (None removes a variable). `wrap` prefixes a command
    (e.g. strace). `text=False` passes bytes in and out."""
    e = {"MIRROR_CONFIG": os.devnull, **os.environ}
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return subprocess.run([*wrap, *mirror_argv(*args, archive=archive, config=config)], input=input,
                          capture_output=True, text=text, env=e, timeout=timeout)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test reads the developer's real config or archive."""
    monkeypatch.delenv("MIRROR_CONFIG", raising=False)
    monkeypatch.delenv("MIRROR_HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MIRROR = [sys.executable, "-m", "mirror"]  # the installed package, run as a user runs it


def mirror_argv(*args, archive: Path | str | None = None, config: Path | str | None = None) -> list[str]:
    """The command line for `mirror [--config C] [--archive A] ARGS` (for Popen, pexpect, strace)."""
    head = (["--config", str(config)] if config is not None else []) + \
           (["--archive", str(archive)] if archive is not None else [])
    return [*MIRROR, *head, *map(str, args)]


# Which archive the tests work on: encrypted (the default, as for users) or
# plaintext (MIRROR_TEST_ARCHIVE=plaintext runs the same suite on the other layout).
TEST_LAYOUT = os.environ.get("MIRROR_TEST_ARCHIVE", "encrypted")
TEST_IDENTITY_ENV = "MIRROR_TEST_IDENTITY"

# Commands that need no archive, or make their own: run_mirror does not create one for them.
NO_ARCHIVE = {"init", "inspect", "verify", "extract", "keygen", "clean-url", "demo", "--help", "-h", "--version"}


def open_archive(path: Path | str):
    """Open the archive at `path`, creating it first (in the suite's layout,
    unlocked by the test's identity through $MIRROR_UNLOCK) if there is none:
    what `mirror init` leaves a user with."""
    from mirror.store import Archive, NewKeys, kind

    root = Path(path)
    if kind(root) == "none":
        return Archive.create(root, None if TEST_LAYOUT == "plaintext" else
                              NewKeys(recipients=(os.environ[TEST_IDENTITY_ENV],)))
    return Archive.open(root)


def ensure_archive(path: Path | str) -> Path:
    """Create the archive at `path` if there is none (opening nothing else)."""
    from mirror.store import kind

    if kind(Path(path)) == "none":
        open_archive(path).close()
    return Path(path)


def run_mirror(*args, archive: Path | str | None = None, config: Path | str | None = None,
               input: str | bytes | None = None, env: dict[str, str | None] | None = None,
               text: bool = True, timeout: float = 120, wrap: tuple[str, ...] = (),
               init: bool | None = None) -> subprocess.CompletedProcess:
    """Run `mirror ARGS` in a subprocess, the one way every test runs the CLI.

    The environment is this process's (which `_isolated_env` keeps away from the
    developer's config and archive) with MIRROR_CONFIG at an empty file unless
    set; `env` overrides it (None removes a variable). `wrap` prefixes a command
    (e.g. strace). `text=False` passes bytes in and out. A missing `archive` (or
    $MIRROR_HOME in `env`) is created first, as `mirror init` would, unless the
    command needs none or `init=False`."""
    where = archive if archive is not None else (env or {}).get("MIRROR_HOME")
    if init is None:
        init = where is not None and bool(args) and str(args[0]) not in NO_ARCHIVE
    if init and where is not None:
        ensure_archive(where)
    e = {"MIRROR_CONFIG": os.devnull, **os.environ}
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return subprocess.run([*wrap, *mirror_argv(*args, archive=archive, config=config)], input=input,
                          capture_output=True, text=text, env=e, timeout=timeout)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def needs_tools(*names: str) -> pytest.MarkDecorator:
    """Mark a test that needs these commands (Debian packages; "a|b" takes either).
    When one is missing the test skips on a developer's machine but FAILS under
    CI=true, where `make test` installs them: a missing tool must not pass silently."""
    return pytest.mark.tools(*names)


def missing_tools(names) -> list[str]:
    return [n for n in names if not any(shutil.which(alt) for alt in n.split("|"))]


def pytest_configure(config):
    config.addinivalue_line("markers", "tools(*names): needs these commands on PATH (see needs_tools)")


def pytest_runtest_setup(item):
    missing = missing_tools([n for m in item.iter_markers("tools") for n in m.args])
    if missing:
        what = f"needs {', '.join(missing)} on PATH (Debian packages)"
        if in_ci():
            pytest.fail(f"{what}: required under CI", pytrace=False)
        pytest.skip(what)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test reads the developer's real config or archive."""
    monkeypatch.delenv("MIRROR_CONFIG", raising=False)
    monkeypatch.delenv("MIRROR_HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def json_lines(text: str) -> list:
    """The records of a JSON Lines output (`add`, `update`, `import-html` with --json)."""
    import json

    return [json.loads(x) for x in text.splitlines() if x.strip()]


@pytest.fixture(scope="session", autouse=True)
def _test_key(tmp_path_factory):
    """The key every test archive is sealed to, found as a user's would be,
    through $MIRROR_UNLOCK (set for the whole session, so module-scoped
    fixtures have it too), and a private runtime dir for unlocked sessions.
    Both live outside every test's tmp_path, which tests use as archives."""
    from mirror.crypto import age

    home = tmp_path_factory.mktemp("keys")
    identity, recipient = age.generate_identity()
    key = home / "unlock-identity.txt"
    key.write_text(identity + "\n")
    saved = {k: os.environ.get(k) for k in ("MIRROR_UNLOCK", TEST_IDENTITY_ENV, "XDG_RUNTIME_DIR")}
    os.environ.update({"MIRROR_UNLOCK": str(key), TEST_IDENTITY_ENV: recipient,
                       "XDG_RUNTIME_DIR": str(_private_dir(home / "runtime"))})
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _private_dir(p: Path) -> Path:
    p.mkdir(mode=0o700, exist_ok=True)
    return p

"""The reading commands load only what they use: `ls`, `show` and `search`
run in a fresh interpreter, and the modules it then holds are checked (which
modules, never how long they took). Start-up is most of these commands' time,
and every heavy module (fetching, parsing, sanitising, bundles, and for a
plaintext archive cryptography and OpenSSL's digests) adds to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mirror.model import NewVersion
from mirror.store import Archive, NewKeys

# Used by no reading command, whatever the archive.
NEVER = {"requests", "urllib3", "bs4", "lxml", "nh3", "babel", "feedparser", "ebooklib", "platformdirs",
         "mirror.fetch", "mirror.extract", "mirror.pipeline", "mirror.bundle", "mirror.render", "mirror.feeds",
         "mirror.sanitize", "mirror.store.agent", "mirror.store.convert", "mirror.store.importer",
         "mirror.cli.capture", "mirror.cli.bundles", "mirror.cli.keys", "mirror.cli.demo"}
# A plaintext archive has no keys: nothing of age, cryptography or hashing.
NOT_PLAINTEXT = {"cryptography", "mirror.crypto.age.format", "mirror.crypto.age.stream", "mirror.store.slots",
                 "hashlib", "hmac", "secrets"}
# Only search tokenizes (and stems, in the archive's languages).
NOT_SEARCH = {"mirror.store.search", "snowballstemmer"}

_CHILD = """
import json, sys
from mirror.cli import main
try:
    main(sys.argv[2:])
except SystemExit as e:
    assert not e.code, e.code
with open(sys.argv[1], "w") as f:
    json.dump(sorted(sys.modules), f)
"""


def _loaded(tmp_path: Path, archive: Path, *args: str) -> set[str]:
    """The top-level packages and the mirror modules loaded by `mirror ARGS` in a new interpreter."""
    out = tmp_path / "modules.json"
    env = {**os.environ, "MIRROR_CONFIG": os.devnull}
    r = subprocess.run([sys.executable, "-c", _CHILD, str(out), "--archive", str(archive), *args],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    names = json.loads(out.read_text())
    return {n for n in names if n.startswith("mirror.")} | {n.split(".")[0] for n in names}


def _archive(root: Path, encrypted: bool) -> str:
    keys = NewKeys(recipients=(os.environ["MIRROR_TEST_IDENTITY"],)) if encrypted else None
    with Archive.create(root, keys) as ar:
        return ar.save(NewVersion(
            url="https://news.example/harbour", title="Harbour strike", byline="A. Writer", lang="en",
            text="The harbour strike ended with a court ruling.", html="<p>The harbour strike ended.</p>",
            captured="2026-11-01T00:00:00+00:00")).id


COMMANDS = [("ls",), ("ls", "--json"), ("show", "{id}"), ("show", "{id}", "--format", "json"),
            ("search", "harbour"), ("search", "strikes", "--json")]


@pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "encrypted"])
def test_reading_commands_load_only_what_they_use(tmp_path, encrypted):
    root = tmp_path / "archive"
    aid = _archive(root, encrypted)
    for command in COMMANDS:
        args = [a.format(id=aid) for a in command]
        loaded = _loaded(tmp_path, root, *args)
        unused = NEVER | (set() if encrypted else NOT_PLAINTEXT) | (set() if args[0] == "search" else NOT_SEARCH)
        assert loaded & unused == set(), (args, sorted(loaded & unused))
        assert ("cryptography" in loaded) == encrypted, args  # the check sees what it should

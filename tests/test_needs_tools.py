"""The rule for tests that need a Debian tool: skip on a developer's machine,
fail under CI=true (where the tools are installed), never pass silently."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import missing_tools

HERE = Path(__file__).resolve().parent


def test_missing_tools_reads_alternatives():
    assert missing_tools(["sh", "no-such-tool-for-mirror", "no-such-tool-for-mirror|sh"]) == \
        ["no-such-tool-for-mirror"]


@pytest.mark.parametrize("ci, outcome", [("", "1 skipped"), ("true", "1 error")])
def test_a_missing_tool_skips_locally_and_fails_under_ci(tmp_path, ci, outcome):
    (tmp_path / "test_tool.py").write_text(
        "from conftest import needs_tools\n\n"
        "@needs_tools('no-such-tool-for-mirror')\n"
        "def test_uses_it():\n    pass\n")
    env = dict(os.environ, CI=ci, PYTHONPATH=str(HERE))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
                        "--rootdir", str(tmp_path), str(tmp_path / "test_tool.py")],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert outcome in r.stdout, r.stdout + r.stderr
    if ci:
        assert r.returncode == 1 and "no-such-tool-for-mirror" in r.stdout

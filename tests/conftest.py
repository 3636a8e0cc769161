import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MIRROR = [sys.executable, "-m", "mirror"]


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test reads the developer's real config or archive."""
    monkeypatch.delenv("MIRROR_CONFIG", raising=False)
    monkeypatch.delenv("MIRROR_HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))

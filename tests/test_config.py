from pathlib import Path

import pytest

from conftest import run_mirror
from mirror import config
from mirror.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"


def test_example_file_documents_every_key_with_its_default():
    values = config.read_file(EXAMPLE)
    for section, spec in config.SCHEMA.items():
        assert section in values, f"[{section}] missing from config.example.toml"
        if spec is dict:
            continue
        for key, (_typ, default) in spec.items():
            assert key in values[section], f"{section}.{key} missing from config.example.toml"
            assert values[section][key] == default, f"{section}.{key}: example says {values[section][key]!r}"


def test_example_defaults_match_dataclass_defaults(tmp_path):
    from_example = config.load(EXAMPLE, tmp_path)
    builtin = config.load(None, tmp_path)
    assert from_example.fetch == builtin.fetch
    assert from_example.crypto == builtin.crypto
    assert from_example.bundle == builtin.bundle


def write(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("text, message", [
    ("[fetch]\ntimeout = 'slow'\n", "'fetch.timeout' must be a number"),
    ("[fetch]\nretries = 2.5\n", "'fetch.retries' must be an integer"),
    ("[fetch]\nretries = true\n", "'fetch.retries' must be an integer"),
    ("[fetch]\ntimout = 3\n", "unknown key 'timout' in [fetch]"),
    ("[nonsense]\na = 1\n", "unknown section [nonsense]"),
    ("[mirrors]\n'outlet.example' = 5\n", "[mirrors] outlet.example must be a string"),
    ("[fetch\n", "not valid TOML"),
    ("[bundle]\ntrusted_keys = [1]\n", "'bundle.trusted_keys' must be a list"),
    ("[fetch]\njobs = -1\n", "must not be negative"),
])
def test_bad_config_names_the_key_and_file(tmp_path, text, message):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        config.load(p, tmp_path)
    assert message in str(e.value) and str(p) in str(e.value)


def test_precedence_flag_env_file_default(tmp_path, monkeypatch):
    p = write(tmp_path, f"[archive]\npath = '{tmp_path / 'from-file'}'\n[fetch]\ntimeout = 7\n")
    assert config.load(p).archive == tmp_path / "from-file"
    assert config.load(p).fetch.timeout == 7.0
    monkeypatch.setenv("MIRROR_HOME", str(tmp_path / "from-env"))
    assert config.load(p).archive == tmp_path / "from-env"
    assert config.load(p, tmp_path / "from-flag").archive == tmp_path / "from-flag"
    monkeypatch.setenv("MIRROR_CONFIG", str(p))
    assert config.load().fetch.timeout == 7.0


def test_default_archive_is_platform_data_dir(tmp_path):
    assert config.load().archive == tmp_path / "xdg-data" / "mirror"


def test_cli_bad_config_is_one_line_exit_1(tmp_path):
    p = write(tmp_path, "[fetch]\ntimeout = 'x'\n")
    r = run_mirror("ls", config=p)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "fetch.timeout" in r.stderr and "Traceback" not in r.stderr


def test_explicit_missing_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        config.load(tmp_path / "missing.toml", tmp_path)

"""Configuration: flag > environment > config file > default.

The schema below is the single source of truth: `config.example.toml` is
checked against it by a test, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mirror.errors import ConfigError

FIREFOX_ESR_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:153.0) Gecko/20100101 Firefox/153.0"
FIREFOX_ACCEPT_LANGUAGE = "en-US,en;q=0.9"  # what an en-US Firefox ESR sends

# section -> key -> (type, default). A section typed `dict` is a free str->str table.
SCHEMA: dict[str, dict[str, tuple[type, Any]] | type] = {
    "archive": {
        "path": (str, ""),
    },
    "fetch": {
        "user_agent": (str, FIREFOX_ESR_UA),
        "accept_language": (str, FIREFOX_ACCEPT_LANGUAGE),
        "proxy": (str, ""),
        "timeout": (float, 30.0),
        "response_timeout": (float, 120.0),
        "retries": (int, 3),
        "backoff": (float, 1.0),
        "max_redirects": (int, 10),
        "max_page_bytes": (int, 10 * 1024 * 1024),
        "max_image_bytes": (int, 5 * 1024 * 1024),
        "max_images": (int, 40),
        "max_images_bytes": (int, 40 * 1024 * 1024),
        "jobs": (int, 4),
        "per_host_delay": (float, 1.0),
        "image_timeout": (float, 10.0),
        "article_images_timeout": (float, 30.0),
        "image_jobs": (int, 4),
        "allow_private": (bool, False),
        "refetch_after": (float, 24.0),
    },
    "mirrors": dict,
    "crypto": {
        "scrypt_max_work_factor": (int, 22),
        "archive_work_factor": (int, 18),
        "session_minutes": (int, 15),
    },
    "bundle": {
        "trusted_keys": (list, []),
        "max_payload_bytes": (int, 4 * 1024 * 1024 * 1024),
        "max_entries": (int, 0),
        "max_entry_bytes": (int, 512 * 1024 * 1024),
        "max_page_bytes": (int, 64 * 1024 * 1024),
        "max_compression_ratio": (int, 200),
    },
}


@dataclass(frozen=True)
class FetchConfig:
    user_agent: str = FIREFOX_ESR_UA
    accept_language: str = FIREFOX_ACCEPT_LANGUAGE
    proxy: str = ""
    timeout: float = 30.0
    response_timeout: float = 120.0
    retries: int = 3
    backoff: float = 1.0
    max_redirects: int = 10
    max_page_bytes: int = 10 * 1024 * 1024
    max_image_bytes: int = 5 * 1024 * 1024
    max_images: int = 40
    max_images_bytes: int = 40 * 1024 * 1024
    jobs: int = 4
    per_host_delay: float = 1.0  # between pages from one host (not between a page's images)
    image_timeout: float = 10.0  # seconds per image, connecting included; images are not retried
    article_images_timeout: float = 30.0  # seconds for all of one article's images
    image_jobs: int = 4  # images of one article fetched at once (one at a time per host)
    allow_private: bool = False  # fetch loopback, private and link-local addresses too
    refetch_after: float = 24.0  # hours: `add` skips what it fetched more recently, unless --refresh


@dataclass(frozen=True)
class CryptoConfig:
    scrypt_max_work_factor: int = 22
    archive_work_factor: int = 18  # scrypt log2 N of a new passphrase key slot (~0.7-1 s)
    session_minutes: int = 15  # how long `mirror unlock` keeps the key without --for


@dataclass(frozen=True)
class BundleConfig:
    trusted_keys: tuple[str, ...] = ()
    max_payload_bytes: int = 4 * 1024 * 1024 * 1024
    max_entries: int = 0  # 0: one entry per 256 bytes of the ZIP (verify.entry_limit)
    max_entry_bytes: int = 512 * 1024 * 1024
    max_page_bytes: int = 64 * 1024 * 1024  # .html and .json entries, read whole
    max_compression_ratio: int = 200


@dataclass(frozen=True)
class Config:
    archive: Path
    fetch: FetchConfig = field(default_factory=FetchConfig)
    mirrors: dict[str, str] = field(default_factory=dict)
    crypto: CryptoConfig = field(default_factory=CryptoConfig)
    bundle: BundleConfig = field(default_factory=BundleConfig)
    source: Path | None = None


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("mirror")) / "config.toml"


def default_archive_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("mirror"))


def _type_name(t: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", list: "a list", bool: "a boolean"}[t]


def validate(data: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """Check `data` (parsed TOML) against SCHEMA; return section -> key -> value."""
    out: dict[str, dict[str, Any]] = {}
    for section, table in data.items():
        spec = SCHEMA.get(section)
        if spec is None:
            raise ConfigError(f"{where}: unknown section [{section}]")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        if not isinstance(spec, dict):  # a free-form table of strings
            for k, v in table.items():
                if not isinstance(v, str):
                    raise ConfigError(f"{where}: [{section}] {k} must be a string")
            out[section] = dict(table)
            continue
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in spec:
                raise ConfigError(f"{where}: unknown key '{key}' in [{section}]")
            typ, _ = spec[key]
            ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
            if typ is float and isinstance(value, int) and not isinstance(value, bool):
                value, ok = float(value), True
            if typ is list and ok:
                ok = all(isinstance(v, str) for v in value)
            if not ok:
                raise ConfigError(f"{where}: '{section}.{key}' must be {_type_name(typ)}")
            if typ in (int, float) and value < 0:
                raise ConfigError(f"{where}: '{section}.{key}' must not be negative")
            values[key] = value
        out[section] = values
    return out


def read_file(path: Path) -> dict[str, dict[str, Any]]:
    import tomllib  # only where there is a file to read

    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read config {path}: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    return validate(data, str(path))


def load(config_path: str | Path | None = None, archive: str | Path | None = None) -> Config:
    """Build the effective config. Explicit arguments are the command-line flags."""
    explicit = config_path or os.environ.get("MIRROR_CONFIG")
    found = Path(explicit).expanduser() if explicit else default_config_path()
    values: dict[str, dict[str, Any]] = {}
    path: Path | None = None  # the file read, if any
    if explicit or found.is_file():
        values = read_file(found)
        path = found

    if archive:
        archive_path = Path(archive).expanduser()
    elif os.environ.get("MIRROR_HOME"):
        archive_path = Path(os.environ["MIRROR_HOME"]).expanduser()
    elif values.get("archive", {}).get("path"):
        archive_path = Path(values["archive"]["path"]).expanduser()
    else:
        archive_path = default_archive_path()

    bundle = dict(values.get("bundle", {}))
    if "trusted_keys" in bundle:
        bundle["trusted_keys"] = tuple(bundle["trusted_keys"])
    return Config(
        archive=archive_path,
        fetch=FetchConfig(**values.get("fetch", {})),
        mirrors=dict(values.get("mirrors", {})),
        crypto=CryptoConfig(**values.get("crypto", {})),
        bundle=BundleConfig(**bundle),
        source=path,
    )

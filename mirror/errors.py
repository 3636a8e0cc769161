"""One error hierarchy; `mirror.cli.main` maps it to a one-line message and an exit code.

Exit codes (DESIGN.md): 0 ok, 1 a usage or input error the user can fix,
2 a failed verification (wrong key, tampered or malicious input), 3 network,
130 interrupted (Ctrl-C).
"""

from __future__ import annotations


class MirrorError(Exception):
    """Base of every error a user may see. The message is one line."""

    exit_code = 1


class UsageError(MirrorError):
    """Bad arguments or input the user can fix."""


class ConfigError(MirrorError):
    """The config file is unreadable, has an unknown key or a wrong type."""


class ArchiveError(MirrorError):
    """The archive directory cannot be used (foreign content, newer schema...)."""


class NotFound(MirrorError):
    """An article id (or other named thing) does not exist."""


class ExtractionError(MirrorError):
    """A page yields no article (empty, not HTML, too large)."""


class RenderError(MirrorError):
    """A stored article cannot be rendered (its HTML defeats the parser)."""


class VerificationError(MirrorError):
    """Wrong key, tampered ciphertext, bad hash or signature, hostile bundle."""

    exit_code = 2


class NetworkError(MirrorError):
    """A fetch failed: timeout, refused, HTTP error, size cap, redirect loop."""

    exit_code = 3


class Interrupted(MirrorError):
    """The user pressed Ctrl-C (SIGINT): work stopped, what was done is kept."""

    exit_code = 130


class Locked(VerificationError):
    """An encrypted archive was opened with no key available."""


class WrongKey(VerificationError):
    """No key slot of an encrypted archive opens with the key given."""

"""The age error classes, one per failure class of the age testkit.

All decryption failures are `AgeError`, a `mirror.errors.VerificationError`
(exit code 2: wrong key, tampered or malicious input). Malformed key strings or
key files given by the user are `KeyFormatError`, a `UsageError` (exit code 1).
Messages never contain key material.
"""

from __future__ import annotations

from mirror.errors import UsageError, VerificationError


class AgeError(VerificationError):
    """Base class of every age decryption failure."""


class HeaderError(AgeError):
    """The header is malformed (or a stanza addressed to us is invalid, the scrypt
    work factor is above the cap, the payload nonce is missing...)."""


class NoMatchError(AgeError):
    """The header is well formed but no identity or passphrase unwraps any stanza."""


class MacError(AgeError):
    """A file key was unwrapped but the header MAC does not verify."""


class PayloadError(AgeError):
    """The payload failed to authenticate, is truncated or has trailing data.
    Chunks released before the failure were authentic."""


class ArmorError(AgeError):
    """The ASCII armor (PEM) wrapper is malformed."""


class KeyFormatError(UsageError, ValueError):
    """A recipient, identity or key file is malformed, or `encrypt` was misused."""

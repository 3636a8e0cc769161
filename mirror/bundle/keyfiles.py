"""What `keygen -y` prints for a key file. (Reading the small files a user
names, bounded and with one clear error each, is `mirror.fsutil`'s.)"""

from __future__ import annotations

from mirror.errors import UsageError


def public_keys(text: str, where: str) -> list[str]:
    """What `keygen -y` prints for a key file: each age identity's recipient,
    or a signing key's `ed25519:...` public key (as `age-keygen -y` does for
    identities). A file of public keys is refused: there is nothing to derive."""
    from mirror.bundle import signing
    from mirror.crypto import age

    signers = signing.secret_keys(text, where)
    if signers:
        return [signing.public_text(k.public) for k in signers]
    try:
        return [str(i.recipient()) for i in age.parse_identities(text)]
    except age.KeyFormatError as e:
        first = next((x.strip() for x in text.splitlines() if x.strip() and not x.startswith("#")), "")
        if first.startswith(("age1", signing.PUBLIC_PREFIX)):
            raise UsageError(f"{where} holds a public key, not a secret key: it is already what -y prints") from None
        raise UsageError(f"{where}: not an age identity or a signing key ({e})") from None


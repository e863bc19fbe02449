"""Join codes: short, typeable, unambiguous; only keyed hashes are kept, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# no 0/O, 1/l/I, and no U/V pair confusion either: read aloud and typed from a projector
ALPHABET = "23456789abcdefghjkmnpqrstwxyz"
CODE_LENGTH = 8  # 29**8 ≈ 5e11 codes; with rate-limited guessing, years to hit one
SALT_BYTES = 16


def new_code() -> str:
    """A fresh code such as 'k7pr-x2mh' (the dash is for reading; it is ignored when typed)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def normalise(code: str) -> str:
    """What a person typed, as the code it means: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.strip().lower() if ch not in " -_")


def code_hash(salt: str, code: str) -> str:
    """A keyed hash, so a code from another workshop (another salt) never matches here."""
    return hmac.new(bytes.fromhex(salt), normalise(code).encode(), hashlib.sha256).hexdigest()


def matches(salt: str, code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(code_hash(salt, code), stored_hash)

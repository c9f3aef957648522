"""JSON values sealed with AES-256-GCM: unreadable without their key, and refused if altered or moved.

Two jobs use it: the audit log seals a household's personal values with that household's own key (deleting
the key erases them), and the outbox seals a message carrying a secret while it waits to be sent. `bound_to`
is authenticated with the value, so a sealed value can't be copied to another record and opened there.
"""

import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12  # GCM's standard nonce, random for each value


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, bound_to: bytes, value) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return nonce + AESGCM(key).encrypt(nonce, plain, bound_to)


def unseal(key: bytes, bound_to: bytes, sealed: bytes):
    """The value; cryptography's InvalidTag if the key or `bound_to` is not the one it was sealed with."""
    return json.loads(AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], bound_to))

"""Secret keys: random ones made into an env file, then reused (the demo at each start; an operator once, for a
deployment's settings: README, Production).

`python -m bot.keys instance/keys.env` writes every required key (`config.secret_keys()`) that the
file lacks, as NAME=value lines readable by their owner only (mode 0600), and leaves the others alone:
the demo's national-ID hashes and invitation codes stay valid across restarts, and a key added to
`Config` later is added to an existing file. The app itself never generates keys: a missing one
stops start-up (`Config.validate`), so a deployment never runs on a key nobody chose to keep.
"""

import os
import secrets
import sys
from pathlib import Path

from bot.config import KEY_MIN_LENGTH, secret_keys


def random_key() -> str:
    """A fresh key: 64 URL-safe characters (48 random bytes), safe to `source` from a shell."""
    return secrets.token_urlsafe(max(48, KEY_MIN_LENGTH))


def generate() -> dict[str, str]:
    """A random value for every required key (benchmarks and the demo)."""
    return {name: random_key() for name in secret_keys()}


def read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def ensure(path: Path) -> list[str]:
    """Add the keys `path` lacks (creating it, mode 0600); returns the names added."""
    kept = read(path)
    added = {name: value for name, value in generate().items() if not kept.get(name)}
    if added:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as file:
            file.writelines(f"{name}={value}\n" for name, value in (kept | added).items())
    os.chmod(path, 0o600)
    return list(added)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bot.keys FILE")
    made = ensure(Path(sys.argv[1]))
    print(f"{sys.argv[1]}: new random {', '.join(made)}" if made else f"{sys.argv[1]}: keys kept")

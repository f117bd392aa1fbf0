"""The local password file: one ``name:scrypt$n$r$p$salt$hash`` line per person.

hashlib.scrypt (memory-hard, in the standard library, so no extra dependency) with a random
salt per person; the file never holds a password. OIDC sign-in, when configured, replaces this
file entirely (see cockpit/README.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path

N, R, P = 2**14, 8, 1  # OWASP's scrypt minimum: 16 MiB of memory per guess
NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(bytes.fromhex(digest))
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def read_users(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    lines = (line.strip() for line in path.read_text().splitlines())
    return dict(line.split(":", 1) for line in lines if line and not line.startswith("#"))


def add_user(path: Path, name: str, password: str) -> None:
    """Add or replace a person's hash; the file is written owner-readable only."""
    if not NAME.match(name):
        raise ValueError("a user name is 1-64 letters, digits or . _ @ -")
    if len(password) < 8:
        raise ValueError("a password has at least 8 characters")
    users = read_users(path) | {name: hash_password(password)}
    _write(path, users)


def remove_user(path: Path, name: str) -> bool:
    users = read_users(path)
    if users.pop(name, None) is None:
        return False
    _write(path, users)
    return True


def _write(path: Path, users: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(
        "# cockpit users: name:scrypt hash (python -m cockpit.users add NAME)\n"
        + "".join(f"{name}:{hashed}\n" for name, hashed in sorted(users.items()))
    )
    temporary.chmod(0o600)
    temporary.replace(path)


def authenticate(path: Path, name: str, password: str) -> bool:
    """Whether ``name`` signs in with ``password``; an unknown name costs the same work as a known one."""
    stored = read_users(path).get(name)
    if stored is None:
        check_password(password, hash_password("timing-equaliser", salt=b"\0" * 16))
        return False
    return check_password(password, stored)

"""The portal's guards: opaque expiring links, CSRF tokens, rate limits.

A link must name one customer, expire, resist tampering and show nothing about whom it names
(it sits in e-mails, browser histories and proxies' logs). It is a Fernet token — AES-128-CBC
encrypted and HMAC-SHA256 signed — over ``{"c": customer id, "x": expiry}``, with keys derived
by HKDF-SHA256 from the one portal secret: signed, expiring and opaque, from a maintained
library (``cryptography``, already a dependency) rather than hand-rolled crypto.

CSRF tokens are an HMAC of the session's link token under a separate derived key: bound to that
customer's session, stateless, and useless with any other session. Rate limits are an in-memory
sliding window (one process; behind several workers each keeps its own count, so the effective
limit is per worker — enough to stop a script hammering one instance).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_BYTES = 32


class Refused(Exception):
    """A link that is not (or no longer) valid; always answered with the same 403."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"relance-portal", info=purpose).derive(secret.encode())


class Links:
    """Issues and checks the customer links; ``clock`` gives UNIX seconds (tests pass their own)."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time):
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the portal secret must be at least {MIN_SECRET_BYTES} bytes")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"link")))
        self._csrf_key = _derive(secret, b"csrf")
        self.clock = clock

    def issue(self, customer_id: str, valid_days: int = 30) -> str:
        """A link token for one customer, valid ``valid_days`` from now (e-mails carry it)."""
        expiry = int(self.clock()) + valid_days * 86_400
        return self._fernet.encrypt(json.dumps({"c": customer_id, "x": expiry}).encode()).decode()

    def customer_of(self, token: str) -> tuple[str, int]:
        """(customer id, expiry) of a valid, unexpired token; raises Refused otherwise."""
        try:
            claims = json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError, UnicodeError) as err:
            raise Refused("invalid link") from err
        if not isinstance(claims, dict) or not isinstance(claims.get("c"), str) or not isinstance(claims.get("x"), int):
            raise Refused("invalid link")
        if claims["x"] <= self.clock():
            raise Refused("expired link")
        return claims["c"], claims["x"]

    def csrf(self, token: str) -> str:
        """The CSRF token of the session holding link ``token``."""
        return hmac.new(self._csrf_key, token.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, token: str, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf(token), str(submitted))


def fingerprint(token: str) -> str:
    """A short one-way name for a token, for rate-limit keys (never logged, never reversible)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


class SlidingWindow:
    """At most ``limit`` hits per key within the last ``seconds``; thread-safe (uvicorn may run
    sync routes in a thread pool). Keys with no recent hit are dropped, so memory stays bounded
    by the number of active clients."""

    def __init__(self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:
                self._forget(now)
            return True

    def _forget(self, now: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.seconds]:
            del self._hits[key]

"""A small receiver for SendGrid's signed Event Webhook.

It verifies SendGrid's ECDSA P-256 signature over timestamp + the exact raw body (with the
official client's ``EventWebhook``), refuses timestamps older than five minutes (SendGrid
documents no replay window, so a captured request could otherwise be replayed forever), and
lands each accepted body unchanged as a JSON file under ``<events dir>/<UTC day>/``. Parsing,
de-duplication on ``sg_event_id`` and the link to our messages happen at ingestion
(journeys/events.py), so the receiver stays fast and loses nothing when the warehouse is busy.

It faces the internet, so nothing a client sends can make it read without bound or wait forever:
the body is read only up to the declared Content-Length, itself at most ``MAX_BODY_BYTES`` (a
missing, negative or non-numeric one is refused before any read); every socket read times out;
and at most ``MAX_CONNECTIONS`` requests are served at once (beyond that a 503 at once, from the
accepting thread), so idle or slow clients cannot take every thread.

    SENDGRID_WEBHOOK_PUBLIC_KEY=<key from Mail Settings> make webhook PORT=8025
"""

from __future__ import annotations

import binascii
import hashlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
PATH = "/sendgrid/events"
TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 10 * 1024 * 1024
REQUEST_TIMEOUT_SECONDS = 10  # per socket read: SendGrid posts promptly, an idle client is dropped
MAX_CONNECTIONS = 32
LINGER_BYTES = 1024 * 1024  # what a refused client may still send us before we close (see _refuse)
BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
    b"Retry-After: 5\r\nConnection: close\r\n\r\nbusy\n"
)


@dataclass
class Verdict:
    status: int
    reason: str


class Receiver:
    """Verifies and lands webhook requests; independent of HTTP so tests can call it directly."""

    def __init__(
        self,
        public_key: str,
        events_dir: Path,
        clock: Callable[[], float] = time.time,
        tolerance: int = TOLERANCE_SECONDS,
    ):
        from sendgrid.helpers.eventwebhook import EventWebhook

        self.webhook = EventWebhook(public_key)
        self.events_dir, self.clock, self.tolerance = Path(events_dir), clock, tolerance

    def handle(self, signature: str | None, timestamp: str | None, body: bytes) -> Verdict:
        verdict = self.verify(signature, timestamp, body)
        if verdict.status != 200:
            log.warning("event webhook: rejected (%s)", verdict.reason)
            return verdict
        try:
            events = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            return Verdict(400, "body is not JSON")
        if not isinstance(events, list):
            return Verdict(400, "body is not a JSON array of events")
        path = self.land(body)
        log.info("event webhook: %d event(s) landed in %s", len(events), path.name)
        return Verdict(200, f"{len(events)} event(s) accepted")

    def verify(self, signature: str | None, timestamp: str | None, body: bytes) -> Verdict:
        if not signature or not timestamp:
            return Verdict(401, "missing signature or timestamp header")
        try:
            age = self.clock() - int(timestamp)
        except ValueError:
            return Verdict(401, "timestamp is not a UNIX time")
        if abs(age) > self.tolerance:
            return Verdict(401, f"timestamp {age:.0f} s away from now (tolerance {self.tolerance} s)")
        try:
            valid = self.webhook.verify_signature(body.decode("utf-8"), signature, timestamp)
        except (UnicodeDecodeError, binascii.Error, ValueError):
            valid = False
        return Verdict(200, "ok") if valid else Verdict(401, "bad signature")

    def land(self, body: bytes) -> Path:
        """Write the body atomically (temporary name, then rename), named by arrival and content."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        folder = self.events_dir / f"{now:%Y-%m-%d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{now:%H%M%S}-{hashlib.sha256(body).hexdigest()[:16]}.json"
        partial = path.with_suffix(".partial")
        partial.write_bytes(body)
        partial.replace(path)
        return path


def content_length(headers, limit: int) -> tuple[int, Verdict | None]:
    """The declared body length, or the 4xx that refuses it before anything is read: without a
    valid length, reading would mean reading until the client stops."""
    if headers.get("Transfer-Encoding"):
        return 0, Verdict(411, "send the body with a Content-Length, not chunked")
    values = {value.strip() for value in headers.get_all("Content-Length") or []}
    if not values:
        return 0, Verdict(411, "Content-Length required")
    if len(values) > 1 or not re.fullmatch(r"[0-9]+", value := values.pop()):
        return 0, Verdict(400, "Content-Length is not one non-negative integer")
    if len(value) > len(str(limit)) or int(value) > limit:
        return 0, Verdict(413, f"body larger than {limit} bytes")
    return int(value), None


def handler_for(
    receiver: Receiver, max_body: int = MAX_BODY_BYTES, timeout: float = REQUEST_TIMEOUT_SECONDS
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def setup(self):
            self.timeout = timeout  # StreamRequestHandler puts it on the socket: every read is bounded
            super().setup()

        def do_POST(self):
            if self.path.split("?")[0] != PATH:
                return self._reply(Verdict(404, "unknown path"))
            length, refusal = content_length(self.headers, max_body)
            if refusal:
                return self._refuse(refusal)
            try:
                body = self.rfile.read(length)
            except TimeoutError:
                return self._refuse(Verdict(408, "body not received in time"))
            if len(body) < length:
                return self._reply(Verdict(400, "body shorter than its Content-Length"))
            self._reply(receiver.handle(self.headers.get(SIGNATURE_HEADER), self.headers.get(TIMESTAMP_HEADER), body))

        def _reply(self, verdict: Verdict):
            data = verdict.reason.encode()
            self.send_response(verdict.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, verdict: Verdict):
            """Answer, then read and drop what the client still sends (bounded in bytes, and in time by
            the socket timeout): closing with unread data would reset the connection, and the client
            would lose our answer."""
            self._reply(verdict)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            drained = 0
            try:
                while drained < LINGER_BYTES and (chunk := self.connection.recv(65536)):
                    drained += len(chunk)
            except OSError:
                pass

        def log_message(self, format, *args):  # the default logs client addresses to stderr
            log.debug(format, *args)

    return Handler


class BoundedServer(ThreadingHTTPServer):
    """One thread per request, at most ``max_connections`` of them; beyond that the accepting
    thread answers 503 itself instead of starting one more."""

    daemon_threads = True

    def __init__(self, address, handler, max_connections: int = MAX_CONNECTIONS):
        super().__init__(address, handler)
        self.max_connections, self.slots = max_connections, threading.BoundedSemaphore(max_connections)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            log.warning("event webhook: %d requests in progress, refusing one more", self.max_connections)
            try:
                request.sendall(BUSY)
                request.recv(65536, socket.MSG_DONTWAIT)  # what already arrived, without waiting (see _refuse)
            except OSError:
                pass
            return self.shutdown_request(request)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def server(
    receiver: Receiver,
    host: str = "127.0.0.1",
    port: int = 8025,
    max_body: int = MAX_BODY_BYTES,
    timeout: float = REQUEST_TIMEOUT_SECONDS,
    max_connections: int = MAX_CONNECTIONS,
) -> BoundedServer:
    return BoundedServer((host, port), handler_for(receiver, max_body, timeout), max_connections)

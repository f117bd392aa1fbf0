"""A small receiver for SendGrid's signed Event Webhook.

It verifies SendGrid's ECDSA P-256 signature over timestamp + the exact raw body (with the
official client's ``EventWebhook``), refuses timestamps older than five minutes (SendGrid
documents no replay window, so a captured request could otherwise be replayed forever), and
lands each accepted body unchanged as a JSON file under ``<events dir>/<UTC day>/``. Parsing,
de-duplication on ``sg_event_id`` and the link to our messages happen at ingestion
(journeys/events.py), so the receiver stays fast and loses nothing when the warehouse is busy.

    SENDGRID_WEBHOOK_PUBLIC_KEY=<key from Mail Settings> make webhook PORT=8025
"""

from __future__ import annotations

import binascii
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
PATH = "/sendgrid/events"
TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass
class Verdict:
    status: int
    reason: str


class Receiver:
    """Verifies and lands webhook requests; independent of HTTP so tests can call it directly."""

    def __init__(self, public_key: str, events_dir: Path, clock: Callable[[], float] = time.time,
                 tolerance: int = TOLERANCE_SECONDS):
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
        except ValueError:
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
        now = datetime.fromtimestamp(self.clock(), timezone.utc)
        folder = self.events_dir / f"{now:%Y-%m-%d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{now:%H%M%S}-{hashlib.sha256(body).hexdigest()[:16]}.json"
        partial = path.with_suffix(".partial")
        partial.write_bytes(body)
        partial.replace(path)
        return path


def handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            if self.path.split("?")[0] != PATH:
                return self._reply(Verdict(404, "unknown path"))
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                return self._reply(Verdict(413, "body too large"))
            body = self.rfile.read(length)
            self._reply(receiver.handle(self.headers.get(SIGNATURE_HEADER), self.headers.get(TIMESTAMP_HEADER), body))

        def _reply(self, verdict: Verdict):
            data = verdict.reason.encode()
            self.send_response(verdict.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # the default logs client addresses to stderr
            log.debug(format, *args)

    return Handler


def server(receiver: Receiver, host: str = "127.0.0.1", port: int = 8025) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), handler_for(receiver))

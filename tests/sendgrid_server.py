"""A local stand-in for api.sendgrid.com that records requests, shared by the delivery tests and
benchmarks/delivery_kills.py.

``script`` gives the answer to successive mail/send requests (then 202): a status, or a status and
the headers to send with it. ``hang_at`` makes the n-th mail/send request (1-based) wait unanswered
before SendGrid accepted it, as SendGrid looks to a client killed mid-request; ``accept_then_hang_at``
accepts the n-th request, records its ``processed`` event, then never answers: the case where the
answer is lost after the accept (a timeout, or a crash between accept and record). Every accepted
message gets a ``processed`` event in ``events``, what SendGrid's Event Webhook would post.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REFUSAL = {
    "errors": [{"field": "from.email", "message": "The from address does not match a verified Sender Identity."}]
}


class SendGridServer:
    def __init__(self, script: list | None = None, hang_at: int | None = None, accept_then_hang_at: int | None = None):
        self.script, self.hang_at, self.accept_then_hang_at = list(script or []), hang_at, accept_then_hang_at
        self.sends: list[dict] = []
        self.accepted: list[str] = []
        self.events: list[dict] = []
        self.batches = 0
        self.lock = threading.Lock()
        self.hanging, self.release = threading.Event(), threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.host = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def reset(self, **kwargs) -> None:
        """Forget every request (the benchmark reuses one server for each of its rounds)."""
        with self.lock:
            self.sends, self.accepted, self.events = [], [], []
            self.script = list(kwargs.get("script") or [])
            self.hang_at, self.accept_then_hang_at = kwargs.get("hang_at"), kwargs.get("accept_then_hang_at")
            self.release.set()
            self.hanging, self.release = threading.Event(), threading.Event()

    def events_body(self) -> bytes:
        """The Event Webhook payload SendGrid would have posted for what it accepted."""
        with self.lock:
            return json.dumps(self.events).encode()

    def _accept(self, body: dict) -> int:
        message_id = body["custom_args"]["message_id"]
        self.accepted.append(message_id)
        n = len(self.accepted)
        self.events.append(
            {
                "email": body["personalizations"][0]["to"][0]["email"],
                "timestamp": int(time.time()),
                "event": "processed",
                "sg_event_id": f"processed-{n}-{message_id}",
                "sg_message_id": f"sg-{n}.filter",
                "message_id": message_id,
            }
        )
        return n

    def _route(self, body: dict, auth: str):
        """What to answer to one mail/send request: (status, payload, headers), or None to hang."""
        with self.lock:
            self.sends.append(body | {"_auth": auth})
            n = len(self.sends)
            if self.hang_at == n:
                return None
            if self.accept_then_hang_at == n:
                self._accept(body)
                return None
            step = self.script.pop(0) if self.script else 202
            status, headers = step if isinstance(step, tuple) else (step, {"Retry-After": "7"} if step == 429 else {})
            if status == 202:
                return 202, None, {"X-Message-Id": f"sg-{self._accept(body)}"}
            return status, REFUSAL, headers

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"] or 0)) or b"{}")
                if self.path == "/v3/mail/batch":
                    server.batches += 1
                    return self._answer(201, {"batch_id": f"batch-{server.batches}"})
                answer = server._route(body, self.headers["Authorization"])
                if answer is None:
                    release = server.release
                    server.hanging.set()
                    release.wait(60)
                    return None
                self._answer(*answer)

            def _answer(self, status, payload, headers=None):
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

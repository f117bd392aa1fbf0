"""The portal's app factory and the checks every request goes through.

Order of the guards, outermost first: per-IP rate limit (so guessing links is slow too), then —
on every page but the link's landing — the session cookie's link token (valid, unexpired, one
customer) and a per-token rate limit, then on every form its CSRF token. The secret comes in as
a parameter: the process's settings module is the one reader of the environment.

Nothing personal reaches a URL or a log: the link token appears once, in the path of
``/start/<token>``, which swaps it for an HttpOnly cookie and redirects to ``/``; the access log
names the route's function, never the path or its query; ``Referrer-Policy: no-referrer`` keeps
even that first URL out of other sites' logs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from journeys.catalog import load_branding
from portal import routes
from portal.security import Links, SlidingWindow
from portal.warehouse import Unavailable

access_log = logging.getLogger("portal.access")

MAX_BODY_BYTES = 16 * 1024  # the largest form (a dispute comment) is far smaller
TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Limits:
    """Requests allowed per sliding window, per client IP and per link token."""

    per_ip: int = 120
    per_token: int = 60
    window_seconds: float = 60.0


@dataclass
class Portal:
    """What the routes need, kept on ``app.state.portal``."""

    links: Links
    warehouse_path: Path
    events_dir: Path
    brand: dict
    templates: Jinja2Templates
    ip_window: SlidingWindow
    token_window: SlidingWindow


def _small_body(length: str | None) -> bool:
    """Forms from browsers always declare their length; refusing the rest (chunked, huge) means
    no request can make the form parser read without bound."""
    return bool(length) and length.isdigit() and int(length) <= MAX_BODY_BYTES


def security_headers(payment_link: str) -> dict[str, str]:
    """Headers on every answer: no caching of account pages, no referrer, no framing, and a CSP
    that allows only our own stylesheet and forms posting to us or to the payment page."""
    parts = urlsplit(payment_link)
    pay_origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    csp = (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; "
        f"form-action 'self' {pay_origin}".strip()
    )
    return {
        "Content-Security-Policy": csp,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "Strict-Transport-Security": "max-age=31536000",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def create_app(
    secret: str,
    warehouse_path: Path,
    events_dir: Path,
    brand: dict | None = None,
    limits: Limits = Limits(),
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The portal over ``warehouse_path`` (the warehouse or a published copy, opened read-only per
    request), landing actions under ``events_dir``. ``clock`` gives UNIX seconds for link expiry
    and the rate windows (tests pass their own, so nothing waits on real time)."""
    brand = load_branding() if brand is None else brand
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = Portal(
        links=Links(secret, clock),
        warehouse_path=Path(warehouse_path),
        events_dir=Path(events_dir),
        brand=brand,
        templates=Jinja2Templates(env=env),
        ip_window=SlidingWindow(limits.per_ip, limits.window_seconds, clock),
        token_window=SlidingWindow(limits.per_token, limits.window_seconds, clock),
    )
    headers = security_headers(str(brand.get("payment_link", "")))

    @app.middleware("http")
    async def guard(request: Request, call_next) -> Response:
        started = time.perf_counter()
        client = request.client.host if request.client else "-"
        if not app.state.portal.ip_window.allow(client):
            response = PlainTextResponse("Too many requests, please try again in a minute.", 429, {"Retry-After": "60"})
        elif request.method == "POST" and not _small_body(request.headers.get("content-length")):
            response = PlainTextResponse("A form must declare its length and stay small.", 413)
        else:
            response = await call_next(request)
        response.headers.update(headers)
        endpoint = request.scope.get("endpoint")
        access_log.info(
            "%s %s %d %.0fms",
            request.method,
            getattr(endpoint, "__name__", "-"),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    @app.exception_handler(HTTPException)
    async def refused(request: Request, err: HTTPException) -> Response:
        return routes.problem(request, err.status_code, str(err.detail), err.headers)

    @app.exception_handler(Unavailable)
    async def busy(request: Request, err: Unavailable) -> Response:
        return routes.problem(
            request, 503, "Your account is being updated, please try again in a few minutes.", {"Retry-After": "120"}
        )

    app.include_router(routes.router)
    return app

"""The portal faces the internet: these tests try what an attacker or a careless forward would.

Links are refused when expired, tampered, signed by another key or for an unknown customer; a
customer's link never reaches another customer's invoices; forms without the session's CSRF
token are refused; floods are rate limited; and no URL, header or log line carries the link
token, a customer id or an e-mail address. Time is a fake clock, so nothing waits.
"""

from __future__ import annotations

import base64
import io
import logging
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from portal.app import Limits, create_app
from portal.security import Links
from tests.portal_world import ALICE, ALICE_EMAIL, BOB, NOW, SECRET, build_warehouse

FORM_POSTS = ["/pay/F-2026-0042", "/promise/F-2026-0042", "/dispute/F-2026-0042", "/plan", "/contact", "/unsubscribe"]


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world(tmp_path):
    clock = Clock()
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb")

    def client(limits: Limits | None = None) -> TestClient:
        app = create_app(SECRET, warehouse, tmp_path / "events", limits=limits or Limits(), clock=clock)
        return TestClient(app, base_url="https://portal.test")

    return clock, client, tmp_path / "events"


def signed_in(client: TestClient, customer_id: str, links: Links) -> TestClient:
    assert client.get(f"/start/{links.issue(customer_id)}", follow_redirects=False).status_code == 303
    return client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def landed(events_dir) -> list:
    return sorted(events_dir.glob("*/*.json"))


def test_a_valid_link_opens_the_account_and_leaves_the_url(world):
    clock, client, _ = world
    c = client()
    token = Links(SECRET, clock).issue(ALICE)
    start = c.get(f"/start/{token}", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"] == "/"
    cookie = start.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    page = c.get("/")
    assert page.status_code == 200 and "F-2026-0042" in page.text and "UK-77" not in page.text


def test_expired_tampered_foreign_and_unknown_links_are_refused(world):
    clock, client, _ = world
    links = Links(SECRET, clock)
    expired = links.issue(ALICE, valid_days=1)
    tampered = links.issue(ALICE)
    tampered = tampered[:40] + ("A" if tampered[40] != "A" else "B") + tampered[41:]
    foreign = Links("another-portal-secret-of-32-bytes-or-more", clock).issue(ALICE)
    unknown = links.issue("C-9999")
    clock.now += 2 * 86_400
    c = client()
    for token in (expired, tampered, foreign, "", "not-a-token"):
        if token:
            assert c.get(f"/start/{token}", follow_redirects=False).status_code == 403
        c.cookies.set("portal_session", token)
        assert c.get("/").status_code == 403
        assert c.get("/pdf/statement").status_code == 403
    c.cookies.set("portal_session", unknown)
    assert c.get("/").status_code == 403


def test_an_expired_session_cookie_stops_working(world):
    clock, client, _ = world
    c = signed_in(client(), ALICE, Links(SECRET, clock))
    assert c.get("/").status_code == 200
    clock.now += 31 * 86_400
    c.cookies.set("portal_session", c.cookies.get("portal_session"))  # a browser ignoring Max-Age
    assert c.get("/").status_code == 403


def test_another_customers_invoices_are_out_of_reach(world):
    clock, client, events_dir = world
    bob = signed_in(client(), BOB, Links(SECRET, clock))
    page = bob.get("/")
    assert "UK-77" in page.text and "F-2026-0042" not in page.text and "Alice" not in page.text
    csrf = csrf_of(bob.get("/invoice/UK-77").text)
    for path in ("/invoice/F-2026-0042", "/pdf/invoice/F-2026-0042", "/pdf/invoice/F-2026%2F0107"):
        assert bob.get(path).status_code == 404
    for path in ("/pay/F-2026-0042", "/promise/F-2026-0042", "/dispute/F-2026-0042"):
        data = {"csrf": csrf, "promised_date": "2026-12-20", "amount": "10.00", "reason": "other", "comment": ""}
        assert bob.post(path, data=data, follow_redirects=False).status_code == 404
    assert landed(events_dir) == []
    statement = PdfReader(io.BytesIO(bob.get("/pdf/statement").content))
    text = " ".join(page.extract_text() for page in statement.pages)
    assert "UK-77" in text and "C-2002" in text and "F-2026" not in text and ALICE not in text


def test_forms_without_the_sessions_csrf_token_are_refused(world):
    clock, client, events_dir = world
    links = Links(SECRET, clock)
    alice = signed_in(client(), ALICE, links)
    bob_csrf = csrf_of(signed_in(client(), BOB, links).get("/plan").text)
    for path in FORM_POSTS:
        assert alice.post(path, data={"reason": "other"}, follow_redirects=False).status_code == 403
        assert alice.post(path, data={"csrf": bob_csrf}, follow_redirects=False).status_code == 403
    assert landed(events_dir) == []
    good = alice.post("/unsubscribe", data={"csrf": csrf_of(alice.get("/unsubscribe").text)}, follow_redirects=False)
    assert good.status_code == 303 and len(landed(events_dir)) == 1


def test_repeated_requests_are_rate_limited_per_token_then_released(world):
    clock, client, _ = world
    c = signed_in(client(Limits(per_ip=1000, per_token=5, window_seconds=60)), ALICE, Links(SECRET, clock))
    assert [c.get("/").status_code for _ in range(6)] == [200] * 5 + [429]
    assert c.get("/").headers["retry-after"] == "60"
    other = signed_in(client(Limits(per_ip=1000, per_token=5, window_seconds=60)), BOB, Links(SECRET, clock))
    assert other.get("/").status_code == 200  # Bob's link has its own budget
    clock.now += 61
    assert c.get("/").status_code == 200


def test_repeated_requests_are_rate_limited_per_ip_even_without_a_link(world):
    _, client, _ = world
    c = client(Limits(per_ip=3, per_token=100, window_seconds=60))
    assert [c.get("/start/guess").status_code for _ in range(4)] == [403, 403, 403, 429]


def test_no_generated_url_or_header_names_the_customer_or_carries_the_token(world):
    clock, client, _ = world
    links = Links(SECRET, clock)
    c = client()
    token = links.issue(ALICE)
    c.get(f"/start/{token}", follow_redirects=False)
    pages = [
        c.get(path)
        for path in ("/", "/invoice/F-2026-0042", "/invoice/F-2026%2F0107", "/plan", "/contact", "/unsubscribe")
    ]
    urls = [u for p in pages for u in re.findall(r'(?:href|action|src)="([^"]*)"', p.text)]
    csrf = csrf_of(pages[1].text)
    redirects = [
        c.post(path, data=data, follow_redirects=False).headers["location"]
        for path, data in (
            ("/pay/F-2026%2F0107", {"csrf": csrf}),
            ("/promise/F-2026-0042", {"csrf": csrf, "promised_date": "2026-12-20", "amount": "100.00"}),
            ("/contact", {"csrf": csrf, "name": "Compta", "email": ALICE_EMAIL, "phone": ""}),
        )
    ]
    assert len(urls) > 15 and "/pdf/invoice/F-2026%2F0107" in urls
    assert redirects[0] == (
        "https://pay.relance.example/invoices/F-2026%2F0107?amount=980.50&currency=EUR&reference=F-2026%2F0107"
    )
    for url in urls + redirects:
        assert ALICE not in url and ALICE_EMAIL not in url and token not in url and "%40" not in url
    headers = pages[0].headers
    assert headers["referrer-policy"] == "no-referrer" and headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY" and "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_log_records_during_requests_carry_no_token_and_no_customer(world, caplog):
    clock, client, _ = world
    token = Links(SECRET, clock).issue(ALICE)
    c = client()
    with caplog.at_level(logging.DEBUG):
        c.get(f"/start/{token}?utm=x", follow_redirects=False)
        csrf = csrf_of(c.get("/contact").text)
        c.post("/contact", data={"csrf": csrf, "name": "Compta", "email": ALICE_EMAIL, "phone": ""})
        c.get("/pdf/invoice/F-2026-0042")
        c.get("/start/tampered-token-value", follow_redirects=False)
    # everything the server side logged (httpx's records are the test client's own requests)
    text = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("httpx"))
    assert "GET start 303" in text and "POST account_action 303" in text  # the access log is there...
    for secret in (token, "tampered-token-value", csrf, ALICE, ALICE_EMAIL, "utm", "F-2026-0042"):
        assert secret not in text  # ...and names routes, never paths, queries or people


def test_oversized_or_undeclared_bodies_and_past_promises_are_refused(world):
    clock, client, events_dir = world
    c = signed_in(client(), ALICE, Links(SECRET, clock))
    csrf = csrf_of(c.get("/plan").text)
    huge = c.post("/plan", data={"csrf": csrf, "installments": "3", "first_date": "2026-12-20", "note": "x" * 20_000})
    assert huge.status_code == 413
    chunked = c.post(
        "/unsubscribe",
        content=iter([f"csrf={csrf}".encode()]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 413
    past = c.post("/promise/F-2026-0042", data={"csrf": csrf, "promised_date": "2026-11-01", "amount": "10.00"})
    assert past.status_code == 422 and landed(events_dir) == []


def test_an_unreadable_warehouse_answers_503_and_says_nothing_more(world, tmp_path):
    clock, _, _ = world
    app = create_app(SECRET, tmp_path / "not-published-yet.duckdb", tmp_path / "events", clock=clock)
    c = signed_in(TestClient(app, base_url="https://portal.test"), ALICE, Links(SECRET, clock))
    page = c.get("/")
    assert page.status_code == 503 and page.headers["retry-after"] == "120"
    assert "duckdb" not in page.text.lower() and "not-published-yet" not in page.text


def test_the_entry_point_issues_links_it_accepts_with_a_secret_never_guessable(monkeypatch, capsys, tmp_path):
    from orchestration import settings
    from portal.__main__ import main

    monkeypatch.delenv("RELANCE_PORTAL_SECRET", raising=False)
    monkeypatch.setenv("RELANCE_HOME", str(tmp_path))
    assert main(["--link", ALICE]) == 0  # no setting: a random key made once under RELANCE_HOME
    generated = (tmp_path / "portal_secret").read_text()
    assert len(generated) >= 48 and (tmp_path / "portal_secret").stat().st_mode & 0o077 == 0
    assert Links(settings.portal_secret()).customer_of(capsys.readouterr().out.strip())[0] == ALICE
    assert settings.portal_secret() == generated  # the same key next time
    monkeypatch.setenv("RELANCE_PORTAL_SECRET", SECRET)
    assert main(["--link", ALICE]) == 0
    token = capsys.readouterr().out.strip()
    assert ALICE.encode() not in base64.urlsafe_b64decode(token)  # opaque: encrypted, not just encoded
    assert Links(SECRET).customer_of(token)[0] == ALICE

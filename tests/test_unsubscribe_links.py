"""Every reminder tells its reader how to stop them, and in dry-run the way works: the body's
link and the RFC 8058 one-click header lead to the local customer portal, whose events the next
run ingests; no address or id is readable in either."""

from __future__ import annotations

import email
import email.policy
import re

import duckdb
import pandas as pd
from fastapi.testclient import TestClient

from journeys import delivery, render
from portal import events
from portal.app import create_app
from portal.security import Links
from tests.test_journeys_delivery import AS_OF, BRAND, NOW, warehouse

SECRET = "s" * 48


def dry_run_message(tmp_path, monkeypatch):
    from orchestration.resources import SendGridResource

    monkeypatch.setenv("RELANCE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RELANCE_PORTAL_SECRET", SECRET)
    monkeypatch.setenv("RELANCE_PORTAL_URL", "https://portal.test")
    monkeypatch.delenv("SENDGRID_API_KEY", raising=False)
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=1)
    sender = SendGridResource().sender()
    assert delivery.deliver(con, sender, BRAND, "2026-03-02", now=NOW).sent == 1
    path = next((tmp_path / "home" / "outbox").rglob("*.eml"))
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_a_dry_run_email_carries_one_click_headers_and_a_working_portal_link(tmp_path, monkeypatch):
    eml = dry_run_message(tmp_path, monkeypatch)
    one_click, mailto = re.findall(r"<([^>]+)>", eml["List-Unsubscribe"])
    assert eml["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert one_click.startswith("https://portal.test/one-click-unsubscribe/")
    assert mailto.startswith("mailto:collections@relance.example?subject=unsubscribe%20rl-test-00")
    text = eml.get_body(("plain",)).get_content()
    assert render.SENDGRID_UNSUBSCRIBE_TAG not in text + eml.get_body(("html",)).get_content()
    page = re.search(r"https://portal\.test/start/\S+\?then=unsubscribe", text).group(0)
    for url in (one_click, page):  # opaque: neither the customer id nor an address in the links
        # the id as no part of the path or query (the random token itself may hold "C1" by chance)
        assert "C1" not in re.split(r"[/?=&]", url) and "jeanne" not in url.lower()

    app = create_app(SECRET, tmp_path / "w.duckdb", tmp_path / "portal_events")
    client = TestClient(app, base_url="https://portal.test")
    opened = client.get(page.removeprefix("https://portal.test"), follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/unsubscribe"
    assert (
        client.post(
            one_click.removeprefix("https://portal.test"),
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ).status_code
        == 200
    )
    con = duckdb.connect()
    events.ingest(con, tmp_path / "portal_events")
    assert con.execute("select customer_id, kind from journeys.portal_events").fetchall() == [("C1", "unsubscribe")]


def test_one_click_refuses_a_forged_token_and_a_body_that_is_not_the_rfc_one(tmp_path):
    app = create_app(SECRET, tmp_path / "w.duckdb", tmp_path / "portal_events")
    client = TestClient(app, base_url="https://portal.test")
    token = Links(SECRET).issue("C1")
    assert client.post("/one-click-unsubscribe/forged", content=b"List-Unsubscribe=One-Click").status_code == 403
    assert client.post(f"/one-click-unsubscribe/{token}", content=b"hello").status_code == 400
    assert not list((tmp_path / "portal_events").rglob("*.json"))

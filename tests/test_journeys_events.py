"""SendGrid events coming back: the signed webhook receiver over real HTTP, and ingestion that
de-duplicates on sg_event_id, flags machine opens and ties each event to its contact (dbt's
int_contacts_suppression then suppresses the address: its unit test and test_journeys_book)."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request

import duckdb
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from journeys import events, store, webhook

NOW = 1_780_000_000


@pytest.fixture(scope="module")
def keys():
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(public).decode()


def sign(private, timestamp: str, body: bytes) -> str:
    return base64.b64encode(private.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))).decode()


@pytest.fixture
def receiver_url(tmp_path, keys):
    receiver = webhook.Receiver(keys[1], tmp_path / "events", clock=lambda: NOW)
    httpd = webhook.server(receiver, port=0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{webhook.PATH}"
    httpd.shutdown()


def post(url: str, body: bytes, signature: str, timestamp: str) -> int:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            webhook.SIGNATURE_HEADER: signature,
            webhook.TIMESTAMP_HEADER: timestamp,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def event(sg_event_id: str, kind: str, message_id: str = "rl-m1", **extra) -> dict:
    return {
        "email": "jeanne.dupont@client.example",
        "timestamp": NOW - 60,
        "event": kind,
        "sg_event_id": sg_event_id,
        "sg_message_id": "sg.1",
        "category": ["relance-reminder"],
        "message_id": message_id,
    } | extra


def landed(tmp_path) -> list:
    return sorted((tmp_path / "events").glob("*/*.json"))


def test_a_good_signature_is_accepted_and_the_raw_body_landed(tmp_path, keys, receiver_url):
    body = json.dumps([event("e1", "delivered")], separators=(",", ":")).encode()
    assert post(receiver_url, body, sign(keys[0], str(NOW), body), str(NOW)) == 200
    assert [p.read_bytes() for p in landed(tmp_path)] == [body]


def test_a_bad_signature_is_rejected_and_nothing_landed(tmp_path, keys, receiver_url):
    body = json.dumps([event("e1", "delivered")]).encode()
    tampered = body.replace(b"delivered", b"unsubscribe")
    assert post(receiver_url, tampered, sign(keys[0], str(NOW), body), str(NOW)) == 401
    other_key = ec.generate_private_key(ec.SECP256R1())
    assert post(receiver_url, body, sign(other_key, str(NOW), body), str(NOW)) == 401
    assert post(receiver_url, body, "not base64 at all!", str(NOW)) == 401
    assert landed(tmp_path) == []


def test_a_stale_timestamp_is_rejected_even_when_signed(tmp_path, keys, receiver_url):
    body = json.dumps([event("e1", "delivered")]).encode()
    stale = str(NOW - webhook.TOLERANCE_SECONDS - 1)
    assert post(receiver_url, body, sign(keys[0], stale, body), stale) == 401
    assert landed(tmp_path) == []


def warehouse_with_a_message(path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    store.ensure(con)
    con.execute(
        "insert into journeys.outbox (message_id, customer_id, contact_id, channel, status) "
        "values ('rl-m1', 'C1', 'K1', 'email', 'sent')"
    )
    return con


def test_ingestion_deduplicates_flags_machine_opens_and_ties_events_to_the_contact(tmp_path, keys):
    receiver = webhook.Receiver(keys[1], tmp_path / "events", clock=lambda: NOW)
    first = json.dumps([event("e1", "delivered"), event("e2", "open", sg_machine_open=True)]).encode()
    again = json.dumps(
        [
            event("e2", "open", sg_machine_open=True),
            event("e3", "open"),
            event("e4", "unsubscribe"),
            event("e5", "bounce", message_id="not-ours"),
            {"event": "no id"},
        ]
    ).encode()
    for body in (first, again):
        assert receiver.handle(sign(keys[0], str(NOW), body), str(NOW), body).status == 200
    con = warehouse_with_a_message(tmp_path / "w.duckdb")

    report = events.ingest(con, tmp_path / "events")
    assert (report.files, report.new) == (2, 5)
    rows = con.execute(
        "select sg_event_id, event, machine_open, contact_id from journeys.sendgrid_events order by 1"
    ).fetchall()
    assert rows == [
        ("e1", "delivered", False, "K1"),
        ("e2", "open", True, "K1"),
        ("e3", "open", False, "K1"),
        ("e4", "unsubscribe", False, "K1"),
        ("e5", "bounce", False, None),
    ]
    assert landed(tmp_path) == [] and len(list((tmp_path / "events" / "ingested").glob("*/*.json"))) == 2
    assert events.ingest(con, tmp_path / "events").files == 0

"""The webhook receiver as an attacker or a broken client would meet it, over real sockets: the body
is bounded whatever the headers say, bad headers get a 4xx and no traceback, idle and slow clients
are dropped, connections are bounded; and ingestion takes each event on its own, so a bad event or
an unreadable file is quarantined alone with its reason and never blocks what comes after it."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from journeys import events, webhook
from tests import test_journeys_events as base
from tests.test_journeys_events import NOW, event, post, sign, warehouse_with_a_message

keys = base.keys  # the signing key pair, as a fixture
CAP = 4096


@pytest.fixture
def receiver_port(tmp_path, keys):
    receiver = webhook.Receiver(keys[1], tmp_path / "events", clock=lambda: NOW)
    httpd = webhook.server(receiver, port=0, max_body=CAP, timeout=0.5, max_connections=2)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def exchange(port: int, data: bytes, finish: bool = True) -> bytes:
    """Send raw bytes, optionally close our side, and read the whole answer (b'' if the server
    just closed). The client's own timeout only stops a hung test."""
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(data)
            if finish:
                sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered and closed before reading everything: read its answer
            pass
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer else 0


def head(length: str | None, extra: str = "") -> bytes:
    lines = ["POST /sendgrid/events HTTP/1.1", "Host: localhost", "Content-Type: application/json"]
    lines += [f"Content-Length: {length}"] if length is not None else []
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


@pytest.mark.parametrize(
    "length, expected", [("-1", 400), ("abc", 400), ("+5", 400), ("1e3", 400), (None, 411), ("5, 5000", 400)]
)
def test_a_bad_or_missing_content_length_is_refused_before_any_read(tmp_path, receiver_port, capsys, length, expected):
    answer = exchange(receiver_port, head(length) + b"[" + b" " * (CAP * 4) + b"]")
    assert status(answer) == expected, answer[:200]
    assert list((tmp_path / "events").glob("*/*.json")) == []
    assert "Traceback" not in capsys.readouterr().err


def test_chunked_bodies_are_refused_and_oversized_ones_too(receiver_port):
    chunked = head(None, "Transfer-Encoding: chunked\r\n") + b"5\r\n[]\r\n0\r\n\r\n"
    assert status(exchange(receiver_port, chunked)) == 411
    assert status(exchange(receiver_port, head(str(CAP + 1)) + b" " * (CAP + 1))) == 413
    assert status(exchange(receiver_port, head("9" * 400))) == 413


@pytest.mark.parametrize(
    "data",
    [b"POST /sendgrid/events HTTP/1.1\r\nHost: x", head("100") + b"[1, 2"],
    ids=["idle in the headers", "slow body"],
)
def test_idle_and_slow_clients_are_dropped(receiver_port, data):
    answer = exchange(receiver_port, data, finish=False)  # we never close: the server must
    assert answer == b"" or status(answer) == 408


def test_connections_beyond_the_limit_get_503_at_once_and_slots_come_back(receiver_port):
    idle = [socket.create_connection(("127.0.0.1", receiver_port), timeout=10) for _ in range(2)]
    for sock in idle:
        sock.sendall(b"POST /sendgrid/events HTTP/1.1\r\n")
    try:
        assert status(exchange(receiver_port, head("2") + b"[]")) == 503
    finally:
        for sock in idle:
            sock.close()
    answers = [status(exchange(receiver_port, head("2") + b"[]")) for _ in range(100)]
    assert 401 in answers, "slots never released"


def test_a_body_nested_too_deep_is_refused_not_a_traceback(tmp_path, keys, receiver_port, capsys):
    body = b"[" * 2000 + b"]" * 2000
    signed = sign(keys[0], str(NOW), body)
    request = head(str(len(body)), f"{webhook.SIGNATURE_HEADER}: {signed}\r\n{webhook.TIMESTAMP_HEADER}: {NOW}\r\n")
    assert status(exchange(receiver_port, request + body)) == 400
    assert "Traceback" not in capsys.readouterr().err


BAD_EVENTS = [
    {"sg_event_id": "bad-stamp", "event": "open", "timestamp": "yesterday", "message_id": "rl-m1"},
    event("huge-stamp", "open", timestamp=1e18),
    event("negative-stamp", "open", timestamp=-5),
    event("year-9999", "open", timestamp=253402300799),
    event("no-kind", None),
    event("odd-message", "open", message_id={"nested": 1}),
    "not an event",
    {"event": "open"},
]


def test_each_event_of_a_signed_batch_is_validated_on_its_own(tmp_path, keys):
    receiver = webhook.Receiver(keys[1], tmp_path / "events", clock=lambda: NOW)
    httpd = webhook.server(receiver, port=0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    body = json.dumps([event("e1", "delivered"), *BAD_EVENTS, event("e9", "unsubscribe")]).encode()
    url = f"http://127.0.0.1:{httpd.server_address[1]}{webhook.PATH}"
    try:
        assert post(url, body, sign(keys[0], str(NOW), body), str(NOW)) == 200
    finally:
        httpd.shutdown()
        httpd.server_close()
    con = warehouse_with_a_message(tmp_path / "w.duckdb")

    report = events.ingest(con, tmp_path / "events", clock=lambda: NOW)
    assert (report.files, report.new, report.rejected_events) == (1, 2, len(BAD_EVENTS))
    assert con.execute("select sg_event_id from journeys.sendgrid_events order by 1").fetchall() == [("e1",), ("e9",)]
    rejects = con.execute(
        "select position, sg_event_id, reason from journeys.sendgrid_event_rejects order by position"
    ).fetchall()
    assert [r[0] for r in rejects] == list(range(1, len(BAD_EVENTS) + 1))
    assert [r[1] for r in rejects][:6] == [
        "bad-stamp",
        "huge-stamp",
        "negative-stamp",
        "year-9999",
        "no-kind",
        "odd-message",
    ]
    assert all(r[2] for r in rejects) and "timestamp" in rejects[0][2] and "sg_event_id" in rejects[-1][2]
    # dbt's int_contacts_suppression reads this table: a landed unsubscribe suppresses K1 (test_journeys_book)
    landed = con.execute("select contact_id from journeys.sendgrid_events where event = 'unsubscribe'").fetchall()
    assert landed == [("K1",)], "the valid unsubscribe did not land"


def test_a_file_that_cannot_be_ingested_is_quarantined_and_never_blocks_later_ones(tmp_path):
    day = tmp_path / "events" / "2026-05-28"
    day.mkdir(parents=True)
    (day / "080000-nested.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    (day / "080001-cut.json").write_bytes(b'[{"sg_event_id": "x", "event": "op')
    (day / "080002-bytes.json").write_bytes(b"[\xc3\x28]")
    (day / "080003-object.json").write_bytes(b'{"sg_event_id": "y"}')
    (day / "080004-absurd.json").write_text(json.dumps([event("e0", "open", timestamp=1e18)]))
    (day / "090000-good.json").write_text(json.dumps([event("e1", "delivered"), event("e2", "unsubscribe")]))
    con = warehouse_with_a_message(tmp_path / "w.duckdb")

    report = events.ingest(con, tmp_path / "events", clock=lambda: NOW)
    assert (report.files, report.new, report.rejected_files, report.rejected_events) == (2, 2, 4, 1)
    quarantined = sorted(p.name for p in (tmp_path / "events" / "rejected" / "2026-05-28").glob("*.json"))
    assert quarantined == ["080000-nested.json", "080001-cut.json", "080002-bytes.json", "080003-object.json"]
    reasons = dict(
        con.execute("select source_file, reason from journeys.sendgrid_event_rejects where position is null").fetchall()
    )
    assert set(reasons) == set(quarantined) and all(reasons.values())
    assert events.ingest(con, tmp_path / "events", clock=lambda: NOW).files == 0
    landed = con.execute("select contact_id from journeys.sendgrid_events where event = 'unsubscribe'").fetchall()
    assert landed == [("K1",)]

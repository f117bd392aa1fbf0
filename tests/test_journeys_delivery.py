"""Delivery through the real SendGrid client against a local HTTP server that records every
request: the JSON SendGrid receives, retries on 429, permanent errors, and exactly-once
delivery when the process is killed halfway and run again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from journeys import catalog, delivery, render, store
from journeys.contact_list import PLAN_COLUMNS, Plan
from tests.sendgrid_server import SendGridServer

BRAND = catalog.load_branding()
PII = ["jeanne.dupont@client.example", "Jeanne Dupont", "bob.smith@other.example", "Bob Smith"]


@pytest.fixture
def server_factory():
    servers = []

    def make(**kwargs) -> SendGridServer:
        servers.append(SendGridServer(**kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def warehouse(path: Path, as_of: pd.Timestamp, send_at: pd.Timestamp, messages: int) -> duckdb.DuckDBPyConnection:
    """A warehouse holding just what delivery reads — contacts, invoices, profiles — and a
    stored plan of ``messages`` reminders (two customers, alternating)."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("""create table marts.dim_contacts as select * from (values
        ('K1', 'C1', 'jeanne.dupont@client.example', 'Jeanne Dupont', true, null::VARCHAR),
        ('K2', 'C2', 'bob.smith@other.example', 'Bob Smith', true, null))
        t(contact_id, customer_id, email, full_name, is_emailable, suppression_reason)""")
    con.execute("""create table marts.dim_customer_360 as select * from (values ('C1', 'Marie Martin'),
        ('C2', 'Sam Lee')) t(customer_id, account_owner)""")
    invoices = pd.DataFrame(  # noqa: F841 (read by DuckDB's replacement scan below)
        {
            "invoice_id": [f"INV-{i}" for i in range(messages)],
            "po_number": [f"PO-{i}" if i % 2 == 0 else None for i in range(messages)],
            "due_date": [as_of.date() - timedelta(days=10)] * messages,
            "open_amount": [1234.5 + i for i in range(messages)],
        }
    )
    con.execute("create table marts.fct_invoices as select * from invoices")
    rows = [
        {
            "as_of_date": as_of,
            "send_day": as_of + pd.Timedelta(days=1),
            "message_id": f"rl-test-{i:02d}",
            "action": "send",
            "customer_id": f"C{i % 2 + 1}",
            "contact_id": f"K{i % 2 + 1}",
            "channel": "email",
            "journey": "standard",
            "segment": "standard",
            "step": "reminder_1",
            "tone": "neutral",
            "template": "reminder",
            "incentive": "none",
            "variant": "loss_aversion",
            "experiment": "reminder_framing",
            "invoice_ids": [f"INV-{i}"],
            "invoice_count": 1,
            "amount_due": 1234.5 + i,
            "currency_code": "EUR",
            "max_days_past_due": 11,
            "send_at_utc": send_at + pd.Timedelta(minutes=i),
            "timezone": "Europe/Paris",
            "language_code": "fr" if i % 2 == 0 else "en",
            "account_owner": None,
            "reason_customer": "test",
            "reason_now": "test",
            "reason_offer": "test",
        }
        for i in range(messages)
    ]
    plan = Plan(pd.DataFrame(rows, columns=PLAN_COLUMNS), pd.DataFrame(columns=["as_of_date"]))
    store.save_plan(con, plan, as_of)
    return con


def outbox(con) -> pd.DataFrame:
    return con.execute("select * from journeys.outbox order by message_id").df()


AS_OF = pd.Timestamp("2026-03-02")
NOW = datetime(2026, 3, 3, 6, 30, tzinfo=UTC)


def test_the_request_sendgrid_receives(tmp_path, server_factory):
    server = server_factory()
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=2)
    sender = delivery.SendGridSender("SG.test-key", host=server.host, asm_group_id=4242, sandbox=True)
    report = delivery.deliver(con, sender, BRAND, "2026-03-02", now=NOW)

    assert (report.sent, report.failed) == (2, 0)
    assert server.batches == 1
    first = server.sends[0]
    assert first["_auth"] == "Bearer SG.test-key"
    assert first["personalizations"] == [{"to": [{"email": "jeanne.dupont@client.example", "name": "Jeanne Dupont"}]}]
    assert first["send_at"] == int(datetime(2026, 3, 3, 9, 7, tzinfo=UTC).timestamp())
    assert first["batch_id"] == "batch-1" and server.sends[1]["batch_id"] == "batch-1"
    assert sorted(first["categories"]) == ["journey-standard", "relance-reminder"]
    assert first["custom_args"] == {
        "message_id": "rl-test-00",
        "journey": "standard",
        "step": "reminder_1",
        "variant": "loss_aversion",
        "customer_id": "C1",
    }
    assert first["asm"] == {"group_id": 4242, "groups_to_display": [4242]}
    assert first["mail_settings"] == {"sandbox_mode": {"enable": True}}
    assert [c["type"] for c in first["content"]] == ["text/plain", "text/html"]
    assert "INV-0" in first["content"][0]["value"] and "PO-0" in first["content"][1]["value"]
    for request in server.sends:
        echoed = json.dumps([request["categories"], request["custom_args"]])
        assert not any(value in echoed for value in PII), "personal data in categories or custom_args"
    sent = outbox(con)
    assert sent.status.tolist() == ["sent", "sent"] and sent.provider_message_id.tolist() == ["sg-1", "sg-2"]


def test_a_429_is_retried_after_the_time_sendgrid_asks_and_sent_once(tmp_path, server_factory):
    server = server_factory(script=[429])
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=1)
    waits: list[float] = []
    sender = delivery.SendGridSender("SG.k", host=server.host, sleep=waits.append)
    report = delivery.deliver(con, sender, BRAND, "2026-03-02", now=NOW)

    assert waits == [7.0]
    assert len(server.sends) == 2 and server.accepted == ["rl-test-00"]
    assert report.sent == 1 and outbox(con).attempts.tolist() == [1]


def test_a_permanent_error_is_recorded_with_the_detail_from_the_body(tmp_path, server_factory):
    server = server_factory(script=[400])
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=2)
    report = delivery.deliver(
        con, delivery.SendGridSender("SG.k", host=server.host, sleep=lambda s: None), BRAND, "2026-03-02", now=NOW
    )

    assert (report.sent, report.failed) == (1, 1)
    failed = outbox(con).iloc[0]
    assert failed.status == "failed"
    assert failed.last_error == "HTTP 400: from.email: The from address does not match a verified Sender Identity."
    assert len(server.sends) == 2  # a 400 is never retried
    assert (
        delivery.deliver(con, delivery.SendGridSender("SG.k", host=server.host), BRAND, "2026-03-02", now=NOW).sent == 0
    )


def test_sends_beyond_72_hours_wait_for_a_later_run(tmp_path, server_factory):
    server = server_factory()
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-07 09:07"), messages=1)
    report = delivery.deliver(con, delivery.SendGridSender("SG.k", host=server.host), BRAND, "2026-03-02", now=NOW)
    assert report.later == 1 and server.sends == [] and outbox(con).status.tolist() == ["pending"]


def kill_delivery_while_hanging(tmp_path, server, as_of: pd.Timestamp) -> tuple[list[str], dict]:
    """Run `orchestration.cli deliver` on the test warehouse against the local SendGrid server,
    SIGKILL it once the server hangs, and return the command and environment to re-run it."""
    env = os.environ | {"SENDGRID_API_KEY": "SG.k", "SENDGRID_HOST": server.host}
    command = [sys.executable, "-m", "orchestration.cli", "deliver", "--warehouse", str(tmp_path / "w.duckdb"),
               "--as-of", str(as_of.date())]  # fmt: skip
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert server.hanging.wait(120), first.communicate(timeout=5)[0].decode()
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    return command, env


def test_killed_halfway_then_rerun_every_message_is_accepted_exactly_once(tmp_path, server_factory):
    server = server_factory(hang_at=4)
    as_of = pd.Timestamp(datetime.now(UTC).date())
    warehouse(
        tmp_path / "w.duckdb", as_of, pd.Timestamp.now(tz="UTC").tz_localize(None) + pd.Timedelta(hours=2), messages=8
    ).close()
    command, env = kill_delivery_while_hanging(tmp_path, server, as_of)
    assert server.accepted == ["rl-test-00", "rl-test-01", "rl-test-02"]

    server.hang_at = None
    # rl-test-03 never reached SendGrid, so no webhook event will come: once the wait is over it goes again
    rerun = subprocess.run(
        command + ["--reconcile-after-minutes", "0"], env=env, capture_output=True, text=True, timeout=120
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert sorted(server.accepted) == [f"rl-test-{i:02d}" for i in range(8)]
    assert len(set(server.accepted)) == len(server.accepted) == 8
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert outbox(con).status.tolist() == ["sent"] * 8
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and len(server.accepted) == 8


def test_dry_run_writes_eml_files_once(tmp_path):
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=3)
    sender = delivery.DryRunSender(tmp_path / "outbox")
    assert delivery.deliver(con, sender, BRAND, "2026-03-02", now=NOW).sent == 3
    assert delivery.deliver(con, sender, BRAND, "2026-03-02", now=NOW).sent == 0
    files = sorted((tmp_path / "outbox" / "2026-03-03").glob("*.eml"))
    assert [f.stem for f in files] == ["rl-test-00", "rl-test-01", "rl-test-02"]
    assert outbox(con).status.tolist() == ["dry_run"] * 3


def test_a_contact_that_bounced_after_the_plan_is_not_e_mailed_at_send_time(tmp_path, server_factory):
    """The plan was made while both addresses were reachable; one hard-bounced before delivery
    (and a deferred message from an earlier run would be in the same place)."""
    server = server_factory()
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=4)
    con.execute(
        "update marts.dim_contacts set is_emailable = false, suppression_reason = 'bounced' where contact_id = 'K1'"
    )
    sender = delivery.SendGridSender("SG.k", host=server.host)
    report = delivery.deliver(con, sender, BRAND, "2026-03-02", now=NOW)

    assert server.accepted == ["rl-test-01", "rl-test-03"], "a message went to an address that bounced"
    assert (report.sent, report.suppressed) == (2, 2)
    cancelled = outbox(con).query("contact_id == 'K1'")
    assert cancelled.status.tolist() == ["cancelled", "cancelled"]
    assert cancelled.last_error.str.contains("bounced").all()
    assert delivery.deliver(con, sender, BRAND, "2026-03-02", now=NOW).sent == 0
    assert len(server.sends) == 2


@pytest.mark.parametrize(
    "language, expected",
    [
        ("fr", ["INV-1", "PO-1", "1\u202f234,50\xa0€", "15 février 2026", "Total échu"]),
        ("en", ["INV-1", "PO-1", "€1,234.50", "February 15, 2026", "Total overdue"]),
    ],
)
def test_messages_carry_what_the_customer_needs_to_pay(language, expected):
    message = {
        "language_code": language,
        "currency_code": "EUR",
        "tone": "firm",
        "template": "firm",
        "max_days_past_due": 70,
        "incentive": "payment_plan",
        "variant": "social_proof",
        "account_owner": "owner_07",
        "send_day": "2026-04-26",
    }
    lines = pd.DataFrame(
        {
            "invoice_id": ["INV-1", "INV-2"],
            "po_number": ["PO-1", None],
            "due_date": pd.to_datetime(["2026-02-15", "2026-03-01"]),
            "open_amount": [1234.5, 100.0],
        }
    )
    out = render.render(message, lines, BRAND, contact_name="<b>Jeanne</b>")
    for part in (out.text, out.html):
        for needle in expected + [
            "INV-2",
            BRAND["iban"],
            "Emma Petit",
            BRAND["account_owners"]["owner_07"]["phone"],
            "https://pay.relance.example/invoices/INV-1",
        ]:
            assert needle in part, f"{needle!r} missing from the {language} message"
    assert 10 < len(out.subject) < 120 and "\n" not in out.subject and "INV" not in out.subject
    assert "&lt;b&gt;Jeanne&lt;/b&gt;" in out.html and "<b>Jeanne</b>" in out.text

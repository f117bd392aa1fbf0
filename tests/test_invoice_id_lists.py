"""Lists of ids are stored as lists: an ERP invoice id holding a comma, a path (``../``), a query
(``?``) or a fragment (``#``) goes through plan → outbox → render → delivery → the Event
Webhook's reconciliation and back to the contact history unchanged, its payment link encoded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import duckdb
import pandas as pd

from journeys import delivery, store
from journeys.contact_list import Book, plan_day
from tests.test_delivery_faults import land_events, sender
from tests.test_journeys_delivery import BRAND
from tests.test_journeys_delivery import server_factory as server_factory  # the local SendGrid server
from tests.test_journeys_policy import JOURNEYS, POLICIES
from tests.test_journeys_rules import HISTORY_COLUMNS, MONDAY, ONE_CONTACT, one_invoice

TRICKY = ["INV,7/../x?y=1#z", "INV 8,9"]


def marts(con: duckdb.DuckDBPyConnection, invoices: pd.DataFrame) -> None:
    """What delivery reads of the marts: the contact, the account and the invoices' details."""
    con.execute("create schema marts")
    con.execute("""create table marts.dim_contacts as
                   select 'K1' as contact_id, 'C1' as customer_id, 'a@example.com' as email, 'A' as full_name,
                   true as is_emailable, null::VARCHAR as suppression_reason""")
    con.execute("create table marts.dim_customer_360 as select 'C1' as customer_id, 'o' as account_owner")
    con.register("open_invoices", invoices[["invoice_id", "po_number", "due_date", "open_amount"]])
    con.execute("create table marts.fct_invoices as select * from open_invoices")


def test_tricky_invoice_ids_survive_plan_delivery_and_reconciliation(tmp_path, server_factory):
    invoices = pd.concat([one_invoice(20, invoice_id=i) for i in TRICKY], ignore_index=True)
    plan = plan_day(Book(MONDAY, invoices, ONE_CONTACT, pd.DataFrame(columns=HISTORY_COLUMNS)), JOURNEYS, POLICIES[0])
    (message,) = plan.contact_list[plan.contact_list.channel == "email"].itertuples()
    assert sorted(message.invoice_ids) == sorted(TRICKY) and message.invoice_count == 2

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    marts(con, invoices)
    store.save_plan(con, plan, MONDAY)
    server = server_factory(accept_then_hang_at=1)  # SendGrid accepts, the answer is lost
    now = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)
    assert delivery.deliver(con, sender(server, timeout=0.5), BRAND, "2026-03-09", now=now).in_doubt == 1
    land_events(con, server, tmp_path / "events")
    settled = delivery.deliver(con, sender(server), BRAND, "2026-03-09", now=now)

    assert (settled.reconciled, len(server.sends)) == (1, 1), "the message was not settled from its event"
    stored = con.execute("select invoice_ids, status from journeys.outbox").fetchall()
    assert [(sorted(ids), status) for ids, status in stored] == [(sorted(TRICKY), "sent")]
    listed = con.execute("select invoice_ids from journeys.contact_list where channel = 'email'").fetchall()
    assert sorted(listed[0][0]) == sorted(TRICKY)
    body = json.dumps(server.sends[0]["content"])
    for invoice_id in TRICKY:
        assert f"/invoices/{quote(invoice_id, safe='')}" in body
    assert "/invoices/INV,7/../" not in body
    # what the touches read back as history: one row per invoice, each id whole
    touches = store.touches(con, before=MONDAY.date() + pd.Timedelta(days=1))
    assert sorted(touches.invoice_id) == sorted(TRICKY)


def test_a_warehouse_with_comma_joined_ids_is_converted_once(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("create schema journeys")
    con.execute("create table journeys.outbox (message_id VARCHAR PRIMARY KEY, invoice_ids VARCHAR)")
    con.execute("insert into journeys.outbox values ('m1', 'I1,I2'), ('m2', 'I3')")
    store.ensure(con)
    store.ensure(con)
    assert con.execute("select invoice_ids from journeys.outbox order by message_id").fetchall() == [
        (["I1", "I2"],),
        (["I3"],),
    ]

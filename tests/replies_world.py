"""A warehouse holding just the marts the automatic replies read — the day's triage
(fct_inbound_requests), the messages, contacts with their suppression, customers, invoices —
built by hand so each test states the requests it is about."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

AS_OF = "2026-03-09"
CONTACTS = [  # contact, customer, address, name, e-mailable
    ("K1", "C1", "jeanne.dupont@client.example", "Jeanne Dupont", True),
    ("K2", "C2", "bob.smith@other.example", "Bob Smith", True),
    ("K3", "C3", "opted.out@third.example", "Olivia Out", False),
]
CUSTOMERS = [
    ("C1", "Dupont Industries", "fr", "owner_07"),
    ("C2", "Smith Ltd", "en", None),
    ("C3", "Out SAS", "fr", None),
]
INVOICES = [  # invoice, customer, currency, issued, due, PO, amount, paid
    ("F-2026-0042", "C1", "EUR", "2026-01-05", "2026-02-04", "PO-881", 1250.0, 0.0),
    ("F-2026-0043", "C1", "EUR", "2026-02-01", "2026-03-03", None, 480.0, 80.0),
    ("INV-7", "C2", "GBP", "2026-01-20", "2026-02-19", "PO-9", 900.0, 0.0),
    ("INV-8", "C3", "EUR", "2026-01-20", "2026-02-19", None, 300.0, 0.0),
]
REQUEST_COLUMNS = ["inbound_id", "customer_id", "contact_id", "received_at", "category", "secondary_category",
                   "confidence", "language_code", "subject", "body"]  # fmt: skip


def request(inbound_id: str, contact: str, category: str, body: str = "", **extra) -> dict:
    customer = next(c[1] for c in CONTACTS if c[0] == contact) if contact else extra.pop("customer_id", "C1")
    return {
        "inbound_id": inbound_id,
        "customer_id": customer,
        "contact_id": contact,
        "received_at": pd.Timestamp(f"{AS_OF} 09:30"),
        "category": category,
        "secondary_category": None,
        "confidence": 0.95,
        "language_code": "fr" if customer in ("C1", "C3") else "en",
        "subject": "Votre relance" if customer == "C1" else "Your reminder",
        "body": body,
    } | extra


def build(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    contacts = pd.DataFrame(CONTACTS, columns=["contact_id", "customer_id", "email", "full_name", "is_emailable"])
    contacts["suppression_reason"] = contacts.is_emailable.map({True: None, False: "unsubscribed"})
    con.register("contacts_frame", contacts)
    con.execute("create table marts.dim_contacts as select * from contacts_frame")
    customers = pd.DataFrame(CUSTOMERS, columns=["customer_id", "customer_name", "language_code", "account_owner"])
    con.register("customers_frame", customers)
    con.execute("create table marts.dim_customer_360 as select * from customers_frame")
    invoices = pd.DataFrame(
        INVOICES,
        columns=["invoice_id", "customer_id", "currency_code", "issue_date", "due_date", "po_number",
                 "invoice_amount", "paid_amount"],
    ).assign(open_amount=lambda f: f.invoice_amount - f.paid_amount)  # fmt: skip
    con.register("invoices_frame", invoices)
    con.execute("""create table marts.fct_invoices as select * replace (issue_date::DATE as issue_date,
                   due_date::DATE as due_date, invoice_amount::DECIMAL(18,2) as invoice_amount,
                   paid_amount::DECIMAL(18,2) as paid_amount, open_amount::DECIMAL(18,2) as open_amount)
                   from invoices_frame""")
    con.execute("""create table marts.fct_inbound_messages (inbound_id VARCHAR, customer_id VARCHAR,
                   contact_id VARCHAR, received_at TIMESTAMP, subject VARCHAR, body VARCHAR)""")
    con.execute("""create table marts.fct_inbound_requests (inbound_id VARCHAR, customer_id VARCHAR,
                   contact_id VARCHAR, received_at TIMESTAMP, category VARCHAR, secondary_category VARCHAR,
                   confidence DOUBLE, language_code VARCHAR, as_of_date DATE)""")
    for name in ("contacts_frame", "customers_frame", "invoices_frame"):
        con.unregister(name)
    return con


def triage(con: duckdb.DuckDBPyConnection, as_of: str, *requests: dict) -> None:
    """The day's triage slice (as dbt rebuilds it) holding ``requests``; messages are added once."""
    frame = pd.DataFrame(list(requests), columns=REQUEST_COLUMNS)
    con.register("requests_frame", frame)
    con.execute("delete from marts.fct_inbound_requests")
    con.execute(
        """insert into marts.fct_inbound_requests select inbound_id, customer_id, contact_id, received_at,
           category, secondary_category, confidence, language_code, ? from requests_frame""",
        [as_of],
    )
    con.execute("""insert into marts.fct_inbound_messages select inbound_id, customer_id, contact_id, received_at,
                   subject, body from requests_frame
                   where inbound_id not in (select inbound_id from marts.fct_inbound_messages)""")  # fmt: skip
    con.unregister("requests_frame")

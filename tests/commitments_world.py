"""One simulated day on which customers made commitments outside the ERP — promises and disputes
in e-mails (read by an earlier run's triage), on the portal, a payment-plan request and a new
billing contact — and people decided on some in the cockpit; landed the way the daily run lands
them (journeys.commitments, portal.events), then `dbt build`. tests/test_commitments.py reads it.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from tests.conftest import dbt_invoke

DAY = date(2026, 3, 31)
YESTERDAY = pd.Timestamp(DAY) - pd.Timedelta(days=1)
# case -> what happened; each case is one customer with overdue invoices and no ERP promise or dispute
CASES = (
    "text_promise_confirmed",  # promised in an e-mail for DAY + 10, a person confirmed it
    "text_promise_broken",  # promised for DAY - 5, confirmed, nothing paid
    "text_promise_pending",  # promised, nobody confirmed yet
    "text_promise_rejected",  # promised, a person rejected it
    "text_promise_auto",  # promised, landed with auto-accept on
    "text_dispute",  # disputed in an e-mail
    "text_read_today",  # a promise today's triage read: takes effect on the next run only
    "portal_promise",
    "portal_dispute",
    "portal_plan",
    "portal_contact",
)


def customers_for_cases(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Customers with an unpaid invoice 20+ days overdue, no ERP promise or dispute on an unpaid
    invoice, and a billing or primary contact with an address."""
    rows = con.execute(f"""
        with part as (select * from raw.invoices where _partition = DATE '{DAY}'),
        paid as (select distinct invoice_id from raw.payments where _partition = DATE '{DAY}'),
        touched as (select invoice_id from raw.promises_to_pay where _partition = DATE '{DAY}'
                    union select invoice_id from raw.disputes where _partition = DATE '{DAY}'),
        billing as (select distinct customer_id from raw.contacts where _partition = DATE '{DAY}'
                    and email like '%@%' and opted_out_at is null and (is_primary or role = 'billing'))
        select customer_id from part
        where customer_id in (select customer_id from billing)
        group by 1
        having bool_or(due_date < DATE '{DAY}' - 20 and invoice_id not in (select invoice_id from paid))
           and not bool_or(invoice_id in (select invoice_id from touched)
                           and invoice_id not in (select invoice_id from paid))
        order by 1""").fetchall()
    assert len(rows) >= len(CASES), "the world needs more overdue customers"
    return dict(zip(CASES, (r[0] for r in rows), strict=False))


def overdue_invoice(con, customer_id: str) -> str:
    return con.execute(
        f"""select invoice_id from raw.invoices where _partition = DATE '{DAY}' and customer_id = ?
            and invoice_id not in (select invoice_id from raw.payments where _partition = DATE '{DAY}')
            order by due_date limit 1""",
        [customer_id],
    ).fetchall()[0][0]


def write_messages(con, cases: dict[str, str]) -> None:
    """One e-mail per text case, received yesterday, naming no invoice."""
    text = [c for c in cases if c.startswith("text_")]
    rows = pd.DataFrame(
        {
            "inbound_id": [f"IN-{case}" for case in text],
            "from_email": "someone@example.com",
            "customer_id": [cases[case] for case in text],
            "received_at": YESTERDAY + pd.Timedelta(hours=9),
            "subject": "Relance",
            "body": "Nous allons régler prochainement.",
            "category": None,
        }
    )
    con.register("messages", rows)
    con.execute(f"""insert into raw.inbound_messages by name select *, DATE '{DAY}' as _partition,
                    'test' as _source_file, 0 as _source_line, now()::TIMESTAMP as _loaded_at from messages""")
    con.unregister("messages")


def triage_rows(cases: dict[str, str], kinds: list[str]) -> pd.DataFrame:
    from ml.inbound import triage

    dates = {"text_promise_confirmed": pd.Timestamp(DAY) + pd.Timedelta(days=10)}
    dates["text_promise_broken"] = pd.Timestamp(DAY) - pd.Timedelta(days=5)
    frame = pd.DataFrame({"inbound_id": [f"IN-{k}" for k in kinds]})
    for column in triage.OUTPUTS:
        frame[column] = None
    frame["category"] = ["dispute" if k == "text_dispute" else "promise_to_pay" for k in kinds]
    frame["promise_date"] = [dates.get(k, pd.Timestamp(DAY) + pd.Timedelta(days=6)) for k in kinds]
    frame["confidence"] = frame["priority"] = frame["sentiment"] = 0.9
    return frame


def land_text(con, cases: dict[str, str]) -> None:
    """Earlier runs' triage (yesterday's slice; today's for text_read_today), landed as the run does."""
    from journeys import commitments
    from ml import scores
    from ml.scoring import BOOK_COLUMNS

    no_invoices = pd.DataFrame(columns=BOOK_COLUMNS)
    earlier = [c for c in cases if c.startswith("text_") and c not in ("text_promise_auto", "text_read_today")]
    scores.write(con, str(YESTERDAY.date()), no_invoices, {"inbound_triage": triage_rows(cases, earlier)})
    assert commitments.land_inbound(con, DAY, auto_accept=False) == len(earlier)
    scores.write(
        con, str(YESTERDAY.date()), no_invoices, {"inbound_triage": triage_rows(cases, [*earlier, "text_promise_auto"])}
    )
    assert commitments.land_inbound(con, DAY, auto_accept=True) == 1  # only the new one
    scores.write(con, str(DAY), no_invoices, {"inbound_triage": triage_rows(cases, ["text_read_today"])})
    assert commitments.land_inbound(con, DAY, auto_accept=True) == 0  # read today: next run


def decide(con, decisions_db: Path) -> None:
    from cockpit import decisions
    from journeys import commitments

    decisions.record_commitment("promise", "IN-text_promise_confirmed", "rejected", "lea", path=decisions_db)
    decisions.record_commitment("promise", "IN-text_promise_confirmed", "confirmed", "lea", path=decisions_db)
    decisions.record_commitment("promise", "IN-text_promise_broken", "confirmed", "lea", path=decisions_db)
    decisions.record_commitment("promise", "IN-text_promise_rejected", "rejected", "lea", path=decisions_db)
    commitments.copy_decisions(con, decisions.commitment_decisions(decisions_db))


def portal_actions(con, cases: dict[str, str], events_dir: Path) -> dict[str, str]:
    """The portal's events as the app writes them, ingested as the run does. Returns invoice ids."""
    from portal import events

    now = dt.datetime.combine(YESTERDAY.date(), dt.time(10), tzinfo=dt.UTC)
    invoices = {case: overdue_invoice(con, cases[case]) for case in ("portal_promise", "portal_dispute")}
    promised = {"promised_date": str(DAY + dt.timedelta(days=12)), "amount": "1.00"}
    events.write(events_dir, cases["portal_promise"], "promise_to_pay", invoices["portal_promise"], promised, now)
    disputed = {"reason": "wrong_amount", "comment": "Le prix ne correspond pas."}
    events.write(events_dir, cases["portal_dispute"], "dispute", invoices["portal_dispute"], disputed, now)
    plan = {"installments": "3", "first_date": str(DAY + dt.timedelta(days=5)), "note": ""}
    events.write(events_dir, cases["portal_plan"], "payment_plan", None, plan, now)
    contact = {"name": "Nouvelle Compta", "email": "Nouvelle.Compta@example.com", "phone": ""}
    events.write(events_dir, cases["portal_contact"], "billing_contact", None, contact, now)
    assert events.ingest(con, events_dir).new == 4
    return invoices


def build(root: Path) -> dict:
    """The day loaded, the commitments landed, `dbt build`; returns what the tests need."""
    from erp.contract import load_order
    from erp.ingest import load_table
    from erp.simulator import SimulationConfig, World

    world = World.create(root / "world", SimulationConfig(end=DAY, customers=400, months=6, seed=5))
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for table in load_order():
            load_table(con, world.emit(DAY), table, DAY.isoformat())
        cases = customers_for_cases(con)
        write_messages(con, cases)
    first = dbt_invoke(warehouse, root, DAY, "run", "--select", "+fct_inbound_messages")  # yesterday's marts
    assert first.success, first.exception
    with duckdb.connect(str(warehouse)) as con:
        land_text(con, cases)
        decide(con, root / "decisions.sqlite")
        invoices = portal_actions(con, cases, root / "portal_events")
    result = dbt_invoke(warehouse, root, DAY, "build", "--exclude-resource-type", "unit_test")
    assert result.success, result.exception
    return {"warehouse": warehouse, "cases": cases, "portal_invoices": invoices, "root": root}

"""A day run again after its messages went out keeps every one of them in the day's contact list,
as it went and with its reason, and sends none twice — even when the data changed in between:
the ERP now records the sends, and the models (trained after the first pass) re-segment everyone."""

from __future__ import annotations

import duckdb
import pandas as pd

from journeys import book, delivery, store
from journeys.catalog import load_branding
from journeys.contact_list import plan_day
from tests.test_journeys_policy import JOURNEYS, POLICIES
from tests.test_journeys_rules import MONDAY, ONE_CONTACT, one_invoice

CUSTOMERS = {"C1": 20, "C2": 35, "C3": 50}  # days past due of each customer's one invoice


def marts(con: duckdb.DuckDBPyConnection) -> None:
    """The marts the book and delivery read, for three customers with one overdue invoice each."""
    invoices = pd.concat(
        [one_invoice(dpd, customer_id=c, invoice_id=f"I-{c}") for c, dpd in CUSTOMERS.items()], ignore_index=True
    ).assign(open_balance=100.0, overdue_balance=100.0, dominant_method_90d="wire", as_of_date=MONDAY)
    invoices["max_days_past_due"] = invoices.days_past_due
    contacts = pd.concat(  # noqa: F841 (read by DuckDB below)
        [ONE_CONTACT.assign(customer_id=c, contact_id=f"K-{c}", email=f"ap@{c}.example") for c in CUSTOMERS]
    )
    con.execute("create schema marts")
    con.register("book_frame", invoices)
    con.execute("create table marts.mart_dunning_book as select * from book_frame")
    con.execute("create table marts.fct_invoices as select * from book_frame")
    con.execute("create table marts.dim_contacts as select * from contacts")
    con.execute("create table marts.dim_customer_360 as select customer_id, account_owner from book_frame")
    con.execute("""create table marts.fct_contacts (message_id VARCHAR, customer_id VARCHAR, invoice_id VARCHAR,
                   channel VARCHAR, sent_at TIMESTAMP, journey VARCHAR, journey_step VARCHAR, tone VARCHAR)""")


def run_day(con: duckdb.DuckDBPyConnection, outbox_dir) -> dict[str, int]:
    """What the daily assets do for the day: plan from the marts, store, deliver (dry-run)."""
    day = book.load(con)
    counts = store.save_plan(con, plan_day(day, JOURNEYS, POLICIES[0]), day.as_of)
    now = pd.Timestamp(MONDAY + pd.Timedelta(days=1, hours=6), tz="UTC").to_pydatetime()
    delivery.deliver(con, delivery.DryRunSender(outbox_dir), load_branding(), str(MONDAY.date()), now=now)
    return counts


def day_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "select * from journeys.contact_list where as_of_date = ? order by message_id", [MONDAY.date()]
    ).df()


def test_a_rerun_after_delivery_keeps_every_sent_message_with_its_reason(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    marts(con)
    run_day(con, tmp_path / "outbox")
    first = day_list(con)
    sent = con.execute("select message_id from journeys.outbox where status = 'dry_run'").df().message_id
    assert len(sent) == len(CUSTOMERS), "every customer gets its reminder on the first pass"

    # Between the passes: the ERP records what went out, and new scores change every segment.
    con.register("went_out", store.delivered_sends(con, MONDAY + pd.Timedelta(days=1)))
    con.execute("""insert into marts.fct_contacts select message_id, customer_id, invoice_id, channel, sent_at,
                   journey, step, tone from went_out""")
    con.execute("update marts.mart_dunning_book set segment = 'high_risk', payment_delay_risk = 0.9")
    assert run_day(con, tmp_path / "outbox")["already_sent"] == len(CUSTOMERS)

    again = day_list(con).set_index("message_id")
    outbox = con.execute("select message_id, status from journeys.outbox where as_of_date = ?", [MONDAY.date()]).df()
    assert set(outbox.message_id) <= set(again.index), "the day's list lost a message of the day's outbox"
    assert again.loc[sent, "already_sent"].all()
    pd.testing.assert_series_equal(
        again.loc[sent, "reason_now"], first.set_index("message_id").loc[sent, "reason_now"], check_names=False
    )
    assert (again.action == "send").sum() == len(CUSTOMERS), "a customer reached today got a second message"
    assert outbox.status.isin(["dry_run", "assigned"]).all()
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == len(CUSTOMERS), "a message was sent twice"


def test_a_rerun_on_the_same_data_leaves_the_days_list_as_the_first_run_left_it(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    marts(con)
    run_day(con, tmp_path / "outbox")
    first = day_list(con)
    assert first[first.action == "send"].already_sent.all(), "a delivered message is not marked sent"
    run_day(con, tmp_path / "outbox")
    pd.testing.assert_frame_equal(day_list(con), first)

"""The audit behind the `no_send_breaks_a_rule` asset check finds each kind of breach in a
stored contact list (and nothing in a compliant one)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from journeys import audit, store
from journeys.contact_list import PLAN_COLUMNS, Plan

AS_OF = pd.Timestamp("2026-03-02")
SEND_DAY = AS_OF + pd.Timedelta(days=1)


def send(message_id: str, customer_id: str, contact_id: str, invoice_id: str, **extra) -> dict:
    return (
        {column: None for column in PLAN_COLUMNS}
        | {
            "as_of_date": AS_OF,
            "send_day": SEND_DAY,
            "message_id": message_id,
            "action": "send",
            "channel": "email",
            "customer_id": customer_id,
            "contact_id": contact_id,
            "invoice_ids": [invoice_id],
            "invoice_count": 1,
            "amount_due": 10.0,
            "send_at_utc": SEND_DAY + pd.Timedelta(hours=9),
        }
        | extra
    )


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    # K2 opted out (dbt's suppression model says so through is_emailable)
    con.execute("""create table marts.dim_contacts as select * from (values
        ('K1', true), ('K2', false), ('K3', true)) t(contact_id, is_emailable)""")
    con.execute("""create table marts.fct_invoices as select * from (values
        ('I1', DATE '2026-03-02', false, false, null::DATE), ('I2', DATE '2026-03-02', true, false, null),
        ('I3', DATE '2026-03-02', false, true, DATE '2026-03-10')) t(invoice_id, as_of_date, is_in_dispute,
        has_active_promise, active_promise_date)""")
    store.ensure(con)
    yield con
    con.close()


def store_plan(con, rows: list[dict]) -> None:
    store.save_plan(con, Plan(pd.DataFrame(rows, columns=PLAN_COLUMNS), pd.DataFrame(columns=["as_of_date"])), AS_OF)


def test_a_compliant_list_has_no_breach(con):
    store_plan(con, [send("m1", "C1", "K1", "I1")])
    assert set(audit.violations(con, "2026-03-02").values()) == {0}


@pytest.mark.parametrize(
    "rows, rule",
    [
        ([send("m1", "C1", "K2", "I1")], "opted_out_or_suppressed_contact"),
        ([send("m1", "C1", "K1", "I2")], "invoice_in_open_dispute"),
        ([send("m1", "C1", "K1", "I3")], "before_promised_date"),
        ([send("m1", "C1", "K1", "I1"), send("m2", "C1", "K1", "I1", channel="call")], "more_than_one_touch_a_day"),
        ([send("m1", "C1", "K1", "I1", send_at_utc=SEND_DAY + pd.Timedelta(days=4))], "send_time_outside_72h"),
    ],
)
def test_each_breach_is_found(con, rows, rule):
    store_plan(con, rows)
    found = audit.violations(con, "2026-03-02")
    assert found[rule] == 1 and sum(found.values()) == 1, found


def test_a_dunning_block_a_bounced_address_and_an_unknown_contact_are_breaches(con):
    store.add_block(con, "C1", "customer disputes the whole account", until="2026-04-01")
    con.execute("update marts.dim_contacts set is_emailable = false where contact_id = 'K3'")  # bounced since
    store_plan(con, [send("m1", "C1", "K1", "I1"), send("m2", "C2", "K3", "I1"), send("m3", "C3", "K9", "I1")])
    found = audit.violations(con, "2026-03-02")
    assert found["blocked_customer_or_invoice"] == 1 and found["opted_out_or_suppressed_contact"] == 2


def test_a_run_for_another_day_that_contacts_the_same_customer_breaks_the_rules_across_days(con):
    """What a backfill of the previous day did before backfills stopped planning: e-mails dated a
    day earlier to customers the day's list also reaches, breaking the spacing rule."""
    from journeys import catalog

    policy = catalog.load_policy("b2b")
    store_plan(con, [send("today", "C1", "K1", "I1", max_days_past_due=20)])
    assert audit.violations(con, "2026-03-02", policy)["reminders_closer_than_the_spacing"] == 0
    yesterday = AS_OF - pd.Timedelta(days=1)
    rows = [
        send(
            "backfill",
            "C1",
            "K1",
            "I1",
            as_of_date=yesterday,
            send_day=AS_OF,
            max_days_past_due=19,
            send_at_utc=AS_OF + pd.Timedelta(hours=9),
        )
    ]
    store.save_plan(
        con, Plan(pd.DataFrame(rows, columns=PLAN_COLUMNS), pd.DataFrame(columns=["as_of_date"])), yesterday
    )
    found = audit.violations(con, "2026-03-02", policy)
    assert found["reminders_closer_than_the_spacing"] == 1 and found["more_than_one_touch_a_day_across_runs"] == 0
    assert audit.violations(con, "2026-03-01", policy)["reminders_closer_than_the_spacing"] == 1
    far = [
        send(
            "later",
            "C1",
            "K1",
            "I1",
            as_of_date=AS_OF + pd.Timedelta(days=20),
            send_day=SEND_DAY + pd.Timedelta(days=20),
            max_days_past_due=40,
            send_at_utc=SEND_DAY + pd.Timedelta(days=20, hours=9),
        )
    ]
    store.save_plan(
        con,
        Plan(pd.DataFrame(far, columns=PLAN_COLUMNS), pd.DataFrame(columns=["as_of_date"])),
        AS_OF + pd.Timedelta(days=20),
    )
    assert audit.violations(con, "2026-03-22", policy)["reminders_closer_than_the_spacing"] == 0

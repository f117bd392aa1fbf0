"""The collector worklist built by dbt on hand-built items: the day's highest-value items per
minute come first, every row has a reason and an owner, the model's value of a call replaces
balance × risk where it exists, an e-mail the automatic replies answered and a promise already
confirmed need no one. Then the per-owner CSVs
(formula-neutralised) and the Markdown table the Dagster UI shows."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from journeys import store, worklist
from tests.conftest import dbt_invoke

DAY = date(2026, 6, 30)
MODELS = "stg_journeys__work_tasks int_worklist_items mart_collector_worklist"
DDL = """
create schema marts; create schema ml;
create table marts.dim_customer_360 (customer_id VARCHAR, currency_code VARCHAR, open_balance DECIMAL(18,2),
    payment_delay_risk DOUBLE, account_owner VARCHAR);
create table marts.mart_dunning_book (invoice_id VARCHAR, customer_id VARCHAR, currency_code VARCHAR,
    open_amount DECIMAL(18,2), is_in_dispute BOOLEAN, has_active_promise BOOLEAN, is_quarantined BOOLEAN);
create table marts.fct_invoices (invoice_id VARCHAR, currency_code VARCHAR);
create table marts.fct_inbound_messages (inbound_id VARCHAR, customer_id VARCHAR, received_at TIMESTAMP,
    category VARCHAR);
create table marts.fct_promises_to_pay (promise_id VARCHAR, invoice_id VARCHAR, customer_id VARCHAR,
    promised_for DATE, promised_amount DECIMAL(18,2), source_ref VARCHAR, confirmation_status VARCHAR);
create table marts.fct_inbound_replies (inbound_id VARCHAR, handled_automatically BOOLEAN);
create table marts.mart_customer_alerts (customer_id VARCHAR, change_type VARCHAR, route_to VARCHAR,
    account_owner VARCHAR, notice VARCHAR, as_of_date DATE);
create table ml.invoice_scores (as_of_date DATE, invoice_id VARCHAR, customer_id VARCHAR,
    next_best_action VARCHAR, nba_expected_value DOUBLE);
"""
# Customers: A owes 20,000 (risk 0.5, owner ann), B 3,000 (risk 0.1, bob), C 50,000 (not scored
# yet, no owner), D 800 (risk 0.9, ann).
CUSTOMERS = [("A", "EUR", 20000, 0.5, "ann"), ("B", "EUR", 3000, 0.1, "bob"), ("C", "EUR", 50000, None, None),
             ("=D", "EUR", 800, 0.9, "ann")]  # fmt: skip
BOOK = [("IA1", "A", "EUR", 6000, False, False, False), ("IB1", "B", "EUR", 3000, False, False, False),
        ("IC1", "C", "EUR", 9000, False, False, False), ("IC2", "C", "EUR", 4000, True, False, False)]  # fmt: skip


def plan_row(message_id, customer, channel, step, amount, owner):
    action = "send" if channel == "call" else "task"
    return {"as_of_date": DAY, "send_day": DAY, "message_id": message_id, "action": action,
            "customer_id": customer, "channel": channel, "step": step, "invoice_ids": [f"I{customer}1"],
            "amount_due": amount, "currency_code": "EUR", "max_days_past_due": 40, "account_owner": owner,
            "reason_now": f"{step} due"}  # fmt: skip


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
        for table, rows in (("dim_customer_360", CUSTOMERS), ("mart_dunning_book", BOOK)):
            con.executemany(f"insert into marts.{table} values ({', '.join('?' * len(rows[0]))})", rows)
        con.execute(
            "insert into marts.fct_invoices values ('IA1', 'EUR'), ('IB1', 'EUR'), ('IB2', 'EUR'), ('IC1', 'EUR')"
        )
        # the model chose a collector's call on A's invoice (worth 900) and on C's disputed one (ignored)
        con.execute(f"""insert into ml.invoice_scores values (DATE '{DAY}', 'IA1', 'A', 'collector_call', 900),
                        (DATE '{DAY}', 'IC2', 'C', 'collector_call', 5000),
                        (DATE '{DAY}', 'IB1', 'B', 'reminder', 5)""")
        store.ensure(con)
        plan = pd.DataFrame([plan_row("rl-call-a", "A", "call", "collector_call", 6000, "ann"),
                             plan_row("rl-task-b", "B", "task", "owner_notice", 3000, None)])  # fmt: skip
        con.register("plan", plan)
        con.execute("insert into journeys.contact_list by name select * from plan")
        con.execute(f"""insert into marts.fct_inbound_messages values
            ('M1', '=D', TIMESTAMP '{DAY} 09:00', 'invoice_copy'),
            ('M0', 'B', TIMESTAMP '2026-06-01 09:00', 'other')""")
        con.execute(
            "insert into marts.fct_promises_to_pay values ('P1a', 'IB1', 'B', DATE '2026-07-05', 1500, 'M7', "
            "'awaiting_confirmation'), ('P1b', 'IB2', 'B', DATE '2026-07-05', 1000, 'M7', 'awaiting_confirmation'), "
            "('P2', 'IA1', 'A', DATE '2026-07-02', 6000, null, 'confirmed')"
        )
        con.execute(f"""insert into marts.mart_customer_alerts values
            ('C', 'delay_drift', 'finance', null, 'Behaviour change (delay drift)', DATE '{DAY}')""")
    return path


def build(warehouse, tmp_path) -> pd.DataFrame:
    result = dbt_invoke(warehouse, tmp_path / "dbt", DAY, "run", "--select", MODELS)
    assert result.success, result.exception
    with duckdb.connect(str(warehouse)) as con:
        return con.execute("select * from marts.mart_collector_worklist order by worklist_rank").df()


def test_the_days_highest_value_items_per_minute_come_first_each_with_a_reason_and_an_owner(warehouse, tmp_path):
    items = build(warehouse, tmp_path).set_index("item_id")
    # C's alert: 50,000 × neutral 0.2 / 15 min = 666.67; the call to A: model 900 / 12 = 75;
    # B's promise (read in e-mail M7, over two invoices): 2,500 × 0.1 / 3 = 83.33; the task for
    # B: 3,000 × 0.1 / 5 = 60; D's e-mail: 800 × 0.9 / 6 = 120. B's e-mail of June 1st is too
    # old; C's disputed invoice is no call; A's promise is confirmed already.
    assert list(items.index) == ["alert-C-delay_drift", "inbound-M1", "promise-M7-EUR", "rl-call-a", "rl-task-b"]
    assert list(items.worklist_rank) == [1, 2, 3, 4, 5]
    assert items.cash_per_minute.is_monotonic_decreasing
    assert items.loc["rl-call-a", ["value_basis", "expected_cash"]].tolist() == ["model", 900]
    assert items.loc["alert-C-delay_drift", "expected_cash"] == pytest.approx(10000)
    assert dict(items.suggested_owner) == {"alert-C-delay_drift": "finance", "inbound-M1": "ann",
                                           "promise-M7-EUR": "bob", "rl-call-a": "ann", "rl-task-b": "bob"}  # fmt: skip
    assert items.reason.str.len().gt(20).all() and items.suggested_owner.notna().all()
    assert "(not scored yet)" in items.loc["alert-C-delay_drift", "reason"]
    assert "next-best-action model" in items.loc["rl-call-a", "reason"]


def test_a_model_call_the_plan_does_not_make_is_on_the_list(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from journeys.contact_list where channel = 'call'")
    items = build(warehouse, tmp_path).set_index("item_id")
    assert items.loc["nba-call-A-EUR", ["item_type", "expected_cash", "suggested_owner"]].tolist() == [
        "model_call",
        900,
        "ann",
    ]


def test_what_the_replies_answered_and_confirmed_promises_need_no_one(warehouse, tmp_path):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into marts.fct_inbound_replies values ('M1', true)")
        con.execute("update marts.fct_promises_to_pay set confirmation_status = 'confirmed'")
    ids = set(build(warehouse, tmp_path).item_id)
    assert "inbound-M1" not in ids and "promise-M7-EUR" not in ids and "rl-call-a" in ids


def test_one_csv_per_owner_neutralised_and_the_top_rows_as_markdown(warehouse, tmp_path):
    build(warehouse, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        items = worklist.load(con, str(DAY))
    folder = tmp_path / "worklist"
    (folder / "worklist_gone.csv").parent.mkdir(parents=True)
    (folder / "worklist_gone.csv").write_text("stale")
    files = worklist.write_per_owner(items, folder)
    assert sorted(files) == ["ann", "bob", "finance"] and not (folder / "worklist_gone.csv").exists()
    ann = pd.read_csv(files["ann"], dtype=str)
    assert list(ann.item_id) == ["inbound-M1", "rl-call-a"] and ann.customer_id.iloc[0] == "'=D"
    table = worklist.top_markdown(items, rows=2)
    assert table.count("\n") == 3 and "| 1 | behaviour_alert | C | finance |" in table
    assert worklist.file_name("../x/y") == "worklist__x_y.csv"  # never outside the folder

"""A small hand-built warehouse for the cockpit's tests: only the tables and columns the cockpit
reads (names and types as in dbt_project/models/marts/_marts.yml, journeys/store.py, ml/scores.py),
with figures chosen so the tests can state the expected answers.

Plan day PLAN_DAY: four e-mails (C001-C004) for review; a worklist (mart_collector_worklist) of
three items: the call to C001 first, the task for C002, C003's unanswered e-mail last. Forecast
FORECAST_DAY's first two weeks are over, with payments of 1,000 and 2,500.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

PLAN_DAY = date(2026, 6, 30)
FORECAST_DAY = date(2026, 6, 15)
DAYS = [PLAN_DAY - timedelta(days=n) for n in range(29, -1, -1)]
EMAIL_CUSTOMERS = ["C001", "C002", "C003", "C004"]
BUCKETS = ["current", "1_30", "31_60", "61_90", "91_120", "120_plus"]

DDL = """
create schema marts; create schema journeys; create schema ml; create schema intermediate;
create table marts.mart_ar_aging (as_of_date DATE, customer_id VARCHAR, currency_code VARCHAR, aging_bucket VARCHAR,
    bucket_order INTEGER, open_amount DECIMAL(18,2), open_invoices BIGINT);
create table marts.mart_collections_kpis_daily (as_of_date DATE, currency_code VARCHAR, dso_standard DOUBLE,
    best_possible_dso_standard DOUBLE, dso_countback DOUBLE, best_possible_dso_countback DOUBLE, add_standard DOUBLE,
    add_countback DOUBLE, cei_pct DOUBLE, pct_current DOUBLE, ending_ar DECIMAL(18,2),
    ending_overdue_ar DECIMAL(18,2), collected_amount DECIMAL(18,2), credit_sales DECIMAL(18,2));
create table marts.mart_collections_kpis_monthly as select * from marts.mart_collections_kpis_daily limit 0;
alter table marts.mart_collections_kpis_monthly add column period_start DATE;
create table marts.mart_cash_forecast (as_of_date DATE, currency_code VARCHAR, week_number INTEGER, week_start DATE,
    week_end DATE, expected_collections DECIMAL(18,2), collections_p10 DECIMAL(18,2),
    collections_p90 DECIMAL(18,2), invoices_likely_paid BIGINT);
create table marts.fct_payments (payment_id VARCHAR, invoice_id VARCHAR, customer_id VARCHAR, payment_date DATE,
    payment_amount DECIMAL(18,2), currency_code VARCHAR, payment_method VARCHAR, is_unapplied BOOLEAN,
    is_partial BOOLEAN, days_after_due BIGINT, as_of_date DATE);
create table marts.mart_experiment_results (as_of_date DATE, experiment VARCHAR, segment VARCHAR, variant VARCHAR,
    is_holdout BOOLEAN, exposures_assigned BIGINT, exposures_matured BIGINT, exposures_paid BIGINT,
    outcome_window_days INTEGER, paid_rate DOUBLE, paid_rate_ci_low DOUBLE, paid_rate_ci_high DOUBLE,
    uplift_vs_holdout DOUBLE, uplift_ci_low DOUBLE, uplift_ci_high DOUBLE, allocated_share DOUBLE, prob_best DOUBLE,
    arm_status VARCHAR, allocation_reason VARCHAR);
create table marts.dim_customer_360 (customer_id VARCHAR, customer_name VARCHAR, country_code VARCHAR,
    currency_code VARCHAR, payment_terms_days INTEGER, account_owner VARCHAR, open_balance DECIMAL(18,2),
    overdue_balance DECIMAL(18,2), max_days_past_due BIGINT, avg_days_late_365d DOUBLE, promise_kept_rate DOUBLE,
    preferred_channel VARCHAR, segment VARCHAR, payment_delay_risk DOUBLE, self_cure_probability DOUBLE,
    best_send_hour INTEGER, best_incentive VARCHAR, as_of_date DATE);
create table marts.fct_invoices (invoice_id VARCHAR, customer_id VARCHAR, issue_date DATE, due_date DATE,
    invoice_amount DECIMAL(18,2), open_amount DECIMAL(18,2), invoice_status VARCHAR, days_past_due BIGINT,
    aging_bucket VARCHAR, is_in_dispute BOOLEAN, has_active_promise BOOLEAN, active_promise_date DATE);
create table marts.fct_disputes (dispute_id VARCHAR, invoice_id VARCHAR, customer_id VARCHAR, opened_on DATE,
    resolved_on DATE, dispute_reason VARCHAR, disputed_amount DECIMAL(18,2), is_open BOOLEAN);
create table marts.fct_promises_to_pay (promise_id VARCHAR, invoice_id VARCHAR, customer_id VARCHAR,
    promised_on DATE, promised_for DATE, promised_amount DECIMAL(18,2), promise_status VARCHAR);
create table journeys.contact_list (as_of_date DATE, send_day DATE, message_id VARCHAR, action VARCHAR,
    customer_id VARCHAR, channel VARCHAR, journey VARCHAR, segment VARCHAR, step VARCHAR, tone VARCHAR,
    incentive VARCHAR, invoice_ids VARCHAR, amount_due DECIMAL(18,2), currency_code VARCHAR,
    max_days_past_due INTEGER, send_at_utc TIMESTAMP, account_owner VARCHAR, reason_customer VARCHAR,
    reason_now VARCHAR, reason_offer VARCHAR);
create table journeys.blocked_sends (as_of_date DATE, send_day DATE, customer_id VARCHAR, invoice_id VARCHAR,
    message_id VARCHAR, journey VARCHAR, step VARCHAR, channel VARCHAR, rule VARCHAR, detail VARCHAR);
create table journeys.outbox (message_id VARCHAR, customer_id VARCHAR, channel VARCHAR, journey VARCHAR,
    step VARCHAR, tone VARCHAR, incentive VARCHAR, invoice_ids VARCHAR, send_at TIMESTAMP, status VARCHAR,
    subject VARCHAR);
create table ml.drift_reports (as_of_date DATE, model VARCHAR, drifted_share DOUBLE, drifted BOOLEAN,
    drifted_features VARCHAR);
create table ml.customer_scores (as_of_date DATE, customer_id VARCHAR, payment_delay_risk DOUBLE,
    self_cure_probability DOUBLE, expected_days_late DOUBLE);
create table marts.mart_collector_worklist (as_of_date DATE, worklist_rank INTEGER, item_id VARCHAR,
    item_type VARCHAR, customer_id VARCHAR, suggested_owner VARCHAR, currency_code VARCHAR,
    amount_at_stake DECIMAL(18,2), risk_used DOUBLE, value_basis VARCHAR, expected_cash DOUBLE,
    effort_minutes INTEGER, cash_per_minute DOUBLE, reason VARCHAR);
create table intermediate.int_inbound_messages_resolved (inbound_id VARCHAR, customer_id VARCHAR,
    received_at TIMESTAMP, subject VARCHAR, body VARCHAR, category VARCHAR);
"""


def message_id(customer: str, channel: str) -> str:
    return f"m-{PLAN_DAY:%Y%m%d}-{customer}-{channel}"


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: list[tuple]) -> None:
    con.register("rows_frame", pd.DataFrame(rows, columns=columns.split()))
    con.execute(f"insert into {table} by name select * from rows_frame")
    con.unregister("rows_frame")


KPIS = (
    "as_of_date currency_code dso_standard best_possible_dso_standard dso_countback best_possible_dso_countback"
    " add_standard add_countback cei_pct pct_current ending_ar ending_overdue_ar collected_amount credit_sales"
)
PLAN = (
    "as_of_date send_day message_id action customer_id channel journey segment step tone incentive invoice_ids"
    " amount_due currency_code max_days_past_due send_at_utc account_owner reason_customer reason_now reason_offer"
)
WORKLIST = (
    "as_of_date worklist_rank item_id item_type customer_id suggested_owner currency_code amount_at_stake risk_used"
    " value_basis expected_cash effort_minutes cash_per_minute reason"
)
CUSTOMERS = (
    "customer_id customer_name country_code currency_code payment_terms_days account_owner open_balance"
    " overdue_balance max_days_past_due avg_days_late_365d promise_kept_rate preferred_channel segment"
    " payment_delay_risk self_cure_probability best_send_hour best_incentive as_of_date"
)


# The rows below are tables laid out by hand, one tuple per row in the columns' order: kept
# unformatted so each row stays readable on one line.
# fmt: off
def _kpi(day: date, n: int) -> tuple:
    trend = (48 - n * 0.2, 30.0, 45 - n * 0.25, 29 + n * 0.05, 18 - n * 0.2, 16 - n * 0.2, 70 + n * 0.4, 55 + n * 0.3)
    return (day, "EUR", *trend, 100_000 - n * 500, 40_000 - n * 600, 30_000, 32_000)


def _plan_row(customer: str, channel: str, n: int) -> tuple:
    step = {"email": "reminder_2", "call": "call_1", "task": "dispute_routing"}[channel]
    send_at = pd.Timestamp(PLAN_DAY) + pd.Timedelta(hours=31 + n)
    action = "task" if channel == "task" else "send"
    return (PLAN_DAY, PLAN_DAY + timedelta(days=1), message_id(customer, channel), action, customer, channel,
            "standard", "steady", step, "firm", "none", f"I{customer[1:]}1", 1000 + 250 * n, "EUR", 20 + n, send_at,
            "alice", "pays 20 days late on average", f"invoice {20 + n} days past due", "no incentive")


def _marts(con: duckdb.DuckDBPyConnection) -> None:
    aging = [(day, customer, "EUR", bucket, b, 1000.0 * (b + 1) + 40 * n * (1 if b < 2 else -1) + 100 * c, b + 1)
             for n, day in enumerate(DAYS) for b, bucket in enumerate(BUCKETS)
             for c, customer in enumerate(["C001", "C002"])]
    _insert(con, "marts.mart_ar_aging", "as_of_date customer_id currency_code aging_bucket bucket_order open_amount"
            " open_invoices", aging)
    _insert(con, "marts.mart_collections_kpis_daily", KPIS, [_kpi(day, n) for n, day in enumerate(DAYS)])
    _insert(con, "marts.mart_collections_kpis_monthly", KPIS + " period_start",
            [(*_kpi(PLAN_DAY, m), date(2026, 3 + m, 1)) for m in range(3)])
    weeks = [(as_of, "EUR", w, as_of + timedelta(weeks=w - 1), as_of + timedelta(weeks=w - 1, days=6),
              2000 - 50 * w, 1200 - 40 * w, 3000 - 60 * w, 5)
             for as_of in (FORECAST_DAY, PLAN_DAY) for w in range(1, 14)]
    _insert(con, "marts.mart_cash_forecast", "as_of_date currency_code week_number week_start week_end"
            " expected_collections collections_p10 collections_p90 invoices_likely_paid", weeks)
    paid = [(FORECAST_DAY + timedelta(days=2), 1000), (FORECAST_DAY + timedelta(days=9), 2500)]
    _insert(con, "marts.fct_payments", "payment_id invoice_id customer_id payment_date payment_amount currency_code"
            " payment_method is_unapplied is_partial days_after_due as_of_date",
            [(f"P{k}", "I0011", "C001", day, amount, "EUR", "transfer", False, False, 5, PLAN_DAY)
             for k, (day, amount) in enumerate(paid)])
    _insert(con, "marts.mart_experiment_results", "as_of_date experiment segment variant is_holdout exposures_assigned"
            " exposures_matured exposures_paid outcome_window_days paid_rate paid_rate_ci_low paid_rate_ci_high"
            " uplift_vs_holdout uplift_ci_low uplift_ci_high allocated_share arm_status",
            [(PLAN_DAY, "tone_test", "standard", variant, variant == "holdout", 100, 90, k, 14, k / 90, k / 90 - 0.08,
              k / 90 + 0.08, (k - 30) / 90, (k - 30) / 90 - 0.1, (k - 30) / 90 + 0.1, share, status)
             for variant, k, share, status in [("holdout", 30, None, None), ("friendly", 38, 0.2, "testing"),
                                               ("firm", 45, 0.8, "leading")]])


def _customer(con: duckdb.DuckDBPyConnection) -> None:
    _insert(con, "marts.dim_customer_360", CUSTOMERS,
            [(c, f"Customer {c}", "FR", "EUR", 30, "alice", 5000 + 1000 * n, 2000 + 1500 * n, 20 + n, 12.5, 0.5,
              "email", "steady", 0.3, 0.4, 9, "none", PLAN_DAY) for n, c in enumerate(EMAIL_CUSTOMERS)])
    _insert(con, "marts.fct_invoices", "invoice_id customer_id issue_date due_date invoice_amount open_amount"
            " invoice_status days_past_due aging_bucket is_in_dispute has_active_promise active_promise_date",
            [("I0011", "C001", date(2026, 5, 1), date(2026, 5, 31), 1200, 1000, "open", 30, "1_30", True, True,
              date(2026, 7, 10))])
    _insert(con, "marts.fct_disputes", "dispute_id invoice_id customer_id opened_on resolved_on dispute_reason"
            " disputed_amount is_open", [("D1", "I0011", "C001", date(2026, 6, 20), None, "pricing", 200, True)])
    _insert(con, "marts.fct_promises_to_pay", "promise_id invoice_id customer_id promised_on promised_for"
            " promised_amount promise_status",
            [("PR1", "I0011", "C001", date(2026, 6, 25), date(2026, 7, 10), 800, "pending")])
    _insert(con, "intermediate.int_inbound_messages_resolved", "inbound_id customer_id received_at subject body"
            " category",
            [("IN1", "C001", pd.Timestamp("2026-06-25 10:00"), "Re: invoice I0011", "private text", "promise_to_pay")])


def _journeys_and_ml(con: duckdb.DuckDBPyConnection) -> None:
    emails = [_plan_row(c, "email", n) for n, c in enumerate(EMAIL_CUSTOMERS)]
    _insert(con, "journeys.contact_list", PLAN, emails + [_plan_row("C001", "call", 4), _plan_row("C002", "task", 5)])
    _insert(con, "journeys.outbox", "message_id customer_id channel journey step tone incentive invoice_ids send_at"
            " status subject", [(r[2], r[4], r[5], r[6], r[8], r[9], r[10], r[11], r[15], "pending",
                                 "Reminder: invoice overdue") for r in emails])
    _insert(con, "journeys.blocked_sends", "as_of_date send_day customer_id invoice_id message_id journey step"
            " channel rule detail", [(PLAN_DAY, PLAN_DAY + timedelta(days=1), "C001", "I0011", "m-blocked", "standard",
                                      "reminder_2", "email", "invoice_in_dispute", "dispute D1 open since 2026-06-20")])
    _insert(con, "marts.mart_collector_worklist", WORKLIST,
            [(PLAN_DAY, 1, message_id("C001", "call"), "call", "C001", "alice", "EUR", 2000, 0.3, "model", 600, 12,
              50.0, "call value from the next-best-action model 600 EUR expected over 12 min = 50 per minute"),
             (PLAN_DAY, 2, message_id("C002", "task"), "task", "C002", "alice", "EUR", 2250, 0.3, "amount_x_risk",
              675, 5, 135.0 / 5, "2250.00 at stake × risk 0.3 = 675 EUR expected over 5 min = 27 per minute"),
             (PLAN_DAY, 3, "inbound-IN3", "inbound_request", "C003", "finance", "EUR", 7000, 0.02, "amount_x_risk",
              140, 6, 23.3333, "7000.00 at stake × risk 0.02 = 140 EUR expected over 6 min = 23.3333 per minute")])
    _insert(con, "ml.drift_reports", "as_of_date model drifted_share drifted drifted_features",
            [(day, model, share + 0.01 * n, share + 0.01 * n > 0.3, "days_late_trend" if n else "")
             for n, day in enumerate(DAYS[-5:]) for model, share in [("payment_delay", 0.1), ("self_cure", 0.28)]])
    _insert(con, "ml.customer_scores", "as_of_date customer_id payment_delay_risk self_cure_probability"
            " expected_days_late", [(day, "C001", 0.3 + 0.01 * n, 0.4, 12.0) for n, day in enumerate(DAYS[-5:])])
# fmt: on


def build(path: Path) -> Path:
    """Write the fixture warehouse to ``path`` (a new DuckDB file) and return the path."""
    con = duckdb.connect(str(path))
    con.execute(DDL)
    _marts(con)
    _customer(con)
    _journeys_and_ml(con)
    con.close()
    return path

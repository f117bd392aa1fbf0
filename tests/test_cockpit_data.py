"""The cockpit's reads over the hand-built fixture warehouse (tests/cockpit_warehouse.py): the
figures each page shows, the Parquet exports as a source, and never holding the pipeline off."""

from __future__ import annotations

import math
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from cockpit import charts, customer, data, decisions, review
from tests.cockpit_warehouse import EMAIL_CUSTOMERS, FORECAST_DAY, PLAN_DAY, build, message_id


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build(tmp_path_factory.mktemp("cockpit") / "warehouse.duckdb")


def test_aging_sums_customers_per_bucket_and_day(warehouse):
    aging = data.aging_over_time(warehouse, "EUR")
    first = aging[aging.as_of_date == aging.as_of_date.min()].set_index("aging_bucket")
    assert list(first.index) == data.AGING_ORDER  # in bucket order
    assert first.loc["current", "open_amount"] == 1000 + 1100  # C001 + C002
    assert aging.as_of_date.nunique() == 30
    assert data.aging_over_time(warehouse, "USD").empty


def test_kpis_daily_are_a_trend_and_monthly_the_latest_restatement(warehouse):
    daily = data.kpis_daily(warehouse, "EUR")
    assert len(daily) == 30 and daily.as_of_date.is_monotonic_increasing
    assert {"dso_standard", "dso_countback", "best_possible_dso_countback", "cei_pct", "add_countback"} <= set(daily)
    assert daily.dso_countback.iloc[-1] == pytest.approx(45 - 29 * 0.25)
    assert list(data.kpis_monthly(warehouse, "EUR").period_start.dt.month) == [3, 4, 5]
    assert data.latest_as_of(warehouse) == pd.Timestamp(PLAN_DAY) and data.currencies(warehouse) == ["EUR"]


def test_the_forecast_is_compared_with_the_cash_of_the_weeks_already_over(warehouse):
    assert data.comparable_forecast(warehouse) == pd.Timestamp(FORECAST_DAY)
    frame = data.cash_forecast_vs_actual(warehouse, "EUR", FORECAST_DAY)
    assert len(frame) == 13 and (frame.p10 <= frame.expected).all() and (frame.expected <= frame.p90).all()
    assert frame.actual.iloc[:2].tolist() == [1000.0, 2500.0]
    assert frame.actual.iloc[2:].isna().all()  # weeks not over yet have no actual, not zero
    assert data.cash_forecast_vs_actual(warehouse, "EUR", PLAN_DAY).actual.isna().all()


def test_experiments_and_drift_are_read_for_their_charts(warehouse):
    results = data.experiment_results(warehouse)
    assert list(results.variant) == ["holdout", "firm", "friendly"]  # the hold-out first, as the reference
    assert (results.paid_rate_ci_low < results.paid_rate).all() and (
        results.paid_rate < results.paid_rate_ci_high
    ).all()
    drift = data.drift_reports(warehouse)
    assert set(drift.model) == {"payment_delay", "self_cure"} and drift.drifted.any()
    spec = charts.cash_forecast(data.cash_forecast_vs_actual(warehouse, "EUR", FORECAST_DAY)).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line", "line"]


def test_the_customer_360_gathers_every_part_of_the_story(warehouse):
    assert customer.find_customers(warehouse, "c00").customer_id.tolist() == ["C004", "C003", "C002", "C001"]
    assert customer.profile(warehouse, "C001")["customer_name"] == "Customer C001"
    assert customer.profile(warehouse, "nobody") == {}
    assert customer.balance_history(warehouse, "C001").as_of_date.nunique() == 30
    assert customer.invoices(warehouse, "C001").invoice_id.tolist() == ["I0011"]
    assert customer.payments(warehouse, "C001").payment_amount.sum() == 3500
    assert customer.disputes(warehouse, "C001").dispute_reason.tolist() == ["pricing"]
    assert customer.promises(warehouse, "C001").promise_status.tolist() == ["pending"]
    sent = customer.messages(warehouse, "C001")
    assert sent.message_id.tolist() == [message_id("C001", "email")]
    assert sent.reason_now.iloc[0] == "invoice 20 days past due" and sent.status.iloc[0] == "pending"
    assert customer.blocked(warehouse, "C001").rule.tolist() == ["invoice_in_dispute"]
    inbound = customer.inbound(warehouse, "C001")
    assert inbound.category.tolist() == ["promise_to_pay"] and "body" not in inbound
    assert len(customer.scores(warehouse, "C001")) == 5


def test_the_review_shows_customer_facing_rows_with_their_decisions(warehouse, tmp_path):
    store = tmp_path / "decisions.sqlite"
    decisions.record(PLAN_DAY, [message_id("C002", "email")], "held", "alice", path=store)
    plan = review.contact_list(warehouse, PLAN_DAY, store)
    assert plan.customer_id.tolist() == EMAIL_CUSTOMERS and set(plan.channel) == {"email"}
    held = plan.set_index("customer_id").loc["C002"]
    assert (held.decision, held.decided_by) == ("held", "alice")
    assert plan.decision.tolist().count("pending") == 3
    assert review.filter_rows(plan, decision=["pending"], min_amount=1400).customer_id.tolist() == ["C003", "C004"]
    assert review.filter_rows(plan, text="c001").customer_id.tolist() == ["C001"]
    assert review.plan_days(warehouse) == [pd.Timestamp(PLAN_DAY)]


def test_the_worklist_shows_the_ranked_items_with_their_latest_action(warehouse, tmp_path):
    store = tmp_path / "decisions.sqlite"
    decisions.record_worklist_action(
        PLAN_DAY, message_id("C002", "task"), "reassign", "alice", assignee="bob", path=store
    )
    decisions.record_worklist_action(PLAN_DAY, "inbound-IN3", "done", "alice", path=store)
    work = review.worklist(warehouse, PLAN_DAY, store)
    assert review.worklist_days(warehouse) == [pd.Timestamp(PLAN_DAY)]
    assert list(work.item_type) == ["call", "task", "inbound_request"]  # the mart's rank order
    work = work.set_index("customer_id")
    assert (work.loc["C002", "owner"], work.loc["C002", "action"]) == ("bob", "reassign")
    assert (work.loc["C001", "owner"], work.loc["C001", "action"]) == ("alice", "open")
    assert (work.loc["C003", "owner"], work.loc["C003", "action"]) == ("finance", "done")
    assert work.reason.str.len().gt(0).all()


def test_the_parquet_exports_folder_is_a_source_too(warehouse, tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in ("marts.mart_collections_kpis_daily", "marts.mart_ar_aging", "journeys.contact_list"):
            folder = exports / table.split(".")[1]
            con.execute(f"copy {table} to '{folder}' (format parquet, partition_by (as_of_date))")
    assert (
        data.kpis_daily(exports, "EUR")
        .drop(columns="as_of_date")
        .equals(data.kpis_daily(warehouse, "EUR").drop(columns="as_of_date"))
    )
    assert (
        data.aging_over_time(exports, "EUR").open_amount.sum()
        == data.aging_over_time(warehouse, "EUR").open_amount.sum()
    )
    assert review.plan_days(exports) == [pd.Timestamp(PLAN_DAY)]  # the exported plan, read as journeys.contact_list
    assert data.experiment_results(exports).empty and customer.messages(exports, "C001").empty  # not exported


def test_reads_close_the_file_so_the_pipeline_can_write_right_after(warehouse):
    data.kpis_daily(warehouse, "EUR")
    with duckdb.connect(str(warehouse)) as writer:  # refused if a read-only handle were still open here
        assert writer.execute("select count(*) from marts.mart_ar_aging").fetchone()[0] > 0


def test_a_warehouse_held_by_a_run_is_said_plainly(warehouse):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
            str(warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(data.WarehouseBusy):
            data.kpis_daily(warehouse, "EUR")
    finally:
        holder.communicate("")
    assert not math.isnan(data.kpis_daily(warehouse, "EUR").cei_pct.iloc[0])


def test_a_missing_warehouse_says_how_to_get_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="make run"):
        data.kpis_daily(tmp_path / "absent.duckdb", "EUR")

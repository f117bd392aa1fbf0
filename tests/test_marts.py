"""The dbt marts built by a real daily run: KPI arithmetic (dbt unit tests), invariants across
marts, one slice per as-of date, Parquet exports, docs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from erp.vocabulary import SEGMENTS
from tests.conftest import pipeline_home

DBT = str(Path(sys.executable).with_name("dbt"))
PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
DAYS = ["2026-06-28", "2026-06-29", "2026-06-30"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Three daily runs (a backfill) of the whole pipeline on a small simulated world."""
    with pipeline_home(tmp_path_factory, "marts", customers=150, months=8) as home:
        from orchestration import run

        # The world is created at the first day run, then advanced day by day.
        assert run.main(["--from", DAYS[0], "--to", DAYS[-1]]) == 0
        yield home


def query(home: Path, sql: str, params=()) -> pd.DataFrame:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def dbt(home: Path, *args: str, target: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"RELANCE_WAREHOUSE": str(home / "warehouse.duckdb"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [
            DBT,
            *args,
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(target),
            "--vars",
            f"{{as_of_date: '{DAYS[-1]}'}}",
        ],
        env=env,
        capture_output=True,
        text=True,
    )


def test_kpi_unit_tests_pass(built, tmp_path):
    result = dbt(built, "test", "--select", "test_type:unit", target=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    # countback ×2, open balances, CEI month, two-part invoice, promises (ERP, portal, e-mail), customer
    # commitments spread over invoices, 2 mart KPIs, experiment intervals, contact suppression, the
    # worklist's ranking, exchange rates to the reporting currency
    assert "PASS=13" in result.stdout


def test_marts_keep_one_slice_per_as_of_date(built):
    daily = query(
        built, "select as_of_date, count(*) as n from marts.mart_collections_kpis_daily group by 1 order by 1"
    )
    assert [str(d.date()) for d in daily.as_of_date] == DAYS
    aging = query(built, "select count(distinct as_of_date) as n from marts.mart_ar_aging")
    assert aging.n[0] == 3


def test_aging_buckets_sum_to_the_open_balance_of_each_customer(built):
    diff = query(
        built,
        """
        with aging as (select customer_id, sum(open_amount) as aged from marts.mart_ar_aging
                       where as_of_date = ? group by 1),
             invoices as (select customer_id, sum(open_amount) as open from marts.fct_invoices group by 1)
        select count(*) as mismatches from invoices full join aging using (customer_id)
        where abs(coalesce(open, 0) - coalesce(aged, 0)) >= 0.01""",
        [DAYS[-1]],
    )
    assert diff.mismatches[0] == 0
    buckets = query(built, "select distinct aging_bucket from marts.mart_ar_aging order by 1").aging_bucket.tolist()
    assert buckets == ["120_plus", "1_30", "31_60", "61_90", "91_120", "current"]


def test_each_invoice_reconciles_and_kpis_match_the_ledger(built):
    bad = query(
        built,
        """select count(*) as n from marts.fct_invoices
                          where abs(open_amount + paid_amount + credited_amount - overpaid_amount
                                    - invoice_amount) >= 0.01""",
    )
    assert bad.n[0] == 0
    kpis = query(built, "select * from marts.mart_collections_kpis_daily where as_of_date = ?", [DAYS[-1]])
    open_by_currency = query(built, "select currency_code, sum(open_amount) as open from marts.fct_invoices group by 1")
    merged = kpis.merge(open_by_currency, on="currency_code")
    assert (abs(merged.ending_ar - merged.open) < 0.01).all()
    assert ((kpis.dso_countback > kpis.best_possible_dso_countback) & (kpis.cei_pct.between(0, 100))).all()
    monthly = query(built, "select * from marts.mart_collections_kpis_monthly where as_of_date = ?", [DAYS[-1]])
    rolled = monthly.beginning_ar + monthly.credit_sales - monthly.collected_amount - monthly.credited_amount
    assert (abs(rolled - monthly.ending_ar) < 0.01).all() and len(monthly) >= 4


def test_customer_360_has_one_row_per_customer_and_scores_once_models_exist(built):
    dim = query(built, "select * from marts.dim_customer_360")
    customers = query(built, "select count(*) as n from raw.customers where _partition = ?", [DAYS[-1]])
    assert dim.customer_id.is_unique and len(dim) == customers.n[0]
    assert dim.best_send_hour.dropna().between(0, 23).all()  # the send-time model's hour, local
    scored = dim[dim.payment_delay_risk.notna()]
    assert scored.payment_delay_risk.between(0, 1).all()
    assert (scored.open_balance > 0).all()  # only customers with open invoices are scored
    assert set(dim.segment) <= set(SEGMENTS)
    assert dim.segment.nunique() >= 4


def test_marts_are_exported_as_parquet_per_as_of_date(built):
    export = built / "exports" / "mart_collections_kpis_daily"
    assert sorted(p.name for p in export.iterdir()) == [f"as_of_date={d}" for d in DAYS]
    frame = pd.read_parquet(built / "exports" / "dim_customer_360")  # Hive partitions, as a BI tool reads them
    assert set(frame.as_of_date.astype(str)) == {DAYS[-1]}  # earlier days were backfills: history slices only
    assert (built / "exports" / "mart_dunning_book").is_dir()
    assert not (built / "exports" / "dim_contacts").exists()  # addresses and names are not exported


def test_rerunning_a_day_replaces_its_slice(built, monkeypatch):
    monkeypatch.setenv("RELANCE_HOME", str(built))
    monkeypatch.setenv("DAGSTER_HOME", str(built / "dagster"))
    before = query(built, "select count(*) as n from marts.mart_ar_aging").n[0]
    from orchestration import run

    assert run.main(["--from", DAYS[1], "--to", DAYS[1]]) == 0
    assert query(built, "select count(*) as n from marts.mart_ar_aging").n[0] == before


def test_dbt_docs_generate(built, tmp_path):
    result = dbt(built, "docs", "generate", target=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "catalog.json").stat().st_size > 10_000

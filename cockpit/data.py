"""Reading the published marts for the cockpit's KPI page: plain functions, one query each.

The source is a DuckDB warehouse file or the Parquet exports folder (``<table>/as_of_date=.../*.parquet``,
what BI tools read: the marts and the day's contact list). A DuckDB file is opened read-only for
one query and closed at once; by default it is the copy published after each run
(orchestration/published.py), so the cockpit never holds the file the pipeline writes. A table
the source does not hold (the exports carry no outbox, no ml tables) reads as an empty frame, so
a page shows "nothing yet" rather than failing.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import duckdb
import pandas as pd

from erp.warehouse import has_table

AGING_ORDER = ["current", "1_30", "31_60", "61_90", "91_120", "120_plus"]  # macros/aging.sql
KPI_COLUMNS = [
    "dso_standard",
    "best_possible_dso_standard",
    "dso_countback",
    "best_possible_dso_countback",
    "add_standard",
    "add_countback",
    "cei_pct",
    "pct_current",
    "ending_ar",
    "ending_overdue_ar",
    "collected_amount",
    "credit_sales",
]

JOURNEYS_EXPORTS = {"contact_list"}  # the day's plan is exported beside the marts (orchestration/journeys)


class WarehouseBusy(RuntimeError):
    """The pipeline holds the warehouse (a run is writing): try again after the run."""


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _connect(source: Path) -> duckdb.DuckDBPyConnection:
    source = Path(source)
    if source.is_dir():
        con = duckdb.connect()
        con.execute("create schema marts; create schema journeys")
        for folder in sorted(p for p in source.iterdir() if p.is_dir() and any(p.rglob("*.parquet"))):
            files = _literal(folder / "**" / "*.parquet")  # a view cannot take a prepared parameter
            schema = "journeys" if folder.name in JOURNEYS_EXPORTS else "marts"
            con.execute(
                f"create view {schema}.{folder.name} as select * from read_parquet({files}, hive_partitioning = 1)"
            )
        return con
    if not source.exists():
        raise FileNotFoundError(f"no warehouse at {source}: run `make run` first or set COCKPIT_WAREHOUSE")
    try:
        return duckdb.connect(str(source), read_only=True)
    except duckdb.IOException as error:
        raise WarehouseBusy(f"the warehouse is being written by a run, try again shortly ({error})") from error


def query(source: Path, sql: str, params: list | None = None, needs: tuple[str, ...] = ()) -> pd.DataFrame:
    """Run one read query; an empty frame when a table in ``needs`` is absent from the source."""
    with closing(_connect(source)) as con:
        if not all(has_table(con, table) for table in needs):
            return pd.DataFrame()
        return con.execute(sql, params or []).df()


def latest_as_of(source: Path) -> pd.Timestamp | None:
    frame = query(
        source,
        "select max(as_of_date) as d from marts.mart_collections_kpis_daily",
        needs=("marts.mart_collections_kpis_daily",),
    )
    return None if frame.empty or pd.isna(frame.d[0]) else pd.Timestamp(frame.d[0])


def currencies(source: Path) -> list[str]:
    frame = query(
        source,
        "select distinct currency_code from marts.mart_collections_kpis_daily order by 1",
        needs=("marts.mart_collections_kpis_daily",),
    )
    return frame.currency_code.tolist() if len(frame) else []


def aging_over_time(source: Path, currency: str) -> pd.DataFrame:
    """Open amount per aging bucket per as-of date (one bar per day, buckets stacked in order)."""
    return query(
        source,
        """select as_of_date, aging_bucket, min(bucket_order) as bucket_order,
                                   sum(open_amount)::double as open_amount, sum(open_invoices) as open_invoices
                            from marts.mart_ar_aging where currency_code = ?
                            group by 1, 2 order by 1, 3""",
        [currency],
        needs=("marts.mart_ar_aging",),
    )


def kpis_daily(source: Path, currency: str) -> pd.DataFrame:
    """The trailing-window KPIs as known on each as-of date: the DSO, CEI and ADD trends."""
    return query(
        source,
        f"""select as_of_date, {", ".join(KPI_COLUMNS)} from marts.mart_collections_kpis_daily
                             where currency_code = ? order by as_of_date""",
        [currency],
        needs=("marts.mart_collections_kpis_daily",),
    )


def kpis_monthly(source: Path, currency: str) -> pd.DataFrame:
    """The calendar months as known on the latest as-of date (a month is restated until it is history)."""
    return query(
        source,
        f"""select period_start, {", ".join(KPI_COLUMNS)} from marts.mart_collections_kpis_monthly
                             where currency_code = ? and as_of_date = (
                                 select max(as_of_date) from marts.mart_collections_kpis_monthly)
                             order by period_start""",
        [currency],
        needs=("marts.mart_collections_kpis_monthly",),
    )


def forecast_dates(source: Path) -> list[pd.Timestamp]:
    frame = query(
        source,
        "select distinct as_of_date from marts.mart_cash_forecast order by 1 desc",
        needs=("marts.mart_cash_forecast",),
    )
    return [pd.Timestamp(d) for d in frame.as_of_date] if len(frame) else []


def comparable_forecast(source: Path) -> pd.Timestamp | None:
    """The newest forecast whose first week is over: the one worth comparing with actuals."""
    frame = query(
        source,
        """select max(as_of_date) as d from marts.mart_cash_forecast
                             where week_number = 1 and week_end <= (select max(as_of_date) from marts.fct_payments)""",
        needs=("marts.mart_cash_forecast", "marts.fct_payments"),
    )
    return None if frame.empty or pd.isna(frame.d[0]) else pd.Timestamp(frame.d[0])


def cash_forecast_vs_actual(source: Path, currency: str, forecast_as_of) -> pd.DataFrame:
    """The 13 weeks forecast on ``forecast_as_of`` with their P10-P90 band, and the cash that came in
    each week since (fct_payments); ``actual`` stays empty for weeks not over yet."""
    return query(
        source,
        """
        with forecast as (
            select week_number, week_start, week_end, expected_collections::double as expected,
                   collections_p10::double as p10, collections_p90::double as p90, invoices_likely_paid
            from marts.mart_cash_forecast where currency_code = ? and as_of_date = ?),
        known as (select max(as_of_date) as last_day from marts.fct_payments)  -- payments known up to then
        select forecast.*,
               case when forecast.week_end <= known.last_day then coalesce((
                   select sum(payment_amount)::double from marts.fct_payments p
                   where p.currency_code = ? and p.payment_date between forecast.week_start and forecast.week_end), 0)
               end as actual
        from forecast, known order by week_number""",
        [currency, pd.Timestamp(forecast_as_of).date(), currency],
        needs=("marts.mart_cash_forecast", "marts.fct_payments"),
    )


def experiment_results(source: Path) -> pd.DataFrame:
    """Each experiment's variants as of the latest date, with paid rate and uplift intervals."""
    return query(
        source,
        """select * from marts.mart_experiment_results
                            where as_of_date = (select max(as_of_date) from marts.mart_experiment_results)
                            order by experiment, is_holdout desc, variant""",
        needs=("marts.mart_experiment_results",),
    )


def drift_reports(source: Path) -> pd.DataFrame:
    """Per model and day, the share of drifted features (ml.drift_reports, written by the scoring stage)."""
    return query(
        source,
        """select as_of_date, model, drifted_share, drifted, drifted_features
                            from ml.drift_reports order by as_of_date, model""",
        needs=("ml.drift_reports",),
    )

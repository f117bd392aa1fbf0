"""Write model scores back to the warehouse (schema ``ml``), one slice per as-of date, for the
marts (dim_customer_360, mart_cash_forecast) and the journeys to read."""

from __future__ import annotations

import duckdb
import pandas as pd

from erp.warehouse import has_table

INVOICE_SCORES_DDL = """
create table if not exists ml.invoice_scores (
    as_of_date DATE, invoice_id VARCHAR, customer_id VARCHAR, currency_code VARCHAR, due_date DATE,
    open_amount DECIMAL(18,2), p10_days_late DOUBLE, p50_days_late DOUBLE, p90_days_late DOUBLE,
    p_late_30 DOUBLE, p_self_cure DOUBLE, model_version VARCHAR, next_best_action VARCHAR, nba_reason VARCHAR,
    nba_incentive VARCHAR)"""  # text scores declared: a day without their model would type them DOUBLE
DRIFT_DDL = """
create table if not exists ml.drift_reports (
    as_of_date DATE, model VARCHAR, drifted_share DOUBLE, drifted BOOLEAN, drifted_features VARCHAR,
    report_path VARCHAR, recorded_at TIMESTAMP)"""
CUSTOMER_SCORES_DDL = """
create table if not exists ml.customer_scores (
    as_of_date DATE, customer_id VARCHAR, payment_delay_risk DOUBLE, self_cure_probability DOUBLE,
    expected_days_late DOUBLE)"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ml")
    con.execute(INVOICE_SCORES_DDL)
    con.execute(CUSTOMER_SCORES_DDL)
    con.execute(DRIFT_DDL)


def record_drift(con: duckdb.DuckDBPyConnection, as_of: str, model: str, result) -> None:
    """Keep each day's drift outcome where the retrain sensor (and anyone) can query it."""
    ensure_tables(con)
    con.execute("delete from ml.drift_reports where as_of_date = ? and model = ?", [as_of, model])
    con.execute(
        "insert into ml.drift_reports values (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [
            as_of,
            model,
            result.drifted_share,
            result.drifted,
            ",".join(result.drifted_features),
            str(result.report_path),
        ],
    )


def customer_scores(invoice_scores: pd.DataFrame) -> pd.DataFrame:
    """Per customer: amount-weighted risk of paying > 30 days late and expected lateness over its
    open invoices; self-cure probability of its overdue ones (amount-weighted)."""
    s = invoice_scores.assign(w=invoice_scores.open_amount.astype(float))
    s = s.assign(
        risk_w=s.p_late_30 * s.w,
        late_w=s.p50_days_late * s.w,
        cure_w=s.p_self_cure * s.w,
        cure_base=s.w.where(s.p_self_cure.notna(), 0.0),
    )
    g = s.groupby("customer_id")[["w", "risk_w", "late_w", "cure_w", "cure_base"]].sum()
    return pd.DataFrame(
        {
            "customer_id": g.index,
            "payment_delay_risk": (g.risk_w / g.w).to_numpy(),
            "self_cure_probability": (g.cure_w / g.cure_base.where(g.cure_base > 0)).to_numpy(),
            "expected_days_late": (g.late_w / g.w).to_numpy(),
        }
    )


def write(
    con: duckdb.DuckDBPyConnection,
    as_of: str,
    invoice_scores: pd.DataFrame,
    other_tables: dict[str, pd.DataFrame] | None = None,
) -> dict[str, int]:
    """Replace the as-of slice of every score table in one transaction: ml.invoice_scores,
    ml.customer_scores (derived from it) and each other model output table."""
    ensure_tables(con)
    customers = (
        customer_scores(invoice_scores)
        if len(invoice_scores)
        else pd.DataFrame(columns=["customer_id", "payment_delay_risk", "self_cure_probability", "expected_days_late"])
    )
    frames = {"invoice_scores": invoice_scores, "customer_scores": customers, **(other_tables or {})}
    con.execute("begin transaction")
    try:
        for table, frame in frames.items():
            _replace_slice(con, table, as_of, frame)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return {table: len(frame) for table, frame in frames.items()}


def _replace_slice(con: duckdb.DuckDBPyConnection, table: str, as_of: str, frame: pd.DataFrame) -> None:
    """Delete the day's rows of ``ml.<table>`` and insert ``frame``'s. A table or column a new
    model brings is created from the frame's types, so adding a model needs no DDL here. A frame
    with no rows (a model with no champion yet) has no types: a table created from it would
    type its columns NULL and refuse every later row, so it only clears the day's slice."""
    if frame.empty:
        if has_table(con, f"ml.{table}"):
            con.execute(f"delete from ml.{table} where as_of_date = ?", [as_of])
        return
    con.register("scored", frame.assign(as_of_date=pd.Timestamp(as_of)))
    con.execute("create or replace temp view frame as select * replace (as_of_date::DATE as as_of_date) from scored")
    try:
        con.execute(f"create table if not exists ml.{table} as select * from frame limit 0")
        existing = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'ml' and table_name = ?",
                [table],
            ).fetchall()
        )
        types = dict(con.execute("select column_name, column_type from (describe select * from frame)").fetchall())
        for column in (c for c in types if c not in existing):
            con.execute(f'alter table ml.{table} add column "{column}" {types[column]}')
        # a table first written before its model had a champion has typeless (NULL) columns
        for column in (c for c in types if existing.get(c) == '"NULL"' and types[c] != '"NULL"'):
            con.execute(f'alter table ml.{table} alter column "{column}" set data type {types[column]}')
        con.execute(f"delete from ml.{table} where as_of_date = ?", [as_of])
        con.execute(f"insert into ml.{table} by name select * from frame")
    finally:
        con.execute("drop view frame")
        con.unregister("scored")

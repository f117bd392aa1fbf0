"""What the models read from the warehouse (ml.data): the same values DuckDB's own ``.df()``
gives, but text held as Arrow strings rather than a Python object per cell, which is what
took ~5 GB of the 100,000-customer scoring step."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml import data


def small_result(con: duckdb.DuckDBPyConnection) -> str:
    con.execute(
        """create table t as select * from (values
             ('INV-1', 'Dupont & Fils', date '2026-01-31', 12.50::decimal(12, 2), true, 3),
             ('INV-2', null, null, null, null, null),
             ('INV-3', 'Ünïcode ✓', date '2026-02-28', 7.05::decimal(12, 2), false, 4))
           as v(invoice_id, name, due_date, amount, flag, n)"""
    )
    return "select * from t"


def test_text_is_arrow_backed_and_every_value_equals_duckdbs_own_frame():
    with duckdb.connect() as con:
        sql = small_result(con)
        ours, theirs = data.frame_of(con.sql(sql).to_arrow_table()), con.execute(sql).df()
    assert ours.invoice_id.dtype == data.TEXT and ours.name.dtype == data.TEXT
    assert ours.amount.dtype == np.float64  # a decimal is a float, as .df() gives it, not a Decimal object
    assert pd.api.types.is_datetime64_dtype(ours.due_date)
    assert ours.name.isna().tolist() == [False, True, False]
    assert (ours.name == "Dupont & Fils").dtype == bool  # masks stay plain booleans with a missing value
    theirs["due_date"] = theirs.due_date.astype(ours.due_date.dtype)
    pd.testing.assert_frame_equal(ours, theirs.astype({"invoice_id": data.TEXT, "name": data.TEXT}), check_dtype=False)


def test_arrow_text_takes_less_than_half_the_memory_of_object_text():
    ids = pd.Series([f"INV-{i:08d}" for i in range(50_000)])
    with duckdb.connect() as con:
        con.register("ids", pd.DataFrame({"invoice_id": ids}))
        ours = data.frame_of(con.sql("select invoice_id from ids").to_arrow_table())
    assert ours.invoice_id.tolist() == ids.tolist()
    assert ours.memory_usage(deep=True).sum() < 0.5 * ids.memory_usage(deep=True)


def test_the_marts_day_then_the_frames_on_one_connection(tmp_path):
    """Scoring reads the marts' day, then the frames, on one connection (a DuckDB 2 result left
    pending by fetchone() makes the next query fail)."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_invoices as select date '2026-03-31' as as_of_date, 'INV-1' as invoice_id")
        assert data.as_of_date(con) == pd.Timestamp("2026-03-31")
        frame = data.frame_of(con.sql("select invoice_id from marts.fct_invoices").to_arrow_table())
        assert frame.invoice_id[0] == "INV-1"


def marts_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """The two marts the invoices and their settlement history come from, one settled invoice."""
    con.execute("create schema marts")
    con.execute(
        """create table marts.fct_invoices as select 'INV-1' as invoice_id, 'C-1' as customer_id,
             'EUR' as currency_code, date '2026-01-01' as issue_date, date '2026-01-31' as due_date,
             100.0 as invoice_amount, 0.0 as open_amount, date '2026-02-05' as settled_on,
             5 as days_late_at_settlement, 'paid' as invoice_status, 0 as dispute_count,
             date '2026-03-31' as as_of_date"""
    )


class CountingConnection:
    """A DuckDB connection that records the SQL it is asked to run."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con, self.queries = con, []

    def sql(self, query: str):
        self.queries.append(query)
        return self.con.sql(query)


def test_marts_read_a_table_only_when_a_model_asks_and_once():
    with duckdb.connect() as con:
        marts_warehouse(con)
        counting = CountingConnection(con)
        marts = data.Marts(counting)
        assert "payments" in marts and "nonsense" not in marts and not counting.queries  # nothing read to answer
        history = marts["history"]  # derived from the invoices, which are read on the way
        assert history.hist_invoices.tolist() == [1] and len(counting.queries) == 1
        assert marts["invoices"].invoice_id.tolist() == ["INV-1"] and len(counting.queries) == 1


def test_releasing_the_marts_keeps_only_what_every_model_reads():
    with duckdb.connect() as con:
        marts_warehouse(con)
        con.execute("create table marts.fct_disputes as select 'INV-1' as invoice_id, null::date as opened_on, "
                    "null::date as resolved_on")  # fmt: skip
        counting = CountingConnection(con)
        marts = data.Marts(counting)
        invoices, _ = marts["invoices"], marts["disputes"]
        marts.release()
        assert marts["invoices"] is invoices and len(counting.queries) == 2  # kept: not read again
        marts["disputes"]
        assert len(counting.queries) == 3  # let go: read again when the next model asks


def test_an_unknown_table_is_a_key_error_naming_it():
    with duckdb.connect() as con, pytest.raises(KeyError, match="fct_nothing"):
        data.Marts(con)["fct_nothing"]

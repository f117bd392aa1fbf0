"""erp.warehouse.has_table: what every stage asks before reading a table a first run lacks."""

from __future__ import annotations

import duckdb

from erp.warehouse import has_table


def test_a_table_exists_in_its_own_schema_only_and_the_connection_stays_usable():
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_invoices as select 1 as n")
        assert has_table(con, "marts.fct_invoices")
        assert not has_table(con, "raw.fct_invoices") and not has_table(con, "marts.fct_payments")
        con.register("frame", con.execute("select 2 as n").df())  # refused after a partly fetched result
        assert con.execute("select n from frame").fetchall() == [(2,)]

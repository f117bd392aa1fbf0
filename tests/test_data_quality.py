"""The Great Expectations suites catch what ingestion should never let through (critical) and
flag valid but implausible data (warning)."""

from __future__ import annotations

from data_quality import validate_table
from data_quality.suites import suite_for
from erp.contract import TABLES
from erp.ingest import load_table

PARTITION = "2025-03-01"


def loaded(con, drop):
    for table in ("customers", "invoices", "payments"):
        load_table(con, drop, table, PARTITION)


def test_clean_tables_pass_every_expectation(con, valid_drop):
    loaded(con, valid_drop)
    for table in ("customers", "invoices", "payments", "disputes"):
        result = validate_table(con, table, PARTITION)
        assert result.failed == {}, table
        assert result.evaluated == len(suite_for(TABLES[table], PARTITION))


def test_rows_that_bypassed_ingestion_fail_critical_expectations(con, valid_drop):
    loaded(con, valid_drop)
    con.execute("""insert into raw.invoices select * replace ('I1' as invoice_id, null as customer_id,
                   -5 as amount, issue_date - interval 40 day as due_date, 'EUX' as currency)
                   from raw.invoices where invoice_id = 'I2'""")
    result = validate_table(con, "invoices", PARTITION)
    assert result.critical_failures == {
        "expect_column_values_to_not_be_null(customer_id)": 1,
        "expect_column_values_to_be_unique(invoice_id)": 2,
        "expect_column_values_to_be_in_set(currency)": 1,
        "expect_column_values_to_be_between(amount)": 1,
        "expect_column_pair_values_a_to_be_greater_than_b(due_date)": 1,
    }


def test_implausible_values_are_warnings_not_errors(con, valid_drop):
    loaded(con, valid_drop)
    con.execute("update raw.invoices set amount = 99000000, issue_date = date '2025-06-01', "
                "due_date = date '2025-07-01' where invoice_id = 'I2'")
    result = validate_table(con, "invoices", PARTITION)
    assert result.critical_failures == {}
    assert set(result.warning_failures) == {"expect_column_values_to_be_between(amount):warning",
                                            "expect_column_values_to_be_between(issue_date):warning"}


def test_validation_reads_large_tables_in_chunks(con, valid_drop, monkeypatch):
    import data_quality.validate as validate_module

    loaded(con, valid_drop)
    con.execute("""insert into raw.payments select p.* replace ('P' || i as payment_id, _source_line + i as _source_line)
                   from raw.payments p, range(2, 6000) t(i)""")
    monkeypatch.setattr(validate_module, "CHUNK_ROWS", 2048)
    seen = []
    real_run = validate_module._run
    monkeypatch.setattr(validate_module, "_run", lambda df, exps, res: (seen.append(len(df)), real_run(df, exps, res)))
    result = validate_table(con, "payments", PARTITION)
    assert result.rows == 5999 and result.failed == {}
    assert seen[:3] == [2048, 2048, 1903]  # row expectations, chunk by chunk; then the whole-table ones

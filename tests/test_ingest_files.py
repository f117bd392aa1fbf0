"""Whole-file problems stop the load with a message naming the file and the problem, and leave
the partition as it was; re-loading a partition replaces it."""

from __future__ import annotations

import pytest

from erp.ingest import DropFileError, check_drop, load_table
from tests.conftest import INVOICES_CSV, write_csv

PARTITION = "2025-03-01"


def counts(con):
    return con.execute("select (select count(*) from raw.invoices), (select count(*) from raw.rejects)").fetchone()


@pytest.mark.parametrize(
    "content,encoding,problem",
    [
        ("", "utf-8", "empty file (0 bytes)"),
        ("\n\n", "utf-8", "empty file"),
        (INVOICES_CSV.replace(",", ";"), "utf-8", "wrong delimiter: the header is separated by ';'"),
        (INVOICES_CSV.replace("PO-1", "Société"), "latin-1", "wrong encoding: byte"),
        (INVOICES_CSV.replace("amount,", "montant,"), "utf-8", "missing required column(s) amount"),
        ("invoice_id,invoice_id,customer_id\n", "utf-8", "header repeats column(s) invoice_id"),
    ],
)
def test_file_level_error_names_the_file_and_loads_nothing(con, valid_drop, content, encoding, problem):
    load_table(con, valid_drop, "customers", PARTITION)
    load_table(con, valid_drop, "invoices", PARTITION)
    before = counts(con)
    path = write_csv(valid_drop, "invoices", content, encoding)
    with pytest.raises(DropFileError) as err:
        load_table(con, valid_drop, "invoices", PARTITION)
    assert str(path) in str(err.value) and problem in str(err.value)
    assert counts(con) == before  # the previous load of the partition is untouched
    with pytest.raises(DropFileError):
        check_drop(valid_drop)  # the drop-level pre-flight catches it before any table loads


def test_wrong_encoding_reports_the_line(valid_drop):
    write_csv(valid_drop, "invoices", INVOICES_CSV + "I3,C1,2025-01-01,2025-01-31,1.00,EUR,Café\n", "latin-1")
    with pytest.raises(DropFileError, match=r"line 4\) is not UTF-8"):
        check_drop(valid_drop)


def test_unreadable_parquet_names_the_file(valid_drop):
    (valid_drop / "invoices.csv").unlink()
    (valid_drop / "invoices.parquet").write_bytes(b"not a parquet file")
    with pytest.raises(DropFileError, match=r"invoices\.parquet: unreadable Parquet file"):
        check_drop(valid_drop)


def test_missing_required_table_is_an_error_but_optional_ones_are_not(valid_drop):
    assert set(check_drop(valid_drop)) == {"customers", "invoices", "payments"}
    (valid_drop / "payments.csv").unlink()
    with pytest.raises(DropFileError, match=r"payments\.csv: required table file is missing"):
        check_drop(valid_drop)


def test_header_only_optional_file_is_an_empty_snapshot(con, valid_drop):
    write_csv(valid_drop, "disputes", "dispute_id,invoice_id,opened_at,resolved_at,reason,amount\n")
    load_table(con, valid_drop, "customers", PARTITION)
    load_table(con, valid_drop, "invoices", PARTITION)
    report = load_table(con, valid_drop, "disputes", PARTITION)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (0, 0, 0)


def test_reloading_a_partition_is_idempotent_and_replaces_it(con, valid_drop):
    for _ in range(2):
        load_table(con, valid_drop, "customers", PARTITION)
        load_table(con, valid_drop, "invoices", PARTITION)
    assert counts(con) == (2, 0)
    write_csv(valid_drop, "invoices", INVOICES_CSV + "I3,C1,2025-01-01,2025-01-31,0,EUR,\n")
    load_table(con, valid_drop, "invoices", PARTITION)
    assert counts(con) == (2, 1)
    write_csv(valid_drop, "invoices", INVOICES_CSV)
    load_table(con, valid_drop, "invoices", PARTITION)
    assert counts(con) == (2, 0)  # the reject of the replaced load is gone with it
    log = con.execute("select count(*), sum(rows_read) from raw.load_log where table_name = 'invoices'").fetchone()
    assert log == (1, 2)


def test_partitions_are_independent_and_retention_prunes_old_ones(con, valid_drop, tmp_path):
    for day in ("2025-01-01", "2025-02-20", "2025-03-01"):
        load_table(con, valid_drop, "customers", day, retention_days=30)
    kept = [str(r[0]) for r in con.execute("select distinct _partition from raw.customers order by 1").fetchall()]
    assert kept == ["2025-02-20", "2025-03-01"]


def test_a_failed_load_rolls_back(con, valid_drop, monkeypatch):
    load_table(con, valid_drop, "customers", PARTITION)
    load_table(con, valid_drop, "invoices", PARTITION)
    from erp.ingest import load as load_module

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(load_module, "_log", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        load_table(con, valid_drop, "invoices", PARTITION)
    assert counts(con) == (2, 0)

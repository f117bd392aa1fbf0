"""Broken drops seen in the field: a day loads all or nothing, every file problem of a drop is
reported at once without personal data, and odd but valid inputs (long rows, reserved column
names, typed Parquet, stray folders) load instead of stopping the run."""

from __future__ import annotations

import json
import logging

import pytest

from erp.ingest import DropErrors, DropFileError, check_drop, load_day, load_table
from erp.sources import ErpSource
from tests.conftest import CUSTOMERS_CSV, INVOICES_CSV, PAYMENTS_CSV, write_csv

PARTITION = "2025-03-01"
CONTACTS_CSV = """contact_id,customer_id,email,full_name,role,is_primary,opted_out_at,timezone
K1,C1,jane.doe@acme.example,Jane Doe,billing,true,,
"""
CUT_ROW = 'I3,C1,2025-01-01,2025-01-31,5.00,EUR,"PO of Jane Doe\n'


def state(con) -> dict:
    """Every raw table's rows and the load log, to compare before and after a failed day."""
    tables = ("customers", "contacts", "invoices", "payments", "rejects", "load_log")
    return {
        t: sorted(
            map(
                str,
                con.execute(
                    f"select * exclude (loaded_at) from raw.{t}" if t == "load_log" else f"select * from raw.{t}"
                ).fetchall(),
            )
        )
        for t in tables
    }


def test_a_file_cut_inside_an_open_quote_is_a_file_error_naming_its_line(con, valid_drop):
    load_table(con, valid_drop, "customers", PARTITION)
    write_csv(valid_drop, "invoices", INVOICES_CSV + CUT_ROW + "I4,C1,2025-01-01,2025-01-31,5.00,EUR,\n")
    with pytest.raises(DropFileError) as err:
        load_table(con, valid_drop, "invoices", PARTITION)
    message = str(err.value)
    assert "invoices.csv" in message and "line 4" in message and "quote" in message
    assert "Jane" not in message


def test_a_cut_file_fails_the_whole_day_and_leaves_every_table_as_it_was(con, valid_drop):
    write_csv(valid_drop, "contacts", CONTACTS_CSV)
    load_day(con, valid_drop, PARTITION)
    before = state(con)
    write_csv(valid_drop, "customers", CUSTOMERS_CSV + "C3,New Co,FR,EUR,,,30,,fr,,2024-01-01\n")
    write_csv(valid_drop, "contacts", CONTACTS_CSV + "K2,C3,ap@new.example,,billing,true,,\n")
    write_csv(valid_drop, "invoices", INVOICES_CSV + CUT_ROW)
    with pytest.raises(DropErrors, match="invoices.csv"):
        load_day(con, valid_drop, PARTITION)
    assert state(con) == before


def test_a_failure_while_committing_the_day_leaves_every_table_as_it_was(con, valid_drop, monkeypatch):
    from erp.ingest import load as load_module

    load_day(con, valid_drop, PARTITION)
    before = state(con)
    write_csv(valid_drop, "customers", CUSTOMERS_CSV + "C3,New Co,FR,EUR,,,30,,fr,,2024-01-01\n")
    real_log = load_module._log

    def fail_on_payments(con, report):
        if report.table == "payments":
            raise RuntimeError("disk full")
        real_log(con, report)

    monkeypatch.setattr(load_module, "_log", fail_on_payments)
    with pytest.raises(RuntimeError, match="disk full"):
        load_day(con, valid_drop, PARTITION)
    assert state(con) == before


def test_every_problem_of_a_drop_is_reported_together_without_personal_data(con, valid_drop):
    write_csv(valid_drop, "invoices", INVOICES_CSV.replace("amount,", "montant,"))
    write_csv(valid_drop, "payments", PAYMENTS_CSV.replace(",", ";"))
    write_csv(valid_drop, "contacts", CONTACTS_CSV + 'K2,C1,"jane.doe@acme.example\n')
    with pytest.raises(DropErrors) as header_err:
        check_drop(valid_drop)
    assert [p.path.rsplit("/", 1)[-1] for p in header_err.value.problems] == ["invoices.csv", "payments.csv"]
    with pytest.raises(DropErrors) as err:
        load_day(con, valid_drop, PARTITION)
    report = str(err.value)
    assert [p.path.rsplit("/", 1)[-1] for p in err.value.problems] == ["contacts.csv", "invoices.csv", "payments.csv"]
    assert "missing required column(s) amount" in report and "wrong delimiter" in report
    assert "contacts.csv" in report and "line 3" in report
    assert "jane.doe" not in report and "Traceback" not in report


@pytest.mark.parametrize(
    "first_row,problem",
    [
        (
            "K1,C1,jane.doe@acme.example,Jane Doe,billing,true,,Europe/Paris",
            "header has an empty column name at position(s) [7]",
        ),
        (
            "K1,C1,jane.doe@acme.example,Jane Doe,billing,true,2025-01-01,Europe/Paris",
            "missing required column(s) contact_id, customer_id, email, role, is_primary (the file has: K1, C1, "
            "billing, true, 4 more not shown, as they do not look like column names: is the header row missing?)",
        ),
    ],
)
def test_a_file_without_its_header_row_shows_no_value_of_its_first_row(valid_drop, first_row, problem):
    write_csv(valid_drop, "contacts", first_row + "\n")
    with pytest.raises(DropErrors) as err:
        check_drop(valid_drop)
    assert f"contacts.csv: {problem}" in str(err.value)
    assert "jane.doe" not in str(err.value) and "Jane Doe" not in str(err.value)


def test_a_row_above_the_line_limit_is_quarantined_with_its_line_and_no_value_is_shown(con, valid_drop, caplog):
    huge = "jane.doe@acme.example " * 100_000  # 2.2 MB, above DuckDB's 2 MB max_line_size
    write_csv(
        valid_drop,
        "invoices",
        INVOICES_CSV + 'I3,C1,2025-01-01,2025-01-31,5.00,EUR,"multi\nline PO"\n'
        f"I4,C1,2025-01-01,2025-01-31,5.00,EUR,{huge}\nI5,C1,2025-01-01,2025-01-31,5.00,EUR,\n",
    )
    load_table(con, valid_drop, "customers", PARTITION)
    with caplog.at_level(logging.DEBUG):
        report = load_table(con, valid_drop, "invoices", PARTITION)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 4, 1)
    ((line, reason),) = con.execute("select source_line, reason from raw.rejects").fetchall()
    assert line == 5 and "longer than" in reason
    lines = dict(con.execute("select invoice_id, _source_line from raw.invoices").fetchall())
    assert lines == {"I1": 2, "I2": 3, "I3": 4, "I5": 6}
    assert "jane" not in reason + caplog.text + repr(report)


@pytest.mark.parametrize("name", ["_line", "_partition", "_source_file", "_source_line", "_extra", "_raw"])
def test_a_column_named_like_a_loader_column_is_kept_as_an_extra(con, valid_drop, name):
    write_csv(
        valid_drop,
        "invoices",
        INVOICES_CSV.replace("po_number\n", f"po_number,{name}\n")
        .replace("PO-1\n", "PO-1,x1\n")
        .replace("USD,\n", "USD,,x2\n"),
    )
    load_day(con, valid_drop, PARTITION)
    rows = con.execute("select invoice_id, _source_line, _source_file, _extra from raw.invoices order by 1").fetchall()
    assert [(r[0], r[1], json.loads(r[3])) for r in rows] == [("I1", 2, {name: "x1"}), ("I2", 3, {name: "x2"})]
    assert rows[0][2].endswith("invoices.csv")


def test_folders_named_like_impossible_dates_are_ignored_with_a_warning(tmp_path, caplog):
    for name in ("2026-01-05", "2026-02-30", "2026-13-01", "notes"):
        (tmp_path / name).mkdir()
    source = ErpSource("drop", tmp_path)
    with caplog.at_level(logging.WARNING):
        assert source.partitions() == ["2026-01-05"]
        assert source.latest_partition() == "2026-01-05"
    assert "2026-02-30" in caplog.text and "2026-13-01" in caplog.text


def test_the_dagster_run_fails_with_the_whole_report_and_no_personal_data(relance_home, valid_drop, tmp_path):
    import dagster as dg

    from orchestration.ingestion.assets import erp_drop, raw_tables
    from orchestration.resources import ErpSourceResource, WarehouseResource

    write_csv(valid_drop, "invoices", INVOICES_CSV.replace("amount,", "montant,"))
    write_csv(valid_drop, "contacts", CONTACTS_CSV + 'K2,C1,"jane.doe@acme.example\n')
    resources = {
        "erp_source": ErpSourceResource(drop_root=str(valid_drop.parent)),
        "warehouse": WarehouseResource(path=str(tmp_path / "warehouse.duckdb")),
    }
    result = dg.materialize(
        [erp_drop, raw_tables],
        partition_key=PARTITION,
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "raw_tables"
    message = failure.step_failure_data.user_failure_data.description
    assert "contacts.csv" in message and "invoices.csv" in message and "2 problems" in message
    assert "jane.doe" not in str(result.all_events)
    assert [e.asset_key.to_user_string() for e in result.get_asset_materialization_events()] == ["erp_drop"]

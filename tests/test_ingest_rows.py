"""Row-level contract violations are quarantined with their reason; no row is ever lost."""

from __future__ import annotations

import json

import pytest

from erp.ingest import load_table
from tests.conftest import CUSTOMERS_CSV, INVOICES_CSV, write_csv

PARTITION = "2025-03-01"


def load_all(con, folder, tables=("customers", "invoices", "payments")):
    return {t: load_table(con, folder, t, PARTITION) for t in tables}


def rejects(con, table):
    return con.execute(
        "select source_line, reason, raw_row from raw.rejects where table_name = ? order by source_line", [table]
    ).fetchall()


def assert_nothing_lost(report):
    assert report.rows_read == report.rows_loaded + report.rows_rejected


def test_valid_drop_loads_typed_with_lineage(con, valid_drop):
    reports = load_all(con, valid_drop)
    assert {t: r.rows_loaded for t, r in reports.items()} == {"customers": 2, "invoices": 2, "payments": 1}
    assert all(r.rows_rejected == 0 for r in reports.values())
    amount, line, source = con.execute(
        "select amount, _source_line, _source_file from raw.invoices where invoice_id = 'I1'"
    ).fetchone()
    assert str(amount) == "100.50" and line == 2 and source.endswith("invoices.csv")
    assert con.execute("select typeof(amount) from raw.invoices limit 1").fetchone()[0] == "DECIMAL(18,2)"
    # contract defaults: missing time zone comes from the country
    assert (
        con.execute("select timezone from raw.customers where customer_id = 'C2'").fetchone()[0] == "America/New_York"
    )


@pytest.mark.parametrize(
    "table,bad_row,reason",
    [
        ("invoices", "I9,C1,2025-01-01,2025-01-31,12.5x,EUR,", "wrong type: amount is not a valid money"),
        ("invoices", "I9,C1,2025/01/01,2025-01-31,12.50,EUR,", "wrong type: issue_date is not a valid date"),
        ("invoices", "I9,,2025-01-01,2025-01-31,12.50,EUR,", "missing required value: customer_id"),
        ("invoices", "I1,C1,2025-01-01,2025-01-31,12.50,EUR,", "duplicate invoice_id (first at line 2)"),
        (
            "invoices",
            "I9,C404,2025-01-01,2025-01-31,12.50,EUR,",
            "orphan customer_id: not in customers of this extraction",
        ),
        ("invoices", "I9,C1,2025-02-01,2025-01-31,12.50,EUR,", "due_date before issue_date"),
        ("invoices", "I9,C1,2025-01-01,2025-01-31,0,EUR,", "non-positive amount"),
        ("invoices", "I9,C1,2025-01-01,2025-01-31,-4.00,EUR,", "non-positive amount"),
        ("invoices", "I9,C1,2025-01-01,2025-01-31,12.50,EUX,", "unknown currency code in currency"),
        ("invoices", "I9,C1,2025-01-01,2025-01-31,12.345,EUR,", "wrong type: amount is not a valid money"),
        ("customers", "C9,Bad Co,XX,EUR,,,30,,en,Europe/Paris,2020-01-01", "unknown country code in country"),
        ("customers", "C9,Bad Co,FR,EUR,,,30,,en,Mars/Olympus,2020-01-01", "unknown time zone in timezone"),
        ("customers", "C9,Bad Co,FR,EUR,,,400,,en,,2020-01-01", "payment_terms_days above 365"),
        ("contacts", "K9,C1,not-an-email,,billing,true,,", "invalid e-mail address in email"),
        ("contacts", "K9,C1,a@b.example,,billing,yes,,", "wrong type: is_primary is not a valid bool"),
        (
            "contacts",
            "K9,C1,a@b.example,,billing,true,2025-01-01 10:00:00,",
            "wrong type: opted_out_at is not a valid timestamp",
        ),
    ],
)
def test_each_violation_is_quarantined_with_its_reason(con, valid_drop, table, bad_row, reason):
    good = {
        "invoices": INVOICES_CSV,
        "customers": CUSTOMERS_CSV,
        "contacts": "contact_id,customer_id,email,full_name,role,is_primary,opted_out_at,timezone\n",
    }[table]
    write_csv(valid_drop, table, good + bad_row + "\n")
    reports = load_all(con, valid_drop, ("customers", "contacts", "invoices"))
    report = reports[table]
    assert_nothing_lost(report)
    assert report.rows_rejected == 1
    ((line, got_reason, raw_row),) = rejects(con, table)
    assert reason in got_reason.split("; ")
    assert line == good.count("\n") + 1
    assert list(json.loads(raw_row).values())[0] == bad_row.split(",")[0]  # the raw row, as read


def test_payment_rules_against_the_parent_invoice(con, valid_drop):
    write_csv(
        valid_drop,
        "payments",
        "payment_id,customer_id,invoice_id,payment_date,amount,currency,method\n"
        "P1,C1,I1,2024-12-01,10,EUR,wire\nP2,C1,I1,2025-02-01,10,USD,wire\nP3,C1,,2025-02-01,10,EUR,cash\n"
        "P4,C1,,2025-02-01,10,EUR,card\nP4,C1,,2025-02-02,10,EUR,card\n",
    )
    report = load_all(con, valid_drop)["payments"]
    assert_nothing_lost(report)
    reasons = [r[1] for r in rejects(con, "payments")]
    assert reasons == [
        "payment_date before the invoice's issue_date",
        "currency differs from the invoice's currency",
        "unknown value in method (allowed: wire, check, card, direct_debit, ach, other)",
        "duplicate payment_id, invoice_id (first at line 5)",  # unapplied cash: empty invoice_id is one value
    ]
    assert report.rows_loaded == 1


def test_malformed_rows_keep_line_numbers_of_the_rows_after_them(con, valid_drop):
    write_csv(
        valid_drop,
        "invoices",
        INVOICES_CSV + "I3,C1,2025-01-01\n"
        'I4,C1,2025-01-01,2025-01-31,5.00,EUR,"multi\nline PO"\nI5,C1,2025-01-01,2025-01-31,5.00,EUR,\n',
    )
    report = load_all(con, valid_drop)["invoices"]
    assert_nothing_lost(report)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 4, 1)
    assert rejects(con, "invoices")[0][:2] == (4, "malformed CSV row: Expected Number of Columns: 7 Found: 3")
    lines = dict(con.execute("select invoice_id, _source_line from raw.invoices").fetchall())
    assert lines == {"I1": 2, "I2": 3, "I4": 5, "I5": 6}


def test_extra_columns_are_kept_as_json(con, valid_drop):
    write_csv(
        valid_drop,
        "invoices",
        INVOICES_CSV.replace("po_number\n", "po_number,paperless\n")
        .replace("PO-1\n", "PO-1,yes\n")
        .replace(",\n", ",,no\n"),
    )
    load_all(con, valid_drop)
    extra = con.execute("select _extra from raw.invoices where invoice_id = 'I1'").fetchone()[0]
    assert json.loads(extra) == {"paperless": "yes"}


def test_optional_columns_may_be_absent(con, valid_drop):
    write_csv(
        valid_drop,
        "invoices",
        "invoice_id,customer_id,issue_date,due_date,amount,currency\nI1,C1,2025-01-01,2025-01-31,1.00,EUR\n",
    )
    assert load_all(con, valid_drop)["invoices"].rows_loaded == 1
    assert con.execute("select po_number from raw.invoices").fetchone()[0] is None


def test_parquet_drop_loads_like_csv(con, valid_drop, tmp_path):
    import pandas as pd

    folder = tmp_path / "pq" / PARTITION
    folder.mkdir(parents=True)
    for table in ("customers", "invoices", "payments"):
        df = pd.read_csv(valid_drop / f"{table}.csv", dtype=str, keep_default_na=False)
        df.to_parquet(folder / f"{table}.parquet", index=False)
    reports = load_all(con, folder)
    assert {t: (r.rows_loaded, r.rows_rejected) for t, r in reports.items()} == {
        "customers": (2, 0),
        "invoices": (2, 0),
        "payments": (1, 0),
    }
    assert con.execute("select _source_line from raw.invoices where invoice_id = 'I2'").fetchone()[0] == 2

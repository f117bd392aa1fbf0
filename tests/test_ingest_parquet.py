"""Parquet drops load by the contract's types: DECIMAL amounts (up to cents, never rounded),
timestamp dates, whole floats as integers, dictionary and binary strings as text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from erp.ingest import load_day

PARTITION = "2025-03-01"


def test_parquet_with_decimal_amounts_timestamp_dates_and_dictionary_strings_loads(con, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / PARTITION
    folder.mkdir()

    def text(values):
        return pa.array(values).dictionary_encode()  # pandas categoricals and many ERPs write these

    def stamps(values, unit="ms"):
        return pa.array([None if v is None else date.fromisoformat(v) for v in values], pa.date32()).cast(
            pa.timestamp(unit)
        )

    pq.write_table(
        pa.table(
            {
                "customer_id": text(["C1", "C2"]),
                "name": text(["Acme SARL", "Globex Inc."]),
                "country": text(["FR", "US"]),
                "currency": text(["EUR", "USD"]),
                "credit_limit": pa.array([Decimal("5000.0000"), None], pa.decimal128(18, 4)),
                "payment_terms_days": pa.array([30, 45], pa.int64()),
                "created_at": stamps(["2020-01-01", "2021-06-15"], "us"),
            }
        ),
        folder / "customers.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "invoice_id": text(["I1", "I2"]),
                "customer_id": text(["C1", "C2"]),
                "issue_date": stamps(["2025-01-01", "2025-02-01"]),
                "due_date": stamps(["2025-01-31", "2025-03-18"], "ns"),
                "amount": pa.array([Decimal("100.5000"), Decimal("2000.0000")], pa.decimal128(18, 4)),
                "currency": text(["EUR", "USD"]),
                "po_number": text(["PO-1", None]),
            }
        ),
        folder / "invoices.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "payment_id": text(["P1"]),
                "customer_id": text(["C1"]),
                "invoice_id": text(["I1"]),
                "payment_date": pa.array([date(2025, 2, 3)], pa.date32()),
                "amount": pa.array([100.5], pa.float64()),
                "currency": text(["EUR"]),
                "method": text(["wire"]),
            }
        ),
        folder / "payments.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "contact_id": ["K1"],
                "customer_id": ["C1"],
                "email": pa.array([b"ap@acme.example"], pa.binary()),
                "role": ["billing"],
                "is_primary": [True],
                "opted_out_at": pa.array([date(2025, 2, 1)], pa.date32()),
            }
        ),
        folder / "contacts.parquet",
    )
    reports = load_day(con, folder, PARTITION)
    assert {t: (r.rows_loaded, r.rows_rejected) for t, r in reports.items() if r.file} == {
        "customers": (2, 0),
        "contacts": (1, 0),
        "invoices": (2, 0),
        "payments": (1, 0),
    }
    assert con.execute("select email, opted_out_at::VARCHAR from raw.contacts").fetchone() == (
        "ap@acme.example",
        "2025-02-01 00:00:00",
    )
    assert con.execute("select amount, issue_date, due_date from raw.invoices where invoice_id = 'I1'").fetchone() == (
        Decimal("100.50"),
        date(2025, 1, 1),
        date(2025, 1, 31),
    )
    assert con.execute("select credit_limit, created_at from raw.customers where customer_id = 'C1'").fetchone() == (
        Decimal("5000.00"),
        date(2020, 1, 1),
    )
    assert con.execute("select amount from raw.payments").fetchone()[0] == Decimal("100.50")


def test_parquet_amounts_with_more_than_cents_are_rejected_not_rounded(con, tmp_path, valid_drop):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (valid_drop / "invoices.csv").unlink()
    pq.write_table(
        pa.table(
            {
                "invoice_id": ["I1", "I2"],
                "customer_id": ["C1", "C2"],
                "issue_date": ["2025-01-01", "2025-02-01"],
                "due_date": ["2025-01-31", "2025-03-18"],
                "amount": pa.array([Decimal("100.5000"), Decimal("20.1234")], pa.decimal128(18, 4)),
                "currency": ["EUR", "USD"],
            }
        ),
        valid_drop / "invoices.parquet",
    )
    reports = load_day(con, valid_drop, PARTITION)
    assert (reports["invoices"].rows_loaded, reports["invoices"].rows_rejected) == (1, 1)
    assert con.execute("select reason from raw.rejects").fetchone()[0] == "wrong type: amount is not a valid money"

"""Exports for people never run ERP text as spreadsheet formulas."""

import csv

import pandas as pd

from journeys.csv_export import write_csv


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": ['=HYPERLINK("http://x")', "+33 1 23", "-2+3", "@SUM(A1)", "ACME"],
            "amount_due": [-12.5, 1.0, 2.0, 3.0, 4.0],
            "invoice_ids": [["I-1", "=1+1"], ["I-2"], ["I-3"], ["I-4"], ["I-5"]],
        }
    )
    path = write_csv(frame, tmp_path / "tasks.csv")
    rows = list(csv.DictReader(path.open()))
    assert [r["customer_id"] for r in rows] == ['\'=HYPERLINK("http://x")', "'+33 1 23", "'-2+3", "'@SUM(A1)", "ACME"]
    assert rows[0]["amount_due"] == "-12.5"  # numbers stay numbers
    assert rows[0]["invoice_ids"] == "I-1; =1+1" and rows[1]["invoice_ids"] == "I-2"

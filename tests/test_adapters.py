"""Adapters turn real exports into contract drops; their errors name the file and the column."""

from __future__ import annotations

import pandas as pd
import pytest

from erp import adapters
from erp.ingest import check_drop
from tests.conftest import IBM_AR_CSV

needs_ibm = pytest.mark.skipif(
    not IBM_AR_CSV.exists(), reason=f"IBM AR sample not found at {IBM_AR_CSV} (needs ../shared)"
)


@needs_ibm
def test_ibm_sample_becomes_a_contract_drop(tmp_path):
    folder = adapters.convert("ibm_ar", IBM_AR_CSV, tmp_path)
    assert folder.name == "2014-01-09"
    files = check_drop(folder)
    assert set(files) == {"customers", "invoices", "payments", "disputes"}
    invoices = pd.read_csv(folder / "invoices.csv")
    customers = pd.read_csv(folder / "customers.csv")
    assert len(invoices) == 2466 and invoices.invoice_id.is_unique and len(customers) == 100
    assert set(customers.payment_terms_days) == {30}
    assert "paperless_bill" in files["invoices"].columns and "paperless_date" in files["customers"].columns


@needs_ibm
def test_unmapped_country_code_names_the_file_and_column(tmp_path):
    src = pd.read_csv(IBM_AR_CSV)
    src.loc[0, "countryCode"] = 123
    bad = tmp_path / "ar.csv"
    src.to_csv(bad, index=False)
    with pytest.raises(ValueError, match=r"ar\.csv: column countryCode has codes with no mapping: \[123\]"):
        adapters.convert("ibm_ar", bad, tmp_path / "out")


def test_unknown_adapter_and_missing_export_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown ERP adapter 'sap'; available: ibm_ar"):
        adapters.convert("sap", tmp_path / "x.csv", tmp_path)
    with pytest.raises(FileNotFoundError, match="x.csv: the export for adapter 'ibm_ar' does not exist"):
        adapters.convert("ibm_ar", tmp_path / "x.csv", tmp_path)

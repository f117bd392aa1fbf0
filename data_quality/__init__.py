"""Plausibility checks on each day's raw tables with Great Expectations, generated from the ERP
contract (``erp/contract.py``) and the thresholds of ``data_quality/checks.yml``.

Ingestion already quarantined every row that breaks the contract; these checks judge the drop as
a whole (dates, amounts, rejected share, shrink). GX cannot validate DuckDB over SQL today (every
metric query comes back empty: GX issues #10738, #11579), so frames are read from DuckDB into
pandas, in chunks for large tables.
"""

from data_quality.validate import TableValidation, validate_table

__all__ = ["TableValidation", "validate_table"]

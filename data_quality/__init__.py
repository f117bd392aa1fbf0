"""Great Expectations suites derived from the ERP contract, validated on warehouse tables.

GX cannot validate DuckDB over SQL today (every metric query comes back empty: GX issues
#10738, #11579), so tables are read from DuckDB into pandas, in chunks for large tables.
"""

from data_quality.validate import TableValidation, validate_table

__all__ = ["TableValidation", "validate_table"]

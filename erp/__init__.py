"""The ERP side of Relance: the input contract, the world simulator, adapters for real
exports, and ingestion of contract drops into the DuckDB warehouse."""

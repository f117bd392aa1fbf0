"""Asset checks on the raw tables: the Great Expectations suite of each table (blocking when a
contract expectation fails, a warning for plausibility ones) and freshness of the latest drop."""

import warnings
from datetime import date

import dagster as dg

from erp.contract import TABLES
from orchestration.ingestion.assets import raw_key
from orchestration.partitions import daily_partitions
from orchestration.resources import WarehouseResource

# Checks share the assets' daily partitions so that each run checks its own extraction; Dagster
# flags partitioned checks as a preview feature, which we accept knowingly.
warnings.filterwarnings("ignore", category=dg.PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")

FRESHNESS_TABLES = {"invoices": 7, "payments": 7}  # table: most days between the newest event and the extraction


def build_expectations_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=raw_key(table), name="great_expectations", blocking=True, partitions_def=daily_partitions,
                    description=f"Great Expectations suite derived from the contract for {table}.")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        from data_quality import validate_table

        with warehouse.connect(read_only=True) as con:
            result = validate_table(con, table, context.partition_key)
        critical, warnings = result.critical_failures, result.warning_failures
        return dg.AssetCheckResult(
            passed=not result.failed,
            severity=dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN,
            metadata={
                "rows": result.rows,
                "evaluated_expectations": result.evaluated,
                "failed_expectations": len(result.failed),
                "unexpected_counts": dg.MetadataValue.json(result.failed),
                "critical_failures": len(critical),
                "warning_failures": len(warnings),
            },
        )

    return _check


def build_freshness_check(table: str, max_days: int) -> dg.AssetChecksDefinition:
    column = TABLES[table].event_time

    @dg.asset_check(asset=raw_key(table), name="fresh_extraction", partitions_def=daily_partitions,
                    description=f"The newest {column} in the drop is at most {max_days} days before the "
                                "extraction date: an older one means the ERP exported stale data.")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            newest = con.execute(f"select max({column}) from raw.{table} where _partition = ?",
                                 [context.partition_key]).fetchone()[0]
        lag = None if newest is None else (date.fromisoformat(context.partition_key) - newest).days
        return dg.AssetCheckResult(
            passed=lag is not None and lag <= max_days, severity=dg.AssetCheckSeverity.WARN,
            metadata={"newest_event": str(newest), "days_behind_extraction": lag if lag is not None else -1},
        )

    return _check


raw_checks = [build_expectations_check(t) for t in TABLES] + [
    build_freshness_check(t, days) for t, days in FRESHNESS_TABLES.items()]

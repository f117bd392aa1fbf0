"""Asset checks on the raw tables: the plausibility suite of each table (Great Expectations,
``data_quality``), failing with ERROR severity — which blocks downstream assets — when a check
``data_quality/checks.yml`` marks ``error`` fails, with WARN otherwise; and freshness of the drop."""

import warnings
from datetime import date

import dagster as dg

from data_quality.suites import thresholds
from erp.contract import TABLES
from orchestration.ingestion.assets import raw_key
from orchestration.partitions import daily_partitions
from orchestration.resources import WarehouseResource

# Checks share the assets' daily partitions so that each run checks its own extraction; Dagster
# flags partitioned checks as a preview feature, which we accept knowingly.
warnings.filterwarnings("ignore", category=dg.PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")

SEVERITIES = {"error": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN}


def build_expectations_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(table),
        name="great_expectations",
        blocking=True,
        partitions_def=daily_partitions,
        description=f"Plausibility of the {table} drop (dates, amounts, rejected share, shrink), "
        "generated from the contract and data_quality/checks.yml.",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        from data_quality import validate_table

        with warehouse.connect(read_only=True) as con:
            result = validate_table(con, table, context.partition_key)
        return dg.AssetCheckResult(
            passed=not result.failed,
            severity=dg.AssetCheckSeverity.ERROR if result.errors else dg.AssetCheckSeverity.WARN,
            metadata={
                "rows": result.rows,
                "evaluated_expectations": result.evaluated,
                "blocking_failures": dg.MetadataValue.json(result.errors),
                "warning_failures": dg.MetadataValue.json(result.warnings),
                "load": dg.MetadataValue.json(result.load),
            },
        )

    return _check


def build_freshness_check(table: str, max_days: int, severity: str) -> dg.AssetChecksDefinition:
    column = TABLES[table].event_time

    @dg.asset_check(
        asset=raw_key(table),
        name="fresh_extraction",
        partitions_def=daily_partitions,
        description=f"The newest {column} in the drop is at most {max_days} days before the "
        "extraction date: an older one means the ERP exported stale data.",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            newest = con.execute(
                f"select max({column}) from raw.{table} where _partition = ?", [context.partition_key]
            ).fetchone()[0]
        lag = None if newest is None else (date.fromisoformat(context.partition_key) - newest).days
        return dg.AssetCheckResult(
            passed=lag is not None and lag <= max_days,
            severity=SEVERITIES[severity],
            metadata={"newest_event": str(newest), "days_behind_extraction": lag if lag is not None else -1},
        )

    return _check


_freshness = thresholds()["freshness"]
raw_checks = [build_expectations_check(t) for t in TABLES] + [
    build_freshness_check(t, days, _freshness["severity"]) for t, days in _freshness["max_days"].items()
]

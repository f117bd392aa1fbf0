"""Ingestion domain: the drop, the raw tables, their checks."""

import dagster as dg

from orchestration.ingestion.assets import erp_drop, raw_assets
from orchestration.ingestion.checks import raw_checks

defs = dg.Definitions(assets=[erp_drop, *raw_assets], asset_checks=raw_checks)

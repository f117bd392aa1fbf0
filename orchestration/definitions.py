"""Everything Dagster loads: one set of definitions per domain, merged, plus shared resources."""

import dagster as dg

from orchestration import conventions, ingestion, jobs, journeys, marts, models, published
from orchestration.resources import default_resources


def definitions(**resources) -> dg.Definitions:
    """The definitions with some resources configured otherwise (the closed loop's policy); every
    asset with its owners and kinds (orchestration/conventions.py)."""
    merged = dg.Definitions.merge(
        ingestion.defs,
        marts.defs,
        models.defs,
        journeys.defs,
        published.defs,
        jobs.defs,
        dg.Definitions(resources=default_resources() | resources),
    )
    return conventions.apply(merged)


defs = definitions()

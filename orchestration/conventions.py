"""What every asset shows in the Dagster UI, applied in one place to every asset of the
definitions (orchestration/definitions.py), so an asset added in any domain gets it too:

* owners: the team of the asset's group (dbt models: the owner of their dbt group, set by the
  dbt translator; dbt_project/models/_groups.yml);
* kinds: the compute kind the asset was declared with, plus what its group stores into.

Descriptions are the asset's own (dbt: the model's YAML). tests/test_conventions_dagster.py fails,
naming the asset, when one has no owner, no kind or no description: a new group needs its team
here, a new asset a ``compute_kind`` (or ``kinds``) and a ``description``.
"""

from __future__ import annotations

import warnings

import dagster as dg

# Mapping specs is how Dagster documents adding owners and kinds across definitions; it still
# flags it as a preview feature, which the pinned Dagster version makes safe to accept knowingly.
warnings.filterwarnings("ignore", category=dg.PreviewWarning, message=".*map_(resolved_)?asset_specs.*")

# Dagster group -> the team that answers for its assets. dbt models carry their dbt group's owner.
OWNERS = {
    "erp_source": "team:data-platform",
    "ingestion": "team:data-platform",
    "marts": "team:finance-analytics",
    "ml_training": "team:data-science",
    "ml_scoring": "team:data-science",
    "journeys": "team:collections",
    "published": "team:data-platform",
}
# Dagster group -> what its assets store into, shown next to the compute kind (Dagster shows 3).
STORAGE_KINDS = {
    "ingestion": {"duckdb"},
    "ml_training": {"mlflow"},
    "ml_scoring": {"mlflow", "duckdb"},
    "journeys": {"duckdb"},
    "published": {"duckdb"},
}
COMPUTE_KIND_TAG = "dagster/compute_kind"


def apply(defs: dg.Definitions) -> dg.Definitions:
    """``defs`` with every asset spec given its owners and kinds (those it declares are kept)."""
    compute_kinds = {
        key: assets.op.tags.get(COMPUTE_KIND_TAG)
        for assets in defs.assets or []
        if isinstance(assets, dg.AssetsDefinition) and assets.is_executable and assets.node_def is not None
        for key in assets.keys
    }
    return defs.map_asset_specs(func=lambda spec: with_conventions(spec, compute_kinds.get(spec.key)))


def with_conventions(spec: dg.AssetSpec, compute_kind: str | None) -> dg.AssetSpec:
    owners = spec.owners or ([OWNERS[spec.group_name]] if spec.group_name in OWNERS else [])
    kinds = set(spec.kinds) or ({compute_kind} if compute_kind else set())
    kinds |= STORAGE_KINDS.get(spec.group_name, set()) if kinds else set()
    return spec.replace_attributes(owners=owners, kinds=kinds)

"""Customers' commitments from outside the ERP, landed before the day's dbt build: promises and
disputes read in e-mails by earlier runs' triage, and people's decisions on them in the cockpit."""

import dagster as dg

from orchestration import settings
from orchestration.ingestion.assets import ERP_DROP
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions
from orchestration.resources import WarehouseResource

INBOUND_COMMITMENTS = dg.AssetKey(["journeys", "inbound_commitments"])
COMMITMENT_DECISIONS = dg.AssetKey(["journeys", "commitment_decisions"])
DAILY = {"partitions_def": daily_partitions, "backfill_policy": ONE_RUN_PER_DAY, "group_name": "journeys"}


# No declared dependency on ml/inbound_triage: the triage scores after this day's build, so this
# reads what earlier runs scored (a graph edge would be a cycle); see journeys/commitments.py.
@dg.asset(
    key=INBOUND_COMMITMENTS,
    deps=[ERP_DROP],
    compute_kind="python",
    **DAILY,
    description="Promises to pay and disputes the inbound triage read in customers' e-mails on earlier runs, "
    "one row per message: a promise awaits a person's confirmation in the cockpit (unless "
    "RELANCE_AUTO_ACCEPT_TEXT_PROMISES), a dispute pauses the invoices it covers.",
)
def inbound_commitments(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from journeys import commitments

    auto_accept = settings.auto_accept_text_promises()
    with warehouse.connect() as con:
        new = commitments.land_inbound(con, context.partition_key, auto_accept)
    return dg.MaterializeResult(metadata={"new_commitments": new, "auto_accept_promises": auto_accept})


@dg.asset(
    key=COMMITMENT_DECISIONS,
    deps=[ERP_DROP],
    compute_kind="python",
    **DAILY,
    description="People's decisions in the cockpit on customers' commitments (confirm or reject a promise read in "
    "an e-mail, resolve a dispute, accept or decline a payment-plan request), copied from the cockpit's "
    "decisions.sqlite.",
)
def commitment_decisions(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from cockpit import decisions
    from journeys import commitments

    made = decisions.commitment_decisions()  # $COCKPIT_STATE_DIR/decisions.sqlite, as delivery reads
    with warehouse.connect() as con:
        copied = commitments.copy_decisions(con, made)
    return dg.MaterializeResult(metadata={"decisions": copied})

"""The automatic replies to the day's inbound requests, between the triage and the delivery."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.marts.assets import relance_dbt_models, relance_dbt_scored_models
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions, is_backfill
from orchestration.resources import JourneysConfigResource, SendGridResource, WarehouseResource

INBOUND_REPLIES = dg.AssetKey(["journeys", "inbound_replies"])
REPLY_INPUTS = [get_asset_key_for_model([relance_dbt_scored_models], "fct_inbound_requests")] + [
    get_asset_key_for_model([relance_dbt_models], m)
    for m in ("fct_inbound_messages", "fct_invoices", "dim_contacts", "dim_customer_360")
]


@dg.asset(
    key=INBOUND_REPLIES,
    deps=REPLY_INPUTS,
    compute_kind="python",
    check_specs=[
        dg.AssetCheckSpec(
            "no_reply_breaks_a_rule",
            asset=INBOUND_REPLIES,
            description="Re-reads the day's stored replies: none to a suppressed contact (but the unsubscribe "
            "confirmation), to another customer's contact, or without its request, and no unsubscribe confirmed twice.",
        )
    ],
    partitions_def=daily_partitions,
    backfill_policy=ONE_RUN_PER_DAY,
    group_name="journeys",
    description="Automatic replies to the day's triaged inbound requests a machine can answer (invoice copy "
    "with the PDF attached, payment link, PO number, remittance advice, unsubscribe), queued in the outbox "
    "for the day's delivery; each decision in journeys.inbound_replies with the message it answers, the "
    "rest left to people. Never on a backfill.",
)
def inbound_replies(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    sendgrid: SendGridResource,
    journeys_config: JourneysConfigResource,
):
    from journeys import render, replies

    if is_backfill(context.partition_key, warehouse):  # a past day's requests were that day's to answer
        yield dg.MaterializeResult(metadata={"skipped": "backfill: no reply is sent about a past day"})
        yield dg.AssetCheckResult(check_name="no_reply_breaks_a_rule", passed=True, metadata={"skipped": True})
        return
    links = sendgrid.sender().links  # the portal's page in dry-run; SendGrid's group link live
    with warehouse.connect() as con:
        report = replies.plan(
            con,
            context.partition_key,
            journeys_config.branding(),
            replies.load_config(),
            lambda customer_id: links.page(customer_id) if links else render.SENDGRID_UNSUBSCRIBE_TAG,
        )
        breaches = replies.violations(con, context.partition_key)
    yield dg.MaterializeResult(
        metadata={
            "replied": report.replied,
            "unsubscribed": report.unsubscribed,
            "to_person": report.to_person,
            "reasons": dg.MetadataValue.json(report.reasons),
        }
    )
    yield dg.AssetCheckResult(
        check_name="no_reply_breaks_a_rule",
        passed=not any(breaches.values()),
        metadata={"breaches": dg.MetadataValue.json(breaches)},
    )

"""Journeys as Dagster assets: SendGrid events in, the daily contact list, delivery."""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration import settings
from orchestration.ingestion.assets import ERP_DROP
from orchestration.journeys.replies import INBOUND_REPLIES
from orchestration.marts.assets import relance_dbt_models, relance_dbt_scored_models
from orchestration.marts.parquet_export import export_slice
from orchestration.partitions import ONE_RUN_PER_DAY, daily_partitions, is_backfill, require_marts_of
from orchestration.resources import (
    ComputeResource,
    JourneysConfigResource,
    SendGridResource,
    WarehouseResource,
)

SENDGRID_EVENTS = dg.AssetKey(["journeys", "sendgrid_events"])
PORTAL_EVENTS = dg.AssetKey(["journeys", "portal_events"])
CONTACT_LIST = dg.AssetKey(["journeys", "contact_list"])
EXPERIMENT_ALLOCATIONS = dg.AssetKey(["journeys", "experiment_allocations"])
PLANNING = (CONTACT_LIST, EXPERIMENT_ALLOCATIONS)  # what the planning step writes, together
OUTBOX = dg.AssetKey(["journeys", "outbox"])
LETTERS = dg.AssetKey(["journeys", "letters"])
# The book is read from marts only; SendGrid events reach it through dim_contacts' suppression.
BOOK_INPUTS = [get_asset_key_for_model([relance_dbt_scored_models], "mart_dunning_book")] + [
    get_asset_key_for_model([relance_dbt_models], m) for m in ("fct_invoices", "fct_contacts", "dim_contacts")
]
DAILY = {"partitions_def": daily_partitions, "backfill_policy": ONE_RUN_PER_DAY, "group_name": "journeys"}


# After the day's drop: a run whose drop fails its pre-flight writes nothing at all.
@dg.asset(
    key=SENDGRID_EVENTS,
    deps=[ERP_DROP],
    compute_kind="sendgrid",
    **DAILY,
    description="SendGrid Event Webhook events landed by `make webhook`, one row per "
    "sg_event_id; unsubscribes and bounces take effect in the same day's contact list.",
)
def sendgrid_events(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from journeys import events

    with warehouse.connect() as con:
        report = events.ingest(con, settings.events_dir())
    return dg.MaterializeResult(
        metadata={
            "files": report.files,
            "events": report.events,
            "new_events": report.new,
            "rejected_files": report.rejected_files,
            "rejected_events": report.rejected_events,
        }
    )


@dg.asset(
    key=PORTAL_EVENTS,
    deps=[ERP_DROP],
    compute_kind="python",
    **DAILY,
    description="What customers did on the portal (promises, disputes, plan requests, contact updates, "
    "unsubscribes), landed by `python -m portal`, one row per event id; an unsubscribe "
    "suppresses the customer's addresses in the same day's contact list.",
)
def portal_events(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from portal import events

    with warehouse.connect() as con:
        report = events.ingest(con, settings.portal_events_dir())
    return dg.MaterializeResult(
        metadata={"files": report.files, "new_events": report.new, "rejected_files": report.rejected}
    )


# The book also reads the latest mart_experiment_results before the day: the previous day's
# output of an after-journeys model, a feedback loop across days, hence not declared as a dep.
@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            CONTACT_LIST,
            deps=BOOK_INPUTS,
            description="Tomorrow's contact list: per customer the contact, invoices, journey and step, channel, "
            "tone, template, incentive, send time (UTC), A/B variant or holdout and reason codes; the "
            "sends each rule blocked in journeys.blocked_sends. Also Parquet and a CSV of call tasks.",
        ),
        dg.AssetSpec(
            EXPERIMENT_ALLOCATIONS,
            deps=BOOK_INPUTS,
            description="The day's adaptive-experiment decisions (journeys/adaptive.py): per experiment, segment "
            "and arm, the evidence, P(best), the arm's status and its share of the tested traffic.",
        ),
    ],
    compute_kind="python",
    **DAILY,
    check_specs=[
        dg.AssetCheckSpec(
            "no_send_breaks_a_rule",
            asset=CONTACT_LIST,
            description="Re-reads the stored list: no send to an opted-out or "
            "suppressed contact, about a disputed or promised invoice, "
            "under a block, twice a day, or beyond 72 h.",
        )
    ],
)
def contact_list(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    journeys_config: JourneysConfigResource,
    compute: ComputeResource,
):
    from journeys import audit, book, store
    from journeys.contact_list import blocked_summary
    from journeys.csv_export import write_csv
    from journeys.policy import quarantine_summary

    with warehouse.connect() as con:
        day = book.load(con)
        require_marts_of(context.partition_key, day.as_of, warehouse)
        policy = journeys_config.policy()
        plan = compute.plan_day(day, journeys_config.journeys(), policy, journeys_config.experiments())
        counts = store.save_plan(con, plan, day.as_of)
        exports = settings.home() / "exports"
        export_slice(con, "journeys.contact_list", exports / "contact_list", context.partition_key)
        calls = exports / "call_tasks" / f"call_tasks_{context.partition_key}.csv"
        write_csv(store.call_tasks(con, context.partition_key), calls)
        breaches = audit.violations(con, context.partition_key, policy)
    yield dg.MaterializeResult(
        asset_key=CONTACT_LIST,
        metadata={
            **counts,
            "blocked_by_rule": dg.MetadataValue.json(blocked_summary(plan.blocked)),
            "journeys": dg.MetadataValue.json(plan.contact_list.journey.value_counts().to_dict()),
            "quarantine": dg.MetadataValue.json(quarantine_summary(day.invoices)),
            "call_tasks_csv": dg.MetadataValue.path(str(calls)),
            "policy_profile": policy.name,
        },
    )
    yield dg.MaterializeResult(
        asset_key=EXPERIMENT_ALLOCATIONS,
        metadata={
            "decisions": len(plan.allocations),
            "retired_arms": int(plan.allocations.arm_status.eq("retired").sum()),
        },
    )
    yield dg.AssetCheckResult(
        check_name="no_send_breaks_a_rule",
        asset_key=CONTACT_LIST,
        passed=not any(breaches.values()),
        metadata={"breaches": dg.MetadataValue.json(breaches)},
    )


def people_let_go(plan_day: str, message_ids: list[str]) -> set[str]:
    """The cockpit's word on the day's messages: held ones never go, and in approval mode only the
    approved ones do (cockpit/decisions.py, stored apart from the warehouse)."""
    from cockpit import decisions

    return decisions.deliverable_message_ids(plan_day, message_ids)


@dg.asset(
    key=OUTBOX,
    deps=[CONTACT_LIST, INBOUND_REPLIES],  # the day's reminders and automatic replies, one delivery
    compute_kind="sendgrid",
    **DAILY,
    check_specs=[
        dg.AssetCheckSpec(
            "no_failed_sends",
            asset=OUTBOX,
            description="Warns when a message of the day was refused (failed), left "
            "for the next run (deferred) or awaits its webhook event "
            "(in doubt); the reason of each in last_error.",
        )
    ],
    description="The day's e-mails (reminders and automatic replies) rendered and delivered exactly once: "
    "through SendGrid when "
    "SENDGRID_API_KEY is set, else as .eml files in the dry-run outbox.",
)
def email_delivery(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    sendgrid: SendGridResource,
    journeys_config: JourneysConfigResource,
):
    from journeys import delivery, outcomes

    sender = sendgrid.sender()
    with warehouse.connect() as con:
        report = delivery.deliver(
            con,
            sender,
            journeys_config.branding(),
            context.partition_key,
            now=sendgrid.now(context.partition_key),
            deliverable=people_let_go,
        )
        left = outcomes.outstanding(con, context.partition_key)
        # the list's Parquet again, now that delivery marked what went out (already_sent): the
        # export reads the same after one run as after a killed run and its re-run
        export_slice(con, "journeys.contact_list", settings.home() / "exports" / "contact_list", context.partition_key)
    yield dg.MaterializeResult(
        asset_key=OUTBOX,
        metadata={
            "mode": "live" if sender.live else "dry-run",
            "sent": report.sent,
            "failed": report.failed,
            "deferred": report.deferred,
            "in_doubt": report.in_doubt,
            "reconciled": report.reconciled,
            "due_beyond_72h": report.later,
            "awaiting_a_person": report.waiting,
            "cancelled_contact_suppressed": report.suppressed,
            "outbox_dir": dg.MetadataValue.path(str(settings.outbox_dir())),
        },
    )
    yield dg.AssetCheckResult(
        check_name="no_failed_sends",
        asset_key=OUTBOX,
        passed=not any(left.values()),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={kind: dg.MetadataValue.json(dict(list(found.items())[:20])) for kind, found in left.items()},
    )


@dg.asset(
    key=LETTERS,
    deps=[CONTACT_LIST],
    compute_kind="pdf",
    **DAILY,
    description="The day's reminders to customers with no contact that can be e-mailed, as one print-ready "
    "PDF (one letter per customer, the e-mail's facts) in RELANCE_HOME/letters/<day>/batch.pdf, "
    "recorded in the outbox as sent. The current day only: a backfill prints nothing.",
)
def letters(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, journeys_config: JourneysConfigResource
) -> dg.MaterializeResult:
    from journeys.letters import print_day

    if is_backfill(context.partition_key, warehouse):
        return dg.MaterializeResult(metadata={"letters": 0, "skipped": "backfill of a past day"})
    with warehouse.connect() as con:
        report = print_day(
            con, journeys_config.branding(), context.partition_key, settings.letters_dir(), people_let_go
        )
    metadata = {"letters": report.letters, "new": report.new, "failed": report.failed, "waiting": report.waiting}
    if report.path:
        metadata["batch"] = dg.MetadataValue.path(str(report.path))
    return dg.MaterializeResult(metadata=metadata)

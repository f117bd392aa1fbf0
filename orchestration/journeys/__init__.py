"""Journeys domain: SendGrid and portal events, customers' commitments and people's decisions on
them in, the daily contact list, automatic replies, e-mail delivery, printed letters and the
collector worklist's files."""

import dagster as dg

from orchestration.journeys.assets import contact_list, email_delivery, letters, portal_events, sendgrid_events
from orchestration.journeys.commitments import commitment_decisions, inbound_commitments
from orchestration.journeys.replies import inbound_replies
from orchestration.journeys.worklist import collector_worklist

defs = dg.Definitions(
    assets=[
        sendgrid_events,
        portal_events,
        inbound_commitments,
        commitment_decisions,
        contact_list,
        inbound_replies,
        email_delivery,
        letters,
        collector_worklist,
    ]
)

"""Journeys domain: SendGrid and portal events, customers' commitments and people's decisions on
them in, the daily contact list, automatic replies, e-mail delivery."""

import dagster as dg

from orchestration.journeys.assets import contact_list, email_delivery, portal_events, sendgrid_events
from orchestration.journeys.commitments import commitment_decisions, inbound_commitments
from orchestration.journeys.replies import inbound_replies

defs = dg.Definitions(
    assets=[
        sendgrid_events,
        portal_events,
        inbound_commitments,
        commitment_decisions,
        contact_list,
        inbound_replies,
        email_delivery,
    ]
)

"""Journeys domain: SendGrid and portal events in, the daily contact list, e-mail delivery, printed
letters and the collector worklist's files."""

import dagster as dg

from orchestration.journeys.assets import contact_list, email_delivery, letters, portal_events, sendgrid_events
from orchestration.journeys.worklist import collector_worklist

defs = dg.Definitions(
    assets=[sendgrid_events, portal_events, contact_list, email_delivery, letters, collector_worklist]
)

"""Which journey each open invoice follows and which of its steps is due on the send day.

The step due is the last one whose offset from the anchor has been reached; it is a candidate
until it has been sent (or scheduled) for that invoice. Earlier steps that never went out are
not sent late: a customer who joins a journey mid-way starts where the calendar stands. A message
meant for before the anchor (a pre-due e-mail or call) expires once the anchor has passed: "falls due on"
about an invoice already late would be untrue, so such an invoice waits for its first overdue step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeys.catalog import Journey, matches

CANDIDATE_COLUMNS = [
    "invoice_id",
    "customer_id",
    "journey",
    "segment",
    "step",
    "offset_days",
    "channel",
    "tone",
    "template",
    "incentive",
    "touchpoint",
    "days_from_anchor",
]


def assign_journeys(invoices: pd.DataFrame, journeys: tuple[Journey, ...]) -> pd.Series:
    """The first journey (in priority order) whose condition holds for each invoice."""
    assigned = pd.Series(None, index=invoices.index, dtype=object)
    for journey in journeys:
        free = assigned.isna()
        if not free.any():
            break
        pending = invoices[free]
        assigned.loc[pending.index[matches(pending, journey.applies_when).to_numpy()]] = journey.name
    return assigned


def due_steps(
    invoices: pd.DataFrame, journeys: tuple[Journey, ...], send_day: pd.Timestamp, done: set[tuple[str, str, str]]
) -> pd.DataFrame:
    """One candidate per invoice whose current step has not gone out yet.

    ``done`` holds (invoice_id, journey, step) already sent or scheduled.
    """
    by_name = {j.name: j for j in journeys}
    invoices = invoices.assign(journey=assign_journeys(invoices, journeys))
    rows = []
    for name, group in invoices.groupby("journey", sort=False):
        journey = by_name[name]
        anchor = group[journey.anchor] if journey.anchor in group else group.due_date
        elapsed = (send_day - anchor).dt.days
        current = pd.Series(-1, index=group.index)
        for i, step in enumerate(journey.steps):
            reached = elapsed >= step.offset_days
            if step.offset_days < 0 and step.channel != "task":  # tasks are internal work, never untrue
                reached &= elapsed <= 0
            if step.when:
                reached &= matches(group, step.when)
            current = current.where(~reached, i)
        for idx in group.index[current >= 0]:
            step = journey.steps[current[idx]]
            invoice_id = group.at[idx, "invoice_id"]
            if (invoice_id, name, step.name) in done:
                continue
            rows.append(
                (
                    invoice_id,
                    group.at[idx, "customer_id"],
                    name,
                    journey.segment,
                    step.name,
                    step.offset_days,
                    step.channel,
                    step.tone,
                    step.template,
                    step.incentive,
                    step.touchpoint,
                    int(elapsed[idx]) if not np.isnan(elapsed[idx]) else None,
                )
            )
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)

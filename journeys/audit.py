"""Re-check a stored day's contact list against the hard rules, independently of the planner.

The planner enforces the rules while it plans; this audit reads what was actually stored and
counts breaches per rule, so the daily asset check (and anyone after an incident) can prove
that no planned send breaks one. Every count must be zero. The rules between messages (one
touch a day, the spacing of reminders, the firm tone) are re-checked on Relance's whole outbox,
across days, not only on the day's list: a run for another day (a backfill, a re-run) that
contacts a customer the day's list also contacts is a breach too.
"""

from __future__ import annotations

from datetime import date

import duckdb

from erp.vocabulary import CUSTOMER_FACING
from journeys import store

CHECKS = {
    # dim_contacts.is_emailable is dbt's suppression rule (int_contacts_suppression), the planner's too.
    "opted_out_or_suppressed_contact": """
        select count(*) from day_sends s left join marts.dim_contacts c using (contact_id)
        where s.channel = 'email' and not coalesce(c.is_emailable, false)""",
    "invoice_in_open_dispute": """
        select count(*) from day_invoices d join marts.fct_invoices i
          on i.invoice_id = d.invoice_id and i.as_of_date = d.as_of_date where i.is_in_dispute""",
    "before_promised_date": """
        select count(*) from day_invoices d join marts.fct_invoices i
          on i.invoice_id = d.invoice_id and i.as_of_date = d.as_of_date
        where i.has_active_promise and i.active_promise_date >= d.send_day""",
    "more_than_one_touch_a_day": """
        select count(*) from (select customer_id from day_sends group by customer_id having count(*) > 1)""",
    "blocked_customer_or_invoice": """
        select count(*) from day_invoices d join journeys.dunning_blocks b
          on b.customer_id = d.customer_id and (b.invoice_id is null or b.invoice_id = d.invoice_id)
        where b.until is null or b.until >= d.send_day""",
    "send_time_outside_72h": """
        select count(*) from day_sends where send_at_utc > send_day + interval 3 day or send_at_utc < send_day""",
}


# Pairs of Relance's customer-facing messages to one customer planned by two runs, at least one
# of them the day's: the later-planned one must respect the earlier as a touch already made (its
# day is the UTC day it went, as the planner counts it).
ACROSS_DAYS = {
    "more_than_one_touch_a_day_across_runs": "later.send_day = earlier.send_day",
    "reminders_closer_than_the_spacing": """earlier.touch_day > later.send_day - $min_days
        and earlier.touch_day <= later.send_day and later.max_days_past_due <= $spacing_until""",
}


def violations(con: duckdb.DuckDBPyConnection, as_of, policy=None) -> dict[str, int]:
    """Breaches per rule among the day's customer-facing sends (0 everywhere when compliant);
    with the day's ``policy``, also those between the day's messages and every other run's."""
    day = date.fromisoformat(str(as_of)[:10])  # views take no parameters: only a real date is inlined
    con.execute(f"""create or replace temp view day_sends as select * from journeys.contact_list
                    where as_of_date = DATE '{day}' and action = 'send' and channel in {CUSTOMER_FACING}""")
    con.execute("""create or replace temp view day_invoices as
                   select s.as_of_date, s.send_day, s.customer_id,
                          unnest(s.invoice_ids) as invoice_id
                   from day_sends s""")
    found = {rule: int(con.execute(query).fetchall()[0][0]) for rule, query in CHECKS.items()}
    return found if policy is None else found | across_days(con, day, policy)


def across_days(con: duckdb.DuckDBPyConnection, day: date, policy) -> dict[str, int]:
    """The rules between two messages, on the outbox's live messages of every run."""
    con.execute(f"""create or replace temp view our_touches as
        select o.message_id, o.as_of_date, o.customer_id, o.send_day::DATE as send_day, l.max_days_past_due,
               coalesce(o.delivered_at, o.send_at)::DATE as touch_day
        from journeys.outbox o join journeys.contact_list l using (message_id, as_of_date)
        where o.channel in {CUSTOMER_FACING} and o.status in {tuple(store.LIVE_STATUSES)}""")
    found = {}
    for rule, condition in ACROSS_DAYS.items():
        query = f"""select count(*) from our_touches later join our_touches earlier
                      on later.customer_id = earlier.customer_id and later.as_of_date > earlier.as_of_date
                    where (later.as_of_date = $day or earlier.as_of_date = $day) and {condition}"""
        params = {"day": day, "min_days": policy.min_days_between_reminders, "spacing_until": policy.spacing_until_dpd}
        found[rule] = int(con.execute(query, {k: v for k, v in params.items() if f"${k}" in query}).fetchall()[0][0])
    return found

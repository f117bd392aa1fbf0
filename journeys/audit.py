"""Re-check a stored day's contact list against the hard rules, independently of the planner.

The planner enforces the rules while it plans; this audit reads what was actually stored and
counts breaches per rule, so the daily asset check (and anyone after an incident) can prove
that no planned send breaks one. Every count must be zero.
"""

from __future__ import annotations

from datetime import date

import duckdb

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


def violations(con: duckdb.DuckDBPyConnection, as_of) -> dict[str, int]:
    """Breaches per rule among the day's customer-facing sends (0 everywhere when compliant)."""
    day = date.fromisoformat(str(as_of)[:10])  # views take no parameters: only a real date is inlined
    con.execute(f"""create or replace temp view day_sends as select * from journeys.contact_list
                    where as_of_date = DATE '{day}' and action = 'send' and channel in ('email', 'call')""")
    con.execute("""create or replace temp view day_invoices as
                   select s.as_of_date, s.send_day, s.customer_id, unnest(string_split(s.invoice_ids, ',')) as invoice_id
                   from day_sends s""")
    return {rule: int(con.execute(query).fetchall()[0][0]) for rule, query in CHECKS.items()}

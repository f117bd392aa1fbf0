-- depends_on: {{ source('journeys', 'contact_list') }}
-- The day's calls and internal tasks for people, as the planner wrote them into the contact list
-- (journeys/store.py): the worklist's call and task items, keyed by the planner's message id so
-- that what people decide in the cockpit (done / snooze / reassign) stays attached to them.
with plans as (
    {{ optional_source('journeys', 'contact_list', {
        'as_of_date': 'date', 'message_id': 'varchar', 'action': 'varchar', 'customer_id': 'varchar',
        'channel': 'varchar', 'step': 'varchar', 'invoice_ids': 'varchar[]', 'amount_due': 'numeric(18,2)',
        'currency_code': 'varchar', 'max_days_past_due': 'integer', 'account_owner': 'varchar',
        'reason_now': 'varchar'},
        "channel in ('call', 'task') and action in ('send', 'task')") }}
)
select
    as_of_date as planned_on,
    message_id,
    customer_id,
    channel,
    step,
    invoice_ids,
    amount_due,
    currency_code,
    max_days_past_due,
    account_owner,
    reason_now
from plans

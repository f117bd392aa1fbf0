-- depends_on: {{ source('journeys', 'contact_list') }}
with plans as (
    {{ optional_source('journeys', 'contact_list', {
        'as_of_date': 'date', 'send_day': 'date', 'message_id': 'varchar', 'action': 'varchar',
        'customer_id': 'varchar', 'experiment': 'varchar', 'variant': 'varchar', 'journey': 'varchar',
        'segment': 'varchar', 'invoice_ids': 'varchar[]'}, "experiment is not null and action in ('send', 'hold_out')") }}
)
select
    plans.as_of_date as planned_on,
    plans.send_day,
    plans.message_id,
    plans.customer_id,
    plans.experiment,
    plans.variant,
    plans.journey,
    plans.segment,
    invoice.invoice_id
from plans
{{ list_to_rows('plans.invoice_ids', 'invoice', 'invoice_id') }}
where plans.as_of_date <= {{ as_of_date() }}

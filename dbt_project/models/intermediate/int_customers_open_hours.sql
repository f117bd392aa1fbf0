-- When each customer reads our e-mails: opens by local hour and ISO weekday (1 = Monday) in the
-- contact's own time zone, over the history window. A long table: any BI tool pivots it.
select
    customer_id,
    {{ hour_of('first_opened_local') }} as open_hour,
    {{ iso_weekday('first_opened_local') }} as open_weekday,
    count(*) as opens
from {{ ref('int_contacts_outcomes') }}
where was_opened and first_opened_local is not null
group by 1, 2, 3

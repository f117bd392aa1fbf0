-- Promises to pay and disputes customers made themselves — on the portal (for the invoice they
-- chose) or in an e-mail the inbound triage read (for the invoices the message names, else every
-- invoice of theirs open when it arrived) — one row per commitment and invoice, with what was
-- open on the invoice then. A promise of less than that is spread over the oldest invoices first.
with invoices as (
    select invoice_id, customer_id, issue_date, due_date, invoice_amount from {{ ref('stg_erp__invoices') }}
),
portal as (
    select
        'portal' as commitment_source,
        event_id as source_ref,
        case kind when 'promise_to_pay' then 'promise' else 'dispute' end as commitment_kind,
        customer_id,
        invoice_id,
        occurred_at as made_at,
        cast({{ json_text('payload', 'promised_date') }} as date) as promise_date,
        true as promise_date_stated,
        cast({{ json_text('payload', 'amount') }} as {{ sql_type('double precision') }}) as stated_amount,
        {{ json_text('payload', 'reason') }} as dispute_reason,
        -- the customer typed it through their own signed link: nothing to interpret or confirm
        true as accepted_automatically,
        cast(null as {{ sql_type('varchar') }}) as message_text
    from {{ ref('stg_journeys__portal_events') }}
    where kind in ('promise_to_pay', 'dispute')
),
messages as (
    select
        'inbound' as commitment_source,
        commitments.inbound_id as source_ref,
        commitments.commitment_kind,
        inbound.customer_id,
        cast(null as {{ sql_type('varchar') }}) as invoice_id,
        inbound.received_at as made_at,
        commitments.promise_date,
        commitments.promise_date_stated,
        commitments.promise_amount as stated_amount,
        'other' as dispute_reason,  -- the triage reads that a message disputes, not why
        commitments.accepted_automatically,
        lower(coalesce(inbound.subject, '') || ' ' || coalesce(inbound.body, '')) as message_text
    from {{ ref('stg_journeys__inbound_commitments') }} as commitments
    join {{ ref('int_inbound_messages_resolved') }} as inbound using (inbound_id)
    where inbound.customer_id is not null
),
made as (
    select * from portal
    union all
    select * from messages
),
candidates as (
    -- the portal's invoice (if it is the customer's), or every invoice of the message's customer
    select made.*, invoices.invoice_id as covered_invoice_id, invoices.due_date, invoices.invoice_amount
    from made
    join invoices
      on invoices.customer_id = made.customer_id
     and (made.invoice_id = invoices.invoice_id or (made.invoice_id is null and invoices.issue_date <= made.made_at))
    where made.made_at < {{ dbt.dateadd('day', 1, as_of_date()) }}
),
settlements as (
    select candidates.source_ref, candidates.covered_invoice_id, payments.payment_amount as amount
    from candidates
    join {{ ref('stg_erp__payments') }} as payments
      on payments.invoice_id = candidates.covered_invoice_id and payments.payment_date <= candidates.made_at
    union all
    select candidates.source_ref, candidates.covered_invoice_id, credits.credit_amount as amount
    from candidates
    join {{ ref('stg_erp__credit_notes') }} as credits
      on credits.invoice_id = candidates.covered_invoice_id and credits.credited_on <= candidates.made_at
),
settled_before as (
    select source_ref, covered_invoice_id, sum(amount) as amount
    from settlements
    group by 1, 2
),
open_then as (
    select
        candidates.*,
        candidates.invoice_amount - coalesce(settled_before.amount, 0) as open_amount_then,
        -- an id of four characters or more found in the text (a shorter one matches too much)
        coalesce(
            length(candidates.covered_invoice_id) >= 4
            and {{ dbt.position('lower(candidates.covered_invoice_id)', 'candidates.message_text') }} > 0, false
        ) as is_named
    from candidates
    left join settled_before using (source_ref, covered_invoice_id)
),
still_open as (
    select
        *,
        max(case when is_named then 1 else 0 end) over (partition by source_ref) = 1 as names_invoices
    from open_then
    where open_amount_then > 0 or invoice_id is not null
),
covered as (
    -- a message that names invoices covers those; otherwise every one still open when it came
    select * from still_open
    where invoice_id is not null or is_named or not names_invoices
),
spread as (
    select
        covered.*,
        coalesce(sum(open_amount_then) over (
            partition by source_ref order by due_date, covered_invoice_id
            rows between unbounded preceding and 1 preceding), 0) as open_before
    from covered
),
final as (
    select
        commitment_source,
        source_ref,
        commitment_kind,
        customer_id,
        covered_invoice_id as invoice_id,
        made_at,
        promise_date,
        promise_date_stated,
        {{ money('open_amount_then') }} as open_amount_then,
        {{ money("case when commitment_source = 'portal' or stated_amount is null then coalesce(stated_amount, open_amount_then)
                       else least(open_amount_then, greatest(stated_amount - open_before, 0)) end") }} as promised_amount,
        dispute_reason,
        accepted_automatically
    from spread
)
select *
from final
where commitment_kind = 'dispute' or promised_amount > 0

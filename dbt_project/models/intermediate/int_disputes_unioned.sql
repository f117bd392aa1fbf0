-- Every dispute: the ERP's, and the Relance-side ones customers opened themselves (on the portal,
-- or in an e-mail the inbound triage read as a dispute). A Relance-side dispute stays open until a
-- person resolves it in the cockpit or the ERP records its own dispute on the invoice (which then
-- carries it); either way it pauses the invoice's dunning and routes it to dispute resolution.
with invoices as (
    select invoice_id, customer_id from {{ ref('stg_erp__invoices') }}
),
erp_disputes as (
    select
        disputes.dispute_id,
        disputes.invoice_id,
        invoices.customer_id,
        'erp' as dispute_source,
        disputes.dispute_id as source_ref,
        disputes.opened_on,
        disputes.resolved_on,
        disputes.dispute_reason,
        disputes.disputed_amount
    from {{ ref('stg_erp__disputes') }} as disputes
    left join invoices using (invoice_id)
),
resolutions as (
    select item_id as source_ref, cast(decided_at as date) as resolved_on
    from {{ ref('int_commitment_decisions_latest') }}
    where item_kind = 'dispute' and decision = 'resolved'
),
taken_over as (
    -- the ERP's first dispute on the invoice opened since the customer's
    select commitments.source_ref, commitments.invoice_id, min(erp_disputes.opened_on) as erp_opened_on
    from {{ ref('int_customer_commitments') }} as commitments
    join erp_disputes
      on erp_disputes.invoice_id = commitments.invoice_id
     and erp_disputes.opened_on >= cast(commitments.made_at as date)
    where commitments.commitment_kind = 'dispute'
    group by 1, 2
),
customer_disputes as (
    select
        commitments.commitment_source || '-' || commitments.source_ref || '-' || commitments.invoice_id as dispute_id,
        commitments.invoice_id,
        commitments.customer_id,
        commitments.commitment_source as dispute_source,
        commitments.source_ref,
        cast(commitments.made_at as date) as opened_on,
        case
            when resolutions.resolved_on is null then taken_over.erp_opened_on
            when taken_over.erp_opened_on is null then resolutions.resolved_on
            else least(resolutions.resolved_on, taken_over.erp_opened_on)
        end as resolved_on,
        commitments.dispute_reason,
        commitments.open_amount_then as disputed_amount
    from {{ ref('int_customer_commitments') }} as commitments
    left join resolutions using (source_ref)
    left join taken_over using (source_ref, invoice_id)
    where commitments.commitment_kind = 'dispute'
)
select * from erp_disputes
union all
select * from customer_disputes

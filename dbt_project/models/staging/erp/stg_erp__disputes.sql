with source as (
    {{ erp_snapshot('disputes') }}
),
renamed as (
    select
        dispute_id,
        invoice_id,
        opened_at as opened_on,
        resolved_at as resolved_on,
        reason as dispute_reason,
        amount as disputed_amount
    from source
)
select * from renamed
